"""Reading observations from files and streams: CSV, JSON lines and Prometheus
expositions.

Pure: text in, rows out. Every row says where it came from (``line 7``,
``observations[3]``) so that a refused batch names the item and the problem.
Whether an indicator key exists, or accepts a non-finite value, is for the
service to decide; here a row only has to be well formed.
"""

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from agilegov import values
from agilegov.monitor import prometheus

MAX_SOURCE = 200
MAX_KEY = 100
CSV_COLUMNS = ("indicator", "time", "value", "source")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def parse_time(text: object, where: str) -> datetime:
    """An RFC 3339 date-time with its offset (``Z`` or ``±hh:mm``), as UTC."""
    try:
        return values.time_text(text).astimezone(UTC)
    except ValueError as problem:
        raise IngestError(where, f"time: {problem}") from None


def parse_value(value: object, where: str) -> float:
    """A finite JSON number, or a number as text as Prometheus writes it (NaN,
    +Inf and -Inf too)."""
    try:
        return values.number(value, non_finite=True)
    except ValueError as problem:
        raise IngestError(where, f"value: {problem}") from None


def time_of_sample(milliseconds: int, where: str) -> datetime:
    """The time of a Prometheus sample (milliseconds since the epoch) as UTC."""
    try:
        return values.time_of_epoch_ms(milliseconds)
    except ValueError as problem:
        raise IngestError(where, f"time: {problem}") from None


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
            # A number too large for a double is refused rather than read as
            # Infinity, which a line may write as such.
            item: Any = json.loads(line, parse_float=values.decimal)
        except json.JSONDecodeError as problem:
            raise IngestError(where, f"not JSON: {problem.msg}") from None
        except ValueError as problem:
            raise IngestError(where, f"value: {problem}") from None
        rows.append(row_from_item(item, where))
    if not rows:
        raise IngestError("line 1", "no observations")
    return rows


def read_exposition(text: str, metric_map: prometheus.MetricMap, scraped_at: datetime) -> list[Row]:
    """Rows of the samples ``metric_map`` selects from a Prometheus exposition;
    samples without a timestamp are dated ``scraped_at``. None may be selected.
    Raises ``PrometheusError`` for a malformed document, ``IngestError`` for a
    timestamp beyond the times that can be stored."""
    scraped_at_ms = (scraped_at - _EPOCH) // timedelta(milliseconds=1)
    mapped = prometheus.select(prometheus.parse(text), metric_map, scraped_at_ms)
    rows = []
    for item in mapped:
        where = f"line {item.line}"
        moment = time_of_sample(item.time_ms, where)
        rows.append(Row(item.indicator, moment, item.value, item.source, where))
    return rows
