"""Open data: which rows of which tables are published, the licence each
organization publishes under, and cutting a dump of them at a signed checkpoint.

A row is public by its part's own rule: a scope by its ``visibility``, what
belongs to a scope by its scope's, a consultation also by its own audience, a
shared incident always (until retracted), a regulatory requirement once
published, an assessment once completed. Columns that name a user are never
dumped; a vote names its participant as the Pol.is export does, never a user.
"""

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, null, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.assurance.models import Assessment
from agilegov.auth import Principal, Role
from agilegov.commons.models import SharedIncident
from agilegov.cycle.models import Review
from agilegov.design.models import Measure
from agilegov.dialogue.models import Consultation, Statement, Vote
from agilegov.disclosure.dump import ENTRY_COLUMN, LICENCE_COLUMN, Table, seal, write_tables
from agilegov.disclosure.open_models import DEFAULT_LICENCE, LICENCES, DataLicence
from agilegov.errors import InvalidInput, NotFound
from agilegov.goals.models import Goal, Indicator
from agilegov.i18n import lazy
from agilegov.monitor.models import Evaluation, Observation
from agilegov.organizations.models import Organization
from agilegov.record import log
from agilegov.record.checkpoints import latest_checkpoint
from agilegov.record.models import Event
from agilegov.record.notes import Signer
from agilegov.record.service import record_event
from agilegov.regulation.models import RegulatoryReport, RegulatoryRequirement, ReportEvaluation
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork

# Rows fetched at a time: what a table costs in memory, whatever its size.
BATCH = 2_000


def public_scopes() -> Select[Any]:
    return select(Scope.id).where(Scope.visibility == "public")


def public_consultations() -> Select[Any]:
    return select(Consultation.id).where(
        Consultation.scope_id.in_(public_scopes()), Consultation.audience == "public"
    )


def _data_columns(model: Any, leave_out: Iterable[str] = ()) -> list[Any]:
    """The model's columns but those naming a user and those left out."""
    skipped = set(leave_out)
    return [
        column
        for column in model.__table__.columns
        if column.name not in skipped
        and not any(key.target_fullname.startswith("users.") for key in column.foreign_keys)
    ]


class PublicTable:
    """How one table's public rows are read: the columns, the condition, the
    organization whose licence covers a row, and where its record entry is."""

    def __init__(
        self,
        name: str,
        model: Any,
        where: Sequence[ColumnElement[bool]],
        organization: Any,
        subject_type: str | None,
        leave_out: Iterable[str] = (),
        joins: Sequence[tuple[Any, Any]] = (),
        licence: Any = None,
        event_prefix: str | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.columns = _data_columns(model, leave_out)
        self.where = where
        self.organization = organization
        self.subject_type = subject_type
        self.joins = joins
        self.licence = licence
        # Events about the row are of types ``<prefix>.<action>`` (others about
        # the same subject, a vote about its statement, tell of something else).
        self.event_prefix = event_prefix or subject_type

    def query(self) -> Select[Any]:
        """The rows, with the record entry of the latest public event about each,
        and the licence."""
        statement = select(*self.columns)
        for target, on in self.joins:
            statement = statement.join(target, on)
        if self.subject_type is not None:
            latest = (
                select(Event.subject_id, func.max(Event.leaf_index).label("leaf_index"))
                .where(
                    Event.subject_type == self.subject_type,
                    Event.type.startswith(f"{self.event_prefix}.", autoescape=True),
                    Event.payload_salt.is_(None),
                )
                .group_by(Event.subject_id)
                .subquery()
            )
            statement = statement.outerjoin(latest, latest.c.subject_id == self.model.id)
            entry: Any = latest.c.leaf_index
        elif "leaf_index" in self.model.__table__.columns:
            public = (
                select(Event.leaf_index)
                .where(
                    Event.leaf_index == self.model.leaf_index,
                    Event.payload_salt.is_(None),
                )
                .scalar_subquery()
            )
            entry = public
        else:
            entry = null()
        if self.licence is not None:
            licence: Any = self.licence
        else:
            chosen = (
                select(DataLicence.licence)
                .where(DataLicence.organization_id == self.organization)
                .scalar_subquery()
            )
            licence = func.coalesce(chosen, literal(DEFAULT_LICENCE))
        return (
            statement.add_columns(entry.label(ENTRY_COLUMN), licence.label(LICENCE_COLUMN))
            .where(*self.where)
            .order_by(self.model.id)
        )

    def column_names(self) -> tuple[str, ...]:
        names = tuple(column.name for column in self.columns if column.name != ENTRY_COLUMN)
        return (*names, ENTRY_COLUMN, LICENCE_COLUMN)


def _scope_organization(model: Any) -> Any:
    # Correlated by name: it stands inside the licence's subquery, two levels down.
    return (
        select(Scope.organization_id)
        .where(Scope.id == model.scope_id)
        .correlate(model)
        .scalar_subquery()
    )


def _in_public_scope(model: Any) -> list[ColumnElement[bool]]:
    return [model.scope_id.in_(public_scopes())]


def public_tables() -> list[PublicTable]:
    requirement_scope = (
        select(Scope.organization_id)
        .join(RegulatoryRequirement, RegulatoryRequirement.scope_id == Scope.id)
        .join(RegulatoryReport, RegulatoryReport.requirement_id == RegulatoryRequirement.id)
        .where(RegulatoryReport.id == ReportEvaluation.report_id)
        .correlate(ReportEvaluation)
        .scalar_subquery()
    )
    return [
        PublicTable(
            "scopes",
            Scope,
            [Scope.visibility == "public"],
            Scope.organization_id,
            "scope",
        ),
        PublicTable("goals", Goal, _in_public_scope(Goal), _scope_organization(Goal), "goal"),
        PublicTable(
            "indicators",
            Indicator,
            _in_public_scope(Indicator),
            _scope_organization(Indicator),
            "indicator",
        ),
        PublicTable(
            "observations",
            Observation,
            [Indicator.scope_id.in_(public_scopes())],
            _scope_organization(Indicator),
            None,
            joins=[(Indicator, Indicator.id == Observation.indicator_id)],
        ),
        PublicTable(
            "evaluations",
            Evaluation,
            _in_public_scope(Evaluation),
            _scope_organization(Evaluation),
            None,
            leave_out=["leaf_index"],
        ),
        PublicTable(
            "measures", Measure, _in_public_scope(Measure), _scope_organization(Measure), "measure"
        ),
        PublicTable(
            "reviews", Review, _in_public_scope(Review), _scope_organization(Review), "review"
        ),
        PublicTable(
            "consultations",
            Consultation,
            [Consultation.id.in_(public_consultations())],
            _scope_organization(Consultation),
            "consultation",
        ),
        PublicTable(
            "consultation_statements",
            Statement,
            [Statement.consultation_id.in_(public_consultations()), Statement.hidden_at.is_(None)],
            _scope_organization(Consultation),
            "consultation_statement",
            event_prefix="statement",
            leave_out=["hidden_at", "hidden_reason"],
            joins=[(Consultation, Consultation.id == Statement.consultation_id)],
        ),
        PublicTable(
            "consultation_votes",
            Vote,
            [Vote.consultation_id.in_(public_consultations())],
            _scope_organization(Consultation),
            None,
            joins=[(Consultation, Consultation.id == Vote.consultation_id)],
        ),
        PublicTable(
            "shared_incidents",
            SharedIncident,
            [SharedIncident.status != "retracted"],
            None,
            "shared_incident",
            # Who shared it is never shown, nor the incident it came from.
            leave_out=["organization_id", "incident_id", "licence"],
            licence=SharedIncident.licence,
        ),
        PublicTable(
            "regulatory_requirements",
            RegulatoryRequirement,
            [RegulatoryRequirement.status == "published"],
            _scope_organization(RegulatoryRequirement),
            "requirement",
        ),
        PublicTable(
            "report_evaluations",
            ReportEvaluation,
            [literal(True)],
            requirement_scope,
            "report_evaluation",
        ),
        PublicTable(
            "assessments",
            Assessment,
            [*_in_public_scope(Assessment), Assessment.status == "completed"],
            Assessment.assessor_organization_id,
            "assessment",
        ),
    ]


TABLE_NAMES: tuple[str, ...] = tuple(spec.name for spec in public_tables())


def _rows(session: Session, statement: Select[Any]) -> Iterable[Sequence[Any]]:
    # Core rows, streamed BATCH at a time (a server-side cursor on PostgreSQL).
    result = session.connection().execution_options(yield_per=BATCH).execute(statement)
    yield from result


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
            Table(spec.name, spec.column_names(), partial(_rows, session, spec.query()))
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
        if uow.session.get(Organization, organization_id) is None:
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
        if session.get(Organization, organization_id) is None:
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
