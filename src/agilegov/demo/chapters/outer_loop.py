"""Days 150-164, the outer loop (evaluation → analysis): version 1.1 of the AI
Guidelines for Business is published; the service is re-analysed, the
explanation goal is revised, and the measures follow."""

from agilegov.analysis.schemas import ConditionCreate, ConditionUpdate, RiskCreate, RiskUpdate
from agilegov.analysis.service import CONDITION, RISK
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.demo.story import (
    GUIDELINE_UPDATE,
    GUIDELINES,
    HOTFIX,
    STORY_DAYS,
    Story,
    cited,
)
from agilegov.design.schemas import MeasureUpdate
from agilegov.design.service import MEASURE
from agilegov.goals.schemas import GoalUpdate, IndicatorUpdate, TradeOffUpdate
from agilegov.goals.service import GOAL, INDICATOR, TRADE_OFF
from agilegov.library.service import import_file, move_scope, shipped_file


def new_guideline(story: Story) -> None:
    scope = "screening"
    with story.at(GUIDELINE_UPDATE):
        # Version 1.1 is published and the site's operator adds it to the library:
        # the platform's rule for a new version of a followed framework opens the
        # trigger on TalentBridge's scope, with the difference as evidence.
        new = shipped_file("aigb@1.1")
        import_file(story.uow, story.people["operator"], new.read_bytes(), new.name)
    with story.at(GUIDELINE_UPDATE + 2):
        change = story.opened_trigger(scope, TriggerKind.framework_change)
        story.review(
            "lead",
            scope,
            "The guideline our goals rest on has a new version: re-analyse.",
            [
                "Go back to analysis: read version 1.1 against our conditions and risks.",
                "Keep operating the current measures meanwhile.",
            ],
            [cited(change), "Comparison of versions 1.0 and 1.1 by the legal team"],
            resolves=[change],
        )
        story.move("lead", scope, Stage.analysis, "framework changed")


def reanalysis(story: Story) -> None:
    scope = "screening"
    with story.at(GUIDELINE_UPDATE + 3):
        story.change(
            "condition.guidelines",
            "analyst",
            scope,
            CONDITION,
            ConditionUpdate(
                title=f"{GUIDELINES}, version 1.1",
                description="Soft law: not binding, but the reference that employer "
                "clients and the ministry expect providers to follow. Version 1.1 puts "
                "more weight on the ability of affected people to contest AI-assisted "
                "decisions.",
                review_by=story.day(STORY_DAYS + 365),
            ),
        )
        genai = story.new(
            "condition.generative_ai",
            "analyst",
            scope,
            CONDITION,
            ConditionCreate(
                title="Applicants widely write résumés with generative AI",
                category="technology",
                description="Polished, similar résumés weaken the signal the model ranks on.",
                source="Job Seekers' Voice survey; employer clients' reports",
                review_by=story.day(STORY_DAYS + 150),
            ),
        )
        story.new(
            "risk.generated_resumes",
            "analyst",
            scope,
            RISK,
            RiskCreate(
                title="AI-written résumés blur the ranking",
                inherent_likelihood=4,
                inherent_severity=3,
                residual_likelihood=3,
                residual_severity=2,
                treatment="mitigate",
                treatment_note="Rank on structured skills and work history; watch panel agreement.",
                impact_ids=story.ids_of("impact", "missed", "unfair"),
                condition_ids=[genai.id],
            ),
        )
        story.change(
            "risk.opaque",
            "analyst",
            scope,
            RISK,
            RiskUpdate(
                title="Rejected applicants cannot tell why, or cannot contest",
                treatment_note="Plain-language reasons for every rejection, with a "
                "one-click request for human review.",
            ),
        )
    with story.at(GUIDELINE_UPDATE + 5):
        story.review(
            "audit",
            scope,
            "Re-analysis done: one new condition, one new risk, one risk widened.",
            ["Contestability becomes part of the explanation goal."],
            ["Version 1.1 gap analysis", "Updated risk register"],
        )
        story.move("lead", scope, Stage.goals, "re-analysis done")


def goal_revision(story: Story) -> None:
    scope = "screening"
    with story.at(GUIDELINE_UPDATE + 6):
        # The indicator first: an indicator is never weaker than its goal.
        story.change(
            "indicator.explanations",
            "analyst",
            scope,
            INDICATOR,
            IndicatorUpdate(
                name="Rejections sent with reasons and a review link",
                acceptable_level=0.995,
            ),
        )
        goal = story.revise(
            "goal.explanations",
            "lead",
            scope,
            GOAL,
            GoalUpdate(
                title="Every rejected applicant receives an explanation and a way to contest it",
                description="Share of rejections sent within 24 hours with plain-language "
                "reasons and a one-click request for human review.",
                acceptable_level=0.995,
                change_note="Outer loop: contestability, after the guideline's version 1.1",
            ),
        )
        story.change(
            "trade_off.reasons",
            "lead",
            scope,
            TRADE_OFF,
            TradeOffUpdate(
                balance="Name the three strongest factors and what would have helped, "
                "in plain language, and offer a human review in one click; never weights, "
                "thresholds or the feature list. Contesting, not more detail, is how "
                "applicants get more.",
            ),
        )
    with story.at(GUIDELINE_UPDATE + 7):
        story.review(
            "audit",
            scope,
            "Revised explanation goal checked.",
            ["Raise the acceptable level from 99% to 99.5%: the hotfix made it reachable."],
            [f"Explanation share since {story.day(HOTFIX + 2)}: never below 99.6%"],
            [goal],
        )
        story.move("lead", scope, Stage.design, "goal revised")


def redesign(story: Story) -> None:
    scope = "screening"
    with story.at(GUIDELINE_UPDATE + 9):
        # The scope moves to version 1.1: each citation follows its requirement
        # where the new version keeps it, and is marked for review where it does not.
        move_scope(story.uow, story.people["lead"], story.scopes[scope], "aigb@1.0", "aigb@1.1")
        changes = [
            story.revise(
                "measure.explanations",
                "analyst",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Every rejected applicant gets, within 24 hours, the "
                    "three factors that weighed most, in plain language, what would have "
                    "helped, and a one-click request for human review with its 30-day "
                    "deadline. If the reasons cannot be written in the résumé's language, "
                    "the message is held for the review desk; a release check blocks "
                    "templates that produce empty reasons.",
                    requirements=[
                        "aigb@1.1#C-6) ②",
                        "aigb@1.1#C-7) ⑤",
                        "aigb@1.1#C-1) ⑤",
                        "nist-ai-rmf@1.0#MAP 2.2",
                    ],
                    change_note="Outer loop: one-click contest",
                ),
            ),
            story.revise(
                "measure.terms",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Tells applicants that AI ranks résumés, on which data, "
                    "that protected attributes are never inputs, that data is kept 12 "
                    "months, and how to get reasons and contest a rejection within 30 "
                    "days. Client contracts forbid any other use of shortlists.",
                    requirements=["aigb@1.1#C-4) ①", "aigb@1.1#C-6) ②", "aigb@1.1#C-7) ⑤"],
                    change_note="Outer loop: contest right",
                ),
            ),
        ]
    with story.at(GUIDELINE_UPDATE + 11):
        changes.append(
            story.revise(
                "measure.audit",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(
                    status="in_progress",
                    description="Third-party audit of the pipeline and of outcomes "
                    "against FairBench's published method, including the version 1.1 "
                    "points on contestability; a summary goes into the transparency "
                    "report. Engagement signed; fieldwork next quarter.",
                    change_note="Outer loop: audit engaged",
                ),
            )
        )
    with story.at(GUIDELINE_UPDATE + 13):
        story.review(
            "audit",
            scope,
            "Measures brought in line with version 1.1 of the guideline.",
            ["Return to operation."],
            ["Contest link tested end to end", "Terms reviewed by the legal team"],
            changes,
        )
    with story.at(GUIDELINE_UPDATE + 14):
        story.move("lead", scope, Stage.operation, "measures follow the revised goal")
