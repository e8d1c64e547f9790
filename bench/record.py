"""Benchmark of the verifiable record: agilegov's Merkle log against pymerkle 7, side by side.

Run from the repository root (pymerkle is a benchmark-only extra, never a dependency):

    python -m pip install -e '.[bench]'
    python bench/record.py                      # 1,000,000 entries, a few minutes
    python bench/record.py --quick              # 100,000 entries, under a minute
    python bench/record.py --markdown bench/results.md

Both logs are durable SQLite files in the same scratch directory, built and measured
in the same run. Every measurement runs in a fresh process, so that peak memory
(``ru_maxrss``) belongs to that measurement alone and caches start cold. See
bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import shutil
import sqlite3
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

MIB = 1024 * 1024
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
TARGETS = {"batched": 50_000.0, "inclusion": 10_000.0, "audit": 500_000.0}


# --------------------------------------------------------------------------- workload


def new_event(number: int) -> Any:
    """A realistic small event: an indicator value observed in a public scope."""
    from agilegov.record.log import NewEvent

    return NewEvent(
        time=EPOCH + timedelta(milliseconds=number),
        type="observation.recorded",
        subject_type="observation",
        subject_id=number + 1,
        actor_id=1,
        organization_id=1,
        scope_id=1,
        payload={"value": (number % 1000) / 1000, "source": "bench"},
        private=False,
    )


def events(start: int, count: int) -> list[Any]:
    return [new_event(number) for number in range(start, start + count)]


def leaf_of(index: int, event: Any) -> bytes:
    """The bytes agilegov hashes for this event: what pymerkle is given as its entry."""
    from agilegov.record.log import leaf_bytes

    return leaf_bytes(
        index,
        event.time,
        event.type,
        event.subject_type,
        event.subject_id,
        event.actor_id,
        event.organization_id,
        event.scope_id,
        event.payload,
        None,
    )


def max_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --------------------------------------------------------------------------- agilegov


def open_ours(path: Path, create: bool) -> Any:
    """A session factory on agilegov's SQLite engine (WAL, synchronous=FULL, BEGIN IMMEDIATE)."""
    from agilegov.db import make_engine, make_session_factory
    from agilegov.organizations.models import Organization, User
    from agilegov.tables import metadata
    from agilegov.tenancy import Scope

    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    if create:
        remove_database(path)
        metadata.create_all(engine)
        with factory.begin() as session:  # the rows the events point to
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
    return factory


def ours_build(path: Path, entries: int, batch: int, traced_batch: int | None) -> dict[str, Any]:
    from agilegov.record import log

    factory = open_ours(path, create=True)
    with factory() as session:
        settings = {
            name: session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous")
        }
    base = max_rss()
    timed = elapsed = 0.0
    heap_peak = None
    for number, start in enumerate(range(0, entries, batch)):
        chunk = events(start, min(batch, entries - start))
        traced = number == traced_batch
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        with factory.begin() as session:
            log.append(session, chunk)
        took = time.perf_counter() - began
        if traced:
            heap_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            elapsed += took
            timed += len(chunk)
    with factory() as session:
        size = log.log_size(session)
    return {
        "rate": timed / elapsed,
        "size": size,
        "rss": max_rss() - base,
        "heap": heap_peak,
        "settings": settings,
    }


def ours_single(path: Path, commits: int) -> dict[str, Any]:
    from agilegov.record import log

    factory = open_ours(path, create=True)
    began = time.perf_counter()
    for number in range(commits):
        with factory.begin() as session:
            log.append(session, [new_event(number)])
    return {"rate": commits / (time.perf_counter() - began)}


def ours_proofs(
    path: Path, indexes: Sequence[int], pairs: Sequence[tuple[int, int]], sample: int, keep: int
) -> dict[str, Any]:
    from sqlalchemy import select

    from agilegov.record import log, merkle
    from agilegov.record.models import Event

    factory = open_ours(path, create=False)
    half = len(indexes) // 2
    rates = []
    with factory() as session:
        size, root = log.current_root(session)
        proofs: list[list[bytes]] = []
        for part in (indexes[:half], indexes[half:]):
            began = time.perf_counter()
            proofs += [log.inclusion_proof(session, index, size) for index in part]
            rates.append(len(part) / (time.perf_counter() - began))
        began = time.perf_counter()
        consistency = [log.consistency_proof(session, old, new) for old, new in pairs]
        consistency_rate = len(pairs) / (time.perf_counter() - began)
        # Check a sample with the RFC 9162 verifiers, the leaf hashed from its stored bytes.
        checked = 0
        for index, proof in list(zip(indexes, proofs, strict=True))[:sample]:
            leaf = session.scalar(select(Event.leaf).where(Event.leaf_index == index))
            merkle.verify_inclusion(index, size, merkle.leaf_hash(leaf), proof, root)
            checked += 1
        for (old, new), proof in list(zip(pairs, consistency, strict=True))[:sample]:
            old_root, new_root = log.root_at(session, old), log.root_at(session, new)
            merkle.verify_consistency(old, new, old_root, new_root, proof)
            checked += 1
    return {
        "inclusion": rates[0],
        "inclusion_again": rates[1],
        "consistency": consistency_rate,
        "verified": checked,
        "root": root.hex(),
        "size": size,
        "first_proofs": [[node.hex() for node in proof] for proof in proofs[:keep]],
    }


def ours_audit(path: Path, check_content: bool, traced: bool, workers: int) -> dict[str, Any]:
    from agilegov.record import log
    from agilegov.record.audit import audit

    factory = open_ours(path, create=False)
    with factory() as session:
        log.log_size(session)  # connect and warm the imports before measuring
        base = max_rss()
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        result = audit(session, check_content=check_content, workers=workers)
        elapsed = time.perf_counter() - began
        heap = tracemalloc.get_traced_memory()[1] if traced else None
        if traced:
            tracemalloc.stop()
    if result.problem is not None:
        raise RuntimeError(f"the audit found a problem: {result.problem}")
    return {
        "rate": result.size / elapsed,
        "rss": max_rss() - base,
        "heap": heap,
        "root": result.root.hex(),
        "size": result.size,
    }


# --------------------------------------------------------------------------- pymerkle


def open_pymerkle(path: Path, create: bool) -> Any:
    from pymerkle import SqliteTree

    if create:
        remove_database(path)
    return SqliteTree(str(path))


def pymerkle_build(
    path: Path, entries: int, batch: int, traced_batch: int | None
) -> dict[str, Any]:
    tree = open_pymerkle(path, create=True)
    settings = {
        name: tree.con.execute(f"PRAGMA {name}").fetchone()
        for name in ("journal_mode", "synchronous")
    }
    base = max_rss()
    timed = elapsed = 0.0
    heap_peak = None
    for number, start in enumerate(range(0, entries, batch)):
        count = min(batch, entries - start)
        # pymerkle is handed agilegov's leaf bytes, ready made (not timed).
        data = [leaf_of(start + offset, new_event(start + offset)) for offset in range(count)]
        traced = number == traced_batch
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        tree.append_entries(data)  # one transaction
        took = time.perf_counter() - began
        if traced:
            heap_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            elapsed += took
            timed += count
    size = tree.get_size()
    tree.close()
    return {
        "rate": timed / elapsed,
        "size": size,
        "rss": max_rss() - base,
        "heap": heap_peak,
        "settings": settings,
    }


def pymerkle_single(path: Path, commits: int) -> dict[str, Any]:
    tree = open_pymerkle(path, create=True)
    data = [leaf_of(number, new_event(number)) for number in range(commits)]
    began = time.perf_counter()
    for entry in data:
        tree.append_entry(entry)  # one transaction each
    rate = commits / (time.perf_counter() - began)
    tree.close()
    return {"rate": rate}


def pymerkle_proofs(
    path: Path, indexes: Sequence[int], pairs: Sequence[tuple[int, int]], sample: int, keep: int
) -> dict[str, Any]:
    from pymerkle import verify_consistency, verify_inclusion

    tree = open_pymerkle(path, create=False)  # a fresh tree: its subroot cache is empty
    size = tree.get_size()
    half = len(indexes) // 2
    rates = []
    proofs = []
    for part in (indexes[:half], indexes[half:]):
        began = time.perf_counter()
        proofs += [tree.prove_inclusion(index + 1, size) for index in part]  # 1-based
        rates.append(len(part) / (time.perf_counter() - began))
    tree.close()
    tree = open_pymerkle(path, create=False)  # cold again for the consistency proofs
    began = time.perf_counter()
    consistency = [tree.prove_consistency(old, new) for old, new in pairs]
    consistency_rate = len(pairs) / (time.perf_counter() - began)
    root = tree.get_root(size)
    checked = 0
    for index, proof in list(zip(indexes, proofs, strict=True))[:sample]:
        verify_inclusion(tree.get_leaf(index + 1), root, proof, index=index + 1, size=size)
        checked += 1
    for (old, new), proof in list(zip(pairs, consistency, strict=True))[:sample]:
        verify_consistency(
            tree.get_root(old), tree.get_root(new), proof, prior_size=old, later_size=new
        )
        checked += 1
    tree.close()
    return {
        "inclusion": rates[0],
        "inclusion_again": rates[1],
        "consistency": consistency_rate,
        "verified": checked,
        "root": root.hex(),
        "size": size,
        # pymerkle's path starts with the leaf hash itself; the rest is the RFC 6962 path.
        "first_proofs": [[node.hex() for node in proof.path[1:]] for proof in proofs[:keep]],
    }


def pymerkle_audit(path: Path, traced: bool) -> dict[str, Any]:
    tree = open_pymerkle(path, create=False)  # empty subroot cache: everything recomputed
    size = tree.get_size()
    base = max_rss()
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    root = tree.get_root()
    elapsed = time.perf_counter() - began
    heap = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    tree.close()
    return {
        "rate": size / elapsed,
        "rss": max_rss() - base,
        "heap": heap,
        "root": root.hex(),
        "size": size,
    }


# --------------------------------------------------------------------------- running


def in_fresh_process(function: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    """Run one measurement in a new interpreter: its own memory peak, cold caches."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *arguments).result()


@dataclass
class Row:
    metric: str
    ours: float | None
    theirs: float | None
    unit: str  # "/s" for rates (higher is better), "MiB" for memory (lower is better)
    target: float | None = None

    def cells(self) -> list[str]:
        return [
            self.metric,
            self._value(self.ours),
            self._value(self.theirs),
            self._ratio(),
            self._value(self.target, prefix="≥ ") if self.target else "—",
            self._met(),
        ]

    def _value(self, value: float | None, prefix: str = "") -> str:
        if value is None:
            return "n/a"
        if self.unit == "MiB":
            return f"{prefix}{value / MIB:,.1f} MiB"
        return f"{prefix}{value:,.0f}{self.unit}"

    def _ratio(self) -> str:
        if self.ours is None or not self.theirs:
            return "n/a"
        return f"{self.ours / self.theirs:,.2f}x"

    def _met(self) -> str:
        if self.target is None or self.ours is None:
            return "—"
        return "yes" if self.ours >= self.target else "no"


HEADERS = ["metric", "agilegov", "pymerkle", "ratio (ours/theirs)", "target", "met?"]


def markdown(rows: Sequence[Row], notes: Sequence[str]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    text = [line(HEADERS), line(["---"] + ["--:"] * 3 + ["--:", ":-:"])]
    text += [line(row.cells()) for row in rows]
    return "\n".join(text + [""] + [f"- {note}" for note in notes]) + "\n"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="agilegov's Merkle log against pymerkle 7, side by side, on SQLite."
    )
    parser.add_argument("--quick", action="store_true", help="100,000 entries, smaller counts")
    parser.add_argument("--entries", type=int, help="log size (default 1,000,000; quick 100,000)")
    parser.add_argument(
        "--pymerkle-entries", type=int, help="pymerkle's log size (default: --entries)"
    )
    parser.add_argument("--batch", type=int, default=10_000, help="events per transaction")
    parser.add_argument("--single", type=int, help="single-event commits (default 2,000)")
    parser.add_argument("--proofs", type=int, help="agilegov proofs of each kind (default 20,000)")
    parser.add_argument(
        "--pymerkle-proofs",
        type=int,
        help="pymerkle inclusion proofs (default 2,000), and half as many consistency proofs",
    )
    parser.add_argument("--verify", type=int, default=200, help="proofs of each kind verified")
    parser.add_argument("--seed", type=int, default=6962)
    parser.add_argument("--dir", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for agilegov's parallel audit (default: one per CPU)",
    )
    options = parser.parse_args(argv)
    quick = options.quick
    options.entries = options.entries or (100_000 if quick else 1_000_000)
    options.pymerkle_entries = options.pymerkle_entries or options.entries
    options.single = options.single or (300 if quick else 2_000)
    options.proofs = options.proofs or (4_000 if quick else 20_000)
    options.pymerkle_proofs = options.pymerkle_proofs or (1_000 if quick else 2_000)
    options.verify = min(options.verify, options.pymerkle_proofs // 2, options.proofs // 2)
    return options


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    console = Console()
    if not console.is_terminal:  # piped or redirected: room for the whole table
        console = Console(width=160)
    err = Console(stderr=True)
    scratch = options.dir or Path(tempfile.mkdtemp(prefix="agilegov-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    ours_db, theirs_db = scratch / "agilegov.db", scratch / "pymerkle.db"
    workers = options.workers

    def middle_batch(entries: int) -> int | None:
        """The batch that runs under tracemalloc (and is left out of the rate)."""
        batches = -(-entries // options.batch)
        return batches // 2 if batches >= 3 else None

    started = time.perf_counter()

    def step(what: str) -> None:
        err.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {what}", highlight=False)

    try:
        step(f"agilegov: building {options.entries:,} entries, {options.batch:,} per transaction")
        ours_built = in_fresh_process(
            ours_build, ours_db, options.entries, options.batch, middle_batch(options.entries)
        )
        step(f"pymerkle: building {options.pymerkle_entries:,} entries")
        theirs_built = in_fresh_process(
            pymerkle_build,
            theirs_db,
            options.pymerkle_entries,
            options.batch,
            middle_batch(options.pymerkle_entries),
        )

        rng = random.Random(options.seed)
        size, their_size = ours_built["size"], theirs_built["size"]
        indexes = [rng.randrange(size) for _ in range(options.proofs)]
        pairs = [tuple(sorted(rng.sample(range(1, size + 1), 2))) for _ in range(options.proofs)]
        their_indexes = [index % their_size for index in indexes[: options.pymerkle_proofs]]
        their_pairs = [
            (min(old, their_size), min(new, their_size))
            for old, new in pairs[: options.pymerkle_proofs // 2]
        ]
        keep = 20
        step(f"agilegov: {options.proofs:,} inclusion and {len(pairs):,} consistency proofs")
        ours_proved = in_fresh_process(ours_proofs, ours_db, indexes, pairs, options.verify, keep)
        step(f"pymerkle: {len(their_indexes):,} inclusion, {len(their_pairs):,} consistency proofs")
        theirs_proved = in_fresh_process(
            pymerkle_proofs, theirs_db, their_indexes, their_pairs, options.verify, keep
        )

        step(
            f"audits: agilegov tree ({workers} processes, then 1), agilegov content, "
            "pymerkle root (then traced again)"
        )
        ours_tree = in_fresh_process(ours_audit, ours_db, False, False, workers)
        ours_tree_one = in_fresh_process(ours_audit, ours_db, False, False, 1)
        ours_content = in_fresh_process(ours_audit, ours_db, True, False, workers)
        theirs_audit = in_fresh_process(pymerkle_audit, theirs_db, False)
        ours_tree_traced = in_fresh_process(ours_audit, ours_db, False, True, 1)
        theirs_traced_audit = in_fresh_process(pymerkle_audit, theirs_db, True)

        step(f"single-event commits: {options.single:,} each")
        ours_single_db, theirs_single_db = (
            scratch / "agilegov-single.db",
            scratch / "pymerkle-single.db",
        )
        ours_singles = in_fresh_process(ours_single, ours_single_db, options.single)
        theirs_singles = in_fresh_process(pymerkle_single, theirs_single_db, options.single)
    finally:
        if not options.keep and options.dir is None:
            shutil.rmtree(scratch, ignore_errors=True)

    same_log = size == their_size
    # The proof target is for a log of a million entries: smaller logs make proofs easier.
    inclusion_target = TARGETS["inclusion"] if size >= 1_000_000 else None
    at = "" if same_log else f" (pymerkle at {their_size:,})"
    rows = [
        Row(
            f"durable appends/s, {options.batch:,} events per transaction",
            ours_built["rate"],
            theirs_built["rate"],
            "/s",
            TARGETS["batched"],
        ),
        Row("durable single-event commits/s", ours_singles["rate"], theirs_singles["rate"], "/s"),
        Row(
            f"inclusion proofs/s, {size:,}-entry log, fresh reader{at}",
            ours_proved["inclusion"],
            theirs_proved["inclusion"],
            "/s",
            inclusion_target,
        ),
        Row(
            f"inclusion proofs/s, second pass (pymerkle's cache warm){at}",
            ours_proved["inclusion_again"],
            theirs_proved["inclusion_again"],
            "/s",
            inclusion_target,
        ),
        Row(
            f"consistency proofs/s, random size pairs, fresh reader{at}",
            ours_proved["consistency"],
            theirs_proved["consistency"],
            "/s",
        ),
        Row(
            f"full audit, leaves/s: tree from stored leaves, {workers} processes{at}",
            ours_tree["rate"],
            theirs_audit["rate"],
            "/s",
            TARGETS["audit"],
        ),
        Row(
            f"full audit, leaves/s: tree from stored leaves, 1 process{at}",
            ours_tree_one["rate"],
            theirs_audit["rate"],
            "/s",
        ),
        Row(
            f"full audit, leaves/s: with content (leaves rebuilt), {workers} processes",
            ours_content["rate"],
            None,
            "/s",
        ),
        Row(
            "peak RSS growth, building the log (lower is better)",
            ours_built["rss"],
            theirs_built["rss"],
            "MiB",
        ),
        Row(
            f"tracemalloc peak, one {options.batch:,}-event append (lower is better)",
            ours_built["heap"],
            theirs_built["heap"],
            "MiB",
        ),
        Row(
            "peak RSS growth, tree audit, 1 process (lower is better)",
            ours_tree_one["rss"],
            theirs_audit["rss"],
            "MiB",
        ),
        Row(
            "tracemalloc peak, tree audit, 1 process (lower is better)",
            ours_tree_traced["heap"],
            theirs_traced_audit["heap"],
            "MiB",
        ),
    ]

    roots_equal = (
        ours_tree["root"] == ours_tree_one["root"] == theirs_audit["root"] == ours_proved["root"]
    )
    proofs_equal = (
        ours_proved["first_proofs"][: len(theirs_proved["first_proofs"])]
        == (theirs_proved["first_proofs"])
    )
    ours_settings, theirs_settings = ours_built["settings"], theirs_built["settings"]
    notes = [
        f"{size:,} entries (pymerkle {their_size:,}); {options.batch:,} per transaction; "
        f"seed {options.seed}; proofs, inclusion / consistency: agilegov {len(indexes):,} / "
        f"{len(pairs):,}, pymerkle {len(their_indexes):,} / {len(their_pairs):,}; "
        f"{options.single:,} single commits each.",
        f"Durability: agilegov journal_mode={ours_settings['journal_mode']}, "
        f"synchronous={ours_settings['synchronous']} (FULL); pymerkle "
        f"journal_mode={theirs_settings['journal_mode']}, "
        f"synchronous={theirs_settings['synchronous']} (FULL, its default): "
        "every commit is on disk when it returns, on both sides.",
        f"Verified: {ours_proved['verified']:,} agilegov proofs with its RFC 9162 verifiers, "
        f"{theirs_proved['verified']:,} pymerkle proofs with pymerkle's verifiers; "
        + (
            f"both logs hold the same leaves: roots identical: {'yes' if roots_equal else 'NO'}; "
            f"first {keep} inclusion proofs identical: {'yes' if proofs_equal else 'NO'}."
            if same_log
            else "logs of different sizes, so roots and proofs were not compared."
        ),
        "pymerkle's audit is get_root() on a freshly opened tree: the root recomputed from "
        "every stored leaf hash (its entries are not re-hashed, no stored node is compared: "
        "it stores none). agilegov's tree audit hashes every stored leaf and compares every "
        "stored node; the content audit also rebuilds every leaf from its event's fields. "
        f"With {workers} processes the log is cut into aligned chunks audited side by side "
        "(agilegov record verify --jobs); pymerkle has no parallel audit.",
        "Command: `python bench/record.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
        + "`.",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, pymerkle "
        f"{package_metadata.version('pymerkle')}, {os.cpu_count()} CPUs, {platform.machine()}; "
        f"{time.perf_counter() - started:,.0f} s in all.",
    ]

    table = Table(title="agilegov record vs pymerkle (SQLite, durable)")
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
    if not (roots_equal or not same_log) or not (proofs_equal or not same_log):
        raise SystemExit("agilegov and pymerkle disagree on the same leaves")


if __name__ == "__main__":
    main()
