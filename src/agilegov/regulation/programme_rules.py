"""The course of a programme (sandbox, gray-zone inquiry, special measure), as
a table: which step each side may take from which status. Pure: no I/O.

    applied → approved / refused (sandbox, special measure) or answered (inquiry)
    approved → exited (the applicant's exit report) → concluded (the regulator's outcome)
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from agilegov.i18n import Lazy, lazy


class ProgrammeKind(StrEnum):
    sandbox = "sandbox"
    gray_zone = "gray_zone"
    special_measure = "special_measure"


class ProgrammeStatus(StrEnum):
    applied = "applied"
    approved = "approved"
    refused = "refused"
    answered = "answered"
    exited = "exited"
    concluded = "concluded"


class Party(StrEnum):
    applicant = "applicant"
    regulator = "regulator"


class Step(StrEnum):
    approve = "approve"
    refuse = "refuse"
    answer = "answer"
    exit = "exit"
    conclude = "conclude"


# Business days the regulator has to decide, or to answer an inquiry, counted
# from the day after the application (workdays.add_business_days). An
# inquiry's "one month" is taken as 20 business days.
DECISION_BUSINESS_DAYS: dict[ProgrammeKind, int] = {
    ProgrammeKind.sandbox: 30,
    ProgrammeKind.special_measure: 30,
    ProgrammeKind.gray_zone: 20,
}
# The longest demonstration or exception, in years.
MAX_YEARS = 2

# The kinds that run for a period in the applicant's scope, watched by monitoring.
MONITORED = frozenset({ProgrammeKind.sandbox, ProgrammeKind.special_measure})


@dataclass(frozen=True)
class Move:
    party: Party
    kinds: frozenset[ProgrammeKind]
    source: ProgrammeStatus
    target: ProgrammeStatus


MOVES: dict[Step, Move] = {
    Step.approve: Move(
        Party.regulator, MONITORED, ProgrammeStatus.applied, ProgrammeStatus.approved
    ),
    Step.refuse: Move(Party.regulator, MONITORED, ProgrammeStatus.applied, ProgrammeStatus.refused),
    Step.answer: Move(
        Party.regulator,
        frozenset({ProgrammeKind.gray_zone}),
        ProgrammeStatus.applied,
        ProgrammeStatus.answered,
    ),
    Step.exit: Move(Party.applicant, MONITORED, ProgrammeStatus.approved, ProgrammeStatus.exited),
    Step.conclude: Move(
        Party.regulator, MONITORED, ProgrammeStatus.exited, ProgrammeStatus.concluded
    ),
}


class StepRefused(Exception):
    """The step is not allowed; ``reason`` says why, for a person to read."""

    def __init__(self, reason: Lazy) -> None:
        super().__init__(reason)
        self.reason = reason


def next_status(
    kind: ProgrammeKind, status: ProgrammeStatus, step: Step, party: Party
) -> ProgrammeStatus:
    """The status ``step`` leads to, or StepRefused."""
    move = MOVES[step]
    if kind not in move.kinds:
        raise StepRefused(lazy("a %(kind)s cannot be %(step)s", kind=kind.value, step=step.value))
    if party is not move.party:
        raise StepRefused(
            lazy("only the %(party)s may %(step)s", party=move.party.value, step=step.value)
        )
    if status is not move.source:
        raise StepRefused(
            lazy(
                "it is %(status)s; %(step)s needs it %(source)s",
                status=status.value,
                step=step.value,
                source=move.source.value,
            )
        )
    return move.target


def steps_open(kind: ProgrammeKind, status: ProgrammeStatus, party: Party) -> list[Step]:
    """The steps ``party`` may take now."""
    return [
        step
        for step, move in MOVES.items()
        if kind in move.kinds and move.party is party and move.source is status
    ]


def decision_overdue(status: ProgrammeStatus, decision_due: date, today: date) -> bool:
    """Whether the regulator has let the decision (or answer) pass its due date."""
    return status is ProgrammeStatus.applied and today > decision_due


def period_problem(start: date, end: date) -> Lazy | None:
    """What is wrong with a demonstration's period, if anything."""
    if end <= start:
        return lazy("must be after period_start")
    # Compared without adding to a date, which fails near the calendar's ends.
    years = end.year - start.year
    if years > MAX_YEARS or (
        years == MAX_YEARS and (end.month, end.day) > (start.month, start.day)
    ):
        return lazy("must be at most two years after period_start")
    return None
