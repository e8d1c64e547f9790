"""Numbers and times as they enter: one reader for each, with the bounds every
column, conversion and computation downstream can hold.

Pure: no I/O. Each reader returns the value or raises ``ValueError`` whose
message says what is wrong with it, for the caller to attach to the field,
line or item it came from.

Numbers are doubles, finite unless the caller takes the non-finite spellings
of Prometheus text (``NaN``, ``+Inf``, ``-Inf``). Times carry an offset and lie
between ``EARLIEST`` and ``LATEST`` in UTC: every offset is less than a day, so
such a time converts to any zone and back, and to epoch microseconds, without
leaving the calendar's years 1 to 9999.
"""

import json
import math
import re
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The largest integer column value (PostgreSQL INTEGER); a larger id names nothing.
MAX_INT = 2**31 - 1
FLOAT_MAX = sys.float_info.max  # about 1.8e308
NUMBER_RANGE = "must be a finite number within ±1.8e308"

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC)
TIME_RANGE = "must be from 0001-01-02T00:00:00Z to 9999-12-30T23:59:59.999999Z"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
EARLIEST_MS = (EARLIEST - _EPOCH) // _MILLISECOND
LATEST_MS = (LATEST - _EPOCH) // _MILLISECOND

# A decimal as Go's ParseFloat and Prometheus read it: no hexadecimal forms, no
# "_" separators, no spelled-out infinities.
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}

# RFC 3339 section 5.6 date-time: full date, "T" (or "t"), full time with an
# optional fraction, and an offset that is "Z" (or "z") or ±hh:mm.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?", re.ASCII)


def shown(text: str, most: int = 40) -> str:
    """Text as a message quotes it: repr, cut short (a number may have 400 digits)."""
    return repr(text if len(text) <= most else text[: most - 3] + "...")


def decimal(text: str) -> float:
    """A decimal number written as text (blanks around it allowed), finite."""
    stripped = text.strip()
    if not DECIMAL.fullmatch(stripped):
        raise ValueError(f"{shown(text)} is not a number")
    number = float(stripped)
    if math.isinf(number):  # too large for a double: not the same as writing Inf
        raise ValueError(f"{shown(text)} is out of range: {NUMBER_RANGE}")
    return number


def number(value: object, *, non_finite: bool = False) -> float:
    """A double from a JSON number or from text, finite unless ``non_finite``
    lets through NaN and infinities (the JSON extensions ``NaN`` and
    ``Infinity``, or text spelling NaN, +Inf or -Inf). An integer beyond a
    double's range is refused, not rounded to infinity."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, int):
        if abs(value) > FLOAT_MAX:
            raise ValueError(NUMBER_RANGE)
        return float(value)
    if isinstance(value, float):
        if not (non_finite or math.isfinite(value)):
            raise ValueError(NUMBER_RANGE)
        return value
    if isinstance(value, str):
        spelled = _NON_FINITE.get(value.strip().lower())
        if spelled is None:
            return decimal(value)
        if non_finite:
            return spelled
        raise ValueError(f"{shown(value)} is out of range: {NUMBER_RANGE}")
    raise ValueError("must be a number")


def stored_time(moment: datetime) -> datetime:
    """``moment`` as given, if it has an offset and lies within the bounds."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("has no offset (add Z or ±hh:mm)")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # the offset carries it past the year 1 or 9999
        raise ValueError(TIME_RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(TIME_RANGE)
    return moment


def time_text(text: object) -> datetime:
    """An RFC 3339 date-time with its offset (``Z`` or ``±hh:mm``), within the
    bounds, with the offset it was written with."""
    if not isinstance(text, str):
        raise ValueError("must be an RFC 3339 string")
    if not _RFC3339.fullmatch(text):
        if _LOCAL_TIME.fullmatch(text):
            raise ValueError(f"{shown(text)} has no offset (add Z or ±hh:mm)")
        raise ValueError(f"{shown(text)} is not an RFC 3339 date-time")
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:  # the right shape, an impossible date or time
        raise ValueError(f"{shown(text)} is not a valid date and time") from None
    try:
        return stored_time(moment)
    except ValueError:
        raise ValueError(f"{shown(text)} is out of range: {TIME_RANGE}") from None


def is_time_text(text: str) -> bool:
    """Whether ``text`` has the shape of an RFC 3339 date-time with its offset."""
    return _RFC3339.fullmatch(text) is not None


def is_local_time(text: str) -> bool:
    """Whether ``text`` is a date and time written without an offset."""
    return _LOCAL_TIME.fullmatch(text) is not None


def local_time(text: str, zone: str) -> datetime:
    """A date and time written without an offset (``2026-04-01T09:30``, as a
    ``datetime-local`` input sends it), read as a wall-clock time in ``zone``,
    in UTC and within the bounds.

    A wall-clock time a daylight-saving change skips or repeats is read with
    ``fold=0``, as ``zoneinfo`` does: by the offset in force just before the
    change. In New York, 2026-03-08T02:30 (skipped) is 07:30Z (03:30 EDT), and
    2026-11-01T01:30 (repeated) is its first occurrence, 05:30Z (01:30 EDT)."""
    if not _LOCAL_TIME.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a date and time")
    try:
        wall = datetime.fromisoformat(text.upper())
    except ValueError:  # the right shape, an impossible date or time
        raise ValueError(f"{shown(text)} is not a valid date and time") from None
    try:
        moment = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except OverflowError:  # the zone's offset carries it past the year 1 or 9999
        raise ValueError(f"{shown(text)} is out of range: {TIME_RANGE}") from None
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"{shown(text)} is out of range: {TIME_RANGE}")
    return moment


def time_of_epoch_ms(milliseconds: int) -> datetime:
    """The UTC time ``milliseconds`` after 1970-01-01T00:00:00Z, within the bounds."""
    if not EARLIEST_MS <= milliseconds <= LATEST_MS:
        raise ValueError(f"timestamp {milliseconds} ms is out of range: {TIME_RANGE}")
    return _EPOCH + milliseconds * _MILLISECOND


# A number literal that may be beyond a double: an exponent of three digits or
# more, or 309 digits in a row. Only a document holding one is read again.
_MAYBE_TOO_LARGE = re.compile(rb"[0-9][eE]\+?0*[1-9][0-9]{2}|[0-9]{309}")


class _TooLarge:
    """A JSON number literal beyond a double, where the document holds it."""


def _json_float(text: str) -> float | _TooLarge:
    number = float(text)
    return _TooLarge() if math.isinf(number) else number


def number_too_large(document: bytes) -> str | None:
    """Where a JSON document writes a number beyond a double (``goals[0].target``;
    ``body`` for the whole document), or None. JSON parsers read one as
    infinity, which is then indistinguishable from the extension ``Infinity``."""
    if not _MAYBE_TOO_LARGE.search(document):
        return None
    try:
        parsed = json.loads(document, parse_float=_json_float)
    except (ValueError, RecursionError):  # not JSON: for the reader of the document to say
        return None
    pending: list[tuple[object, str]] = [(parsed, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, _TooLarge):
            return path or "body"
        if isinstance(item, dict):
            pending.extend(
                (value, f"{path}.{key}" if path else str(key)) for key, value in item.items()
            )
        elif isinstance(item, list):
            pending.extend((value, f"{path}[{index}]") for index, value in enumerate(item))
    return None
