"""Batch time formatting: the same text as datetime's own, for every year."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agilegov.record.log import timestamp
from agilegov.timetext import epoch_microseconds, iso_texts, sqlite_texts

MOMENTS = [
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(2025, 6, 30, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, 123_457, tzinfo=timezone(timedelta(hours=9))),
    datetime(2105, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2200, 3, 1, 12, 0, 0, 1, tzinfo=UTC),  # beyond a double's exact microseconds
    datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=[m.isoformat() for m in MOMENTS])
def test_one_time_is_written_as_datetime_writes_it(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    [microseconds] = epoch_microseconds([moment]).tolist()
    assert microseconds == (utc - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert iso_texts(epoch_microseconds([moment])) == [timestamp(moment)[:-1]]
    expected = utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    assert sqlite_texts(epoch_microseconds([moment])) == [expected]


def test_a_batch_with_a_year_before_1000_is_left_to_the_caller() -> None:
    early = datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)
    microseconds = epoch_microseconds([MOMENTS[0], early])
    assert iso_texts(microseconds) is None
    assert sqlite_texts(microseconds) == [
        "2025-01-01 00:00:00.000000",
        "0999-12-31 23:59:59.000000",
    ]


def test_every_microsecond_of_a_day_rounds_right() -> None:
    start = datetime(2031, 7, 4, tzinfo=UTC)
    moments = [start + timedelta(microseconds=7919 * n) for n in range(20_000)]
    assert sqlite_texts(epoch_microseconds(moments)) == [
        m.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") for m in moments
    ]
