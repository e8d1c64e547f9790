"""Benchmark of the framework library, next to reading the same YAML with
PyYAML's C loader alone, in the same run, on SQLite and PostgreSQL:

- the import: the largest shared catalogue file imported through the service
  (read, checked, stored with its event); best of REPEAT;
- the coverage view: ``scope_coverage`` of a scope following three framework
  versions of 500 requirements each (generated CISO Assistant libraries, a
  three-level tree), with a crosswalk between two of them and one from the
  third to a fourth version it does not follow; 40% of the assessable
  requirements cited by measures and goals, 5% decided not applicable. The
  reference reads the three YAML texts; medians of COVERAGE_REPEAT.

Run from the repository root:

    python bench/library.py
    python bench/library.py --markdown results.md

The import reads ../shared/data/frameworks/ciso-assistant/nist-csf-2.0.yaml
(the largest shared one; ``--shared DIR`` names another ``shared``). Each
ratio is the C loader's time over agilegov's: at least 0.5 means agilegov's
work costs at most twice what parsing the YAML alone does.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from agilegov import scoped
from agilegov.auth import SYSTEM, Principal
from agilegov.db import make_engine, make_session_factory
from agilegov.design.service import MEASURE
from agilegov.goals.service import GOAL
from agilegov.library.schemas import ApplicabilityDecision
from agilegov.library.service import (
    decide_applicability,
    import_file,
    read_file,
    scope_coverage,
)
from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import (
    create_organization,
    create_user,
    principal_for_user,
)
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FILE_IN_SHARED = Path("data", "frameworks", "ciso-assistant", "nist-csf-2.0.yaml")
TARGET_RATIO = 0.5
REPEAT = 7
COVERAGE_REPEAT = 15

# The coverage workload: three followed versions and one other, each of
# FUNCTIONS x CATEGORIES groups and the rest assessable leaves.
FOLLOWED = ("bench-alpha", "bench-beta", "bench-gamma")
OTHER = "bench-delta"
PER_VERSION = 500
FUNCTIONS, CATEGORIES = 10, 4
CITED, NOT_APPLICABLE = 0.40, 0.05
# A vocabulary for the generated names and descriptions.
_VOCABULARY = (
    "the organization establishes documents maintains reviews risk data access system "
    "model supplier incident response recovery monitoring training record policy "
    "roles responsibilities assets inventory identity protection integrity "
    "availability evaluation improvement oversight transparency accountability"
)
WORDS = tuple(_VOCABULARY.split(" "))
RELATIONSHIPS = ("equal", "subset", "superset", "intersect", "equal", "not_related")

console = Console(emoji=False)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Each run's time. The garbage of earlier runs is collected first, untimed:
    left to the collector, that of the C loader's runs (every node a dict) made
    the next three-file parse take twice its time."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def best(run: Callable[[], object], repeat: int) -> float:
    return min(timed(run, repeat))


def median(run: Callable[[], object], repeat: int) -> float:
    return statistics.median(timed(run, repeat))


def import_time(url: str, data: bytes, name: str, repeat: int) -> float:
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
            gc.collect()
            start = time.perf_counter()
            import_file(uow, SYSTEM, data, name)
            times.append(time.perf_counter() - start)
    finally:
        engine.dispose()
    return min(times)


# ---------------------------------------------------------------- the coverage view


def _urn(framework: str, ref_id: str) -> str:
    return f"urn:agilegov-bench:risk:req_node:{framework}-1.0:{ref_id.lower()}"


def _sentence(chance: random.Random, words: int) -> str:
    return " ".join(chance.choice(WORDS) for _ in range(words)).capitalize() + "."


def catalogue_text(framework: str, seed: int) -> tuple[str, list[str]]:
    """A CISO Assistant library of PER_VERSION requirements in three levels,
    and its assessable requirements' ref_ids in document order."""
    chance = random.Random(seed)
    groups = FUNCTIONS * CATEGORIES
    leaves = PER_VERSION - FUNCTIONS - groups
    nodes: list[dict] = []
    assessable: list[str] = []
    for f in range(FUNCTIONS):
        function = f"F{f + 1:02d}"
        nodes.append(
            {
                "urn": _urn(framework, function),
                "assessable": False,
                "depth": 1,
                "ref_id": function,
                "name": _sentence(chance, 3),
                "description": _sentence(chance, 12),
            }
        )
        for c in range(CATEGORIES):
            category = f"{function}.C{c + 1}"
            nodes.append(
                {
                    "urn": _urn(framework, category),
                    "assessable": False,
                    "parent_urn": _urn(framework, function),
                    "depth": 2,
                    "ref_id": category,
                    "name": _sentence(chance, 4),
                    "description": _sentence(chance, 16),
                }
            )
            group = f * CATEGORIES + c
            for n in range(group, leaves, groups):
                ref_id = f"{category}-{n // groups + 1:02d}"
                assessable.append(ref_id)
                nodes.append(
                    {
                        "urn": _urn(framework, ref_id),
                        "assessable": True,
                        "parent_urn": _urn(framework, category),
                        "depth": 3,
                        "ref_id": ref_id,
                        "name": _sentence(chance, 6),
                        "description": _sentence(chance, 30),
                    }
                )
    library = {
        "urn": f"urn:agilegov-bench:risk:library:{framework}-1.0",
        "locale": "en",
        "ref_id": f"{framework}-1.0",
        "name": f"{framework.title()} 1.0",
        "description": _sentence(chance, 20),
        "version": 1,
        "publication_date": date(2026, 1, 15),
        "provider": "agilegov bench",
        "objects": {
            "framework": {
                "urn": f"urn:agilegov-bench:risk:framework:{framework}-1.0",
                "ref_id": f"{framework}-1.0",
                "name": f"{framework.title()} 1.0",
                "description": _sentence(chance, 20),
                "requirement_nodes": nodes,
            }
        },
    }
    return yaml.safe_dump(library, sort_keys=False, allow_unicode=True), assessable


def mapping_text(source: str, target: str, refs: list[str], seed: int) -> str:
    """A crosswalk from each assessable requirement of ``source`` to the
    requirement of ``target`` in the same place (``refs``), relationships mixed."""
    chance = random.Random(seed)
    mappings = [
        {
            "source_requirement_urn": _urn(source, ref_id),
            "target_requirement_urn": _urn(target, ref_id),
            "relationship": chance.choice(RELATIONSHIPS),
            "rationale": "semantic",
        }
        for ref_id in refs
    ]
    library = {
        "urn": f"urn:agilegov-bench:risk:library:map-{source}-{target}",
        "locale": "en",
        "ref_id": f"map-{source}-{target}",
        "name": f"Mapping from {source} to {target}",
        "version": 1,
        "provider": "agilegov bench",
        "objects": {
            "requirement_mapping_set": {
                "urn": f"urn:agilegov-bench:risk:requirement_mapping_set:{source}-to-{target}",
                "ref_id": f"map-{source}-{target}",
                "name": f"map-{source}-{target}",
                "source_framework_urn": f"urn:agilegov-bench:risk:framework:{source}-1.0",
                "target_framework_urn": f"urn:agilegov-bench:risk:framework:{target}-1.0",
                "requirement_mappings": mappings,
            }
        },
    }
    return yaml.safe_dump(library, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class Workload:
    followed: dict[str, bytes]  # framework -> its library's YAML
    other: bytes
    mappings: dict[str, bytes]  # file name -> crosswalk YAML
    assessable: dict[str, list[str]]  # framework -> ref_ids

    @classmethod
    def make(cls) -> Workload:
        texts, assessable = {}, {}
        for seed, framework in enumerate((*FOLLOWED, OTHER), 1):
            text_, assessable[framework] = catalogue_text(framework, seed)
            texts[framework] = text_.encode()
        # Between two followed versions, and from the third to the one not followed.
        pairs = ((FOLLOWED[0], FOLLOWED[1]), (FOLLOWED[2], OTHER))
        mappings = {
            f"map-{source}-{target}.yaml": mapping_text(
                source, target, assessable[source], seed=10 + n
            ).encode()
            for n, (source, target) in enumerate(pairs)
        }
        return cls(
            followed={f: texts[f] for f in FOLLOWED},
            other=texts[OTHER],
            mappings=mappings,
            assessable=assessable,
        )

    @property
    def requirements(self) -> int:
        return PER_VERSION * len(self.followed)

    def parse(self) -> None:
        """The reference: the three followed libraries read by the C loader."""
        for data in self.followed.values():
            yaml.load(data, Loader=yaml.CSafeLoader)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _owner(uow: UnitOfWork) -> tuple[Principal, int]:
    person = create_user(
        uow,
        UserCreate(email="bench@example.com", name="Bench", password="a-long-password"),
    )
    with uow:
        actor = principal_for_user(uow.session, person.id)
    organization = create_organization(
        uow, actor, OrganizationCreate(slug="bench", name="Bench", kind="business")
    )
    with uow:
        return principal_for_user(uow.session, person.id), organization.id


def coverage_scope(uow: UnitOfWork, workload: Workload) -> tuple[Principal, int, dict[str, int]]:
    """The library imported and a scope set up as the workload says (untimed):
    the scope's owner, its id and what was made."""
    for framework, data in (*workload.followed.items(), (OTHER, workload.other)):
        import_file(uow, SYSTEM, data, f"{framework}-1.0.yaml")
    for name, data in workload.mappings.items():
        import_file(uow, SYSTEM, data, name)
    owner, organization_id = _owner(uow)
    refs = [f"{framework}@1.0" for framework in FOLLOWED]
    scope_id = create_scope(
        uow,
        owner,
        ScopeCreate(
            organization_id=organization_id,
            name="Coverage benchmark",
            kind="ai_system",
            frameworks=refs,
        ),
    ).id
    chance = random.Random(42)
    made = {"cited": 0, "measures": 0, "goals": 0, "not_applicable": 0}
    for framework, ref in zip(FOLLOWED, refs, strict=True):
        assessable = workload.assessable[framework]
        cited = chance.sample(assessable, round(len(assessable) * CITED))
        made["cited"] += len(cited)
        # Two thirds by measures, a third by goals, ten requirements each.
        split = len(cited) * 2 // 3
        for n, chunk in enumerate(_chunks(cited[:split], 10)):
            scoped.create_item(
                uow,
                owner,
                scope_id,
                MEASURE,
                MEASURE.create(
                    kind="technology",
                    title=f"Measure {framework} {n + 1}",
                    status="implemented",
                    requirements=[f"{ref}#{r}" for r in chunk],
                ),
            )
            made["measures"] += 1
        for n, chunk in enumerate(_chunks(cited[split:], 10)):
            scoped.create_item(
                uow,
                owner,
                scope_id,
                GOAL,
                GOAL.create(
                    title=f"Goal {framework} {n + 1}",
                    level="specific",
                    direction="higher_is_better",
                    unit="ratio",
                    acceptable_level=0.8,
                    requirements=[f"{ref}#{r}" for r in chunk],
                ),
            )
            made["goals"] += 1
        rest = [r for r in assessable if r not in set(cited)]
        for ref_id in chance.sample(rest, round(len(assessable) * NOT_APPLICABLE)):
            decide_applicability(
                uow,
                owner,
                scope_id,
                ApplicabilityDecision(
                    requirement=f"{ref}#{ref_id}",
                    applicable=False,
                    reason="Not part of this system",
                ),
            )
            made["not_applicable"] += 1
    return owner, scope_id, made


def coverage_time(url: str, workload: Workload, repeat: int) -> tuple[float, dict[str, int]]:
    """Median time of the coverage view of the workload's scope, on one engine."""
    engine = make_engine(url)
    metadata.create_all(engine)
    uow = UnitOfWork(make_session_factory(engine))
    try:
        owner, scope_id, made = coverage_scope(uow, workload)
        coverage = scope_coverage(uow, owner, scope_id)
        # What the view must show for the figures to mean anything.
        assert [f.addressed for f in coverage.followed] == [
            round(len(workload.assessable[f]) * CITED) for f in FOLLOWED
        ], coverage.followed
        assert sum(f.not_applicable for f in coverage.followed) == made["not_applicable"]
        assert [r.version for r in coverage.reached] == [f"{OTHER}@1.0"]
        seconds = median(lambda: scope_coverage(uow, owner, scope_id), repeat)
    finally:
        engine.dispose()
    return seconds, made


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards."""
    database = f"agilegov_bench_library_{time.time_ns()}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{database}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--coverage-repeat", type=int, default=COVERAGE_REPEAT)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--markdown", type=Path)
    options = parser.parse_args()
    file = options.shared / FILE_IN_SHARED
    if not file.exists():
        raise SystemExit(f"{file} is absent: the benchmark reads ../shared/data (or --shared)")
    data = file.read_bytes()
    nodes = len(read_file(data, file.name).requirements)  # type: ignore[union-attr]
    workload = Workload.make()
    parse = best(lambda: yaml.load(data, Loader=yaml.CSafeLoader), options.repeat)
    parse_three = median(workload.parse, options.coverage_repeat)

    engines: list[tuple[str, Callable[[], Iterator[str]]]] = []

    @contextmanager
    def sqlite() -> Iterator[str]:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.db"

    engines.append(("SQLite", sqlite))
    if not options.no_postgres:
        engines.append(("PostgreSQL", lambda: postgres_database(options.postgres_url)))
    kib = sum(len(data) for data in workload.followed.values()) // 1024
    rows: list[tuple[str, float, float]] = []
    for name, database in engines:
        with database() as url:
            seconds = import_time(url, data, file.name, options.repeat)
        rows.append(
            (
                f"{name}: import {file.name} ({len(data) // 1024} KiB, {nodes} requirements), "
                f"best of {options.repeat}",
                seconds,
                parse,
            )
        )
    for name, database in engines:
        with database() as url:
            seconds, made = coverage_time(url, workload, options.coverage_repeat)
        rows.append(
            (
                f"{name}: coverage view, 3 versions, {workload.requirements:,} requirements "
                f"({kib} KiB of YAML), {made['cited']} cited by {made['measures']} measures "
                f"and {made['goals']} goals, {made['not_applicable']} not applicable, "
                f"median of {options.coverage_repeat}",
                seconds,
                parse_three,
            )
        )

    table = Table(title="agilegov library: import and coverage view, next to the C loader")
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
    for metric, seconds, reference in rows:
        ratio = reference / seconds
        cells = (
            metric,
            f"{seconds * 1000:.1f} ms",
            f"{reference * 1000:.1f} ms",
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
