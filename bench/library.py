"""Benchmark of the framework library's import: the largest shared catalogue
file imported through the service (read, checked, stored with its event, on
SQLite and PostgreSQL) next to reading the same YAML with PyYAML's C loader
alone, in the same run.

Run from the repository root:

    python bench/library.py
    python bench/library.py --markdown results.md

The file is ../shared/data/frameworks/ciso-assistant/nist-csf-2.0.yaml (the
largest shared one). Each side runs REPEAT times; the best time counts. The
ratio is the C loader's time over the import's: at least 0.5 means importing
costs at most twice what parsing the file alone does.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from agilegov.auth import SYSTEM
from agilegov.db import make_engine, make_session_factory
from agilegov.library.service import import_file
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT.parent / "shared" / "data" / "frameworks" / "ciso-assistant" / "nist-csf-2.0.yaml"
TARGET_RATIO = 0.5
REPEAT = 7

console = Console(emoji=False)


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def import_time(url: str, data: bytes, repeat: int) -> float:
    """Best time of importing into an empty library, on one engine as a server
    keeps it: the library's rows are deleted between runs, untimed (the record
    keeps its events, as it must)."""
    engine = make_engine(url)
    metadata.create_all(engine)
    uow = UnitOfWork(make_session_factory(engine))
    times = []
    try:
        for _ in range(repeat):
            with engine.begin() as connection:
                for table in ("requirement_mappings", "mapping_sets", "requirements"):
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our tables
                connection.execute(text("DELETE FROM framework_versions"))
                connection.execute(text("DELETE FROM frameworks"))
            start = time.perf_counter()
            import_file(uow, SYSTEM, data, FILE.name)
            times.append(time.perf_counter() - start)
    finally:
        engine.dispose()
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--markdown", type=Path)
    options = parser.parse_args()
    if not FILE.exists():
        raise SystemExit(f"{FILE} is absent: the benchmark reads ../shared/data")
    data = FILE.read_bytes()
    parse = best(lambda: yaml.load(data, Loader=yaml.CSafeLoader), options.repeat)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as directory:
        rows.append(
            ("SQLite", import_time(f"sqlite:///{directory}/bench.db", data, options.repeat))
        )
    if not options.no_postgres:
        database = f"agilegov_bench_library_{int(time.time())}"
        server = create_engine(options.postgres_url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        try:
            url = options.postgres_url.rsplit("/", 1)[0] + f"/{database}"
            rows.append(("PostgreSQL", import_time(url, data, options.repeat)))
        finally:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            server.dispose()

    table = Table(title="agilegov library: importing the largest shared catalogue")
    for column in (
        "metric",
        "agilegov",
        "PyYAML C loader alone",
        "ratio (raw/ours)",
        "target",
        "met?",
    ):
        table.add_column(column)
    lines = [
        "| metric | agilegov | PyYAML C loader alone | ratio (raw/ours) | target | met? |",
        "| --- | --: | --: | --: | --: | :-: |",
    ]
    for engine, seconds in rows:
        ratio = parse / seconds
        cells = (
            f"{engine}: import {FILE.name} ({len(data) // 1024} KiB, 134 requirements), "
            f"best of {options.repeat}",
            f"{seconds * 1000:.1f} ms",
            f"{parse * 1000:.1f} ms",
            f"{ratio:.2f}x",
            f"≥ {TARGET_RATIO}x",
            "yes" if ratio >= TARGET_RATIO else "no",
        )
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    console.print(table)
    about = (
        f"Python {platform.python_version()}, PyYAML {yaml.__version__} "
        f"(libyaml {yaml.__with_libyaml__}), {platform.machine()}"
    )
    console.print(about)
    if options.markdown:
        options.markdown.write_text("\n".join(lines) + f"\n\n{about}\n")


if __name__ == "__main__":
    main()
