"""Days 36-51, design (システムデザイン): technical, rule and organizational measures,
each addressing risks and goals and citing the guideline; the technical ones
become new versions when they are finished."""

from agilegov.demo.story import Story
from agilegov.design.schemas import MeasureCreate, MeasureUpdate
from agilegov.design.service import MEASURE

# The version the scope follows at first; measures move with it (outer_loop.redesign).
AIGB = "aigb@1.0"


def monitoring_and_explanations(story: Story) -> None:
    who, scope = "analyst", "screening"
    risk, goal = story.risk_ids, story.goal_ids
    with story.at(36):
        story.new(
            "measure.bias_monitoring",
            who,
            scope,
            MEASURE,
            MeasureCreate(
                kind="technology",
                title="Bias-monitoring pipeline",
                description="Each day, computes the selection rate of each group (gender; "
                "age under 35, 35-49, 50 and over) from shortlist decisions and "
                "story-declared attributes held apart from the model, and the ratio of the "
                "lowest to the highest. Alerts when the 7-day mean falls below 0.88.",
                status="in_progress",
                requirements=[f"{AIGB}#C-3) ①", "nist-ai-rmf@1.0#MEASURE 2.11"],
                risk_ids=risk("bias", "drift"),
                goal_ids=goal("selection_ratio"),
            ),
        )
        story.new(
            "measure.explanations",
            who,
            scope,
            MEASURE,
            MeasureCreate(
                kind="technology",
                title="Explanation generator",
                description="Every rejected applicant gets, within 24 hours, the three "
                "factors that weighed most, in plain language, what would have helped, "
                "and how to ask for human review. Weights and thresholds are never shown.",
                status="in_progress",
                requirements=[f"{AIGB}#C-6) ②", f"{AIGB}#C-7) ⑤", "nist-ai-rmf@1.0#MAP 2.2"],
                risk_ids=risk("opaque", "gaming"),
                goal_ids=goal("explanations"),
            ),
        )


def rules_and_organization(story: Story) -> None:
    scope = "screening"
    risk, goal = story.risk_ids, story.goal_ids
    with story.at(37):
        story.new(
            "measure.code",
            "lead",
            scope,
            MEASURE,
            MeasureCreate(
                kind="rule",
                rule_layer="voluntary",
                title="TalentBridge code of conduct for AI screening",
                description="Adopted by the board: no protected attribute or close proxy "
                "(photo, name, date of birth, address) as model input; a margin above any "
                "legal line; indicators published quarterly; a client's model is stopped "
                "if its ratio stays below 0.80 for seven days.",
                status="implemented",
                requirements=[f"{AIGB}#C-1) ①", f"{AIGB}#C-3) ②", "nist-ai-rmf@1.0#GOVERN 1.1"],
                risk_ids=risk("bias", "rubber_stamp"),
                goal_ids=goal("selection_ratio", "explanations"),
            ),
        )
        story.new(
            "measure.committee",
            "lead",
            scope,
            MEASURE,
            MeasureCreate(
                kind="organization",
                title="AI governance committee",
                description="CTO, head of legal, internal audit, the data science lead "
                "and one external member nominated by Job Seekers' Voice. Meets monthly "
                "and on every trigger; decides evaluations; approves model releases.",
                status="implemented",
                requirements=[f"{AIGB}#C-7) ③", "nist-ai-rmf@1.0#GOVERN 2.1"],
                risk_ids=risk("bias", "rubber_stamp", "drift"),
                goal_ids=goal("selection_ratio", "explanations", "complaints"),
            ),
        )
    with story.at(38):
        story.new(
            "measure.terms",
            "lead",
            scope,
            MEASURE,
            MeasureCreate(
                kind="rule",
                rule_layer="provider_user",
                title="Applicant terms and privacy notice; client data clauses",
                description="Tells applicants that AI ranks résumés, on which data, that "
                "protected attributes are never inputs, that data is kept 12 months, and "
                "that they may ask for reasons and human review. Client contracts forbid "
                "any other use of shortlists.",
                status="implemented",
                requirements=[f"{AIGB}#C-4) ①", f"{AIGB}#C-6) ②"],
                risk_ids=risk("privacy", "opaque"),
                goal_ids=goal("retention", "explanations"),
            ),
        )
        story.new(
            "measure.review_desk",
            "lead",
            scope,
            MEASURE,
            MeasureCreate(
                kind="organization",
                title="Human review desk",
                description="Trained recruiters re-examine any rejection on request and "
                "a random 2% sample, and handle complaints, answering within 10 days.",
                status="in_progress",
                requirements=[f"{AIGB}#C-1) ⑤"],
                risk_ids=risk("rubber_stamp", "complaints"),
                goal_ids=goal("complaints", "selection_ratio"),
            ),
        )


def privacy_and_audit(story: Story) -> None:
    who, scope = "analyst", "screening"
    risk, goal = story.risk_ids, story.goal_ids
    with story.at(40):
        story.new(
            "measure.retention",
            who,
            scope,
            MEASURE,
            MeasureCreate(
                kind="technology",
                title="Retention and deletion job",
                description="Deletes résumés and derived features 12 months after the "
                "last application unless the applicant stays in the talent pool; counts "
                "overdue records every day.",
                status="implemented",
                requirements=[f"{AIGB}#C-4) ①"],
                risk_ids=risk("privacy"),
                goal_ids=goal("retention"),
            ),
        )
        story.new(
            "measure.audit",
            "lead",
            scope,
            MEASURE,
            MeasureCreate(
                kind="rule",
                rule_layer="standard_certification",
                title="Annual fairness audit by FairBench Assurance",
                description="Third-party audit of the pipeline and of outcomes against "
                "FairBench's published method; a summary goes into the transparency "
                "report.",
                status="planned",
                risk_ids=risk("bias"),
                goal_ids=goal("selection_ratio"),
            ),
        )
    # The technical measures become new versions when they are finished.


def finish_measures(story: Story) -> None:
    who, scope = "analyst", "screening"
    with story.at(50):
        for name in ("bias_monitoring", "explanations"):
            story.revise(
                f"measure.{name}",
                who,
                scope,
                MEASURE,
                MeasureUpdate(status="implemented", change_note="deployed to production"),
            )
    with story.at(51):
        story.revise(
            "measure.review_desk",
            "lead",
            scope,
            MEASURE,
            MeasureUpdate(status="implemented", change_note="desk staffed and trained"),
        )
