"""Business days in Japan and reporting periods (pure)."""

from datetime import date

import pytest

from agilegov.regulation.deadlines import period_containing, previous_period, report_due
from agilegov.workdays import add_business_days, business_days_between, is_business_day


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 4, 28), True),  # a Tuesday
        (date(2026, 4, 29), False),  # Shōwa Day
        (date(2026, 5, 6), False),  # substitute holiday: Constitution Day fell on a Sunday
        (date(2026, 5, 9), False),  # a Saturday
        (date(2026, 9, 22), False),  # the citizens' holiday between two holidays
        (date(2026, 12, 29), False),  # government offices close from 29 December
        (date(2027, 1, 4), True),  # ... to 3 January
        (date(2027, 1, 11), False),  # Coming of Age Day
    ],
)
def test_business_days_follow_japans_calendar(day: date, open_: bool) -> None:
    assert is_business_day(day) is open_


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 4, 28), 3, date(2026, 5, 7)),  # across Golden Week
        (date(2026, 12, 25), 2, date(2027, 1, 4)),  # across the year-end closure
        (date(2026, 5, 3), 0, date(2026, 5, 7)),  # none: the next open day
        (date(2026, 4, 28), 0, date(2026, 4, 28)),
    ],
)
def test_adding_business_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected
    if days:
        assert business_days_between(start, expected) == days


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2026, 4, 28), -1)


@pytest.mark.parametrize(
    ("day", "every", "starts", "expected"),
    [
        (date(2026, 12, 7), 12, 4, (date(2026, 4, 1), date(2027, 3, 31))),  # fiscal year
        (date(2026, 2, 7), 6, 4, (date(2025, 10, 1), date(2026, 3, 31))),
        (date(2026, 2, 28), 3, 1, (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2024, 2, 29), 1, 1, (date(2024, 2, 1), date(2024, 2, 29))),  # leap day
    ],
)
def test_the_period_holding_a_day(
    day: date, every: int, starts: int, expected: tuple[date, date]
) -> None:
    assert period_containing(day, every, starts) == expected


def test_the_previous_period_and_its_due_date() -> None:
    assert previous_period(date(2026, 12, 7), 12, 4) == (date(2025, 4, 1), date(2026, 3, 31))
    # 60 business days after 31 March 2026, Golden Week counted out.
    assert report_due(date(2026, 3, 31), 60) == add_business_days(date(2026, 3, 31), 60)
    assert report_due(date(2026, 3, 31), 60) == date(2026, 6, 29)


@pytest.mark.parametrize(("every", "starts"), [(5, 4), (12, 0), (12, 13)])
def test_bad_periods_are_refused(every: int, starts: int) -> None:
    with pytest.raises(ValueError):
        period_containing(date(2026, 1, 1), every, starts)
