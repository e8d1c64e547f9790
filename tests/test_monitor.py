"""Monitoring at the service level: observations in, evaluations stored as
evidence, breaches driving the inner and outer loops, owners told."""

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from agilegov.cycle.models import Trigger
from agilegov.db import make_session_factory
from agilegov.errors import Forbidden, InvalidInput
from agilegov.monitor import service
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import BreachEpisode, Evaluation, Observation, QueuedEvaluation
from agilegov.monitor.service import evaluate_queued, evaluate_scope, ingest, list_evaluations
from agilegov.notify.models import Notification
from agilegov.record.models import Event
from agilegov.regulation.channels import open_channel
from agilegov.regulation.models import RiskReport
from agilegov.regulation.schemas import ReportingChannelCreate
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from api_helpers import API, assert_problem, bearer, make_client, ok
from builders import indicator, new_scope, row_counts, specific_goal

START = datetime(2030, 3, 1, tzinfo=UTC)


def _rows(key: str, values: list[float], start: datetime = START, every: float = 1.0) -> list[Row]:
    """One observation per ``every`` days from ``start``."""
    return [
        Row(key, start + timedelta(days=every * n), value, "test", f"observations[{n}]")
        for n, value in enumerate(values)
    ]


def _scalars(uow: Any, query: Any) -> list[Any]:
    with uow:
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def _triggers(uow: Any, scope_id: int) -> list[Trigger]:
    return _scalars(uow, select(Trigger).where(Trigger.scope_id == scope_id).order_by(Trigger.id))


@pytest.fixture
def signal(world):
    """A scope with one goal (≥ 0.8, aiming at 0.9) and its 7-day mean indicator."""
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id, target=0.9)
    measured = indicator(
        world.uow, world.editor, scope_id, goal.id, window_days=7, escalate_after=3
    )
    return scope_id, goal, measured


def test_ingest_stores_once_and_records_the_batch(world, signal) -> None:
    scope_id, _, measured = signal
    rows = _rows(measured.key, [0.9, 0.85, 0.95])
    first = ingest(world.uow, world.editor, rows, scope_id=scope_id)
    again = ingest(
        world.uow, world.editor, rows + _rows(measured.key, [0.7], START + timedelta(days=9))
    )
    assert (first.stored, first.duplicates) == (3, 0)
    assert (again.stored, again.duplicates) == (1, 3)
    stored = _scalars(
        world.uow,
        select(Observation)
        .where(Observation.indicator_id == measured.id)
        .order_by(Observation.time),
    )
    assert [o.value for o in stored] == [0.9, 0.85, 0.95, 0.7]
    assert next(o.time for o in stored) == START
    events = _scalars(world.uow, select(Event).where(Event.type == "observations.recorded"))
    assert [(e.payload["stored"], e.payload["duplicates"]) for e in events] == [(3, 0), (1, 3)]
    assert len(events[0].payload["sha256"]) == 64


def test_a_bad_row_refuses_the_whole_batch(world, signal) -> None:
    scope_id, _, measured = signal
    before = row_counts(world.uow)
    cases = [
        (_rows(measured.key, [0.9]) + _rows("nope", [0.9]), "observations[0].indicator", "nope"),
        (_rows(measured.key, [0.9, math.nan]), "observations[1].value", "finite"),
        (_rows(measured.key, [math.inf]), "observations[0].value", "finite"),
    ]
    for rows, field, fragment in cases:
        with pytest.raises(InvalidInput) as refused:
            ingest(world.uow, world.editor, rows, scope_id=scope_id)
        assert refused.value.problems[0].field == field, refused.value.problems
        assert fragment in refused.value.problems[0].message
    assert row_counts(world.uow) == before


def test_a_key_in_two_scopes_needs_the_scope(world, signal) -> None:
    _scope_id, _, measured = signal
    other = new_scope(world.uow, world.editor, world.business_id, "Second system")
    goal = specific_goal(world.uow, world.editor, other)
    indicator(world.uow, world.editor, other, goal.id)
    with pytest.raises(InvalidInput) as refused:
        ingest(world.uow, world.editor, _rows(measured.key, [0.9]))
    assert "several scopes" in refused.value.problems[0].message
    assert ingest(world.uow, world.editor, _rows(measured.key, [0.9]), scope_id=other).stored == 1


def test_one_batch_across_two_scopes_is_recorded_in_each(world, signal) -> None:
    scope_id, _, measured = signal
    other = new_scope(world.uow, world.editor, world.business_id, "Second system")
    goal = specific_goal(world.uow, world.editor, other)
    second = indicator(world.uow, world.editor, other, goal.id, key="second.ratio")
    rows = (
        _rows(measured.key, [0.9, 0.8])
        + _rows(second.key, [0.7])
        + _rows(measured.key, [0.6], START + timedelta(days=5))
    )
    result = ingest(world.uow, world.editor, rows)
    assert (result.stored, result.duplicates) == (4, 0)
    events = _scalars(
        world.uow,
        select(Event).where(Event.type == "observations.recorded").order_by(Event.leaf_index),
    )
    assert sorted((e.scope_id, e.payload["stored"]) for e in events) == sorted(
        [(scope_id, 3), (other, 1)]
    )
    stored = _scalars(
        world.uow,
        select(Observation.value)
        .where(Observation.indicator_id == measured.id)
        .order_by(Observation.time),
    )
    assert stored == [0.9, 0.8, 0.6]


def test_viewers_and_outsiders_cannot_ingest(world, signal) -> None:
    scope_id, _, measured = signal
    with pytest.raises(Forbidden):
        ingest(world.uow, world.viewer, _rows(measured.key, [0.9]), scope_id=scope_id)
    with pytest.raises(InvalidInput):  # the key is not one the outsider may write to
        ingest(world.uow, world.outsider, _rows(measured.key, [0.9]))


def test_non_finite_values_where_the_indicator_allows_them(world) -> None:
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id)
    gauge = indicator(world.uow, world.editor, scope_id, goal.id, allow_non_finite=True)
    result = ingest(
        world.uow, world.editor, _rows(gauge.key, [0.9, math.nan, math.inf]), scope_id=scope_id
    )
    assert result.stored == 3
    run = evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    [evaluation] = _scalars(
        world.uow, select(Evaluation).where(Evaluation.indicator_id == gauge.id)
    )
    assert evaluation.observation_count == 3
    assert evaluation.value == math.inf  # the mean of 0.9 and +Inf; NaN is left out
    assert run.counts["ok"] == 1


def test_a_breach_opens_one_inner_trigger_per_episode_then_escalates_and_recovers(
    world, signal
) -> None:
    uow = world.uow
    scope_id, _goal, measured = signal
    ingest(uow, world.editor, _rows(measured.key, [0.95] * 7), scope_id=scope_id)
    healthy = evaluate_scope(uow, world.editor, scope_id, at=START + timedelta(days=6, hours=1))
    assert healthy.counts["ok"] == 1 and healthy.opened == []

    # The selection ratio falls below 0.8 and stays there for weeks.
    bad_start = START + timedelta(days=7)
    ingest(uow, world.editor, _rows(measured.key, [0.6] * 28, bad_start), scope_id=scope_id)
    days = [10, 11, 17, 24]
    runs = [
        evaluate_scope(uow, world.editor, scope_id, at=bad_start + timedelta(days=d)) for d in days
    ]
    assert [run.counts["breach"] for run in runs] == [1, 1, 1, 1]
    triggers = _triggers(uow, scope_id)
    assert [(t.kind, t.loop, t.subject_type) for t in triggers] == [
        ("indicator_breach", "inner", "indicator"),
        ("goal_failure", "outer", "goal"),
    ]
    assert runs[0].opened == [triggers[0].id] and runs[1].opened == [] and runs[2].opened == []
    assert runs[3].opened == [triggers[1].id]  # the third window in breach
    [episode] = _scalars(uow, select(BreachEpisode))
    assert (episode.windows, episode.trigger_id) == (3, triggers[0].id)
    assert episode.escalation_trigger_id == triggers[1].id and episode.recovered_at is None

    # It recovers: the episode closes, no new trigger.
    ingest(
        uow,
        world.editor,
        _rows(measured.key, [0.92] * 8, bad_start + timedelta(days=28)),
        scope_id=scope_id,
    )
    recovered_at = bad_start + timedelta(days=35, hours=1)
    run = evaluate_scope(uow, world.editor, scope_id, at=recovered_at)
    assert run.counts["ok"] == 1 and run.recovered == [episode.id] and run.opened == []
    [episode] = _scalars(uow, select(BreachEpisode))
    assert episode.recovered_at == recovered_at
    assert len(_triggers(uow, scope_id)) == 2

    # Every evaluation is evidence in the record, with the observations it covered.
    evaluations = _scalars(uow, select(Evaluation).order_by(Evaluation.id))
    assert [e.status for e in evaluations] == ["ok", "breach", "breach", "breach", "breach", "ok"]
    events = _scalars(
        uow, select(Event).where(Event.type == "evaluation.recorded").order_by(Event.leaf_index)
    )
    assert [e.leaf_index for e in events] == [e.leaf_index for e in evaluations]
    assert events[1].payload["status"] == "breach" and events[1].payload["value"] == pytest.approx(
        0.6
    )
    assert evaluations[1].observation_count == 7 and evaluations[1].first_observation_id is not None
    kinds = [
        e.type
        for e in _scalars(
            uow,
            select(Event).where(Event.subject_type == "breach_episode").order_by(Event.leaf_index),
        )
    ]
    assert kinds == [
        "breach_episode.opened",
        "breach_episode.escalated",
        "breach_episode.recovered",
    ]

    # The owner was told of each step.
    told = _scalars(
        uow, select(Notification.kind).where(Notification.user_id == world.owner.user_id)
    )
    assert told == ["indicator.breach", "goal.failure", "indicator.recovered"]


def _adopted(world: Any, **measured: Any) -> tuple[int, Any]:
    """A business scope whose goal adopts a regulator's 0.8 at a stricter 0.85, and
    the goal's 7-day indicator (with the ``measured`` fields)."""
    outsider = world.refresh("outsider")
    rules = new_scope(world.uow, outsider, world.regulator_id, "Fair hiring rules", "public")
    requirement = specific_goal(world.uow, outsider, rules, title="Selection parity")
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    adopter = specific_goal(
        world.uow,
        world.editor,
        scope_id,
        acceptable_level=0.85,
        derives_from_id=requirement.id,
    )
    return scope_id, indicator(world.uow, world.editor, scope_id, adopter.id, **measured)


def test_a_breach_that_misses_an_adopted_requirement_calls_for_the_outer_loop(world) -> None:
    scope_id, measured = _adopted(world)
    ingest(world.uow, world.editor, _rows(measured.key, [0.78] * 3), scope_id=scope_id)
    run = evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    [trigger] = _triggers(world.uow, scope_id)
    assert run.opened == [trigger.id]
    assert (trigger.kind, trigger.loop) == ("indicator_breach", "outer")
    assert trigger.facts | {"episode": None} == {
        "derived": True,
        "value": pytest.approx(0.78),
        "acceptable_level": 0.85,
        "required_level": 0.8,
        "episode": None,
    }
    assert "the level 0.8 of the requirement its goal adopts is missed too" in trigger.cause


def test_a_breach_inside_the_adopters_margin_is_its_own_to_correct(world) -> None:
    """Below its own 0.85 but above the regulator's 0.8: the margin did its job, the
    measures are improved (inner loop); going past 0.8 later calls for the outer loop."""
    uow = world.uow
    scope_id, measured = _adopted(world)
    ingest(uow, world.editor, _rows(measured.key, [0.82] * 3), scope_id=scope_id)
    evaluate_scope(uow, world.editor, scope_id, at=START + timedelta(days=3))
    [breach] = _triggers(uow, scope_id)
    assert (breach.kind, breach.loop) == ("indicator_breach", "inner")
    assert (breach.facts["derived"], breach.facts["required_level"]) == (False, 0.8)
    assert "the level 0.8 of the requirement its goal adopts is still met" in breach.cause

    # Still inside the margin a day later: the same episode, nothing new.
    ingest(uow, world.editor, _rows(measured.key, [0.83], START + timedelta(days=3)))
    assert evaluate_scope(uow, world.editor, scope_id, at=START + timedelta(days=4)).opened == []

    # The 7-day mean goes past 0.8 in the same episode, long before it would escalate.
    ingest(uow, world.editor, _rows(measured.key, [0.6] * 2, START + timedelta(days=4)))
    run = evaluate_scope(uow, world.editor, scope_id, at=START + timedelta(days=5))
    _, failure = _triggers(uow, scope_id)
    assert run.opened == [failure.id]
    assert (failure.kind, failure.loop, failure.subject_type) == ("goal_failure", "outer", "goal")
    assert failure.facts["required_level"] == 0.8
    assert failure.facts["value"] == pytest.approx((0.82 * 3 + 0.83 + 0.6 * 2) / 6)
    assert "now misses the level 0.8 of the requirement it adopts" in failure.cause
    [episode] = _scalars(uow, select(BreachEpisode))
    assert (episode.windows, episode.escalation_trigger_id) == (1, failure.id)
    # Escalated once: the next evaluation in breach opens nothing more.
    assert evaluate_scope(uow, world.editor, scope_id, at=START + timedelta(days=6)).opened == []


def _channel(world: Any) -> int:
    outsider = world.refresh("outsider")
    data = ReportingChannelCreate(
        organization_id=world.regulator_id,
        title="Hiring AI incidents",
        what="Selection parity below the required level",
        who="Adopters of the selection parity goal",
        hours_to_report=72,
    )
    return open_channel(world.uow, outsider, data).id


@pytest.mark.parametrize(
    ("value", "loop", "reported"),
    [
        (0.85, None, False),  # at its own level: no breach
        (0.849, "inner", False),  # just past its own level, the requirement's met
        (0.8, "inner", False),  # at the requirement's level: still met
        (0.799, "outer", True),  # just past the requirement's level
    ],
)
def test_the_loop_and_the_regulators_channel_follow_the_level_crossed(
    world, value: float, loop: str | None, reported: bool
) -> None:
    channel_id = _channel(world)
    scope_id, measured = _adopted(world)
    ingest(world.uow, world.editor, _rows(measured.key, [value] * 3), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    triggers = _triggers(world.uow, scope_id)
    assert [t.loop for t in triggers] == ([loop] if loop else [])
    reports = _scalars(world.uow, select(RiskReport).where(RiskReport.channel_id == channel_id))
    assert len(reports) == int(reported)
    if reported:
        [report] = reports
        assert (report.organization_id, report.scope_id) == (world.business_id, scope_id)
        assert report.severity == "high"
        assert "misses the level of 'Selection parity'" in report.title
        assert f"outer-loop trigger #{triggers[0].id}" in report.description


def test_going_past_the_requirement_mid_episode_tells_the_channel_once(world) -> None:
    channel_id = _channel(world)
    scope_id, measured = _adopted(world)
    ingest(world.uow, world.editor, _rows(measured.key, [0.82] * 3), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    ingest(world.uow, world.editor, _rows(measured.key, [0.6] * 2, START + timedelta(days=3)))
    for day in (5, 6):
        evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=day))
    [report] = _scalars(world.uow, select(RiskReport).where(RiskReport.channel_id == channel_id))
    _, failure = _triggers(world.uow, scope_id)
    assert f"#{failure.id}" in report.description


def test_without_an_open_channel_the_outer_loop_stands_alone(world) -> None:
    scope_id, measured = _adopted(world)
    ingest(world.uow, world.editor, _rows(measured.key, [0.7] * 3), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    [trigger] = _triggers(world.uow, scope_id)
    assert trigger.loop == "outer"
    assert _scalars(world.uow, select(RiskReport)) == []


def test_an_adopted_level_on_another_scale_counts_every_breach_as_the_requirements(world) -> None:
    # The indicator is in percent, the requirement a ratio: the levels cannot be compared.
    scope_id, measured = _adopted(world, unit="percent", acceptable_level=85.0, target=95.0)
    ingest(world.uow, world.editor, _rows(measured.key, [82.0] * 3), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=3))
    [trigger] = _triggers(world.uow, scope_id)
    assert (trigger.loop, trigger.facts["derived"]) == ("outer", True)
    assert "required_level" not in trigger.facts


def test_a_ratio_of_two_indicators(world) -> None:
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id)
    group_a = indicator(
        world.uow,
        world.editor,
        scope_id,
        goal.id,
        key="rate.a",
        name="Rate A",
        unit="share",
        acceptable_level=0,
    )
    group_b = indicator(
        world.uow,
        world.editor,
        scope_id,
        goal.id,
        key="rate.b",
        name="Rate B",
        unit="share",
        acceptable_level=0,
    )
    parity = indicator(
        world.uow,
        world.editor,
        scope_id,
        goal.id,
        key="rate.parity",
        name="A / B",
        aggregate="ratio",
        numerator_id=group_a.id,
        denominator_id=group_b.id,
    )
    ingest(
        world.uow,
        world.editor,
        _rows("rate.a", [0.3, 0.4]) + _rows("rate.b", [0.5, 0.5]),
        scope_id=scope_id,
    )
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=2))
    [ratio] = _scalars(world.uow, select(Evaluation).where(Evaluation.indicator_id == parity.id))
    assert ratio.value == pytest.approx(0.7) and ratio.status == "breach"


def test_ratio_indicators_are_checked(world) -> None:
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id)
    part = indicator(world.uow, world.editor, scope_id, goal.id, key="part")
    before = row_counts(world.uow)
    cases = [
        ({"aggregate": "ratio", "numerator_id": part.id}, "denominator_id", "needed"),
        ({"aggregate": "mean", "numerator_id": part.id}, "numerator_id", "only for the ratio"),
        (
            {"aggregate": "ratio", "numerator_id": part.id, "denominator_id": part.id},
            "denominator_id",
            "differ",
        ),
    ]
    for fields, field, fragment in cases:
        with pytest.raises(InvalidInput) as refused:
            indicator(world.uow, world.editor, scope_id, goal.id, key="bad", **fields)
        assert refused.value.problems[0].field == field
        assert fragment in refused.value.problems[0].message
    assert row_counts(world.uow) == before


def test_no_observations_is_no_data_and_no_trigger(world, signal) -> None:
    scope_id, _, _ = signal
    run = evaluate_scope(world.uow, world.editor, scope_id, at=START)
    assert run.counts["no_data"] == 1 and run.opened == []
    page = list_evaluations(world.uow, world.viewer, scope_id, 10, 0, status="no_data")
    assert page.total == 1 and page.items[0].value is None


def test_only_editors_evaluate(world, signal) -> None:
    scope_id, _, _ = signal
    with pytest.raises(Forbidden):
        evaluate_scope(world.uow, world.viewer, scope_id, at=START)
    with world.uow:
        assert world.uow.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_the_api_ingests_evaluates_and_lists(database_url, world, signal) -> None:
    scope_id, _, measured = signal
    editor, viewer = bearer(world.tokens["editor"]), bearer(world.tokens["viewer"])
    now = datetime.now(UTC)
    items = [
        {"indicator": measured.key, "time": (now - timedelta(hours=h)).isoformat(), "value": 0.6}
        for h in range(1, 4)
    ]
    with make_client(database_url) as client:
        stored = ok(
            client.post(f"{API}/observations", json={"observations": items}, headers=editor), 201
        )
        assert stored == {"stored": 3, "duplicates": 0}
        refused = client.post(f"{API}/scopes/{scope_id}/evaluations", headers=viewer)
        assert refused.status_code == 403
        run = ok(client.post(f"{API}/scopes/{scope_id}/evaluations", headers=editor), 201)
        assert run["counts"]["breach"] == 1 and len(run["opened"]) == 1
        page = ok(client.get(f"{API}/scopes/{scope_id}/evaluations?status=breach", headers=viewer))
        assert page["total"] == 1
        assert page["items"][0]["observation_count"] == 3
        assert page["items"][0]["value"] == pytest.approx(0.6)
        episodes = ok(
            client.get(f"{API}/scopes/{scope_id}/breach-episodes?open=true", headers=viewer)
        )
        assert episodes["total"] == 1 and episodes["items"][0]["loop"] == "inner"
        bad = client.get(f"{API}/scopes/{scope_id}/evaluations?status=fine", headers=viewer)
        assert_problem(bad, 422, "status")


def test_one_scope_failing_does_not_stop_the_others(world, signal, monkeypatch) -> None:
    scope_id, _, measured = signal
    other = new_scope(world.uow, world.editor, world.business_id, "Second system")
    goal = specific_goal(world.uow, world.editor, other)
    indicator(world.uow, world.editor, other, goal.id, key="second.ratio")
    real = service.evaluate
    broken = {"scope": scope_id}

    def evaluate_unless_first(rules, positions, *arguments, **options):  # type: ignore[no-untyped-def]
        if broken.pop("scope", None) is not None:
            raise RuntimeError("the engine failed")
        return real(rules, positions, *arguments, **options)

    ingest(world.uow, world.editor, _rows(measured.key, [0.9]), scope_id=scope_id)
    monkeypatch.setattr(service, "evaluate", evaluate_unless_first)
    with pytest.raises(service.EvaluationsFailed) as failed:
        service.evaluate_all(world.uow, at=START + timedelta(days=1))
    assert list(failed.value.failures) == [scope_id]
    evaluated = _scalars(world.uow, select(Evaluation.scope_id))
    assert evaluated == [other]  # the failed scope stored nothing, the other its evaluation


def test_every_scope_is_evaluated_on_its_own_observations(world, signal) -> None:
    scope_id, _, measured = signal
    other = new_scope(world.uow, world.editor, world.business_id, "Second system")
    goal = specific_goal(world.uow, world.editor, other)
    second = indicator(world.uow, world.editor, other, goal.id, key="second.ratio", window_days=7)
    ingest(world.uow, world.editor, _rows(measured.key, [0.9, 0.85, 0.95]), scope_id=scope_id)
    ingest(world.uow, world.editor, _rows(second.key, [0.5, 0.6]), scope_id=other)
    for day in (3, 4):
        service.evaluate_all(world.uow, at=START + timedelta(days=day))
    evaluated = _scalars(world.uow, select(Evaluation).order_by(Evaluation.id))
    found = [
        (e.scope_id, e.indicator_id, e.observation_count, round(e.value, 6), e.status)
        for e in evaluated
    ]
    assert found == 2 * [
        (scope_id, measured.id, 3, 0.9, "ok"),
        (other, second.id, 2, 0.55, "breach"),
    ]


# ---------------------------------------------------------------- evaluation as data arrives


def _queued(uow: Any) -> list[int]:
    return _scalars(
        uow, select(QueuedEvaluation.indicator_id).order_by(QueuedEvaluation.indicator_id)
    )


def test_a_breach_posted_through_the_api_opens_its_trigger_with_no_manual_step(
    database_url, world, signal
) -> None:
    scope_id, _, measured = signal
    editor = bearer(world.tokens["editor"])
    now = datetime.now(UTC)
    items = [
        {"indicator": measured.key, "time": (now - timedelta(minutes=m)).isoformat(), "value": 0.6}
        for m in range(1, 4)
    ]
    with make_client(database_url) as client:
        ok(client.post(f"{API}/observations", json={"observations": items}, headers=editor), 201)
        assert _queued(world.uow) == [measured.id]
        # What the server's "queued evaluations" job runs every second.
        [run] = evaluate_queued(world.uow)
        assert run.counts["breach"] == 1 and len(run.opened) == 1
        triggers = ok(client.get(f"{API}/scopes/{scope_id}/cycle/triggers", headers=editor))
        [trigger] = triggers["items"]
        assert (trigger["kind"], trigger["subject_id"]) == ("indicator_breach", measured.id)
    assert _queued(world.uow) == []
    assert evaluate_queued(world.uow) == []
    told = _scalars(
        world.uow, select(Notification.kind).where(Notification.kind == "indicator.breach")
    )
    assert told


def test_only_the_indicators_a_batch_touched_are_evaluated(world) -> None:
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id)
    parts = [
        indicator(
            world.uow,
            world.editor,
            scope_id,
            goal.id,
            key=key,
            name=key,
            unit="share",
            acceptable_level=0,
        )
        for key in ("rate.a", "rate.b", "rate.c")
    ]
    parity = indicator(
        world.uow,
        world.editor,
        scope_id,
        goal.id,
        key="rate.parity",
        name="A / B",
        aggregate="ratio",
        numerator_id=parts[0].id,
        denominator_id=parts[1].id,
    )
    ingest(world.uow, world.editor, _rows("rate.b", [0.5, 0.5]), scope_id=scope_id)
    ingest(world.uow, world.editor, _rows("rate.a", [0.3, 0.4]), scope_id=scope_id)
    evaluate_queued(world.uow, at=START + timedelta(days=2))
    evaluated = _scalars(world.uow, select(Evaluation).order_by(Evaluation.indicator_id))
    # Both parts and the ratio of them; not rate.c, which no batch touched.
    assert [e.indicator_id for e in evaluated] == [parts[0].id, parts[1].id, parity.id]
    assert evaluated[-1].value == pytest.approx(0.7)
    # A batch of observations stored already changes no window: nothing is queued.
    ingest(world.uow, world.editor, _rows("rate.a", [0.3, 0.4]), scope_id=scope_id)
    assert _queued(world.uow) == []


def test_queued_evaluations_equal_a_whole_scope_evaluation(world, signal) -> None:
    scope_id, _, measured = signal
    ingest(world.uow, world.editor, _rows(measured.key, [0.9, 0.6, 0.95, 0.7]), scope_id=scope_id)
    at = START + timedelta(days=4)
    evaluate_queued(world.uow, at=at)
    evaluate_scope(world.uow, world.editor, scope_id, at=at)
    queued, whole = _scalars(
        world.uow,
        select(Evaluation).where(Evaluation.indicator_id == measured.id).order_by(Evaluation.id),
    )
    fields = (
        "value",
        "status",
        "observation_count",
        "first_observation_id",
        "last_observation_id",
        "window_start",
        "first_time",
        "last_time",
    )
    assert [getattr(queued, f) for f in fields] == [getattr(whole, f) for f in fields]


def test_an_archived_scopes_queue_is_dropped_unevaluated(world, signal) -> None:
    scope_id, _, measured = signal
    ingest(world.uow, world.editor, _rows(measured.key, [0.6]), scope_id=scope_id)
    with world.uow:
        world.uow.session.get(Scope, scope_id).status = "archived"
        world.uow.commit()
    assert evaluate_queued(world.uow, at=START + timedelta(days=1)) == []
    assert _queued(world.uow) == [] and _scalars(world.uow, select(Evaluation)) == []


def test_a_feed_that_stops_is_no_data_at_the_periodic_evaluation(world, signal) -> None:
    scope_id, _, measured = signal
    ingest(world.uow, world.editor, _rows(measured.key, [0.9, 0.95]), scope_id=scope_id)
    evaluate_queued(world.uow, at=START + timedelta(days=2))
    # Nothing arrives for longer than the 7-day window: only time moves it.
    service.evaluate_all(world.uow, at=START + timedelta(days=9))
    statuses = _scalars(
        world.uow,
        select(Evaluation.status)
        .where(Evaluation.indicator_id == measured.id)
        .order_by(Evaluation.id),
    )
    assert statuses == ["ok", "no_data"]
    assert _triggers(world.uow, scope_id) == []


def test_batches_and_the_queue_drained_at_once_lose_nothing(world, signal, engine) -> None:
    """Four writers ingest into one indicator while the queue is drained over and
    over: no writer fails, and the last drain sees every observation."""
    scope_id, _, measured = signal
    errors: list[BaseException] = []
    done = threading.Event()

    def write(number: int) -> None:
        uow = UnitOfWork(make_session_factory(engine))
        try:
            for batch in range(10):
                start = START + timedelta(hours=number * 10 + batch)
                ingest(uow, world.editor, _rows(measured.key, [0.9], start), scope_id=scope_id)
        except BaseException as problem:  # reported below
            errors.append(problem)

    def drain() -> None:
        uow = UnitOfWork(make_session_factory(engine))
        try:
            while not done.is_set():
                evaluate_queued(uow, at=START + timedelta(days=2))
        except BaseException as problem:  # reported below
            errors.append(problem)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    drainer = threading.Thread(target=drain)
    drainer.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    drainer.join()
    assert errors == []
    evaluate_queued(world.uow, at=START + timedelta(days=2))
    assert _queued(world.uow) == []
    last = _scalars(
        world.uow,
        select(Evaluation.observation_count)
        .where(Evaluation.indicator_id == measured.id)
        .order_by(Evaluation.id.desc())
        .limit(1),
    )
    assert last == [40]


def test_a_drain_waits_for_a_batch_still_being_stored(world, signal, engine) -> None:
    """The interleaving that would lose a batch: its indicator is queued already
    and a drain takes the row off while the batch is not yet committed."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns whole (BEGIN IMMEDIATE)")
    scope_id, _, measured = signal
    ingest(world.uow, world.editor, _rows(measured.key, [0.9]), scope_id=scope_id)
    drained: list[Any] = []
    writer = UnitOfWork(make_session_factory(engine))
    with writer:
        session = writer.session
        row = {
            "indicator_id": measured.id,
            "time": START + timedelta(days=1),
            "value": 0.6,
            "source": "test",
            "recorded_at": START,
        }
        session.execute(insert(Observation), [row])
        service._queue(session, scope_id, {measured.id}, START)
        drainer = UnitOfWork(make_session_factory(engine))
        at = START + timedelta(days=2)
        thread = threading.Thread(target=lambda: drained.extend(evaluate_queued(drainer, at=at)))
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the drain did not wait for the batch"
        writer.commit()
    thread.join()
    assert len(drained) == 1
    [evaluation] = _scalars(world.uow, select(Evaluation))
    assert evaluation.observation_count == 2
    assert _queued(world.uow) == []
