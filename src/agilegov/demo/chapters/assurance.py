"""Days 127-129, assurance: an independent assessor asks to audit the recovered
fairness monitoring, the business accepts, and the assessor issues a credential
that anyone can check offline."""

from datetime import timedelta

from agilegov import clock
from agilegov.assurance.schemas import (
    AssessmentCreate,
    AttestationIssue,
    EngagementAccept,
    EngagementCreate,
)
from agilegov.assurance.service import (
    accept_engagement,
    create_assessment,
    issue_attestation,
    request_engagement,
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
                criteria=[
                    "Selection-rate ratio between groups at or above 0.8 over 90 days, "
                    "overall and for every client",
                    "Every rejection explained within 24 hours",
                    "Breaches reviewed and remedied in the governance cycle",
                ],
                result="Certified: criteria met after per-client calibration went live.",
                findings=[
                    "Monitoring per client closes the gap found in the second inner loop.",
                    "Explanations should offer contesting, not only reasons.",
                ],
            ),
        )
        issue_attestation(
            story.uow,
            assessor,
            assessment.id,
            AttestationIssue(valid_until=clock.now() + timedelta(days=365)),
            story.assessor_key_dir,
        )
