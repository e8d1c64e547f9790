"""The rules of the double loop, on their own: no database, no I/O."""

import itertools
from pathlib import Path

import pytest

from agilegov.cycle.rules import (
    LOOP_RULES,
    TRANSITIONS,
    CycleFacts,
    Loop,
    Stage,
    TransitionRefused,
    TriggerKind,
    UnknownLoop,
    check_transition,
    loop_for,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cycle.md"

# The double loop as DESIGN.md describes it, written out independently of the
# code: one pass analysis -> goals -> design -> operation -> evaluation, then
# back to design (inner loop) or to analysis (outer loop); before operation,
# goal setting and design may go back to earlier stages without closing a loop.
EXPECTED_MOVES: dict[tuple[Stage, Stage], Loop | None] = {
    (Stage.analysis, Stage.goals): None,
    (Stage.goals, Stage.design): None,
    (Stage.design, Stage.operation): None,
    (Stage.operation, Stage.evaluation): None,
    (Stage.evaluation, Stage.design): Loop.inner,
    (Stage.evaluation, Stage.analysis): Loop.outer,
    (Stage.goals, Stage.analysis): None,
    (Stage.design, Stage.goals): None,
    (Stage.design, Stage.analysis): None,
}
FORBIDDEN_MOVES = [pair for pair in itertools.product(Stage, Stage) if pair not in EXPECTED_MOVES]

# Facts under which every guard is satisfied.
READY = CycleFacts(goals_with_indicators=1, implemented_measures=1, evaluation_reviewed=True)


def facts(**changes: object) -> CycleFacts:
    values = {
        "goals_with_indicators": READY.goals_with_indicators,
        "implemented_measures": READY.implemented_measures,
        "evaluation_reviewed": READY.evaluation_reviewed,
        "open_triggers": READY.open_triggers,
    }
    return CycleFacts(**(values | changes))


def test_the_transition_table_is_the_double_loop() -> None:
    assert TRANSITIONS == EXPECTED_MOVES


def test_every_stage_can_be_left() -> None:
    leaving = {origin for origin, _ in TRANSITIONS}
    assert leaving == set(Stage)


@pytest.mark.parametrize(("current", "target"), list(EXPECTED_MOVES), ids=str)
def test_allowed_move(current: Stage, target: Stage) -> None:
    assert check_transition(current, target, READY) is EXPECTED_MOVES[(current, target)]


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_MOVES, ids=str)
def test_forbidden_move(current: Stage, target: Stage) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, target, READY)
    message = str(refused.value)
    assert f"{current} cannot move to {target}" in message
    # The message tells the person where they can go instead.
    for frm, to in EXPECTED_MOVES:
        if frm is current:
            assert str(to) in message.split("it can move to", 1)[1]


def test_there_are_25_pairs_in_all() -> None:
    assert len(EXPECTED_MOVES) + len(FORBIDDEN_MOVES) == len(Stage) ** 2 == 25


@pytest.mark.parametrize(
    ("missing", "reason"),
    [
        ({"goals_with_indicators": 0}, "goal with an indicator"),
        ({"implemented_measures": 0}, "implemented measure"),
        ({"open_triggers": ((7, Loop.inner),)}, "#7"),
        ({"open_triggers": ((8, Loop.outer), (9, Loop.inner))}, "#8, #9"),
    ],
)
def test_operation_needs_goals_measures_and_no_open_triggers(
    missing: dict[str, object], reason: str
) -> None:
    with pytest.raises(TransitionRefused, match=reason):
        check_transition(Stage.design, Stage.operation, facts(**missing))


def test_operation_guards_do_not_apply_elsewhere() -> None:
    bare = CycleFacts(goals_with_indicators=0, implemented_measures=0, evaluation_reviewed=False)
    assert check_transition(Stage.analysis, Stage.goals, bare) is None
    assert check_transition(Stage.goals, Stage.design, bare) is None
    assert check_transition(Stage.operation, Stage.evaluation, bare) is None


@pytest.mark.parametrize("target", [Stage.design, Stage.analysis])
def test_leaving_evaluation_needs_a_review(target: Stage) -> None:
    with pytest.raises(TransitionRefused, match="review"):
        check_transition(Stage.evaluation, target, facts(evaluation_reviewed=False))


def test_an_open_outer_trigger_refuses_redesign() -> None:
    open_outer = facts(open_triggers=((3, Loop.inner), (4, Loop.outer)))
    with pytest.raises(TransitionRefused, match="#4") as refused:
        check_transition(Stage.evaluation, Stage.design, open_outer)
    assert "#3" not in str(refused.value)
    assert check_transition(Stage.evaluation, Stage.analysis, open_outer) is Loop.outer


def test_an_open_inner_trigger_allows_redesign() -> None:
    open_inner = facts(open_triggers=((3, Loop.inner),))
    assert check_transition(Stage.evaluation, Stage.design, open_inner) is Loop.inner


# (kind, facts, loop): what each kind of trigger calls for, from DESIGN.md.
LOOPS = [
    (TriggerKind.manual, {"loop": "inner"}, Loop.inner),
    (TriggerKind.manual, {"loop": "outer"}, Loop.outer),
    (TriggerKind.condition_review_due, {}, Loop.outer),
    (TriggerKind.goal_review_due, {}, Loop.outer),
    (TriggerKind.indicator_breach, {}, Loop.inner),
    (TriggerKind.indicator_breach, {"derived": False}, Loop.inner),
    (TriggerKind.indicator_breach, {"derived": True}, Loop.outer),
    (TriggerKind.goal_failure, {}, Loop.outer),
    (TriggerKind.incident, {"foreseeable": True}, Loop.inner),
    (TriggerKind.incident, {"foreseeable": False}, Loop.outer),
    (TriggerKind.incident, {}, Loop.outer),
    (TriggerKind.condition_change, {}, Loop.outer),
    (TriggerKind.framework_change, {}, Loop.outer),
    (TriggerKind.consultation_outcome, {"changes_goals": True}, Loop.outer),
    (TriggerKind.consultation_outcome, {"changes_goals": False}, Loop.inner),
    (TriggerKind.consultation_outcome, {}, Loop.inner),
    (TriggerKind.complaint_cluster, {}, Loop.inner),
    (TriggerKind.commons_signal, {}, Loop.outer),
    (TriggerKind.assessment_finding, {"measure_failed": True}, Loop.inner),
    (TriggerKind.assessment_finding, {"measure_failed": False}, Loop.outer),
    (TriggerKind.assessment_finding, {}, Loop.outer),
    (TriggerKind.sandbox_outcome, {}, Loop.outer),
]


@pytest.mark.parametrize(("kind", "trigger_facts", "loop"), LOOPS, ids=str)
def test_loop_for(kind: TriggerKind, trigger_facts: dict[str, object], loop: Loop) -> None:
    assert loop_for(kind, trigger_facts) is loop


def test_every_trigger_kind_has_a_rule_and_a_loop_case() -> None:
    assert set(LOOP_RULES) == set(TriggerKind)
    assert {kind for kind, _, _ in LOOPS} == set(TriggerKind)


@pytest.mark.parametrize(
    ("kind", "fact"),
    [
        (TriggerKind.indicator_breach, "derived"),
        (TriggerKind.incident, "foreseeable"),
        (TriggerKind.consultation_outcome, "changes_goals"),
    ],
)
def test_only_a_true_fact_switches_the_loop(kind: TriggerKind, fact: str) -> None:
    switched = loop_for(kind, {fact: True})
    assert switched is not loop_for(kind, {})
    for not_true in ("yes", 1, "true", None):
        assert loop_for(kind, {fact: not_true}) is loop_for(kind, {})


def test_facts_of_other_kinds_do_not_switch_a_fixed_rule() -> None:
    everything = {"derived": True, "foreseeable": True, "changes_goals": True, "loop": "inner"}
    for kind, rule in LOOP_RULES.items():
        if rule.fact is None and kind is not TriggerKind.manual:
            assert loop_for(kind, everything) is rule.otherwise


@pytest.mark.parametrize("trigger_facts", [{}, {"loop": "sideways"}, {"loop": None}, {"loop": 1}])
def test_a_manual_trigger_must_name_its_loop(trigger_facts: dict[str, object]) -> None:
    with pytest.raises(UnknownLoop, match=r"facts\.loop"):
        loop_for(TriggerKind.manual, trigger_facts)


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.lstrip().startswith("|")]


def test_docs_show_the_loop_rule_of_every_trigger_kind() -> None:
    """docs/cycle.md has a table row per kind with its explanation verbatim."""
    assert DOCS.is_file(), f"{DOCS} is missing: it must document every trigger kind"
    rows = _table_rows(DOCS.read_text(encoding="utf-8"))
    missing = [
        kind.value
        for kind, rule in LOOP_RULES.items()
        if not any(kind.value in row and rule.explanation in row for row in rows)
    ]
    assert not missing, f"docs/cycle.md has no table row with the rule for: {missing}"


def test_docs_name_the_loop_of_every_fixed_rule() -> None:
    rows = _table_rows(DOCS.read_text(encoding="utf-8")) if DOCS.is_file() else []
    for kind, rule in LOOP_RULES.items():
        if rule.fact is not None or rule.otherwise is None:
            continue
        row = next((row for row in rows if rule.explanation in row), None)
        assert row is not None, f"no row for {kind}"
        other = Loop.inner if rule.otherwise is Loop.outer else Loop.outer
        assert rule.otherwise.value in row and other.value not in row, row
