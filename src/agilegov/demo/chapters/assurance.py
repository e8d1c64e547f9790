"""Assurance, days 126-165: TalentBridge decides where others rely on its
governance and how robust that trust must be; an independent assessor
certifies the fairness monitoring with one minor finding, which TalentBridge
answers with a change of its explanations measure; later it declares itself
against version 1.1 of the AI Guidelines and its internal audit checks the
explanations."""

import hashlib
from datetime import timedelta

from agilegov import clock
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentCreate,
    AssessmentPlanCreate,
    AssessmentRead,
    AttestationIssue,
    CriterionInput,
    EngagementAccept,
    EngagementCreate,
    Evidence,
    FindingClose,
    FindingSet,
    ImprovementActionCreate,
    ImprovementActionDone,
    TrustAreaCreate,
)
from agilegov.assurance.service import (
    ASSESSMENT_PLAN,
    TRUST_AREA,
    accept_engagement,
    add_action,
    close_finding,
    complete_action,
    complete_assessment,
    create_assessment,
    issue_attestation,
    request_engagement,
    set_finding,
)
from agilegov.auth import SYSTEM
from agilegov.demo.story import CALIBRATION_LIVE, DEMO_SLUG, GUIDELINE_UPDATE, Story
from agilegov.design.service import MEASURE
from agilegov.monitor.service import list_evaluations
from agilegov.record.service import list_events


def _latest_evaluation(story: Story, indicator: str) -> Evidence:
    page = list_evaluations(
        story.uow,
        SYSTEM,
        story.scopes["screening"],
        limit=1,
        offset=0,
        indicator_id=story.ids[f"indicator.{indicator}"],
    )
    return Evidence(kind="evaluation", id=page.items[0].id)


def _document(name: str, text: str) -> Evidence:
    """A working paper kept outside agilegov, named by its hash."""
    return Evidence(kind="document", sha256=hashlib.sha256(text.encode()).hexdigest(), name=name)


def _findings(
    story: Story, who: str, assessment: AssessmentRead, findings: list[FindingSet]
) -> None:
    """Record a finding against each criterion, in order."""
    for criterion, finding in zip(assessment.criteria, findings, strict=True):
        set_finding(story.uow, story.people[who], assessment.id, criterion.id, finding)


def trust_and_plans(story: Story) -> None:
    """The governance lead names where others rely on the screening's
    governance and how robust that trust must be; the plans follow."""
    scope = "screening"
    with story.at(CALIBRATION_LIVE + 5, 10):
        story.new(
            "trust.fair_screening",
            "lead",
            scope,
            TRUST_AREA,
            TrustAreaCreate(
                title="Fair screening of applicants",
                robustness="high",
                reason="A biased ranking costs qualified people their chance at a job, "
                "and the selection-rate ratio we report is what the ministry's "
                "requirement measures.",
                relied_on_by="Applicants, employer clients, the Ministry of Work and Employment",
                risk_ids=story.risk_ids("bias"),
            ),
        )
        story.new(
            "trust.explanations",
            "lead",
            scope,
            TRUST_AREA,
            TrustAreaCreate(
                title="Explanations and contesting",
                robustness="medium",
                reason="A rejected applicant who gets no reason, or cannot contest one, "
                "loses a chance without knowing why; the harm is real but can be put "
                "right by a human review.",
                relied_on_by="Rejected applicants, Job Seekers' Voice",
                risk_ids=story.risk_ids("opaque"),
            ),
        )
        story.new(
            "plan.certification",
            "analyst",
            scope,
            ASSESSMENT_PLAN,
            AssessmentPlanCreate(
                trust_area_id=story.ids["trust.fair_screening"],
                method="third_party_certification",
                every_months=12,
                next_due=story.day(CALIBRATION_LIVE + 8),
                note="By an assessor accredited under the council's AI Guidelines scheme.",
            ),
        )
        story.new(
            "plan.internal_audit",
            "analyst",
            scope,
            ASSESSMENT_PLAN,
            AssessmentPlanCreate(
                trust_area_id=story.ids["trust.explanations"],
                method="internal_audit",
                every_months=6,
                next_due=story.day(GUIDELINE_UPDATE + 15),
                note="Internal audit, independent of the product team.",
            ),
        )


def fairness_attestation(story: Story) -> None:
    """FairBench asks TalentBridge to certify its fairness monitoring; the
    governance lead accepts the engagement; FairBench assesses it against the
    AI Guidelines, the NIST AI RMF and TalentBridge's own goals, finds one minor
    nonconformity, and issues a credential that anyone can check offline;
    TalentBridge plans the improvement."""
    assessor = story.people["assessor"]
    fairbench = story.organizations["fairbench"]
    with story.at(CALIBRATION_LIVE + 6, 10):
        engagement = request_engagement(
            story.uow,
            assessor,
            EngagementCreate(
                assessor_organization_id=fairbench,
                scope_id=story.scopes["screening"],
                scheme="FairBench fairness certification (third-party)",
                message="We propose to certify the selection-rate monitoring now that "
                "per-client calibration is live.",
            ),
        )
    with story.at(CALIBRATION_LIVE + 7, 9):
        accept_engagement(
            story.uow,
            story.people["lead"],
            engagement.id,
            EngagementAccept(note="Agreed: the monitoring data of the last 90 days is yours."),
        )
    with story.at(CALIBRATION_LIVE + 8, 10):
        assessment = create_assessment(
            story.uow,
            assessor,
            AssessmentCreate(
                engagement_id=engagement.id,
                assessor_organization_id=fairbench,
                scope_id=story.scopes["screening"],
                method="third_party_certification",
                # The scheme the council accredited FairBench for: the credential names it.
                scheme_id=story.ids["scheme.aigb"],
                plan_id=story.ids["plan.certification"],
                coverage="AI-assisted résumé screening for all employer clients: the "
                "ranking model, its fairness monitoring per client, and the explanations "
                "sent to rejected applicants.",
                period_start=story.day(CALIBRATION_LIVE + 8 - 90),
                period_end=story.day(CALIBRATION_LIVE + 7),
                independence="FairBench holds no stake in TalentBridge, has given it no "
                "advice on the system assessed, and is paid a fixed fee whatever the outcome.",
                criteria=[
                    CriterionInput(goal_id=story.ids["goal.selection_ratio"]),
                    CriterionInput(requirement="aigb@1.0#C-3) ①"),
                    CriterionInput(requirement="nist-ai-rmf@1.0#MEASURE 2.11"),
                    CriterionInput(requirement="aigb@1.0#C-6) ②"),
                    CriterionInput(goal_id=story.ids["goal.explanations"]),
                ],
            ),
        )
        ratio = _latest_evaluation(story, "selection_ratio")
        _findings(
            story,
            "assessor",
            assessment,
            [
                FindingSet(
                    finding="conforms",
                    note="At or above 0.8 overall and for every client since per-client "
                    "calibration went live.",
                    evidence=[ratio],
                ),
                FindingSet(
                    finding="conforms",
                    note="Bias is watched in the training data and in outcomes, per client.",
                    evidence=[
                        _document("Data sheet of the ranking model, release 2.3", "model 2.3")
                    ],
                ),
                FindingSet(
                    finding="conforms",
                    note="Fairness is measured per client and per group, with evidence kept.",
                    evidence=[ratio],
                ),
                FindingSet(
                    finding="minor",
                    note="Rejected applicants are told the reasons, but not how to contest "
                    "them: the version 1.1 draft asks for both.",
                    evidence=[
                        _document(
                            "Sample of 40 rejection messages, 2 weeks",
                            "rejection messages sample",
                        )
                    ],
                ),
                FindingSet(
                    finding="observation",
                    note="The explanation share holds above its level; four of forty "
                    "sampled reasons were hard to read.",
                    evidence=[_latest_evaluation(story, "explanations")],
                ),
            ],
        )
    with story.at(CALIBRATION_LIVE + 8, 14):
        complete_assessment(
            story.uow,
            assessor,
            assessment.id,
            AssessmentComplete(
                result="Certified: the selection-rate criteria are met after per-client "
                "calibration; one minor nonconformity on contesting, to be closed within "
                "the year.",
            ),
        )
        issue_attestation(
            story.uow,
            assessor,
            assessment.id,
            AttestationIssue(valid_until=clock.now() + timedelta(days=365)),
            story.assessor_key_dir,
        )
    story.ids["assessment.certification"] = assessment.id
    story.ids["criterion.contesting"] = assessment.criteria[3].id
    with story.at(CALIBRATION_LIVE + 9, 11):
        action = add_action(
            story.uow,
            story.people["lead"],
            assessment.id,
            ImprovementActionCreate(
                criterion_id=story.ids["criterion.contesting"],
                title="A one-click request for human review in every rejection",
                description="Change the explanations measure so that every rejection "
                "carries a way to contest it, with its deadline.",
                owner_id=story.people["analyst"].user_id,
                due=story.day(GUIDELINE_UPDATE + 20),
                becomes="measure_change",
                measure_id=story.ids["measure.explanations"],
            ),
        )
    story.ids["action.contesting"] = action.id


def contesting_closed(story: Story) -> None:
    """The redesign carried out the improvement: the action is done, naming
    the measure's new version, and FairBench closes the minor nonconformity on
    the closing evidence."""
    with story.at(GUIDELINE_UPDATE + 14, 11):
        complete_action(
            story.uow,
            story.people["analyst"],
            story.ids["action.contesting"],
            ImprovementActionDone(
                note="The explanations measure now offers a one-click review request.",
                measure_version=story.version("measure.explanations", MEASURE),
            ),
        )
    recent = list_events(
        story.uow,
        SYSTEM,
        limit=50,
        offset=0,
        scope_id=story.scopes["screening"],
        newest_first=True,
    ).items
    changed = next(
        event
        for event in recent
        if event.type == "measure.updated" and event.subject_id == story.ids["measure.explanations"]
    )
    with story.at(GUIDELINE_UPDATE + 14, 15):
        close_finding(
            story.uow,
            story.people["assessor"],
            story.ids["assessment.certification"],
            story.ids["criterion.contesting"],
            FindingClose(
                note="Checked on 20 rejection messages: each carries the review link "
                "and its 30-day deadline.",
                evidence=[
                    Evidence(kind="record", index=changed.leaf_index),
                    _document("Sample of 20 rejection messages after the change", "after"),
                ],
            ),
        )


def self_declaration(story: Story) -> None:
    """TalentBridge declares, for itself, how it meets the version 1.1 points
    its measures cite."""
    talentbridge = story.organizations[DEMO_SLUG]
    with story.at(GUIDELINE_UPDATE + 15, 10):
        assessment = create_assessment(
            story.uow,
            story.people["lead"],
            AssessmentCreate(
                assessor_organization_id=talentbridge,
                scope_id=story.scopes["screening"],
                method="self_declaration",
                coverage="The screening service against the AI Guidelines for Business, "
                "version 1.1: transparency, accountability and human-centred design.",
                period_start=story.day(GUIDELINE_UPDATE),
                period_end=story.day(GUIDELINE_UPDATE + 14),
                independence="A declaration by the governance lead, who is responsible "
                "for the service: not independent of it.",
                criteria=[
                    CriterionInput(requirement="aigb@1.1#C-6) ②"),
                    CriterionInput(requirement="aigb@1.1#C-7) ⑤"),
                    CriterionInput(requirement="aigb@1.1#C-1) ⑤"),
                    CriterionInput(goal_id=story.ids["goal.explanations"]),
                ],
            ),
        )
        explanations = _latest_evaluation(story, "explanations")
        _findings(
            story,
            "lead",
            assessment,
            [
                FindingSet(
                    finding="conforms",
                    note="The terms tell applicants that AI ranks résumés and on which data.",
                ),
                FindingSet(
                    finding="conforms",
                    note="Every rejection carries a one-click request for human review.",
                ),
                FindingSet(
                    finding="conforms",
                    note="A person reviews borderline rejections for clients under alert.",
                ),
                FindingSet(
                    finding="conforms",
                    note="The explanation share holds above 99.5%.",
                    evidence=[explanations],
                ),
            ],
        )
        complete_assessment(
            story.uow,
            story.people["lead"],
            assessment.id,
            AssessmentComplete(result="We meet the version 1.1 points our measures cite."),
        )


def internal_audit(story: Story) -> None:
    """Internal audit checks the explanations as its plan says; the plan is
    then due again six months on."""
    talentbridge = story.organizations[DEMO_SLUG]
    with story.at(GUIDELINE_UPDATE + 15, 14):
        assessment = create_assessment(
            story.uow,
            story.people["audit"],
            AssessmentCreate(
                assessor_organization_id=talentbridge,
                scope_id=story.scopes["screening"],
                method="internal_audit",
                plan_id=story.ids["plan.internal_audit"],
                coverage="Explanations and contesting: the messages, the review desk and "
                "their monitoring.",
                period_start=story.day(GUIDELINE_UPDATE - 30),
                period_end=story.day(GUIDELINE_UPDATE + 14),
                independence="Internal audit reports to the board's audit committee, not "
                "to the product team, and designed none of the measures audited.",
                criteria=[
                    CriterionInput(requirement="nist-ai-rmf@1.0#MAP 2.2"),
                    CriterionInput(goal_id=story.ids["goal.explanations"]),
                    CriterionInput(requirement="aigb@1.1#C-7) ⑤"),
                ],
            ),
        )
        _findings(
            story,
            "audit",
            assessment,
            [
                FindingSet(
                    finding="conforms",
                    note="What the system can and cannot do is written down for the review desk.",
                ),
                FindingSet(
                    finding="conforms",
                    note="Above 99.5% in every window since the hotfix.",
                    evidence=[_latest_evaluation(story, "explanations")],
                ),
                FindingSet(
                    finding="observation",
                    note="Review requests are answered within the 30 days, but the desk "
                    "keeps no record of the reasons it changes a decision.",
                ),
            ],
        )
        complete_assessment(
            story.uow,
            story.people["audit"],
            assessment.id,
            AssessmentComplete(
                result="Explanations and contesting work as designed; one observation "
                "on the review desk's records."
            ),
        )
