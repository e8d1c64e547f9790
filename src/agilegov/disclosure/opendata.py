"""Open data: which rows of which tables are published, the licence each
organization publishes under, and cutting a dump of them at a signed checkpoint.

A row is public by its part's own rule: a scope by its ``visibility``, what
belongs to a scope by its scope's, a consultation also by its own audience, a
shared incident always (until retracted), a regulatory requirement once
published, an assessment once completed. Columns that name a user are never
dumped; a vote names its participant as the Pol.is export does, never a user.
"""

import base64
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from agilegov import clock, part
from agilegov.auth import Principal, Role
from agilegov.disclosure.dump import Table, seal, write_tables
from agilegov.disclosure.open_models import DEFAULT_LICENCE, LICENCES, DataLicence
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.open_tables import FigureTable, PublicTable
from agilegov.organizations.service import organization_exists
from agilegov.record import log
from agilegov.record.checkpoints import latest_checkpoint
from agilegov.record.models import Event
from agilegov.record.notes import Signer
from agilegov.record.service import record_event
from agilegov.uow import UnitOfWork


def licence_of(organization: Any) -> Any:
    """The licence an organization chose for its data, as SQL (the default if none)."""
    chosen = (
        select(DataLicence.licence)
        .where(DataLicence.organization_id == organization)
        .scalar_subquery()
    )
    return func.coalesce(chosen, literal(DEFAULT_LICENCE))


def public_tables() -> list[PublicTable | FigureTable]:
    """Every part's published tables, in the order of the parts."""
    return part.open_tables()


def table_names() -> list[str]:
    return [spec.name for spec in public_tables()]


def _licences(session: Session) -> dict[str, str]:
    chosen = session.execute(select(DataLicence.organization_id, DataLicence.licence)).all()
    return {"default": DEFAULT_LICENCE} | {str(org): licence for org, licence in chosen}


def cut_name(moment: datetime) -> str:
    """A cut's folder: its time, so that names sort as cuts were made."""
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


def cut_dump(uow: UnitOfWork, signer: Signer, origin: str, root: Path) -> Path:
    """Write a new cut of everything published under ``root``; its folder.

    The rows are read in one transaction, each table in one statement, so a
    row and the latest event about it agree. The checkpoint is signed after,
    so that it covers every entry the rows name, and each entry is proved under it."""
    issued = clock.now()
    with uow:
        session = uow.session
        tables = [
            Table(
                spec.name,
                spec.column_names(),
                partial(spec.rows, session, licence_of),
                figures=spec.figures,
            )
            for spec in public_tables()
        ]
        written = write_tables(root / cut_name(issued), tables)
        licences = _licences(session)
    checkpoint = latest_checkpoint(uow, signer, origin)
    with uow:

        def proof_of(index: int) -> tuple[bytes, list[bytes]]:
            leaf = uow.session.scalars(select(Event.leaf).where(Event.leaf_index == index)).one()
            return leaf, log.inclusion_proof(uow.session, index, checkpoint.size)

        seal(
            written,
            {
                "origin": origin,
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode(),
                "note": checkpoint.note,
            },
            proof_of,
            issued,
            licences,
        )
    return written.folder


# --- the licence each organization publishes under ---------------------------------


def data_licence(uow: UnitOfWork, organization_id: int) -> str:
    with uow:
        if not organization_exists(uow.session, organization_id):
            raise NotFound(
                lazy("no organization %(organization_id)s", organization_id=organization_id)
            )
        chosen = uow.session.get(DataLicence, organization_id)
        return chosen.licence if chosen is not None else DEFAULT_LICENCE


def set_data_licence(uow: UnitOfWork, actor: Principal, organization_id: int, licence: str) -> str:
    """Choose the licence of an organization's open data (its owner only)."""
    actor.require(organization_id, Role.owner)
    if licence not in LICENCES:
        raise InvalidInput.on(
            "licence",
            lazy(
                "must be one of %(choices)s, got %(value)s",
                choices=", ".join(LICENCES),
                value=licence,
            ),
        )
    with uow:
        session = uow.session
        if not organization_exists(session, organization_id):
            raise NotFound(
                lazy("no organization %(organization_id)s", organization_id=organization_id)
            )
        chosen = session.get(DataLicence, organization_id)
        if chosen is None:
            session.add(
                DataLicence(
                    organization_id=organization_id, licence=licence, updated_at=clock.now()
                )
            )
        else:
            chosen.licence, chosen.updated_at = licence, clock.now()
        record_event(
            session,
            actor,
            "data_licence.chosen",
            organization_id,
            {"licence": licence},
            organization_id=organization_id,
        )
        uow.commit()
        return licence
