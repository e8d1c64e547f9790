"""The deadlines of a complaint, in business days in Japan. Pure: no I/O.

Each state's deadline counts from the day the state began (an answer from the
day of filing, as ISO 10002 counts a response time from receipt); the whole
case counts from filing. A paused clock does not run: resuming moves the
deadlines on by the business days it stood still."""

from dataclasses import dataclass
from datetime import date

from agilegov.remedy.ladder import Status
from agilegov.workdays import add_business_days, business_days_between


@dataclass(frozen=True)
class Desk:
    """A provider's clocks, in business days."""

    acknowledge: int = 3
    answer: int = 20
    reply: int = 20  # the complainant's time to accept, escalate or refer
    case: int = 180


@dataclass(frozen=True)
class AdrClocks:
    accept: int = 10
    close: int = 90


@dataclass(frozen=True)
class ClusterDefaults:
    threshold: int = 3
    window_days: int = 30


DEFAULT_DESK = Desk()
DEFAULT_CLUSTER = ClusterDefaults()


def state_due(
    status: Status, began: date, filed: date, desk: Desk, adr: AdrClocks | None
) -> date | None:
    """The deadline of ``status``, entered on ``began`` by a complaint filed on
    ``filed`` (None for a closed complaint)."""
    if status is Status.filed:
        return add_business_days(filed, desk.acknowledge)
    if status in (Status.acknowledged, Status.investigating):
        return add_business_days(filed, desk.answer)
    if status in (Status.answered, Status.adr_refused, Status.not_settled):
        return add_business_days(began, desk.reply)
    if status is Status.escalated:
        return add_business_days(began, (adr or AdrClocks()).accept)
    if status is Status.adr_hearing:
        return add_business_days(began, (adr or AdrClocks()).close)
    return None


def case_due(filed: date, desk: Desk) -> date:
    return add_business_days(filed, desk.case)


def resumed(due: date | None, paused: date, today: date) -> date | None:
    """A deadline moved on by the business days a clock stood still."""
    if due is None:
        return None
    return add_business_days(due, max(business_days_between(paused, today), 0))


@dataclass(frozen=True)
class Countdown:
    due: date
    business_days: int  # left (negative once passed)
    days: int

    @property
    def missed(self) -> bool:
        return self.days < 0


def countdown(due: date, today: date) -> Countdown:
    return Countdown(due, business_days_between(today, due), (due - today).days)
