"""The cycle engine on real databases: moves, triggers, reviews, tick, history, roles."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from agilegov import clock, scoped
from agilegov.analysis.service import CONDITION
from agilegov.auth import SYSTEM
from agilegov.cycle import service as cycle
from agilegov.cycle.models import Review
from agilegov.cycle.rules import Loop, Stage, TriggerKind
from agilegov.cycle.schemas import TransitionCreate, TriggerCreate
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.goals.service import GOAL
from agilegov.library.service import import_file
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope
from builders import (
    change,
    condition,
    cycle_row,
    event_count,
    indicator,
    measure,
    move,
    new_scope,
    ready_for_operation,
    review,
    specific_goal,
    to_operation,
)

PAGE = 100


def breach(indicator_id: int, **facts: object) -> TriggerCreate:
    return TriggerCreate(
        kind=TriggerKind.indicator_breach,
        cause="selection ratio fell below the acceptable level",
        subject_type="indicator",
        subject_id=indicator_id,
        facts=dict(facts),
    )


def manual(loop: str) -> TriggerCreate:
    return TriggerCreate(kind=TriggerKind.manual, cause="a person asked", facts={"loop": loop})


def transitions(world, scope_id: int) -> list:
    return cycle.list_transitions(world.uow, world.owner, scope_id, PAGE, 0).items


def triggers(world, scope_id: int, status: str | None = None) -> list:
    return cycle.list_triggers(world.uow, world.owner, scope_id, PAGE, 0, status).items


def _refuse(world, scope_id: int, to: Stage, reason: str) -> None:
    """Try a move that must be refused; check nothing at all changed."""
    cycle_before, events_before = cycle_row(world.uow, scope_id), event_count(world.uow)
    transitions_before = transitions(world, scope_id)
    with pytest.raises(InvalidInput) as refused:
        cycle.advance(world.uow, world.editor, scope_id, TransitionCreate(to=to))
    assert [p.field for p in refused.value.problems] == ["to"]
    assert reason in refused.value.problems[0].message
    assert cycle_row(world.uow, scope_id) == cycle_before
    assert event_count(world.uow) == events_before
    assert transitions(world, scope_id) == transitions_before


@pytest.fixture
def scope_id(world) -> int:
    return new_scope(world.uow, world.owner, world.business_id)


def test_a_new_scope_starts_at_analysis(world, scope_id) -> None:
    state = cycle.get_cycle(world.uow, world.viewer, scope_id)
    assert state.stage is Stage.analysis
    assert (state.inner_iterations, state.outer_iterations) == (0, 0)
    assert state.open_triggers == []
    [start] = transitions(world, scope_id)
    assert (start.from_stage, start.to_stage, start.loop) == (None, Stage.analysis, None)
    assert start.actor_id == world.owner.user_id
    entries = cycle.history(world.uow, world.viewer, scope_id, PAGE, 0).items
    assert [(e.kind, e.id) for e in entries] == [("transition", start.id)]


def test_one_pass_reaches_operation(world, scope_id) -> None:
    to_operation(world.uow, world.editor, scope_id)
    state = cycle.get_cycle(world.uow, world.viewer, scope_id)
    assert state.stage is Stage.operation
    assert (state.inner_iterations, state.outer_iterations) == (0, 0)
    moves = [(t.from_stage, t.to_stage, t.loop) for t in transitions(world, scope_id)]
    assert moves == [
        (None, Stage.analysis, None),
        (Stage.analysis, Stage.goals, None),
        (Stage.goals, Stage.design, None),
        (Stage.design, Stage.operation, None),
    ]


def test_the_inner_and_the_outer_loop_are_counted(world, scope_id) -> None:
    uow, editor = world.uow, world.editor
    to_operation(uow, editor, scope_id)

    move(uow, editor, scope_id, Stage.evaluation)
    first = review(uow, world.reviewer, scope_id)
    state = move(uow, editor, scope_id, Stage.design)
    assert state.stage is Stage.design
    assert (state.inner_iterations, state.outer_iterations) == (1, 0)
    inner = transitions(world, scope_id)[-1]
    assert (inner.loop, inner.review_id) == (Loop.inner, first.id)

    move(uow, editor, scope_id, Stage.operation, Stage.evaluation)
    second = review(uow, world.reviewer, scope_id)
    state = move(uow, editor, scope_id, Stage.analysis)
    assert state.stage is Stage.analysis
    assert (state.inner_iterations, state.outer_iterations) == (1, 1)
    outer = transitions(world, scope_id)[-1]
    assert (outer.loop, outer.review_id) == (Loop.outer, second.id)


def test_a_review_from_an_earlier_evaluation_does_not_open_the_next(world, scope_id) -> None:
    uow, editor = world.uow, world.editor
    to_operation(uow, editor, scope_id)
    move(uow, editor, scope_id, Stage.evaluation)
    review(uow, world.reviewer, scope_id)
    move(uow, editor, scope_id, Stage.design, Stage.operation, Stage.evaluation)
    _refuse(world, scope_id, Stage.design, "review")


def test_a_move_outside_the_loop_is_refused(world, scope_id) -> None:
    _refuse(world, scope_id, Stage.operation, "analysis cannot move to operation")
    _refuse(world, scope_id, Stage.analysis, "analysis cannot move to analysis")
    _refuse(world, scope_id, Stage.evaluation, "analysis cannot move to evaluation")


def test_operation_needs_a_goal_with_an_indicator(world, scope_id) -> None:
    specific_goal(world.uow, world.editor, scope_id)  # no indicator
    measure(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.goals, Stage.design)
    _refuse(world, scope_id, Stage.operation, "goal with an indicator")


def test_operation_needs_an_implemented_measure(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.evaluation)
    review(world.uow, world.reviewer, scope_id)
    move(world.uow, world.editor, scope_id, Stage.design)
    change(world.uow, world.editor, scope_id, MEASURE, built["measure"].id, status="planned")
    _refuse(world, scope_id, Stage.operation, "implemented measure")


def test_operation_ignores_retired_goals(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.evaluation)
    review(world.uow, world.reviewer, scope_id)
    move(world.uow, world.editor, scope_id, Stage.design)
    scoped.delete_item(world.uow, world.editor, scope_id, GOAL, built["goal"].id)
    _refuse(world, scope_id, Stage.operation, "goal with an indicator")


def test_leaving_evaluation_needs_a_review(world, scope_id) -> None:
    to_operation(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.evaluation)
    _refuse(world, scope_id, Stage.design, "review")
    _refuse(world, scope_id, Stage.analysis, "review")


def test_a_trigger_during_operation_starts_evaluation(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    opened = cycle.raise_trigger(world.uow, world.editor, scope_id, breach(built["indicator"].id))
    assert (opened.loop, opened.status) == (Loop.inner, "open")
    state = cycle.get_cycle(world.uow, world.viewer, scope_id)
    assert state.stage is Stage.evaluation
    assert [t.id for t in state.open_triggers] == [opened.id]
    last = transitions(world, scope_id)[-1]
    assert (last.from_stage, last.to_stage, last.trigger_id) == (
        Stage.operation,
        Stage.evaluation,
        opened.id,
    )

    events = event_count(world.uow)
    again = cycle.raise_trigger(world.uow, world.editor, scope_id, breach(built["indicator"].id))
    assert again.id == opened.id
    assert [t.id for t in triggers(world, scope_id)] == [opened.id]
    assert event_count(world.uow) == events


def test_the_same_kind_on_another_subject_is_another_trigger(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    other = indicator(world.uow, world.editor, scope_id, built["goal"].id, key="selection.q")
    first = cycle.raise_trigger(world.uow, world.editor, scope_id, breach(built["indicator"].id))
    second = cycle.raise_trigger(world.uow, world.editor, scope_id, breach(other.id))
    assert first.id != second.id
    # Only the first moved the cycle; the second joins the running evaluation.
    moved_by = [t.trigger_id for t in transitions(world, scope_id) if t.trigger_id]
    assert moved_by == [first.id]


def test_a_trigger_outside_operation_waits_and_blocks_operation(world, scope_id) -> None:
    ready_for_operation(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.goals, Stage.design)
    opened = cycle.raise_trigger(world.uow, world.editor, scope_id, manual("inner"))
    assert cycle.get_cycle(world.uow, world.viewer, scope_id).stage is Stage.design
    _refuse(world, scope_id, Stage.operation, f"#{opened.id}")

    settled = review(world.uow, world.reviewer, scope_id, resolves=[opened.id])
    [resolved] = triggers(world, scope_id)
    assert (resolved.status, resolved.resolved_by_review_id) == ("resolved", settled.id)
    assert move(world.uow, world.editor, scope_id, Stage.operation).stage is Stage.operation


def test_leaving_evaluation_resolves_open_triggers_and_links_the_review(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    first = cycle.raise_trigger(world.uow, world.editor, scope_id, breach(built["indicator"].id))
    second = cycle.raise_trigger(world.uow, world.editor, scope_id, manual("inner"))
    decided = review(world.uow, world.reviewer, scope_id)
    state = move(world.uow, world.editor, scope_id, Stage.design)

    assert state.open_triggers == []
    settled = {t.id: t for t in triggers(world, scope_id)}
    for trigger_id in (first.id, second.id):
        assert settled[trigger_id].status == "resolved"
        assert settled[trigger_id].resolved_by_review_id == decided.id
        assert settled[trigger_id].resolved_at is not None
    assert transitions(world, scope_id)[-1].review_id == decided.id


def test_an_outer_trigger_sends_evaluation_back_to_analysis(world, scope_id) -> None:
    built = to_operation(world.uow, world.editor, scope_id)
    derived = cycle.raise_trigger(
        world.uow, world.editor, scope_id, breach(built["indicator"].id, derived=True)
    )
    assert derived.loop is Loop.outer
    review(world.uow, world.reviewer, scope_id)
    _refuse(world, scope_id, Stage.design, f"#{derived.id}")
    state = move(world.uow, world.editor, scope_id, Stage.analysis)
    assert (state.stage, state.outer_iterations, state.inner_iterations) == (
        Stage.analysis,
        1,
        0,
    )
    assert triggers(world, scope_id, "open") == []


def _framework(version: str, published: str) -> bytes:
    return f"""urn: urn:test:risk:library:guide-{version}
name: Guide
publication_date: {published}
objects:
  framework:
    urn: urn:test:risk:framework:guide-{version}
    name: Guide {version}
    requirement_nodes:
    - {{urn: "urn:test:risk:req_node:guide-{version}:1", ref_id: "1", name: Fairness}}
""".encode()


def test_following_a_new_framework_version_opens_an_outer_trigger(world, scope_id) -> None:
    uow = world.uow
    for version, published in (("1.0", "2024-04-19"), ("1.1", "2025-03-28"), ("1.2", "2026-01-01")):
        import_file(uow, SYSTEM, _framework(version, published), f"guide-{version}.yaml")
    import_file(uow, SYSTEM, _framework("1", "2023-01-01").replace(b"guide", b"other"), "o.yaml")
    update_scope(uow, world.owner, scope_id, ScopeUpdate(frameworks=["guide@1.0"]))
    to_operation(uow, world.editor, scope_id)
    # Following one more framework, or renaming the scope, is a plain edit.
    more = ["guide@1.0", "other@1"]
    update_scope(uow, world.editor, scope_id, ScopeUpdate(frameworks=more, name="Renamed"))
    assert triggers(world, scope_id) == []

    newer = ["guide@1.1", "other@1"]
    update_scope(uow, world.editor, scope_id, ScopeUpdate(frameworks=newer))
    [opened] = triggers(world, scope_id)
    assert (opened.kind, opened.loop, opened.opened_by) == (
        TriggerKind.framework_change,
        Loop.outer,
        None,  # the platform's rule, not the editor, opened it
    )
    assert (opened.facts["from"], opened.facts["to"]) == ("guide@1.0", "guide@1.1")
    assert "guide@1.1 replaces guide@1.0" in opened.cause
    state = cycle.get_cycle(uow, world.viewer, scope_id)
    assert state.stage is Stage.evaluation
    last = transitions(world, scope_id)[-1]
    assert (last.to_stage, last.trigger_id, last.actor_id) == (Stage.evaluation, opened.id, None)

    # Saving the same versions again opens nothing more.
    update_scope(uow, world.editor, scope_id, ScopeUpdate(frameworks=newer, name="Again"))
    assert len(triggers(world, scope_id)) == 1
    # Nor does a scope archived as it moves on: its cycle stands still.
    newest = ["guide@1.2"]
    update_scope(uow, world.owner, scope_id, ScopeUpdate(frameworks=newest, status="archived"))
    assert len(triggers(world, scope_id)) == 1


def test_a_manual_trigger_without_a_loop_is_refused(world, scope_id) -> None:
    events = event_count(world.uow)
    bad = TriggerCreate(kind=TriggerKind.manual, cause="no loop given", facts={"loop": "both"})
    with pytest.raises(InvalidInput) as refused:
        cycle.raise_trigger(world.uow, world.editor, scope_id, bad)
    assert refused.value.problems[0].field == "facts.loop"
    assert triggers(world, scope_id) == []
    assert event_count(world.uow) == events


@pytest.mark.parametrize("which", ["unknown", "resolved", "other scope"])
def test_a_review_cannot_resolve_a_trigger_that_is_not_open_here(world, scope_id, which) -> None:
    if which == "unknown":
        trigger_id = 999_999
    elif which == "resolved":
        trigger_id = cycle.raise_trigger(world.uow, world.editor, scope_id, manual("inner")).id
        review(world.uow, world.reviewer, scope_id, resolves=[trigger_id])
    else:
        other = new_scope(world.uow, world.owner, world.business_id, name="Chatbot")
        trigger_id = cycle.raise_trigger(world.uow, world.editor, other, manual("inner")).id
    events = event_count(world.uow)
    reviews = cycle.list_reviews(world.uow, world.viewer, scope_id, PAGE, 0).total
    with pytest.raises(InvalidInput) as refused:
        review(world.uow, world.reviewer, scope_id, resolves=[trigger_id])
    assert refused.value.problems[0].field == "resolves"
    assert str(trigger_id) in refused.value.problems[0].message
    assert cycle.list_reviews(world.uow, world.viewer, scope_id, PAGE, 0).total == reviews
    assert event_count(world.uow) == events


def test_a_review_names_versions_of_this_scope_only(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id)
    other = new_scope(world.uow, world.owner, world.business_id, name="Chatbot")
    foreign = specific_goal(world.uow, world.editor, other)
    for ref in (
        {"kind": "goal", "id": goal.id, "version": 2},  # no such version yet
        {"kind": "goal", "id": foreign.id, "version": 1},  # another scope's goal
        {"kind": "measure", "id": goal.id, "version": 1},  # a goal is not a measure
    ):
        with pytest.raises(InvalidInput) as refused:
            review(world.uow, world.reviewer, scope_id, changes=[ref])
        assert refused.value.problems[0].field == "changes[0]"
    kept = review(
        world.uow, world.reviewer, scope_id, changes=[{"kind": "goal", "id": goal.id, "version": 1}]
    )
    assert kept.changes == [{"kind": "goal", "id": goal.id, "version": 1}]


def test_tick_opens_a_review_trigger_once_per_review_by_date(world, scope_id) -> None:
    uow = world.uow
    fact = condition(uow, world.editor, scope_id, review_by=date(2030, 1, 10))
    goal = specific_goal(uow, world.editor, scope_id, review_by=date(2030, 3, 10))

    assert cycle.tick(uow, today=date(2030, 1, 10)) == []  # due on the day, not yet past

    opened = cycle.tick(uow, today=date(2030, 1, 11))
    assert [(t.kind, t.subject_type, t.subject_id) for t in opened] == [
        (TriggerKind.condition_review_due, "condition", fact.id)
    ]
    assert opened[0].loop is Loop.outer
    assert opened[0].facts["review_by"] == "2030-01-10"

    events = event_count(uow)
    assert cycle.tick(uow, today=date(2030, 1, 12)) == []
    assert event_count(uow) == events

    opened = cycle.tick(uow, today=date(2030, 3, 11))
    assert [(t.kind, t.subject_id) for t in opened] == [(TriggerKind.goal_review_due, goal.id)]
    assert cycle.tick(uow, today=date(2030, 3, 12)) == []

    # The condition is reviewed and its review-by date moved; when that date
    # passes too, a new trigger opens.
    review(uow, world.reviewer, scope_id, resolves=[t.id for t in triggers(world, scope_id)])
    change(uow, world.editor, scope_id, CONDITION, fact.id, review_by=date(2030, 6, 1))
    assert cycle.tick(uow, today=date(2030, 5, 1)) == []
    opened = cycle.tick(uow, today=date(2030, 6, 2))
    assert [(t.kind, t.subject_id, t.facts["review_by"]) for t in opened] == [
        (TriggerKind.condition_review_due, fact.id, "2030-06-01")
    ]
    assert len(triggers(world, scope_id)) == 3


def test_tick_reports_only_triggers_it_opened(world, scope_id) -> None:
    """A condition whose date moved while its earlier trigger is still open
    is not reported again and again."""
    uow = world.uow
    fact = condition(uow, world.editor, scope_id, review_by=date(2030, 1, 10))
    [first] = cycle.tick(uow, today=date(2030, 1, 11))
    change(uow, world.editor, scope_id, CONDITION, fact.id, review_by=date(2030, 2, 1))
    events = event_count(uow)
    assert cycle.tick(uow, today=date(2030, 2, 2)) == []
    assert cycle.tick(uow, today=date(2030, 2, 3)) == []
    assert [t.id for t in triggers(world, scope_id)] == [first.id]
    assert event_count(uow) == events


def test_tick_ignores_retired_goals_and_archived_scopes(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id, review_by=date(2030, 1, 1))
    scoped.delete_item(world.uow, world.editor, scope_id, GOAL, goal.id)
    other = new_scope(world.uow, world.owner, world.business_id, name="Archived one")
    condition(world.uow, world.editor, other, review_by=date(2030, 1, 1))
    update_scope(world.uow, world.owner, other, ScopeUpdate(status="archived"))
    assert cycle.tick(world.uow, today=date(2030, 2, 1)) == []


def test_tick_during_operation_starts_evaluation(world, scope_id) -> None:
    to_operation(world.uow, world.editor, scope_id)
    condition(world.uow, world.editor, scope_id, review_by=date(2030, 1, 1))
    [opened] = cycle.tick(world.uow, today=date(2030, 1, 2))
    state = cycle.get_cycle(world.uow, world.viewer, scope_id)
    assert state.stage is Stage.evaluation
    assert transitions(world, scope_id)[-1].trigger_id == opened.id


def test_history_lists_transitions_triggers_and_reviews_newest_first(world) -> None:
    uow, editor = world.uow, world.editor
    start = datetime(2030, 1, 1, 9, tzinfo=UTC)

    def at(minutes: int):
        return clock.frozen_at(start + timedelta(minutes=minutes))

    with at(0):
        scope_id = new_scope(uow, world.owner, world.business_id)
        built = to_operation(uow, editor, scope_id)
    with at(10):
        opened = cycle.raise_trigger(uow, editor, scope_id, breach(built["indicator"].id))
    with at(20):
        decided = review(uow, world.reviewer, scope_id)
    with at(30):
        move(uow, editor, scope_id, Stage.design)

    entries = cycle.history(uow, world.viewer, scope_id, PAGE, 0).items
    moves = transitions(world, scope_id)
    assert (
        [(e.kind, e.id) for e in entries]
        == [
            ("transition", moves[5].id),  # evaluation -> design, at 30
            ("trigger_resolved", opened.id),  # at 30, by the move
            ("review", decided.id),  # at 20
            ("transition", moves[4].id),  # operation -> evaluation, at 10
            ("trigger_opened", opened.id),  # at 10, before the move it caused
            *[("transition", t.id) for t in reversed(moves[:4])],  # at 0, newest first
        ]
    )
    times = [e.time for e in entries]
    assert times == sorted(times, reverse=True)
    assert "inner loop" in entries[0].text
    assert f"review #{decided.id}" in entries[1].text

    page = cycle.history(uow, world.viewer, scope_id, 2, 1)
    assert page.total == len(entries)
    assert [(e.kind, e.id) for e in page.items] == [(e.kind, e.id) for e in entries[1:3]]
    recent = cycle.get_cycle(uow, world.viewer, scope_id).recent_history
    assert [(e.kind, e.id) for e in recent] == [(e.kind, e.id) for e in entries]


def test_a_viewer_reads_but_cannot_move_raise_or_review(world, scope_id) -> None:
    assert cycle.get_cycle(world.uow, world.viewer, scope_id).stage is Stage.analysis
    events = event_count(world.uow)
    with pytest.raises(Forbidden):
        move(world.uow, world.viewer, scope_id, Stage.goals)
    with pytest.raises(Forbidden):
        cycle.raise_trigger(world.uow, world.viewer, scope_id, manual("outer"))
    with pytest.raises(Forbidden):
        review(world.uow, world.viewer, scope_id)
    assert event_count(world.uow) == events
    assert cycle.get_cycle(world.uow, world.owner, scope_id).stage is Stage.analysis


def test_a_reviewer_records_reviews_but_cannot_move(world, scope_id) -> None:
    decided = review(world.uow, world.reviewer, scope_id)
    assert (decided.stage, decided.decided_by) == (Stage.analysis, world.reviewer.user_id)
    with pytest.raises(Forbidden):
        move(world.uow, world.reviewer, scope_id, Stage.goals)
    with pytest.raises(Forbidden):
        cycle.raise_trigger(world.uow, world.reviewer, scope_id, manual("outer"))
    assert cycle.get_cycle(world.uow, world.owner, scope_id).stage is Stage.analysis


def test_an_outsider_sees_a_scope_only_once_it_is_published(world, scope_id) -> None:
    outsider = world.outsider
    for read in (
        lambda: cycle.get_cycle(world.uow, outsider, scope_id),
        lambda: cycle.history(world.uow, outsider, scope_id, PAGE, 0),
        lambda: cycle.list_triggers(world.uow, outsider, scope_id, PAGE, 0),
    ):
        with pytest.raises(NotFound):
            read()
    with pytest.raises(NotFound):
        cycle.raise_trigger(world.uow, outsider, scope_id, manual("outer"))
    with pytest.raises(Forbidden):
        update_scope(world.uow, world.editor, scope_id, ScopeUpdate(visibility="public"))

    update_scope(world.uow, world.owner, scope_id, ScopeUpdate(visibility="public"))
    assert cycle.get_cycle(world.uow, outsider, scope_id).stage is Stage.analysis
    assert cycle.history(world.uow, outsider, scope_id, PAGE, 0).total == 1
    # Reading is not writing.
    with pytest.raises(Forbidden):
        move(world.uow, outsider, scope_id, Stage.goals)
    with pytest.raises(Forbidden):
        review(world.uow, outsider, scope_id)


def test_an_archived_scope_is_read_but_not_moved(world, scope_id) -> None:
    update_scope(world.uow, world.owner, scope_id, ScopeUpdate(status="archived"))
    events = event_count(world.uow)
    with pytest.raises(Conflict):
        move(world.uow, world.editor, scope_id, Stage.goals)
    with pytest.raises(Conflict):
        cycle.raise_trigger(world.uow, world.editor, scope_id, manual("outer"))
    with pytest.raises(Conflict):
        review(world.uow, world.reviewer, scope_id)
    assert event_count(world.uow) == events
    assert cycle.get_cycle(world.uow, world.viewer, scope_id).stage is Stage.analysis


def test_the_review_of_an_evaluation_is_stored_with_its_visit(world, scope_id) -> None:
    to_operation(world.uow, world.editor, scope_id)
    move(world.uow, world.editor, scope_id, Stage.evaluation)
    visit = cycle.get_cycle(world.uow, world.viewer, scope_id).visit
    decided = review(world.uow, world.reviewer, scope_id)
    assert (decided.stage, decided.visit) == (Stage.evaluation, visit)
    with world.uow:
        stored = world.uow.session.scalars(select(Review).where(Review.scope_id == scope_id)).one()
        assert (stored.id, stored.decided_by) == (decided.id, world.reviewer.user_id)
