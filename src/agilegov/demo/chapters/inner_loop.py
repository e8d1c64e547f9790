"""Days 71-123, two turns of the inner loop (evaluation → design): the goals hold,
the measures are improved.

Neither turn is started by hand. Each morning the platform evaluates the
indicators (see ``Story.monitor``); when a 7-day mean falls below its acceptable
level, the evaluation opens an ``indicator_breach`` trigger, for the loop its rules
choose, and the cycle moves to evaluation. The story reads that trigger and cites
it in the review that settles it.

First, an English template sends rejections out without reasons; the morning's
evaluation catches it, and the explanation generator and the review desk are
improved. The complaints that follow name the explanation goal; once they reach
the scope's threshold the platform opens a complaint-cluster trigger, which the
same review settles (see ``chapters.remedy``). Then a new client shifts the
score distribution, and the selection-rate ratio falls below TalentBridge's own
0.85 but never below the ministry's 0.80, so the breach stays in the inner loop;
monitoring, the review desk and calibration are improved.
"""

from agilegov.analysis.schemas import RiskUpdate
from agilegov.analysis.service import RISK
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.demo.story import (
    BORDERLINE_REVIEW,
    CALIBRATION_LIVE,
    CLIENT_DRIFT,
    HOTFIX,
    TEMPLATE_CHANGE,
    Story,
    cited,
)
from agilegov.design.schemas import MeasureCreate, MeasureUpdate
from agilegov.design.service import MEASURE
from agilegov.goals.schemas import TradeOffCreate
from agilegov.goals.service import TRADE_OFF

# The evaluation's review of the ratio's breach, which the platform found on day 113.
FAIRNESS_REVIEW = CLIENT_DRIFT + 9


def explanations(story: Story) -> None:
    scope = "screening"
    with story.at(HOTFIX, 15):
        # The morning's evaluation opened the breach; by the afternoon the analyst has
        # traced it to the English template and the fix is out.
        hotfix = story.revise(
            "measure.explanations",
            "analyst",
            scope,
            MEASURE,
            MeasureUpdate(
                description="Every rejected applicant gets, within 24 hours, the three "
                "factors that weighed most, in plain language, what would have helped, "
                "and how to ask for human review. If the reasons cannot be written in the "
                "résumé's language, the message is held for the review desk instead of "
                "going out without them; a release check blocks templates that produce "
                "empty reasons.",
                change_note="Inner loop 1: hotfix after the English-template regression",
            ),
        )
    with story.at(HOTFIX + 1):
        breach = story.opened_trigger(scope, TriggerKind.indicator_breach, "indicator.explanations")
        complaints = story.opened_trigger(scope, TriggerKind.complaint_cluster)
        story.review(
            "lead",
            scope,
            f"A template change on {story.day(TEMPLATE_CHANGE)} sent English-language "
            f"rejections without reasons until the hotfix on {story.day(HOTFIX)}. The "
            "measures, not the goals, failed.",
            [
                "Keep the goal at 99%; the miss was a defect, not a wrong level.",
                "Contact every applicant who got no reasons and offer a human review.",
                "Add a release check for empty reasons.",
            ],
            [
                cited(breach),
                cited(complaints),
                f"Template release log for {story.day(TEMPLATE_CHANGE)}",
            ],
            [hotfix],
            resolves=[breach, complaints],
        )
        story.move("lead", scope, Stage.design, "improve the explanation measures")


def explanations_redesign(story: Story) -> None:
    scope = "screening"
    with story.at(HOTFIX + 2):
        desk = story.revise(
            "measure.review_desk",
            "lead",
            scope,
            MEASURE,
            MeasureUpdate(
                description="Trained recruiters re-examine any rejection on request and "
                "a random 2% sample, and handle complaints, answering within 10 days. "
                "Rejections held by the explanation generator are answered by hand within "
                "two days; complaints are triaged daily.",
                change_note="Inner loop 1: handles held rejections; daily triage",
            ),
        )
    with story.at(HOTFIX + 3):
        story.review(
            "audit",
            scope,
            "Redesign checked before returning to operation.",
            ["Return to operation."],
            ["Release check run on all 12 templates", "Desk rota for held rejections"],
            [desk],
        )
    with story.at(HOTFIX + 4):
        story.move("lead", scope, Stage.operation, "explanation measures improved")


def fairness(story: Story) -> None:
    scope = "screening"
    with story.at(FAIRNESS_REVIEW - 1):
        monitoring = story.revise(
            "measure.bias_monitoring",
            "analyst",
            scope,
            MEASURE,
            MeasureUpdate(
                description="Each day, computes the selection rate of each group (gender; "
                "age under 35, 35-49, 50 and over) and the ratio of the lowest to the "
                "highest, overall and for each client with more than 200 applications a "
                "week, so that one client's shift is not averaged away. Alerts when a "
                "7-day mean falls below 0.88.",
                change_note="Inner loop 2: per-client monitoring",
            ),
        )
    with story.at(FAIRNESS_REVIEW):
        # The platform chose the inner loop: the goal adopts the ministry's requirement,
        # but only TalentBridge's stricter 0.85 was missed, not the ministry's 0.80.
        breach = story.opened_trigger(
            scope, TriggerKind.indicator_breach, "indicator.selection_ratio"
        )
        series = story.feeds[scope].series["fairness.selection_rate_ratio"]
        lowest = min(value for day, value in series.items() if day <= FAIRNESS_REVIEW)
        story.review(
            "lead",
            scope,
            f"A large logistics client joined on {story.day(CLIENT_DRIFT)}; the model ranked "
            "its applicants by that client's male-dominated hiring history. The overall "
            "ratio hid the shift for a week.",
            [
                "Keep the goal at 0.85: the margin did its job, the legal line was never crossed.",
                "Monitor per client; recalibrate scores per client sector.",
                "Human review of borderline rejections for clients under alert, from tomorrow.",
                "Tell the ministry in the next monthly report.",
            ],
            [
                cited(breach),
                f"Lowest daily ratio so far {lowest:.3f}, above the ministry's 0.80",
                f"Per-client ratios, {story.day(CLIENT_DRIFT)} to {story.day(FAIRNESS_REVIEW)}",
            ],
            [monitoring],
            resolves=[breach],
        )
        story.move("lead", scope, Stage.design, "improve the fairness measures")


def fairness_redesign(story: Story) -> None:
    scope = "screening"
    with story.at(BORDERLINE_REVIEW):
        desk = story.revise(
            "measure.review_desk",
            "lead",
            scope,
            MEASURE,
            MeasureUpdate(
                description="Trained recruiters re-examine any rejection on request and "
                "a random 2% sample, and handle complaints, answering within 10 days. "
                "Rejections held by the explanation generator are answered by hand within "
                "two days; complaints are triaged daily. For clients under a fairness "
                "alert, every rejection within 0.05 of the cut-off is reviewed by hand.",
                change_note="Inner loop 2: borderline review for clients under alert",
            ),
        )
        story.new(
            "trade_off.review_time",
            "lead",
            scope,
            TRADE_OFF,
            TradeOffCreate(
                goal_a_id=story.ids["goal.selection_ratio"],
                goal_b_id=story.ids["goal.speed"],
                description="Reviewing borderline rejections by hand improves fairness "
                "but slows decisions.",
                balance="Review only rejections within 0.05 of the cut-off, and only for "
                "clients under alert; the median decision time must stay within 5 days.",
            ),
        )
    with story.at(BORDERLINE_REVIEW + 1):
        story.change(
            "risk.drift",
            "analyst",
            scope,
            RISK,
            RiskUpdate(
                treatment_note="Monitoring of outcomes, overall and per client; "
                "per-client calibration.",
            ),
        )
        calibration = story.new(
            "measure.calibration",
            "analyst",
            scope,
            MEASURE,
            MeasureCreate(
                kind="technology",
                title="Per-client score calibration with re-weighted training",
                description="The model is retrained with re-weighting so that one "
                "client's hiring history does not set the bar for its applicants; scores "
                "are calibrated per client sector.",
                status="in_progress",
                requirements=["aigb@1.0#C-3) ①"],
                risk_ids=story.risk_ids("bias", "drift"),
                goal_ids=story.goal_ids("selection_ratio", "quality"),
            ),
        )
    with story.at(CALIBRATION_LIVE):
        calibrated = story.revise(
            "measure.calibration",
            "analyst",
            scope,
            MEASURE,
            MeasureUpdate(status="implemented", change_note="recalibrated model released"),
        )
    with story.at(CALIBRATION_LIVE + 1):
        story.review(
            "audit",
            scope,
            "Recalibrated model and review band checked before returning to operation.",
            ["Return to operation; the committee follows the ratio weekly for a month."],
            [
                f"Back-test on {story.day(CLIENT_DRIFT)} to {story.day(FAIRNESS_REVIEW)} "
                "with calibration: ratio 0.91",
                "Panel agreement on the back-test: 0.84 (above 0.80)",
            ],
            [
                story.version_of("measure.calibration", MEASURE, calibration.version),
                calibrated,
                desk,
            ],
        )
    with story.at(CALIBRATION_LIVE + 2):
        story.move("lead", scope, Stage.operation, "fairness measures improved")
