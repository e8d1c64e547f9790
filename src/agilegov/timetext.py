"""Times of a whole batch as text, at once: for batched appends and ingest, where
formatting each time in Python would cost more than storing it."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Below 2**32 seconds (the year 2106) a double's error in seconds is under a
# quarter microsecond, so rounding seconds * 10**6 gives the exact microsecond.
_EXACT = 2.0**32
# From the year 1000 on, every ISO year has four digits.
_YEAR_1000 = -30_610_224_000


def epoch_microseconds(moments: Sequence[datetime]) -> np.ndarray:
    """Microseconds since 1970-01-01T00:00:00Z of aware datetimes, exactly."""
    seconds = np.array(list(map(datetime.timestamp, moments)), dtype=np.float64)
    if len(seconds) and (seconds.max() >= _EXACT or seconds.min() < _YEAR_1000):
        exact = [(moment - _EPOCH) // _MICROSECOND for moment in moments]
        return np.array(exact, dtype=np.int64)
    return np.rint(seconds * 1e6).astype(np.int64)


def _iso_array(microseconds: np.ndarray) -> np.ndarray | None:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` of each, or None if a year has not four digits."""
    if len(microseconds) and microseconds.min() < _YEAR_1000 * 1_000_000:
        return None
    return np.datetime_as_string(microseconds.astype("datetime64[us]"), unit="us")


def iso_texts(microseconds: np.ndarray) -> list[str] | None:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` (UTC) of each, or None outside the years
    1000 to 9999 (the caller then formats each time itself)."""
    text = _iso_array(microseconds)
    return None if text is None else text.tolist()


def sqlite_texts(microseconds: np.ndarray) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS.ffffff``: UTC as SQLAlchemy stores a DATETIME on SQLite."""
    text = _iso_array(microseconds)
    if text is None:
        moments = [_EPOCH + int(value) * _MICROSECOND for value in microseconds]
        return [moment.isoformat(sep=" ", timespec="microseconds")[:26] for moment in moments]
    # The "T" becomes a blank in place: one character of each fixed-width UCS-4
    # string, without a Python string per row.
    text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    return text.tolist()
