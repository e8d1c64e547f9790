"""Benchmark of the pages: server time of a large scope's page, each of its tabs,
and the page of an indicator with a long series.

Run from the repository root:

    python bench/web.py                        # 500 goals, 5,000 observations, 100 requests a page
    python bench/web.py --quick                # 20 requests a page, under a minute
    python bench/web.py --no-postgres          # SQLite only
    python bench/web.py --markdown bench/web-results.md
    python bench/web.py --profile goals        # also profile one page (cProfile), SQLite

A scope is built through the services (goals in a tree, one indicator for each specific
goal, observations ingested in one batch, stakeholders and impacts, conditions, risks,
measures, trade-offs, allocations, triggers, a review, the cycle moved to operation and
the indicators evaluated). Then, signed in as the organization's owner, each page is
requested in-process with a test client; a small ASGI middleware around the app times
each request from the moment the app is called until it hands over the last byte of the
response, so the client's own work is left out. Each engine runs in a fresh process. See
bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import multiprocessing
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from scratch_postgres import libpq, postgres_database

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 150.0
PASSWORD = "a-long-password"
OWNER_EMAIL = "owner@example.org"
# The pages measured: the scope page (its overview) and every tab, in the tab order.
TABS = (
    "",
    "stakeholders",
    "conditions",
    "risks",
    "goals",
    "indicators",
    "trade-offs",
    "allocations",
    "measures",
    "reviews",
    "consultations",
    "triggers",
    "history",
)
# And one indicator's page, of an indicator with a long series of its own.
INDICATOR = "indicator"
PAGES = (*TABS, INDICATOR)
SERIES = 10_000  # that indicator's observations, one every five minutes
# The target is for the scope page; the goals tab, the heaviest, is held to it too.
TARGETED = ("", "goals")
ULTIMATE_GOALS = 2
CORE_VALUES_EACH = 4  # under each ultimate goal

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# --------------------------------------------------------------------------- helpers


def postgres_answers(server: str) -> str | None:
    """None when the server answers, or why it does not."""
    try:
        import psycopg

        with psycopg.connect(libpq(server), autocommit=True, connect_timeout=5):
            return None
    except Exception as problem:  # any failure to connect means: skip PostgreSQL
        return str(problem).strip().splitlines()[0] if str(problem).strip() else repr(problem)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 100 values is the 95th smallest)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


def settings_for(url: str, keys: Path) -> Any:
    from agilegov.settings import Settings

    # No periodic work in the background: only the requests measured run.
    return Settings(
        database_url=url,
        tick_interval_seconds=0,
        log_key_file=keys / "log.key",
        webhook_key_file=keys / "webhook.key",
        assessor_key_dir=keys / "assessors",
    )


# --------------------------------------------------------------------------- the scope


def build(url: str, goals: int, observations: int, seed: int) -> dict[str, Any]:
    """The tables, an owner, an organization and a large scope, all through the services."""
    from sqlalchemy import func, select

    from agilegov import clock, scoped
    from agilegov.analysis.schemas import (
        ConditionCreate,
        ImpactCreate,
        RiskCreate,
        StakeholderCreate,
    )
    from agilegov.analysis.service import CONDITION, IMPACT, RISK, STAKEHOLDER
    from agilegov.cycle.schemas import ReviewCreate, TransitionCreate, TriggerCreate
    from agilegov.cycle.service import advance, raise_trigger, record_review
    from agilegov.db import make_engine, make_session_factory
    from agilegov.design.schemas import MeasureCreate
    from agilegov.design.service import MEASURE
    from agilegov.goals.schemas import (
        AllocationCreate,
        GoalCreate,
        IndicatorCreate,
        TradeOffCreate,
    )
    from agilegov.goals.service import ALLOCATION, GOAL, TRADE_OFF
    from agilegov.goals.service import INDICATOR as INDICATOR_KIND
    from agilegov.monitor.ingest import Row
    from agilegov.monitor.models import Evaluation, Observation
    from agilegov.monitor.service import evaluate_scope, ingest
    from agilegov.organizations.schemas import OrganizationCreate, UserCreate
    from agilegov.organizations.service import (
        create_organization,
        create_user,
        principal_for_user,
    )
    from agilegov.record.models import Event
    from agilegov.scopes.schemas import ScopeCreate
    from agilegov.scopes.service import create_scope
    from agilegov.tables import metadata
    from agilegov.tenancy import writable_scope
    from agilegov.uow import UnitOfWork

    rng = random.Random(seed)
    began = time.perf_counter()
    engine = make_engine(url)
    metadata.create_all(engine)
    uow = UnitOfWork(make_session_factory(engine))
    user = create_user(uow, UserCreate(email=OWNER_EMAIL, name="Olga Owner", password=PASSWORD))
    with uow:
        actor = principal_for_user(uow.session, user.id)
    organization = create_organization(
        uow, actor, OrganizationCreate(slug="talentbridge", name="TalentBridge", kind="business")
    )
    with uow:  # now with the owner's role
        actor = principal_for_user(uow.session, user.id)
    scope_id = create_scope(
        uow,
        actor,
        ScopeCreate(
            organization_id=organization.id,
            name="Résumé screening service",
            kind="ai_system",
            description="Ranks résumés for employer clients.",
            frameworks=[{"name": "AI Guidelines for Business", "version": "1.1"}],
        ),
    ).id

    specific = goals - ULTIMATE_GOALS - ULTIMATE_GOALS * CORE_VALUES_EACH
    if specific < 1:
        raise SystemExit(f"--goals must be more than {ULTIMATE_GOALS * (1 + CORE_VALUES_EACH)}")
    # One transaction for the whole register: the services' own calls, one commit.
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id)

        def add(kind: Any, data: Any) -> Any:
            return scoped.add_item(session, actor, scope, kind, data)[0]

        stakeholders = [
            add(
                STAKEHOLDER,
                StakeholderCreate(
                    name=f"Stakeholder group {n + 1}",
                    category=rng.choice(["user", "non_user_public", "regulator", "data_provider"]),
                    interests="Fair and explained decisions.",
                ),
            )
            for n in range(20)
        ]
        impacts = [
            add(
                IMPACT,
                ImpactCreate(
                    stakeholder_id=holder.id,
                    title=f"Impact {n + 1} on {holder.name}",
                    nature="negative" if n % 3 else "positive",
                    area=rng.choice(["fairness", "privacy", "transparency", "human_rights"]),
                    magnitude=rng.randint(1, 5),
                ),
            )
            for holder in stakeholders
            for n in range(2)
        ]
        conditions = [
            add(
                CONDITION,
                ConditionCreate(
                    title=f"Condition {n + 1}",
                    category=rng.choice(["regulation", "technology", "market", "other"]),
                    source="official gazette",
                    review_by=(clock.now() + timedelta(days=30 + 20 * n)).date(),
                ),
            )
            for n in range(10)
        ]
        risks = [
            add(
                RISK,
                RiskCreate(
                    title=f"Risk {n + 1}",
                    inherent_likelihood=rng.randint(2, 5),
                    inherent_severity=rng.randint(2, 5),
                    residual_likelihood=rng.randint(1, 3),
                    residual_severity=rng.randint(1, 3),
                    treatment="mitigate",
                    impact_ids=[i.id for i in rng.sample(impacts, 2)],
                    condition_ids=[rng.choice(conditions).id],
                ),
            )
            for n in range(30)
        ]
        ultimate = [
            add(GOAL, GoalCreate(title=f"Ultimate goal {n + 1}", level="ultimate"))
            for n in range(ULTIMATE_GOALS)
        ]
        values = [
            add(
                GOAL,
                GoalCreate(
                    title=f"Core value {n + 1}.{m + 1}", level="core_value", parent_id=parent.id
                ),
            )
            for n, parent in enumerate(ultimate)
            for m in range(CORE_VALUES_EACH)
        ]
        leaves, indicators = [], []
        for n in range(specific):
            goal = add(
                GOAL,
                GoalCreate(
                    title=f"Specific goal {n + 1}",
                    level="specific",
                    parent_id=values[n % len(values)].id,
                    direction="higher_is_better",
                    unit="ratio",
                    acceptable_level=0.7,
                    target=0.9,
                ),
            )
            leaves.append(goal)
            indicators.append(
                add(
                    INDICATOR_KIND,
                    IndicatorCreate(
                        goal_id=goal.id,
                        key=f"goal-{n + 1:04d}.ratio",
                        name=f"Indicator of goal {n + 1}",
                        data_source="weekly export",
                    ),
                )
            )
        measures = [
            add(
                MEASURE,
                MeasureCreate(
                    kind="technology",
                    title=f"Measure {n + 1}",
                    status="implemented",
                    risk_ids=[r.id for r in rng.sample(risks, 2)],
                    goal_ids=[g.id for g in rng.sample(leaves, min(4, len(leaves)))],
                ),
            )
            for n in range(25)
        ]
        for n in range(10):
            a, b = rng.sample(leaves, 2)
            add(
                TRADE_OFF,
                TradeOffCreate(goal_a_id=a.id, goal_b_id=b.id, balance=f"Balance {n + 1}"),
            )
        for goal in leaves[:20]:
            add(ALLOCATION, AllocationCreate(goal_id=goal.id, layer="voluntary"))
        uow.commit()
        counts = {
            "stakeholders": len(stakeholders),
            "impacts": len(impacts),
            "conditions": len(conditions),
            "risks": len(risks),
            "measures": len(measures),
            "specific": specific,
            "indicators": len(indicators),
        }

    # Observations spread over the indicators and the last five days, about one in 50
    # indicators below its acceptable level (so evaluations show breaches too).
    now = clock.now()
    keys = [i.key for i in indicators]
    per = observations / len(keys)
    rows = []
    for n in range(observations):
        key = keys[n % len(keys)]
        step = n // len(keys)
        low = 0.4 if (n % len(keys)) % 50 == 49 else 0.75
        rows.append(
            Row(
                key,
                now - timedelta(days=5) + timedelta(days=5) * (step / max(1.0, per)),
                round(rng.uniform(low, low + 0.25), 4),
                "bench",
                f"observations[{n}]",
            )
        )
    ingest(uow, actor, rows, scope_id=scope_id)
    for stage in ("goals", "design", "operation"):
        advance(uow, actor, scope_id, TransitionCreate(to=stage, reason=f"to {stage}"))
    evaluate_scope(uow, actor, scope_id, at=now)
    manual = raise_trigger(
        uow,
        actor,
        scope_id,
        TriggerCreate(kind="complaint_cluster", cause="Complaints about unexplained rejections"),
    )
    record_review(
        uow,
        actor,
        scope_id,
        ReviewCreate(
            summary="Complaints reviewed",
            decisions=["improve the explanations"],
            evidence=["complaint log"],
            resolves=[manual.id],
        ),
    )
    with uow:  # the large scope's, before the series below adds its own
        session = uow.session
        counts["observations"] = session.scalar(select(func.count()).select_from(Observation))
        counts["evaluations"] = session.scalar(select(func.count()).select_from(Evaluation))
        counts["events"] = session.scalar(select(func.count()).select_from(Event))
    # A scope of its own with one indicator and a long series, for the indicator's page.
    series_scope = create_scope(
        uow,
        actor,
        ScopeCreate(organization_id=organization.id, name="Chat assistant", kind="ai_system"),
    ).id
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, series_scope)
        goal = scoped.add_item(
            session,
            actor,
            scope,
            GOAL,
            GoalCreate(
                title="Answers grounded in sources",
                level="specific",
                direction="higher_is_better",
                unit="ratio",
                acceptable_level=0.8,
                target=0.95,
            ),
        )[0]
        series_indicator = scoped.add_item(
            session,
            actor,
            scope,
            INDICATOR_KIND,
            IndicatorCreate(
                goal_id=goal.id,
                key="grounded.ratio",
                name="Grounded answers",
                data_source="answer audits",
            ),
        )[0]
        uow.commit()
    ingest(
        uow,
        actor,
        [
            Row(
                "grounded.ratio",
                now - timedelta(minutes=5 * (SERIES - n)),
                # Mostly fine, with a dip below the acceptable level now and then.
                round(rng.uniform(0.6, 0.8) if n % 1_000 < 40 else rng.uniform(0.85, 0.99), 4),
                "bench",
                f"series[{n}]",
            )
            for n in range(SERIES)
        ],
        scope_id=series_scope,
    )
    evaluate_scope(uow, actor, series_scope, at=now)
    if engine.dialect.name == "postgresql":  # planner statistics, as a live database has
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    return {
        "scope_id": scope_id,
        "goal_id": leaves[0].id,
        "series_path": f"/scopes/{series_scope}/indicators/{series_indicator.id}/monitoring",
        "counts": counts,
        "seconds": time.perf_counter() - began,
    }


# --------------------------------------------------------------------------- measuring


class ServerTime:
    """An ASGI middleware that times each HTTP request in the app: from the call to the
    last body message handed to the server, leaving the client's work out."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last: float | None = None
        self.profiler: cProfile.Profile | None = None  # see profiled()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - began
            await send(message)

        if self.profiler is None:
            await self.app(scope, receive, timed)
            return
        self.profiler.enable()
        try:
            await self.app(scope, receive, timed)
        finally:
            self.profiler.disable()


def signed_in_client(app: Any) -> Any:
    from fastapi.testclient import TestClient

    client = TestClient(app)
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    if token is None:
        raise RuntimeError("no csrf_token on /login")
    answer = client.post(
        "/login",
        data={"email": OWNER_EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if answer.status_code != 303 and answer.status_code != 302:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:200]}")
    return client


def profiled(client: Any, timer: ServerTime, path: str, requests: int = 20) -> str:
    """cProfile of ``requests`` requests of ``path``, the app's work only. The app runs
    its sync endpoints and dependencies in worker threads, out of a profiler's sight: here
    they run inline in the event loop's thread, where the middleware profiles them."""
    import anyio.to_thread

    async def inline(function: Callable[..., Any], *arguments: Any, **_: Any) -> Any:
        return function(*arguments)

    profiler = cProfile.Profile()
    threaded = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    timer.profiler = profiler
    try:
        for _ in range(requests):
            client.get(path)
    finally:
        anyio.to_thread.run_sync = threaded  # type: ignore[assignment]
        timer.profiler = None
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(45)
    return re.sub(r"/\S*/site-packages/|/\S*/src/", "", text.getvalue())


def measure(
    url: str,
    keys: str,
    paths: dict[str, str],
    warmup: int,
    repeat: int,
    profile: str | None,
) -> dict[str, Any]:
    """Each page (``paths``: its address by its name) ``warmup`` times, then
    ``repeat`` times measured; the statements each issues; and, if asked, a
    cProfile of one page."""
    import gc
    import warnings

    from sqlalchemy import event

    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")

    from agilegov.app import create_app

    app = create_app(settings_for(url, Path(keys)))
    timer = ServerTime(app)
    engine = app.state.session_factory.kw["bind"]
    statements = [0]

    def count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # As tests/test_web_queries.py counts: SQLite's BEGIN IMMEDIATE left out.
        if not statement.startswith("BEGIN"):
            statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    # The collector's full collections (generation 2) while each page is measured.
    full: list[float] = []
    began = [0.0]

    def collector(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                full.append(time.perf_counter() - began[0])

    gc.callbacks.append(collector)
    results: dict[str, Any] = {"ms": {}, "statements": {}, "bytes": {}, "full": {}}
    with signed_in_client(timer) as client:
        for tab, path in paths.items():
            for _ in range(warmup):
                client.get(path)
            statements[0] = 0
            collections = len(full)
            times = []
            for _ in range(repeat):
                timer.last = None
                answer = client.get(path)
                if answer.status_code != 200 or timer.last is None:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
                times.append(timer.last * 1000)
            results["ms"][tab] = times
            results["statements"][tab] = statements[0] / repeat
            results["bytes"][tab] = len(answer.content)
            results["full"][tab] = full[collections:]
        results["objects"] = len(gc.get_objects())
        if profile is not None:
            results["profile"] = profiled(client, timer, paths[profile])
    return results


# --------------------------------------------------------------------------- running


def in_fresh_process(function: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    """Run one measurement in a new interpreter: nothing cached from building the scope."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *arguments).result()


@dataclass
class Row:
    page: str
    engine: str
    times: Sequence[float]
    target: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)

    def cells(self) -> list[str]:
        return [
            self.page,
            self.engine,
            f"{self.median:,.1f} ms",
            f"{self.p95:,.1f} ms",
            f"≤ {self.target:,.0f} ms" if self.target else "—",
            ("yes" if self.p95 <= self.target else "no") if self.target else "—",
        ]


HEADERS = ["page", "engine", "median ms", "p95 ms", "target", "met?"]


def page_name(tab: str) -> str:
    if tab == INDICATOR:
        return f"indicator page ({SERIES:,} observations)"
    return "scope page (overview)" if not tab else f"{tab} tab"


def page_paths(built: dict[str, Any]) -> dict[str, str]:
    scope = f"/scopes/{built['scope_id']}"
    tabs = {tab: scope + (f"/{tab}" if tab else "") for tab in TABS}
    return {**tabs, INDICATOR: built["series_path"]}


def markdown(rows: Sequence[Row], notes: Sequence[str]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    text = [line(HEADERS), line(["---", "---", "--:", "--:", "--:", ":-:"])]
    text += [line(row.cells()) for row in rows]
    return "\n".join(text + [""] + [f"- {note}" for note in notes]) + "\n"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="agilegov's pages: server time of a large scope's page and its tabs."
    )
    parser.add_argument("--quick", action="store_true", help="20 measured requests a page")
    parser.add_argument("--goals", type=int, default=500, help="goals of the scope")
    parser.add_argument(
        "--observations", type=int, default=5_000, help="observations over the indicators"
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests a page")
    parser.add_argument(
        "--repeat", type=int, help="measured requests a page (default 100; quick 20)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("AGILEGOV_BENCH_POSTGRES_URL", DEFAULT_SERVER),
        help="the PostgreSQL server: a new database is created on it for the run and dropped "
        f"afterwards (default {DEFAULT_SERVER})",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile",
        metavar="TAB",
        help="also profile 20 requests of this tab on SQLite with cProfile ('' for the "
        "overview) and print the top of it",
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--dir", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database afterwards")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    options = parser.parse_args(argv)
    options.repeat = options.repeat or (20 if options.quick else 100)
    if options.profile is not None and options.profile not in PAGES:
        parser.error(f"--profile: one of {', '.join(repr(tab) for tab in PAGES)}")
    return options


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    console = Console()
    if not console.is_terminal:  # piped or redirected: room for the whole table
        console = Console(width=160)
    err = Console(stderr=True)
    scratch = options.dir or Path(tempfile.mkdtemp(prefix="agilegov-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    keys = scratch / "keys"  # the log's signing key, never in the working tree
    started = time.perf_counter()

    def step(what: str) -> None:
        err.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {what}", highlight=False)

    size = f"{options.goals:,} goals and {options.observations:,} observations"
    runs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    skipped = None
    arguments = (options.warmup, options.repeat)
    try:
        url = f"sqlite:///{scratch / 'web.db'}"
        step(f"SQLite: building a scope of {size}")
        built = in_fresh_process(build, url, options.goals, options.observations, options.seed)
        step(f"SQLite: {len(PAGES)} pages, {options.warmup} + {options.repeat} requests each")
        runs["SQLite"] = (
            built,
            in_fresh_process(
                measure, url, str(keys), page_paths(built), *arguments, options.profile
            ),
        )
        if not options.no_postgres:
            skipped = postgres_answers(options.postgres_url)
            if skipped is None:
                with postgres_database(options.postgres_url) as url:
                    step(f"PostgreSQL: building a scope of {size}")
                    built = in_fresh_process(
                        build, url, options.goals, options.observations, options.seed
                    )
                    step(
                        f"PostgreSQL: {len(PAGES)} pages, {options.warmup} + "
                        f"{options.repeat} requests each"
                    )
                    runs["PostgreSQL"] = (
                        built,
                        in_fresh_process(
                            measure, url, str(keys), page_paths(built), *arguments, None
                        ),
                    )
            else:
                step(f"PostgreSQL skipped: {skipped}")
    finally:
        if not options.keep and options.dir is None:
            shutil.rmtree(scratch, ignore_errors=True)

    rows = [
        Row(
            page_name(tab),
            engine,
            measured["ms"][tab],
            TARGET_MS if tab in TARGETED else None,
        )
        for tab in PAGES
        for engine, (_, measured) in runs.items()
    ]
    built, measured = runs["SQLite"]
    counts = built["counts"]
    statements = "; ".join(
        f"{page_name(tab)} "
        + " / ".join(dict.fromkeys(f"{m['statements'][tab]:,.0f}" for _, m in runs.values()))
        for tab in PAGES
    )
    engines = " / ".join(runs)
    collections = "; ".join(
        f"{engine} {len(m['full']['goals'])} ({sum(m['full']['goals']) * 1000:,.0f} ms in all, "
        f"{m['objects']:,} objects tracked)"
        for engine, (_, m) in runs.items()
    )
    notes = [
        f"The scope: {options.goals:,} goals ({ULTIMATE_GOALS} ultimate, "
        f"{ULTIMATE_GOALS * CORE_VALUES_EACH} core values, {counts['specific']:,} specific goals "
        f"each with an acceptable level and one indicator), {counts['observations']:,} "
        f"observations over the {counts['indicators']:,} indicators (the last five days), "
        f"{counts['evaluations']:,} evaluations; {counts['stakeholders']} stakeholders with "
        f"{counts['impacts']} impacts, {counts['conditions']} conditions, {counts['risks']} "
        f"risks, {counts['measures']} measures, 10 trade-offs, 20 allocations, triggers and a "
        f"review; {counts['events']:,} events on the record. Built through the services in "
        f"{built['seconds']:,.0f} s (SQLite), not measured.",
        f"The indicator page: a second scope with one indicator of {SERIES:,} observations "
        "(one every five minutes, dipping below its acceptable level for 40 of every 1,000), "
        "evaluated once; the page charts them all, thinned, and lists the newest 200.",
        f"Each page: {options.warmup} requests to warm up, then {options.repeat} measured, "
        "signed in as the organization's owner; server time is measured by an ASGI "
        "middleware around the app (from the call to the last body message), in-process "
        "through Starlette's test client, one request at a time. p95 is the nearest rank.",
        "SQL statements a page issues (sign-in lookup included, BEGIN not counted"
        + (f"; {engines} where they differ" if len(runs) > 1 else "")
        + f"): {statements}.",
        "The garbage collector's full collections during the goals tab's measured requests: "
        f"{collections}.",
        "Page sizes (SQLite): "
        + "; ".join(f"{page_name(tab)} {measured['bytes'][tab] / 1024:,.0f} KiB" for tab in PAGES)
        + ".",
    ]
    if "PostgreSQL" in runs:
        notes.append(
            "PostgreSQL: a new database for the run, on the server at "
            f"{options.postgres_url.rsplit('@', 1)[-1]}, dropped afterwards."
        )
    elif not options.no_postgres:
        notes.append(f"PostgreSQL not run: the server did not answer ({skipped}).")
    notes += [
        "Command: `"
        + " ".join(["python bench/web.py", *(sys.argv[1:] if argv is None else argv)])
        + "`.",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, FastAPI "
        f"{package_metadata.version('fastapi')}, SQLAlchemy "
        f"{package_metadata.version('sqlalchemy')}, Jinja2 {package_metadata.version('jinja2')}"
        f", {os.cpu_count()} CPUs, {platform.machine()}; "
        f"{time.perf_counter() - started:,.0f} s in all.",
    ]

    table = Table(title="agilegov pages: server time of a large scope's page and its tabs")
    for number, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if number < 2 else "right")
    for row in rows:
        table.add_row(*row.cells())
    console.print(table)
    for note in notes:
        console.print(f"• {note}")
    if "profile" in measured:
        console.print(f"cProfile of 20 requests of {page_name(options.profile)} (SQLite):")
        console.print(measured["profile"], markup=False, highlight=False)
    if options.markdown:
        options.markdown.write_text(markdown(rows, notes), encoding="utf-8")
        console.print(f"Markdown written to {options.markdown}")


if __name__ == "__main__":
    main()
