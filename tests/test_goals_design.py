"""Goals, indicators, measures and risks: the rules of each kind, on real databases."""

from typing import Any

import pytest

from agilegov import scoped
from agilegov.analysis.risk_matrix import LEVEL_BANDS, RiskLevel, risk_level, risk_score
from agilegov.analysis.service import IMPACT, RISK, STAKEHOLDER
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import GOAL, INDICATOR
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

PAGE = 100


def refused(call: Any, field: str, uow: Any) -> InvalidInput:
    """``call`` must be refused naming ``field``, and store nothing at all."""
    before = row_counts(uow)
    with pytest.raises(InvalidInput) as problem:
        call()
    assert [p.field for p in problem.value.problems] == [field], problem.value
    assert row_counts(uow) == before
    return problem.value


def versions(world, scope_id: int, kind: scoped.Kind, item_id: int) -> list:
    return scoped.list_versions(world.uow, world.viewer, scope_id, kind, item_id, PAGE, 0).items


# ---------------------------------------------------------------- derivation


@pytest.fixture
def regulation(world) -> dict[str, Any]:
    """The regulator's published requirements, one of each direction."""
    scope_id = new_scope(
        world.uow, world.outsider, world.regulator_id, "Hiring AI rules", visibility="public"
    )
    fairness = specific_goal(
        world.uow, world.outsider, scope_id, title="Selection parity", acceptable_level=0.8
    )
    errors = specific_goal(
        world.uow,
        world.outsider,
        scope_id,
        title="Wrongful rejections",
        direction="lower_is_better",
        unit="rate",
        acceptable_level=0.05,
    )
    return {"scope_id": scope_id, "fairness": fairness, "errors": errors}


@pytest.fixture
def scope_id(world) -> int:
    return new_scope(world.uow, world.owner, world.business_id)


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_a_business_adopts_a_published_goal_at_its_level_or_stricter(
    world, regulation, scope_id, level
) -> None:
    source = regulation["fairness"]
    goal = specific_goal(
        world.uow, world.editor, scope_id, derives_from_id=source.id, acceptable_level=level
    )
    assert (goal.derives_from_id, goal.acceptable_level) == (source.id, level)


def test_a_weaker_level_than_the_source_is_refused(world, regulation, scope_id) -> None:
    source = regulation["fairness"]
    events = event_count(world.uow)
    problem = refused(
        lambda: specific_goal(
            world.uow, world.editor, scope_id, derives_from_id=source.id, acceptable_level=0.7
        ),
        "acceptable_level",
        world.uow,
    )
    assert str(source.acceptable_level) in problem.problems[0].message
    assert scoped.list_items(world.uow, world.owner, scope_id, GOAL, PAGE, 0).total == 0
    assert event_count(world.uow) == events


def test_lower_is_better_compares_the_other_way(world, regulation, scope_id) -> None:
    source = regulation["errors"]
    common = {"derives_from_id": source.id, "direction": "lower_is_better", "unit": "rate"}
    stricter = specific_goal(world.uow, world.editor, scope_id, acceptable_level=0.03, **common)
    assert stricter.acceptable_level == 0.03
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, acceptable_level=0.08, **common),
        "acceptable_level",
        world.uow,
    )


def test_a_derived_goal_cannot_be_weakened_later(world, regulation, scope_id) -> None:
    source = regulation["fairness"]
    goal = specific_goal(world.uow, world.editor, scope_id, derives_from_id=source.id)
    refused(
        lambda: change(world.uow, world.editor, scope_id, GOAL, goal.id, acceptable_level=0.5),
        "acceptable_level",
        world.uow,
    )
    assert scoped.get_item(world.uow, world.viewer, scope_id, GOAL, goal.id) == goal


def test_an_unpublished_source_is_refused(world, scope_id) -> None:
    draft_scope = new_scope(world.uow, world.outsider, world.regulator_id, "Draft rules")
    draft = specific_goal(world.uow, world.outsider, draft_scope)
    problem = refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, derives_from_id=draft.id),
        "derives_from_id",
        world.uow,
    )
    assert "not published" in problem.problems[0].message


def test_a_source_of_the_same_organization_is_refused(world, scope_id) -> None:
    sibling = new_scope(world.uow, world.owner, world.business_id, "Policy", visibility="public")
    own = specific_goal(world.uow, world.owner, sibling)
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, derives_from_id=own.id),
        "derives_from_id",
        world.uow,
    )


def test_a_missing_or_retired_source_is_refused(world, regulation, scope_id) -> None:
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, derives_from_id=999_999),
        "derives_from_id",
        world.uow,
    )
    source = regulation["fairness"]
    scoped.delete_item(world.uow, world.outsider, regulation["scope_id"], GOAL, source.id)
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, derives_from_id=source.id),
        "derives_from_id",
        world.uow,
    )


def test_a_direction_mismatch_is_refused(world, regulation, scope_id) -> None:
    source = regulation["fairness"]  # higher is better
    refused(
        lambda: specific_goal(
            world.uow,
            world.editor,
            scope_id,
            derives_from_id=source.id,
            direction="lower_is_better",
            acceptable_level=0.1,
        ),
        "direction",
        world.uow,
    )


def test_a_unit_mismatch_is_refused(world, regulation, scope_id) -> None:
    source = regulation["fairness"]
    refused(
        lambda: specific_goal(
            world.uow, world.editor, scope_id, derives_from_id=source.id, unit="percent"
        ),
        "unit",
        world.uow,
    )


# ---------------------------------------------------------------- versions


def test_changing_a_goal_keeps_its_earlier_version(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id, title="Fair shortlisting")
    changed = change(
        world.uow, world.editor, scope_id, GOAL, goal.id, title="Fair interviews", target=0.9
    )
    assert (changed.version, changed.title, changed.target) == (2, "Fair interviews", 0.9)
    first, second = versions(world, scope_id, GOAL, goal.id)
    assert (first.version, first.data["title"], first.data["target"]) == (
        1,
        "Fair shortlisting",
        None,
    )
    assert (second.version, second.data["title"], second.data["target"]) == (
        2,
        "Fair interviews",
        0.9,
    )
    assert "target" in second.note and "title" in second.note
    assert second.actor_id == world.editor.user_id


def test_changing_a_measure_keeps_its_earlier_version(world, scope_id) -> None:
    planned = measure(world.uow, world.editor, scope_id, status="planned")
    done = change(
        world.uow,
        world.editor,
        scope_id,
        MEASURE,
        planned.id,
        status="implemented",
        change_note="rolled out in March",
    )
    assert (done.version, done.status) == (2, "implemented")
    history = versions(world, scope_id, MEASURE, planned.id)
    assert [(v.version, v.data["status"]) for v in history] == [
        (1, "planned"),
        (2, "implemented"),
    ]
    assert history[1].note == "rolled out in March"


@pytest.mark.parametrize(
    ("kind", "make", "same"),
    [
        (GOAL, specific_goal, {"title": "Fair shortlisting", "acceptable_level": 0.8}),
        (MEASURE, measure, {"status": "implemented", "goal_ids": []}),
    ],
    ids=["goal", "measure"],
)
def test_a_change_that_changes_nothing_keeps_no_version(world, scope_id, kind, make, same) -> None:
    item = make(world.uow, world.editor, scope_id)
    before, events = row_counts(world.uow), event_count(world.uow)
    again = change(world.uow, world.editor, scope_id, kind, item.id, **same)
    assert again.version == 1
    assert again.updated_at == item.updated_at
    assert row_counts(world.uow) == before
    assert event_count(world.uow) == events


def test_deleting_a_goal_retires_it_and_keeps_its_versions(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id)
    change(world.uow, world.editor, scope_id, GOAL, goal.id, title="Fair interviews")
    scoped.delete_item(world.uow, world.editor, scope_id, GOAL, goal.id)

    retired = scoped.get_item(world.uow, world.viewer, scope_id, GOAL, goal.id)
    assert (retired.status, retired.version, retired.title) == ("retired", 3, "Fair interviews")
    history = versions(world, scope_id, GOAL, goal.id)
    assert [(v.version, v.data["status"]) for v in history] == [
        (1, "active"),
        (2, "active"),
        (3, "retired"),
    ]
    assert history[-1].note == "retired"

    events = event_count(world.uow)
    scoped.delete_item(world.uow, world.editor, scope_id, GOAL, goal.id)  # already retired
    assert event_count(world.uow) == events
    assert len(versions(world, scope_id, GOAL, goal.id)) == 3


# ---------------------------------------------------------------- hierarchy


def _hierarchy(world, scope_id: int) -> dict[str, Any]:
    uow, editor = world.uow, world.editor
    ultimate = add(uow, editor, scope_id, GOAL, title="Well-being", level="ultimate")
    value = add(
        uow, editor, scope_id, GOAL, title="Fairness", level="core_value", parent_id=ultimate.id
    )
    narrower = add(
        uow, editor, scope_id, GOAL, title="Equal access", level="core_value", parent_id=value.id
    )
    specific = specific_goal(uow, editor, scope_id, parent_id=narrower.id)
    return {"ultimate": ultimate, "value": value, "narrower": narrower, "specific": specific}


def test_a_goal_cannot_become_its_own_ancestor(world, scope_id) -> None:
    goals = _hierarchy(world, scope_id)
    value, narrower = goals["value"], goals["narrower"]
    for parent in (narrower, value):
        problem = refused(
            lambda parent=parent: change(
                world.uow, world.editor, scope_id, GOAL, value.id, parent_id=parent.id
            ),
            "parent_id",
            world.uow,
        )
        assert "own ancestor" in problem.problems[0].message
    assert scoped.get_item(world.uow, world.viewer, scope_id, GOAL, value.id) == value


@pytest.mark.parametrize(
    ("child", "parent"),
    [("ultimate", "value"), ("ultimate", "specific"), ("value", "specific")],
)
def test_a_broader_goal_cannot_sit_under_a_narrower_one(world, scope_id, child, parent) -> None:
    goals = _hierarchy(world, scope_id)
    problem = refused(
        lambda: change(
            world.uow, world.editor, scope_id, GOAL, goals[child].id, parent_id=goals[parent].id
        ),
        "parent_id",
        world.uow,
    )
    assert "cannot sit under" in problem.problems[0].message


def test_a_specific_goal_may_sit_directly_under_the_ultimate_goal(world, scope_id) -> None:
    goals = _hierarchy(world, scope_id)
    moved = change(
        world.uow,
        world.editor,
        scope_id,
        GOAL,
        goals["specific"].id,
        parent_id=goals["ultimate"].id,
    )
    assert (moved.parent_id, moved.version) == (goals["ultimate"].id, 2)


def test_a_parent_in_another_scope_is_refused(world, scope_id) -> None:
    other = new_scope(world.uow, world.owner, world.business_id, "Chatbot")
    foreign = add(world.uow, world.editor, other, GOAL, title="Well-being", level="ultimate")
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, parent_id=foreign.id),
        "parent_id",
        world.uow,
    )


def test_a_specific_goal_needs_an_acceptable_level(world, scope_id) -> None:
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, acceptable_level=None),
        "acceptable_level",
        world.uow,
    )


def test_a_target_on_the_unacceptable_side_is_refused(world, scope_id) -> None:
    refused(
        lambda: specific_goal(world.uow, world.editor, scope_id, target=0.5),
        "target",
        world.uow,
    )


# ---------------------------------------------------------------- indicators


def test_an_indicator_inherits_its_goals_scale(world, scope_id) -> None:
    goal = specific_goal(
        world.uow,
        world.editor,
        scope_id,
        direction="lower_is_better",
        unit="rate",
        acceptable_level=0.05,
        target=0.01,
    )
    measured = indicator(world.uow, world.editor, scope_id, goal.id)
    assert (measured.direction, measured.unit, measured.acceptable_level, measured.target) == (
        goal.direction,
        goal.unit,
        goal.acceptable_level,
        goal.target,
    )


def test_an_indicator_may_be_stricter_but_not_weaker_than_its_goal(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id, acceptable_level=0.8)
    strict = indicator(world.uow, world.editor, scope_id, goal.id, acceptable_level=0.85)
    assert strict.acceptable_level == 0.85
    problem = refused(
        lambda: indicator(
            world.uow, world.editor, scope_id, goal.id, key="other", acceptable_level=0.6
        ),
        "acceptable_level",
        world.uow,
    )
    assert "0.8" in problem.problems[0].message
    refused(
        lambda: change(
            world.uow, world.editor, scope_id, INDICATOR, strict.id, acceptable_level=0.6
        ),
        "acceptable_level",
        world.uow,
    )


def test_an_indicator_key_is_unique_in_its_scope(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id)
    first = indicator(world.uow, world.editor, scope_id, goal.id, key="selection.ratio")
    second = indicator(world.uow, world.editor, scope_id, goal.id, key="selection.ratio.q")
    refused(
        lambda: indicator(world.uow, world.editor, scope_id, goal.id, key="selection.ratio"),
        "key",
        world.uow,
    )
    refused(
        lambda: change(world.uow, world.editor, scope_id, INDICATOR, second.id, key=first.key),
        "key",
        world.uow,
    )
    # Another scope may use the same key.
    other = new_scope(world.uow, world.owner, world.business_id, "Chatbot")
    elsewhere = specific_goal(world.uow, world.editor, other)
    assert indicator(world.uow, world.editor, other, elsewhere.id, key=first.key).key == first.key


def test_an_indicator_needs_a_direction_and_level_to_inherit_or_give(world, scope_id) -> None:
    broad = add(world.uow, world.editor, scope_id, GOAL, title="Fairness", level="core_value")
    refused(
        lambda: indicator(world.uow, world.editor, scope_id, broad.id),
        "direction",
        world.uow,
    )
    given = indicator(
        world.uow,
        world.editor,
        scope_id,
        broad.id,
        direction="higher_is_better",
        acceptable_level=0.7,
    )
    assert (given.direction, given.acceptable_level, given.unit) == ("higher_is_better", 0.7, "")


# ---------------------------------------------------------------- measures


def test_a_rule_needs_its_layer(world, scope_id) -> None:
    refused(
        lambda: measure(world.uow, world.editor, scope_id, kind="rule", title="Terms of use"),
        "rule_layer",
        world.uow,
    )
    rule = measure(
        world.uow,
        world.editor,
        scope_id,
        kind="rule",
        title="Terms of use",
        rule_layer="provider_user",
    )
    assert (rule.kind, rule.rule_layer) == ("rule", "provider_user")


@pytest.mark.parametrize("kind", ["technology", "organization"])
def test_only_a_rule_has_a_layer(world, scope_id, kind) -> None:
    refused(
        lambda: measure(world.uow, world.editor, scope_id, kind=kind, rule_layer="voluntary"),
        "rule_layer",
        world.uow,
    )


def test_a_rule_cannot_lose_its_layer(world, scope_id) -> None:
    rule = measure(
        world.uow, world.editor, scope_id, kind="rule", title="Code", rule_layer="voluntary"
    )
    refused(
        lambda: change(world.uow, world.editor, scope_id, MEASURE, rule.id, rule_layer=None),
        "rule_layer",
        world.uow,
    )


def test_a_measure_links_goals_and_risks_of_its_own_scope(world, scope_id) -> None:
    goal = specific_goal(world.uow, world.editor, scope_id)
    other = new_scope(world.uow, world.owner, world.business_id, "Chatbot")
    foreign = specific_goal(world.uow, world.editor, other)
    problem = refused(
        lambda: measure(world.uow, world.editor, scope_id, goal_ids=[goal.id, foreign.id]),
        "goal_ids",
        world.uow,
    )
    assert str(foreign.id) in problem.problems[0].message
    linked = measure(world.uow, world.editor, scope_id, goal_ids=[goal.id, goal.id])
    assert linked.goal_ids == [goal.id]


# ---------------------------------------------------------------- risks


@pytest.mark.parametrize(
    ("likelihood", "severity", "level"),
    [
        (1, 1, RiskLevel.low),
        (2, 2, RiskLevel.low),
        (4, 1, RiskLevel.low),
        (1, 5, RiskLevel.medium),
        (3, 3, RiskLevel.medium),
        (2, 5, RiskLevel.high),
        (3, 4, RiskLevel.high),
        (5, 3, RiskLevel.critical),
        (4, 4, RiskLevel.critical),
        (5, 5, RiskLevel.critical),
    ],
)
def test_the_risk_matrix(likelihood: int, severity: int, level: RiskLevel) -> None:
    assert risk_score(likelihood, severity) == likelihood * severity
    assert risk_level(likelihood, severity) is level
    assert risk_level(severity, likelihood) is level  # the matrix is symmetric


def test_the_matrix_never_lowers_a_level_as_a_risk_grows() -> None:
    order = [level for _, level in LEVEL_BANDS]
    for likelihood in range(1, 6):
        for severity in range(1, 6):
            here = order.index(risk_level(likelihood, severity))
            if likelihood < 5:
                assert order.index(risk_level(likelihood + 1, severity)) >= here
            if severity < 5:
                assert order.index(risk_level(likelihood, severity + 1)) >= here
    assert risk_level(1, 1) is order[0] and risk_level(5, 5) is order[-1]


@pytest.mark.parametrize(("likelihood", "severity"), [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_the_matrix_is_five_by_five(likelihood: int, severity: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.5"):
        risk_score(likelihood, severity)


def _risk(world, scope_id: int, **fields: Any) -> Any:
    values = {
        "title": "Biased shortlist",
        "inherent_likelihood": 4,
        "inherent_severity": 5,
        "residual_likelihood": 2,
        "residual_severity": 3,
        "treatment": "mitigate",
    }
    return add(world.uow, world.editor, scope_id, RISK, **(values | fields))


def test_a_risk_reads_with_its_scores_and_levels(world, scope_id) -> None:
    risk = _risk(world, scope_id)
    read = scoped.get_item(world.uow, world.viewer, scope_id, RISK, risk.id)
    assert (read.inherent_score, read.inherent_level) == (20, risk_level(4, 5))
    assert (read.residual_score, read.residual_level) == (6, risk_level(2, 3))
    shown = read.model_dump(mode="json")
    assert shown["inherent_level"] == risk_level(4, 5).value
    assert shown["residual_score"] == 6
    lowered = change(world.uow, world.editor, scope_id, RISK, risk.id, residual_likelihood=1)
    assert (lowered.residual_score, lowered.residual_level) == (3, risk_level(1, 3))


def test_a_risk_links_impacts_and_conditions_of_its_own_scope(world, scope_id) -> None:
    uow, editor = world.uow, world.editor
    harm = impact(uow, editor, scope_id, stakeholder(uow, editor, scope_id).id)
    premise = condition(uow, editor, scope_id)
    other = new_scope(uow, world.owner, world.business_id, "Chatbot")
    foreign_harm = impact(uow, editor, other, stakeholder(uow, editor, other).id)
    foreign_premise = condition(uow, editor, other)

    problem = refused(
        lambda: _risk(world, scope_id, impact_ids=[harm.id, foreign_harm.id]), "impact_ids", uow
    )
    assert str(foreign_harm.id) in problem.problems[0].message
    refused(
        lambda: _risk(world, scope_id, condition_ids=[foreign_premise.id]), "condition_ids", uow
    )

    risk = _risk(world, scope_id, impact_ids=[harm.id], condition_ids=[premise.id])
    assert (risk.impact_ids, risk.condition_ids) == ([harm.id], [premise.id])
    refused(
        lambda: change(uow, editor, scope_id, RISK, risk.id, impact_ids=[foreign_harm.id]),
        "impact_ids",
        uow,
    )
    assert scoped.get_item(uow, world.viewer, scope_id, RISK, risk.id).impact_ids == [harm.id]


def test_a_stakeholder_with_impacts_cannot_be_deleted(world, scope_id) -> None:
    uow, editor = world.uow, world.editor
    party = stakeholder(uow, editor, scope_id)
    harm = impact(uow, editor, scope_id, party.id)
    before = row_counts(uow)
    with pytest.raises(Conflict, match=f"impacts {harm.id}"):
        scoped.delete_item(uow, editor, scope_id, STAKEHOLDER, party.id)
    assert row_counts(uow) == before
    assert scoped.get_item(uow, world.viewer, scope_id, STAKEHOLDER, party.id) == party

    scoped.delete_item(uow, editor, scope_id, IMPACT, harm.id)
    scoped.delete_item(uow, editor, scope_id, STAKEHOLDER, party.id)
    with pytest.raises(NotFound):
        scoped.get_item(uow, world.viewer, scope_id, STAKEHOLDER, party.id)


def test_an_impact_names_a_stakeholder_of_its_own_scope(world, scope_id) -> None:
    other = new_scope(world.uow, world.owner, world.business_id, "Chatbot")
    foreign = stakeholder(world.uow, world.editor, other)
    refused(
        lambda: impact(world.uow, world.editor, scope_id, foreign.id),
        "stakeholder_id",
        world.uow,
    )
