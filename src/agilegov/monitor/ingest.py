"""Reading observations from files and streams: CSV and JSON lines.

Pure: text in, rows out. Every row says where it came from (``line 7``,
``observations[3]``) so that a refused batch names the item and the problem.
Whether an indicator key exists, or accepts a non-finite value, is for the
service to decide; here a row only has to be well formed.
"""

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

MAX_SOURCE = 200
MAX_KEY = 100
CSV_COLUMNS = ("indicator", "time", "value", "source")


class Row(NamedTuple):
    """One observation as given: indicator key, an aware time, a value, a source."""

    indicator: str
    time: datetime
    value: float
    source: str | None
    where: str


class IngestError(ValueError):
    """A malformed item: ``where`` names it (``line 3``), the message says what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


# RFC 3339 section 5.6 date-time: full date, "T" (or "t"), full time with an
# optional fraction, and an offset that is "Z" (or "z") or ±hh:mm.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?", re.ASCII)


def parse_time(text: object, where: str) -> datetime:
    """An RFC 3339 date-time with its offset (``Z`` or ``±hh:mm``), as UTC."""
    if not isinstance(text, str):
        raise IngestError(where, "time: must be an RFC 3339 string")
    if not _RFC3339.fullmatch(text):
        if _LOCAL_TIME.fullmatch(text):
            raise IngestError(where, f"time: {text!r} has no offset (add Z or ±hh:mm)")
        raise IngestError(where, f"time: {text!r} is not an RFC 3339 date-time")
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:  # the right shape, an impossible date or time
        raise IngestError(where, f"time: {text!r} is not a valid date and time") from None
    return moment.astimezone(UTC)


def parse_value(value: object, where: str) -> float:
    """A number: JSON numbers, or text as Prometheus writes it (NaN, +Inf, -Inf too)."""
    if isinstance(value, bool):
        raise IngestError(where, "value: must be a number, not true/false")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in ("nan", "+nan", "-nan"):
            return math.nan
        if lowered in ("inf", "+inf", "infinity", "+infinity"):
            return math.inf
        if lowered in ("-inf", "-infinity"):
            return -math.inf
        try:
            number = float(text)
        except ValueError:
            raise IngestError(where, f"value: {value!r} is not a number") from None
        if "_" in text or lowered.startswith(("0x", "+0x", "-0x")):
            raise IngestError(where, f"value: {value!r} is not a number")
        if math.isinf(number):  # too large for a double: not the same as writing Inf
            raise IngestError(where, f"value: {value!r} is out of range")
        return number
    raise IngestError(where, "value: must be a number")


def _key(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IngestError(where, "indicator: must be a non-empty key")
    if len(value) > MAX_KEY:
        raise IngestError(where, f"indicator: longer than {MAX_KEY} characters")
    return value


def _source(value: object, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise IngestError(where, "source: must be text")
    if len(value) > MAX_SOURCE:
        raise IngestError(where, f"source: longer than {MAX_SOURCE} characters")
    return value


def row_from_item(item: object, where: str) -> Row:
    """One JSON object ``{"indicator", "time", "value", "source"?}`` as a row."""
    if not isinstance(item, dict):
        raise IngestError(where, "must be an object with indicator, time and value")
    unknown = sorted(set(item) - set(CSV_COLUMNS))
    if unknown:
        raise IngestError(where, f"{unknown[0]}: unknown field")
    for field in ("indicator", "time", "value"):
        if field not in item:
            raise IngestError(where, f"{field}: missing")
    return Row(
        _key(item["indicator"], where),
        parse_time(item["time"], where),
        parse_value(item["value"], where),
        _source(item.get("source"), where),
        where,
    )


def read_csv(text: str) -> list[Row]:
    """Rows of a CSV file with the header ``indicator,time,value[,source]``."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as problem:
        raise IngestError("line 1", f"not CSV: {problem}") from None
    if header is None:
        raise IngestError("line 1", "the file is empty: expected the header indicator,time,value")
    names = [name.strip().lower() for name in header]
    if names not in (list(CSV_COLUMNS[:3]), list(CSV_COLUMNS)):
        raise IngestError("line 1", "the header must be indicator,time,value[,source]")
    width = len(names)
    rows = []
    try:
        for cells in reader:
            where = f"line {reader.line_num}"
            if not cells or cells == [""]:
                continue  # a blank line
            if len(cells) != width:
                raise IngestError(where, f"{len(cells)} columns, expected {width}")
            source = _source(cells[3], where) if width == 4 else None
            key = _key(cells[0].strip(), where)
            rows.append(
                Row(
                    key,
                    parse_time(cells[1].strip(), where),
                    parse_value(cells[2], where),
                    source,
                    where,
                )
            )
    except csv.Error as problem:
        raise IngestError(f"line {reader.line_num}", f"not CSV: {problem}") from None
    if not rows:
        raise IngestError("line 2", "no observations after the header")
    return rows


def read_json_lines(lines: Iterable[str]) -> list[Row]:
    """Rows of JSON lines: one object per line, blank lines skipped."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            item: Any = json.loads(line)
        except json.JSONDecodeError as problem:
            raise IngestError(where, f"not JSON: {problem.msg}") from None
        rows.append(row_from_item(item, where))
    if not rows:
        raise IngestError("line 1", "no observations")
    return rows
