"""Benchmark of monitoring as data arrives: from the ``POST`` of a breaching batch
to its trigger visible in the API, through a real server.

A server (``agilegov.app:create_app`` under uvicorn, its periodic jobs at their
default intervals: queued evaluations every second, the whole-scope evaluation
hourly) serves a scope with one goal and N indicators. Each trial posts a batch
of three breaching observations of an indicator not yet in breach to
``POST /api/v1/observations`` and polls ``GET /api/v1/scopes/{id}/cycle/triggers``
every 10 ms until its trigger is there: the time from sending the batch to the
trigger read, nothing done by hand. On SQLite, and on PostgreSQL when
127.0.0.1:5432 answers.

Run from the repository root:

    PYTHONPATH=src python bench/realtime.py                  # 100 trials per engine
    PYTHONPATH=src python bench/realtime.py --trials 20 --no-postgres
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from scratch_postgres import postgres_database

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 30.0

console = Console(emoji=False)
if not console.is_terminal:
    console = Console(emoji=False, width=120)


def build(url: str, indicators: int) -> dict[str, Any]:
    """The tables, an owner with a token, a scope with a goal and its indicators."""
    from agilegov import scoped
    from agilegov.db import make_engine, make_session_factory
    from agilegov.goals.schemas import GoalCreate, IndicatorCreate
    from agilegov.goals.service import GOAL, INDICATOR
    from agilegov.migrations import upgrade
    from agilegov.organizations.schemas import OrganizationCreate, UserCreate
    from agilegov.organizations.service import (
        create_organization,
        create_user,
        issue_token,
        principal_for_user,
    )
    from agilegov.scopes.schemas import ScopeCreate
    from agilegov.scopes.service import create_scope
    from agilegov.tenancy import writable_scope
    from agilegov.uow import UnitOfWork

    upgrade(url)
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    user = create_user(
        uow, UserCreate(email="owner@example.com", name="Olga Owner", password="a-long-password")
    )
    with uow:
        actor = principal_for_user(uow.session, user.id)
    organization = create_organization(
        uow, actor, OrganizationCreate(slug="talentbridge", name="TalentBridge", kind="business")
    )
    with uow:
        actor = principal_for_user(uow.session, user.id)
    scope_id = create_scope(
        uow,
        actor,
        ScopeCreate(organization_id=organization.id, name="Screening", kind="ai_system"),
    ).id
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id)
        goal, _ = scoped.add_item(
            session,
            actor,
            scope,
            GOAL,
            GoalCreate(
                title="Fair shortlisting",
                level="specific",
                direction="higher_is_better",
                unit="ratio",
                acceptable_level=0.8,
                target=0.9,
            ),
        )
        keys = []
        for number in range(indicators):
            key = f"selection.ratio.{number}"
            scoped.add_item(
                session,
                actor,
                scope,
                INDICATOR,
                IndicatorCreate(
                    goal_id=goal.id,
                    key=key,
                    name=f"Selection ratio {number}",
                    data_source="the screening log",
                ),
            )
            keys.append(key)
        uow.commit()
    token = issue_token(uow, actor, "bench").token
    engine.dispose()
    return {"scope_id": scope_id, "keys": keys, "token": token}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(url: str, directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    environment = os.environ | {
        "AGILEGOV_DATABASE_URL": url,
        "AGILEGOV_LOG_KEY_FILE": str(directory / "keys" / "log.key"),
        "AGILEGOV_WEBHOOK_KEY_FILE": str(directory / "keys" / "webhook.key"),
        "AGILEGOV_OPEN_DATA_INTERVAL_SECONDS": "0",
    }
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
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=directory, env=environment)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise SystemExit("the server stopped")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process, port
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.05)


def trials(port: int, built: dict[str, Any], count: int) -> list[float]:
    """Seconds from each breaching POST to its trigger read in the API."""
    base = f"http://127.0.0.1:{port}/api/v1"
    triggers = f"{base}/scopes/{built['scope_id']}/cycle/triggers"
    waited = []
    with httpx.Client(headers={"Authorization": f"Bearer {built['token']}"}) as client:
        seen = {item["id"] for item in client.get(triggers, params={"limit": 500}).json()["items"]}
        for key in built["keys"][:count]:
            now = datetime.now(UTC)
            batch = [
                {"indicator": key, "time": (now - timedelta(seconds=s)).isoformat(), "value": 0.5}
                for s in (1, 2, 3)
            ]
            began = time.perf_counter()
            posted = client.post(f"{base}/observations", json={"observations": batch})
            if posted.status_code != 201:
                raise SystemExit(f"POST failed: {posted.status_code} {posted.text}")
            while True:
                items = client.get(triggers, params={"limit": 500}).json()["items"]
                new = {item["id"] for item in items} - seen
                if new:
                    waited.append(time.perf_counter() - began)
                    seen |= new
                    break
                if time.perf_counter() - began > GIVE_UP_SECONDS:
                    raise SystemExit(f"no trigger for {key} after {GIVE_UP_SECONDS} s")
                time.sleep(POLL_SECONDS)
    return waited


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(url: str, count: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        built = build(url, count)
        process, port = serve(url, Path(folder))
        try:
            return trials(port, built, count)
        finally:
            process.terminate()
            process.wait(15)


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--postgres-url", default=DEFAULT_SERVER)
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args(argv)
    table = Table(
        title=(
            f"From POST of a breaching batch to its trigger in the API, {arguments.trials} "
            f"trials — {platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs"
        )
    )
    for heading in ("database", "p50 s", "p95 s", "max s", "mean s"):
        table.add_column(heading, justify="left" if heading == "database" else "right")
    engines: list[tuple[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        engines.append(("SQLite", nullcontext(f"sqlite:///{Path(folder) / 'realtime.db'}")))
        if not arguments.no_postgres and postgres_answers():
            engines.append(("PostgreSQL", postgres_database(arguments.postgres_url)))
        for name, database in engines:
            with database as url:
                console.print(f"{name}: {arguments.trials} trials…")
                waited = measure(url, arguments.trials)
            table.add_row(
                name,
                f"{percentile(waited, 0.5):.2f}",
                f"{percentile(waited, 0.95):.2f}",
                f"{max(waited):.2f}",
                f"{statistics.fmean(waited):.2f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
