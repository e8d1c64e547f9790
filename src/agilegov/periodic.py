"""Periodic work shared by every server process on one database: each job due runs
once, in one process, however many processes serve.

Each job has a row in ``periodic_jobs``. A process runs a job only after it has
*claimed* the job's due time with one conditional UPDATE (the row's next due time
moves on by the job's interval; the process whose UPDATE changed the row runs the
job, every other process's UPDATE changes nothing). A job that outlasts its
interval must not start again elsewhere meanwhile, so a process also holds the
job's lock while it runs it: on PostgreSQL a session advisory lock, on a SQLite
file an exclusive ``flock`` on a file beside the database (``<database>-periodic-
<job>.lock``). Both locks go with the process: one that dies mid-run holds none.

Why not a job queue: the PostgreSQL-backed ones (procrastinate) need PostgreSQL
and a worker beside the servers, while agilegov's default database is a SQLite
file served by one command; the jobs here are a handful of fixed intervals that
each server process already knows. One table and one UPDATE work the same on both
engines and keep the order, the intervals and the settings of the jobs as they are.

The rows are bookkeeping, not governance: claiming and finishing a job append no
record event. What the jobs themselves change is recorded by their services.
"""

import asyncio
import fcntl
import hashlib
import logging
import os
import re
import socket
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, Text, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from agilegov import clock, metrics
from agilegov.db import Base, UTCDateTime, make_session_factory
from agilegov.part import Job, installed
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork

log = logging.getLogger("agilegov")

ERROR_MAX = 1000


class PeriodicJob(Base):
    __tablename__ = "periodic_jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the last run failed, or None when it succeeded.
    last_error: Mapped[str | None] = mapped_column(Text)
    # Which process ran it last: "host:pid".
    run_by: Mapped[str | None] = mapped_column(String(200))


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ---------------------------------------------------------------- claiming


def claim(uow: UnitOfWork, name: str, every: timedelta, now: datetime) -> bool:
    """Whether this process is the one to run ``name`` now; if so, the job's next
    due time becomes ``now + every``. A job seen for the first time is due at once.

    The job is due when its due time has come, or when ``every`` has passed since
    it last started (so that a shorter interval takes effect without waiting out
    the longer one). Of processes claiming the same due time, one UPDATE changes
    the row and the others find it no longer due: on PostgreSQL the later UPDATE
    waits for the earlier one's row lock and then looks at the row again, on
    SQLite writers take turns. No record event: this is bookkeeping."""
    with uow:
        session = uow.session
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(PeriodicJob)
            .values(name=name, next_due_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        claimed = session.execute(
            update(PeriodicJob)
            .where(
                PeriodicJob.name == name,
                or_(PeriodicJob.next_due_at <= now, PeriodicJob.last_started_at <= now - every),
            )
            .values(next_due_at=now + every, last_started_at=now, run_by=this_process())
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def finish(uow: UnitOfWork, name: str, now: datetime, error: str | None) -> None:
    """Note that this process's run of ``name`` ended at ``now`` (failed with ``error``)."""
    with uow:
        uow.session.execute(
            update(PeriodicJob)
            .where(PeriodicJob.name == name)
            .values(last_finished_at=now, last_error=None if error is None else error[:ERROR_MAX])
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def due_times(uow: UnitOfWork, names: Collection[str]) -> dict[str, datetime]:
    """When each of the jobs named is next due (jobs never claimed are left out)."""
    with uow:
        rows = uow.session.execute(
            select(PeriodicJob.name, PeriodicJob.next_due_at).where(PeriodicJob.name.in_(names))
        )
        return {name: due for name, due in rows}


# ---------------------------------------------------------------- running alone


def _advisory_key(name: str) -> int:
    """A 64-bit advisory lock key for the job, unlikely to be any other lock's."""
    digest = hashlib.blake2b(f"agilegov periodic {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_file(database: str, name: str) -> Path:
    """The file a SQLite database's job is locked with, beside the database."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return Path(f"{database}-periodic-{slug}.lock")


@contextmanager
def running_alone(engine: Engine, name: str) -> Iterator[bool]:
    """Whether this process holds the lock of ``name`` (no other process is running
    it), held until the block ends. The lock is released if the process dies."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, _advisory_key(name)) as held:
            yield held
        return
    database = engine.url.database
    if not database or database == ":memory:":
        # A database in memory belongs to this process: nobody else can run its jobs.
        yield True
        return
    with _file_lock(lock_file(database, name)) as held:
        yield held


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    # A session lock on a connection of its own, in autocommit: held while the job
    # runs without keeping a transaction open all that time.
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                # A connection lost meanwhile took its lock with it.
                with suppress(DBAPIError):
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    # flock, not fcntl's record locks: flock belongs to the open file, so threads
    # of one process that open it each exclude each other too.
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


# ---------------------------------------------------------------- the server's loop


@dataclass(frozen=True)
class PeriodicStep:
    """Work the server does every ``every`` seconds."""

    name: str
    every: float
    run: Callable[[], Any]


class Outcome(Enum):
    ran = "ran"
    not_due = "not due"
    busy = "running elsewhere"


def run_if_due(step: PeriodicStep, engine: Engine, uow: UnitOfWork) -> Outcome:
    """Run ``step`` if it is due and this process claims it; a step that fails is
    logged, noted in its row and run again at its next turn."""
    with running_alone(engine, step.name) as alone:
        if not alone:
            return Outcome.busy
        started = clock.now()
        if not claim(uow, step.name, timedelta(seconds=step.every), started):
            return Outcome.not_due
        error = None
        timer = time.perf_counter()
        try:
            step.run()
        except Exception as problem:
            log.exception("periodic %s failed", step.name, extra={"job": step.name})
            error = f"{type(problem).__name__}: {problem}"
        seconds = time.perf_counter() - timer
        finished = clock.now()
        metrics.periodic_run(step.name, seconds, failed=error is not None)
        finish(uow, step.name, finished, error)
        log.info(
            "periodic %s ran from %s to %s",
            step.name,
            started.isoformat(),
            finished.isoformat(),
            extra={
                "event": "periodic",
                "job": step.name,
                "started": started.isoformat(),
                "finished": finished.isoformat(),
                "duration_seconds": round(seconds, 6),
                "failed": error is not None,
                "run_by": this_process(),
            },
        )
    return Outcome.ran


def seconds_to_wait(
    steps: Sequence[PeriodicStep],
    due: Mapping[str, datetime],
    later: Collection[str],
    now: datetime,
) -> float:
    """How long the loop sleeps: until the first step is due, and never longer than a
    step's interval. The steps ``later`` (running in another process, which runs
    them again if they are overdue, or not claimed for an error) and those with no
    due time are looked at again an interval later."""

    def wait(step: PeriodicStep) -> float:
        if step.name in later or step.name not in due:
            return step.every
        return min(step.every, max(0.0, (due[step.name] - now).total_seconds()))

    return min(wait(step) for step in steps)


async def run_periodically(steps: Sequence[PeriodicStep], engine: Engine) -> None:
    """Run each step when it is due, in the order given, each in a worker thread;
    of all the processes doing the same on one database, one runs each due step. A
    step that fails is logged and run again at its next turn, and the others go on
    (one failed pass must not stop the server's clock)."""
    if not steps:
        return
    uow = UnitOfWork(make_session_factory(engine))
    names = [step.name for step in steps]
    due: dict[str, datetime] = {}
    while True:
        later = set()
        for step in steps:
            if step.name in due and due[step.name] > clock.now():
                continue
            try:
                if await asyncio.to_thread(run_if_due, step, engine, uow) is Outcome.busy:
                    later.add(step.name)
            except Exception:  # the bookkeeping failed (the database is away)
                log.exception("periodic %s: its bookkeeping failed", step.name)
                later.add(step.name)
        try:
            due = await asyncio.to_thread(due_times, uow, names)
        except Exception:
            log.exception("the periodic jobs' due times could not be read")
            due = {}
        await asyncio.sleep(seconds_to_wait(steps, due, later, clock.now()))


def periodic_steps(session_factory: sessionmaker, settings: Settings) -> list[PeriodicStep]:
    """Every part's jobs, in their order (old counts of failed sign-ins, review-by
    checks, scrapes, evaluations, then webhook deliveries: what a check or an
    evaluation has to tell is sent in the same pass); a job whose interval is 0
    never runs."""

    def step(every: float, job: Job) -> PeriodicStep:
        def run() -> None:
            job.run(UnitOfWork(session_factory), settings)

        return PeriodicStep(job.name, every, run)

    return [step(job.every(settings), job) for job in enabled_jobs(settings)]


def enabled_jobs(settings: Settings) -> list[Job]:
    """Every part's jobs that a server with ``settings`` runs, in their order: none
    with no periodic work at all (``tick_interval_seconds`` 0), else those whose
    interval is not 0."""
    if settings.tick_interval_seconds <= 0:
        return []
    jobs = sorted((job for part in installed() for job in part.jobs), key=lambda job: job.order)
    return [job for job in jobs if job.every(settings) > 0]


# ---------------------------------------------------------------- gauges


def overdue_jobs(settings: Settings) -> metrics.Reader:
    """The gauges of the jobs a server with ``settings`` runs that are overdue: past
    their due time and not yet claimed by any process (work waiting its turn)."""
    names = [job.name for job in enabled_jobs(settings)]

    def read(session: Any) -> Iterator[Any]:
        now = clock.now()
        rows = session.execute(
            select(PeriodicJob.name, PeriodicJob.next_due_at).where(PeriodicJob.name.in_(names))
        )
        late = {name: max(0.0, (now - due).total_seconds()) for name, due in rows}
        yield metrics.gauge(
            "agilegov_periodic_jobs_overdue",
            "Periodic jobs past their due time that no process has started yet.",
            sum(1 for seconds in late.values() if seconds > 0),
        )
        yield metrics.gauge(
            "agilegov_periodic_job_overdue_seconds",
            "How long a periodic job has been past its due time without starting (0: not due).",
            {(name,): late.get(name, 0.0) for name in names},
            labels=["job"],
        )

    return read
