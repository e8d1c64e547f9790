"""Observations in bulk: the pure CSV and JSON-lines readers, then every way in
(the API's two routes, ``agilegov ingest csv``, ``ingest jsonl`` and ``ingest
prometheus`` from a file and over HTTP), each storing a batch once, all or
nothing, and naming the line or item and the problem when it refuses one.

Everything that touches a database runs on SQLite and on PostgreSQL.
"""

import contextlib
import http.server
import json
import math
import socket
import threading
import time as timing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from agilegov import clock
from agilegov.cli import app as cli
from agilegov.db import make_engine, make_session_factory
from agilegov.goals.models import Indicator
from agilegov.monitor import cli as cli_module
from agilegov.monitor import scraping
from agilegov.monitor.ingest import (
    IngestError,
    Row,
    parse_time,
    parse_value,
    read_csv,
    read_json_lines,
    row_from_item,
)
from agilegov.monitor.models import Observation
from agilegov.record.models import Event
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    POSTGRES_SERVER,
    assert_problem,
    assert_unchanged,
    bearer,
    make_client,
    ok,
    snapshot,
)
from builders import World, build_cast, indicator, new_scope, specific_goal

NEW_YEAR = datetime(2025, 1, 1, tzinfo=UTC)
NEW_YEAR_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def _flat(rows: list[Row]) -> list[tuple[str, str, str, str | None, str]]:
    """Rows in a form that compares (NaN is not equal to itself)."""
    return [
        (row.indicator, row.time.isoformat(), repr(row.value), row.source, row.where)
        for row in rows
    ]


# ================================================================ the pure readers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00"),
        ("2025-01-01t00:00:00z", "2025-01-01T00:00:00+00:00"),
        ("2025-01-01T00:00:00-00:00", "2025-01-01T00:00:00+00:00"),
        ("2025-01-01T02:00:00+02:00", "2025-01-01T00:00:00+00:00"),
        ("2024-12-31T19:30:00-04:30", "2025-01-01T00:00:00+00:00"),
        ("2025-06-30T23:59:59.5Z", "2025-06-30T23:59:59.500000+00:00"),
        ("2025-01-01T00:00:00.123456+01:00", "2024-12-31T23:00:00.123456+00:00"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00+00:00"),
    ],
)
def test_parse_time_reads_rfc3339_as_utc(text: str, expected: str) -> None:
    moment = parse_time(text, "line 2")
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert moment.isoformat() == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2025-01-01", "time: '2025-01-01' is not an RFC 3339 date-time"),
        ("2025-01-01T00:00:00", "time: '2025-01-01T00:00:00' has no offset (add Z or ±hh:mm)"),
        ("2025-01-01T00:00:00.123", "time: '2025-01-01T00:00:00.123' has no offset"),
        ("2025-13-01T00:00:00Z", "time: '2025-13-01T00:00:00Z' is not a valid date and time"),
        ("2025-02-30T00:00:00Z", "is not a valid date and time"),
        ("2025-01-01T24:00:00Z", "is not a valid date and time"),
        ("2025-01-01T00:00:60Z", "is not a valid date and time"),
        ("2025-01-01 00:00:00Z", "is not an RFC 3339 date-time"),
        ("2025-01-01T00:00:00Z ", "is not an RFC 3339 date-time"),
        ("20250101T000000Z", "is not an RFC 3339 date-time"),
        ("2025-01-01T00:00Z", "is not an RFC 3339 date-time"),
        ("2025-01-01T00:00:00+24:00", "is not a valid date and time"),
        ("yesterday at noon", "is not an RFC 3339 date-time"),
        ("", "is not an RFC 3339 date-time"),
        (1_735_689_600, "time: must be an RFC 3339 string"),
        (None, "time: must be an RFC 3339 string"),
        ("2025-01-01T00:00:00+0200", "RFC 3339"),
        ("2025-01-01T00:00:00+02", "RFC 3339"),
        ("2025-01-01T00:00:00+02:00:30", "RFC 3339"),
        ("2025-01-01T00:00:00,5Z", "RFC 3339"),
        ("2025-01-01T00:00:00.Z", "RFC 3339"),
        ("2025-01-01T00:00:00 Z", "RFC 3339"),
    ],
)
def test_parse_time_refuses(text: object, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_time(text, "line 9")
    assert caught.value.where == "line 9"
    assert fragment in caught.value.message
    assert str(caught.value) == f"line 9: {caught.value.message}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (-2.5, -2.5),
        ("2.5", 2.5),
        (" -3e2 ", -300.0),
        ("1E-3", 0.001),
        (".5", 0.5),
        ("NaN", math.nan),
        ("nan", math.nan),
        ("+Inf", math.inf),
        ("Inf", math.inf),
        ("-Inf", -math.inf),
        ("-infinity", -math.inf),
        (math.inf, math.inf),
    ],
)
def test_parse_value(value: object, expected: float) -> None:
    assert repr(parse_value(value, "line 2")) == repr(expected)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1_000", "value: '1_000' is not a number"),
        ("0x10", "value: '0x10' is not a number"),
        ("-0x1p3", "value: '-0x1p3' is not a number"),
        ("1,5", "value: '1,5' is not a number"),
        ("abc", "value: 'abc' is not a number"),
        ("", "value: '' is not a number"),
        (True, "value: must be a number, not true/false"),
        (None, "value: must be a number"),
        ([1], "value: must be a number"),
        ("1e999", "value: '1e999' is out of range"),
    ],
)
def test_parse_value_refuses(value: object, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_value(value, "line 4")
    assert (caught.value.where, fragment in caught.value.message) == ("line 4", True), caught.value


CSV_GOOD = [
    pytest.param(
        "indicator,time,value\na,2025-01-01T00:00:00Z,1\nb,2025-01-01T01:00:00+01:00,2.5\n",
        [
            ("a", "2025-01-01T00:00:00+00:00", "1.0", None, "line 2"),
            ("b", "2025-01-01T00:00:00+00:00", "2.5", None, "line 3"),
        ],
        id="three columns",
    ),
    pytest.param(
        "indicator,time,value,source\r\n"
        "a,2025-01-01t00:00:00.25z,NaN,\r\n"
        "\r\n"
        "b,2025-01-01T00:00:00-05:30,+Inf,probe\r\n"
        "c,2025-01-01T00:00:00Z,-Inf,\r\n",
        [
            ("a", "2025-01-01T00:00:00.250000+00:00", "nan", None, "line 2"),
            ("b", "2025-01-01T05:30:00+00:00", "inf", "probe", "line 4"),
            ("c", "2025-01-01T00:00:00+00:00", "-inf", None, "line 5"),
        ],
        id="source column, CRLF, a blank line",
    ),
    pytest.param(
        ' Indicator , TIME ,Value\n"a"," 2025-01-01T00:00:00Z ", 7 \n\n\n',
        [("a", "2025-01-01T00:00:00+00:00", "7.0", None, "line 2")],
        id="header in any case, quoted cells, blanks around, trailing blank lines",
    ),
    pytest.param(
        'indicator,time,value,source\na,2025-01-01T00:00:00Z,1,"lab, room 2"\n',
        [("a", "2025-01-01T00:00:00+00:00", "1.0", "lab, room 2", "line 2")],
        id="a source with a comma",
    ),
    pytest.param(
        "indicator,time,value\na,2025-01-01T00:00:00Z,1",
        [("a", "2025-01-01T00:00:00+00:00", "1.0", None, "line 2")],
        id="no final newline",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CSV_GOOD)
def test_read_csv(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert _flat(read_csv(text)) == expected


HEADER = "indicator,time,value\n"
GOOD_LINE = "a,2025-01-01T00:00:00Z,1\n"


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("", "line 1", "the file is empty"),
        ("\n", "line 1", "the header must be indicator,time,value[,source]"),
        ("indicator,value,time\n" + GOOD_LINE, "line 1", "the header must be"),
        ("indicator,time\n", "line 1", "the header must be"),
        ("indicator,time,value,source,unit\n", "line 1", "the header must be"),
        (GOOD_LINE, "line 1", "the header must be"),  # the header is missing
        (HEADER, "line 2", "no observations after the header"),
        (HEADER + "\n\n", "line 2", "no observations after the header"),
        (HEADER + GOOD_LINE + "a,2025-01-01T00:01:00Z\n", "line 3", "2 columns, expected 3"),
        (HEADER + GOOD_LINE + "a,2025-01-01T00:01:00Z,1,x\n", "line 3", "4 columns, expected 3"),
        (
            "indicator,time,value,source\r\na,2025-01-01T00:00:00Z,1,\r\n\r\na,1,2\r\n",
            "line 4",
            "3 columns, expected 4",
        ),
        (HEADER + 'a,"2025-01-01T00:00:00Z,1\n', "line 2", "not CSV"),
        (HEADER + GOOD_LINE + "a,2025-01-01,1\n", "line 3", "time: '2025-01-01' is not an RFC"),
        (
            HEADER + GOOD_LINE + "a,2025-01-01T00:00:00,1\n",
            "line 3",
            "time: '2025-01-01T00:00:00' has no offset (add Z or ±hh:mm)",
        ),
        (HEADER + "a,2025-13-01T00:00:00Z,1\n", "line 2", "'2025-13-01T00:00:00Z' is not a valid"),
        (HEADER + "a,2025-01-01T00:00:00.5,1\n", "line 2", "has no offset"),
        (HEADER + "a,,1\n", "line 2", "time: '' is not an RFC 3339 date-time"),
        (HEADER + GOOD_LINE + "a,2025-01-01T00:01:00Z,1_000\n", "line 3", "'1_000' is not a"),
        (HEADER + "a,2025-01-01T00:00:00Z,0x10\n", "line 2", "value: '0x10' is not a number"),
        (HEADER + "a,2025-01-01T00:00:00Z,one\n", "line 2", "value: 'one' is not a number"),
        (HEADER + "a,2025-01-01T00:00:00Z,\n", "line 2", "value: '' is not a number"),
        (HEADER + " ,2025-01-01T00:00:00Z,1\n", "line 2", "indicator: must be a non-empty key"),
        (HEADER + "k" * 101 + ",2025-01-01T00:00:00Z,1\n", "line 2", "longer than 100"),
        (
            "indicator,time,value,source\na,2025-01-01T00:00:00Z,1," + "s" * 201 + "\n",
            "line 2",
            "source: longer than 200 characters",
        ),
    ],
)
def test_read_csv_refuses(text: str, where: str, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_csv(text)
    assert caught.value.where == where, caught.value
    assert fragment in caught.value.message, caught.value


def test_read_json_lines() -> None:
    text = (
        '{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": 1}\r\n'
        "\n"
        '{"indicator": "b", "time": "2025-01-01t01:00:00+01:00", "value": "NaN", "source": "x"}\n'
        '   {"indicator": "c", "time": "2025-01-01T00:00:00.5Z", "value": "+Inf"}   \n'
        '{"indicator": "c", "time": "2025-01-01T00:00:01Z", "value": -Infinity}\n'
        '{"indicator": "d", "time": "2025-01-01T00:00:02Z", "value": 2.5, "source": null}\n'
        "\n"
    )
    assert _flat(read_json_lines(text.split("\n"))) == [
        ("a", "2025-01-01T00:00:00+00:00", "1.0", None, "line 1"),
        ("b", "2025-01-01T00:00:00+00:00", "nan", "x", "line 3"),
        ("c", "2025-01-01T00:00:00.500000+00:00", "inf", None, "line 4"),
        ("c", "2025-01-01T00:00:01+00:00", "-inf", None, "line 5"),
        ("d", "2025-01-01T00:00:02+00:00", "2.5", None, "line 6"),
    ]


GOOD_JSON = '{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": 1}'


@pytest.mark.parametrize(
    ("lines", "where", "fragment"),
    [
        ([], "line 1", "no observations"),
        (["", "  ", "\r"], "line 1", "no observations"),
        ([GOOD_JSON, '{"indicator": "a", "time": "2025-01-01T00:00:00Z"'], "line 2", "not JSON"),
        ([GOOD_JSON, "", "{bad}"], "line 3", "not JSON"),
        (["indicator,time,value"], "line 1", "not JSON"),
        ([GOOD_JSON, "[1, 2, 3]"], "line 2", "must be an object with indicator, time and value"),
        (['"a string"'], "line 1", "must be an object"),
        (["null"], "line 1", "must be an object"),
        (
            [GOOD_JSON[:-1] + ', "unit": "s"}'],
            "line 1",
            "unit: unknown field",
        ),
        (['{"time": "2025-01-01T00:00:00Z", "value": 1}'], "line 1", "indicator: missing"),
        (['{"indicator": "a", "value": 1}'], "line 1", "time: missing"),
        ([GOOD_JSON, '{"indicator": "a", "time": "2025-01-01T00:00:00Z"}'], "line 2", "value: mis"),
        (
            ['{"indicator": "a", "time": "2025-01-01", "value": 1}'],
            "line 1",
            "time: '2025-01-01' is not an RFC 3339 date-time",
        ),
        (
            ['{"indicator": "a", "time": 1735689600, "value": 1}'],
            "line 1",
            "time: must be an RFC 3339 string",
        ),
        (
            ['{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": "1_000"}'],
            "line 1",
            "value: '1_000' is not a number",
        ),
        (
            ['{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": true}'],
            "line 1",
            "value: must be a number, not true/false",
        ),
        (
            ['{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": null}'],
            "line 1",
            "value: must be a number",
        ),
        (
            ['{"indicator": 7, "time": "2025-01-01T00:00:00Z", "value": 1}'],
            "line 1",
            "indicator: must be a non-empty key",
        ),
        (
            ['{"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": 1, "source": 5}'],
            "line 1",
            "source: must be text",
        ),
    ],
)
def test_read_json_lines_refuses(lines: list[str], where: str, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_json_lines(lines)
    assert caught.value.where == where, caught.value
    assert fragment in caught.value.message, caught.value


def test_row_from_item_names_the_item() -> None:
    item = {"indicator": "a", "time": "2025-01-01T00:00:00Z", "value": "-Inf", "source": ""}
    assert _flat([row_from_item(item, "observations[3]")]) == [
        ("a", "2025-01-01T00:00:00+00:00", "-inf", None, "observations[3]")
    ]
    with pytest.raises(IngestError) as caught:
        row_from_item({**item, "value": "0x10"}, "observations[3]")
    assert str(caught.value) == "observations[3]: value: '0x10' is not a number"


# ================================================================ a scope to ingest into


@dataclass
class Scene:
    """A scope with two indicators: ``latency.p95`` takes finite values only,
    ``queue.depth`` takes NaN and ±Inf too."""

    url: str
    engine: Engine
    uow: UnitOfWork
    world: World
    scope_id: int
    ids: dict[str, int]


FINITE = "latency.p95"
ANY = "queue.depth"


def _indicators(uow: UnitOfWork, world: World, scope_id: int) -> dict[str, int]:
    goal = specific_goal(uow, world.owner, scope_id)
    finite = indicator(uow, world.owner, scope_id, goal.id, key=FINITE, name="p95 latency")
    anything = indicator(
        uow, world.owner, scope_id, goal.id, key=ANY, name="Queue depth", allow_non_finite=True
    )
    return {FINITE: finite.id, ANY: anything.id}


@pytest.fixture
def scene(database_url: str, engine: Engine, uow: UnitOfWork, world: World) -> Scene:
    scope_id = new_scope(uow, world.owner, world.business_id)
    return Scene(database_url, engine, uow, world, scope_id, _indicators(uow, world, scope_id))


def _stored(uow: UnitOfWork) -> list[tuple[str, str, str, str]]:
    """Every observation as (indicator key, UTC time, value, source), sorted."""
    with uow:
        rows = uow.session.execute(
            select(Indicator.key, Observation.time, Observation.value, Observation.source).join(
                Indicator, Indicator.id == Observation.indicator_id
            )
        ).all()
    return sorted(
        (key, moment.astimezone(UTC).isoformat(), repr(value), source)
        for key, moment, value, source in rows
    )


def _batch_events(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        events = uow.session.scalars(
            select(Event).where(Event.type == "observations.recorded").order_by(Event.leaf_index)
        ).all()
        return [{"scope_id": e.scope_id, **e.payload} for e in events]


def _observation_count(uow: UnitOfWork) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(Observation)) or 0


def _cli(url: str, *args: Any, input: str | bytes | None = None) -> Result:
    """``agilegov`` on the database at ``url``, as an operator runs it."""
    env: dict[str, str | None] = {"AGILEGOV_DATABASE_URL": url}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # the test server is local
        env[name] = env[name.lower()] = None
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, [str(arg) for arg in args], input=input, env=env)
    finally:
        get_settings.cache_clear()


def _refused(result: Result, message: str) -> None:
    """Exit status 1, nothing on standard output, and ``error: message`` on one line."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {message}"), (lines[0], message)


def _stored_line(result: Result, stored: int, duplicates: int) -> None:
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stdout == f"stored {stored}, duplicates {duplicates}\n"
    assert result.stderr == ""


# ================================================================ agilegov ingest csv

CSV = (
    "indicator,time,value,source\r\n"
    f"{FINITE},2025-01-01T00:00:00Z,0.31,\r\n"
    f"{FINITE},2025-01-01T01:00:00.250+01:00,0.35,probe\r\n"
    "\r\n"
    f"{ANY},2025-01-01t00:00:00z,NaN,\r\n"
    f"{ANY},2025-01-01T00:01:00Z,+Inf,\r\n"
    f"{ANY},2025-01-01T00:02:00Z,-Inf,\r\n"
    f"{ANY},2025-01-01T00:03:00-00:00,7,\r\n"
)
CSV_STORED = [
    (FINITE, "2025-01-01T00:00:00+00:00", "0.31", "csv"),
    (FINITE, "2025-01-01T00:00:00.250000+00:00", "0.35", "probe"),
    (ANY, "2025-01-01T00:00:00+00:00", "nan", "csv"),
    (ANY, "2025-01-01T00:01:00+00:00", "inf", "csv"),
    (ANY, "2025-01-01T00:02:00+00:00", "-inf", "csv"),
    (ANY, "2025-01-01T00:03:00+00:00", "7.0", "csv"),
]


def test_ingest_csv_stores_a_file_once(scene: Scene, tmp_path: Path) -> None:
    file = tmp_path / "observations.csv"
    file.write_bytes(CSV.encode())
    _stored_line(_cli(scene.url, "ingest", "csv", file), 6, 0)
    assert _stored(scene.uow) == sorted(CSV_STORED)
    [event] = _batch_events(scene.uow)
    assert event["scope_id"] == scene.scope_id
    assert (event["received"], event["stored"], event["duplicates"]) == (6, 6, 0)
    # The same file again: every row a duplicate, nothing stored, nothing recorded.
    before = snapshot(scene.engine)
    _stored_line(_cli(scene.url, "ingest", "csv", file, "--scope", scene.scope_id), 0, 6)
    assert_unchanged(before, scene.engine)
    # The same rows with another default source are other observations.
    _stored_line(_cli(scene.url, "ingest", "csv", file, "--source", "backfill"), 5, 1)
    assert len(_stored(scene.uow)) == 11
    assert len(_batch_events(scene.uow)) == 2


def test_ingest_csv_reads_a_byte_order_mark_and_three_columns(scene: Scene, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    file.write_bytes(
        b"\xef\xbb\xbfindicator,time,value\n" + f"{FINITE},2025-01-01T00:00:00Z,1\n".encode()
    )
    _stored_line(_cli(scene.url, "ingest", "csv", file, "--source", "sheet"), 1, 0)
    assert _stored(scene.uow) == [(FINITE, "2025-01-01T00:00:00+00:00", "1.0", "sheet")]


def test_ingest_csv_an_ambiguous_key_needs_the_scope(scene: Scene, tmp_path: Path) -> None:
    other = new_scope(scene.uow, scene.world.owner, scene.world.business_id, name="Other")
    _indicators(scene.uow, scene.world, other)
    file = tmp_path / "observations.csv"
    file.write_text(HEADER + f"{ANY},2025-01-01T00:00:00Z,1\n{FINITE},2025-01-01T00:00:00Z,2\n")
    before = snapshot(scene.engine)
    low, high = sorted((scene.scope_id, other))
    _refused(
        _cli(scene.url, "ingest", "csv", file),
        f"line 2: indicator: '{ANY}' is an indicator of several scopes ({low}, {high}): "
        "name the scope",
    )
    assert_unchanged(before, scene.engine)
    _stored_line(_cli(scene.url, "ingest", "csv", file, "--scope", other), 2, 0)
    with scene.uow:
        scopes = set(
            scene.uow.session.scalars(
                select(Indicator.scope_id).join(
                    Observation, Observation.indicator_id == Indicator.id
                )
            )
        )
    assert scopes == {other}


# Each bad file starts with a good line: a refused batch stores none of it.
BAD_INPUT = [
    # (case, bad line, message)
    ("malformed line", f"{FINITE},2025-01-01T00:01:00Z", "line 3: 2 columns, expected 3"),
    (
        "unknown indicator",
        "no.such.key,2025-01-01T00:01:00Z,1",
        "line 3: indicator: no indicator 'no.such.key' you may write to",
    ),
    (
        "NaN where refused",
        f"{FINITE},2025-01-01T00:01:00Z,NaN",
        f"line 3: value: nan is not allowed: indicator '{FINITE}' takes finite values only",
    ),
    (
        "+Inf where refused",
        f"{FINITE},2025-01-01T00:01:00Z,+Inf",
        f"line 3: value: inf is not allowed: indicator '{FINITE}'",
    ),
    (
        "date without time",
        f"{FINITE},2025-01-01,1",
        "line 3: time: '2025-01-01' is not an RFC 3339 date-time",
    ),
    (
        "time without offset",
        f"{FINITE},2025-01-01T00:01:00,1",
        "line 3: time: '2025-01-01T00:01:00' has no offset (add Z or ±hh:mm)",
    ),
    (
        "month 13",
        f"{FINITE},2025-13-01T00:00:00Z,1",
        "line 3: time: '2025-13-01T00:00:00Z' is not a valid date and time",
    ),
    ("digit separators", f"{FINITE},2025-01-01T00:01:00Z,1_000", "line 3: value: '1_000' is not"),
    ("hexadecimal", f"{FINITE},2025-01-01T00:01:00Z,0x10", "line 3: value: '0x10' is not a number"),
]


def test_ingest_csv_refuses_a_bad_file_whole(scene: Scene, tmp_path: Path) -> None:
    _stored_line(
        _cli(scene.url, "ingest", "csv", _csv(tmp_path, f"{ANY},2024-12-31T00:00:00Z,1")), 1, 0
    )
    before = snapshot(scene.engine)
    cases = [*BAD_INPUT, ("no header", None, "line 1: the header must be indicator,time,value")]
    for case, bad, message in cases:
        if bad is None:
            file = tmp_path / "headless.csv"
            file.write_text(f"{FINITE},2025-01-01T00:00:00Z,1\n")
        else:
            file = _csv(tmp_path, f"{FINITE},2025-01-01T00:00:00Z,1", bad)
        result = _cli(scene.url, "ingest", "csv", file, "--scope", scene.scope_id)
        _refused(result, message)
        assert _observation_count(scene.uow) == 1, case
        assert_unchanged(before, scene.engine)


def test_ingest_csv_accepts_non_finite_values_where_allowed(scene: Scene, tmp_path: Path) -> None:
    file = _csv(tmp_path, f"{ANY},2025-01-01T00:00:00Z,-Inf", f"{ANY},2025-01-01T00:01:00Z,nan")
    _stored_line(_cli(scene.url, "ingest", "csv", file), 2, 0)
    assert [value for _, _, value, _ in _stored(scene.uow)] == ["-inf", "nan"]


def _csv(tmp_path: Path, *lines: str) -> Path:
    file = tmp_path / f"batch-{len(list(tmp_path.iterdir()))}.csv"
    file.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return file


def test_ingest_csv_refuses_what_it_cannot_read(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(scene.engine)
    missing = tmp_path / "missing.csv"
    _refused(_cli(scene.url, "ingest", "csv", missing), f"{missing}: no such file")
    _refused(_cli(scene.url, "ingest", "csv", tmp_path), f"{tmp_path}: Is a directory")
    latin = tmp_path / "latin.csv"
    good = f"{HEADER}{FINITE},2025-01-01T00:00:00Z,1\n".encode()
    latin.write_bytes(good + "caf\xe9".encode("latin-1"))
    where = len(good) + 3
    _refused(_cli(scene.url, "ingest", "csv", latin), f"{latin}: not UTF-8 text (byte {where})")
    file = _csv(tmp_path, f"{FINITE},2025-01-01T00:00:00Z,1")
    _refused(_cli(scene.url, "ingest", "csv", file, "--source", " "), "--source: must be 1 to 200")
    _refused(
        _cli(scene.url, "ingest", "csv", file, "--scope", 999_999),
        "scope 999999",
    )
    monkeypatch.setattr(cli_module, "INGEST_MAX_BYTES", 40)
    _refused(
        _cli(scene.url, "ingest", "csv", file),
        f"{file}: larger than 40 bytes: split it into parts",
    )
    assert_unchanged(before, scene.engine)


# ================================================================ agilegov ingest jsonl


JSONL = (
    f'{{"indicator": "{FINITE}", "time": "2025-01-01T00:00:00Z", "value": 0.31}}\r\n'
    "\n"
    f'{{"indicator": "{FINITE}", "time": "2025-01-01T01:00:00.25+01:00", "value": "0.35",'
    ' "source": "probe"}\n'
    f'{{"indicator": "{ANY}", "time": "2025-01-01t00:00:00z", "value": NaN}}\n'
    f'{{"indicator": "{ANY}", "time": "2025-01-01T00:01:00Z", "value": "+Inf"}}\n'
    f'{{"indicator": "{ANY}", "time": "2025-01-01T00:02:00Z", "value": -Infinity}}\n'
    f'{{"indicator": "{ANY}", "time": "2025-01-01T00:03:00-00:00", "value": 7}}\n'
)


def test_ingest_jsonl_stores_standard_input_once(scene: Scene, tmp_path: Path) -> None:
    _stored_line(_cli(scene.url, "ingest", "jsonl", input=JSONL), 6, 0)
    expected = [(key, at, value, src.replace("csv", "jsonl")) for key, at, value, src in CSV_STORED]
    assert _stored(scene.uow) == sorted(expected)
    [event] = _batch_events(scene.uow)
    assert (event["scope_id"], event["stored"]) == (scene.scope_id, 6)
    before = snapshot(scene.engine)
    _stored_line(_cli(scene.url, "ingest", "jsonl", "--scope", scene.scope_id, input=JSONL), 0, 6)
    assert_unchanged(before, scene.engine)
    # The same observations as CSV, with the same sources, are already there.
    file = tmp_path / "same.csv"
    file.write_text(CSV)
    _stored_line(_cli(scene.url, "ingest", "csv", file, "--source", "jsonl"), 0, 6)
    assert_unchanged(before, scene.engine)


def _jsonl(key: str, at: str, value: Any) -> str:
    return json.dumps({"indicator": key, "time": at, "value": value})


def test_ingest_jsonl_refuses_bad_input_whole(scene: Scene) -> None:
    _stored_line(
        _cli(scene.url, "ingest", "jsonl", input=_jsonl(ANY, "2024-12-31T00:00:00Z", 1)), 1, 0
    )
    before = snapshot(scene.engine)
    good = _jsonl(FINITE, "2025-01-01T00:00:00Z", 1)
    cases = [
        ("malformed line", f'{{"indicator": "{FINITE}", "time": ', "line 3: not JSON"),
        ("not an object", "[1, 2]", "line 3: must be an object with indicator, time and value"),
        ("unknown field", good[:-1] + ', "unit": "ms"}', "line 3: unit: unknown field"),
        ("missing field", f'{{"indicator": "{FINITE}", "value": 1}}', "line 3: time: missing"),
        (
            "unknown indicator",
            _jsonl("no.such.key", "2025-01-01T00:01:00Z", 1),
            "line 3: indicator: no indicator 'no.such.key' you may write to",
        ),
        (
            "NaN where refused",
            _jsonl(FINITE, "2025-01-01T00:01:00Z", "NaN"),
            f"line 3: value: nan is not allowed: indicator '{FINITE}' takes finite values only",
        ),
        (
            "-Inf literal where refused",
            f'{{"indicator": "{FINITE}", "time": "2025-01-01T00:01:00Z", "value": -Infinity}}',
            "line 3: value: -inf is not allowed",
        ),
        (
            "date without time",
            _jsonl(FINITE, "2025-01-01", 1),
            "line 3: time: '2025-01-01' is not an RFC 3339 date-time",
        ),
        (
            "time without offset",
            _jsonl(FINITE, "2025-01-01T00:01:00", 1),
            "line 3: time: '2025-01-01T00:01:00' has no offset (add Z or ±hh:mm)",
        ),
        (
            "epoch seconds",
            _jsonl(FINITE, 1735689600, 1),
            "line 3: time: must be an RFC 3339 string",
        ),
        ("a boolean value", _jsonl(FINITE, "2025-01-01T00:01:00Z", True), "line 3: value: must"),
    ]
    for case, bad, message in cases:
        result = _cli(scene.url, "ingest", "jsonl", input=f"{good}\n\n{bad}\n")
        _refused(result, message)
        assert _observation_count(scene.uow) == 1, case
        assert_unchanged(before, scene.engine)


def test_ingest_jsonl_refuses_what_it_cannot_read(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(scene.engine)
    _refused(_cli(scene.url, "ingest", "jsonl", input=""), "line 1: no observations")
    _refused(_cli(scene.url, "ingest", "jsonl", input=b"\xff\xfe{}"), "standard input: not UTF-8")
    monkeypatch.setattr(cli_module, "INGEST_MAX_BYTES", 30)
    line = _jsonl(FINITE, "2025-01-01T00:00:00Z", 1)
    _refused(
        _cli(scene.url, "ingest", "jsonl", input=line),
        "standard input: larger than 30 bytes",
    )
    assert_unchanged(before, scene.engine)


# ================================================================ agilegov ingest prometheus

EXPOSITION = f"""\
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds summary
http_request_duration_seconds{{quantile="0.5"}} 0.12 {NEW_YEAR_MS}
http_request_duration_seconds{{quantile="0.95"}} 0.31 {NEW_YEAR_MS}
http_request_duration_seconds_sum 100 {NEW_YEAR_MS}
http_request_duration_seconds_count 400 {NEW_YEAR_MS}
# TYPE queue_depth gauge
queue_depth{{queue="mail"}} NaN {NEW_YEAR_MS}
queue_depth{{queue="jobs"}} +Inf {NEW_YEAR_MS + 60_000}
queue_depth{{queue="jobs"}} 7 {NEW_YEAR_MS + 120_000}
"""
PROMETHEUS_STORED = [
    (FINITE, "2025-01-01T00:00:00+00:00", "0.31", "node-1"),
    (ANY, "2025-01-01T00:00:00+00:00", "nan", "node-1"),
    (ANY, "2025-01-01T00:01:00+00:00", "inf", "node-1"),
    (ANY, "2025-01-01T00:02:00+00:00", "7.0", "node-1"),
]
MAP = f"""\
source: node-1
indicators:
  - indicator: {FINITE}
    metric: http_request_duration_seconds
    labels:
      quantile: "0.95"
  - indicator: {ANY}
    metric: queue_depth
"""


def _map(tmp_path: Path, text: str = MAP, name: str = "map.yaml") -> Path:
    file = tmp_path / name
    file.write_text(text)
    return file


def _exposition(tmp_path: Path, text: str = EXPOSITION, name: str = "metrics.txt") -> Path:
    file = tmp_path / name
    file.write_text(text)
    return file


def test_ingest_prometheus_stores_a_file_once(scene: Scene, tmp_path: Path) -> None:
    map_file, metrics = _map(tmp_path), _exposition(tmp_path)
    _stored_line(_cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file), 4, 0)
    assert _stored(scene.uow) == sorted(PROMETHEUS_STORED)
    [event] = _batch_events(scene.uow)
    assert (event["scope_id"], event["received"], event["stored"]) == (scene.scope_id, 4, 4)
    before = snapshot(scene.engine)
    result = _cli(
        scene.url, "ingest", "prometheus", metrics, "--map", map_file, "--scope", scene.scope_id
    )
    _stored_line(result, 0, 4)
    assert_unchanged(before, scene.engine)


def test_ingest_prometheus_dates_samples_without_a_timestamp_now(
    scene: Scene, tmp_path: Path
) -> None:
    map_file = _map(tmp_path, f"indicators:\n  - {{indicator: {ANY}, metric: queue_depth}}\n")
    metrics = _exposition(tmp_path, 'queue_depth{queue="mail"} 3\nqueue_depth{queue="jobs"} 4 5\n')
    now = datetime(2025, 3, 1, 12, 0, 0, 123_456, tzinfo=UTC)
    with clock.frozen_at(now):
        _stored_line(_cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file), 2, 0)
    assert _stored(scene.uow) == [
        (ANY, "1970-01-01T00:00:00.005000+00:00", "4.0", "prometheus"),
        (ANY, "2025-03-01T12:00:00.123000+00:00", "3.0", "prometheus"),  # to the millisecond
    ]
    with clock.frozen_at(now):
        _stored_line(_cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file), 0, 2)
    with clock.frozen_at(now + timedelta(seconds=15)):  # the next scrape
        _stored_line(_cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file), 1, 1)


PROMETHEUS_BAD = [
    # (case, exposition, map, message)
    (
        "malformed line",
        EXPOSITION + 'queue_depth{queue="x"} 1 2 3\n',
        MAP,
        'line 11: unexpected text after the timestamp: "3"',
    ),
    (
        "not a number",
        EXPOSITION.replace(" 7 ", " 1_000 "),
        MAP,
        'line 10: "1_000" is not a number',
    ),
    (
        "unknown indicator",
        EXPOSITION,
        MAP + "  - indicator: no.such.key\n    metric: http_request_duration_seconds_sum\n",
        "line 5: indicator: no indicator 'no.such.key' you may write to",
    ),
    (
        "NaN where refused",
        EXPOSITION,
        f"indicators:\n  - indicator: {FINITE}\n    metric: queue_depth\n"
        '    labels: {queue: "mail"}\n',
        f"line 8: value: nan is not allowed: indicator '{FINITE}' takes finite values only",
    ),
    (
        "a timestamp as RFC 3339",
        EXPOSITION.replace(f" {NEW_YEAR_MS + 60_000}", " 2025-01-01T00:01:00Z"),
        MAP,
        'line 9: "2025-01-01T00:01:00Z" is not a timestamp (expected integer milliseconds)',
    ),
    (
        "a timestamp in seconds with a fraction",
        EXPOSITION.replace(f" {NEW_YEAR_MS + 60_000}", " 1735689660.5"),
        MAP,
        'line 9: "1735689660.5" is not a timestamp',
    ),
    (
        "a timestamp beyond the calendar",
        EXPOSITION.replace(f" {NEW_YEAR_MS + 60_000}", f" {2**62}"),
        MAP,
        f"line 9: time: timestamp {2**62} ms is out of range",
    ),
    (
        "a map that is not YAML",
        EXPOSITION,
        "indicators: [\n",
        "map.yaml: line 2: not YAML:",
    ),
    (
        "a map with an unknown key",
        EXPOSITION,
        MAP + "interval: 15s\n",
        "map.yaml: interval: unknown key (expected indicators, source)",
    ),
    (
        "a map entry without a metric",
        EXPOSITION,
        MAP + f"  - indicator: {ANY}\n",
        "map.yaml: indicators[2].metric: missing",
    ),
    (
        "an empty map",
        EXPOSITION,
        "",
        "map.yaml: the map is empty",
    ),
    (
        "a map that matches nothing",
        EXPOSITION,
        f"indicators:\n  - indicator: {ANY}\n    metric: other_metric\n",
        "metrics.txt: no sample matches the map",
    ),
]


def test_ingest_prometheus_refuses_bad_input_whole(scene: Scene, tmp_path: Path) -> None:
    _stored_line(
        _cli(
            scene.url,
            "ingest",
            "csv",
            _csv(tmp_path, f"{ANY},2024-12-31T00:00:00Z,1"),
        ),
        1,
        0,
    )
    before = snapshot(scene.engine)
    for case, exposition, metric_map, message in PROMETHEUS_BAD:
        case_dir = tmp_path / case.replace(" ", "-")
        case_dir.mkdir()
        metrics, map_file = _exposition(case_dir, exposition), _map(case_dir, metric_map)
        result = _cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file)
        where = f"{case_dir}/" if message.startswith(("map.yaml", "metrics.txt")) else ""
        _refused(result, where + message)
        assert _observation_count(scene.uow) == 1, case
        assert_unchanged(before, scene.engine)
    missing = tmp_path / "missing.txt"
    _refused(
        _cli(scene.url, "ingest", "prometheus", missing, "--map", _map(tmp_path)),
        f"{missing}: no such file",
    )
    _refused(
        _cli(scene.url, "ingest", "prometheus", "ftp://127.0.0.1/metrics", "--map", _map(tmp_path)),
        "ftp://127.0.0.1/metrics: only http:// and https:// URLs can be scraped",
    )
    assert_unchanged(before, scene.engine)


# ---------------------------------------------------------------- over HTTP


class _Exposer(http.server.BaseHTTPRequestHandler):
    """Serves the pages of ``server.pages``: path -> (status, headers, body)."""

    def do_GET(self) -> None:
        self.server.requests.append(dict(self.headers))  # type: ignore[attr-defined]
        page = self.server.pages.get(self.path)  # type: ignore[attr-defined]
        if page is None:
            self.send_error(404)
            return
        status, headers, body = page
        if callable(body):
            body = body()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers and "X-No-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may stop reading: the body is too large, or comes too late.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _slow() -> bytes:
    timing.sleep(1.5)
    return EXPOSITION.encode()


@dataclass
class Exposer:
    url: str  # http://127.0.0.1:PORT
    requests: list[dict[str, str]]  # the headers of each request


@pytest.fixture(scope="module")
def exposer() -> Iterator[Exposer]:
    """A real HTTP server on a free local port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Exposer)
    server.daemon_threads = True
    text = {"Content-Type": "text/plain; version=0.0.4"}
    server.pages = {  # type: ignore[attr-defined]
        "/metrics": (200, text, EXPOSITION.encode()),
        "/moved": (302, {"Location": "/metrics"}, b""),
        "/broken": (200, text, b"# TYPE queue_depth gauge\nqueue_depth{queue=jobs} 1\n"),
        "/error": (500, text, b"oops"),
        "/huge": (200, text, EXPOSITION.encode() * 100),
        "/huge-undeclared": (200, text | {"X-No-Length": "1"}, EXPOSITION.encode() * 100),
        "/slow": (200, text, _slow),
    }
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Exposer(f"http://{host}:{port}", server.requests)  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_ingest_prometheus_scrapes_a_url_once(
    scene: Scene, tmp_path: Path, exposer: Exposer
) -> None:
    map_file, url = _map(tmp_path), f"{exposer.url}/metrics"
    _stored_line(_cli(scene.url, "ingest", "prometheus", url, "--map", map_file), 4, 0)
    assert exposer.requests[-1]["Accept"] == "text/plain;version=0.0.4"
    assert _stored(scene.uow) == sorted(PROMETHEUS_STORED)
    [event] = _batch_events(scene.uow)
    assert (event["scope_id"], event["stored"]) == (scene.scope_id, 4)
    before = snapshot(scene.engine)
    _stored_line(_cli(scene.url, "ingest", "prometheus", url, "--map", map_file), 0, 4)
    assert_unchanged(before, scene.engine)
    # The same scrape from a file: the same observations, already there.
    metrics = _exposition(tmp_path)
    _stored_line(_cli(scene.url, "ingest", "prometheus", metrics, "--map", map_file), 0, 4)
    assert_unchanged(before, scene.engine)


def test_ingest_prometheus_refuses_bad_scrapes(
    scene: Scene, tmp_path: Path, exposer: Exposer, monkeypatch: pytest.MonkeyPatch
) -> None:
    map_file = _map(tmp_path)
    before = snapshot(scene.engine)
    monkeypatch.setattr(scraping, "MAX_RESPONSE_BYTES", len(EXPOSITION) * 10)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    limit = f"{len(EXPOSITION) * 10:,} bytes"
    cases = [
        ("/moved", "HTTP 302 Found (redirects are not followed)"),
        ("/nowhere", "HTTP 404 Not Found"),
        ("/error", "HTTP 500 Internal Server Error"),
        ("/huge", f"the response is larger than {limit}"),
        ("/huge-undeclared", f"the response is larger than {limit}"),
    ]
    for path, message in cases:
        url = f"{exposer.url}{path}"
        _refused(
            _cli(scene.url, "ingest", "prometheus", url, "--map", map_file), f"{url}: {message}"
        )
    # A short timeout only here: a busy machine may take longer for the others.
    monkeypatch.setattr(scraping, "FETCH_TIMEOUT_SECONDS", 0.5)
    url = f"{exposer.url}/slow"
    _refused(
        _cli(scene.url, "ingest", "prometheus", url, "--map", map_file),
        f"{url}: no complete answer within 0.5 seconds",
    )
    monkeypatch.setattr(scraping, "FETCH_TIMEOUT_SECONDS", 10.0)
    url = f"{exposer.url}/broken"
    _refused(
        _cli(scene.url, "ingest", "prometheus", url, "--map", map_file),
        'line 2: label value for "queue" must be in double quotes',
    )
    url = f"http://127.0.0.1:{closed}/metrics"
    result = _cli(scene.url, "ingest", "prometheus", url, "--map", map_file)
    _refused(result, f"{url}: ")
    assert "refused" in result.stderr.lower(), result.stderr
    assert_unchanged(before, scene.engine)


# ================================================================ on a migrated database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all, of each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_database")  # skipped or failed as conftest decides
    name = f"agilegov_ingest_{uuid.uuid4().hex[:12]}"
    server = make_url(POSTGRES_SERVER)
    libpq = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_ingest_on_a_database_made_by_db_upgrade(empty_database: str, tmp_path: Path) -> None:
    """The schema the migrations make takes what the commands give it, NaN included."""
    assert _cli(empty_database, "db", "upgrade").exit_code == 0
    engine = make_engine(empty_database)
    try:
        uow = UnitOfWork(make_session_factory(engine))
        world = build_cast(uow)
        scope_id = new_scope(uow, world.owner, world.business_id)
        _indicators(uow, world, scope_id)
        file = _csv(tmp_path, f"{ANY},2025-01-01T00:00:00Z,NaN", f"{FINITE},2025-01-01T00:00:00Z,1")
        _stored_line(_cli(empty_database, "ingest", "csv", file), 2, 0)
        _stored_line(
            _cli(
                empty_database,
                "ingest",
                "jsonl",
                "--source",
                "csv",
                input=_jsonl(ANY, "2025-01-01T00:00:00Z", "NaN"),
            ),
            0,
            1,
        )
        assert _stored(uow) == [
            (FINITE, "2025-01-01T00:00:00+00:00", "1.0", "csv"),
            (ANY, "2025-01-01T00:00:00+00:00", "nan", "csv"),
        ]
        _refused(
            _cli(
                empty_database,
                "ingest",
                "csv",
                _csv(tmp_path, f"{FINITE},2025-01-02T00:00:00Z,nan"),
            ),
            f"line 2: value: nan is not allowed: indicator '{FINITE}'",
        )
        assert _observation_count(uow) == 2
    finally:
        engine.dispose()


# ================================================================ the API


def _client(scene: Scene) -> TestClient:
    return make_client(scene.url)


def _post(client: TestClient, path: str, body: Any, token: str) -> Any:
    """POST ``body`` as JSON; NaN and infinities as the JSON extensions NaN, Infinity."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = bearer(token) | {"Content-Type": "application/json"}
    return client.post(path, content=content, headers=headers)


def _items(*rows: tuple[str, str, Any]) -> dict[str, Any]:
    return {"observations": [{"indicator": k, "time": t, "value": v} for k, t, v in rows]}


def test_api_stores_a_batch_once_on_both_routes(scene: Scene) -> None:
    token = scene.world.tokens["editor"]
    first = _items(
        (FINITE, "2025-01-01T00:00:00Z", 0.31),
        (FINITE, "2025-01-01T01:00:00.25+01:00", "0.35"),
        (ANY, "2025-01-01t00:00:00z", math.nan),
        (ANY, "2025-01-01T00:01:00Z", "+Inf"),
        (ANY, "2025-01-01T00:02:00Z", -math.inf),
    )
    first["observations"][1]["source"] = "probe"
    second = _items((ANY, "2025-01-01T00:03:00-00:00", 7), (FINITE, "2025-01-02T00:00:00Z", 1))
    with _client(scene) as client:
        by_query = f"{API}/observations?scope={scene.scope_id}"
        by_path = f"{API}/scopes/{scene.scope_id}/observations"
        assert ok(_post(client, by_query, first, token), 201) == {"stored": 5, "duplicates": 0}
        assert ok(_post(client, by_path, second, token), 201) == {"stored": 2, "duplicates": 0}
        assert _stored(scene.uow) == sorted(
            [
                (FINITE, "2025-01-01T00:00:00+00:00", "0.31", "api"),
                (FINITE, "2025-01-01T00:00:00.250000+00:00", "0.35", "probe"),
                (ANY, "2025-01-01T00:00:00+00:00", "nan", "api"),
                (ANY, "2025-01-01T00:01:00+00:00", "inf", "api"),
                (ANY, "2025-01-01T00:02:00+00:00", "-inf", "api"),
                (ANY, "2025-01-01T00:03:00+00:00", "7.0", "api"),
                (FINITE, "2025-01-02T00:00:00+00:00", "1.0", "api"),
            ]
        )
        assert [e["stored"] for e in _batch_events(scene.uow)] == [5, 2]
        before = snapshot(scene.engine)
        # Each batch again, by either route and without naming the scope: all duplicates.
        for path in (by_query, by_path, f"{API}/observations"):
            for body, count in ((first, 5), (second, 2)):
                answer = ok(_post(client, path, body, token), 201)
                assert answer == {"stored": 0, "duplicates": count}, path
        assert_unchanged(before, scene.engine)
        # The listing reads NaN back as the JSON the API writes for it.
        listing = ok(
            client.get(
                f"{by_path[: -len('/observations')]}/indicators/{scene.ids[ANY]}/observations",
                headers=bearer(token),
            )
        )
        assert len(listing["items"]) == 4


API_BAD = [
    # (case, bad item, field, message fragment)
    ("malformed item", [FINITE, "2025-01-01T00:01:00Z", "abc"], "value", "is not a number"),
    ("hexadecimal", [FINITE, "2025-01-01T00:01:00Z", "0x10"], "value", "is not a number"),
    ("missing value", [FINITE, "2025-01-01T00:01:00Z"], "value", "This field is required"),
    (
        "unknown field",
        [FINITE, "2025-01-01T00:01:00Z", 1, {"unit": "ms"}],
        "unit",
        "Extra inputs are not permitted",
    ),
    (
        "unknown indicator",
        ["no.such.key", "2025-01-01T00:01:00Z", 1],
        "indicator",
        "no indicator 'no.such.key' you may write to",
    ),
    (
        "NaN where refused",
        [FINITE, "2025-01-01T00:01:00Z", math.nan],
        "value",
        f"nan is not allowed: indicator '{FINITE}' takes finite values only",
    ),
    (
        "'NaN' where refused",
        [FINITE, "2025-01-01T00:01:00Z", "NaN"],
        "value",
        "nan is not allowed",
    ),
    ("+Inf where refused", [FINITE, "2025-01-01T00:01:00Z", math.inf], "value", "inf is not"),
    ("date without time", [FINITE, "2025-01-01", 1], "time", "not an RFC 3339 date-time"),
    ("time without offset", [FINITE, "2025-01-01T00:01:00", 1], "time", "has no offset"),
    ("month 13", [FINITE, "2025-13-01T00:00:00Z", 1], "time", "not a valid date and time"),
    ("not a time", [FINITE, "yesterday", 1], "time", "not an RFC 3339 date-time"),
]


@pytest.mark.parametrize("route", ["query", "path"])
def test_api_refuses_a_bad_batch_whole(scene: Scene, route: str) -> None:
    token = scene.world.tokens["editor"]
    path = (
        f"{API}/observations?scope={scene.scope_id}"
        if route == "query"
        else f"{API}/scopes/{scene.scope_id}/observations"
    )
    with _client(scene) as client:
        ok(_post(client, path, _items((ANY, "2024-12-31T00:00:00Z", 1)), token), 201)
        before = snapshot(scene.engine)
        for case, bad, field, fragment in API_BAD:
            item = {"indicator": bad[0], "time": bad[1]}
            if len(bad) > 2:
                item["value"] = bad[2]
            if len(bad) > 3:
                item |= bad[3]
            body = _items((FINITE, "2025-01-01T00:00:00Z", 1))
            body["observations"].append(item)
            problem = assert_problem(_post(client, path, body, token), 422)
            named = {e["field"]: e["message"] for e in problem.get("errors", [])}
            assert f"observations[1].{field}" in named, (case, problem)
            assert fragment in named[f"observations[1].{field}"], (case, problem)
            assert _observation_count(scene.uow) == 1, case
            assert_unchanged(before, scene.engine)
        # A body that is not JSON at all.
        problem = assert_problem(_post(client, path, b'{"observations": [', token), 422, "body")
        assert "JSON" in problem["detail"], problem
        assert_unchanged(before, scene.engine)


def test_api_refuses_oversized_batches(scene: Scene) -> None:
    token = scene.world.tokens["editor"]
    path = f"{API}/scopes/{scene.scope_id}/observations"
    start = NEW_YEAR

    def batch(count: int) -> dict[str, Any]:
        return {
            "observations": [
                {
                    "indicator": ANY,
                    "time": f"{(start + timedelta(seconds=n)).isoformat()}",
                    "value": n,
                }
                for n in range(count)
            ]
        }

    with _client(scene) as client:
        before = snapshot(scene.engine)
        too_many = batch(10_001)
        assert len(json.dumps(too_many)) < get_settings().max_body_bytes
        problem = assert_problem(_post(client, path, too_many, token), 422, "observations")
        assert "at most 10000" in problem["detail"], problem
        assert_unchanged(before, scene.engine)
        # Over the body limit, declared ...
        huge = json.dumps(batch(20_000)).encode()
        assert len(huge) > get_settings().max_body_bytes
        problem = assert_problem(_post(client, path, huge, token), 413)
        assert "request body exceeds" in problem["detail"], problem
        # ... or streamed without a length.
        chunks = (huge[i : i + 65_536] for i in range(0, len(huge), 65_536))
        response = client.post(
            path, content=chunks, headers=bearer(token) | {"Content-Type": "application/json"}
        )
        problem = assert_problem(response, 413)
        assert "request body exceeds" in problem["detail"], problem
        assert_unchanged(before, scene.engine)
        # 10,000 is still one batch.
        assert ok(_post(client, path, batch(10_000), token), 201) == {
            "stored": 10_000,
            "duplicates": 0,
        }
    assert _observation_count(scene.uow) == 10_000


def test_api_refuses_what_the_file_readers_refuse(scene: Scene) -> None:
    token = scene.world.tokens["editor"]
    path = f"{API}/scopes/{scene.scope_id}/observations"
    lax = [
        (FINITE, "2025-01-01T00:00:00Z", "1_000"),  # would be 1000
        (ANY, "2025-01-01T00:00:00Z", "1e999"),  # would be +Inf
        (FINITE, 1_735_689_600, 1),  # epoch seconds
        (FINITE, "2025-01-01 00:00:00Z", 1),  # a blank for the T
    ]
    with _client(scene) as client:
        accepted = [
            item for item in lax if _post(client, path, _items(item), token).status_code == 201
        ]
    assert accepted == []
