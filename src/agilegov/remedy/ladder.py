"""The remedy ladder's rules: who may move a complaint from which state to
which, whose clock runs in each state, and what the platform does when a
deadline is missed. Pure: no I/O.

The ladder (report 4.4(3)): the provider's own handling (acknowledge, assess,
investigate, answer), then ADR by a neutral body (accept or refuse, hear both
sides, close with an outcome), then the courts."""

from dataclasses import dataclass
from enum import StrEnum

from agilegov.i18n import N_, Lazy, lazy


class Status(StrEnum):
    filed = "filed"
    acknowledged = "acknowledged"
    investigating = "investigating"
    answered = "answered"
    escalated = "escalated"  # waiting for the ADR body to accept or refuse
    adr_hearing = "adr_hearing"
    adr_refused = "adr_refused"
    not_settled = "not_settled"
    resolved = "resolved"  # the complainant accepted the provider's answer
    settled = "settled"  # settled at ADR
    referred = "referred"  # referred to a court
    withdrawn = "withdrawn"
    closed = "closed"  # closed by the clock: see the outcome


class Party(StrEnum):
    complainant = "complainant"
    provider = "provider"
    adr = "adr"
    platform = "platform"  # the periodic job, acting on a missed deadline


class Action(StrEnum):
    file = "file"
    acknowledge = "acknowledge"
    assess = "assess"
    answer = "answer"
    accept = "accept"
    escalate = "escalate"
    adr_accept = "adr_accept"
    adr_refuse = "adr_refuse"
    adr_close = "adr_close"
    refer = "refer"
    withdraw = "withdraw"
    statement = "statement"
    document = "document"
    pause = "pause"
    resume = "resume"
    extend = "extend"
    overdue = "overdue"
    lapse = "lapse"


class Category(StrEnum):
    decision = "decision"  # an automated decision about the person
    explanation = "explanation"  # no or poor explanation of a decision
    discrimination = "discrimination"
    privacy = "privacy"
    safety = "safety"
    service = "service"
    other = "other"


class ContactPreference(StrEnum):
    platform = "platform"  # follow it here, nothing sent
    email = "email"
    phone = "phone"
    post = "post"


class Level(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Decision(StrEnum):
    upheld = "upheld"
    partly_upheld = "partly_upheld"
    not_upheld = "not_upheld"


class AdrResult(StrEnum):
    settled = "settled"
    not_settled = "not_settled"


class Outcome(StrEnum):
    resolved = "resolved"
    settled = "settled"
    not_settled = "not_settled"
    refused_by_adr = "refused_by_adr"
    no_reply = "no_reply"  # the complainant let the answer stand
    referred_to_court = "referred_to_court"
    withdrawn = "withdrawn"


class RefusalGround(StrEnum):
    provider_not_contacted = "provider_not_contacted"
    before_court = "before_court"
    before_other_adr = "before_other_adr"
    out_of_scope = "out_of_scope"


REFUSAL_GROUNDS = {
    RefusalGround.provider_not_contacted: N_("the provider was not contacted first"),
    RefusalGround.before_court: N_("the dispute is already before a court"),
    RefusalGround.before_other_adr: N_("the dispute is already before another ADR body"),
    RefusalGround.out_of_scope: N_("the dispute is outside the disputes it takes"),
}

PROVIDER_STATES = frozenset({Status.filed, Status.acknowledged, Status.investigating})
ADR_STATES = frozenset({Status.escalated, Status.adr_hearing})
COMPLAINANT_STATES = frozenset({Status.answered, Status.adr_refused, Status.not_settled})
OPEN = PROVIDER_STATES | ADR_STATES | COMPLAINANT_STATES
CLOSED = frozenset(Status) - OPEN


def clock_holder(status: Status) -> Party | None:
    """Whose move the current deadline waits for (None once closed)."""
    if status in PROVIDER_STATES:
        return Party.provider
    if status in ADR_STATES:
        return Party.adr
    if status in COMPLAINANT_STATES:
        return Party.complainant
    return None


@dataclass(frozen=True)
class Move:
    party: Party
    sources: frozenset[Status]
    target: Status | None  # None: the state stays (a statement, a pause)


_ANY_OPEN = OPEN
MOVES: dict[Action, Move] = {
    Action.acknowledge: Move(Party.provider, frozenset({Status.filed}), Status.acknowledged),
    Action.assess: Move(Party.provider, frozenset({Status.acknowledged}), Status.investigating),
    Action.answer: Move(Party.provider, frozenset({Status.investigating}), Status.answered),
    Action.accept: Move(Party.complainant, frozenset({Status.answered}), Status.resolved),
    # Also from the provider's own states once its answer is late (see ``may_escalate``).
    Action.escalate: Move(
        Party.complainant,
        frozenset({Status.answered, Status.adr_refused}) | PROVIDER_STATES,
        Status.escalated,
    ),
    Action.adr_accept: Move(Party.adr, frozenset({Status.escalated}), Status.adr_hearing),
    Action.adr_refuse: Move(Party.adr, frozenset({Status.escalated}), Status.adr_refused),
    # The target is settled or not_settled, as the ADR body says.
    Action.adr_close: Move(Party.adr, frozenset({Status.adr_hearing}), None),
    Action.refer: Move(Party.complainant, _ANY_OPEN - {Status.filed}, Status.referred),
    Action.withdraw: Move(Party.complainant, _ANY_OPEN, Status.withdrawn),
    Action.statement: Move(Party.complainant, _ANY_OPEN, None),  # or the provider, or the ADR body
    Action.document: Move(Party.complainant, _ANY_OPEN, None),  # or the provider, or the ADR body
}


class MoveRefused(ValueError):
    def __init__(self, field: str, message: Lazy) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_move(
    action: Action, party: Party, status: Status, answer_late: bool = False
) -> Status | None:
    """The state ``action`` by ``party`` leads to from ``status``; raises
    :class:`MoveRefused` naming why it may not be done."""
    move = MOVES[action]
    parties = (
        {Party.complainant, Party.provider, Party.adr}
        if action in (Action.statement, Action.document)
        else {move.party}
    )
    if party not in parties:
        raise MoveRefused(
            "action", lazy("only the %(party)s may %(action)s", party=move.party, action=action)
        )
    if status not in move.sources:
        raise MoveRefused(
            "status",
            lazy(
                "a complaint that is %(status)s cannot be %(action)s", status=status, action=action
            ),
        )
    if party is Party.adr and status not in ADR_STATES:
        raise MoveRefused("status", lazy("the ADR body acts only while the case is before it"))
    if action is Action.escalate and status in PROVIDER_STATES and not answer_late:
        raise MoveRefused(
            "status",
            lazy(
                "the provider has until its answer deadline; escalate once it has "
                "answered or the deadline has passed"
            ),
        )
    return move.target


def settled_needs_both_heard(result: AdrResult, heard: set[Party]) -> None:
    """A settlement stands on both sides' statements to the ADR body."""
    missing = {Party.complainant, Party.provider} - heard
    if result is AdrResult.settled and missing:
        raise MoveRefused(
            "result",
            lazy(
                "hear both sides first: no statement from the %(party)s before the ADR body",
                party=", ".join(sorted(missing)),
            ),
        )


@dataclass(frozen=True)
class OnMissed:
    """What the platform does when the current deadline has passed."""

    action: Action  # overdue (notify), escalate, or lapse (close)
    outcome: Outcome | None = None


def on_missed(status: Status, escalate_when_late: bool, has_route: bool) -> OnMissed:
    """The rule for a missed deadline of a complaint in ``status``.

    The provider late with its answer: to ADR when the complainant asked for it
    at filing and the provider named its ADR body, else both are told (the
    complainant may escalate from then on). The complainant silent after an
    answer, a refusal or a failed settlement: closed with what stands. The ADR
    body late: both sides and the body are told."""
    if status in (Status.acknowledged, Status.investigating) and escalate_when_late and has_route:
        return OnMissed(Action.escalate)
    if status is Status.answered:
        return OnMissed(Action.lapse, Outcome.no_reply)
    if status is Status.adr_refused:
        return OnMissed(Action.lapse, Outcome.refused_by_adr)
    if status is Status.not_settled:
        return OnMissed(Action.lapse, Outcome.not_settled)
    return OnMissed(Action.overdue)
