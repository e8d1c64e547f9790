"""The path after an incident, alone: every action by every party from every
state on both branches, what each move needs to know, the sanctions'
consequences, and the deadlines on the way."""

import itertools
from datetime import date

import pytest

from agilegov.commons.path import (
    CLOSED,
    DEFAULT_CLOCKS,
    MOVES,
    OPEN,
    Action,
    Branch,
    Consequence,
    Facts,
    MoveRefused,
    Party,
    PathClocks,
    PledgeItem,
    Status,
    check_consequence,
    check_move,
    clock_holder,
    duties_due,
    overdue_items,
    state_due,
)
from agilegov.commons.vocabulary import IncidentKind

S = Status
P = Party
A = Action
F = Branch.foreseeable
U = Branch.unforeseeable
OWNER = frozenset({P.owner})
REGULATOR = frozenset({P.regulator})
OPEN_STATES = frozenset({S.open, S.compensating, S.investigating, S.pledged, S.deferred})
ON_BRANCH = {
    F: frozenset({S.open, S.compensating, S.compensated, S.closed}),
    U: frozenset(
        {S.open, S.investigating, S.pledged, S.deferred, S.completed, S.sanctioned, S.closed}
    ),
}

# Written out, not derived from MOVES: who may do each action, on which branch
# (None: either), from which states, to which state (None: it stays).
ALLOWED: dict[Action, tuple[frozenset[Party], Branch | None, frozenset[Status], Status | None]] = {
    A.inform_affected: (OWNER, None, OPEN_STATES, None),
    A.inform_regulator: (OWNER, None, OPEN_STATES, None),
    A.offer_compensation: (OWNER, F, frozenset({S.open}), S.compensating),
    A.compensate: (OWNER, F, frozenset({S.compensating}), S.compensated),
    A.cooperate: (OWNER, U, frozenset({S.open}), S.investigating),
    A.pledge: (OWNER, U, frozenset({S.investigating}), S.pledged),
    A.defer: (REGULATOR, U, frozenset({S.pledged}), S.deferred),
    A.complete: (REGULATOR, U, frozenset({S.deferred}), S.completed),
    A.refuse_cooperation: (
        REGULATOR,
        U,
        frozenset({S.open, S.investigating, S.pledged}),
        S.sanctioned,
    ),
    A.break_pledge: (REGULATOR, U, frozenset({S.pledged, S.deferred}), S.sanctioned),
    A.close: (OWNER, None, frozenset({S.open}), S.closed),
    A.overdue: (frozenset({P.platform}), None, OPEN_STATES, None),
    A.note: (frozenset({P.owner, P.regulator}), None, OPEN_STATES, None),
}

# Facts under which each action's own conditions hold, so that the table
# alone decides.
READY: dict[Action, Facts] = {
    A.inform_affected: Facts(),
    A.inform_regulator: Facts(),
    A.offer_compensation: Facts(),
    A.compensate: Facts(affected_informed=True),
    A.cooperate: Facts(),
    A.pledge: Facts(pledge_items=2),
    A.defer: Facts(pledge_items=2),
    A.complete: Facts(pledge_items=2, pledge_items_done=2),
    A.refuse_cooperation: Facts(),
    A.break_pledge: Facts(pledge_items=2, pledge_items_overdue=1),
    A.close: Facts(
        kind=IncidentKind.near_miss,
        has_harm=False,
        affected_informed=True,
        regulator_informed=True,
    ),
    A.overdue: Facts(),
    A.note: Facts(),
}


def test_every_move_of_the_path_is_in_the_table() -> None:
    assert set(ALLOWED) == set(MOVES) == set(Action)
    assert set(READY) == set(Action)
    assert OPEN_STATES == OPEN
    assert frozenset({S.compensated, S.completed, S.sanctioned, S.closed}) == CLOSED


def _refused_on(action: Action, party: Party, status: Status, branch: Branch) -> str | None:
    """The field the table says a refusal names, or None where it is allowed."""
    parties, on_branch, sources, _ = ALLOWED[action]
    if party not in parties:
        return "action"
    if on_branch is not None and branch is not on_branch:
        return "branch"
    if status not in ON_BRANCH[branch] or status not in sources:
        return "status"
    return None


CASES = [
    pytest.param(action, party, status, branch, id=f"{action}-{party}-{status}-{branch}")
    for action, party, status, branch in itertools.product(ALLOWED, Party, Status, Branch)
]


@pytest.mark.parametrize(("action", "party", "status", "branch"), CASES)
def test_check_move(action: Action, party: Party, status: Status, branch: Branch) -> None:
    field = _refused_on(action, party, status, branch)
    if field is None:
        assert check_move(action, party, status, branch, READY[action]) == ALLOWED[action][3]
        return
    with pytest.raises(MoveRefused) as refused:
        check_move(action, party, status, branch, READY[action])
    assert refused.value.field == field
    assert str(refused.value.message)


@pytest.mark.parametrize(
    ("action", "status", "branch", "facts", "field", "says"),
    [
        # Each information duty is done once.
        (
            A.inform_affected,
            S.open,
            F,
            Facts(affected_informed=True),
            "affected_informed",
            "already",
        ),
        (
            A.inform_regulator,
            S.deferred,
            U,
            Facts(regulator_informed=True),
            "regulator_informed",
            "already",
        ),
        (A.inform_affected, S.open, U, Facts(regulator_informed=True), None, None),
        (A.inform_regulator, S.compensating, F, Facts(affected_informed=True), None, None),
        # Compensation is paid to people who know of the incident.
        (A.compensate, S.compensating, F, Facts(), "affected_informed", "informed first"),
        (
            A.compensate,
            S.compensating,
            F,
            Facts(regulator_informed=True),
            "affected_informed",
            "informed first",
        ),
        # A pledge carries items; completion needs every one done.
        (A.pledge, S.investigating, U, Facts(pledge_items=0), "pledge_items", "at least one item"),
        (A.pledge, S.investigating, U, Facts(pledge_items=1), None, None),
        (
            A.complete,
            S.deferred,
            U,
            Facts(pledge_items=3, pledge_items_done=2),
            "pledge_items_done",
            "every pledge item",
        ),
        (
            A.complete,
            S.deferred,
            U,
            Facts(pledge_items=0, pledge_items_done=0),
            "pledge_items_done",
            "every pledge item",
        ),
        (A.complete, S.deferred, U, Facts(pledge_items=3, pledge_items_done=3), None, None),
        # Deferred, the regulator judges; before deferral only a missed item breaks the pledge.
        (A.break_pledge, S.deferred, U, Facts(pledge_items=2), None, None),
        (
            A.break_pledge,
            S.pledged,
            U,
            Facts(pledge_items=2),
            "pledge_items_overdue",
            "past its due date",
        ),
        (A.break_pledge, S.pledged, U, Facts(pledge_items=2, pledge_items_overdue=1), None, None),
        # Only a harmless near miss or hazard is closed, once both are informed.
        (
            A.close,
            S.open,
            F,
            Facts(
                kind=IncidentKind.hazard,
                has_harm=False,
                affected_informed=True,
                regulator_informed=True,
            ),
            None,
            None,
        ),
        (
            A.close,
            S.open,
            U,
            Facts(
                kind=IncidentKind.near_miss,
                has_harm=False,
                affected_informed=True,
                regulator_informed=True,
            ),
            None,
            None,
        ),
        (
            A.close,
            S.open,
            F,
            Facts(
                kind=IncidentKind.incident,
                has_harm=False,
                affected_informed=True,
                regulator_informed=True,
            ),
            "kind",
            "near miss",
        ),
        (
            A.close,
            S.open,
            F,
            Facts(
                kind=IncidentKind.near_miss,
                has_harm=True,
                affected_informed=True,
                regulator_informed=True,
            ),
            "has_harm",
            "harmed",
        ),
        (
            A.close,
            S.open,
            F,
            Facts(kind=IncidentKind.near_miss, has_harm=False, regulator_informed=True),
            "affected_informed",
            "informed first",
        ),
        (
            A.close,
            S.open,
            U,
            Facts(kind=IncidentKind.hazard, has_harm=False, affected_informed=True),
            "regulator_informed",
            "informed first",
        ),
    ],
)
def test_moves_need_their_facts(
    action: Action,
    status: Status,
    branch: Branch,
    facts: Facts,
    field: str | None,
    says: str | None,
) -> None:
    party = next(iter(ALLOWED[action][0]))
    if field is None:
        assert check_move(action, party, status, branch, facts) == ALLOWED[action][3]
        return
    with pytest.raises(MoveRefused) as refused:
        check_move(action, party, status, branch, facts)
    assert refused.value.field == field
    assert says is not None and says in str(refused.value.message)


def test_a_refusal_says_who_may_act() -> None:
    with pytest.raises(MoveRefused) as refused:
        check_move(A.defer, P.owner, S.pledged, U, Facts(pledge_items=1))
    assert str(refused.value.message) == "only the regulator may defer"


@pytest.mark.parametrize(
    ("action", "consequence", "allowed"),
    [
        *[(A.refuse_cooperation, c, True) for c in Consequence],
        *[(A.break_pledge, c, True) for c in Consequence],
        (A.refuse_cooperation, None, False),
        (A.break_pledge, None, False),
        *[(a, None, True) for a in Action if a not in (A.refuse_cooperation, A.break_pledge)],
        (A.complete, Consequence.public_notice, False),
        (A.defer, Consequence.fine_recommended, False),
        (A.overdue, Consequence.attestation_suspended, False),
    ],
)
def test_a_sanction_and_only_a_sanction_names_its_consequence(
    action: Action, consequence: Consequence | None, allowed: bool
) -> None:
    if allowed:
        check_consequence(action, consequence)
        return
    with pytest.raises(MoveRefused) as refused:
        check_consequence(action, consequence)
    assert refused.value.field == "consequence"


@pytest.mark.parametrize(
    ("status", "holder"),
    [
        (S.open, P.owner),
        (S.compensating, P.owner),
        (S.investigating, P.owner),
        (S.pledged, P.regulator),
        (S.deferred, P.owner),
        *[(status, None) for status in sorted(CLOSED)],
    ],
)
def test_clock_holder(status: Status, holder: Party | None) -> None:
    assert clock_holder(status) is holder


DISCOVERED = date(2027, 1, 8)
ENTERED = date(2027, 2, 15)
# Unlike the defaults, to see which counts.
CLOCKS = PathClocks(
    inform_affected=3, inform_regulator=5, offer_compensation=10, pledge=20, defer_decision=7
)


@pytest.mark.parametrize(
    ("status", "branch", "due"),
    [
        # Compensation is offered within its days of discovery, whenever the state began.
        (S.open, F, date(2027, 1, 18)),
        # On the unforeseeable branch the regulator opens the investigation.
        (S.open, U, None),
        (S.compensating, F, None),
        # The pledge counts from the start of cooperation, the regulator's decision from the pledge.
        (S.investigating, U, date(2027, 3, 7)),
        (S.pledged, U, date(2027, 2, 22)),
        # Deferred, each pledge item has its own due date.
        (S.deferred, U, None),
        *[(status, F, None) for status in sorted(CLOSED)],
        *[(status, U, None) for status in sorted(CLOSED)],
    ],
)
def test_state_due(status: Status, branch: Branch, due: date | None) -> None:
    assert state_due(status, branch, ENTERED, DISCOVERED, CLOCKS) == due


@pytest.mark.parametrize(
    ("status", "branch", "entered", "due"),
    [
        # Calendar days, over the month's end and a leap day.
        (S.open, F, DISCOVERED, date(2027, 2, 7)),
        (S.investigating, U, date(2028, 2, 1), date(2028, 3, 2)),
        (S.pledged, U, date(2027, 12, 20), date(2028, 1, 19)),
    ],
)
def test_default_clocks_are_thirty_calendar_days(
    status: Status, branch: Branch, entered: date, due: date
) -> None:
    assert state_due(status, branch, entered, DISCOVERED, DEFAULT_CLOCKS) == due


INFORM_AFFECTED = date(2027, 1, 22)  # 14 days from discovery
INFORM_REGULATOR = date(2027, 1, 23)  # 15


@pytest.mark.parametrize(
    ("status", "facts", "due"),
    [
        (
            S.open,
            Facts(),
            {A.inform_affected: INFORM_AFFECTED, A.inform_regulator: INFORM_REGULATOR},
        ),
        (
            S.deferred,
            Facts(),
            {A.inform_affected: INFORM_AFFECTED, A.inform_regulator: INFORM_REGULATOR},
        ),
        (S.compensating, Facts(affected_informed=True), {A.inform_regulator: INFORM_REGULATOR}),
        (S.investigating, Facts(regulator_informed=True), {A.inform_affected: INFORM_AFFECTED}),
        (S.open, Facts(affected_informed=True, regulator_informed=True), {}),
        *[(status, Facts(), {}) for status in sorted(CLOSED)],
    ],
)
def test_duties_due(status: Status, facts: Facts, due: dict[Action, date]) -> None:
    assert duties_due(status, DISCOVERED, facts, DEFAULT_CLOCKS) == due


def test_duties_follow_the_clocks() -> None:
    assert duties_due(S.open, DISCOVERED, Facts(), CLOCKS) == {
        A.inform_affected: date(2027, 1, 11),
        A.inform_regulator: date(2027, 1, 13),
    }


TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("items", "overdue"),
    [
        ((), 0),
        ((PledgeItem(date(2027, 2, 28)),), 1),
        # Due today is not late yet.
        ((PledgeItem(TODAY),), 0),
        ((PledgeItem(date(2027, 2, 28), done=True),), 0),
        (
            (
                PledgeItem(date(2027, 1, 31)),
                PledgeItem(date(2027, 2, 27), done=True),
                PledgeItem(date(2027, 2, 28)),
                PledgeItem(date(2027, 3, 2)),
            ),
            2,
        ),
    ],
)
def test_overdue_items(items: tuple[PledgeItem, ...], overdue: int) -> None:
    assert overdue_items(items, TODAY) == overdue


def test_the_unforeseeable_path_end_to_end() -> None:
    """A walk down the unforeseeable branch, each move's facts as they grow."""
    status = check_move(A.cooperate, P.owner, S.open, U, Facts())
    assert status is S.investigating
    status = check_move(A.pledge, P.owner, status, U, Facts(pledge_items=2))
    assert status is S.pledged
    status = check_move(A.defer, P.regulator, status, U, Facts(pledge_items=2))
    assert status is S.deferred
    items = (PledgeItem(date(2027, 4, 1), done=True), PledgeItem(date(2027, 5, 1)))
    with pytest.raises(MoveRefused):
        check_move(A.complete, P.regulator, status, U, Facts(pledge_items=2, pledge_items_done=1))
    late = Facts(pledge_items=2, pledge_items_done=1, pledge_items_overdue=1)
    assert overdue_items(items, date(2027, 5, 2)) == late.pledge_items_overdue
    assert check_move(A.break_pledge, P.regulator, status, U, late) is S.sanctioned
