"""Prometheus scrape targets: managed per scope by its editors, refused input
storing nothing, and ``scrape_due`` fetching real expositions from a local HTTP
server into observations, one failing target not stopping the others."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from agilegov import values
from agilegov.monitor import scraping
from agilegov.monitor.models import Observation, ScrapeTarget
from agilegov.monitor.schemas import ScrapeTargetCreate, ScrapeTargetUpdate
from agilegov.monitor.scraping import (
    create_target,
    default_source,
    http_get,
    scrape_due,
    update_target,
)
from agilegov.record.models import Event
from api_helpers import API, assert_problem, ok, world_from_fixture
from builders import indicator, new_scope, row_counts, specific_goal

NOW = datetime(2030, 3, 8, 12, 0, tzinfo=UTC)
SAMPLED = datetime(2030, 3, 1, tzinfo=UTC)
SAMPLED_MS = int(SAMPLED.timestamp() * 1000)

EXPOSITION = f"""# HELP selection_ratio Selection-rate ratio by team.
# TYPE selection_ratio gauge
selection_ratio{{team="a"}} 0.91 {SAMPLED_MS}
selection_ratio{{team="b"}} 0.72 {SAMPLED_MS}
# TYPE applicants_total counter
applicants_total 120 {SAMPLED_MS}
"""

MAP = """indicators:
  - indicator: selection.ratio
    metric: selection_ratio
    labels:
      team: a
  - indicator: applicants
    metric: applicants_total
"""


# ---------------------------------------------------------------- a real exporter


class Exporter:
    """An HTTP server on 127.0.0.1 answering GETs with the page set for each path."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.requests: list[str] = []
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                exporter.requests.append(self.path)
                status, body, headers = exporter.pages.get(self.path, (404, b"no such page", {}))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for the loop's next poll: half a second by default, per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(
        self,
        path: str,
        body: str | bytes,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, data, headers or {})
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    server = Exporter()
    yield server
    server.close()


class Counting:
    """The real fetcher, counted."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str) -> str:
        self.calls.append(url)
        return http_get(url)


# ---------------------------------------------------------------- helpers


@pytest.fixture
def scope_id(world) -> int:
    """A scope with a goal and two indicators: selection.ratio and applicants."""
    scope = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope)
    indicator(world.uow, world.editor, scope, goal.id)
    indicator(world.uow, world.editor, scope, goal.id, key="applicants", name="Applicants")
    return scope


def _target(world, scope_id: int, url: str, **fields: Any) -> Any:
    data = ScrapeTargetCreate(url=url, metric_map=fields.pop("metric_map", MAP), **fields)
    return create_target(world.uow, world.editor, scope_id, data)


def _observations(uow) -> list[tuple[str, datetime, float, str]]:
    from agilegov.goals.models import Indicator

    with uow:
        rows = uow.session.execute(
            select(Indicator.key, Observation.time, Observation.value, Observation.source)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .order_by(Indicator.key, Observation.time)
        ).all()
        return [tuple(row) for row in rows]


def _stored_target(uow, target_id: int) -> ScrapeTarget:
    with uow:
        target = uow.session.get(ScrapeTarget, target_id)
        assert target is not None
        uow.session.expunge(target)
        return target


def _events(uow, type: str) -> list[Event]:
    with uow:
        events = list(uow.session.scalars(select(Event).where(Event.type == type)))
        uow.session.expunge_all()
        return events


# ---------------------------------------------------------------- scrape_due


def test_scrape_due_stores_the_mapped_samples_then_only_duplicates(
    world, scope_id, exporter
) -> None:
    url = exporter.serve("/metrics", EXPOSITION)
    target = _target(world, scope_id, url, interval_seconds=60)
    fetch = Counting()

    [first] = scrape_due(world.uow, NOW, fetch)

    assert fetch.calls == [url]
    assert (first.target_id, first.stored, first.duplicates, first.error) == (target.id, 2, 0, None)
    source = f"prometheus:{exporter.base.removeprefix('http://')}"
    assert _observations(world.uow) == [
        ("applicants", SAMPLED, 120.0, source),
        ("selection.ratio", SAMPLED, 0.91, source),
    ]
    stored = _stored_target(world.uow, target.id)
    assert (stored.last_scraped_at, stored.last_error) == (NOW, None)
    [recorded] = _events(world.uow, "observations.recorded")
    assert (recorded.scope_id, recorded.actor_id) == (scope_id, None)  # the system
    assert recorded.payload["stored"] == 2

    [again] = scrape_due(world.uow, NOW + timedelta(seconds=60), fetch)

    assert (again.stored, again.duplicates, again.error) == (0, 2, None)
    assert len(fetch.calls) == 2
    assert len(_observations(world.uow)) == 2
    scraped = _events(world.uow, "scrape_target.scraped")
    assert [(e.subject_id, e.payload["stored"], e.payload["duplicates"]) for e in scraped] == [
        (target.id, 2, 0),
        (target.id, 0, 2),
    ]
    assert all(e.scope_id == scope_id for e in scraped)


def test_samples_without_a_timestamp_are_dated_when_scraped(world, scope_id, exporter) -> None:
    url = exporter.serve("/metrics", "applicants_total 7\n")
    metric_map = (
        "source: hr-exporter\nindicators:\n  - {indicator: applicants, metric: applicants_total}\n"
    )
    _target(world, scope_id, url, metric_map=metric_map)

    [result] = scrape_due(world.uow, NOW)

    assert (result.stored, result.error) == (1, None)
    [(key, moment, value, source)] = _observations(world.uow)
    assert (key, value, source) == ("applicants", 7.0, "hr-exporter")
    assert NOW <= moment < NOW + timedelta(seconds=10)


def test_the_interval_is_respected(world, scope_id, exporter) -> None:
    url = exporter.serve("/metrics", EXPOSITION)
    target = _target(world, scope_id, url, interval_seconds=60)
    _target(world, scope_id, url, active=False)
    fetch = Counting()

    assert [r.target_id for r in scrape_due(world.uow, NOW, fetch)] == [target.id]
    assert scrape_due(world.uow, NOW, fetch) == []
    assert scrape_due(world.uow, NOW + timedelta(seconds=59), fetch) == []
    assert len(fetch.calls) == 1
    assert _stored_target(world.uow, target.id).last_scraped_at == NOW

    update_target(
        world.uow,
        world.editor,
        scope_id,
        target.id,
        ScrapeTargetUpdate(interval_seconds=120),
    )
    assert scrape_due(world.uow, NOW + timedelta(seconds=60), fetch) == []
    later = scrape_due(world.uow, NOW + timedelta(seconds=120), fetch)
    assert [r.target_id for r in later] == [target.id]
    assert len(fetch.calls) == 2  # the inactive target never


def test_a_failing_target_records_its_error_and_the_others_go_on(world, scope_id, exporter) -> None:
    broken = _target(world, scope_id, exporter.serve("/broken", "oops", status=500))
    garbled = _target(world, scope_id, exporter.serve("/garbled", "selection_ratio{team=a} 1\n"))
    moved = _target(
        world,
        scope_id,
        exporter.serve("/moved", "", status=302, headers={"Location": "/metrics"}),
    )
    nothing = _target(world, scope_id, exporter.serve("/empty", "other_metric 1\n"))
    closed = Exporter()
    closed.close()
    refused = _target(world, scope_id, closed.base + "/metrics")
    good = _target(world, scope_id, exporter.serve("/metrics", EXPOSITION))
    before = row_counts(world.uow)

    results = {r.target_id: r for r in scrape_due(world.uow, NOW)}

    assert set(results) == {broken.id, garbled.id, moved.id, nothing.id, refused.id, good.id}
    assert results[broken.id].error == "HTTP 500 Internal Server Error"
    assert results[garbled.id].error.startswith("exposition: line 1: ")
    assert "redirects are not followed" in results[moved.id].error
    assert results[nothing.id].error == "no sample in the exposition matches the metric map"
    assert results[refused.id].error.startswith("ConnectError")
    assert (results[good.id].stored, results[good.id].error) == (2, None)
    for failed in (broken, garbled, moved, nothing, refused):
        stored = _stored_target(world.uow, failed.id)
        assert stored.last_error == results[failed.id].error
        assert stored.last_scraped_at == NOW
        assert results[failed.id].stored == 0
    after = row_counts(world.uow)
    assert after["observations"] == before["observations"] + 2
    assert after["events"] == before["events"] + 6 + 1  # six scrapes, one batch

    # Mended, the target's error is cleared at its next scrape.
    exporter.serve("/broken", EXPOSITION)
    later = scrape_due(world.uow, NOW + timedelta(seconds=60))
    assert {r.target_id: r.error for r in later}[broken.id] is None
    assert _stored_target(world.uow, broken.id).last_error is None


def test_a_refused_batch_stores_nothing_and_says_why(world, scope_id, exporter) -> None:
    url = exporter.serve("/metrics", f"applicants_total NaN {SAMPLED_MS}\n")
    target = _target(world, scope_id, url)
    before = row_counts(world.uow)

    [result] = scrape_due(world.uow, NOW)

    assert result.stored == 0
    assert result.error.startswith("line 1: value: nan is not allowed")
    after = row_counts(world.uow)
    assert after["observations"] == before["observations"]
    assert after["events"] == before["events"] + 1
    assert _stored_target(world.uow, target.id).last_error == result.error


@pytest.mark.parametrize("timestamp", [values.EARLIEST_MS - 1, values.LATEST_MS + 1, 2**62])
def test_a_timestamp_beyond_the_times_stored_stores_nothing_and_says_why(
    world, scope_id, exporter, timestamp: int
) -> None:
    exposition = f"applicants_total 1 {SAMPLED_MS}\napplicants_total 2 {timestamp}\n"
    url = exporter.serve("/metrics", exposition)
    target = _target(world, scope_id, url)
    before = row_counts(world.uow)

    [result] = scrape_due(world.uow, NOW)

    assert result.stored == 0
    assert result.error == (
        f"exposition: line 2: time: timestamp {timestamp} ms is out of range: {values.TIME_RANGE}"
    )
    assert row_counts(world.uow)["observations"] == before["observations"]
    assert _stored_target(world.uow, target.id).last_error == result.error


def test_large_answers_are_refused(world, scope_id, exporter, monkeypatch) -> None:
    monkeypatch.setattr(scraping, "MAX_RESPONSE_BYTES", 1000)
    url = exporter.serve("/metrics", EXPOSITION + "# padding\n" * 200)
    _target(world, scope_id, url)

    [result] = scrape_due(world.uow, NOW)

    assert result.error == "the response is larger than 1,000 bytes"
    assert result.stored == 0


def test_the_default_source_names_the_host() -> None:
    assert default_source("http://Metrics.Example.com/metrics") == "prometheus:metrics.example.com"
    assert default_source("https://10.0.0.5:9100/m") == "prometheus:10.0.0.5:9100"
    assert default_source("http://[::1]:9090/") == "prometheus:[::1]:9090"


# ---------------------------------------------------------------- the API


@pytest.fixture
def api(database_url, engine, world):
    return world_from_fixture(database_url, engine, world)


def _targets_url(scope_id: int) -> str:
    return f"{API}/scopes/{scope_id}/scrape-targets"


def test_editors_manage_targets_and_readers_list_them(api, world, scope_id) -> None:
    client, base = api.client, _targets_url(scope_id)
    body = {"url": "https://metrics.example.com/metrics", "metric_map": MAP}

    assert_problem(client.post(base, json=body, headers=api.auth("viewer")), 403)
    assert_problem(client.post(base, json=body, headers=api.auth("outsider")), 404)
    created = ok(client.post(base, json=body, headers=api.auth("editor")), 201)
    assert created["metric_map"] == MAP  # kept as given
    assert (created["interval_seconds"], created["active"]) == (60, True)
    assert (created["last_scraped_at"], created["last_error"]) == (None, None)
    item = f"{base}/{created['id']}"

    listed = ok(client.get(base, headers=api.auth("viewer")))
    assert [t["id"] for t in listed["items"]] == [created["id"]]
    assert ok(client.get(item, headers=api.auth("viewer"))) == created
    for who in ("outsider", None):
        assert_problem(client.get(base, headers=api.auth(who)), 404)
        assert_problem(client.get(item, headers=api.auth(who)), 404)
    assert_problem(client.get(f"{_targets_url(scope_id)}/999", headers=api.auth("viewer")), 404)

    patch = {"interval_seconds": 300, "active": False}
    assert_problem(client.patch(item, json=patch, headers=api.auth("viewer")), 403)
    changed = ok(client.patch(item, json=patch, headers=api.auth("editor")))
    assert (changed["interval_seconds"], changed["active"]) == (300, False)
    ok(client.patch(item, json=patch, headers=api.auth("editor")))  # no change: no event

    assert_problem(client.delete(item, headers=api.auth("viewer")), 403)
    assert client.delete(item, headers=api.auth("editor")).status_code == 204
    assert_problem(client.get(item, headers=api.auth("editor")), 404)

    with world.uow:
        events = world.uow.session.execute(
            select(Event.type, Event.subject_id, Event.scope_id, Event.actor_id)
            .where(Event.subject_type == "scrape_target")
            .order_by(Event.id)
        ).all()
    assert [e.type for e in events] == [
        "scrape_target.created",
        "scrape_target.updated",
        "scrape_target.deleted",
    ]
    assert {(e.subject_id, e.scope_id, e.actor_id) for e in events} == {
        (created["id"], scope_id, world.editor.user_id)
    }


def test_targets_of_a_published_scope_stay_with_its_organization(api, world) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id, visibility="public")
    base = _targets_url(scope)
    ok(api.client.get(base, headers=api.auth("viewer")))
    assert_problem(api.client.get(base, headers=api.auth("outsider")), 403)
    assert_problem(api.client.get(base, headers=api.auth(None)), 401)


def test_refused_input_names_the_field_and_stores_nothing(api, world, scope_id) -> None:
    client, base, editor = api.client, _targets_url(scope_id), api.auth("editor")
    good = {"url": "http://127.0.0.1:9100/metrics", "metric_map": MAP}
    unknown_second = MAP.replace("indicator: applicants", "indicator: x")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"url": "ftp://example.com/metrics"}, "url", "http://"),
        ({"url": "http:///metrics"}, "url", "host"),
        ({"url": "http://user:pw@example.com/"}, "url", "password"),
        ({"interval_seconds": 9}, "interval_seconds", "10"),
        ({"interval_seconds": 86_401}, "interval_seconds", "86400"),
        ({"metric_map": "indicators: [\n"}, "metric_map", "not YAML: line"),
        ({"metric_map": "indicators: []\n"}, "metric_map", "at least one"),
        ({"metric_map": "- just a list\n"}, "metric_map", "must be a mapping"),
        (
            {"metric_map": "indicators:\n  - {indicator: applicants, metric: m, labels: {a: 1}}"},
            "metric_map",
            "indicators[0].labels.a: must be a string",
        ),
        (
            {"metric_map": unknown_second},
            "metric_map",
            "metric_map: indicators[1].indicator: no indicator 'x' in this scope",
        ),
        ({"scope_id": 3}, "scope_id", "Extra inputs"),
    ]
    before = row_counts(world.uow)
    for change, field, message in cases:
        response = client.post(base, json=good | change, headers=editor)
        problem = assert_problem(response, 422, field)
        assert message in response.text, (change, problem)
    assert row_counts(world.uow) == before

    target = ok(client.post(base, json=good, headers=editor), 201)
    before = row_counts(world.uow)
    item = f"{base}/{target['id']}"
    for change, field, message in cases[:-1]:
        response = client.patch(item, json=change, headers=editor)
        assert_problem(response, 422, field)
        assert message in response.text, change
    assert_problem(client.patch(item, json={"url": None}, headers=editor), 422, "url")
    assert row_counts(world.uow) == before
    assert ok(client.get(item, headers=editor)) == target


def test_the_scrape_route_scrapes_now(api, world, scope_id, exporter) -> None:
    client, base, editor = api.client, _targets_url(scope_id), api.auth("editor")
    url = exporter.serve("/metrics", EXPOSITION)
    target = ok(client.post(base, json={"url": url, "metric_map": MAP}, headers=editor), 201)
    scrape = f"{base}/{target['id']}/scrape"

    assert_problem(client.post(scrape, headers=api.auth("viewer")), 403)
    assert exporter.requests == []
    first = ok(client.post(scrape, headers=editor))
    assert (first["target_id"], first["stored"], first["duplicates"], first["error"]) == (
        target["id"],
        2,
        0,
        None,
    )
    second = ok(client.post(scrape, headers=editor))
    assert (second["stored"], second["duplicates"]) == (0, 2)
    assert len(_observations(world.uow)) == 2
    read = ok(client.get(f"{base}/{target['id']}", headers=editor))
    assert read["last_scraped_at"] is not None and read["last_error"] is None
    scraped = _events(world.uow, "scrape_target.scraped")
    assert [e.actor_id for e in scraped] == [world.editor.user_id] * 2

    exporter.serve("/metrics", "oops", status=503)
    failed = ok(client.post(scrape, headers=editor))
    assert (failed["stored"], failed["error"]) == (0, "HTTP 503 Service Unavailable")
    read = ok(client.get(f"{base}/{target['id']}", headers=editor))
    assert read["last_error"] == "HTTP 503 Service Unavailable"
    assert_problem(client.post(f"{base}/999/scrape", headers=editor), 404)
