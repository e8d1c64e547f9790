"""Two real server processes on one database (PostgreSQL, and one SQLite file),
with every periodic job due each second: each due job runs once, in one of them,
never in both at once. Their effects show it: each webhook delivery reaches the
receiver once, a passed review-by date opens one trigger, each evaluation pass is
recorded once, and a target is scraped once in its interval."""

import collections
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import agilegov
from agilegov import clock
from agilegov.auth import SYSTEM
from agilegov.cycle.models import Trigger
from agilegov.db import make_engine, make_session_factory
from agilegov.migrations import upgrade
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import Evaluation
from agilegov.monitor.schemas import ScrapeTargetCreate
from agilegov.monitor.scraping import create_target
from agilegov.monitor.service import ingest
from agilegov.notify.models import WebhookDelivery
from agilegov.notify.schemas import WebhookCreate
from agilegov.notify.service import create_webhook, notify_owners
from agilegov.periodic import PeriodicJob
from agilegov.uow import UnitOfWork
from api_helpers import new_postgres_database
from builders import build_cast, indicator, new_scope, specific_goal

JOBS = (
    "sign-in counts pruning",
    "review-by check",
    "framework changes",
    "scrape",
    "evaluation",
    "queued evaluations",
    "programme deadlines",
    "regulatory reports",
    "complaint deadlines",
    "incident deadlines",
    "webhook delivery",
    "trust list refresh",
    "open data",
)
EVERY = timedelta(seconds=1)
SERVING_SECONDS = 3.0
QUEUED_DELIVERIES = 5
SCRAPE_INTERVAL = 60
RAN = re.compile(r"^periodic (?P<name>.+) ran from (?P<start>\S+) to (?P<end>\S+)$")


class Receiver:
    """A webhook receiver and a Prometheus exporter on 127.0.0.1, counting what
    each delivery and each scrape brings."""

    def __init__(self) -> None:
        self.deliveries: list[str] = []
        self.scrapes: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.deliveries.append(self.headers["Agilegov-Delivery"])
                self._answer(b"")

            def do_GET(self) -> None:
                receiver.scrapes.append(time.monotonic())
                self._answer(b"selection_ratio 0.6\n")

            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Seeded:
    scope_id: int
    goal_id: int
    indicator_id: int


def _seed(url: str, receiver: Receiver, webhook_key: Path) -> Seeded:
    """A scope whose every periodic job has something to do: a passed review-by
    date, an indicator in breach, a scrape target, and webhook deliveries queued."""
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    try:
        world = build_cast(uow)
        scope_id = new_scope(uow, world.owner, world.business_id)
        today = clock.now().date()
        goal = specific_goal(uow, world.editor, scope_id, review_by=today - timedelta(days=2))
        measured = indicator(uow, world.editor, scope_id, goal.id, window_days=7)
        now = clock.now()
        rows = [
            Row(measured.key, now - timedelta(hours=n), 0.6, "test", f"rows[{n}]")
            for n in range(1, 4)
        ]
        ingest(uow, world.editor, rows, scope_id=scope_id)
        metric_map = f"indicators:\n  - indicator: {measured.key}\n    metric: selection_ratio\n"
        target = ScrapeTargetCreate(
            url=receiver.url("/metrics"), metric_map=metric_map, interval_seconds=SCRAPE_INTERVAL
        )
        create_target(uow, world.editor, scope_id, target)
        hook = WebhookCreate(url=receiver.url("/hooks"))
        create_webhook(uow, world.owner, world.business_id, hook, webhook_key)
        with uow:
            for number in range(QUEUED_DELIVERIES):
                notify_owners(
                    uow.session,
                    SYSTEM,
                    world.business_id,
                    "indicator.breach",
                    f"Queued news {number}",
                    "Sent once, whichever server sends it.",
                    None,
                    {"number": number},
                )
            uow.commit()
        return Seeded(scope_id, goal.id, measured.id)
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def runs(self) -> list[tuple[str, datetime, datetime, str]]:
        """Each periodic run this server logged: job, start, end, server."""
        found = []
        for line in self.log.read_text().splitlines():
            if ran := RAN.match(line):
                start, end = (datetime.fromisoformat(ran[key]) for key in ("start", "end"))
                found.append((ran["name"], start, end, str(self.process.pid)))
        return found


def _serve(url: str, directory: Path, number: int, webhook_key: Path, **settings: str) -> Server:
    """``agilegov.app:create_app`` under uvicorn in a process of its own, its
    ``agilegov`` log (debug: every periodic run) in a file; every job every
    second unless ``settings`` (environment variables) say otherwise."""
    log = directory / f"server-{number}.log"
    config = directory / f"logging-{number}.json"
    handler = {"class": "logging.FileHandler", "filename": str(log), "formatter": "plain"}
    config.write_text(
        json.dumps(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"plain": {"format": "%(message)s"}},
                "handlers": {"file": handler},
                "loggers": {
                    "agilegov": {"level": "DEBUG", "handlers": ["file"]},
                    "uvicorn": {"level": "WARNING", "handlers": ["file"]},
                },
            }
        )
    )
    seconds = str(int(EVERY.total_seconds()))
    # The servers import the agilegov these tests import, wherever they run.
    imported = str(Path(agilegov.__file__).parents[1])
    search_path = os.pathsep.join(filter(None, [imported, os.environ.get("PYTHONPATH")]))
    environment = (
        os.environ
        | {
            "PYTHONPATH": search_path,
            "AGILEGOV_DATABASE_URL": url,
            "AGILEGOV_TICK_INTERVAL_SECONDS": seconds,
            "AGILEGOV_POLL_INTERVAL_SECONDS": seconds,
            "AGILEGOV_EVALUATION_INTERVAL_SECONDS": seconds,
            "AGILEGOV_OPEN_DATA_INTERVAL_SECONDS": seconds,
            "AGILEGOV_WEBHOOK_KEY_FILE": str(webhook_key),
        }
        | settings
    )
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "agilegov.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-config",
        str(config),
    ]
    process = subprocess.Popen(command, cwd=directory, env=environment)
    return Server(process, port, log)


def _wait_until_serving(server: Server, deadline: float) -> None:
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"a server stopped: {server.log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("a server did not start in time")
        time.sleep(0.05)


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'agilegov.db'}"
        return
    with new_postgres_database() as url:
        yield url


def test_each_due_job_runs_once_in_one_of_two_servers(database: str, tmp_path: Path) -> None:
    webhook_key = tmp_path / "keys" / "webhook.key"
    receiver = Receiver()
    try:
        upgrade(database)
        seeded = _seed(database, receiver, webhook_key)
        servers = [_serve(database, tmp_path, n, webhook_key) for n in (1, 2)]
        try:
            deadline = time.monotonic() + 90
            for server in servers:
                _wait_until_serving(server, deadline)
            time.sleep(SERVING_SECONDS)
        finally:
            for server in servers:
                _stop(server)
    finally:
        receiver.close()
    assert [server.process.returncode for server in servers] == [0, 0]

    runs = sorted(run for server in servers for run in server.runs())
    by_job = {name: list(each) for name, each in itertools.groupby(runs, key=lambda r: r[0])}
    assert sorted(by_job) == sorted(JOBS)
    for name, each in by_job.items():
        assert len(each) >= 2, f"{name} ran {len(each)} time(s)"
        for (_, started, ended, _), (_, later, _, _) in itertools.pairwise(each):
            # Never both at once, and never again before its due time.
            assert later >= ended, f"{name} ran in two servers at once"
            assert later >= started + EVERY, f"{name} ran twice for one due time"

    engine = make_engine(database)
    uow = UnitOfWork(make_session_factory(engine))
    try:
        with uow:
            session = uow.session
            bookkeeping = session.execute(
                select(
                    PeriodicJob.name,
                    PeriodicJob.last_started_at,
                    PeriodicJob.last_finished_at,
                    PeriodicJob.next_due_at,
                    PeriodicJob.run_by,
                    PeriodicJob.last_error,
                ).order_by(PeriodicJob.name)
            ).all()
            deliveries = session.execute(select(WebhookDelivery.id, WebhookDelivery.status)).all()
            evaluated = session.scalars(
                select(Evaluation.evaluated_at).where(
                    Evaluation.indicator_id == seeded.indicator_id
                )
            ).all()
            triggers = collections.Counter(
                session.scalars(
                    select(Trigger.kind).where(Trigger.scope_id == seeded.scope_id)
                ).all()
            )
    finally:
        engine.dispose()

    # The bookkeeping holds each job's last run, by one of the two servers.
    pids = {str(server.process.pid) for server in servers}
    assert [row.name for row in bookkeeping] == sorted(JOBS)
    for row in bookkeeping:
        _, started, ended, pid = by_job[row.name][-1]
        assert (row.last_started_at, row.last_finished_at) == (started, ended)
        assert row.run_by is not None and row.run_by.rsplit(":", 1)[1] == pid in pids
        assert row.next_due_at == started + EVERY
        assert row.last_error is None

    # Every delivery (the queued ones and the breach's) was sent once.
    assert len(deliveries) == QUEUED_DELIVERIES + 1
    assert {d.status for d in deliveries} == {"delivered"}
    assert sorted(receiver.deliveries) == sorted(str(d.id) for d in deliveries)
    # One trigger for the passed review-by date, one for the breach.
    assert triggers == {"goal_review_due": 1, "indicator_breach": 1}
    # One evaluation per evaluation run, made during that run; the others were
    # made by a run of the queued evaluations (the seeded batch, each scrape).
    evaluation_runs = by_job["evaluation"]
    queued_runs = by_job["queued evaluations"]

    def made_in(at: datetime, runs: list[tuple[str, datetime, datetime, str]]) -> int:
        return sum(start <= at.astimezone(UTC) <= end for _, start, end, _ in runs)

    assert sum(made_in(at, evaluation_runs) for at in evaluated) == len(evaluation_runs)
    for at in evaluated:
        assert made_in(at, evaluation_runs) + made_in(at, queued_runs) == 1
    assert any(made_in(at, queued_runs) for at in evaluated)
    # The target was scraped once per its interval (a minute).
    assert receiver.scrapes
    for earlier, later in itertools.pairwise(receiver.scrapes):
        assert later - earlier >= SCRAPE_INTERVAL - 1


def test_a_breach_posted_to_a_server_opens_its_trigger_and_webhook_within_seconds(
    database: str, tmp_path: Path
) -> None:
    """No manual evaluation, no hourly wait: the server's queued evaluations
    evaluate what the batch touched and send what they opened."""
    webhook_key = tmp_path / "keys" / "webhook.key"
    receiver = Receiver()
    try:
        upgrade(database)
        engine = make_engine(database)
        uow = UnitOfWork(make_session_factory(engine))
        try:
            world = build_cast(uow)
            scope_id = new_scope(uow, world.owner, world.business_id)
            goal = specific_goal(uow, world.editor, scope_id)
            measured = indicator(uow, world.editor, scope_id, goal.id, window_days=7)
            hook = WebhookCreate(url=receiver.url("/hooks"), events=["indicator"])
            create_webhook(uow, world.owner, world.business_id, hook, webhook_key)
        finally:
            engine.dispose()
        hourly = str(3600)
        server = _serve(
            database,
            tmp_path,
            1,
            webhook_key,
            AGILEGOV_EVALUATION_INTERVAL_SECONDS=hourly,
            AGILEGOV_POLL_INTERVAL_SECONDS=hourly,
            AGILEGOV_TICK_INTERVAL_SECONDS=hourly,
            AGILEGOV_OPEN_DATA_INTERVAL_SECONDS="0",
        )
        base = f"http://127.0.0.1:{server.port}/api/v1"
        headers = {"Authorization": f"Bearer {world.tokens['editor']}"}
        try:
            _wait_until_serving(server, time.monotonic() + 90)
            now = datetime.now(UTC)
            batch = [
                {
                    "indicator": measured.key,
                    "time": (now - timedelta(minutes=m)).isoformat(),
                    "value": 0.6,
                }
                for m in range(1, 4)
            ]
            posted = time.monotonic()
            response = httpx.post(
                f"{base}/observations", json={"observations": batch}, headers=headers
            )
            assert response.status_code == 201, response.text
            while not receiver.deliveries and time.monotonic() < posted + 5:
                time.sleep(0.02)
            waited = time.monotonic() - posted
            triggers = httpx.get(f"{base}/scopes/{scope_id}/cycle/triggers", headers=headers)
        finally:
            _stop(server)
    finally:
        receiver.close()
    assert receiver.deliveries, f"no webhook within 5 s: {server.log.read_text()}"
    assert waited <= 5
    [trigger] = triggers.json()["items"]
    assert (trigger["kind"], trigger["subject_id"]) == ("indicator_breach", measured.id)
