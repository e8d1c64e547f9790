"""Reporting periods and the deadlines of reports on them. Pure: no I/O.

Deadlines count business days in Japan (:mod:`agilegov.workdays`)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from agilegov.workdays import add_business_days


def period_containing(day: date, every_months: int, starts_month: int) -> tuple[date, date]:
    """The reporting period holding ``day``: periods of ``every_months``
    months, one of which starts on the first of ``starts_month``."""
    if every_months < 1 or 12 % every_months:
        raise ValueError("a period is 1, 2, 3, 4, 6 or 12 months")
    if not 1 <= starts_month <= 12:
        raise ValueError("a month is 1 to 12")
    # Months since a period boundary, counted from January of year 0.
    months = day.year * 12 + day.month - 1 - (starts_month - 1)
    first = months - months % every_months + (starts_month - 1)
    start = date(first // 12, first % 12 + 1, 1)
    return start, start + relativedelta(months=every_months) - timedelta(days=1)


def previous_period(day: date, every_months: int, starts_month: int) -> tuple[date, date]:
    """The last period that has ended by ``day``."""
    start, _ = period_containing(day, every_months, starts_month)
    return period_containing(start - timedelta(days=1), every_months, starts_month)


def report_due(period_end: date, business_days: int) -> date:
    """When a report on a period ending ``period_end`` is due."""
    return add_business_days(period_end, business_days)
