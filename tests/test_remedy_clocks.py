"""A complaint's deadlines, alone: business days in Japan over holidays and
the year-end closure, each state's deadline, a paused clock, the countdown."""

from datetime import date

import pytest

from agilegov.remedy.clocks import (
    DEFAULT_DESK,
    AdrClocks,
    Countdown,
    Desk,
    case_due,
    countdown,
    resumed,
    state_due,
)
from agilegov.remedy.ladder import CLOSED, Status

# Friday; Monday 11 January 2027 is Coming of Age Day.
FRIDAY = date(2027, 1, 8)


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # The example: three business days over the holiday.
        (FRIDAY, date(2027, 1, 14)),
        # Filed on the holiday itself: it counts from the next business day.
        (date(2027, 1, 11), date(2027, 1, 14)),
        # The year-end closure, 29 December to 3 January.
        (date(2026, 12, 25), date(2027, 1, 5)),
        (date(2026, 12, 29), date(2027, 1, 6)),
        # Golden Week: Showa Day (29 April), then 3 to 5 May.
        (date(2027, 4, 28), date(2027, 5, 7)),
        # An ordinary week.
        (date(2027, 2, 1), date(2027, 2, 4)),
    ],
)
def test_acknowledgement_due_in_three_business_days(filed: date, due: date) -> None:
    assert state_due(Status.filed, filed, filed, DEFAULT_DESK, None) == due


# The desk's and the ADR body's clocks, unlike the defaults, to see which counts.
DESK = Desk(acknowledge=2, answer=5, reply=4, case=30)
ADR = AdrClocks(accept=3, close=10)
BEGAN = date(2027, 2, 15)  # Monday


@pytest.mark.parametrize(
    ("status", "adr", "due"),
    [
        (Status.filed, ADR, date(2027, 1, 13)),
        # The answer counts from filing, whenever the state began.
        (Status.acknowledged, ADR, date(2027, 1, 18)),
        (Status.investigating, None, date(2027, 1, 18)),
        # The complainant's reply counts from the state's start.
        (Status.answered, None, date(2027, 2, 19)),
        (Status.adr_refused, ADR, date(2027, 2, 19)),
        (Status.not_settled, ADR, date(2027, 2, 19)),
        # The ADR body's own clocks; 23 February is the Emperor's Birthday.
        (Status.escalated, ADR, date(2027, 2, 18)),
        (Status.adr_hearing, ADR, date(2027, 3, 2)),
        # An ADR body's defaults where none is known.
        (Status.escalated, None, date(2027, 3, 2)),
        *[(status, ADR, None) for status in sorted(CLOSED)],
    ],
)
def test_state_due(status: Status, adr: AdrClocks | None, due: date | None) -> None:
    assert state_due(status, BEGAN, FRIDAY, DESK, adr) == due


@pytest.mark.parametrize(
    ("desk", "due"),
    [
        (DEFAULT_DESK, date(2027, 10, 5)),
        # Over National Foundation Day (11 February) and the Emperor's Birthday.
        (DESK, date(2027, 2, 24)),
    ],
)
def test_case_due(desk: Desk, due: date) -> None:
    assert case_due(FRIDAY, desk) == due


@pytest.mark.parametrize(
    ("due", "paused", "today", "expected"),
    [
        # Paused on Friday, resumed on Tuesday after the holiday: one business day.
        (date(2027, 1, 14), FRIDAY, date(2027, 1, 12), date(2027, 1, 15)),
        # Resumed the day it was paused: nothing moves.
        (date(2027, 1, 14), FRIDAY, FRIDAY, date(2027, 1, 14)),
        # Paused over a weekend only: nothing moves.
        (date(2027, 2, 10), date(2027, 2, 5), date(2027, 2, 7), date(2027, 2, 10)),
        # A whole week: five business days, on past National Foundation Day.
        (date(2027, 2, 10), date(2027, 2, 1), date(2027, 2, 8), date(2027, 2, 18)),
        # Over the year-end closure: 28 December and 4 January, then past the holiday.
        (date(2027, 1, 8), date(2026, 12, 25), date(2027, 1, 4), date(2027, 1, 13)),
        # A clock somehow "resumed" before it paused never moves back.
        (date(2027, 1, 14), date(2027, 1, 12), FRIDAY, date(2027, 1, 14)),
        (None, FRIDAY, date(2027, 1, 12), None),
    ],
)
def test_resumed(due: date | None, paused: date, today: date, expected: date | None) -> None:
    assert resumed(due, paused, today) == expected


@pytest.mark.parametrize(
    ("today", "business_days", "days", "missed"),
    [
        (FRIDAY, 3, 6, False),
        (date(2027, 1, 11), 3, 3, False),  # the holiday: still three to go
        (date(2027, 1, 13), 1, 1, False),
        (date(2027, 1, 14), 0, 0, False),  # due today: not yet missed
        (date(2027, 1, 15), -1, -1, True),
        (date(2027, 1, 18), -2, -4, True),
    ],
)
def test_countdown(today: date, business_days: int, days: int, missed: bool) -> None:
    due = date(2027, 1, 14)
    left = countdown(due, today)
    assert left == Countdown(due, business_days, days)
    assert left.missed is missed
