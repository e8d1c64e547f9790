"""Consequences that cross entities and organizations: a requirement that
moves reaches the goals adopting it; tightening keeps indicators in line;
deleting never silently changes what refers to an entity; triggers are about
something real in their scope."""

import pytest

from agilegov import scoped
from agilegov.analysis.service import CONDITION, IMPACT, RISK
from agilegov.cycle.rules import Loop
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import get_cycle, raise_trigger
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, InvalidInput
from agilegov.goals.service import GOAL, INDICATOR
from agilegov.monitor.schemas import ObservationBatch
from agilegov.monitor.service import ingest
from builders import (
    add,
    change,
    condition,
    event_count,
    impact,
    indicator,
    measure,
    new_scope,
    row_counts,
    specific_goal,
    stakeholder,
)


@pytest.fixture
def adopted(world):
    """The regulator's published requirement (≥ 0.8) and a business goal adopting it (≥ 0.85)."""
    outsider = world.refresh("outsider")
    rule_scope = new_scope(world.uow, outsider, world.regulator_id, "Fair hiring rules", "public")
    requirement = specific_goal(world.uow, outsider, rule_scope, title="Selection parity")
    business_scope = new_scope(world.uow, world.editor, world.business_id)
    adopter = specific_goal(
        world.uow,
        world.editor,
        business_scope,
        acceptable_level=0.85,
        derives_from_id=requirement.id,
    )
    return outsider, rule_scope, requirement, business_scope, adopter


def _open_triggers(world, scope_id):
    return get_cycle(world.uow, world.viewer, scope_id).open_triggers


def test_a_tightened_requirement_opens_an_outer_loop_trigger_on_each_adopter(world, adopted):
    outsider, rule_scope, requirement, business_scope, adopter = adopted
    change(world.uow, outsider, rule_scope, GOAL, requirement.id, acceptable_level=0.9)
    [trigger] = _open_triggers(world, business_scope)
    assert trigger.kind == "condition_change"
    assert trigger.loop == Loop.outer
    assert (trigger.subject_type, trigger.subject_id) == ("goal", adopter.id)
    assert trigger.facts == {"requirement_goal_id": requirement.id, "requirement_version": 2}
    assert "0.8 → 0.9" in trigger.cause


def test_retiring_a_requirement_reaches_its_adopters(world, adopted):
    outsider, rule_scope, requirement, business_scope, _ = adopted
    scoped.delete_item(world.uow, outsider, rule_scope, GOAL, requirement.id)
    [trigger] = _open_triggers(world, business_scope)
    assert "status active → retired" in trigger.cause


def test_a_requirement_reworded_only_leaves_adopters_alone(world, adopted):
    outsider, rule_scope, requirement, business_scope, _ = adopted
    change(world.uow, outsider, rule_scope, GOAL, requirement.id, title="Parity in selection")
    assert _open_triggers(world, business_scope) == []


def test_a_goal_is_not_tightened_past_its_indicators(world):
    scope = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope)
    signal = indicator(world.uow, world.editor, scope, goal.id)
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        change(world.uow, world.editor, scope, GOAL, goal.id, acceptable_level=0.9)
    assert refused.value.problems[0].field == "acceptable_level"
    assert "selection.ratio" in refused.value.problems[0].message
    assert row_counts(world.uow) == before
    change(world.uow, world.editor, scope, INDICATOR, signal.id, acceptable_level=0.9)
    assert change(world.uow, world.editor, scope, GOAL, goal.id, acceptable_level=0.9).version == 2


@pytest.fixture
def linked(world):
    scope = new_scope(world.uow, world.editor, world.business_id)
    person = stakeholder(world.uow, world.editor, scope)
    effect = impact(world.uow, world.editor, scope, stakeholder_id=person.id)
    premise = condition(world.uow, world.editor, scope)
    risk = add(
        world.uow,
        world.editor,
        scope,
        RISK,
        title="Proxy discrimination",
        inherent_likelihood=4,
        inherent_severity=4,
        residual_likelihood=2,
        residual_severity=4,
        treatment="mitigate",
        impact_ids=[effect.id],
        condition_ids=[premise.id],
    )
    return scope, effect, premise, risk


@pytest.mark.parametrize(
    ("kind", "name", "linker"), [(IMPACT, "effect", "risks"), (CONDITION, "premise", "risks")]
)
def test_deleting_what_a_risk_links_to_is_refused(world, linked, kind, name, linker):
    scope, effect, premise, risk = linked
    target = {"effect": effect, "premise": premise}[name]
    before, events = row_counts(world.uow), event_count(world.uow)
    with pytest.raises(Conflict) as refused:
        scoped.delete_item(world.uow, world.editor, scope, kind, target.id)
    assert f"{linker} {risk.id}" in refused.value.detail
    assert (row_counts(world.uow), event_count(world.uow)) == (before, events)


def test_a_risk_goes_with_its_own_links_but_not_while_a_measure_links_to_it(world, linked):
    scope, effect, _, risk = linked
    control = measure(world.uow, world.editor, scope, risk_ids=[risk.id])
    with pytest.raises(Conflict) as refused:
        scoped.delete_item(world.uow, world.editor, scope, RISK, risk.id)
    assert f"measures {control.id}" in refused.value.detail
    change(world.uow, world.editor, scope, MEASURE, control.id, risk_ids=[])
    scoped.delete_item(world.uow, world.editor, scope, RISK, risk.id)
    # The impact the risk linked to stays, now free to go as well.
    scoped.delete_item(world.uow, world.editor, scope, IMPACT, effect.id)


def test_an_indicator_with_observations_keeps_them_as_evidence(world):
    scope = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope)
    signal = indicator(world.uow, world.editor, scope, goal.id)
    batch = ObservationBatch(
        observations=[{"indicator": signal.key, "time": "2026-01-05T00:00:00Z", "value": 0.84}]
    )
    ingest(world.uow, world.editor, batch.rows(), scope_id=scope)
    with pytest.raises(Conflict) as refused:
        scoped.delete_item(world.uow, world.editor, scope, INDICATOR, signal.id)
    assert "observations" in refused.value.detail


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ({"subject_type": "goal"}, "subject_id"),
        ({"subject_type": "spaceship", "subject_id": 1}, "subject_type"),
        ({"subject_type": "goal", "subject_id": 999}, "subject_id"),
        ({"subject_type": "goal", "subject_id": "other"}, "subject_id"),
    ],
)
def test_a_trigger_is_about_something_in_its_scope(world, subject, field):
    scope = new_scope(world.uow, world.editor, world.business_id)
    elsewhere = new_scope(world.uow, world.editor, world.business_id, "Another service")
    other_goal = specific_goal(world.uow, world.editor, elsewhere)
    if subject.get("subject_id") == "other":
        subject = {**subject, "subject_id": other_goal.id}
    before, events = row_counts(world.uow), event_count(world.uow)
    with pytest.raises(InvalidInput) as refused:
        raise_trigger(
            world.uow,
            world.editor,
            scope,
            TriggerCreate(
                kind="complaint_cluster", cause="complaints about a rejection", **subject
            ),
        )
    assert refused.value.problems[0].field == field
    assert (row_counts(world.uow), event_count(world.uow)) == (before, events)
