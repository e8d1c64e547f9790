"""Days 127-129, assurance: an independent assessor asks to audit the recovered
fairness monitoring, the business accepts, and the assessor issues a credential
that anyone can check offline."""

from datetime import timedelta

from agilegov import clock
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentCreate,
    AttestationIssue,
    CriterionInput,
    EngagementAccept,
    EngagementCreate,
    FindingSet,
)
from agilegov.assurance.service import (
    accept_engagement,
    complete_assessment,
    create_assessment,
    issue_attestation,
    request_engagement,
    set_finding,
)
from agilegov.demo.story import CALIBRATION_LIVE, Story


def fairness_attestation(story: Story) -> None:
    """FairBench asks TalentBridge to certify its fairness monitoring; the
    governance lead accepts the engagement; FairBench audits the monitoring
    and issues a credential that anyone can check offline."""
    assessor = story.people["assessor"]
    with story.at(CALIBRATION_LIVE + 6, 10):
        engagement = request_engagement(
            story.uow,
            assessor,
            EngagementCreate(
                assessor_organization_id=story.organizations["fairbench"],
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
    with story.at(CALIBRATION_LIVE + 8, 14):
        today = clock.today()
        assessment = create_assessment(
            story.uow,
            assessor,
            AssessmentCreate(
                engagement_id=engagement.id,
                assessor_organization_id=story.organizations["fairbench"],
                scope_id=story.scopes["screening"],
                method="third_party_certification",
                # The scheme the council accredited FairBench for: the credential names it.
                scheme_id=story.ids["scheme.aigb"],
                coverage="The selection-rate monitoring, overall and for every client, and the "
                "explanations given to rejected applicants.",
                period_start=today - timedelta(days=90),
                period_end=today,
                independence="FairBench holds no other engagement with TalentBridge or its "
                "clients, and its auditors took no part in the calibration.",
                criteria=[
                    CriterionInput(goal_id=story.ids["goal.selection_ratio"]),
                    CriterionInput(goal_id=story.ids["goal.explanations"]),
                ],
            ),
        )
        findings = (
            FindingSet(
                finding="conforms",
                note="Monitoring per client closes the gap found in the second inner loop.",
            ),
            FindingSet(
                finding="observation",
                note="Explanations should offer contesting, not only reasons.",
            ),
        )
        for criterion, found in zip(assessment.criteria, findings, strict=True):
            set_finding(story.uow, assessor, assessment.id, criterion.id, found)
        complete_assessment(
            story.uow,
            assessor,
            assessment.id,
            AssessmentComplete(
                result="Certified: criteria met after per-client calibration went live."
            ),
        )
        issue_attestation(
            story.uow,
            assessor,
            assessment.id,
            AttestationIssue(valid_until=clock.now() + timedelta(days=365)),
            story.assessor_key_dir,
        )
