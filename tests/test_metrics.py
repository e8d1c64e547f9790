"""The operators' view: /metrics in Prometheus's text format (what it counts, the
gauges read at each scrape, who may read it) and the JSON log lines."""

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Engine, func, insert, select

from agilegov import clock
from agilegov.app import create_app
from agilegov.auth import SYSTEM
from agilegov.cycle.models import Trigger
from agilegov.db import make_session_factory
from agilegov.logs import JsonFormatter, logging_config
from agilegov.metrics import REGISTRY
from agilegov.monitor.service import evaluate_queued
from agilegov.notify.part import PART as NOTIFY
from agilegov.notify.schemas import WebhookCreate
from agilegov.notify.service import create_webhook, notify_owners
from agilegov.periodic import PeriodicJob, PeriodicStep, run_if_due
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    PROBLEM_JSON,
    World,
    assert_problem,
    bearer,
    create_scope,
    make_client,
    ok,
    seed_scope,
    world_from_fixture,
)

# Every label a metric may have: none names an organization, a scope or a person.
LABELS = {"source", "trigger", "job", "loop", "method", "route", "status", "le"}
FAMILIES = {
    "agilegov_observations_ingested": "counter",
    "agilegov_observations_duplicate": "counter",
    "agilegov_ingest_batch_duration_seconds": "histogram",
    "agilegov_ingest_batches_rejected": "counter",
    "agilegov_evaluation_duration_seconds": "histogram",
    "agilegov_http_requests": "counter",
    "agilegov_http_request_duration_seconds": "histogram",
    "agilegov_webhook_deliveries_sent": "counter",
    "agilegov_webhook_attempts_failed": "counter",
    "agilegov_webhook_deliveries_failed": "counter",
    "agilegov_periodic_jobs_overdue": "gauge",
    "agilegov_periodic_job_overdue_seconds": "gauge",
    "agilegov_triggers_open": "gauge",
    "agilegov_evaluations_queued": "gauge",
    "agilegov_evaluations_queued_oldest_seconds": "gauge",
}
TOKEN = "metrics-token-for-the-tests-0123456789"
LOCAL = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.9", 50000)


def _client(app: FastAPI, client: tuple[str, int] = LOCAL) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=client)


def _scrape(client: TestClient, **headers: str) -> dict[str, Any]:
    """The families /metrics serves, by name; the text must parse whole."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def _value(families: dict[str, Any], sample: str, **labels: str) -> float | None:
    family = families[sample.removesuffix("_total").removesuffix("_count").removesuffix("_sum")]
    found: list[Sample] = [s for s in family.samples if s.name == sample and s.labels == labels]
    return found[0].value if found else None


def _now(name: str, **labels: str) -> float:
    """A counter's or a histogram's sample in this process now (0 before its first use)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def api(database_url: str, engine: Engine, world: Any) -> Iterator[World]:
    api = world_from_fixture(database_url, engine, world)
    with api.client:
        yield api


@pytest.fixture
def scope(api: World) -> dict[str, Any]:
    """A scope of the business with an indicator (selection-ratio) and its goal."""
    created = create_scope(api)
    created["ids"] = seed_scope(api, created["id"])
    return created


def _observations(hours: range, value: float = 0.9) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "observations": [
            {
                "indicator": "selection-ratio",
                "time": (now - timedelta(hours=h)).isoformat(),
                "value": value,
            }
            for h in hours
        ]
    }


# ---------------------------------------------------------------- the exposition


def test_metrics_are_prometheus_text_naming_no_one(api: World, scope: dict[str, Any]) -> None:
    families = _scrape(_client(api.client.app))
    for name, kind in FAMILIES.items():
        assert name in families, f"{name} is not served"
        assert families[name].type == kind, name
    for family in families.values():
        for sample in family.samples:
            assert set(sample.labels) <= LABELS, (sample.name, sample.labels)
    # Nothing per organization or scope slips into a label's value either.
    text = _client(api.client.app).get("/metrics").text
    assert f"/scopes/{scope['id']}" not in text
    # An operator's endpoint, not the API's: not in its schema.
    schema = ok(api.client.get(f"{API}/openapi.json"))
    assert "/metrics" not in schema["paths"]


def test_an_ingested_batch_counts_its_rows(
    api: World, scope: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    path = f"{API}/scopes/{scope['id']}/observations"
    editor = api.auth("editor")
    body = _observations(range(1, 4))
    stored_before = _now("agilegov_observations_ingested_total", source="api")
    batches_before = _now("agilegov_ingest_batch_duration_seconds_count", source="api")
    with caplog.at_level(logging.INFO, logger="agilegov"):
        stored = ok(api.client.post(path, json=body, headers=editor), 201)
    assert stored == {"stored": 3, "duplicates": 0}
    assert _now("agilegov_observations_ingested_total", source="api") == stored_before + 3
    assert _now("agilegov_ingest_batch_duration_seconds_count", source="api") == batches_before + 1
    # /metrics serves what the process counted.
    families = _scrape(_client(api.client.app))
    assert _value(families, "agilegov_observations_ingested_total", source="api") == _now(
        "agilegov_observations_ingested_total", source="api"
    )
    # One log line for the batch, with its figures.
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "ingest"]
    figures = (line.source, line.rows, line.stored, line.duplicates, line.rejected)
    assert figures == ("api", 3, 3, 0, False)
    assert line.levelno == logging.INFO and line.duration_seconds >= 0

    # The same rows again are duplicates, not new observations.
    duplicates_before = _now("agilegov_observations_duplicate_total", source="api")
    again = ok(api.client.post(path, json=body, headers=editor), 201)
    assert again == {"stored": 0, "duplicates": 3}
    assert _now("agilegov_observations_duplicate_total", source="api") == duplicates_before + 3
    assert _now("agilegov_observations_ingested_total", source="api") == stored_before + 3

    # A batch refused whole is counted as rejected, and stores nothing.
    rejected_before = _now("agilegov_ingest_batches_rejected_total", source="api")
    unknown = {
        "observations": [{"indicator": "no-such-key", "time": "2024-05-01T00:00:00Z", "value": 1}]
    }
    assert_problem(api.client.post(path, json=unknown, headers=editor), 422, "observations[0]")
    assert _now("agilegov_ingest_batches_rejected_total", source="api") == rejected_before + 1
    assert _now("agilegov_observations_ingested_total", source="api") == stored_before + 3


def test_the_queue_of_evaluations_is_shown_and_its_runs_timed(
    api: World, scope: dict[str, Any]
) -> None:
    path = f"{API}/scopes/{scope['id']}/observations"
    ok(api.client.post(path, json=_observations(range(1, 3)), headers=api.auth("editor")), 201)
    families = _scrape(_client(api.client.app))
    assert _value(families, "agilegov_evaluations_queued") == 1
    assert _value(families, "agilegov_evaluations_queued_oldest_seconds") >= 0
    count = _now("agilegov_evaluation_duration_seconds_count", trigger="queued")
    [run] = evaluate_queued(UnitOfWork(make_session_factory(api.engine)))
    assert run.counts["ok"] == 1
    assert _now("agilegov_evaluation_duration_seconds_count", trigger="queued") == count + 1
    drained = _scrape(_client(api.client.app))
    assert _value(drained, "agilegov_evaluations_queued") == 0
    assert _value(drained, "agilegov_evaluations_queued_oldest_seconds") == 0


def test_an_evaluation_through_the_api_is_timed(api: World, scope: dict[str, Any]) -> None:
    base = f"{API}/scopes/{scope['id']}"
    editor = api.auth("editor")
    ok(
        api.client.post(f"{base}/observations", json=_observations(range(1, 3)), headers=editor),
        201,
    )
    count = _now("agilegov_evaluation_duration_seconds_count", trigger="manual")
    seconds = _now("agilegov_evaluation_duration_seconds_sum", trigger="manual")
    ok(api.client.post(f"{base}/evaluations", headers=editor), 201)
    assert _now("agilegov_evaluation_duration_seconds_count", trigger="manual") == count + 1
    assert _now("agilegov_evaluation_duration_seconds_sum", trigger="manual") > seconds
    families = _scrape(_client(api.client.app))
    served = _value(families, "agilegov_evaluation_duration_seconds_count", trigger="manual")
    assert served == count + 1
    # A refused evaluation (a viewer may not evaluate) is not observed.
    assert_problem(api.client.post(f"{base}/evaluations", headers=api.auth("viewer")), 403)
    assert _now("agilegov_evaluation_duration_seconds_count", trigger="manual") == count + 1


def test_the_open_triggers_gauge_counts_them_by_loop(
    api: World, scope: dict[str, Any], engine: Engine
) -> None:
    client = _client(api.client.app)
    families = _scrape(client)
    before = {
        loop: _value(families, "agilegov_triggers_open", loop=loop) for loop in ("inner", "outer")
    }
    other = create_scope(api)
    editor = api.auth("editor")
    for scope_id, loop in ((scope["id"], "inner"), (scope["id"], "outer"), (other["id"], "inner")):
        body = {"kind": "manual", "cause": f"checking the {loop} loop", "facts": {"loop": loop}}
        ok(
            api.client.post(f"{API}/scopes/{scope_id}/cycle/triggers", json=body, headers=editor),
            201,
        )
    families = _scrape(client)
    after = {
        loop: _value(families, "agilegov_triggers_open", loop=loop) for loop in ("inner", "outer")
    }
    assert after == {"inner": before["inner"] + 2, "outer": before["outer"] + 1}
    with UnitOfWork(make_session_factory(engine)) as uow:
        counted = dict(
            uow.session.execute(
                select(Trigger.loop, func.count())
                .where(Trigger.status == "open")
                .group_by(Trigger.loop)
            ).all()
        )
    assert after == {loop: float(counted.get(loop, 0)) for loop in ("inner", "outer")}


def test_http_requests_are_counted_by_route_template(api: World, scope: dict[str, Any]) -> None:
    template = f"{API}/scopes/{{scope_id}}"
    labels = {"method": "GET", "route": template}
    found = _now("agilegov_http_requests_total", **labels, status="2xx")
    missing = _now("agilegov_http_requests_total", **labels, status="4xx")
    timed = _now("agilegov_http_request_duration_seconds_count", **labels)
    ok(api.client.get(f"{API}/scopes/{scope['id']}", headers=api.auth("owner")))
    assert_problem(api.client.get(f"{API}/scopes/999999", headers=api.auth("owner")), 404)
    assert _now("agilegov_http_requests_total", **labels, status="2xx") == found + 1
    assert _now("agilegov_http_requests_total", **labels, status="4xx") == missing + 1
    assert _now("agilegov_http_request_duration_seconds_count", **labels) == timed + 2
    text = _client(api.client.app).get("/metrics").text
    assert "/scopes/999999" not in text and f'route="{template}"' in text


# ---------------------------------------------------------------- who may read it


def test_without_a_token_only_this_machine_reads_the_metrics(database_url: str) -> None:
    app = make_client(database_url).app
    for host in ("127.0.0.1", "::1"):
        assert _client(app, (host, 50000)).get("/metrics").status_code == 200
    elsewhere = _client(app, ELSEWHERE)
    problem = assert_problem(elsewhere.get("/metrics"), 403)
    assert "127.0.0.1" in problem["detail"]
    # Its own forwarding headers do not make a client local (no proxy is trusted).
    assert_problem(elsewhere.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}), 403)
    # The refusal reads in the caller's language.
    japanese = assert_problem(elsewhere.get("/metrics", headers={"Accept-Language": "ja"}), 403)
    assert japanese["detail"] != problem["detail"] and japanese["title"] != problem["title"]
    # Behind a trusted proxy on this machine, the client it names decides.
    proxied = _client(make_client(database_url, trusted_proxies="127.0.0.1").app)
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    assert_problem(proxied.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}), 403)


def test_with_a_token_only_its_bearer_reads_the_metrics(database_url: str) -> None:
    app = make_client(database_url, metrics_token=TOKEN).app
    # Only its hash is kept beside the settings.
    assert app.state.metrics_token_digest == hashlib.sha256(TOKEN.encode()).digest()
    for client in (_client(app, ELSEWHERE), _client(app, LOCAL)):
        for headers in ({}, bearer(TOKEN + "x"), bearer(""), {"Authorization": f"Basic {TOKEN}"}):
            refused = client.get("/metrics", headers=headers)
            assert_problem(refused, 401)
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        families = _scrape(client, **bearer(TOKEN))
        assert "agilegov_triggers_open" in families


# ---------------------------------------------------------------- periodic jobs


def test_periodic_runs_are_counted_and_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    uow = UnitOfWork(make_session_factory(engine))

    def broken() -> None:
        raise RuntimeError("the job's source is away")

    steps = [
        PeriodicStep("metrics fine", 60, lambda: None),
        PeriodicStep("metrics broken", 60, broken),
    ]
    before = {
        step.name: (
            _now("agilegov_periodic_job_runs_total", job=step.name),
            _now("agilegov_periodic_job_failures_total", job=step.name),
            _now("agilegov_periodic_job_duration_seconds_count", job=step.name),
        )
        for step in steps
    }
    with caplog.at_level(logging.INFO, logger="agilegov"):
        for step in steps:
            run_if_due(step, engine, uow)
    for step, failures in zip(steps, (0, 1), strict=True):
        runs, failed, timed = before[step.name]
        assert _now("agilegov_periodic_job_runs_total", job=step.name) == runs + 1
        assert _now("agilegov_periodic_job_failures_total", job=step.name) == failed + failures
        assert _now("agilegov_periodic_job_duration_seconds_count", job=step.name) == timed + 1
    lines = {r.job: r for r in caplog.records if getattr(r, "event", None) == "periodic"}
    assert lines["metrics fine"].failed is False and lines["metrics broken"].failed is True
    assert all(line.levelno == logging.INFO for line in lines.values())
    # As a JSON line: its fields, each as the run gave them.
    logged = json.loads(JsonFormatter().format(lines["metrics broken"]))
    assert logged["job"] == "metrics broken" and logged["failed"] is True
    assert logged["duration_seconds"] >= 0 and ":" in logged["run_by"]
    assert datetime.fromisoformat(logged["finished"]) >= datetime.fromisoformat(logged["started"])


def test_overdue_periodic_jobs_are_counted_at_scrape_time(
    database_url: str, engine: Engine
) -> None:
    now = clock.now()
    with engine.begin() as connection:
        connection.execute(
            insert(PeriodicJob),
            [
                {"name": "review-by check", "next_due_at": now - timedelta(minutes=10)},
                {"name": "scrape", "next_due_at": now + timedelta(minutes=1)},
                # Past due, but this server never runs it (its interval is 0).
                {"name": "evaluation", "next_due_at": now - timedelta(hours=2)},
            ],
        )
    settings = Settings(database_url=database_url, evaluation_interval_seconds=0)
    families = _scrape(_client(create_app(settings)))
    assert _value(families, "agilegov_periodic_jobs_overdue") == 1
    assert _value(families, "agilegov_periodic_job_overdue_seconds", job="review-by check") >= 600
    assert _value(families, "agilegov_periodic_job_overdue_seconds", job="scrape") == 0
    assert _value(families, "agilegov_periodic_job_overdue_seconds", job="evaluation") is None
    # A server with no periodic work at all has nothing overdue.
    idle = _scrape(_client(make_client(database_url).app))
    assert _value(idle, "agilegov_periodic_jobs_overdue") == 0


# ---------------------------------------------------------------- webhooks


class Receiver:
    """A webhook receiver on 127.0.0.1 answering each POST with ``status``."""

    def __init__(self) -> None:
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"


def test_webhook_deliveries_are_counted(world: Any, database_url: str, tmp_path: Path) -> None:
    receiver = Receiver()
    key_file = tmp_path / "webhook.key"
    settings = Settings(database_url=database_url, webhook_key_file=key_file)
    [job] = NOTIFY.jobs
    try:
        create_webhook(
            world.uow, world.owner, world.business_id, WebhookCreate(url=receiver.url), key_file
        )

        def notify(title: str) -> None:
            with world.uow:
                notify_owners(
                    world.uow.session,
                    SYSTEM,
                    world.business_id,
                    "indicator.breach",
                    title,
                    "counted",
                    None,
                    {},
                )
                world.uow.commit()

        def counts() -> tuple[float, float, float]:
            return (
                _now("agilegov_webhook_deliveries_sent_total"),
                _now("agilegov_webhook_attempts_failed_total"),
                _now("agilegov_webhook_deliveries_failed_total"),
            )

        start = counts()
        notify("delivered at once")
        job.run(world.uow, settings)
        assert counts() == (start[0] + 1, start[1], start[2])
        # Refused six times: six failed attempts, then the delivery is given up.
        receiver.status = 500
        notify("never accepted")
        at = clock.now()
        for _ in range(6):
            with clock.frozen_at(at):
                job.run(world.uow, settings)
            at += timedelta(days=1)
        assert counts() == (start[0] + 1, start[1] + 6, start[2] + 1)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


# ---------------------------------------------------------------- log lines


def test_a_json_log_line_has_its_fields() -> None:
    logger = logging.getLogger("agilegov.tests")
    try:
        raise ValueError("a broken value")
    except ValueError:
        record = logger.makeRecord(
            "agilegov.tests",
            logging.ERROR,
            __file__,
            1,
            "ingest of %d rows failed",
            (3,),
            sys.exc_info(),
            extra={"source": "api", "rows": 3, "when": datetime(2030, 1, 1, tzinfo=UTC)},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["level"] == "ERROR" and logged["logger"] == "agilegov.tests"
    assert logged["message"] == "ingest of 3 rows failed"
    assert logged["time"].endswith("Z")
    assert datetime.fromisoformat(logged["time"]).utcoffset() == timedelta(0)
    assert (
        "Traceback" in logged["exception"] and "ValueError: a broken value" in logged["exception"]
    )
    assert (logged["source"], logged["rows"], logged["when"]) == (
        "api",
        3,
        "2030-01-01 00:00:00+00:00",
    )
    assert not {"args", "msg", "exc_info", "levelno", "color_message"} & set(logged)


LOGGING = """
import logging
from agilegov import logs
from agilegov.settings import get_settings

logs.configure(get_settings())
ran = {"job": "scrape", "duration_seconds": 0.5}
logging.getLogger("agilegov").info("periodic job ran", extra=ran)
logging.getLogger("uvicorn.error").info("Started server process")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("agilegov").exception("it failed")
"""


@pytest.mark.parametrize("form", ["json", "text"])
def test_the_log_format_setting_makes_json_lines(form: str) -> None:
    environment = os.environ | {"AGILEGOV_LOG_FORMAT": form}
    done = subprocess.run(
        [sys.executable, "-c", LOGGING], env=environment, capture_output=True, text=True, check=True
    )
    lines = done.stderr.strip().splitlines()
    if form == "text":
        assert "agilegov: periodic job ran" in lines[0]
        with pytest.raises(json.JSONDecodeError):
            json.loads(lines[0])
        return
    assert len(lines) == 3, done.stderr
    ran, started, failed = map(json.loads, lines)
    assert (ran["logger"], ran["level"], ran["message"]) == ("agilegov", "INFO", "periodic job ran")
    assert (ran["job"], ran["duration_seconds"]) == ("scrape", 0.5)
    assert started["logger"] == "uvicorn.error" and started["message"] == "Started server process"
    assert failed["level"] == "ERROR" and "ZeroDivisionError" in failed["exception"]


def test_the_logging_configuration_follows_the_setting() -> None:
    config = logging_config(Settings(log_format="json"))
    assert {name for name in config["formatters"]} >= {"default", "access", "agilegov"}
    assert all(f["()"].endswith("JsonFormatter") for f in config["formatters"].values())
    assert config["loggers"]["agilegov"]["level"] == "INFO"
    assert logging_config(Settings(), level="WARNING")["loggers"]["agilegov"]["level"] == "WARNING"
