"""Taking part in an open consultation: comments on the draft's paragraphs,
statements to vote on, and votes, a later vote replacing the earlier one on the
same statement.

Who may take part: anyone in a public consultation (signed in, or under a
pseudonym whose secret their browser keeps), members of the invited
organizations in an invited one, and the owning organization's members in
both. A caller becomes a participant on their first contribution; each
participant is held to rate limits. Every contribution appends its event to
the record in its own transaction.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role, hash_token
from agilegov.db import hold
from agilegov.dialogue.access import (
    Voice,
    invited_member,
    readable_consultation,
)
from agilegov.dialogue.models import (
    Comment,
    Consultation,
    Paragraph,
    Participant,
    Statement,
    Vote,
)
from agilegov.dialogue.reads import comment_read
from agilegov.dialogue.schemas import (
    Choice,
    CommentCreate,
    StatementCreate,
    StatementRead,
    VoteCreate,
    VoteRead,
)
from agilegov.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from agilegov.i18n import N_, Lazy, lazy
from agilegov.organizations.service import user_name
from agilegov.record.service import record_event
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork

# (actions, within) a participant may take of each kind before being told to wait.
# Each action as its limit names it.
ACTIONS = {"vote": N_("votes"), "comment": N_("comments"), "statement": N_("statements")}
RATE_LIMITS: dict[str, tuple[int, timedelta]] = {
    "vote": (120, timedelta(minutes=1)),
    "comment": (10, timedelta(minutes=10)),
    "statement": (10, timedelta(hours=1)),
}
# New pseudonymous participants a consultation takes in a minute: a bound on
# floods from browsers that throw their pseudonym away after each vote.
NEW_PSEUDONYMS_PER_MINUTE = 60
PSEUDONYM_SECRET_PREFIX = "agp_"


@dataclass(frozen=True)
class Spoken:
    """What a participation call returns: its result, and the pseudonym secret
    to keep when it made the caller a new pseudonymous participant."""

    result: Any
    new_secret: str | None = None


def _require_open(consultation: Consultation) -> None:
    status = consultation.status
    if status != "open":
        raise Conflict(
            lazy(
                "consultation %(consultation_id)s is %(status)s: "
                "it takes part from %(opens_at)s to %(closes_at)s",
                consultation_id=consultation.id,
                status=status,
                opens_at=consultation.opens_at.isoformat(),
                closes_at=consultation.closes_at.isoformat(),
            )
        )


def _participant(
    session: Session, consultation: Consultation, scope: Scope, voice: Voice, create: bool
) -> tuple[Participant, str | None]:
    """The caller's participant row, made on first use; and a new pseudonym
    secret when one was made for an anonymous caller."""
    actor = voice.actor
    if actor.user_id is not None:
        if consultation.audience == "invited" and not (
            actor.can(scope.organization_id, Role.viewer) or invited_member(actor, consultation)
        ):
            raise Forbidden(lazy("this consultation is for the invited organizations"))
        found = _user_participant(session, consultation, actor.user_id)
        if found is None and create:
            # People join one at a time: the same person's first contributions,
            # sent at once, find the participant the first of them made.
            hold(session, consultation)
            found = _user_participant(session, consultation, actor.user_id)
        if found is not None:
            return found, None
        if not create:
            raise NotFound(lazy("you have not taken part yet"))
        name = user_name(session, actor.user_id) or "Participant"
        return _join(session, consultation, scope, actor, name, None), None
    if voice.secret:
        found = session.scalar(
            select(Participant).where(
                Participant.consultation_id == consultation.id,
                Participant.secret_hash == hash_token(voice.secret),
            )
        )
        if found is not None:
            return found, None
    if not consultation.allow_pseudonymous:
        raise Unauthenticated(lazy("sign in to take part in this consultation"))
    if not create:
        raise NotFound(lazy("you have not taken part yet"))
    # One at a time, so that pseudonyms are numbered once each and the limit holds.
    hold(session, consultation)
    recent = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(
            Participant.consultation_id == consultation.id,
            Participant.user_id.is_(None),
            Participant.created_at > clock.now() - timedelta(minutes=1),
        )
    )
    if recent is not None and recent >= NEW_PSEUDONYMS_PER_MINUTE:
        raise TooManyRequests(
            lazy("too many new participants at once; please try again in a minute")
        )
    secret = PSEUDONYM_SECRET_PREFIX + secrets.token_urlsafe(32)
    count = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.consultation_id == consultation.id)
    )
    participant = _join(session, consultation, scope, actor, f"Participant {count + 1}", secret)
    return participant, secret


def _user_participant(
    session: Session, consultation: Consultation, user_id: int
) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.consultation_id == consultation.id, Participant.user_id == user_id
        )
    )


def _join(
    session: Session,
    consultation: Consultation,
    scope: Scope,
    actor: Principal,
    pseudonym: str,
    secret: str | None,
) -> Participant:
    participant = Participant(
        consultation_id=consultation.id,
        user_id=actor.user_id,
        pseudonym=pseudonym,
        secret_hash=hash_token(secret) if secret else None,
        created_at=clock.now(),
    )
    session.add(participant)
    session.flush()
    # Who a signed-in participant is stays off the public record: the pseudonym only.
    payload = {"id": participant.id, "consultation_id": consultation.id, "pseudonym": pseudonym}
    record_event(
        session,
        actor,
        "participant.joined",
        participant.id,
        payload,
        scope=scope,
        subject_type="consultation_participant",
    )
    return participant


def _limit(session: Session, participant: Participant, action: str) -> None:
    most, within = RATE_LIMITS[action]
    model, time = {
        "vote": (Vote, Vote.voted_at),
        "comment": (Comment, Comment.created_at),
        "statement": (Statement, Statement.created_at),
    }[action]
    recent = session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.participant_id == participant.id, time > clock.now() - within)
    )
    if recent is not None and recent >= most:
        raise TooManyRequests(
            lazy(
                "at most %(most)s %(actions)s in %(minutes)s minutes; please wait a little",
                most=most,
                actions=Lazy(ACTIONS[action]),
                minutes=int(within.total_seconds() // 60),
            )
        )


def _taking_part(
    session: Session, voice: Voice, consultation_id: int
) -> tuple[Consultation, Scope, Participant, str | None]:
    consultation, scope = readable_consultation(session, voice.actor, consultation_id)
    _require_open(consultation)
    participant, secret = _participant(session, consultation, scope, voice, create=True)
    # A participant's contributions take turns: a vote replaces the one before
    # it rather than joining it, and the rate limits count every one.
    hold(session, participant)
    return consultation, scope, participant, secret


def add_comment(uow: UnitOfWork, voice: Voice, consultation_id: int, data: CommentCreate) -> Spoken:
    with uow:
        session = uow.session
        consultation, scope, participant, secret = _taking_part(session, voice, consultation_id)
        paragraph = session.scalar(
            select(Paragraph).where(
                Paragraph.consultation_id == consultation.id, Paragraph.number == data.paragraph
            )
        )
        if paragraph is None:
            raise InvalidInput.on(
                "paragraph",
                lazy("the draft has no paragraph %(paragraph)s", paragraph=data.paragraph),
            )
        _limit(session, participant, "comment")
        comment = Comment(
            consultation_id=consultation.id,
            paragraph_id=paragraph.id,
            participant_id=participant.id,
            body=data.body,
            created_at=clock.now(),
        )
        session.add(comment)
        session.flush()
        read = comment_read(comment)
        record_event(
            session,
            voice.actor,
            "comment.created",
            comment.id,
            read,
            scope=scope,
            subject_type="consultation_comment",
        )
        uow.commit()
        return Spoken(read, secret)


def add_statement(
    uow: UnitOfWork, voice: Voice, consultation_id: int, data: StatementCreate
) -> Spoken:
    with uow:
        session = uow.session
        consultation, scope, participant, secret = _taking_part(session, voice, consultation_id)
        _limit(session, participant, "statement")
        # One new statement at a time: the same one sent twice at once is stored once.
        hold(session, consultation)
        duplicate = session.scalar(
            select(Statement.id).where(
                Statement.consultation_id == consultation.id,
                func.lower(Statement.text) == data.text.lower(),
            )
        )
        if duplicate is not None:
            raise InvalidInput.on(
                "text", lazy("statement %(duplicate)s says this already", duplicate=duplicate)
            )
        statement = Statement(
            consultation_id=consultation.id,
            participant_id=participant.id,
            text=data.text,
            created_at=clock.now(),
        )
        session.add(statement)
        session.flush()
        read = StatementRead.model_validate(statement)
        record_event(
            session,
            voice.actor,
            "statement.created",
            statement.id,
            read,
            scope=scope,
            subject_type="consultation_statement",
        )
        uow.commit()
        return Spoken(read, secret)


def cast_vote(uow: UnitOfWork, voice: Voice, consultation_id: int, data: VoteCreate) -> Spoken:
    """One vote per participant and statement: a later vote replaces the earlier."""
    with uow:
        session = uow.session
        consultation, scope, participant, secret = _taking_part(session, voice, consultation_id)
        statement = session.get(Statement, data.statement_id)
        if statement is None or statement.consultation_id != consultation.id:
            raise InvalidInput.on(
                "statement_id",
                lazy("no statement %(statement_id)s here", statement_id=data.statement_id),
            )
        if statement.hidden_at is not None:
            raise InvalidInput.on(
                "statement_id",
                lazy("statement %(statement_id)s was moderated out", statement_id=statement.id),
            )
        _limit(session, participant, "vote")
        value = data.vote.value_number
        vote = session.scalar(
            select(Vote).where(
                Vote.statement_id == statement.id, Vote.participant_id == participant.id
            )
        )
        replaced = None
        now = clock.now()
        if vote is None:
            vote = Vote(
                consultation_id=consultation.id,
                statement_id=statement.id,
                participant_id=participant.id,
                value=value,
                voted_at=now,
            )
            session.add(vote)
        else:
            replaced = Choice.of_number(vote.value)
            vote.value, vote.voted_at = value, now
        session.flush()
        read = VoteRead(
            statement_id=statement.id,
            participant_id=participant.id,
            vote=data.vote,
            voted_at=now,
            replaced=replaced,
        )
        record_event(
            session,
            voice.actor,
            "vote.cast",
            statement.id,
            read,
            scope=scope,
            subject_type="consultation_statement",
        )
        uow.commit()
        return Spoken(read, secret)
