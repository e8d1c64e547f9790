"""What a consultation holds, as its readers may see it: the consultations of a
scope, a draft's paragraphs, the comments, the statements with their tallies,
the responses, every vote as a table for the opinion map, the map kept at the
close, and the snapshot a consultation's pages are drawn from. Hidden comments
and statements keep their place, never their text.

The opinion map drawn from the votes is in ``views``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, hash_token
from agilegov.dialogue.access import Voice, may_read, readable_consultation
from agilegov.dialogue.models import (
    Comment,
    Consultation,
    OpinionMap,
    Paragraph,
    Participant,
    Response,
    Statement,
    Vote,
    consultation_invitations,
)
from agilegov.dialogue.open_data import public_consultations
from agilegov.dialogue.schemas import (
    Choice,
    CommentRead,
    ConsultationRead,
    ParagraphRead,
    ParticipantRead,
    ResponseRead,
    StatementRead,
)
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork


def get_consultation(uow: UnitOfWork, actor: Principal, consultation_id: int) -> ConsultationRead:
    with uow:
        consultation, _ = readable_consultation(uow.session, actor, consultation_id)
        return ConsultationRead.model_validate(consultation)


def list_consultations(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[ConsultationRead]:
    with uow:
        session = uow.session
        scope = session.get(Scope, scope_id)
        if scope is None:
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        rows = session.scalars(
            select(Consultation)
            .where(Consultation.scope_id == scope_id)
            .order_by(Consultation.id.desc())
        )
        return [ConsultationRead.model_validate(c) for c in rows if may_read(actor, c, scope)]


def _paragraphs(session: Session, consultation_id: int) -> list[ParagraphRead]:
    rows = session.scalars(
        select(Paragraph)
        .where(Paragraph.consultation_id == consultation_id)
        .order_by(Paragraph.number)
    )
    return [ParagraphRead.model_validate(row) for row in rows]


def comment_read(comment: Comment) -> CommentRead:
    """A comment as shown: a hidden one without its body."""
    read = CommentRead.model_validate(comment)
    return read.model_copy(update={"body": None}) if comment.hidden_at else read


def _comments(session: Session, consultation_id: int) -> list[CommentRead]:
    rows = session.scalars(
        select(Comment).where(Comment.consultation_id == consultation_id).order_by(Comment.id)
    )
    return [comment_read(row) for row in rows]


def _statements(session: Session, consultation_id: int) -> list[StatementRead]:
    """Every statement with its tallies; a hidden one keeps its place, not its text."""
    tallies: dict[tuple[int, int], int] = {
        (row.statement_id, row.value): row.n
        for row in session.execute(
            select(Vote.statement_id, Vote.value, func.count().label("n"))
            .where(Vote.consultation_id == consultation_id)
            .group_by(Vote.statement_id, Vote.value)
        )
    }
    rows = session.scalars(
        select(Statement).where(Statement.consultation_id == consultation_id).order_by(Statement.id)
    )
    return [
        StatementRead.model_validate(row).model_copy(
            update={
                "text": None if row.hidden_at else row.text,
                "agrees": tallies.get((row.id, 1), 0),
                "disagrees": tallies.get((row.id, -1), 0),
                "passes": tallies.get((row.id, 0), 0),
            }
        )
        for row in rows
    ]


def _responses(session: Session, consultation_id: int) -> list[ResponseRead]:
    rows = session.scalars(
        select(Response).where(Response.consultation_id == consultation_id).order_by(Response.id)
    )
    return [ResponseRead.model_validate(row) for row in rows]


def paragraphs(uow: UnitOfWork, actor: Principal, consultation_id: int) -> list[ParagraphRead]:
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _paragraphs(uow.session, consultation_id)


def comments(uow: UnitOfWork, actor: Principal, consultation_id: int) -> list[CommentRead]:
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _comments(uow.session, consultation_id)


def statements(uow: UnitOfWork, actor: Principal, consultation_id: int) -> list[StatementRead]:
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _statements(uow.session, consultation_id)


def responses(uow: UnitOfWork, actor: Principal, consultation_id: int) -> list[ResponseRead]:
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _responses(uow.session, consultation_id)


# ---------------------------------------------------------------- votes for the opinion map


@dataclass(frozen=True)
class VoteTable:
    """Every vote of a consultation as columns, and the statements moderated out."""

    participant_ids: Sequence[int]
    statement_ids: Sequence[int]
    values: Sequence[int]
    all_statements: Sequence[int]
    hidden_statements: frozenset[int]
    always_clustered: frozenset[int]


def _vote_table(session: Session, consultation_id: int) -> VoteTable:
    rows = session.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value, Participant.always_clustered)
        .join(Participant, Participant.id == Vote.participant_id)
        .where(Vote.consultation_id == consultation_id)
        .order_by(Vote.id)
    ).all()
    statements_ = session.execute(
        select(Statement.id, Statement.hidden_at)
        .where(Statement.consultation_id == consultation_id)
        .order_by(Statement.id)
    ).all()
    return VoteTable(
        participant_ids=[row[0] for row in rows],
        statement_ids=[row[1] for row in rows],
        values=[row[2] for row in rows],
        all_statements=[row.id for row in statements_],
        hidden_statements=frozenset(row.id for row in statements_ if row.hidden_at is not None),
        # Only those who voted: the map has nowhere to put anyone else.
        always_clustered=frozenset(row[0] for row in rows if row[3]),
    )


def vote_table(uow: UnitOfWork, actor: Principal, consultation_id: int) -> VoteTable:
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _vote_table(uow.session, consultation_id)


def _kept_map(session: Session, consultation_id: int) -> dict[str, Any] | None:
    return session.scalar(
        select(OpinionMap.result)
        .where(OpinionMap.consultation_id == consultation_id)
        .order_by(OpinionMap.id.desc())
        .limit(1)
    )


def latest_opinion_map(
    uow: UnitOfWork, actor: Principal, consultation_id: int
) -> dict[str, Any] | None:
    """The opinion map kept when the consultation closed, if it has closed."""
    with uow:
        readable_consultation(uow.session, actor, consultation_id)
        return _kept_map(uow.session, consultation_id)


# ---------------------------------------------------------------- a consultation's pages


@dataclass(frozen=True)
class Snapshot:
    """Everything a consultation's pages show, read in one transaction."""

    consultation: ConsultationRead
    organization_id: int
    scope_name: str
    paragraphs: list[ParagraphRead]
    comments: list[CommentRead]
    statements: list[StatementRead]
    responses: list[ResponseRead]
    pseudonyms: dict[int, str]
    me: ParticipantRead | None
    my_votes: dict[int, Choice]
    votes: VoteTable
    kept_map: dict[str, Any] | None


def _me(participants: Sequence[Participant], voice: Voice) -> Participant | None:
    if voice.actor.user_id is not None:
        return next((p for p in participants if p.user_id == voice.actor.user_id), None)
    if voice.secret:
        hashed = hash_token(voice.secret)
        return next((p for p in participants if p.secret_hash == hashed), None)
    return None


def snapshot(uow: UnitOfWork, voice: Voice, consultation_id: int) -> Snapshot:
    with uow:
        session = uow.session
        consultation, scope = readable_consultation(session, voice.actor, consultation_id)
        participants = session.scalars(
            select(Participant).where(Participant.consultation_id == consultation_id)
        ).all()
        me = _me(participants, voice)
        votes = _vote_table(session, consultation_id)
        mine = {
            statement: Choice.of_number(value)
            for person, statement, value in zip(
                votes.participant_ids, votes.statement_ids, votes.values, strict=True
            )
            if me is not None and person == me.id
        }
        return Snapshot(
            consultation=ConsultationRead.model_validate(consultation),
            organization_id=scope.organization_id,
            scope_name=scope.name,
            paragraphs=_paragraphs(session, consultation_id),
            comments=_comments(session, consultation_id),
            statements=_statements(session, consultation_id),
            responses=_responses(session, consultation_id),
            pseudonyms={p.id: p.pseudonym for p in participants},
            me=ParticipantRead.model_validate(me) if me is not None else None,
            my_votes=mine,
            votes=votes,
            kept_map=_kept_map(session, consultation_id),
        )


@dataclass(frozen=True)
class OpenConsultation:
    """A consultation taking input now, with the scope it is about."""

    id: int
    title: str
    closes_at: datetime
    scope_id: int
    scope_name: str


def open_consultations(session: Session, actor: Principal | None = None) -> list[OpenConsultation]:
    """The consultations open now, closing soonest first (one query). Without an
    actor: the public consultations of published scopes. With one: those their
    organizations own or are invited to that they have not taken part in yet."""
    now = clock.now()
    query = (
        select(
            Consultation.id,
            Consultation.title,
            Consultation.closes_at,
            Scope.id,
            Scope.name,
        )
        .join(Scope, Scope.id == Consultation.scope_id)
        .where(
            Consultation.closed_at.is_(None),
            Consultation.opens_at <= now,
            Consultation.closes_at > now,
        )
        .order_by(Consultation.closes_at, Consultation.id)
    )
    if actor is None:
        query = query.where(Consultation.audience == "public", Scope.visibility == "public")
    else:
        member_of = list(actor.roles)
        invited = select(consultation_invitations.c.consultation_id).where(
            consultation_invitations.c.organization_id.in_(member_of)
        )
        taken_part = select(Participant.consultation_id).where(Participant.user_id == actor.user_id)
        query = query.where(
            or_(Scope.organization_id.in_(member_of), Consultation.id.in_(invited)),
            Consultation.id.not_in(taken_part),
        )
    return [OpenConsultation(*row) for row in session.execute(query)]


def consultations_between(
    session: Session, scope_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The scope's consultations open at some time in the period, with how
    many comments they received and what became of the input."""
    consultations = session.scalars(
        select(Consultation)
        .where(
            Consultation.scope_id == scope_id,
            Consultation.opens_at < until,
            Consultation.closes_at >= since,
        )
        .order_by(Consultation.id)
    ).all()
    ids = [c.id for c in consultations]
    comments = dict(
        session.execute(
            select(Comment.consultation_id, func.count())
            .where(Comment.consultation_id.in_(ids))
            .group_by(Comment.consultation_id)
        ).all()
    )
    responses: dict[int, dict[str, int]] = {i: {} for i in ids}
    for consultation_id, decision, count in session.execute(
        select(Response.consultation_id, Response.decision, func.count())
        .where(Response.consultation_id.in_(ids))
        .group_by(Response.consultation_id, Response.decision)
    ):
        responses[consultation_id][decision] = count
    return [
        {
            "id": c.id,
            "title": c.title,
            "subject": c.subject,
            "opens_at": c.opens_at.isoformat(),
            "closes_at": c.closes_at.isoformat(),
            "comments": comments.get(c.id, 0),
            "responses": responses[c.id],
        }
        for c in consultations
    ]


def public_consultations_latest(session: Session, limit: int) -> list[dict[str, Any]]:
    """The latest public consultations of published scopes, newest first."""
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.id.in_(public_consultations()))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        .limit(limit)
    )
    return [
        {"id": row.id, "title": row.title, "summary": row.summary, "created_at": row.created_at}
        for row in rows
    ]
