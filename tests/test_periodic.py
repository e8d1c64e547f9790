"""The servers' periodic work: claiming a due job (one winner of any race, on both
engines), running it alone while it outlasts its interval, the loop's order,
failures and waits, and the steps the settings give."""

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from agilegov import clock
from agilegov.db import make_session_factory
from agilegov.periodic import (
    Outcome,
    PeriodicJob,
    PeriodicStep,
    claim,
    due_times,
    finish,
    periodic_steps,
    run_if_due,
    run_periodically,
    running_alone,
    seconds_to_wait,
    this_process,
)
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork

NOW = datetime(2030, 1, 1, 9, tzinfo=UTC)
# Steps are made without touching the database; they use it only when they run.
NO_DATABASE: Any = None
MINUTE = timedelta(minutes=1)


def _uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine))


def _row(engine: Engine, name: str) -> PeriodicJob | None:
    with _uow(engine) as uow:
        row = uow.session.get(PeriodicJob, name)
        if row is not None:
            uow.session.expunge(row)
        return row


def _race(workers: int, work: Any) -> list[Any]:
    """``work(number)`` in ``workers`` threads let go at once; what each returned."""
    start = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def one(number: int) -> None:
        start.wait()
        results[number] = work(number)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return results


# ---------------------------------------------------------------- claiming


def test_a_job_is_due_at_first_sight_then_every_interval(engine: Engine) -> None:
    uow = _uow(engine)
    assert _row(engine, "review") is None
    assert claim(uow, "review", MINUTE, NOW)
    row = _row(engine, "review")
    assert row is not None
    assert (row.next_due_at, row.last_started_at, row.run_by) == (NOW + MINUTE, NOW, this_process())
    assert (row.last_finished_at, row.last_error) == (None, None)
    assert not claim(uow, "review", MINUTE, NOW)
    assert not claim(uow, "review", MINUTE, NOW + MINUTE - timedelta(microseconds=1))
    assert claim(uow, "review", MINUTE, NOW + MINUTE)
    assert due_times(uow, ["review", "never claimed"]) == {"review": NOW + 2 * MINUTE}
    finish(uow, "review", NOW + MINUTE + timedelta(seconds=3), "RuntimeError: away")
    row = _row(engine, "review")
    assert row is not None
    assert row.last_finished_at == NOW + MINUTE + timedelta(seconds=3)
    assert row.last_error == "RuntimeError: away"
    finish(uow, "review", NOW + MINUTE + timedelta(seconds=4), None)
    assert (row := _row(engine, "review")) is not None and row.last_error is None


def test_a_shorter_interval_takes_effect_at_once(engine: Engine) -> None:
    uow = _uow(engine)
    hour = timedelta(hours=1)
    assert claim(uow, "evaluation", hour, NOW)
    assert not claim(uow, "evaluation", MINUTE, NOW + MINUTE - timedelta(seconds=1))
    assert claim(uow, "evaluation", MINUTE, NOW + MINUTE)
    assert due_times(uow, ["evaluation"]) == {"evaluation": NOW + 2 * MINUTE}
    # A longer one runs once more when the shorter one said, then keeps its own.
    assert claim(uow, "evaluation", hour, NOW + 2 * MINUTE)
    assert not claim(uow, "evaluation", hour, NOW + 3 * MINUTE)
    assert due_times(uow, ["evaluation"]) == {"evaluation": NOW + 2 * MINUTE + hour}


def test_of_racing_claims_one_wins_each_due_time(engine: Engine) -> None:
    workers = 6
    uows = [_uow(engine) for _ in range(workers)]
    for turn in range(4):
        now = NOW + turn * MINUTE
        # The first turn also races to create the row.
        won = _race(workers, lambda number, now=now: claim(uows[number], "scrape", MINUTE, now))
        assert won.count(True) == 1, f"turn {turn}: {won}"
        # Later in the same interval nobody wins.
        late = now + MINUTE / 2
        assert (
            _race(workers, lambda number, late=late: claim(uows[number], "scrape", MINUTE, late))
            == [False] * workers
        )


def test_of_racing_claims_of_many_jobs_one_wins_each(engine: Engine) -> None:
    workers = 4
    uows = [_uow(engine) for _ in range(workers)]
    names = [f"job {n}" for n in range(5)]

    def claim_all(number: int) -> list[str]:
        return [name for name in names if claim(uows[number], name, MINUTE, NOW)]

    won = _race(workers, claim_all)
    assert sorted(name for names_won in won for name in names_won) == names


# ---------------------------------------------------------------- running alone


def test_a_job_runs_alone_until_its_lock_is_released(engine: Engine) -> None:
    with running_alone(engine, "webhook delivery") as first:
        assert first
        # Another holder (as another process would be) is refused meanwhile...
        assert _race(1, lambda _: _held(engine, "webhook delivery")) == [False]
        # ...but other jobs are not held up.
        assert _race(1, lambda _: _held(engine, "scrape")) == [True]
    assert _race(1, lambda _: _held(engine, "webhook delivery")) == [True]


def _held(engine: Engine, name: str) -> bool:
    with running_alone(engine, name) as held:
        return held


def test_a_job_that_outlasts_its_interval_never_runs_twice_at_once(engine: Engine) -> None:
    """Four runners (as four processes would), a job due every 20 ms that takes 150 ms:
    its runs never overlap, and each starts once its due time has come."""
    runs: list[tuple[float, float]] = []
    overlapping: list[float] = []
    running = threading.Lock()

    def slow() -> None:
        if not running.acquire(blocking=False):
            overlapping.append(time.monotonic())
            return
        started = time.monotonic()
        time.sleep(0.15)
        runs.append((started, time.monotonic()))
        running.release()

    step = PeriodicStep("slow", 0.02, slow)
    uows = [_uow(engine) for _ in range(4)]
    deadline = time.monotonic() + 20

    def runner(number: int) -> list[Outcome]:
        outcomes = []
        while len(runs) < 3 and time.monotonic() < deadline:
            outcomes.append(run_if_due(step, engine, uows[number]))
            time.sleep(0.005)
        return outcomes

    outcomes = [outcome for each in _race(4, runner) for outcome in each]
    assert overlapping == []
    assert 3 <= len(runs) == outcomes.count(Outcome.ran)
    assert Outcome.busy in outcomes
    for (_, ended), (started, _) in itertools.pairwise(runs):
        assert started >= ended
    row = _row(engine, "slow")
    assert row is not None and row.last_finished_at is not None and row.last_started_at
    assert row.last_finished_at >= row.last_started_at + timedelta(seconds=0.15)


def test_a_busy_job_is_not_claimed(engine: Engine) -> None:
    ran: list[str] = []
    step = PeriodicStep("busy", 60, lambda: ran.append("busy"))
    with running_alone(engine, "busy"):
        assert _race(1, lambda _: run_if_due(step, engine, _uow(engine))) == [Outcome.busy]
    assert ran == [] and _row(engine, "busy") is None
    assert run_if_due(step, engine, _uow(engine)) is Outcome.ran
    assert run_if_due(step, engine, _uow(engine)) is Outcome.not_due
    assert ran == ["busy"]


def test_a_failed_run_is_noted_and_logged(engine: Engine, caplog) -> None:
    def fail() -> None:
        raise RuntimeError("the receiver is away")

    with caplog.at_level(logging.ERROR, logger="agilegov"):
        assert run_if_due(PeriodicStep("failing", 0.01, fail), engine, _uow(engine)) is Outcome.ran
    assert "periodic failing failed" in caplog.text
    row = _row(engine, "failing")
    assert row is not None and row.last_error == "RuntimeError: the receiver is away"
    time.sleep(0.02)
    again = PeriodicStep("failing", 0.01, lambda: None)
    assert run_if_due(again, engine, _uow(engine)) is Outcome.ran
    row = _row(engine, "failing")
    assert row is not None and row.last_error is None


# ---------------------------------------------------------------- the server's loop


def test_the_wait_is_until_the_first_step_is_due() -> None:
    steps = [PeriodicStep("a", 60, print), PeriodicStep("b", 10, print)]
    at = {"a": NOW + timedelta(seconds=5), "b": NOW + timedelta(seconds=8)}
    assert seconds_to_wait(steps, at, set(), NOW) == 5
    assert seconds_to_wait(steps, at | {"a": NOW - MINUTE}, set(), NOW) == 0
    # Never longer than an interval (the clock may have been set back).
    assert seconds_to_wait(steps, at | {"a": NOW + MINUTE, "b": NOW + MINUTE}, set(), NOW) == 10
    # Running elsewhere, or with no due time: an interval later.
    assert seconds_to_wait(steps, at | {"a": NOW - MINUTE}, {"a"}, NOW) == 8
    assert seconds_to_wait(steps, {"a": at["a"]}, set(), NOW) == 5
    assert seconds_to_wait(steps, {}, set(), NOW) == 10


def test_a_failing_periodic_step_does_not_stop_the_others(engine: Engine, caplog) -> None:
    ran: list[str] = []

    def fail() -> None:
        ran.append("fail")
        raise RuntimeError("the database is away")

    steps = [
        PeriodicStep("broken", 0.01, fail),
        PeriodicStep("counted", 0.01, lambda: ran.append("counted")),
    ]

    async def run_until_each_ran_twice() -> None:
        loop = asyncio.create_task(run_periodically(steps, engine))
        deadline = time.monotonic() + 20
        while min(ran.count("fail"), ran.count("counted")) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop

    with caplog.at_level(logging.ERROR, logger="agilegov"):
        asyncio.run(run_until_each_ran_twice())
    assert ran.count("fail") >= 2 and ran.count("counted") >= 2
    assert ran[:2] == ["fail", "counted"], "in the order given"
    assert "periodic broken failed" in caplog.text
    with _uow(engine) as uow:
        rows = dict(uow.session.execute(select(PeriodicJob.name, PeriodicJob.last_error)).all())
    assert rows == {"broken": "RuntimeError: the database is away", "counted": None}


def test_the_periodic_steps_follow_the_settings() -> None:
    every = Settings(tick_interval_seconds=60, poll_interval_seconds=5)
    names = [(s.name, s.every) for s in periodic_steps(NO_DATABASE, every)]
    assert names == [
        ("sign-in counts pruning", 60),
        ("review-by check", 60),
        ("framework changes", 60),
        ("scrape", 5),
        ("evaluation", 3600),
        ("queued evaluations", 1),
        ("programme deadlines", 60),
        ("regulatory reports", 60),
        ("complaint deadlines", 60),
        ("incident deadlines", 60),
        ("webhook delivery", 5),
        ("trust list refresh", 60),
        ("open data", 86_400),
    ]
    fewer = Settings(
        tick_interval_seconds=60,
        poll_interval_seconds=0,
        evaluation_interval_seconds=0,
        queued_evaluation_interval_seconds=0,
    )
    assert [s.name for s in periodic_steps(NO_DATABASE, fewer)] == [
        "sign-in counts pruning",
        "review-by check",
        "framework changes",
        "programme deadlines",
        "regulatory reports",
        "complaint deadlines",
        "incident deadlines",
        "trust list refresh",
        "open data",
    ]


def test_the_clock_is_the_one_the_claims_read(engine: Engine) -> None:
    ran: list[datetime] = []
    step = PeriodicStep("pinned", 60, lambda: ran.append(clock.now()))
    with clock.frozen_at(NOW):
        assert run_if_due(step, engine, _uow(engine)) is Outcome.ran
    row = _row(engine, "pinned")
    assert ran == [NOW] and row is not None
    assert (row.last_started_at, row.next_due_at, row.last_finished_at) == (NOW, NOW + MINUTE, NOW)
