"""Days 30-35, goals (ゴール設定): a hierarchy from an ultimate goal through core
values to specific goals, each with an indicator and an acceptable level; the
fairness goal adopts the ministry's requirement at a stricter level; goals in
tension are balanced by trade-offs, and each goal is allocated to its layers."""

from agilegov.cycle.rules import Stage
from agilegov.demo.story import DEMO_SLUG, STORY_DAYS, Story
from agilegov.goals.schemas import AllocationCreate, GoalCreate, IndicatorCreate, TradeOffCreate
from agilegov.goals.service import ALLOCATION, GOAL, INDICATOR, TRADE_OFF


def hierarchy(story: Story) -> None:
    who, scope = "lead", "screening"
    review_by = story.day(STORY_DAYS + 180)
    with story.at(30):
        story.new(
            "goal.ultimate",
            who,
            scope,
            GOAL,
            GoalCreate(
                title="Fair and trusted access to work through AI screening",
                level="ultimate",
            ),
        )
        for name, title in (
            ("fairness", "Fairness"),
            ("accountability", "Transparency and accountability"),
            ("privacy", "Privacy"),
            ("value", "Value for applicants and employers"),
        ):
            story.new(
                f"goal.{name}",
                who,
                scope,
                GOAL,
                GoalCreate(title=title, level="core_value", parent_id=story.ids["goal.ultimate"]),
            )
        specific: tuple[tuple[str, str, GoalCreate], ...] = (
            (
                "selection_ratio",
                "fairness",
                GoalCreate(
                    title="Applicant groups are shortlisted at comparable rates",
                    level="specific",
                    description="Adopts the ministry's requirement (0.8) at 0.85: the "
                    "margin lets a drift be caught and corrected before the legal line "
                    "is at risk.",
                    direction="higher_is_better",
                    unit="ratio",
                    acceptable_level=0.85,
                    target=0.95,
                    review_by=review_by,
                    derives_from_id=story.ids["m.goal.ratio"],
                ),
            ),
            (
                "explanations",
                "accountability",
                GoalCreate(
                    title="Every rejected applicant receives an explanation",
                    level="specific",
                    description="Share of rejections sent with plain-language reasons "
                    "within 24 hours.",
                    direction="higher_is_better",
                    unit="share",
                    acceptable_level=0.99,
                    target=0.999,
                    review_by=review_by,
                ),
            ),
            (
                "complaints",
                "accountability",
                GoalCreate(
                    title="Complaints are resolved within 30 days",
                    level="specific",
                    direction="higher_is_better",
                    unit="share",
                    acceptable_level=0.95,
                    target=0.99,
                    review_by=review_by,
                ),
            ),
            (
                "retention",
                "privacy",
                GoalCreate(
                    title="No applicant data is kept past its retention period",
                    level="specific",
                    direction="lower_is_better",
                    unit="records",
                    acceptable_level=0,
                    target=0,
                    review_by=review_by,
                ),
            ),
            (
                "speed",
                "value",
                GoalCreate(
                    title="Applicants hear back quickly",
                    level="specific",
                    direction="lower_is_better",
                    unit="days",
                    acceptable_level=5,
                    target=2,
                    review_by=review_by,
                ),
            ),
            (
                "quality",
                "value",
                GoalCreate(
                    title="Shortlists agree with a blind human panel",
                    level="specific",
                    description="Weekly, a panel re-screens 200 sampled applications "
                    "without seeing the model's ranking.",
                    direction="higher_is_better",
                    unit="share",
                    acceptable_level=0.8,
                    target=0.88,
                    review_by=review_by,
                ),
            ),
        )
        for name, parent, data in specific:
            data.parent_id = story.ids[f"goal.{parent}"]
            story.new(f"goal.{name}", who, scope, GOAL, data)


def indicators(story: Story) -> None:
    scope = "screening"
    with story.at(31):
        for key, goal, name, window, aggregate, source in (
            ("fairness.selection_rate_ratio", "selection_ratio",
             "Selection-rate ratio, lowest to highest group", 7, "mean",
             "Bias-monitoring pipeline: daily shortlist decisions by gender and age band "
             "(story-declared, held apart from the model)"),
            ("transparency.explanation_share", "explanations",
             "Rejections sent with reasons", 7, "mean",
             "Explanation generator delivery log"),
            ("remedy.complaints_resolved_30d", "complaints",
             "Complaints resolved within 30 days", 30, "last",
             "Review desk case system"),
            ("privacy.retention_overdue_records", "retention",
             "Records past their retention period", 7, "max",
             "Retention and deletion job"),
            ("efficiency.median_days_to_decision", "speed",
             "Median days from application to decision", 7, "mean",
             "Application tracking system"),
            ("quality.panel_agreement", "quality",
             "Agreement of shortlists with the blind panel", 28, "mean",
             "Weekly blind panel re-screening"),
        ):  # fmt: skip
            story.new(
                f"indicator.{goal}",
                "analyst",
                scope,
                INDICATOR,
                IndicatorCreate(
                    goal_id=story.ids[f"goal.{goal}"],
                    key=key,
                    name=name,
                    window_days=window,
                    aggregate=aggregate,
                    data_source=source,
                ),
            )


def trade_offs(story: Story) -> None:
    who, scope = "lead", "screening"
    with story.at(32):
        story.new(
            "trade_off.reasons",
            who,
            scope,
            TRADE_OFF,
            TradeOffCreate(
                goal_a_id=story.ids["goal.explanations"],
                goal_b_id=story.ids["goal.quality"],
                description="Detailed reasons help applicants improve and contest, but "
                "show how to game the ranking, which hurts shortlists.",
                balance="Name the three strongest factors and what would have helped, "
                "in plain language; never weights, thresholds or the feature list. "
                "Watch panel agreement for signs of gaming.",
            ),
        )
        story.new(
            "trade_off.accuracy",
            who,
            scope,
            TRADE_OFF,
            TradeOffCreate(
                goal_a_id=story.ids["goal.selection_ratio"],
                goal_b_id=story.ids["goal.quality"],
                description="Removing proxies and re-weighting costs some agreement with "
                "past hiring decisions.",
                balance="Fairness first: its floor derives from the ministry's "
                "requirement and is not traded. Panel agreement may fall to 0.80.",
            ),
        )


def allocations(story: Story) -> None:
    who, scope = "lead", "screening"
    with story.at(33):
        tb, ministry = story.organizations[DEMO_SLUG], story.organizations["ministry-of-work"]
        for goal, layer, organization, note in (
            ("selection_ratio", "regulation", ministry,
             "The ministry prescribes 0.8 and a monthly report (about two days of work a "
             "quarter); in return, one line that every provider meets and clients can "
             "rely on."),
            ("selection_ratio", "voluntary", tb,
             "TalentBridge chooses the method and keeps a 0.05 margin: about one "
             "full-time data scientist; drift is caught before the legal line."),
            ("selection_ratio", "market", story.organizations["fairbench"],
             "FairBench's annual rating lets clients compare providers without auditing "
             "each one; the audit fee buys sales credibility."),
            ("explanations", "voluntary", tb,
             "Own explanation generator: cheap to run once built; fewer complaints."),
            ("explanations", "market", story.organizations["jobseekers-voice"],
             "Job Seekers' Voice publishes applicants' experiences; a public check "
             "that costs TalentBridge nothing but attention."),
            ("complaints", "voluntary", tb,
             "Own review desk: three staff; the first and cheapest rung of remedy."),
            ("complaints", "infrastructure", None,
             "Cases the desk cannot settle go to the industry's shared ADR service, "
             "cheaper for applicants than court."),
            ("retention", "regulation", ministry,
             "Purpose and retention limits are set by law; the deletion job costs little."),
            ("speed", "market", None,
             "Clients choose providers partly on speed; no rule is needed."),
            ("quality", "market", None,
             "Clients' renewals reward good shortlists."),
        ):  # fmt: skip
            story.new(
                f"allocation.{goal}.{layer}",
                who,
                scope,
                ALLOCATION,
                AllocationCreate(
                    goal_id=story.ids[f"goal.{goal}"],
                    layer=layer,
                    responsible_organization_id=organization,
                    cost_benefit=note,
                ),
            )
    with story.at(35):
        story.review(
            "audit",
            scope,
            "Goals set; each specific goal has an indicator and an acceptable level.",
            [
                "Adopt the ministry's requirement at 0.85.",
                "Reasons for every rejection: 99% as the line, 99.9% as the target.",
            ],
            ["Goal hierarchy", "Allocation of each goal to its layers"],
        )
        story.move(who, scope, Stage.design, "goals set")
