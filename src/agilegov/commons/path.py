"""The path after an incident (report 6.1.1): who may move an incident from
which state to which, what each move needs, and the deadlines on the way.
Pure: no I/O.

Two branches. A foreseeable incident (its risk was in the register) asks the
owner to inform those affected and the regulator and to compensate. An
unforeseeable one asks the owner to inform, to cooperate with the regulator's
investigation and to pledge improvements; the regulator then defers sanctions
while the pledge is kept, and sanctions non-cooperation or a broken pledge
heavily, as a Deferred Prosecution Agreement does."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from agilegov.commons.vocabulary import IncidentKind
from agilegov.i18n import Lazy, lazy


class Branch(StrEnum):
    foreseeable = "foreseeable"  # linked to at least one risk of the register
    unforeseeable = "unforeseeable"  # linked to none


class Status(StrEnum):
    open = "open"  # reported; the owner informs, then compensates or cooperates
    compensating = "compensating"  # foreseeable: compensation offered, not yet paid
    compensated = "compensated"  # foreseeable: paid; the path ends
    investigating = "investigating"  # unforeseeable: the owner cooperates with the regulator
    pledged = "pledged"  # unforeseeable: improvements pledged; the regulator decides
    deferred = "deferred"  # unforeseeable: sanctions deferred while the pledge is kept
    completed = "completed"  # unforeseeable: every pledge item done; no sanction
    sanctioned = "sanctioned"  # unforeseeable: no cooperation, or the pledge broken
    closed = "closed"  # a near miss or hazard that harmed no one, closed once informed


class Party(StrEnum):
    owner = "owner"  # the organization whose scope the incident happened on
    regulator = "regulator"  # the government organization it was reported to
    platform = "platform"  # the periodic job, acting on a missed deadline


class Action(StrEnum):
    inform_affected = "inform_affected"
    inform_regulator = "inform_regulator"
    offer_compensation = "offer_compensation"
    compensate = "compensate"
    cooperate = "cooperate"
    pledge = "pledge"
    defer = "defer"
    complete = "complete"
    refuse_cooperation = "refuse_cooperation"
    break_pledge = "break_pledge"
    close = "close"
    overdue = "overdue"
    note = "note"


class Consequence(StrEnum):
    """What a sanction does, as the regulator picks it."""

    # The service suspends the owner's attestations through their status list.
    attestation_suspended = "attestation_suspended"
    fine_recommended = "fine_recommended"
    public_notice = "public_notice"


OPEN = frozenset(
    {Status.open, Status.compensating, Status.investigating, Status.pledged, Status.deferred}
)
CLOSED = frozenset(Status) - OPEN
# The states an incident can be in on each branch.
STATES: dict[Branch, frozenset[Status]] = {
    Branch.foreseeable: frozenset(
        {Status.open, Status.compensating, Status.compensated, Status.closed}
    ),
    Branch.unforeseeable: frozenset(
        {
            Status.open,
            Status.investigating,
            Status.pledged,
            Status.deferred,
            Status.completed,
            Status.sanctioned,
            Status.closed,
        }
    ),
}
SANCTIONS = frozenset({Action.refuse_cooperation, Action.break_pledge})


@dataclass(frozen=True)
class Move:
    parties: frozenset[Party]
    sources: frozenset[Status]
    target: Status | None  # None: the state stays (a duty done, a note)
    branch: Branch | None = None  # None: on either branch


OWNER = frozenset({Party.owner})
REGULATOR = frozenset({Party.regulator})
MOVES: dict[Action, Move] = {
    Action.inform_affected: Move(OWNER, OPEN, None),
    Action.inform_regulator: Move(OWNER, OPEN, None),
    Action.offer_compensation: Move(
        OWNER, frozenset({Status.open}), Status.compensating, Branch.foreseeable
    ),
    Action.compensate: Move(
        OWNER, frozenset({Status.compensating}), Status.compensated, Branch.foreseeable
    ),
    Action.cooperate: Move(
        OWNER, frozenset({Status.open}), Status.investigating, Branch.unforeseeable
    ),
    Action.pledge: Move(
        OWNER, frozenset({Status.investigating}), Status.pledged, Branch.unforeseeable
    ),
    Action.defer: Move(
        REGULATOR, frozenset({Status.pledged}), Status.deferred, Branch.unforeseeable
    ),
    Action.complete: Move(
        REGULATOR, frozenset({Status.deferred}), Status.completed, Branch.unforeseeable
    ),
    Action.refuse_cooperation: Move(
        REGULATOR,
        frozenset({Status.open, Status.investigating, Status.pledged}),
        Status.sanctioned,
        Branch.unforeseeable,
    ),
    # From pledged only once an item is past due undone (see ``check_move``).
    Action.break_pledge: Move(
        REGULATOR,
        frozenset({Status.pledged, Status.deferred}),
        Status.sanctioned,
        Branch.unforeseeable,
    ),
    # Before the regulator investigates; see ``check_move`` for what it needs.
    Action.close: Move(OWNER, frozenset({Status.open}), Status.closed),
    Action.overdue: Move(frozenset({Party.platform}), OPEN, None),
    Action.note: Move(frozenset({Party.owner, Party.regulator}), OPEN, None),
}


@dataclass(frozen=True)
class Facts:
    """What the moves need to know of an incident beyond its state."""

    kind: IncidentKind = IncidentKind.incident
    has_harm: bool = True
    affected_informed: bool = False
    regulator_informed: bool = False
    pledge_items: int = 0
    pledge_items_done: int = 0
    pledge_items_overdue: int = 0  # past their due date, not done (``overdue_items``)


class MoveRefused(ValueError):
    def __init__(self, field: str, message: Lazy) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_move(
    action: Action, party: Party, status: Status, branch: Branch, facts: Facts
) -> Status | None:
    """The state ``action`` by ``party`` leads to from ``status`` on ``branch``
    (None: it stays); raises :class:`MoveRefused` naming why it may not be done."""
    move = MOVES[action]
    if party not in move.parties:
        raise MoveRefused(
            "action",
            lazy(
                "only the %(party)s may %(action)s",
                party=" / ".join(sorted(move.parties)),
                action=action,
            ),
        )
    if move.branch is not None and branch is not move.branch:
        raise MoveRefused(
            "branch",
            lazy(
                "%(action)s is for %(path)s incidents; this one is %(branch)s",
                action=action,
                path=move.branch,
                branch=branch,
            ),
        )
    if status not in STATES[branch]:
        raise MoveRefused(
            "status",
            lazy("a %(branch)s incident is never %(status)s", branch=branch, status=status),
        )
    if status not in move.sources:
        raise MoveRefused(
            "status",
            lazy(
                "an incident that is %(status)s cannot be %(action)s", status=status, action=action
            ),
        )
    _check_facts(action, status, facts)
    return move.target


def _check_facts(action: Action, status: Status, facts: Facts) -> None:
    if action is Action.inform_affected and facts.affected_informed:
        raise MoveRefused("affected_informed", lazy("those affected are already informed"))
    if action is Action.inform_regulator and facts.regulator_informed:
        raise MoveRefused("regulator_informed", lazy("the regulator is already informed"))
    if action is Action.compensate and not facts.affected_informed:
        raise MoveRefused(
            "affected_informed", lazy("compensation needs those affected informed first")
        )
    if action is Action.pledge and facts.pledge_items < 1:
        raise MoveRefused("pledge_items", lazy("a pledge needs at least one item"))
    if action is Action.complete and (
        facts.pledge_items < 1 or facts.pledge_items_done < facts.pledge_items
    ):
        raise MoveRefused("pledge_items_done", lazy("completion needs every pledge item done"))
    if (
        action is Action.break_pledge
        and status is Status.pledged
        and not facts.pledge_items_overdue
    ):
        # Deferred, the regulator judges the pledge broken; before deferring, only
        # an item missed proves it (a refusal to cooperate is the other sanction).
        raise MoveRefused(
            "pledge_items_overdue",
            lazy("before deferral a pledge is broken only by an item past its due date undone"),
        )
    if action is Action.close:
        if facts.kind is IncidentKind.incident:
            raise MoveRefused(
                "kind", lazy("only a near miss or a hazard is closed without a remedy")
            )
        if facts.has_harm:
            raise MoveRefused("has_harm", lazy("an incident that harmed someone is not closed"))
        if not (facts.affected_informed and facts.regulator_informed):
            raise MoveRefused(
                "affected_informed" if not facts.affected_informed else "regulator_informed",
                lazy("closing needs those affected and the regulator informed first"),
            )


def check_consequence(action: Action, consequence: Consequence | None) -> None:
    """A sanction names its consequence; no other move has one."""
    if action in SANCTIONS and consequence is None:
        raise MoveRefused("consequence", lazy("a sanction names its consequence"))
    if action not in SANCTIONS and consequence is not None:
        raise MoveRefused(
            "consequence", lazy("only a sanction has a consequence, not %(action)s", action=action)
        )


def clock_holder(status: Status) -> Party | None:
    """Whose move the state's deadline waits for (None once the path ended)."""
    if status is Status.pledged:
        return Party.regulator
    if status in OPEN:
        return Party.owner
    return None


@dataclass(frozen=True)
class PathClocks:
    """The path's deadlines, in calendar days."""

    inform_affected: int = 14  # from discovery
    # From discovery; a regulator's own reporting clauses (commons.reporting)
    # set when its reports are due.
    inform_regulator: int = 15
    offer_compensation: int = 30  # from discovery
    pledge: int = 30  # from the start of cooperation
    defer_decision: int = 30  # the regulator's, from the pledge


DEFAULT_CLOCKS = PathClocks()


def state_due(
    status: Status, branch: Branch, entered_on: date, discovered_on: date, clocks: PathClocks
) -> date | None:
    """The deadline of ``status`` on ``branch``, entered on ``entered_on`` by an
    incident discovered on ``discovered_on`` (None: no deadline of the state's
    own — a pledge item carries its own due date, and the owner's information
    duties run on ``duties_due``)."""
    if status is Status.open and branch is Branch.foreseeable:
        return discovered_on + timedelta(days=clocks.offer_compensation)
    if status is Status.investigating:
        return entered_on + timedelta(days=clocks.pledge)
    if status is Status.pledged:
        return entered_on + timedelta(days=clocks.defer_decision)
    return None


def duties_due(
    status: Status, discovered_on: date, facts: Facts, clocks: PathClocks
) -> dict[Action, date]:
    """The information duties not yet done and when each is due (none once the
    path ended)."""
    if status not in OPEN:
        return {}
    due: dict[Action, date] = {}
    if not facts.affected_informed:
        due[Action.inform_affected] = discovered_on + timedelta(days=clocks.inform_affected)
    if not facts.regulator_informed:
        due[Action.inform_regulator] = discovered_on + timedelta(days=clocks.inform_regulator)
    return due


@dataclass(frozen=True)
class PledgeItem:
    due_on: date
    done: bool = False


def overdue_items(items: Iterable[PledgeItem], today: date) -> int:
    """How many pledge items are past their due date undone (due today is not late)."""
    return sum(1 for item in items if not item.done and item.due_on < today)
