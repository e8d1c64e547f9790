"""Consultations at the service, on SQLite and PostgreSQL: who may take part and
how, one vote per participant and statement, rate limits, moderation kept on
the record, responses, and the trigger a closing consultation opens. Every
refusal leaves every table as it was."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from agilegov import clock
from agilegov.auth import ANONYMOUS, Principal
from agilegov.cycle.models import Trigger
from agilegov.dialogue import lifecycle, participation, reads
from agilegov.dialogue.access import Voice
from agilegov.dialogue.models import Participant, Vote
from agilegov.dialogue.schemas import (
    CommentCreate,
    ConsultationCreate,
    Moderation,
    ResponseCreate,
    StatementCreate,
    VoteCreate,
)
from agilegov.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    TooManyRequests,
    Unauthenticated,
)
from agilegov.goals.service import GOAL
from agilegov.record.models import Event
from agilegov.uow import UnitOfWork
from builders import World, change, measure, new_scope, row_counts, specific_goal

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
DRAFT = (
    "Applicants are told why they were rejected.\n\nEvery applicant can ask a person to review.\n"
)


def _create(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Fair screening rules",
        "subject": "goals",
        "draft": DRAFT,
        "opens_at": NOW - timedelta(days=1),
        "closes_at": NOW + timedelta(days=30),
        "statements": ["Rejections must be explained", "A human reviews on request"],
    }
    with clock.frozen_at(NOW):
        return lifecycle.create_consultation(
            uow, actor, scope_id, ConsultationCreate(**(values | fields))
        )


@pytest.fixture
def public_scope(uow: UnitOfWork, world: World) -> int:
    return new_scope(uow, world.owner, world.business_id, visibility="public")


@pytest.fixture
def consultation(uow: UnitOfWork, world: World, public_scope: int) -> Any:
    return _create(uow, world.editor, public_scope)


def _statement_ids(uow: UnitOfWork, consultation_id: int) -> list[int]:
    return [s.id for s in reads.statements(uow, ANONYMOUS, consultation_id)]


def refused(uow: UnitOfWork, error: type[DomainError], call: Callable[[], Any]) -> DomainError:
    """``call`` raises ``error`` and every table is as it was."""
    before = row_counts(uow)
    with pytest.raises(error) as raised:
        call()
    assert row_counts(uow) == before
    return raised.value


def test_a_draft_becomes_numbered_paragraphs_and_is_recorded(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    paragraphs = reads.paragraphs(uow, ANONYMOUS, consultation.id)
    assert [(p.number, p.text) for p in paragraphs] == [
        (1, "Applicants are told why they were rejected."),
        (2, "Every applicant can ask a person to review."),
    ]
    assert consultation.status == "open" or consultation.opens_at <= NOW
    with uow:
        event = uow.session.scalars(select(Event).where(Event.type == "consultation.created")).one()
        assert event.payload["draft"][1].startswith("Every applicant")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"closes_at": NOW - timedelta(days=2)}, "closes_at"),
        ({"audience": "invited"}, "invited_organization_ids"),
        ({"goal_ids": [999_999]}, "goal_ids"),
        ({"invited_organization_ids": [1]}, "invited_organization_ids"),
    ],
)
def test_a_bad_consultation_is_refused_by_its_field(
    uow: UnitOfWork, world: World, public_scope: int, fields: dict[str, Any], field: str
) -> None:
    error = refused(uow, InvalidInput, lambda: _create(uow, world.editor, public_scope, **fields))
    assert error.problems[0].field == field


def test_a_public_consultation_needs_a_published_scope(uow: UnitOfWork, world: World) -> None:
    private = new_scope(uow, world.owner, world.business_id)
    error = refused(uow, InvalidInput, lambda: _create(uow, world.editor, private))
    assert error.problems[0].field == "audience"
    _create(
        uow,
        world.editor,
        private,
        audience="invited",
        invited_organization_ids=[world.regulator_id],
    )


def test_only_editors_of_the_owner_create_consultations(
    uow: UnitOfWork, world: World, public_scope: int
) -> None:
    refused(uow, Forbidden, lambda: _create(uow, world.viewer, public_scope))


def _vote(
    uow: UnitOfWork, voice: Voice, consultation_id: int, statement: int, vote: str
) -> participation.Spoken:
    with clock.frozen_at(NOW):
        return participation.cast_vote(
            uow, voice, consultation_id, VoteCreate(statement_id=statement, vote=vote)
        )


def test_a_later_vote_replaces_the_earlier_one(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    first, _ = _statement_ids(uow, consultation.id)
    voice = Voice(world.viewer)
    _vote(uow, voice, consultation.id, first, "agree")
    replaced = _vote(uow, voice, consultation.id, first, "disagree")
    assert replaced.result.replaced == "agree" and replaced.new_secret is None
    with uow:
        votes = uow.session.scalars(select(Vote)).all()
        assert [(v.statement_id, v.value) for v in votes] == [(first, -1)]
    tallies = {
        s.id: (s.agrees, s.disagrees) for s in reads.statements(uow, ANONYMOUS, consultation.id)
    }
    assert tallies[first] == (0, 1)


def test_a_pseudonym_is_made_once_and_kept_by_its_secret(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    first, second = _statement_ids(uow, consultation.id)
    spoken = _vote(uow, Voice(ANONYMOUS), consultation.id, first, "agree")
    secret = spoken.new_secret
    assert secret and secret.startswith("agp_")
    again = _vote(uow, Voice(ANONYMOUS, secret), consultation.id, second, "pass")
    assert again.new_secret is None
    with uow:
        participants = uow.session.scalars(select(Participant)).all()
        assert len(participants) == 1 and participants[0].secret_hash != secret
        assert participants[0].pseudonym == "Participant 1"


def test_without_pseudonyms_an_anonymous_visitor_must_sign_in(
    uow: UnitOfWork, world: World, public_scope: int
) -> None:
    closed_to_pseudonyms = _create(uow, world.editor, public_scope, allow_pseudonymous=False)
    first = _statement_ids(uow, closed_to_pseudonyms.id)[0]
    refused(
        uow,
        Unauthenticated,
        lambda: _vote(uow, Voice(ANONYMOUS), closed_to_pseudonyms.id, first, "agree"),
    )


@pytest.mark.parametrize("moment", [NOW - timedelta(days=5), NOW + timedelta(days=31)])
def test_nobody_takes_part_before_it_opens_or_after_it_closes(
    uow: UnitOfWork, world: World, consultation: Any, moment: datetime
) -> None:
    first = _statement_ids(uow, consultation.id)[0]
    voice = Voice(world.viewer)

    def vote() -> Any:
        with clock.frozen_at(moment):
            return participation.cast_vote(
                uow, voice, consultation.id, VoteCreate(statement_id=first, vote="agree")
            )

    refused(uow, Conflict, vote)


def test_votes_on_a_consultation_closed_early_are_refused(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    first = _statement_ids(uow, consultation.id)[0]
    with clock.frozen_at(NOW):
        lifecycle.close_consultation(uow, world.editor, consultation.id)
    refused(
        uow,
        Conflict,
        lambda: _vote(uow, Voice(world.viewer), consultation.id, first, "agree"),
    )


def test_unknown_and_moderated_statements_cannot_be_voted_on(
    uow: UnitOfWork, world: World, consultation: Any, public_scope: int
) -> None:
    first = _statement_ids(uow, consultation.id)[0]
    other = _create(uow, world.editor, public_scope, title="Another")
    foreign = _statement_ids(uow, other.id)[0]
    voice = Voice(world.viewer)
    for statement in (999_999, foreign):
        error = refused(
            uow, InvalidInput, lambda s=statement: _vote(uow, voice, consultation.id, s, "agree")
        )
        assert error.problems[0].field == "statement_id"
    lifecycle.hide(
        uow, world.editor, consultation.id, "statement", first, Moderation(reason="off topic")
    )
    refused(uow, InvalidInput, lambda: _vote(uow, voice, consultation.id, first, "agree"))


def test_floods_are_held_to_the_rate_limits(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    voice = Voice(world.viewer)
    most, _ = participation.RATE_LIMITS["comment"]
    with clock.frozen_at(NOW):
        for number in range(most):
            participation.add_comment(
                uow, voice, consultation.id, CommentCreate(paragraph=1, body=f"point {number}")
            )

    def one_more() -> Any:
        with clock.frozen_at(NOW):
            return participation.add_comment(
                uow, voice, consultation.id, CommentCreate(paragraph=1, body="again")
            )

    refused(uow, TooManyRequests, one_more)
    with clock.frozen_at(NOW + timedelta(minutes=11)):
        participation.add_comment(
            uow, voice, consultation.id, CommentCreate(paragraph=2, body="later")
        )


def test_repeated_votes_do_not_multiply(uow: UnitOfWork, world: World, consultation: Any) -> None:
    first = _statement_ids(uow, consultation.id)[0]
    voice = Voice(world.viewer)
    for _ in range(20):
        _vote(uow, voice, consultation.id, first, "agree")
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Vote)) == 1


def test_a_comment_names_an_existing_paragraph(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    def comment() -> Any:
        with clock.frozen_at(NOW):
            return participation.add_comment(
                uow,
                Voice(world.viewer),
                consultation.id,
                CommentCreate(paragraph=3, body="x"),
            )

    error = refused(uow, InvalidInput, comment)
    assert error.problems[0].field == "paragraph"


def test_a_duplicate_statement_is_refused(uow: UnitOfWork, world: World, consultation: Any) -> None:
    def add() -> Any:
        with clock.frozen_at(NOW):
            return participation.add_statement(
                uow,
                Voice(world.viewer),
                consultation.id,
                StatementCreate(text="rejections must be explained"),
            )

    assert refused(uow, InvalidInput, add).problems[0].field == "text"


def test_an_invited_consultation_is_for_the_invited(uow: UnitOfWork, world: World) -> None:
    private = new_scope(uow, world.owner, world.business_id)
    invited = _create(
        uow,
        world.editor,
        private,
        audience="invited",
        invited_organization_ids=[world.regulator_id],
    )
    statements = reads.statements(uow, world.owner, invited.id)
    first = statements[0].id
    _vote(uow, Voice(world.outsider), invited.id, first, "agree")  # the regulator's owner
    refused(uow, DomainError, lambda: _vote(uow, Voice(ANONYMOUS), invited.id, first, "agree"))


def test_moderation_hides_and_keeps_the_reason_on_the_record(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    with clock.frozen_at(NOW):
        comment = participation.add_comment(
            uow,
            Voice(world.viewer),
            consultation.id,
            CommentCreate(paragraph=1, body="spam spam"),
        ).result
    lifecycle.hide(
        uow, world.editor, consultation.id, "comment", comment.id, Moderation(reason="advertising")
    )
    shown = reads.comments(uow, ANONYMOUS, consultation.id)
    assert shown[0].body is None and shown[0].hidden_reason == "advertising"
    with uow:
        event = uow.session.scalars(select(Event).where(Event.type == "comment.hidden")).one()
        assert event.payload["reason"] == "advertising"
    refused(
        uow,
        Conflict,
        lambda: lifecycle.hide(
            uow, world.editor, consultation.id, "comment", comment.id, Moderation(reason="again")
        ),
    )
    refused(
        uow,
        Forbidden,
        lambda: lifecycle.hide(
            uow,
            world.viewer,
            consultation.id,
            "statement",
            _statement_ids(uow, consultation.id)[0],
            Moderation(reason="mine"),
        ),
    )


def _respond(uow: UnitOfWork, actor: Principal, consultation_id: int, **fields: Any) -> Any:
    return lifecycle.respond(uow, actor, consultation_id, ResponseCreate(**fields))


def test_responses_name_real_versions_and_can_be_revised(
    uow: UnitOfWork, world: World, consultation: Any, public_scope: int
) -> None:
    statement = _statement_ids(uow, consultation.id)[0]
    goal = specific_goal(uow, world.editor, public_scope)
    bad = {
        "target_kind": "statement",
        "target_id": statement,
        "decision": "accepted",
        "reason": "yes",
    }
    for change_ in (
        {"kind": "goal", "id": goal.id, "version": 9},
        {"kind": "measure", "id": goal.id, "version": 1},
    ):
        error = refused(
            uow,
            InvalidInput,
            lambda c=change_: _respond(uow, world.editor, consultation.id, **bad, change=c),
        )
        assert error.problems[0].field == "change"
    error = refused(
        uow,
        InvalidInput,
        lambda: _respond(
            uow,
            world.editor,
            consultation.id,
            **(bad | {"decision": "rejected"}),
            change={"kind": "goal", "id": goal.id, "version": 1},
        ),
    )
    assert error.problems[0].field == "change"
    refused(
        uow,
        InvalidInput,
        lambda: _respond(uow, world.editor, consultation.id, **(bad | {"target_id": 999_999})),
    )
    refused(uow, Forbidden, lambda: _respond(uow, world.viewer, consultation.id, **bad))
    _respond(uow, world.editor, consultation.id, **(bad | {"decision": "partly"}))
    _respond(
        uow,
        world.editor,
        consultation.id,
        **bad,
        change={"kind": "goal", "id": goal.id, "version": 1},
    )
    answers = reads.responses(uow, ANONYMOUS, consultation.id)
    assert (
        len(answers) == 1 and answers[0].decision == "accepted" and answers[0].change_version == 1
    )


def _close(uow: UnitOfWork, actor: Principal, consultation_id: int) -> Any:
    with clock.frozen_at(NOW + timedelta(days=2)):
        return lifecycle.close_consultation(uow, actor, consultation_id)


def _triggers(uow: UnitOfWork) -> list[tuple[str, str, dict[str, Any]]]:
    with uow:
        return [(t.kind, t.loop, t.facts) for t in uow.session.scalars(select(Trigger))]


def test_closing_with_goals_changed_calls_for_the_outer_loop(
    uow: UnitOfWork, world: World, consultation: Any, public_scope: int
) -> None:
    statement = _statement_ids(uow, consultation.id)[0]
    goal = specific_goal(uow, world.editor, public_scope)
    revised = change(uow, world.editor, public_scope, GOAL, goal.id, acceptable_level=0.85)
    _respond(
        uow,
        world.editor,
        consultation.id,
        target_kind="statement",
        target_id=statement,
        decision="accepted",
        reason="tightened",
        change={"kind": "goal", "id": goal.id, "version": revised.version},
    )
    closed = _close(uow, world.editor, consultation.id)
    assert closed.status == "closed"
    assert _triggers(uow) == [("consultation_outcome", "outer", {"changes_goals": True})]
    refused(uow, Conflict, lambda: _close(uow, world.editor, consultation.id))


def test_closing_with_only_measures_changed_calls_for_the_inner_loop(
    uow: UnitOfWork, world: World, consultation: Any, public_scope: int
) -> None:
    statement = _statement_ids(uow, consultation.id)[0]
    built = measure(uow, world.editor, public_scope)
    _respond(
        uow,
        world.editor,
        consultation.id,
        target_kind="statement",
        target_id=statement,
        decision="partly",
        reason="a review desk",
        change={"kind": "measure", "id": built.id, "version": 1},
    )
    _close(uow, world.editor, consultation.id)
    assert _triggers(uow) == [("consultation_outcome", "inner", {"changes_goals": False})]


def test_closing_with_nothing_changed_opens_no_trigger(
    uow: UnitOfWork, world: World, consultation: Any
) -> None:
    statement = _statement_ids(uow, consultation.id)[0]
    _respond(
        uow,
        world.editor,
        consultation.id,
        target_kind="statement",
        target_id=statement,
        decision="rejected",
        reason="out of scope",
    )
    _close(uow, world.editor, consultation.id)
    assert _triggers(uow) == []
