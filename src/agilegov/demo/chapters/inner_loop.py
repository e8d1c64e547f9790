"""Days 70-126, two turns of the inner loop (evaluation → design): the goals hold,
the measures are improved.

First, a template regression leaves some rejected applicants without reasons;
the explanation generator and the review desk are improved. Then a new client
shifts the score distribution, and the selection-rate ratio falls below
TalentBridge's own 0.85 (never below the ministry's 0.80); monitoring,
calibration and the review desk are improved."""

from agilegov.analysis.schemas import RiskUpdate
from agilegov.analysis.service import RISK
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.demo.data import mean_over
from agilegov.demo.story import (
    CALIBRATION_LIVE,
    CLIENT_DRIFT,
    COMPLAINT_CLUSTER,
    FAIRNESS_BREACH,
    GUIDELINES,
    TEMPLATE_REGRESSION,
    Story,
)
from agilegov.design.schemas import MeasureCreate, MeasureUpdate
from agilegov.design.service import MEASURE
from agilegov.goals.schemas import TradeOffCreate
from agilegov.goals.service import TRADE_OFF


def explanations(story: Story) -> None:
    scope = "screening"
    series = story.feeds[scope].series["transparency.explanation_share"]
    story.monitor(COMPLAINT_CLUSTER, flush=True)
    share = mean_over(series, COMPLAINT_CLUSTER, 7)
    with story.at(COMPLAINT_CLUSTER):
        # Complaints arrive first; the indicator confirms them. The first trigger
        # starts the evaluation, the second joins it.
        story.trigger(
            "lead",
            scope,
            TriggerCreate(
                kind=TriggerKind.complaint_cluster,
                cause="14 complaints in 8 days from applicants whose rejection gave "
                "no reasons, most of them for English-language résumés.",
            ),
        )
        story.trigger(
            "analyst",
            scope,
            TriggerCreate(
                kind=TriggerKind.indicator_breach,
                cause=f"Rejections sent with reasons: 7-day mean {share:.3f}, below the "
                "acceptable 0.99.",
                subject_type="indicator",
                subject_id=story.ids["indicator.explanations"],
                facts={"value": round(share, 4), "acceptable_level": 0.99},
            ),
        )
    with story.at(COMPLAINT_CLUSTER + 2):
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
    with story.at(COMPLAINT_CLUSTER + 3):
        story.review(
            "lead",
            scope,
            f"A template change on {story.day(TEMPLATE_REGRESSION[0])} sent English-language "
            "rejections without reasons. Fixed; the measures, not the goals, failed.",
            [
                "Keep the goal at 99%; the miss was a defect, not a wrong level.",
                "Contact every applicant who got no reasons and offer a human review.",
                "Add a release check for empty reasons.",
            ],
            [
                f"Indicator transparency.explanation_share: 7-day mean {share:.3f}",
                "14 complaints, case numbers in the review desk system",
                f"Template release log for {story.day(TEMPLATE_REGRESSION[0])}",
            ],
            [hotfix],
        )
        story.move("lead", scope, Stage.design, "improve the explanation measures")


def explanations_redesign(story: Story) -> None:
    scope = "screening"
    with story.at(COMPLAINT_CLUSTER + 4):
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
    with story.at(COMPLAINT_CLUSTER + 5):
        story.review(
            "audit",
            scope,
            "Redesign checked before returning to operation.",
            ["Return to operation."],
            ["Release check run on all 12 templates", "Desk rota for held rejections"],
            [desk],
        )
    with story.at(COMPLAINT_CLUSTER + 6):
        story.move("lead", scope, Stage.operation, "explanation measures improved")


def fairness(story: Story) -> None:
    scope = "screening"
    series = story.feeds[scope].series["fairness.selection_rate_ratio"]
    story.monitor(FAIRNESS_BREACH, flush=True)
    ratio = mean_over(series, FAIRNESS_BREACH, 7)
    lowest = min(v for d, v in series.items() if d <= FAIRNESS_BREACH)
    assert 0.8 <= ratio < 0.85, ratio  # the data must tell the story below
    with story.at(FAIRNESS_BREACH):
        # Only TalentBridge's own margin was crossed; the ministry's 0.80 (the
        # derived part of the goal) held. So this is not a failure of the adopted
        # requirement (facts.derived), and improving the measures is the answer.
        story.trigger(
            "analyst",
            scope,
            TriggerCreate(
                kind=TriggerKind.indicator_breach,
                cause=f"Selection-rate ratio: 7-day mean {ratio:.3f}, below our acceptable "
                "0.85 (the ministry's 0.80 is still met).",
                subject_type="indicator",
                subject_id=story.ids["indicator.selection_ratio"],
                facts={
                    "derived": False,
                    "value": round(ratio, 4),
                    "acceptable_level": 0.85,
                    "required_level": 0.8,
                },
            ),
        )
    with story.at(FAIRNESS_BREACH + 2):
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
    with story.at(FAIRNESS_BREACH + 4):
        story.review(
            "lead",
            scope,
            f"A large logistics client joined on {story.day(CLIENT_DRIFT)}; the model ranked "
            "its applicants by that client's male-dominated hiring history. The overall "
            "ratio hid the shift for a week.",
            [
                "Keep the goal at 0.85: the margin did its job, the legal line was never crossed.",
                "Monitor per client; recalibrate scores per client sector.",
                "Human review of borderline rejections for clients under alert.",
                "Tell the ministry in the next monthly report.",
            ],
            [
                f"Indicator fairness.selection_rate_ratio: 7-day mean {ratio:.3f}, "
                f"lowest day {lowest:.3f}",
                f"Per-client ratios, {story.day(CLIENT_DRIFT)} to {story.day(FAIRNESS_BREACH)}",
            ],
            [monitoring],
        )
        story.move("lead", scope, Stage.design, "improve the fairness measures")


def fairness_redesign(story: Story) -> None:
    scope = "screening"
    with story.at(FAIRNESS_BREACH + 6):
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
                citations=[f"{GUIDELINES} 1.0, common guiding principle 3) Fairness"],
                risk_ids=story.risk_ids("bias", "drift"),
                goal_ids=story.goal_ids("selection_ratio", "quality"),
            ),
        )
    with story.at(CALIBRATION_LIVE - 1):
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
                f"Back-test on {story.day(CLIENT_DRIFT)} to {story.day(FAIRNESS_BREACH)} "
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
