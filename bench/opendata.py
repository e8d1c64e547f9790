"""Benchmark of the open data's dump: a cut of a platform holding N record
events and M observations, side by side with what the database does alone.

- agilegov: ``opendata.cut_dump`` — every public table as CSV, JSON Lines and
  one SQLite file, each row with its record entry (the latest public event
  about it) and its licence, every entry with its inclusion proof, and the
  manifest with the signed checkpoint and each file's SHA-256;
- SQLite alone: the ``sqlite3`` command line's ``.dump`` of the same tables
  (``Connection.iterdump`` of the whole database when the command is absent),
  and ``VACUUM INTO`` (it copies the whole database: the events and the
  Merkle nodes too);
- PostgreSQL (when 127.0.0.1:5432 answers): the same cut, and ``COPY (SELECT
  the same rows) TO STDOUT`` in CSV through psycopg.

The platform is built with bulk inserts, not the services: one organization,
one published scope, G goals, 100 indicators, M observations spread over
them, and N events ``goal.updated`` about the goals (real leaves of the log,
appended in batches of 10,000). Each measurement runs in a fresh process, so
its peak memory (RSS, over the process's own after imports) is its own.

Run from the repository root:

    PYTHONPATH=src python bench/opendata.py                       # 1,000,000 and 5,000,000
    PYTHONPATH=src python bench/opendata.py --events 100000 --observations 500000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MIB = 1024 * 1024
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
ORIGIN = "bench.example/record"
INDICATORS = 100
BATCH = 10_000

console = Console(emoji=False)
if not console.is_terminal:
    console = Console(emoji=False, width=140)


def max_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def children_rss() -> int:
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# --------------------------------------------------------------------------- building


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def build(url: str, events: int, observations: int, goals: int) -> dict[str, Any]:
    """The platform, by bulk inserts; returns how long it took."""
    from sqlalchemy import insert

    import agilegov.parts  # noqa: F401 - every part's tables
    from agilegov.db import make_engine, make_session_factory
    from agilegov.goals.models import Goal, Indicator
    from agilegov.monitor.models import Observation
    from agilegov.organizations.models import Organization, User
    from agilegov.record import log
    from agilegov.record.log import NewEvent
    from agilegov.tables import metadata
    from agilegov.tenancy import Scope

    began = time.perf_counter()
    engine = make_engine(url)
    metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        session.add(
            Organization(id=1, slug="bench", name="Bench", kind="business", created_at=EPOCH)
        )
        session.add(
            User(id=1, email="bench@example.org", name="Bench", password_hash="-", created_at=EPOCH)
        )
        session.flush()
        session.add(
            Scope(
                id=1,
                organization_id=1,
                name="Bench",
                kind="ai_system",
                visibility="public",
                created_at=EPOCH,
                updated_at=EPOCH,
            )
        )
        session.flush()
        stamps = {"scope_id": 1, "created_at": EPOCH, "updated_at": EPOCH}
        session.execute(
            insert(Goal),
            [
                stamps | {"id": n, "level": "specific", "title": f"Goal {n}", "status": "active"}
                for n in range(1, goals + 1)
            ],
        )
        session.execute(
            insert(Indicator),
            [
                stamps
                | {
                    "id": n,
                    "goal_id": 1 + n % goals,
                    "key": f"bench.{n}",
                    "name": f"Indicator {n}",
                    "unit": "ratio",
                    "direction": "higher_is_better",
                    "acceptable_level": 0.5,
                    "window_days": 7,
                    "aggregate": "mean",
                    "data_source": "bench",
                }
                for n in range(1, INDICATORS + 1)
            ],
        )
    for start, count in _chunks(observations, 50_000):
        with factory.begin() as session:
            session.execute(
                insert(Observation),
                [
                    {
                        "indicator_id": 1 + n % INDICATORS,
                        "time": EPOCH + timedelta(seconds=n // INDICATORS),
                        "value": (n % 1000) / 1000,
                        "source": "bench",
                        "recorded_at": EPOCH,
                    }
                    for n in range(start, start + count)
                ],
            )
    for start, count in _chunks(events, BATCH):
        with factory.begin() as session:
            log.append(
                session,
                [
                    NewEvent(
                        time=EPOCH + timedelta(milliseconds=n),
                        type="goal.updated",
                        subject_type="goal",
                        subject_id=1 + n % goals,
                        actor_id=1,
                        organization_id=1,
                        scope_id=1,
                        payload={"title": f"Goal {1 + n % goals}"},
                        private=False,
                    )
                    for n in range(start, start + count)
                ],
            )
    engine.dispose()
    return {"seconds": time.perf_counter() - began}


# --------------------------------------------------------------------------- measuring


def ours(url: str, out: str) -> dict[str, Any]:
    import agilegov.parts  # noqa: F401
    from agilegov.db import make_engine, make_session_factory
    from agilegov.disclosure.opendata import cut_dump
    from agilegov.record.notes import generate_signer, verifier_key
    from agilegov.uow import UnitOfWork

    uow = UnitOfWork(make_session_factory(make_engine(url)))
    signer = generate_signer(ORIGIN)
    base = max_rss()
    began = time.perf_counter()
    folder = cut_dump(uow, signer, ORIGIN, Path(out))
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "rss": max_rss() - base,
        "bytes": folder_bytes(folder),
        "key": verifier_key(signer),
        "folder": str(folder),
    }


def ours_verify(key: str, folder: str) -> dict[str, Any]:
    from agilegov.disclosure.dump import verify_dump

    base = max_rss()
    began = time.perf_counter()
    verify_dump(Path(folder), key)
    return {"seconds": time.perf_counter() - began, "rss": max_rss() - base, "bytes": None}


def sqlite_dump(path: str, out: str, tables: Sequence[str]) -> dict[str, Any]:
    began = time.perf_counter()
    target = Path(out) / "dump.sql"
    if shutil.which("sqlite3"):
        with target.open("wb") as stream:
            subprocess.run(
                ["sqlite3", path, ".dump " + " ".join(tables)], stdout=stream, check=True
            )
        rss = children_rss()
    else:
        base = max_rss()
        database = sqlite3.connect(path)
        with target.open("w") as stream:
            for line in database.iterdump():
                stream.write(line + "\n")
        database.close()
        rss = max_rss() - base
    return {"seconds": time.perf_counter() - began, "rss": rss, "bytes": target.stat().st_size}


def sqlite_vacuum(path: str, out: str) -> dict[str, Any]:
    target = Path(out) / "copy.sqlite"
    base = max_rss()
    began = time.perf_counter()
    database = sqlite3.connect(path)
    database.execute("VACUUM INTO ?", (str(target),))
    database.close()
    return {
        "seconds": time.perf_counter() - began,
        "rss": max_rss() - base,
        "bytes": target.stat().st_size,
    }


def postgres_copy(url: str, out: str) -> dict[str, Any]:
    """COPY of the same public rows, one CSV per table, through psycopg."""
    import psycopg
    from sqlalchemy import make_url

    import agilegov.parts  # noqa: F401
    from agilegov.db import make_engine
    from agilegov.disclosure.opendata import licence_of, public_tables

    engine = make_engine(url)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    base = max_rss()
    began = time.perf_counter()
    total = 0
    with psycopg.connect(libpq) as connection, connection.cursor() as cursor:
        for spec in public_tables():
            if spec.figures:  # worked out in Python, not a query to copy
                continue
            statement = spec.query(licence_of)
            query = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            target = Path(out) / f"{spec.name}.csv"
            command = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
            with target.open("wb") as stream, cursor.copy(command) as copy:
                for data in copy:
                    stream.write(data)
            total += target.stat().st_size
    engine.dispose()
    return {"seconds": time.perf_counter() - began, "rss": max_rss() - base, "bytes": total}


def stored_tables() -> list[str]:
    """The database tables the cut reads rows of (figure tables are worked out)."""
    import agilegov.parts  # noqa: F401
    from agilegov.disclosure.opendata import public_tables

    return sorted({spec.model.__tablename__ for spec in public_tables() if not spec.figures})


def in_fresh_process(function: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *arguments).result()


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- the table


def row(name: str, result: dict[str, Any], reference: dict[str, Any] | None) -> list[str]:
    # agilegov's time over the tool's, on the tool's row
    ratio = f"{reference['seconds'] / result['seconds']:.1f}x" if reference else ""
    size = f"{result['bytes'] / MIB:,.0f}" if result.get("bytes") is not None else ""
    return [name, f"{result['seconds']:,.1f}", ratio, f"{result['rss'] / MIB:,.0f}", size]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--observations", type=int, default=5_000_000)
    parser.add_argument("--goals", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(dir=arguments.dir))
    try:
        path = scratch / "platform.db"
        url = f"sqlite:///{path}"
        console.print(
            f"building {arguments.events:,} events, {arguments.observations:,} observations…"
        )
        built = in_fresh_process(
            build, url, arguments.events, arguments.observations, arguments.goals
        )
        console.print(f"built in {built['seconds']:,.0f} s ({path.stat().st_size / MIB:,.0f} MiB)")
        results: list[list[str]] = []
        cut_dir = scratch / "cut"
        mine = in_fresh_process(ours, url, str(cut_dir))
        results.append(row("agilegov cut (SQLite)", mine, None))
        checked = in_fresh_process(ours_verify, mine["key"], mine["folder"])
        results.append(row("agilegov open verify", checked, None))
        dumped = in_fresh_process(sqlite_dump, str(path), str(scratch), stored_tables())
        label = "sqlite3 .dump" if shutil.which("sqlite3") else "iterdump (whole database)"
        results.append(row(label, dumped, mine))
        vacuumed = in_fresh_process(sqlite_vacuum, str(path), str(scratch))
        results.append(row("VACUUM INTO (whole database)", vacuumed, mine))
        if not arguments.no_postgres and postgres_answers():
            sys.path.insert(0, str(Path(__file__).parent))
            from scratch_postgres import postgres_database

            with postgres_database(arguments.postgres_url) as pg_url:
                console.print("building the same on PostgreSQL…")
                in_fresh_process(
                    build, pg_url, arguments.events, arguments.observations, arguments.goals
                )
                pg_mine = in_fresh_process(ours, pg_url, str(scratch / "pg-cut"))
                results.append(row("agilegov cut (PostgreSQL)", pg_mine, None))
                copied = in_fresh_process(postgres_copy, pg_url, str(scratch))
                results.append(row("COPY … TO STDOUT, CSV", copied, pg_mine))
        table = Table(
            title=(
                f"Open data dump: {arguments.events:,} events, {arguments.observations:,} "
                f"observations, {arguments.goals:,} goals — {platform.python_implementation()} "
                f"{platform.python_version()}, {os.cpu_count()} CPUs"
            )
        )
        for heading in ("what", "seconds", "agilegov / it", "peak RSS MiB", "output MiB"):
            table.add_column(heading, justify="left" if heading == "what" else "right")
        for cells in results:
            table.add_row(*cells)
        console.print(table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
