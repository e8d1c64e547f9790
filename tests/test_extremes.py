"""Extreme values: numbers beyond a double, times at the edges of the calendar,
ids beyond the database's integers. Each is refused where it enters, naming the
field (or line and column) and the problem, with nothing stored; or, within
the bounds, stored and read back.

First the readers alone (``agilegov.values``), then every way in: the API on
SQLite and PostgreSQL, ``agilegov ingest``, and the pages' forms.
"""

import io
import json
import math
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from agilegov import timetext, values
from agilegov.cli import app as cli
from agilegov.dialogue import polis
from agilegov.monitor.models import Observation
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    names_for,
    ok,
    seed_world,
    snapshot,
    world_from_fixture,
)
from builders import indicator, new_scope, specific_goal
from test_polis_export import conversation, corrupt
from web_helpers import csrf_of, field_error, sign_in

HUGE_INT = "1" + "0" * 400  # a JSON integer no double holds
HUGE_ID = 2**70
MAX = values.FLOAT_MAX

# ================================================================ the readers alone


@pytest.mark.parametrize(
    ("value", "non_finite", "expected"),
    [
        (1, False, 1.0),
        (-2.5, False, -2.5),
        ("2.5", False, 2.5),
        (" -3e2 ", False, -300.0),
        (MAX, False, MAX),
        (-MAX, False, -MAX),
        ("1.7976931348623157e308", False, MAX),
        ("-1.7976931348623157E+308", False, -MAX),
        (10**308, False, 1e308),
        (2**1023, False, float(2**1023)),
        ("5e-324", False, 5e-324),
        ("1e-400", False, 0.0),  # too small rounds to zero, as every reader does
        ("NaN", True, math.nan),
        ("+Inf", True, math.inf),
        ("-infinity", True, -math.inf),
        (math.inf, True, math.inf),  # the JSON extension Infinity
        (math.nan, True, math.nan),
    ],
)
def test_number_reads(value: object, non_finite: bool, expected: float) -> None:
    assert repr(values.number(value, non_finite=non_finite)) == repr(expected)


@pytest.mark.parametrize(
    ("value", "non_finite", "message"),
    [
        (int(HUGE_INT), False, values.NUMBER_RANGE),
        (-int(HUGE_INT), True, values.NUMBER_RANGE),
        (int(MAX) + 2**970, False, values.NUMBER_RANGE),
        (HUGE_INT, True, "'1000000000000000000000000000000000000...' is out of range: "),
        ("1e400", True, "'1e400' is out of range: must be a finite number within ±1.8e308"),
        ("-1e400", False, "'-1e400' is out of range"),
        (math.inf, False, values.NUMBER_RANGE),
        (-math.inf, False, values.NUMBER_RANGE),
        (math.nan, False, values.NUMBER_RANGE),
        ("inf", False, "'inf' is out of range"),
        ("-Infinity", False, "'-Infinity' is out of range"),
        ("nan", False, "'nan' is out of range"),
        (True, False, "must be a number, not true/false"),
        (None, False, "must be a number"),
        ([1], True, "must be a number"),
        ("0x10", True, "'0x10' is not a number"),
        ("1_000", False, "'1_000' is not a number"),
        ("", False, "'' is not a number"),
        ("١٢", False, "'١٢' is not a number"),  # digits of another script
    ],
)
def test_number_refuses(value: object, non_finite: bool, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        values.number(value, non_finite=non_finite)
    assert str(caught.value).startswith(message), caught.value


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (b'{"a": 1e400}', "a"),
        (b'{"observations": [{"value": 1}, {"value": -1E+400}]}', "observations[1].value"),
        (b'{"a": {"b": [0, 1.5e309]}}', "a.b[1]"),
        (b"[1e309]", "[0]"),
        (b"1e400", "body"),
        (b'{"a": ' + b"9" * 400 + b".5}", "a"),
        (b'{"a": 1e308, "b": 1.7976931348623157e308}', None),
        (b'{"a": "1e400"}', None),  # text: for the field to read
        (b'{"a": Infinity, "b": NaN}', None),  # the JSON extensions, as written
        (b'{"a": 1e-400}', None),  # too small rounds to zero
        (b'{"a": ' + b"9" * 400 + b"}", None),  # an integer: for the field to refuse
        (b'{"a": 1e400', None),  # not JSON: for the reader to say
    ],
)
def test_number_too_large_finds_where_a_document_writes_one(
    document: bytes, where: str | None
) -> None:
    assert values.number_too_large(document) == where


PLUS_14 = timezone(timedelta(hours=14))
MINUS_14 = timezone(timedelta(hours=-14))
WIDEST = (timezone(timedelta(hours=23, minutes=59)), timezone(-timedelta(hours=23, minutes=59)))


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("0001-01-02T00:00:00Z", values.EARLIEST),
        ("9999-12-30T23:59:59.999999Z", values.LATEST),
        ("0001-01-01T23:00:00-01:00", values.EARLIEST),
        ("9999-12-31T13:59:59.999999+14:00", values.LATEST),
        ("0001-01-02T23:59:59+23:59", datetime(1, 1, 2, 0, 0, 59, tzinfo=UTC)),
        ("2025-01-01t00:00:00z", datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_time_text_reads_times_within_the_bounds(text: str, utc: datetime) -> None:
    moment = values.time_text(text)
    assert moment.utcoffset() is not None
    assert moment.astimezone(UTC) == utc


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",  # before the year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after the year 9999 in UTC
        "0001-01-01T00:00:00Z",
        "0001-01-01T23:59:59.999999Z",
        "9999-12-31T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-30T23:00:00-01:00",
        "0001-01-02T00:00:00+00:01",
    ],
)
def test_time_text_refuses_times_beyond_the_bounds(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        values.time_text(text)
    assert str(caught.value) == f"{text!r} is out of range: {values.TIME_RANGE}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10000-01-01T00:00:00Z", "is not an RFC 3339 date-time"),
        ("0000-12-31T00:00:00Z", "is not a valid date and time"),
        ("9999-12-31T23:59:60Z", "is not a valid date and time"),
        ("2025-01-01T00:00:00", "has no offset"),
        (1_735_689_600, "must be an RFC 3339 string"),
        ("2" * 500, "is not an RFC 3339 date-time"),
    ],
)
def test_time_text_refuses_what_is_not_a_time(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        values.time_text(text)
    assert len(str(caught.value)) < 120  # a long text is shown cut short


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14),
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=WIDEST[1]),
    ],
)
def test_stored_time_refuses_datetimes_beyond_the_bounds(moment: datetime) -> None:
    with pytest.raises(ValueError, match="must be from 0001-01-02T00:00:00Z"):
        values.stored_time(moment)


def test_stored_time_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="has no offset"):
        values.stored_time(datetime(2025, 1, 1))


def test_stored_time_keeps_the_offset_it_was_given() -> None:
    moment = datetime(9999, 12, 31, 13, 59, tzinfo=PLUS_14)
    assert values.stored_time(moment).tzinfo is PLUS_14


@pytest.mark.parametrize("moment", [values.EARLIEST, values.LATEST])
def test_a_time_within_the_bounds_converts_every_way_without_overflow(moment: datetime) -> None:
    """To any zone and back, to epoch microseconds and back, and to text."""
    for zone in WIDEST:
        assert moment.astimezone(zone).astimezone(UTC) == moment
    microseconds = timetext.epoch_microseconds([moment])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert int(microseconds[0]) == (moment - epoch) // timedelta(microseconds=1)
    assert epoch + int(microseconds[0]) * timedelta(microseconds=1) == moment
    written = moment.isoformat(sep=" ", timespec="microseconds")[:26]
    assert timetext.sqlite_texts(microseconds) == [written]


@pytest.mark.parametrize(
    ("milliseconds", "expected"),
    [
        (values.EARLIEST_MS, values.EARLIEST),
        (values.LATEST_MS, values.LATEST.replace(microsecond=999_000)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_time_of_epoch_ms_reads(milliseconds: int, expected: datetime) -> None:
    assert values.time_of_epoch_ms(milliseconds) == expected


@pytest.mark.parametrize(
    "milliseconds", [values.EARLIEST_MS - 1, values.LATEST_MS + 1, 2**62, -(2**63), 2**53]
)
def test_time_of_epoch_ms_refuses(milliseconds: int) -> None:
    with pytest.raises(ValueError) as caught:
        values.time_of_epoch_ms(milliseconds)
    assert str(caught.value) == (
        f"timestamp {milliseconds} ms is out of range: {values.TIME_RANGE}"
    )


# ================================================================ the API


@pytest.fixture(scope="module")
def ctx(shared: World) -> dict[str, Any]:
    return names_for(shared)


@dataclass(frozen=True)
class Extreme:
    """One request: ``body`` is JSON text sent as it is (so that it may hold
    numbers Python's json would not write); ``path`` is formatted with the names."""

    id: str
    method: str
    path: str
    body: str | None
    fields: tuple[str, ...]
    status: int = 422

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def _observation(value: str = "1", time: str = '"2025-01-01T00:00:00Z"') -> str:
    item = f'{{"indicator": "selection-ratio", "time": {time}, "value": {value}}}'
    return f'{{"observations": [{item}]}}'


BAD_NUMBERS = {
    "huge-integer": HUGE_INT,
    "huge-negative-integer": "-" + HUGE_INT,
    "1e400": "1e400",  # read as Infinity by the JSON decoder
    "1e400-text": '"1e400"',
    "huge-integer-text": f'"{HUGE_INT}"',
    "inf-text": '"inf"',
    "nan-text": '"nan"',
    "minus-inf-text": '"-inf"',
}
BAD_TIMES = {
    "year-1-plus-1h": "0001-01-01T00:00:00+01:00",
    "year-9999-minus-14h": "9999-12-31T23:59:59-14:00",
    "year-1-utc": "0001-01-01T00:00:00Z",
    "year-9999-last-day-utc": "9999-12-31T00:00:00Z",
}
STAMPS = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
DOCUMENT = {
    "format": "agilegov.scope/1",
    "scope": {"name": "Imported", "kind": "service", **STAMPS},
    "cycle": {
        "stage": "analysis",
        "inner_iterations": 0,
        "outer_iterations": 0,
        "visit": 1,
        "stage_entered_at": "2024-01-01T00:00:00Z",
    },
    "stakeholders": [{"ref": "stakeholder-1", "name": "Users", "category": "user", **STAMPS}],
}


def _document(**changes: Any) -> str:
    document = json.loads(json.dumps(DOCUMENT))
    for path, value in changes.items():
        *parents, last = path.split(".")
        place: Any = document
        for part in parents:
            place = place[int(part)] if part.isdecimal() else place[part]
        place[last] = value
    return json.dumps(document)


def _consultation(**times: str) -> str:
    body = {
        "title": "Draft",
        "subject": "goals",
        "draft": "A draft.",
        "opens_at": "2025-01-01T00:00:00Z",
        "closes_at": "2025-02-01T00:00:00Z",
    }
    return json.dumps(body | times)


CASES = [
    *(
        Extreme(f"observation-{route}-value-{name}", "POST", path, _observation(value), (field,))
        for route, path in (
            ("scope", "{s}/observations"),
            ("query", API + "/observations?scope={scope}"),
        )
        for name, value in BAD_NUMBERS.items()
        for field in ["observations[0].value"]
    ),
    *(
        Extreme(
            f"observation-{route}-time-{name}",
            "POST",
            path,
            _observation(time=f'"{time}"'),
            ("observations[0].time",),
        )
        for route, path in (("scope", "{s}/observations"), ("any-scope", API + "/observations"))
        for name, time in BAD_TIMES.items()
    ),
    Extreme(
        "observation-any-scope-value-huge-integer",
        "POST",
        API + "/observations",
        _observation(HUGE_INT),
        ("observations[0].value",),
    ),
    *(
        Extreme(f"{what}-{field}-{name}", method, path, body % value, (field,))
        for what, method, path, body, field in (
            (
                "goal",
                "POST",
                "{s}/goals",
                '{"title": "G", "level": "specific", "direction": "lower_is_better", '
                '"acceptable_level": %s}',
                "acceptable_level",
            ),
            ("goal-patch", "PATCH", "{s}/goals/{goal}", '{"target": %s}', "target"),
            (
                "indicator-patch",
                "PATCH",
                "{s}/indicators/{indicator}",
                '{"acceptable_level": %s}',
                "acceptable_level",
            ),
        )
        for name, value in BAD_NUMBERS.items()
    ),
    *(
        Extreme(
            f"consultation-{field}-{name}",
            "POST",
            "{public_s}/consultations",
            _consultation(**{field: time}),
            (field,),
        )
        for field in ("opens_at", "closes_at")
        for name, time in BAD_TIMES.items()
    ),
    *(
        Extreme(
            f"attestation-valid-until-{name}",
            "POST",
            API + "/assessments/99999/attestations",
            json.dumps({"valid_until": time}),
            ("valid_until",),
        )
        for name, time in BAD_TIMES.items()
    ),
    Extreme(
        "polis-import-open-until",
        "POST",
        "{s}/consultations/import?open_until=0001-01-01T00:00:00Z",
        None,
        ("open_until",),
    ),
    *(
        Extreme(
            f"import-{where}-{name}",
            "POST",
            API + "/scopes/import?organization_id={business}",
            _document(**{where: time}),
            (field,),
        )
        for where, field in (
            ("stakeholders.0.created_at", "stakeholders[0].created_at"),
            ("cycle.stage_entered_at", "cycle.stage_entered_at"),
            ("scope.updated_at", "scope.updated_at"),
        )
        for name, time in BAD_TIMES.items()
    ),
    Extreme(
        "trigger-facts-1e400",
        "POST",
        "{s}/cycle/triggers",
        '{"kind": "incident", "cause": "c", "facts": {"n": 1e400}}',
        ("facts",),
    ),
    # ids and counts beyond the database's integers
    Extreme(
        "observations-scope-huge",
        "POST",
        API + f"/observations?scope={HUGE_ID}",
        _observation(),
        ("scope",),
    ),
    Extreme(
        "goal-parent-huge",
        "POST",
        "{s}/goals",
        f'{{"title": "G", "level": "core_value", "parent_id": {HUGE_ID}}}',
        ("parent_id",),
    ),
    Extreme(
        "consultation-goal-ids-huge",
        "POST",
        "{public_s}/consultations",
        _consultation()[:-1] + f', "goal_ids": [{HUGE_ID}]}}',
        ("goal_ids",),
    ),
    Extreme("offset-huge", "GET", f"{{s}}/stakeholders?offset={HUGE_ID}", None, ("offset",)),
    Extreme("events-scope-huge", "GET", f"{API}/events?scope_id={HUGE_ID}", None, ("scope_id",)),
    Extreme("scope-huge", "GET", f"{API}/scopes/{HUGE_ID}", None, (), 404),
    Extreme("scope-negative-huge", "GET", f"{API}/scopes/-{HUGE_ID}", None, (), 404),
    Extreme("goal-huge", "PATCH", f"{{s}}/goals/{HUGE_ID}", '{"title": "G"}', (), 404),
    Extreme("record-entry-huge", "GET", f"{API}/record/entries/{HUGE_ID}", None, ("index",)),
]


def _send(world: World, case: Extreme, names: dict[str, Any]) -> Any:
    headers = world.auth("owner")
    path = case.path.format(**names)
    if case.body is None:
        return world.client.request(case.method, path, headers=headers)
    headers = {**headers, "Content-Type": "application/json"}
    return world.client.request(case.method, path, headers=headers, content=case.body.encode())


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_an_extreme_value_is_refused_naming_the_field(
    shared: World, ctx: dict[str, Any], case: Extreme
) -> None:
    before = snapshot(shared.engine)
    response = _send(shared, case, ctx)
    assert_problem(response, case.status, *case.fields)
    assert_unchanged(before, shared.engine)


@pytest.mark.parametrize(
    ("file", "line", "text"),
    [
        ("votes.csv", 3, f"{values.LATEST_MS + 1},d,1,0,1"),
        ("comments.csv", 2, f"{2**53},d,0,10,0,0,0,Plain,false"),
    ],
)
def test_a_polis_export_with_a_time_beyond_the_bounds_is_refused(
    shared: World, ctx: dict[str, Any], tmp_path: Path, file: str, line: int, text: str
) -> None:
    folder = tmp_path / "export"
    polis.write_export(folder, conversation())
    corrupt(folder, file, line, text)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, arcname=f"export/{path.name}")
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{ctx['s']}/consultations/import",
        files={"export": ("export.zip", buffer.getvalue(), "application/zip")},
        headers=shared.auth("owner"),
    )
    problem = assert_problem(response, 422, "export")
    assert f"{file} line {line}: timestamp: timestamp " in problem["detail"]
    assert values.TIME_RANGE in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_the_cases_name_distinct_ids() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


def test_a_page_size_beyond_the_integers_is_the_largest_page(
    shared: World, ctx: dict[str, Any]
) -> None:
    response = shared.client.get(
        f"{ctx['s']}/stakeholders?limit={HUGE_ID}", headers=shared.auth("owner")
    )
    assert ok(response)["limit"] == shared.client.app.state.settings.page_size_max


def test_values_and_times_at_the_bounds_are_stored_and_read_back(
    database_url: str, engine: Engine, world: Any
) -> None:
    """The largest doubles at the first and last storable times: stored,
    listed, evaluated, exported and shown; a consultation open from the first
    to the last storable time too."""
    fresh = seed_world(world_from_fixture(database_url, engine, world), ("public",))
    names = names_for(fresh)
    client, owner, s = fresh.client, fresh.auth("owner"), names["public_s"]
    edges = [
        ("0001-01-02T00:00:00Z", MAX),
        ("0001-01-01T23:00:00.5-01:00", -MAX),
        ("9999-12-30T23:59:59.999999Z", MAX),
        ("9999-12-31T13:59:59.5+14:00", -MAX),
    ]
    batch = {
        "observations": [
            {"indicator": "selection-ratio", "time": time, "value": value} for time, value in edges
        ]
    }
    assert ok(client.post(f"{s}/observations", json=batch, headers=owner), 201)["stored"] == 4
    listing = ok(
        client.get(f"{s}/indicators/{names['public_indicator']}/observations", headers=owner)
    )
    assert {item["time"]: item["value"] for item in listing["items"]} == {
        "0001-01-02T00:00:00Z": MAX,
        "0001-01-02T00:00:00.500000Z": -MAX,
        "9999-12-30T23:59:59.500000Z": -MAX,
        "9999-12-30T23:59:59.999999Z": MAX,
    }
    ok(client.post(f"{s}/evaluations", headers=owner), 201)
    ok(client.get(f"{s}/evaluations", headers=owner))
    exported = ok(client.get(f"{s}/export", headers=owner))
    assert len(exported["observations"]) == 4
    consultation = {
        "title": "Forever",
        "subject": "goals",
        "draft": "A draft.",
        "opens_at": "0001-01-01T23:00:00-01:00",
        "closes_at": "9999-12-31T13:59:59.999999+14:00",
    }
    created = ok(client.post(f"{s}/consultations", json=consultation, headers=owner), 201)
    opened, closes = (datetime.fromisoformat(created[name]) for name in ("opens_at", "closes_at"))
    assert (opened, closes) == (values.EARLIEST, values.LATEST)
    goal = {"acceptable_level": -MAX, "target": MAX}
    ok(client.patch(f"{s}/goals/{names['public_goal']}", json=goal, headers=owner))
    page = sign_in(fresh, "owner")
    for path in (
        f"/scopes/{names['public_scope']}",
        f"/scopes/{names['public_scope']}/goals",
        f"/scopes/{names['public_scope']}/indicators/{names['public_indicator']}",
        f"/scopes/{names['public_scope']}/indicators/{names['public_indicator']}/monitoring",
        f"/consultations/{created['id']}",
    ):
        assert page.get(path).status_code == 200, path


# ================================================================ agilegov ingest


def _cli(url: str, *args: Any, input: str | None = None) -> Result:
    """``agilegov`` on the database at ``url``, as an operator runs it."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            cli, [str(arg) for arg in args], input=input, env={"AGILEGOV_DATABASE_URL": url}
        )
    finally:
        get_settings.cache_clear()


@pytest.fixture
def scope_with_indicator(uow: UnitOfWork, world: Any) -> int:
    scope_id = new_scope(uow, world.owner, world.business_id)
    goal = specific_goal(uow, world.owner, scope_id)
    indicator(uow, world.owner, scope_id, goal.id, key="p95", allow_non_finite=True)
    return scope_id


CSV_BAD = [
    (f"p95,2025-01-01T00:00:00Z,{HUGE_INT}", "line 3: value: '100000000000000000000000"),
    ("p95,2025-01-01T00:00:00Z,1e400", "line 3: value: '1e400' is out of range: must be a"),
    ("p95,2025-01-01T00:00:00Z,-1e400", "line 3: value: '-1e400' is out of range"),
    ("p95,0001-01-01T00:00:00+01:00,1", "line 3: time: '0001-01-01T00:00:00+01:00' is out of"),
    ("p95,9999-12-31T23:59:59-14:00,1", "line 3: time: '9999-12-31T23:59:59-14:00' is out of"),
]


@pytest.mark.parametrize(("line", "message"), CSV_BAD)
def test_ingest_csv_refuses_an_extreme_naming_line_and_column(
    database_url: str,
    engine: Engine,
    scope_with_indicator: int,
    tmp_path: Path,
    line: str,
    message: str,
) -> None:
    file = tmp_path / "observations.csv"
    file.write_text(f"indicator,time,value\np95,2025-01-01T00:00:00Z,1\n{line}\n")
    before = snapshot(engine)
    result = _cli(database_url, "ingest", "csv", file, "--scope", scope_with_indicator)
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert values.NUMBER_RANGE in result.stderr or values.TIME_RANGE in result.stderr
    assert_unchanged(before, engine)


def test_ingest_csv_stores_the_extremes_within_the_bounds(
    database_url: str, engine: Engine, uow: UnitOfWork, scope_with_indicator: int, tmp_path: Path
) -> None:
    file = tmp_path / "observations.csv"
    file.write_text(
        "indicator,time,value\n"
        "p95,0001-01-01T23:00:00-01:00,1.7976931348623157e308\n"
        "p95,9999-12-31T13:59:59.999999+14:00,-1.7976931348623157e308\n"
        "p95,2025-01-01T00:00:00Z,-inf\n"
    )
    result = _cli(database_url, "ingest", "csv", file, "--scope", scope_with_indicator)
    assert result.exit_code == 0, (result.output, result.exception)
    with uow:
        stored = uow.session.execute(select(Observation.time, Observation.value)).all()
    assert sorted((time.astimezone(UTC), value) for time, value in stored) == [
        (values.EARLIEST, MAX),
        (datetime(2025, 1, 1, tzinfo=UTC), -math.inf),
        (values.LATEST, -MAX),
    ]


def test_ingest_jsonl_refuses_a_number_too_large(
    database_url: str, engine: Engine, scope_with_indicator: int
) -> None:
    line = '{"indicator": "p95", "time": "2025-01-01T00:00:00Z", "value": 1e400}\n'
    before = snapshot(engine)
    result = _cli(database_url, "ingest", "jsonl", "--scope", scope_with_indicator, input=line)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: line 1: value: '1e400' is out of range"), result.stderr
    assert_unchanged(before, engine)


@pytest.mark.parametrize("milliseconds", [values.EARLIEST_MS - 1, values.LATEST_MS + 1, 2**62])
def test_ingest_prometheus_refuses_a_timestamp_beyond_the_bounds(
    database_url: str, engine: Engine, scope_with_indicator: int, tmp_path: Path, milliseconds: int
) -> None:
    exposition = tmp_path / "metrics.txt"
    exposition.write_text(f"# TYPE p95 gauge\np95 1 1735689600000\np95 2 {milliseconds}\n")
    metric_map = tmp_path / "map.yaml"
    metric_map.write_text("indicators:\n  - indicator: p95\n    metric: p95\n")
    before = snapshot(engine)
    result = _cli(
        database_url,
        "ingest",
        "prometheus",
        exposition,
        "--map",
        metric_map,
        "--scope",
        scope_with_indicator,
    )
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stderr.startswith(
        f"error: line 3: time: timestamp {milliseconds} ms is out of range: "
    ), result.stderr
    assert_unchanged(before, engine)


def test_ingest_refuses_a_scope_id_beyond_the_integers(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "observations.csv"
    file.write_text("indicator,time,value\np95,2025-01-01T00:00:00Z,1\n")
    before = snapshot(engine)
    result = _cli(database_url, "ingest", "csv", file, "--scope", HUGE_ID)
    assert result.exit_code == 2
    assert "--scope" in result.stderr
    assert_unchanged(before, engine)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _document(**{"stakeholders.0.created_at": "0001-01-01T00:00:00+01:00"}),
            "stakeholders[0].created_at: '0001-01-01T00:00:00+01:00' is out of range",
        ),
        (
            _document(**{"cycle.stage_entered_at": "9999-12-31T23:59:59-14:00"}),
            "cycle.stage_entered_at: '9999-12-31T23:59:59-14:00' is out of range",
        ),
        (_document().replace('"visit": 1', '"visit": ' + "9" * 5000), "not JSON"),
    ],
)
def test_import_refuses_a_document_with_an_extreme(
    database_url: str, engine: Engine, world: Any, tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "scope.json"
    file.write_text(text)
    before = snapshot(engine)
    result = _cli(database_url, "import", file, "--organization", world.business_id)
    assert result.exit_code == 1, (result.output, result.exception)
    written = "".join(result.stderr.split())  # the terminal wraps long lines
    assert written.startswith(f"error:{file}:"), result.stderr
    assert "".join(message.split()) in written, result.stderr
    assert_unchanged(before, engine)


# ================================================================ the pages' forms


FORM_CASES = [
    # (form page, action, fields sent, field whose error shows)
    ("observations/new", "observations", {"value": HUGE_INT}, "value"),
    ("observations/new", "observations", {"value": "1e400"}, "value"),
    ("observations/new", "observations", {"time": "0001-01-01T00:00:00+01:00"}, "time"),
    ("observations/new", "observations", {"time": "9999-12-31T23:59:59-14:00"}, "time"),
    ("consultations/new", "consultations", {"opens_at": "0001-01-01T00:00:00+01:00"}, "opens_at"),
    ("consultations/new", "consultations", {"closes_at": "9999-12-31T23:59:59-14:00"}, "closes_at"),
    ("goals/new", "goals", {"acceptable_level": "1e400"}, "acceptable_level"),
    ("goals/new", "goals", {"target": HUGE_INT}, "target"),
]
FORM_BASES = {
    "observations": {
        "indicator": "selection-ratio",
        "time": "2025-01-01T00:00:00Z",
        "value": "0.9",
    },
    "consultations": {
        "title": "Draft",
        "subject": "goals",
        "draft": "A draft.",
        "opens_at": "2025-01-01T00:00:00Z",
        "closes_at": "2025-02-01T00:00:00Z",
        "audience": "public",
    },
    "goals": {
        "title": "G",
        "level": "specific",
        "direction": "higher_is_better",
        "acceptable_level": "0.5",
        "target": "0.9",
    },
}


@pytest.mark.parametrize(("page", "action", "sent", "field"), FORM_CASES)
def test_a_form_shows_the_error_of_an_extreme_and_stores_nothing(
    shared: World, ctx: dict[str, Any], page: str, action: str, sent: dict[str, str], field: str
) -> None:
    browser = sign_in(shared, "owner")
    scope = ctx["public_scope"]
    form_page = browser.get(f"/scopes/{scope}/{page}")
    assert form_page.status_code == 200, form_page.text
    data = {**FORM_BASES[action], **sent, "csrf_token": csrf_of(form_page)}
    before = snapshot(shared.engine)
    answer = browser.post(f"/scopes/{scope}/{action}", data=data, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:500]
    shown = field_error(answer, field)
    assert values.NUMBER_RANGE in shown or "is out of range" in shown, (field, shown)
    assert_unchanged(before, shared.engine)


def test_a_page_naming_an_id_beyond_the_integers_is_not_found(
    shared: World, ctx: dict[str, Any]
) -> None:
    browser = sign_in(shared, "owner")
    for path in (
        f"/scopes/{HUGE_ID}",
        f"/scopes/{ctx['scope']}/goals/{HUGE_ID}",
        f"/consultations/{HUGE_ID}",
        f"/scopes/{HUGE_ID}/observations/new",
    ):
        assert browser.get(path).status_code == 404, path
