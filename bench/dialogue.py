"""Benchmark of the opinion map: agreement with Pol.is's own groups on real
conversations, speed against red-dwarf 0.4, and a synthetic million-vote conversation.

Run from the repository root (red-dwarf is a benchmark-only extra, never a dependency):

    python -m pip install -e '.[bench]'
    python bench/dialogue.py                    # the six Pol.is exports and 1,000,000 votes
    python bench/dialogue.py --markdown bench/dialogue-results.md

For each Pol.is export in ../shared/data/polis: the latest votes are handed, already
parsed, to agilegov's ``dialogue.opinion_map.compute_from_ids`` and to red-dwarf's
``reddwarf.implementations.polis.run_pipeline`` (its Pol.is defaults), both told to keep
in their clustering everyone Pol.is clustered, as Pol.is itself keeps them; each side's
groups are compared with Pol.is's ``group-id`` (adjusted Rand index over the participants
Pol.is clustered) and each side is timed, best of several runs. Then a synthetic conversation
of 8,000 participants x 8,000 statements and 1,000,000 votes with three planted groups is
mapped in a fresh process for its time and RSS growth, and in another under tracemalloc.
See bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "polis"
MIB = 1024 * 1024
TARGETS = {"speedup": 5.0, "ari_mean": 0.8, "seconds": 10.0, "memory": 2 * 1024 * MIB}

console = Console(emoji=False)


# --------------------------------------------------------------------------- helpers


def adjusted_rand_index(a: Sequence[int], b: Sequence[int]) -> float:
    _, x = np.unique(np.asarray(a), return_inverse=True)
    _, y = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((x.max() + 1, y.max() + 1))
    np.add.at(table, (x, y), 1)

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    both, rows, columns = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * columns / pairs(np.array([len(x)]))
    best = (rows + columns) / 2
    return 1.0 if best == expected else (both - expected) / (best - expected)


def agreement(ours: dict[int, int], polis_groups: dict[int, int | None]) -> tuple[float, int]:
    """ARI over the participants Pol.is clustered, and how many of them this side
    clustered. Each side is asked to keep them all; any it left out would count
    together as one more group."""
    clustered = [p for p, g in polis_groups.items() if g is not None]
    return (
        adjusted_rand_index(
            [polis_groups[p] for p in clustered], [ours.get(p, -1) for p in clustered]
        ),
        sum(p in ours for p in clustered),
    )


def best_of(repeat: int, function: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of ``repeat`` timed runs (after one untimed warm-up), and the result."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def max_rss() -> int:
    """This process's peak resident set size in bytes. On Linux it is read from
    /proc (VmHWM): ``ru_maxrss`` would also count the parent's memory, which a
    spawned child carries until it executes Python."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def current_rss() -> int:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return max_rss()


def in_fresh_process(function: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    """Run one measurement in a new interpreter: its own memory peak."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *arguments).result()


def has_red_dwarf() -> bool:
    try:
        import reddwarf.implementations.polis  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- conversations


@dataclass
class Measured:
    name: str
    participants: int
    votes: int
    polis_k: int
    ours_k: int
    ours_ari: float
    ours_compared: int
    ours_seconds: float
    red_dwarf_k: int | None = None
    red_dwarf_ari: float | None = None
    red_dwarf_compared: int | None = None
    red_dwarf_seconds: float | None = None


def measure_conversation(folder: Path, repeat: int, red_dwarf_repeat: int) -> Measured:
    from agilegov.dialogue import opinion_map, polis

    export = polis.read_export(folder)
    conversation = export.conversation()
    latest = conversation.votes.latest()
    moderated = sorted(conversation.moderated_out())
    statements = [s.id for s in conversation.statements]
    polis_groups = export.polis_groups()
    clustered = sorted(p for p, g in polis_groups.items() if g is not None)

    def ours() -> opinion_map.OpinionMapResult:
        return opinion_map.compute_from_ids(
            latest.participant_ids,
            latest.statement_ids,
            latest.values,
            statements=statements,
            moderated=moderated,
            clustered=clustered,
        )

    seconds, result = best_of(repeat, ours)
    ari, compared = agreement(result.group_of(), polis_groups)
    measured = Measured(
        name=folder.name,
        participants=len(set(latest.participant_ids.tolist())),
        votes=len(latest),
        polis_k=len({g for g in polis_groups.values() if g is not None}),
        ours_k=result.k,
        ours_ari=ari,
        ours_compared=compared,
        ours_seconds=seconds,
    )
    if red_dwarf_repeat:
        red_dwarf_side(measured, latest, moderated, polis_groups, clustered, red_dwarf_repeat)
    return measured


def red_dwarf_side(
    measured: Measured,
    latest: Any,
    moderated: list[int],
    polis_groups: dict[int, int | None],
    clustered: list[int],
    repeat: int,
) -> None:
    from reddwarf.implementations.polis import run_pipeline

    votes = [
        {"participant_id": p, "statement_id": s, "vote": v, "modified": t}
        for t, s, p, v in latest.rows()
    ]

    def theirs() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_pipeline(
                votes=votes, mod_out_statement_ids=moderated, keep_participant_ids=clustered
            )

    seconds, result = best_of(repeat, theirs)
    frame = result.participants_df
    clustered = frame[frame["to_cluster"]]
    groups = {int(p): int(g) for p, g in clustered["cluster_id"].items()}
    measured.red_dwarf_ari, measured.red_dwarf_compared = agreement(groups, polis_groups)
    measured.red_dwarf_k = len(set(groups.values()))
    measured.red_dwarf_seconds = seconds


# --------------------------------------------------------------------------- synthetic


def synthetic_votes(
    participants: int, statements: int, votes: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three planted groups, each leaning its own way on every statement; every
    participant votes on the same number of statements, drawn at random."""
    rng = np.random.default_rng(seed)
    member = rng.integers(0, 3, participants)
    lean = rng.choice([-1.0, 1.0], size=(3, statements)) * rng.uniform(0.2, 0.9, (3, statements))
    per = votes // participants
    who = np.repeat(np.arange(participants), per)
    what = np.concatenate([rng.choice(statements, per, replace=False) for _ in range(participants)])
    agree = 0.5 + 0.45 * lean[member[who], what]
    roll = rng.random(len(who))
    value = np.where(roll < 0.9 * agree, 1, np.where(roll < 0.9, -1, 0)).astype(np.int8)
    return who, what, value, member


def synthetic_run(
    who: np.ndarray,
    what: np.ndarray,
    value: np.ndarray,
    member: np.ndarray,
    statements: int,
    traced: bool,
) -> dict[str, Any]:
    """One map of the synthetic votes, in this (fresh) process: its time, and the
    memory it took beyond the votes and the imported modules."""
    from agilegov.dialogue import opinion_map

    participants = len(member)
    before = current_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = opinion_map.compute(opinion_map.Votes(who, what, value, participants, statements))
    seconds = time.perf_counter() - started
    heap = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    clustered = result.groups >= 0
    return {
        "seconds": seconds,
        "rss": max_rss() - before,
        "heap": heap,
        "k": result.k,
        "clustered": int(clustered.sum()),
        "ari": adjusted_rand_index(member[clustered], result.groups[clustered]),
        "votes": len(who),
        "participants": participants,
    }


# --------------------------------------------------------------------------- the table


HEADERS = [
    "workload",
    "participants",
    "votes",
    "groups: ours / Pol.is / red-dwarf",
    "ARI ours",
    "ARI red-dwarf",
    "agilegov",
    "red-dwarf",
    "speed (theirs/ours)",
    "target",
    "met?",
]


def conversation_cells(m: Measured) -> list[str]:
    has_theirs = m.red_dwarf_seconds is not None
    speed = m.red_dwarf_seconds / m.ours_seconds if has_theirs else None
    met = "n/a"
    if has_theirs:
        fast = speed is not None and speed >= TARGETS["speedup"]
        close = m.red_dwarf_ari is not None and m.ours_ari >= m.red_dwarf_ari - 1e-9
        met = f"speed {'yes' if fast else 'no'}, ARI {'yes' if close else 'no'}"
    return [
        m.name,
        f"{m.participants:,}",
        f"{m.votes:,}",
        f"{m.ours_k} / {m.polis_k} / {m.red_dwarf_k if has_theirs else 'n/a'}",
        f"{m.ours_ari:.3f}",
        "n/a" if m.red_dwarf_ari is None else f"{m.red_dwarf_ari:.3f}",
        f"{m.ours_seconds * 1000:,.1f} ms",
        "n/a" if m.red_dwarf_seconds is None else f"{m.red_dwarf_seconds * 1000:,.0f} ms",
        "n/a" if speed is None else f"{speed:,.1f}x",
        f"≥ {TARGETS['speedup']:.0f}x, ARI ≥ red-dwarf's",
        met,
    ]


def mean_cells(measured: Sequence[Measured]) -> list[str]:
    ours = float(np.mean([m.ours_ari for m in measured]))
    theirs = [m.red_dwarf_ari for m in measured if m.red_dwarf_ari is not None]
    return [
        f"mean of {len(measured)} conversations",
        "",
        "",
        "",
        f"{ours:.3f}",
        f"{np.mean(theirs):.3f}" if theirs else "n/a",
        "",
        "",
        "",
        f"ARI ≥ {TARGETS['ari_mean']}",
        "yes" if ours >= TARGETS["ari_mean"] else "no",
    ]


def synthetic_rows(timed: dict[str, Any], traced: dict[str, Any], shape: str) -> list[list[str]]:
    def memory(name: str, value: int) -> list[str]:
        met = "yes" if value <= TARGETS["memory"] else "no"
        return [name, "", "", "", "", "", f"{value / MIB:,.1f} MiB", "n/a", "n/a", "≤ 2 GiB", met]

    seconds = timed["seconds"]
    return [
        [
            f"synthetic {shape}: time",
            f"{timed['participants']:,}",
            f"{timed['votes']:,}",
            f"{timed['k']} / 3 planted / n/a",
            f"{timed['ari']:.3f} (planted)",
            "n/a",
            f"{seconds:,.2f} s",
            "n/a",
            "n/a",
            f"≤ {TARGETS['seconds']:.0f} s",
            "yes" if seconds <= TARGETS["seconds"] else "no",
        ],
        memory("synthetic: peak RSS growth", timed["rss"]),
        memory("synthetic: tracemalloc peak", traced["heap"]),
    ]


def markdown(rows: Sequence[Sequence[str]], notes: Sequence[str]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    text = [line(HEADERS), line(["---"] + ["--:"] * 9 + [":-:"])]
    text += [line(row) for row in rows]
    return "\n".join(text + [""] + [f"- {note}" for note in notes]) + "\n"


# --------------------------------------------------------------------------- main


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="agilegov's opinion map against Pol.is's groups and red-dwarf 0.4, and "
        "on a synthetic million-vote conversation."
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of Pol.is export folders"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of ours (best kept)")
    parser.add_argument(
        "--red-dwarf-repeat", type=int, default=3, help="timed runs of red-dwarf (best kept)"
    )
    parser.add_argument("--no-red-dwarf", action="store_true", help="leave red-dwarf out")
    parser.add_argument("--participants", type=int, default=8_000)
    parser.add_argument("--statements", type=int, default=8_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    started = time.perf_counter()
    red_dwarf = not options.no_red_dwarf and has_red_dwarf()
    folders = (
        sorted(p for p in options.data.iterdir() if p.is_dir()) if options.data.is_dir() else []
    )
    measured = []
    for folder in folders:
        console.print(f"[dim]{folder.name}[/dim]", highlight=False)
        measured.append(
            measure_conversation(
                folder, options.repeat, options.red_dwarf_repeat if red_dwarf else 0
            )
        )
    shape = f"{options.participants:,} x {options.statements:,}"
    console.print(f"[dim]synthetic {shape}, {options.votes:,} votes[/dim]", highlight=False)
    workload = synthetic_votes(
        options.participants, options.statements, options.votes, options.seed
    )
    timed = in_fresh_process(synthetic_run, *workload, options.statements, False)
    traced = in_fresh_process(synthetic_run, *workload, options.statements, True)

    rows = [conversation_cells(m) for m in measured]
    if measured:
        rows.append(mean_cells(measured))
    rows += synthetic_rows(timed, traced, shape)
    notes = [
        "Conversations: the Pol.is exports in "
        f"{options.data}; the latest vote of each (participant, statement), moderated-out and "
        "meta statements left out, as Pol.is does. Both sides keep in their clustering everyone "
        "Pol.is clustered (agilegov `clustered=`, red-dwarf `keep_participant_ids=`), as "
        "Pol.is never drops a participant once clustered. ARI: adjusted Rand index between "
        "each side's groups and Pol.is's group-id in participants-votes.csv, over the "
        "participants Pol.is clustered ("
        + ", ".join(
            f"{m.name} {m.ours_compared:,}"
            + (f" / {m.red_dwarf_compared:,}" if m.red_dwarf_compared is not None else "")
            for m in measured
        )
        + " clustered by ours / red-dwarf).",
        f"Times: the opinion map from parsed votes to the result, best of {options.repeat} runs "
        "after a warm-up: agilegov `dialogue.opinion_map.compute_from_ids` (PCA, projections, "
        "base clusters, groups for k = 2..5, representative statements, consensus, group-aware "
        "consensus); red-dwarf `run_pipeline` with its Pol.is defaults (PCA, k-means for "
        f"k = 2..5, repness, consensus), best of {options.red_dwarf_repeat}. Reading the CSV "
        "files is left out on both sides.",
        f"Synthetic: {shape}, {timed['votes']:,} votes, {options.votes // options.participants} "
        "distinct statements per participant at random, three planted groups each leaning its "
        f"own way on every statement (seed {options.seed}), generated here and handed to a fresh "
        "process, which imports the opinion map and then times `opinion_map.compute` from the "
        "arrays (checking the votes included) and measures its RSS growth; again in another "
        f"under tracemalloc. {timed['clustered']:,} participants clustered.",
    ]
    if not red_dwarf:
        notes.append("red-dwarf was not run (not installed, or --no-red-dwarf).")
    versions = [
        f"Python {platform.python_version()}",
        f"NumPy {package_metadata.version('numpy')}",
        f"SciPy {package_metadata.version('scipy')}",
    ]
    if red_dwarf:
        versions.append(f"red-dwarf {package_metadata.version('red-dwarf')}")
    notes += [
        "Command: `python bench/dialogue.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
        + "`.",
        ", ".join(versions) + f", {os.cpu_count()} CPUs, {platform.machine()}; "
        f"{time.perf_counter() - started:,.0f} s in all.",
    ]

    table = Table(title="agilegov opinion map: Pol.is's groups, red-dwarf 0.4, a million votes")
    for number, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for note in notes:
        console.print(f"• {note}")
    if options.markdown:
        options.markdown.write_text(markdown(rows, notes), encoding="utf-8")
        console.print(f"Markdown written to {options.markdown}")


if __name__ == "__main__":
    main()
