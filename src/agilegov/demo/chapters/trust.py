"""Day 21, trust anchors: the site's operator appoints the verified AI Assurance
Accreditation Council an accreditation body; the council sets up its scheme
for third-party assessment under the AI Guidelines for Business and accredits
FairBench's signing key for it. Each grant publishes the next signed trust
list, so a credential FairBench issues under the scheme can be checked by
anyone; the look-alike "FairBench Assurance" is on no list."""

from datetime import timedelta

from agilegov import clock
from agilegov.demo.story import Story
from agilegov.trust.schemas import AccreditationBodyAppoint, AccreditationCreate, SchemeCreate
from agilegov.trust.service import accredit, appoint_accreditation_body, create_scheme


def accreditation(story: Story) -> None:
    council = story.organizations["ai-accreditation-council"]
    with story.at(21, 10):
        appoint_accreditation_body(
            story.uow, story.people["operator"], AccreditationBodyAppoint(organization_id=council)
        )
    with story.at(21, 14):
        scheme = create_scheme(
            story.uow,
            story.people["council"],
            SchemeCreate(
                accreditation_body_id=council,
                slug="aigb-third-party",
                name="AI Guidelines for Business — third-party assessment",
                description="Assessment of an AI business's governance against the AI "
                "Guidelines for Business by an independent body, on evidence from its "
                "monitoring and its governance cycle.",
            ),
        )
        story.ids["scheme.aigb"] = scheme.id
    with story.at(21, 16):
        # After a witnessed audit: three years, surveilled yearly.
        accredit(
            story.uow,
            story.people["council"],
            AccreditationCreate(
                scheme_id=scheme.id,
                assessor_organization_id=story.organizations["fairbench"],
                valid_until=clock.now() + timedelta(days=3 * 365),
            ),
            story.assessor_key_dir,
        )
