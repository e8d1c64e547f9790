"""Business days in Japan. Pure: no I/O.

A business day is a weekday that is neither a national holiday (the
``holidays`` package's calendar for Japan, substitute holidays included) nor
one of the year-end closing days of government offices (29 December to
3 January, Act on Holidays of Administrative Organs, Art. 1), which most
businesses and dispute-resolution bodies keep too.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _japan(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def _year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    """Whether government offices in Japan are open on ``day``."""
    return day.weekday() < 5 and day not in _japan(day.year) and not _year_end_closure(day)


def add_business_days(
    start: date, days: int, open_on: Callable[[date], bool] = is_business_day
) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself not
    counted); 0 gives ``start`` if it is a business day, else the next one."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not open_on(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if open_on(day):
            counted += 1
    return day


def business_days_between(
    start: date, end: date, open_on: Callable[[date], bool] = is_business_day
) -> int:
    """Business days after ``start`` up to and including ``end`` (negative
    when ``end`` is before ``start``)."""
    if end < start:
        return -business_days_between(end, start, open_on)
    return sum(open_on(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
