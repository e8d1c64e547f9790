"""Day 129, assurance: an independent assessor audits the recovered fairness
monitoring and issues a credential that anyone can check offline."""

from datetime import timedelta

from agilegov import clock
from agilegov.assurance.schemas import AssessmentCreate, AttestationIssue
from agilegov.assurance.service import create_assessment, issue_attestation
from agilegov.demo.story import CALIBRATION_LIVE, Story


def fairness_attestation(story: Story) -> None:
    """FairBench audits the recovered fairness monitoring and issues a
    credential that anyone can check offline."""
    with story.at(CALIBRATION_LIVE + 8, 14):
        assessor = story.people["assessor"]
        assessment = create_assessment(
            story.uow,
            assessor,
            AssessmentCreate(
                assessor_organization_id=story.organizations["fairbench"],
                scope_id=story.scopes["screening"],
                method="third_party_certification",
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
