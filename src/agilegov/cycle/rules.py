"""The rules of the double loop, in one place and with no I/O.

Stages follow the report (section 3.2, Figure 4) and Japan's AI Guidelines for
Business: analysis of conditions and risks, goal setting, system design,
operation, evaluation; then back to design (the inner loop, PDCA) or back to
analysis (the outer loop, when goals or their premises have moved).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from agilegov.i18n import Lazy, lazy, plazy


class Stage(StrEnum):
    analysis = "analysis"
    goals = "goals"
    design = "design"
    operation = "operation"
    evaluation = "evaluation"


# Each stage's name as people read it. The stage of goal setting reads "Goals"
# in English like the goals themselves, but ゴール設定 in Japanese, not ゴール:
# the names have a context of their own.
STAGE_NAMES: dict[Stage, Lazy] = {
    Stage.analysis: plazy("stage", "Analysis"),
    Stage.goals: plazy("stage", "Goals"),
    Stage.design: plazy("stage", "Design"),
    Stage.operation: plazy("stage", "Operation"),
    Stage.evaluation: plazy("stage", "Evaluation"),
}


def stage_name(stage: Stage | str) -> str:
    """The name of ``stage`` in the language being shown."""
    return str(STAGE_NAMES[Stage(stage)])


class Loop(StrEnum):
    inner = "inner"
    outer = "outer"


# (from, to) -> the loop that the move completes, or None for a step within one pass.
TRANSITIONS: dict[tuple[Stage, Stage], Loop | None] = {
    (Stage.analysis, Stage.goals): None,
    (Stage.goals, Stage.design): None,
    (Stage.design, Stage.operation): None,
    (Stage.operation, Stage.evaluation): None,
    (Stage.evaluation, Stage.design): Loop.inner,
    (Stage.evaluation, Stage.analysis): Loop.outer,
    # Before operation starts, goal setting and design go back and forth
    # (report chapter 4, note 5); such rework completes no loop.
    (Stage.goals, Stage.analysis): None,
    (Stage.design, Stage.goals): None,
    (Stage.design, Stage.analysis): None,
}


def goes_back(current: Stage, target: Stage) -> bool:
    """Whether a move returns to an earlier stage without completing a loop:
    rework that leaves behind what the later stage reached, asked about first."""
    order = list(Stage)
    return TRANSITIONS.get((current, target), Loop.inner) is None and order.index(
        target
    ) < order.index(current)


class TransitionRefused(Exception):
    """The move is not allowed; ``reason`` says why, for a person to read."""

    def __init__(self, reason: Lazy) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CycleFacts:
    """What the guards need to know about a scope, read by the service."""

    goals_with_indicators: int
    implemented_measures: int
    evaluation_reviewed: bool  # a review was recorded during this evaluation visit
    open_triggers: tuple[tuple[int, Loop], ...] = ()
    # Open triggers whose review must say what changed in the risk register,
    # and whether the visit's latest review names risks.
    register_triggers: tuple[int, ...] = ()
    register_reviewed: bool = False


def check_transition(current: Stage, target: Stage, facts: CycleFacts) -> Loop | None:
    """Return the loop the move completes, or raise TransitionRefused."""
    if (current, target) not in TRANSITIONS:
        allowed = ", ".join(to for (frm, to) in TRANSITIONS if frm == current)
        raise TransitionRefused(
            lazy(
                "%(current)s cannot move to %(target)s; it can move to %(allowed)s",
                current=current,
                target=target,
                allowed=allowed,
            )
        )
    if target is Stage.operation:
        if facts.goals_with_indicators == 0:
            raise TransitionRefused(lazy("operation needs at least one goal with an indicator"))
        if facts.implemented_measures == 0:
            raise TransitionRefused(lazy("operation needs at least one implemented measure"))
        if facts.open_triggers:
            ids = ", ".join(f"#{trigger}" for trigger, _ in facts.open_triggers)
            raise TransitionRefused(
                lazy("open triggers must be reviewed before operation: %(ids)s", ids=ids)
            )
    if current is Stage.evaluation:
        if not facts.evaluation_reviewed:
            raise TransitionRefused(
                lazy("evaluation ends with a review that records its decisions and evidence")
            )
        if facts.register_triggers and not facts.register_reviewed:
            ids = ", ".join(f"#{trigger}" for trigger in facts.register_triggers)
            raise TransitionRefused(
                lazy(
                    "the review must name the risks of the register that changed for %(ids)s",
                    ids=ids,
                )
            )
        outer = [trigger for trigger, loop in facts.open_triggers if loop is Loop.outer]
        if target is Stage.design and outer:
            ids = ", ".join(f"#{trigger}" for trigger in outer)
            raise TransitionRefused(
                lazy("outer-loop triggers %(ids)s call for re-analysis, not design", ids=ids)
            )
    return TRANSITIONS[(current, target)]


class TriggerKind(StrEnum):
    manual = "manual"
    condition_review_due = "condition_review_due"
    goal_review_due = "goal_review_due"
    indicator_breach = "indicator_breach"
    goal_failure = "goal_failure"
    incident = "incident"
    condition_change = "condition_change"
    framework_change = "framework_change"
    consultation_outcome = "consultation_outcome"
    complaint_cluster = "complaint_cluster"
    commons_signal = "commons_signal"
    assessment_finding = "assessment_finding"
    sandbox_outcome = "sandbox_outcome"


@dataclass(frozen=True)
class LoopRule:
    explanation: str
    fact: str | None = None  # the fact that can switch the loop, if any
    when_fact: Loop | None = None
    otherwise: Loop | None = None


# Which loop each kind of trigger calls for. The docs (docs/cycle.md) show this
# table and a test keeps the two the same.
LOOP_RULES: dict[TriggerKind, LoopRule] = {
    TriggerKind.manual: LoopRule("A person opens it and says which loop it calls for.", "loop"),
    TriggerKind.condition_review_due: LoopRule(
        "A condition's review-by date has passed: the premise of the goals must be re-examined.",
        otherwise=Loop.outer,
    ),
    TriggerKind.goal_review_due: LoopRule(
        "A goal's review-by date has passed: the goal itself is due for revision.",
        otherwise=Loop.outer,
    ),
    TriggerKind.indicator_breach: LoopRule(
        "An indicator crossed its acceptable level: improve the measures, unless it also "
        "missed the level of another organization's requirement that its goal adopts, which "
        "calls for re-analysis.",
        "derived",
        when_fact=Loop.outer,
        otherwise=Loop.inner,
    ),
    TriggerKind.goal_failure: LoopRule(
        "A goal failed over its evaluation windows: the goal or its premises are wrong.",
        otherwise=Loop.outer,
    ),
    TriggerKind.incident: LoopRule(
        "An incident or near miss: a foreseeable one (in the risk register) improves the "
        "measures; an unforeseen one means the risk analysis missed something.",
        "foreseeable",
        when_fact=Loop.inner,
        otherwise=Loop.outer,
    ),
    TriggerKind.condition_change: LoopRule(
        "A condition changed (a new regulation, a technology shift, social acceptance).",
        otherwise=Loop.outer,
    ),
    TriggerKind.framework_change: LoopRule(
        "A new version of a framework the scope follows.",
        otherwise=Loop.outer,
    ),
    TriggerKind.consultation_outcome: LoopRule(
        "A consultation closed: accepted input that changes goals calls for re-analysis; "
        "input that changes only measures calls for redesign.",
        "changes_goals",
        when_fact=Loop.outer,
        otherwise=Loop.inner,
    ),
    TriggerKind.complaint_cluster: LoopRule(
        "Several complaints about the same thing: the measures are failing people.",
        otherwise=Loop.inner,
    ),
    TriggerKind.commons_signal: LoopRule(
        "A signal from the commons: a risk materialised at a similar scope elsewhere.",
        otherwise=Loop.outer,
    ),
    TriggerKind.assessment_finding: LoopRule(
        "An assessment found a major nonconformity: where a measure failed, improve the "
        "measures; where a goal or the risk analysis is wrong, re-analyse.",
        "measure_failed",
        when_fact=Loop.inner,
        otherwise=Loop.outer,
    ),
    TriggerKind.sandbox_outcome: LoopRule(
        "A regulatory sandbox or special measure concluded with a proposal: the "
        "demonstration's results question the rule itself.",
        otherwise=Loop.outer,
    ),
}


# Kinds opened by what happened, never by hand: an incident is foreseeable
# because its reporter linked it to risks of the register, not because a box
# was ticked; a commons signal comes from a match. The value says where each opens.
OPENED_BY_PARTS: dict[TriggerKind, str] = {
    TriggerKind.incident: "POST /api/v1/scopes/{id}/incidents",
    TriggerKind.commons_signal: "a match of the commons",
}

# Kinds whose settling review must say what changed in the risk register: an
# incident shows what the analysis held or missed.
NAMES_REGISTER: frozenset[TriggerKind] = frozenset({TriggerKind.incident})


def loop_summary(kind: TriggerKind) -> str:
    """The rule of one kind in a few words, as the docs and the CLI show it."""
    rule = LOOP_RULES[kind]
    if kind is TriggerKind.manual:
        return "given by the person (facts.loop)"
    if rule.fact is None:
        return str(rule.otherwise)
    return f"{rule.when_fact} if facts.{rule.fact} is true, else {rule.otherwise}"


class UnknownLoop(ValueError):
    pass


def loop_for(kind: TriggerKind, facts: Mapping[str, Any]) -> Loop:
    """The loop a trigger of this kind calls for, given its facts."""
    rule = LOOP_RULES[kind]
    if kind is TriggerKind.manual:
        try:
            return Loop(facts.get("loop"))
        except ValueError:
            raise UnknownLoop(
                lazy("a manual trigger needs facts.loop: 'inner' or 'outer'")
            ) from None
    if rule.fact is not None and facts.get(rule.fact) is True:
        assert rule.when_fact is not None
        return rule.when_fact
    assert rule.otherwise is not None
    return rule.otherwise
