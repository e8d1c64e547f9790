"""Many clients writing the same rows at once, against a real server: every
write is stored once or refused with a 409 problem, never a server error, and
the record stays one unforked log.

The server runs in a process of its own (uvicorn, as in production), so that
its work and the clients' do not share one interpreter lock. On PostgreSQL
2,000 writes come from 20 threads; on SQLite, whose writers queue for its one
write lock, 400 from 8.
"""

import os
import queue
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import agilegov
from agilegov.analysis.models import Stakeholder
from agilegov.auth import Principal
from agilegov.db import make_engine, make_session_factory
from agilegov.dialogue.models import Participant, Vote
from agilegov.monitor.models import Observation
from agilegov.organizations.schemas import UserCreate
from agilegov.organizations.service import create_user, issue_token
from agilegov.record.audit import audit
from agilegov.record.models import Event, LogHead
from agilegov.record.notes import load_or_create_signer
from agilegov.settings import Settings
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion
from api_helpers import (
    API,
    PASSWORD,
    PROBLEM_JSON,
    World,
    assert_problem,
    build_world,
    make_client,
    new_postgres_database,
    ok,
    seed_world,
)

# What the mixes send: the share of each kind of write, in whole requests.
STATEMENTS = 4
# A fresh participant's votes, sent at once: a first vote on each statement, and
# a second, replacing vote on each.
VOTES_EACH = 2 * STATEMENTS


@dataclass(frozen=True)
class Mix:
    threads: int
    stakeholders: int
    observations: int
    goal_changes: int
    measure_changes: int
    voters: int

    @property
    def writes(self) -> int:
        changes = self.goal_changes + self.measure_changes
        return self.stakeholders + self.observations + changes + self.voters * VOTES_EACH


MIXES = {
    "postgresql": Mix(
        threads=20,
        stakeholders=400,
        observations=400,
        goal_changes=300,
        measure_changes=300,
        voters=75,
    ),
    "sqlite": Mix(
        threads=8, stakeholders=80, observations=80, goal_changes=60, measure_changes=60, voters=15
    ),
}


@dataclass(frozen=True)
class Write:
    kind: str
    method: str
    path: str
    body: dict[str, Any]
    token: str
    # The user whose vote this is, and the statement.
    voter: int | None = None
    statement: int | None = None


@dataclass
class Sent:
    write: Write
    status: int | None = None
    content_type: str = ""
    body: Any = None
    error: str | None = None


@dataclass
class Stage:
    """The world the writes go to: a published scope with a goal, a measure and
    an indicator, an open consultation, and fresh people who have not voted."""

    world: World
    scope_id: int
    goal_id: int
    measure_id: int
    consultation_id: int
    statement_ids: list[int]
    voters: dict[int, str] = field(default_factory=dict)  # user id -> token


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database_url: str, log: Path) -> Iterator[Callable[[], str]]:
    """The app under uvicorn in a process of its own, started at once; yields
    a function that waits until it answers and returns its base URL."""
    port = _free_port()
    source = str(Path(agilegov.__file__).resolve().parents[1])
    env = os.environ | {
        "AGILEGOV_DATABASE_URL": database_url,
        "AGILEGOV_TICK_INTERVAL_SECONDS": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "agilegov.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)

    def ready() -> str:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the server did not start:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer in time:\n{log.read_text()}")
            time.sleep(0.1)

    try:
        yield ready
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# ---------------------------------------------------------------- the world


def _stage(world: World, engine: Engine, voters: int) -> Stage:
    world = seed_world(world, scopes=("public",))
    scope = world.scopes["public"]
    now = datetime.now(UTC)
    consultation = ok(
        world.client.post(
            f"{API}/scopes/{scope['id']}/consultations",
            json={
                "title": "Fair screening rules",
                "subject": "goals",
                "draft": "Applicants are told why they were rejected.",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
                "statements": [f"Statement number {n}" for n in range(STATEMENTS)],
            },
            headers=world.auth("editor"),
        ),
        201,
    )
    statements = ok(
        world.client.get(f"{API}/consultations/{consultation['id']}/statements"),
    )
    stage = Stage(
        world=world,
        scope_id=scope["id"],
        goal_id=scope["ids"]["goal"],
        measure_id=scope["ids"]["measure"],
        consultation_id=consultation["id"],
        statement_ids=[s["id"] for s in statements],
    )
    uow = UnitOfWork(make_session_factory(engine))
    for n in range(voters):
        user = create_user(
            uow, UserCreate(email=f"voter{n}@example.com", name=f"Voter {n}", password=PASSWORD)
        )
        stage.voters[user.id] = issue_token(uow, Principal(user_id=user.id), "votes").token
    return stage


def _writes(stage: Stage, mix: Mix) -> list[Write]:
    """The mix's writes in a shuffled order, each fresh participant's votes
    side by side, so that the threads send them at the same moment."""
    editor = stage.world.tokens["editor"]
    scope = f"{API}/scopes/{stage.scope_id}"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    blocks: list[list[Write]] = []
    for n in range(mix.stakeholders):
        body = {"name": f"Stakeholder {n}", "category": "user"}
        blocks.append([Write("stakeholder", "POST", f"{scope}/stakeholders", body, editor)])
    for n in range(mix.observations):
        observation = {
            "indicator": "selection-ratio",
            "time": (start + timedelta(seconds=n)).isoformat(),
            "value": 0.85,
        }
        body = {"observations": [observation]}
        blocks.append([Write("observation", "POST", f"{scope}/observations", body, editor)])
    for n in range(mix.goal_changes):
        path = f"{scope}/goals/{stage.goal_id}"
        blocks.append([Write("goal", "PATCH", path, {"title": f"Equal rates {n}"}, editor)])
    for n in range(mix.measure_changes):
        path = f"{scope}/measures/{stage.measure_id}"
        blocks.append([Write("measure", "PATCH", path, {"title": f"Bias audit {n}"}, editor)])
    votes = f"{API}/consultations/{stage.consultation_id}/votes"
    choices = ("agree", "disagree", "pass")
    for user_id, token in list(stage.voters.items())[: mix.voters]:
        statements = stage.statement_ids * 2
        blocks.append(
            [
                Write(
                    "vote",
                    "POST",
                    votes,
                    {"statement_id": statement, "vote": choices[(user_id + n) % 3]},
                    token,
                    voter=user_id,
                    statement=statement,
                )
                for n, statement in enumerate(statements)
            ]
        )
    random.Random(7).shuffle(blocks)
    return [write for block in blocks for write in block]


def _send_all(base: str, writes: list[Write], threads: int) -> list[Sent]:
    pending: queue.Queue[Sent] = queue.Queue()
    sent = [Sent(write) for write in writes]
    for item in sent:
        pending.put(item)

    def work() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                write = item.write
                try:
                    response = client.request(
                        write.method,
                        write.path,
                        json=write.body,
                        headers={"Authorization": f"Bearer {write.token}"},
                    )
                except httpx.TransportError as error:  # a dropped connection
                    item.error = repr(error)
                    continue
                item.status = response.status_code
                item.content_type = response.headers.get("content-type", "")
                json = "json" in item.content_type and response.content
                item.body = response.json() if json else response.text

    workers = [threading.Thread(target=work, name=f"writer-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sent


# ---------------------------------------------------------------- the checks


def _check(stage: Stage, engine: Engine, sent: list[Sent], log: Path) -> Counter[str]:
    statuses = Counter(f"{s.write.kind} {s.status or s.error}" for s in sent)
    dropped = [s for s in sent if s.error is not None]
    assert not dropped, f"{len(dropped)} connections dropped: {statuses}"
    failed = [s for s in sent if s.status is not None and s.status >= 500]
    assert not failed, f"server errors: {statuses}; first: {failed[0].body}"
    assert "Traceback" not in log.read_text(), log.read_text()[-4000:]
    unexpected = [s for s in sent if s.status not in (200, 201, 409)]
    assert not unexpected, f"{statuses}; first: {unexpected[0].body}"
    for refused in (s for s in sent if s.status == 409):
        assert refused.content_type.startswith(PROBLEM_JSON), refused.content_type
        assert refused.body["status"] == 409 and refused.body["detail"], refused.body
    done = [s for s in sent if s.status in (200, 201)]
    done_of = Counter(s.write.kind for s in done)

    with engine.connect() as connection:
        stakeholders = Counter(
            connection.scalars(
                select(Stakeholder.name).where(Stakeholder.scope_id == stage.scope_id)
            )
        )
        created = [s.write.body["name"] for s in done if s.write.kind == "stakeholder"]
        assert all(stakeholders[name] == 1 for name in created)
        # The seeded one, and each stakeholder whose creation was answered 201.
        assert sum(stakeholders.values()) == len(created) + 1

        stored = sum(s.body["stored"] for s in done if s.write.kind == "observation")
        assert stored == done_of["observation"]
        assert connection.scalar(select(func.count()).select_from(Observation)) == stored

        for kind, entity_id in (("goal", stage.goal_id), ("measure", stage.measure_id)):
            numbers = connection.scalars(
                select(EntityVersion.version)
                .where(EntityVersion.kind == kind, EntityVersion.entity_id == entity_id)
                .order_by(EntityVersion.version)
            ).all()
            assert numbers == list(range(1, done_of[kind] + 2)), kind

        voted = {(s.write.voter, s.write.statement) for s in done if s.write.kind == "vote"}
        votes = connection.execute(
            select(Participant.user_id, Vote.statement_id).join(
                Participant, Participant.id == Vote.participant_id
            )
        ).all()
        assert sorted(votes) == sorted(voted)
        participants = connection.scalars(
            select(Participant.user_id).where(Participant.consultation_id == stage.consultation_id)
        ).all()
        assert sorted(participants) == sorted({voter for voter, _ in voted})

        head = connection.scalar(select(LogHead.size))
        indexes = connection.scalars(select(Event.leaf_index).order_by(Event.leaf_index)).all()
        assert indexes == list(range(head))
    with make_session_factory(engine)() as session:
        assert audit(session).first_bad_index is None
    return statuses


def _run(database_url: str, mix: Mix, tmp_path: Path) -> None:
    # The log's key, made before the server starts, so that the server and the
    # app that builds the world read the same one.
    settings = Settings(database_url=database_url)
    load_or_create_signer(settings.log_key_file, settings.log_origin)
    log = tmp_path / "server.log"
    engine = make_engine(database_url)
    try:
        # The server starts while the world is made.
        with serving(database_url, log) as ready:
            metadata.create_all(engine)
            world = build_world(database_url, engine)
            with closing(world.client):
                stage = _stage(world, engine, mix.voters)
            writes = _writes(stage, mix)
            assert len(writes) == mix.writes
            base = ready()
            began = time.monotonic()
            sent = _send_all(base, writes, mix.threads)
            took = time.monotonic() - began
        statuses = _check(stage, engine, sent, log)
    finally:
        engine.dispose()
    print(f"\n{len(sent)} writes from {mix.threads} threads in {took:.1f} s: {statuses}")


def test_concurrent_writers_on_postgresql(tmp_path: Path) -> None:
    with new_postgres_database() as database_url:
        _run(database_url, MIXES["postgresql"], tmp_path)


def test_concurrent_writers_on_sqlite(tmp_path: Path) -> None:
    _run(f"sqlite:///{tmp_path / 'agilegov.db'}", MIXES["sqlite"], tmp_path)


# ---------------------------------------------------------------- the safety net


def _undone(orig: Exception, kind: type[DBAPIError] = OperationalError) -> DBAPIError:
    return kind("UPDATE goals SET version=...", {}, orig)


@pytest.mark.parametrize(
    "error",
    [
        _undone(psycopg.errors.UniqueViolation("duplicate key"), IntegrityError),
        _undone(psycopg.errors.SerializationFailure("could not serialize access")),
        _undone(psycopg.errors.DeadlockDetected("deadlock detected")),
        _undone(Exception("database is locked")),
    ],
    ids=["unique", "serialization", "deadlock", "sqlite-busy"],
)
def test_a_write_undone_by_a_concurrent_one_is_a_409_never_a_500(
    tmp_path: Path, error: DBAPIError
) -> None:
    """What the services do not serialize themselves still answers what to do."""
    client = make_client(f"sqlite:///{tmp_path / 'agilegov.db'}")

    def clash() -> None:
        raise error

    client.app.add_api_route(f"{API}/clash", clash, methods=["POST"])  # type: ignore[attr-defined]
    client.app.add_api_route("/clash", clash, methods=["POST"])  # type: ignore[attr-defined]
    problem = assert_problem(client.post(f"{API}/clash"), 409)
    assert problem["title"] == "Conflicting change" and "send it again" in problem["detail"]
    page = client.post("/clash")
    assert page.status_code == 409 and page.headers["content-type"].startswith("text/html")
    assert "Conflicting change" in page.text and "submit it again" in page.text


def test_other_database_errors_stay_server_errors(tmp_path: Path) -> None:
    client = make_client(f"sqlite:///{tmp_path / 'agilegov.db'}")

    def broken() -> None:
        raise _undone(psycopg.errors.UndefinedTable("no such table"), DBAPIError)

    client.app.add_api_route(f"{API}/broken", broken, methods=["POST"])  # type: ignore[attr-defined]
    assert client.post(f"{API}/broken").status_code == 500
