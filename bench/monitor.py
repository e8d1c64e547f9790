"""Benchmark of monitoring: observations ingested per second next to each database's raw
ceiling, and indicators evaluated over their windows.

Run from the repository root:

    python bench/monitor.py                     # 1,000,000 observations a side, a few minutes
    python bench/monitor.py --quick             # 200,000 a side, under a minute
    python bench/monitor.py --no-postgres       # SQLite only
    python bench/monitor.py --markdown bench/monitor-results.md

In one run, on SQLite and on PostgreSQL: batches of 10,000 observations stored through
``agilegov.monitor.service.ingest`` (indicator keys resolved, values checked, the batch
inserted skipping duplicates, one record event with the batch's digest), and the very same
rows inserted into the same ``observations`` table with no logic at all (``executemany`` on
SQLite, ``COPY`` on PostgreSQL): the raw ceiling. Then the evaluation engine
(``agilegov.monitor.evaluation.evaluate``) on 10,000 indicators x 1,000 observations, and
``agilegov.monitor.service.evaluate_scope`` end to end when it exists. Every measurement runs
in a fresh process. See bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from scratch_postgres import libpq, postgres_database

MIB = 1024 * 1024
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
DAY = 86_400
SOURCE = "bench"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGETS = {"sqlite_rate": 200_000.0, "of_raw": 0.5, "evaluation_seconds": 1.0}
COPY = "COPY observations (indicator_id, time, value, source, recorded_at) FROM STDIN"

# A realistic mix of rules, repeated every 20 indicators: (aggregate, window in days, and for
# a ratio the positions of its numerator and denominator within the block).
MIX: tuple[tuple[str, int, int | None, int | None], ...] = (
    ("mean", 7, None, None),
    ("mean", 7, None, None),
    ("mean", 1, None, None),
    ("mean", 30, None, None),
    ("last", 7, None, None),
    ("last", 1, None, None),
    ("max", 7, None, None),
    ("min", 7, None, None),
    ("p95", 7, None, None),
    ("p95", 1, None, None),
    ("p95", 30, None, None),
    ("sum", 7, None, None),
    ("count", 7, None, None),
    ("sum", 7, None, None),
    ("ratio", 7, 13, 12),
    ("rate", 7, None, None),
    ("rate", 1, None, None),
    ("count", 1, None, None),
    ("ratio", 30, 11, 17),
    ("mean", 7, None, None),
)
# Observations of the evaluation workloads are this far apart: 1,000 of them span 6.9 days.
SPACING = 600


@dataclass(frozen=True)
class Spec:
    """One indicator of the evaluation workloads."""

    aggregate: str
    window_days: int
    direction: str
    acceptable_level: float
    target: float
    numerator: int | None  # positions among all the indicators
    denominator: int | None


def mix(count: int) -> list[Spec]:
    """``count`` indicators: the MIX of rules, directions alternating, levels that most
    values meet (some with a warning), and one indicator in 100 that cannot be met."""
    specs = []
    for position in range(count):
        block, offset = divmod(position, len(MIX))
        aggregate, days, numerator, denominator = MIX[offset]
        base = block * len(MIX)
        if aggregate == "ratio" and base + max(numerator or 0, denominator or 0) >= count:
            aggregate, numerator, denominator = "mean", None, None  # a cut-off last block
        higher = position % 2 == 0
        # Values are >= 0 and <= 1,000 (counts and sums of values in [0, 1); the counters'
        # rates); the target makes the values above (or below) 0.5 a warning.
        acceptable = -1.0 if higher else 1e6
        if position % 100 == 99:  # in breach
            acceptable = 1e6 if higher else -1.0
        specs.append(
            Spec(
                aggregate=aggregate,
                window_days=days,
                direction="higher_is_better" if higher else "lower_is_better",
                acceptable_level=acceptable,
                target=0.5,
                numerator=None if numerator is None else base + numerator,
                denominator=None if denominator is None else base + denominator,
            )
        )
    return specs


# --------------------------------------------------------------------------- helpers


def max_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def postgres_admin(url: str, *statements: str) -> list[Any]:
    """Run statements outside a transaction (CHECKPOINT, VACUUM, TRUNCATE); the last one's
    first value back. A statement the role may not run (CHECKPOINT) is skipped."""
    import psycopg

    answers = []
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        for statement in statements:
            try:
                cursor = connection.execute(statement)
                answers.append(cursor.fetchone()[0] if cursor.description else None)
            except psycopg.errors.InsufficientPrivilege:
                answers.append(None)
    return answers


# --------------------------------------------------------------------------- setup


def create_database(url: str, indicators: int, create: bool = True) -> dict[str, Any]:
    """The tables, an organization, a scope and its goal, and ``indicators`` indicators
    created through the goals service (``ingest.<n>``). Returns the scope id and keys."""
    from agilegov import scoped
    from agilegov.auth import SYSTEM
    from agilegov.db import make_engine, make_session_factory
    from agilegov.goals.service import GOAL, INDICATOR
    from agilegov.organizations.models import Membership, Organization, User
    from agilegov.scopes.schemas import ScopeCreate
    from agilegov.scopes.service import create_scope
    from agilegov.tables import metadata
    from agilegov.uow import UnitOfWork

    if url.startswith("sqlite") and create:
        remove_database(Path(sqlite_path(url)))
    engine = make_engine(url)
    metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory.begin() as session:  # an organization with one owner, told of breaches
        if session.get(Organization, 1) is None:
            session.add(
                Organization(id=1, slug="bench", name="Bench", kind="business", created_at=EPOCH)
            )
            session.add(
                User(
                    id=1,
                    email="bench@example.org",
                    name="Bench",
                    password_hash="-",
                    created_at=EPOCH,
                )
            )
            session.flush()
            session.add(Membership(organization_id=1, user_id=1, role="owner", created_at=EPOCH))
    uow = UnitOfWork(factory)
    scope = ScopeCreate(organization_id=1, name="Bench", kind="ai_system", visibility="public")
    scope_id = create_scope(uow, SYSTEM, scope).id  # with its cycle
    uow = UnitOfWork(factory)
    goal = scoped.create_item(
        uow,
        SYSTEM,
        scope_id,
        GOAL,
        GOAL.create(
            title="Reliable service",
            level="specific",
            direction="higher_is_better",
            unit="ratio",
            acceptable_level=-1.0,
            target=0.5,
        ),
    )
    keys = [f"ingest.{number}" for number in range(indicators)]
    for key in keys:
        scoped.create_item(
            uow,
            SYSTEM,
            scope_id,
            INDICATOR,
            INDICATOR.create(goal_id=goal.id, key=key, name=key, data_source="bench"),
        )
    engine.dispose()
    return {"scope_id": scope_id, "goal_id": goal.id, "keys": keys}


# --------------------------------------------------------------------------- the ingest rows


def batch_rows(start: int, count: int, indicators: int) -> list[tuple[int, datetime, float]]:
    """Observations start..start+count as (indicator position, time, value), time-major:
    every indicator at one time, then the next minute; no two rows share indicator and time."""
    rows = []
    for number in range(start, start + count):
        tick, position = divmod(number, indicators)
        value = ((number * 2_654_435_761) % 1_000_003) / 1_000_003
        rows.append((position, EPOCH + timedelta(seconds=60 * tick), value))
    return rows


def sqlite_text(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff``: how agilegov stores a UTC time on SQLite (recorded_at)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def sqlite_microseconds(moment: datetime) -> int:
    """How agilegov stores an observation's time on SQLite: microseconds since 1970."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def batches(total: int, batch: int) -> list[tuple[int, int]]:
    return [(start, min(batch, total - start)) for start in range(0, total, batch)]


# --------------------------------------------------------------------------- ingest: ours


def ours_ingest(url: str, scope_id: int, keys: list[str], total: int, batch: int) -> dict[str, Any]:
    """Batches through the service, each its own unit of work; the first one warms up and
    is left out of the rate."""
    from agilegov.auth import SYSTEM
    from agilegov.db import make_engine, make_session_factory
    from agilegov.monitor.ingest import Row
    from agilegov.monitor.service import ingest
    from agilegov.uow import UnitOfWork

    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    timed = stored = 0
    elapsed = 0.0
    for number, (start, count) in enumerate(batches(total, batch)):
        rows = [
            Row(keys[position], moment, value, SOURCE, f"observations[{offset}]")
            for offset, (position, moment, value) in enumerate(batch_rows(start, count, len(keys)))
        ]
        began = time.perf_counter()
        result = ingest(uow, SYSTEM, rows, scope_id=scope_id)
        took = time.perf_counter() - began
        if result.stored != count:
            raise RuntimeError(f"stored {result.stored} of {count}: the rows are not fresh")
        stored += result.stored
        if number > 0:
            elapsed += took
            timed += count
    engine.dispose()
    return {"rate": timed / elapsed, "stored": stored, "batches": -(-total // batch)}


# --------------------------------------------------------------------------- ingest: raw


def raw_sqlite(url: str, ids: list[int], total: int, batch: int) -> dict[str, Any]:
    """The same rows with ``executemany`` on a plain ``sqlite3`` connection, agilegov's
    pragmas, one ``BEGIN IMMEDIATE`` transaction per batch."""
    connection = sqlite3.connect(sqlite_path(url), isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
        connection.execute(f"PRAGMA {pragma}")
    settings = {
        name: connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys")
    }
    insert = (
        "INSERT INTO observations (indicator_id, time, value, source, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    timed = 0
    elapsed = 0.0
    for number, (start, count) in enumerate(batches(total, batch)):
        recorded = sqlite_text(datetime.now(UTC))
        rows = [
            (ids[position], sqlite_microseconds(moment), value, SOURCE, recorded)
            for position, moment, value in batch_rows(start, count, len(ids))
        ]
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, rows)
        connection.execute("COMMIT")
        took = time.perf_counter() - began
        if number > 0:
            elapsed += took
            timed += count
    stored = connection.execute("SELECT count(*) FROM observations").fetchone()[0]
    connection.close()
    return {"rate": timed / elapsed, "stored": stored, "settings": settings}


def raw_postgres(url: str, ids: list[int], total: int, batch: int) -> dict[str, Any]:
    """The same rows with ``COPY ... FROM STDIN``, one transaction per batch."""
    import psycopg

    timed = 0
    elapsed = 0.0
    with psycopg.connect(libpq(url)) as connection:
        for number, (start, count) in enumerate(batches(total, batch)):
            recorded = datetime.now(UTC)
            rows = [
                (ids[position], moment, value, SOURCE, recorded)
                for position, moment, value in batch_rows(start, count, len(ids))
            ]
            began = time.perf_counter()
            with connection.cursor() as cursor, cursor.copy(COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            connection.commit()
            took = time.perf_counter() - began
            if number > 0:
                elapsed += took
                timed += count
        stored = connection.execute("SELECT count(*) FROM observations").fetchone()[0]
        settings = {
            name: connection.execute(f"SHOW {name}").fetchone()[0]
            for name in ("synchronous_commit", "fsync", "wal_sync_method", "server_version")
        }
    return {"rate": timed / elapsed, "stored": stored, "settings": settings}


def indicator_ids(url: str, scope_id: int, keys: list[str]) -> list[int]:
    from sqlalchemy import select

    from agilegov.db import make_engine
    from agilegov.goals.models import Indicator

    engine = make_engine(url)
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(Indicator.key, Indicator.id).where(Indicator.scope_id == scope_id)
            ).all()
        )
    engine.dispose()
    return [found[key] for key in keys]


def sqlite_settings(url: str) -> dict[str, Any]:
    from agilegov.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        settings = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
    engine.dispose()
    return settings


# --------------------------------------------------------------------------- evaluation


def workload(indicators: int, per: int, seed: int) -> tuple[Any, ...]:
    """Observations of ``indicators`` indicators, ``per`` each, SPACING seconds apart, in
    (indicator, time) order; ids numbered as they would arrive (time-major)."""
    import numpy as np

    from agilegov.monitor.evaluation import Rule

    specs = mix(indicators)
    rules = [
        Rule(
            spec.aggregate,
            spec.window_days * DAY,
            spec.direction,
            spec.acceptable_level,
            spec.target,
            spec.numerator,
            spec.denominator,
        )
        for spec in specs
    ]
    rng = np.random.default_rng(seed)
    start = EPOCH.timestamp()
    indicator = np.repeat(np.arange(indicators, dtype=np.int64), per)
    tick = np.tile(np.arange(per, dtype=np.int64), indicators)
    times = start + SPACING * tick.astype(np.float64)
    values = rng.random(indicators * per)
    # Counters for the rate rules: increasing, reset once in a while.
    counters = np.flatnonzero([spec.aggregate == "rate" for spec in specs])
    for position in counters.tolist():
        part = slice(position * per, (position + 1) * per)
        steps = rng.integers(0, 20, per).astype(np.float64)
        counter = np.cumsum(steps)
        counter[per // 2 :] = np.cumsum(steps[per // 2 :])  # a reset half-way
        values[part] = counter
    ids = tick * indicators + indicator + 1
    at = start + SPACING * (per - 1)
    return rules, indicator, times, values, ids, at


def engine_evaluate(indicators: int, per: int, repeat: int, seed: int) -> dict[str, Any]:
    """``evaluate`` on arrays already in memory, ``repeat`` times, then once more under
    tracemalloc (NumPy reports its buffers to it) for the memory it needs beyond its inputs."""
    import numpy as np

    from agilegov.monitor.evaluation import STATUS_NAMES, evaluate

    rules, indicator, times, values, ids, at = workload(indicators, per, seed)
    took = []
    result = None
    for _ in range(repeat):
        began = time.perf_counter()
        result = evaluate(rules, indicator, times, values, at, ids)
        took.append(time.perf_counter() - began)
    assert result is not None
    del result
    tracemalloc.start()
    result = evaluate(rules, indicator, times, values, at, ids)
    heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    statuses = np.bincount(result.status, minlength=len(STATUS_NAMES))
    inputs = sum(array.nbytes for array in (indicator, times, values, ids))
    return {
        "best": min(took),
        "median": statistics.median(took),
        "runs": took,
        "heap": heap,
        "inputs": inputs,
        "observations": int(indicator.size),
        "statuses": dict(zip(STATUS_NAMES, statuses.tolist(), strict=True)),
    }


# Observations generated inside the database for prepare_scope, time-major: tick n of every
# indicator of the scope, then tick n + 1. Counters for the rate rules, values in [0, 1) else.
GENERATE_POSTGRESQL = (
    "INSERT INTO observations (indicator_id, time, value, source, recorded_at) "
    "SELECT i.id, to_timestamp(:start + n * :spacing), "
    "CASE WHEN i.aggregate = 'rate' THEN n * 10 + (i.id % 7) "
    "ELSE ((i.id * 7919 + n * 104729) % 1000) / 1000.0 END, :source, now() "
    "FROM generate_series(CAST(:low AS integer), CAST(:high AS integer)) AS n "
    "CROSS JOIN (SELECT id, aggregate FROM indicators WHERE scope_id = :scope) AS i "
    "ORDER BY n, i.id"
)
GENERATE_SQLITE = (
    "WITH RECURSIVE ticks(n) AS (SELECT :low UNION ALL SELECT n + 1 FROM ticks WHERE n < :high) "
    "INSERT INTO observations (indicator_id, time, value, source, recorded_at) "
    "SELECT i.id, (:start + n * :spacing) * 1000000, "
    "CASE WHEN i.aggregate = 'rate' THEN n * 10 + (i.id % 7) "
    "ELSE ((i.id * 7919 + n * 104729) % 1000) / 1000.0 END, :source, :recorded "
    "FROM ticks CROSS JOIN indicators AS i WHERE i.scope_id = :scope"
)


def prepare_scope(url: str, indicators: int, per: int) -> dict[str, Any]:
    """Setup, not measured: a scope of ``indicators`` indicators with the MIX of rules, inserted
    with SQLAlchemy Core, and ``per`` observations each generated inside the database,
    time-major (as they would have arrived), SPACING seconds apart."""
    from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, insert, select, text
    from sqlalchemy.schema import AddConstraint, DropConstraint

    from agilegov.db import make_engine
    from agilegov.goals.models import Indicator
    from agilegov.monitor.models import Observation

    made = create_database(url, 0, create=url.startswith("sqlite"))
    scope_id, goal_id = made["scope_id"], made["goal_id"]
    specs = mix(indicators)
    engine = make_engine(url)
    now = datetime.now(UTC)

    def row(position: int, spec: Spec, ids: dict[int, int]) -> dict[str, Any]:
        return {
            "scope_id": scope_id,
            "goal_id": goal_id,
            "key": f"scope.{position}",
            "name": f"Indicator {position}",
            "description": "",
            "unit": "ratio",
            "direction": spec.direction,
            "acceptable_level": spec.acceptable_level,
            "target": spec.target,
            "window_days": spec.window_days,
            "aggregate": spec.aggregate,
            "numerator_id": None if spec.numerator is None else ids[spec.numerator],
            "denominator_id": None if spec.denominator is None else ids[spec.denominator],
            "allow_non_finite": False,
            "escalate_after": 3,
            "data_source": "bench",
            "created_at": now,
            "updated_at": now,
        }

    # Operands first, then the ratios that name them.
    plain = [(p, s) for p, s in enumerate(specs) if s.aggregate != "ratio"]
    ratios = [(p, s) for p, s in enumerate(specs) if s.aggregate == "ratio"]
    with engine.begin() as connection:
        connection.execute(insert(Indicator), [row(p, s, {}) for p, s in plain])
        found = dict(
            connection.execute(
                select(Indicator.key, Indicator.id).where(Indicator.scope_id == scope_id)
            ).all()
        )
        ids = {p: found[f"scope.{p}"] for p, _ in plain}
        if ratios:
            connection.execute(insert(Indicator), [row(p, s, ids) for p, s in ratios])

    postgresql = engine.dialect.name == "postgresql"
    start = int(EPOCH.timestamp())
    generate = text(GENERATE_POSTGRESQL)
    parameters = {
        "start": start,
        "spacing": SPACING,
        "scope": scope_id,
        "source": SOURCE,
        "recorded": sqlite_text(now),
    }
    chunk = max(1, 1_000_000 // max(indicators, 1))  # about a million rows per transaction
    ranges = [(low, min(per, low + chunk) - 1) for low in range(0, per, chunk)]
    if postgresql:
        # Setup: the rows first, then the table's unique index and foreign key built once
        # (the same constraints, from the metadata) rather than kept up row by row.
        table = Observation.__table__
        constraints = [
            constraint
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint | ForeignKeyConstraint)
        ]
        with engine.begin() as connection:
            for constraint in constraints:
                connection.execute(DropConstraint(constraint))
        for low, high in ranges:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                connection.execute(generate, {"low": low, "high": high, **parameters})
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            for constraint in constraints:
                connection.execute(AddConstraint(constraint))
    else:
        # Setup, so neither durable nor short of cache: the index takes rows time-major.
        connection = sqlite3.connect(sqlite_path(url), isolation_level=None)
        for pragma in ("foreign_keys=ON", "synchronous=OFF", "cache_size=-2000000"):
            connection.execute(f"PRAGMA {pragma}")
        for low, high in ranges:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(GENERATE_SQLITE, {"low": low, "high": high, **parameters})
            connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    engine.dispose()
    if postgresql:
        postgres_admin(url, "VACUUM ANALYZE observations", "CHECKPOINT")
    at = EPOCH + timedelta(seconds=SPACING * (per - 1))
    return {"scope_id": scope_id, "at": at, "observations": indicators * per}


def ours_evaluate_scope(url: str, scope_id: int, at: datetime) -> dict[str, Any]:
    """End to end through the service: ``evaluate_scope`` reads the scope's observations,
    evaluates every indicator, stores the evaluations and their evidence. Run in a fresh
    process; the database was prepared by :func:`prepare_scope`."""
    from sqlalchemy import func, select

    import agilegov.parts  # noqa: F401  (a breach opens a trigger: the parts' registry)
    from agilegov.auth import SYSTEM
    from agilegov.db import make_engine, make_session_factory
    from agilegov.monitor import service
    from agilegov.monitor.models import Evaluation
    from agilegov.uow import UnitOfWork

    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    base = max_rss()
    began = time.perf_counter()
    service.evaluate_scope(uow, SYSTEM, scope_id, at=at)  # type: ignore[attr-defined]
    took = time.perf_counter() - began
    rss = max_rss() - base
    with engine.connect() as connection:
        stored = connection.scalar(
            select(func.count()).select_from(Evaluation).where(Evaluation.scope_id == scope_id)
        )
    engine.dispose()
    return {"seconds": took, "rss": rss, "evaluations": stored}


def has_evaluate_scope() -> bool:
    from agilegov.monitor import service

    return callable(getattr(service, "evaluate_scope", None))


# --------------------------------------------------------------------------- running


def in_fresh_process(function: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    """Run one measurement in a new interpreter: its own memory peak, cold caches."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *arguments).result()


def one_value(function: Callable[..., Any], *arguments: Any) -> Any:
    return in_fresh_process(_wrapped, function, *arguments)["value"]


def _wrapped(function: Callable[..., Any], *arguments: Any) -> dict[str, Any]:
    return {"value": function(*arguments)}


@dataclass
class Row:
    metric: str
    ours: float | None
    raw: float | None
    unit: str  # "/s" rates (higher is better), " s" durations and "MiB" (lower is better)
    at_least: float | None = None  # target for a rate
    at_most: float | None = None  # target for a duration
    of_raw: float | None = None  # target for ours / raw
    missing: str = "n/a"  # what the agilegov cell says when there is no figure

    def cells(self) -> list[str]:
        return [
            self.metric,
            self._value(self.ours) if self.ours is not None else self.missing,
            self._value(self.raw),
            self._ratio(),
            self._target(),
            self._met(),
        ]

    def _value(self, value: float | None, prefix: str = "") -> str:
        if value is None:
            return "n/a"
        if self.unit == "MiB":
            return f"{prefix}{value / MIB:,.1f} MiB"
        if self.unit == " s":
            return f"{prefix}{value:,.3f} s"
        return f"{prefix}{value:,.0f}{self.unit}"

    def _ratio(self) -> str:
        if self.ours is None or not self.raw:
            return "n/a"
        return f"{self.ours / self.raw:,.2f}x"

    def _target(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(self._value(self.at_least, "≥ "))
        if self.at_most is not None:
            parts.append(self._value(self.at_most, "≤ "))
        if self.of_raw is not None:
            parts.append(f"≥ {self.of_raw:.2f}x raw")
        return " and ".join(parts) or "—"

    def _met(self) -> str:
        checks = []
        if self.ours is None:
            return "—" if self._target() == "—" else "n/a"
        if self.at_least is not None:
            checks.append(("rate", self.ours >= self.at_least))
        if self.at_most is not None:
            checks.append(("time", self.ours <= self.at_most))
        if self.of_raw is not None:
            checks.append(("ratio", bool(self.raw) and self.ours / self.raw >= self.of_raw))
        if not checks:
            return "—"
        if all(ok for _, ok in checks):
            return "yes"
        if len(checks) == 1:
            return "no"
        return ", ".join(f"{name} {'yes' if ok else 'no'}" for name, ok in checks)


HEADERS = ["metric", "agilegov", "raw ceiling", "ratio (ours/raw)", "target", "met?"]


def markdown(rows: Sequence[Row], notes: Sequence[str]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    text = [line(HEADERS), line(["---"] + ["--:"] * 3 + ["--:", ":-:"])]
    text += [line(row.cells()) for row in rows]
    return "\n".join(text + [""] + [f"- {note}" for note in notes]) + "\n"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="agilegov's monitoring: ingest against each database's raw ceiling, "
        "and evaluation of indicators."
    )
    parser.add_argument(
        "--quick", action="store_true", help="200,000 observations a side, smaller scope"
    )
    parser.add_argument(
        "--observations",
        type=int,
        help="observations ingested on each side of each database (default 1,000,000; "
        "quick 200,000)",
    )
    parser.add_argument("--batch", type=int, default=10_000, help="observations per batch")
    parser.add_argument(
        "--indicators", type=int, default=100, help="indicators the ingested batches cover"
    )
    parser.add_argument(
        "--eval-indicators", type=int, default=10_000, help="indicators evaluated by the engine"
    )
    parser.add_argument(
        "--eval-observations",
        type=int,
        default=1_000,
        help="observations per indicator for the engine",
    )
    parser.add_argument("--repeat", type=int, help="engine evaluations (default 5; quick 3)")
    parser.add_argument(
        "--scope-indicators",
        type=int,
        help="indicators of the scope evaluated end to end (default 10,000; quick 1,000)",
    )
    parser.add_argument(
        "--scope-observations",
        type=int,
        help="observations per indicator, end to end (default 1,000; quick 100)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("AGILEGOV_BENCH_POSTGRES_URL", DEFAULT_SERVER),
        help="the PostgreSQL server: a new database is created on it for the run and dropped "
        f"afterwards (default {DEFAULT_SERVER})",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--dir", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite databases afterwards")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    options = parser.parse_args(argv)
    quick = options.quick
    options.observations = options.observations or (200_000 if quick else 1_000_000)
    options.repeat = options.repeat or (3 if quick else 5)
    options.scope_indicators = options.scope_indicators or (1_000 if quick else 10_000)
    options.scope_observations = options.scope_observations or (100 if quick else 1_000)
    if options.observations < 2 * options.batch:
        parser.error("--observations must be at least two batches (the first one warms up)")
    return options


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    console = Console()
    if not console.is_terminal:  # piped or redirected: room for the whole table
        console = Console(width=160)
    err = Console(stderr=True)
    scratch = options.dir or Path(tempfile.mkdtemp(prefix="agilegov-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    total, batch = options.observations, options.batch
    started = time.perf_counter()

    def step(what: str) -> None:
        err.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {what}", highlight=False)

    results: dict[str, Any] = {}
    end_to_end = has_evaluate_scope()
    try:
        # SQLite: ours and raw each on a database file of their own, set up the same way.
        ours_url = f"sqlite:///{scratch / 'ingest-agilegov.db'}"
        raw_url = f"sqlite:///{scratch / 'ingest-raw.db'}"
        step(f"SQLite: {options.indicators:,} indicators, twice (agilegov, raw)")
        made = in_fresh_process(create_database, ours_url, options.indicators)
        raw_made = in_fresh_process(create_database, raw_url, options.indicators)
        ids = one_value(indicator_ids, raw_url, raw_made["scope_id"], raw_made["keys"])
        step(f"SQLite: agilegov ingests {total:,} observations, {batch:,} per batch")
        results["sqlite_ours"] = in_fresh_process(
            ours_ingest, ours_url, made["scope_id"], made["keys"], total, batch
        )
        results["sqlite_ours"]["settings"] = one_value(sqlite_settings, ours_url)
        step(f"SQLite: raw executemany of the same {total:,} rows")
        results["sqlite_raw"] = in_fresh_process(raw_sqlite, raw_url, ids, total, batch)

        step(
            f"evaluation engine: {options.eval_indicators:,} indicators x "
            f"{options.eval_observations:,} observations, {options.repeat} runs"
        )
        results["engine"] = in_fresh_process(
            engine_evaluate,
            options.eval_indicators,
            options.eval_observations,
            options.repeat,
            options.seed,
        )
        scope_size = f"{options.scope_indicators:,} x {options.scope_observations:,}"
        scope_observations = options.scope_indicators * options.scope_observations
        if end_to_end:
            step(f"SQLite: preparing a scope of {scope_size} observations (setup)")
            scope_url = f"sqlite:///{scratch / 'scope.db'}"
            prepared = in_fresh_process(
                prepare_scope, scope_url, options.scope_indicators, options.scope_observations
            )
            step("SQLite: evaluate_scope")
            results["sqlite_scope"] = in_fresh_process(
                ours_evaluate_scope, scope_url, prepared["scope_id"], prepared["at"]
            )

        if not options.no_postgres:
            with postgres_database(options.postgres_url) as url:
                step(f"PostgreSQL: {options.indicators:,} indicators")
                made = in_fresh_process(create_database, url, options.indicators)
                ids = one_value(indicator_ids, url, made["scope_id"], made["keys"])
                postgres_admin(url, "VACUUM ANALYZE", "CHECKPOINT")
                step(f"PostgreSQL: agilegov ingests {total:,} observations, {batch:,} per batch")
                results["postgres_ours"] = in_fresh_process(
                    ours_ingest, url, made["scope_id"], made["keys"], total, batch
                )
                # A fresh observations table for the raw side, after a checkpoint like ours.
                postgres_admin(url, "TRUNCATE observations RESTART IDENTITY", "CHECKPOINT")
                step(f"PostgreSQL: raw COPY of the same {total:,} rows")
                results["postgres_raw"] = in_fresh_process(raw_postgres, url, ids, total, batch)
                if end_to_end:
                    postgres_admin(url, "TRUNCATE observations RESTART IDENTITY")
                    step(f"PostgreSQL: preparing a scope of {scope_size} observations (setup)")
                    prepared = in_fresh_process(
                        prepare_scope, url, options.scope_indicators, options.scope_observations
                    )
                    step("PostgreSQL: evaluate_scope")
                    results["postgres_scope"] = in_fresh_process(
                        ours_evaluate_scope, url, prepared["scope_id"], prepared["at"]
                    )
    finally:
        if not options.keep and options.dir is None:
            shutil.rmtree(scratch, ignore_errors=True)

    for side in ("sqlite_ours", "sqlite_raw", "postgres_ours", "postgres_raw"):
        if side in results and results[side]["stored"] != total:
            raise SystemExit(f"{side} stored {results[side]['stored']:,} of {total:,} rows")

    engine = results["engine"]
    full_size = (options.eval_indicators, options.eval_observations) == (10_000, 1_000)
    evaluated = f"{options.eval_indicators:,} indicators x {options.eval_observations:,}"
    not_there = "not run: no evaluate_scope yet"
    rows = [
        Row(
            f"SQLite: observations ingested/s, {batch:,} per batch (raw: executemany)",
            results["sqlite_ours"]["rate"],
            results["sqlite_raw"]["rate"],
            "/s",
            at_least=TARGETS["sqlite_rate"],
            of_raw=TARGETS["of_raw"],
        )
    ]
    if not options.no_postgres:
        rows.append(
            Row(
                f"PostgreSQL: observations ingested/s, {batch:,} per batch (raw: COPY)",
                results["postgres_ours"]["rate"],
                results["postgres_raw"]["rate"],
                "/s",
                of_raw=TARGETS["of_raw"],
            )
        )
    rows += [
        Row(
            f"evaluation engine, {evaluated} observations, seconds (best of {options.repeat})",
            engine["best"],
            None,
            " s",
            # The target is for 10,000 x 1,000: other sizes are shown without it.
            at_most=TARGETS["evaluation_seconds"] if full_size else None,
        ),
        Row(
            "tracemalloc peak, one engine evaluation (lower is better)",
            engine["heap"],
            None,
            "MiB",
        ),
    ]
    for name, key in [("SQLite", "sqlite_scope")] + (
        [] if options.no_postgres else [("PostgreSQL", "postgres_scope")]
    ):
        rows.append(
            Row(
                f"{name}: evaluate_scope end to end, {scope_size} observations, seconds",
                results[key]["seconds"] if key in results else None,
                None,
                " s",
                missing=not_there,
            )
        )
        if key in results:
            rows.append(
                Row(
                    f"{name}: peak RSS growth, evaluate_scope (lower is better)",
                    results[key]["rss"],
                    None,
                    "MiB",
                )
            )

    sqlite_ours = results["sqlite_ours"]["settings"]
    sqlite_raw = results["sqlite_raw"]["settings"]
    runs = ", ".join(f"{seconds:.3f}" for seconds in engine["runs"])
    statuses = ", ".join(f"{name} {count:,}" for name, count in engine["statuses"].items())
    notes = [
        f"Ingest: {total:,} observations on each side of each database, {batch:,} per batch "
        f"(one transaction each), {options.indicators:,} indicators, time-major (every "
        "indicator at one minute, then the next), all fresh; the first batch on each side "
        "warms up and is left out of the rate. agilegov: `monitor.service.ingest` (keys "
        "resolved, values checked, rows inserted skipping duplicates, one "
        "`observations.recorded` record event with the batch's SHA-256). Raw: the same rows "
        "into the same `observations` table (its unique index and foreign key), no logic.",
        f"SQLite: agilegov and raw each on a database file of its own; agilegov "
        f"journal_mode={sqlite_ours['journal_mode']}, synchronous={sqlite_ours['synchronous']}, "
        f"foreign_keys={sqlite_ours['foreign_keys']}; raw (plain sqlite3, BEGIN IMMEDIATE) "
        f"journal_mode={sqlite_raw['journal_mode']}, synchronous={sqlite_raw['synchronous']}, "
        f"foreign_keys={sqlite_raw['foreign_keys']}: every commit is on disk when it returns.",
    ]
    if not options.no_postgres:
        settings = results["postgres_raw"]["settings"]
        notes.append(
            f"PostgreSQL {settings['server_version']}: a new database for the run; raw is "
            "COPY ... FROM STDIN (psycopg write_row), one transaction per batch, into the same "
            "table emptied with TRUNCATE after agilegov's run (a CHECKPOINT before each side); "
            f"synchronous_commit={settings['synchronous_commit']}, fsync={settings['fsync']}, "
            f"wal_sync_method={settings['wal_sync_method']}."
        )
    notes += [
        f"Evaluation engine: `monitor.evaluation.evaluate` on {evaluated} observations "
        f"({engine['observations']:,}) already in memory, sorted by indicator then time, with "
        "ids; observations 10 minutes apart (6.9 days), evaluated at the last one; every 20 "
        "indicators: 5 mean, 3 p95, 2 last, 1 max, 1 min, 2 sum, 2 count, 2 rate (counters "
        "with a reset), 2 ratio; windows of 1, 7 and 30 days; levels most values meet, some "
        f"with a warning, one indicator in 100 in breach. Runs (s): {runs}; median "
        f"{engine['median']:.3f} s, {engine['observations'] / engine['best']:,.0f} "
        f"observations/s at best. Statuses: {statuses}. The tracemalloc peak is what one "
        f"evaluation allocates (sorted copies, windows, results) beyond its inputs "
        f"({engine['inputs'] / MIB:,.0f} MiB of arrays).",
    ]
    if end_to_end:
        parts = [
            f"{name} {results[key]['evaluations']:,} evaluations stored, "
            f"{scope_observations / results[key]['seconds']:,.0f} observations/s"
            for name, key in (("SQLite", "sqlite_scope"), ("PostgreSQL", "postgres_scope"))
            if key in results
        ]
        notes.append(
            f"End to end: `monitor.service.evaluate_scope` on a scope of {scope_size} "
            "observations (the same mix; observations generated inside the database, "
            "time-major, not measured), at the last observation, in a fresh process; one "
            "indicator in 100 in breach, so the run opens that many breach episodes, triggers "
            "and notifications to the organization's owner: " + "; ".join(parts) + "."
        )
    else:
        notes.append(
            "End to end: `monitor.service.evaluate_scope` does not exist yet, so its rows were "
            "not run (bench/monitor.py's `ours_evaluate_scope` is ready for it)."
        )
    notes += [
        "Command: `python bench/monitor.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
        + "`.",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, NumPy "
        f"{package_metadata.version('numpy')}, SQLAlchemy {package_metadata.version('sqlalchemy')}"
        f", psycopg {package_metadata.version('psycopg')}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}; {time.perf_counter() - started:,.0f} s in all.",
    ]

    table = Table(title="agilegov monitoring: ingest against the raw ceiling, and evaluation")
    for number, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*row.cells())
    console.print(table)
    for note in notes:
        console.print(f"• {note}")
    if options.markdown:
        options.markdown.write_text(markdown(rows, notes), encoding="utf-8")
        console.print(f"Markdown written to {options.markdown}")


if __name__ == "__main__":
    main()
