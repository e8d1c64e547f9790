"""The remedy ladder's rules, alone: every action by every party from every
state, escalation over a late provider, settlement after hearing both sides,
and what the platform does with each missed deadline."""

import itertools

import pytest

from agilegov.remedy.ladder import (
    CLOSED,
    MOVES,
    OPEN,
    Action,
    AdrResult,
    MoveRefused,
    OnMissed,
    Outcome,
    Party,
    Status,
    check_move,
    clock_holder,
    on_missed,
    settled_needs_both_heard,
)

S = Status
P = Party
SIDES = frozenset({P.complainant, P.provider, P.adr})

# Written out, not derived from MOVES: who may do each action, from which
# states, to which state (None: the state stays, or the ADR body names it).
ALLOWED: dict[Action, tuple[frozenset[Party], frozenset[Status], Status | None]] = {
    Action.acknowledge: (frozenset({P.provider}), frozenset({S.filed}), S.acknowledged),
    Action.assess: (frozenset({P.provider}), frozenset({S.acknowledged}), S.investigating),
    Action.answer: (frozenset({P.provider}), frozenset({S.investigating}), S.answered),
    Action.accept: (frozenset({P.complainant}), frozenset({S.answered}), S.resolved),
    Action.escalate: (
        frozenset({P.complainant}),
        frozenset({S.answered, S.adr_refused}),
        S.escalated,
    ),
    Action.adr_accept: (frozenset({P.adr}), frozenset({S.escalated}), S.adr_hearing),
    Action.adr_refuse: (frozenset({P.adr}), frozenset({S.escalated}), S.adr_refused),
    Action.adr_close: (frozenset({P.adr}), frozenset({S.adr_hearing}), None),
    Action.refer: (frozenset({P.complainant}), OPEN - {S.filed}, S.referred),
    Action.withdraw: (frozenset({P.complainant}), OPEN, S.withdrawn),
    Action.statement: (SIDES, OPEN, None),
    Action.document: (SIDES, OPEN, None),
}
# The ADR body speaks only while the case is before it.
ADR_SPEAKS = frozenset({S.escalated, S.adr_hearing})
PROVIDER_STATES = frozenset({S.filed, S.acknowledged, S.investigating})


def test_every_move_of_the_ladder_is_in_the_table() -> None:
    assert set(ALLOWED) == set(MOVES)
    assert (
        frozenset(
            {
                S.filed,
                S.acknowledged,
                S.investigating,
                S.answered,
                S.escalated,
                S.adr_hearing,
                S.adr_refused,
                S.not_settled,
            }
        )
        == OPEN
    )
    assert frozenset({S.resolved, S.settled, S.referred, S.withdrawn, S.closed}) == CLOSED


def _refused_on(action: Action, party: Party, status: Status) -> str | None:
    """The field the table says a refusal names, or None where it is allowed."""
    parties, sources, _ = ALLOWED[action]
    if party not in parties:
        return "action"
    if status not in sources or (party is P.adr and status not in ADR_SPEAKS):
        return "status"
    return None


CASES = [
    pytest.param(action, party, status, id=f"{action}-{party}-{status}")
    for action, party, status in itertools.product(ALLOWED, Party, Status)
]


@pytest.mark.parametrize(("action", "party", "status"), CASES)
def test_check_move(action: Action, party: Party, status: Status) -> None:
    field = _refused_on(action, party, status)
    if field is None:
        assert check_move(action, party, status) == ALLOWED[action][2]
        return
    with pytest.raises(MoveRefused) as refused:
        check_move(action, party, status)
    assert refused.value.field == field
    assert str(refused.value.message)


@pytest.mark.parametrize(
    ("status", "answer_late", "allowed"),
    [
        *[(status, False, False) for status in sorted(PROVIDER_STATES)],
        *[(status, True, True) for status in sorted(PROVIDER_STATES)],
        (S.answered, False, True),
        (S.adr_refused, False, True),
        (S.answered, True, True),
        # Late or not, never from the ADR's own states, a failed settlement or a closed case.
        (S.escalated, True, False),
        (S.adr_hearing, True, False),
        (S.not_settled, True, False),
        *[(status, True, False) for status in sorted(CLOSED)],
    ],
)
def test_escalation_from_the_provider_waits_for_its_late_answer(
    status: Status, answer_late: bool, allowed: bool
) -> None:
    if allowed:
        assert check_move(Action.escalate, P.complainant, status, answer_late) is S.escalated
        return
    with pytest.raises(MoveRefused) as refused:
        check_move(Action.escalate, P.complainant, status, answer_late)
    assert refused.value.field == "status"


@pytest.mark.parametrize("party", [P.provider, P.adr, P.platform])
def test_only_the_complainant_escalates_even_when_late(party: Party) -> None:
    with pytest.raises(MoveRefused) as refused:
        check_move(Action.escalate, party, S.investigating, answer_late=True)
    assert refused.value.field == "action"


@pytest.mark.parametrize(
    ("result", "heard", "missing"),
    [
        (AdrResult.settled, {P.complainant, P.provider}, None),
        (AdrResult.settled, {P.complainant, P.provider, P.adr}, None),
        (AdrResult.settled, {P.complainant}, "provider"),
        (AdrResult.settled, {P.provider, P.adr}, "complainant"),
        (AdrResult.settled, set(), "complainant, provider"),
        # Failing to settle needs no hearing.
        (AdrResult.not_settled, set(), None),
        (AdrResult.not_settled, {P.provider}, None),
    ],
)
def test_settled_needs_both_heard(
    result: AdrResult, heard: set[Party], missing: str | None
) -> None:
    if missing is None:
        settled_needs_both_heard(result, heard)
        return
    with pytest.raises(MoveRefused) as refused:
        settled_needs_both_heard(result, heard)
    assert refused.value.field == "result"
    assert missing in str(refused.value.message)


ESCALATE = OnMissed(Action.escalate)
OVERDUE = OnMissed(Action.overdue)


@pytest.mark.parametrize(
    ("status", "escalate_when_late", "has_route", "expected"),
    [
        # The provider late: to its ADR body when asked for and named, else told.
        (S.filed, True, True, OVERDUE),
        (S.filed, False, False, OVERDUE),
        (S.acknowledged, True, True, ESCALATE),
        (S.acknowledged, True, False, OVERDUE),
        (S.acknowledged, False, True, OVERDUE),
        (S.investigating, True, True, ESCALATE),
        (S.investigating, False, False, OVERDUE),
        # The ADR body late: told.
        (S.escalated, True, True, OVERDUE),
        (S.adr_hearing, True, True, OVERDUE),
        # The complainant silent: closed with what stands.
        (S.answered, False, False, OnMissed(Action.lapse, Outcome.no_reply)),
        (S.answered, True, True, OnMissed(Action.lapse, Outcome.no_reply)),
        (S.adr_refused, False, False, OnMissed(Action.lapse, Outcome.refused_by_adr)),
        (S.not_settled, True, True, OnMissed(Action.lapse, Outcome.not_settled)),
    ],
)
def test_on_missed(
    status: Status, escalate_when_late: bool, has_route: bool, expected: OnMissed
) -> None:
    assert on_missed(status, escalate_when_late, has_route) == expected


def test_on_missed_has_a_rule_for_every_open_status() -> None:
    for status in OPEN:
        assert on_missed(status, False, False).action in (Action.overdue, Action.lapse)


@pytest.mark.parametrize(
    ("status", "holder"),
    [
        (S.filed, P.provider),
        (S.acknowledged, P.provider),
        (S.investigating, P.provider),
        (S.escalated, P.adr),
        (S.adr_hearing, P.adr),
        (S.answered, P.complainant),
        (S.adr_refused, P.complainant),
        (S.not_settled, P.complainant),
        *[(status, None) for status in sorted(CLOSED)],
    ],
)
def test_clock_holder(status: Status, holder: Party | None) -> None:
    assert clock_holder(status) is holder
