"""Pol.is conversations in and out of the database: a Pol.is export imported as
a consultation of a scope, and a consultation exported as a Pol.is
conversation. The files themselves are read and written by ``polis``, and
zipped for the API by ``archive``.
"""

import hashlib
import json
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from agilegov import clock, values
from agilegov.auth import Principal
from agilegov.dialogue import polis
from agilegov.dialogue.access import readable_consultation
from agilegov.dialogue.models import Consultation, Paragraph, Participant, Statement, Vote
from agilegov.dialogue.schemas import ConsultationRead
from agilegov.errors import InvalidInput, Unauthenticated
from agilegov.i18n import lazy
from agilegov.record.service import record_event
from agilegov.tenancy import Scope, writable_scope
from agilegov.uow import UnitOfWork


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int) -> datetime:
    return values.time_of_epoch_ms(ms)  # the reader has checked it is in range


def _importing_scope(session: Session, actor: Principal, scope_id: int) -> Scope:
    """The scope a Pol.is export may be imported into by ``actor``: asked of a
    caller who is not signed in, the answer is to sign in, whatever the scope."""
    if not actor.authenticated:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    return writable_scope(session, actor, scope_id)


def check_import(uow: UnitOfWork, actor: Principal, scope_id: int) -> None:
    """Refuse a caller who may not import into the scope, before the export is read."""
    with uow:
        _importing_scope(uow.session, actor, scope_id)


def import_polis(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    export: polis.PolisExport,
    open_until: datetime | None = None,
) -> ConsultationRead:
    """A Pol.is conversation as a consultation of the scope: its statements (those
    moderated out there, hidden here), its participants under pseudonyms, and the
    latest vote of each. It is closed at its last vote unless ``open_until`` keeps
    it open. One event records the whole import with the digest of its votes."""
    with uow:
        session = uow.session
        scope = _importing_scope(session, actor, scope_id)
        latest = export.votes.latest()
        times = [s.created_ms for s in export.statements] + export.votes.created_ms.tolist()
        if not times:
            raise InvalidInput.on("votes", lazy("the conversation holds no statement and no vote"))
        began, ended = _moment(min(times)), _moment(min(max(times) + 1, values.LATEST_MS))
        if open_until is not None and open_until <= began:
            raise InvalidInput.on("open_until", lazy("must be after the conversation began"))
        now = clock.now()
        consultation = Consultation(
            scope_id=scope.id,
            title=(export.summary.topic or "Imported conversation")[:200],
            subject="report",
            summary=export.summary.description,
            opens_at=began,
            closes_at=open_until or ended,
            audience="public" if scope.visibility == "public" else "invited",
            allow_pseudonymous=scope.visibility == "public",
            closed_at=None if open_until else ended,
            source=export.summary.url[:500],
            created_at=now,
            updated_at=now,
        )
        session.add(consultation)
        session.flush()
        session.add(
            Paragraph(
                consultation_id=consultation.id,
                number=1,
                text=export.summary.description or export.summary.topic or "(no draft)",
            )
        )
        people = sorted(
            set(export.votes.participant_ids.tolist()) | {s.author_id for s in export.statements}
        )
        clustered = {p for p, group in export.polis_groups().items() if group is not None}
        participant_of: dict[int, int] = {}
        for person in people:
            row = Participant(
                consultation_id=consultation.id,
                pseudonym=f"Pol.is participant {person}",
                external_id=str(person),
                always_clustered=person in clustered,
                created_at=now,
            )
            session.add(row)
            session.flush()
            participant_of[person] = row.id
        statement_of: dict[int, int] = {}
        for item in export.statements:
            row = Statement(
                consultation_id=consultation.id,
                participant_id=participant_of.get(item.author_id),
                text=item.body,
                external_id=str(item.id),
                created_at=_moment(item.created_ms),
                hidden_at=now if item.moderated == -1 or item.is_meta else None,
                hidden_reason="moderated out in Pol.is"
                if item.moderated == -1
                else ("a meta statement in Pol.is" if item.is_meta else None),
            )
            session.add(row)
            session.flush()
            statement_of[item.id] = row.id
        rows = [
            {
                "consultation_id": consultation.id,
                "statement_id": statement_of[statement],
                "participant_id": participant_of[person],
                "value": value,
                "voted_at": _moment(created),
            }
            for created, statement, person, value in latest.rows()
        ]
        if rows:
            session.execute(insert(Vote), rows)
        digest = hashlib.sha256(
            json.dumps(
                [[r["statement_id"], r["participant_id"], r["value"]] for r in rows]
            ).encode()
        ).hexdigest()
        read = ConsultationRead.model_validate(consultation)
        payload = read.model_dump(mode="json") | {
            "statements": len(statement_of),
            "participants": len(participant_of),
            "votes": len(rows),
            "votes_sha256": digest,
        }
        record_event(session, actor, "consultation.imported", consultation.id, payload, scope=scope)
        uow.commit()
        return read


def export_polis(uow: UnitOfWork, actor: Principal, consultation_id: int) -> polis.Conversation:
    """A consultation as a Pol.is conversation: statements (hidden ones moderated
    out), every participant's latest vote, and the groups of the opinion map."""
    with uow:
        session = uow.session
        consultation, _ = readable_consultation(session, actor, consultation_id)
        statement_rows = session.scalars(
            select(Statement)
            .where(Statement.consultation_id == consultation_id)
            .order_by(Statement.id)
        ).all()
        votes = session.execute(
            select(
                Vote.voted_at,
                Vote.statement_id,
                Vote.participant_id,
                Vote.value,
                Participant.always_clustered,
            )
            .join(Participant, Participant.id == Vote.participant_id)
            .where(Vote.consultation_id == consultation_id)
            .order_by(Vote.voted_at, Vote.id)
        ).all()
        statements_ = tuple(
            polis.Statement(
                id=row.id,
                author_id=row.participant_id or 0,
                created_ms=_ms(row.created_at),
                body=row.text,
                moderated=-1 if row.hidden_at else 1,
            )
            for row in statement_rows
        )
        log = polis.VoteLog(
            created_ms=[_ms(v.voted_at) for v in votes],
            statement_ids=[v.statement_id for v in votes],
            participant_ids=[v.participant_id for v in votes],
            values=[v.value for v in votes],
        )
        always_clustered = {v.participant_id for v in votes if v.always_clustered}
        title, summary, source = consultation.title, consultation.summary, consultation.source
    conversation = polis.Conversation(
        topic=title, statements=statements_, votes=log, url=source, description=summary
    )
    groups = polis.opinion_map(conversation, always_clustered).group_of()
    return polis.Conversation(
        topic=title,
        statements=statements_,
        votes=log,
        groups=groups,
        url=source,
        description=summary,
    )
