"""Day 178: TalentBridge publishes its transparency report for the months since
it went live, in the general template and in the HAIP reporting framework's
seven sections, with its explanations; and it discloses to the ministry what
its published scope does not show, saying what it withholds and why."""

from agilegov.auth import SYSTEM
from agilegov.demo.story import GO_LIVE, Story
from agilegov.disclosure import audiences, compose, reports
from agilegov.disclosure.audience_schemas import DisclosureCreate
from agilegov.disclosure.report_schemas import ReportCreate

REPORTS_DAY = 178

# The author's words for the sections the templates open with.
EXPLANATIONS = {
    "general": "Our goals, measures and results since go-live, as the platform holds them. "
    "Two inner loops improved explanations and fairness monitoring; two outer loops "
    "followed an unforeseen incident and version 1.1 of the AI Guidelines for Business.",
    "haip": "How we identify, evaluate and treat the risks of AI-assisted screening, "
    "reported against the seven sections of the HAIP reporting framework.",
}


def transparency_reports(story: Story) -> None:
    scope = story.scopes["screening"]
    with story.at(REPORTS_DAY, 15):
        for template, text in EXPLANATIONS.items():
            draft = reports.create_report(
                story.uow,
                story.people["lead"],
                ReportCreate(
                    scope_id=scope,
                    template=template,
                    period_start=story.day(GO_LIVE),
                    period_end=story.day(REPORTS_DAY - 1),
                ),
            )
            first = reports.get_report(story.uow, SYSTEM, draft.id)
            keys = compose.explanation_keys(first.sections)
            reports.set_explanations(story.uow, story.people["lead"], draft.id, {keys[0]: text})
            reports.publish_report(
                story.uow, story.people["lead"], draft.id, story.assessor_key_dir
            )
    with story.at(REPORTS_DAY, 16):
        disclosure = audiences.create_disclosure(
            story.uow,
            story.people["lead"],
            scope,
            DisclosureCreate(
                title="The hidden-instructions incident: what changed, for the ministry",
                message="The risk we added and the measure that treats it, as they stand; "
                "the retention rules stay with our clients' contracts.",
                audience="regulator",
                audience_organization_id=story.organizations["ministry-of-work"],
                items=[
                    {"kind": "risk", "id": story.ids["risk.hidden_instructions"]},
                    {"kind": "measure", "id": story.ids["measure.sanitise"]},
                ],
                withheld=[
                    {
                        "kind": "measure",
                        "id": story.ids["measure.retention"],
                        "reason": "confidentiality",
                        "explanation": "Retention periods are set per client in contracts "
                        "that bind us to confidentiality.",
                    }
                ],
            ),
        )
        audiences.publish_disclosure(story.uow, story.people["lead"], disclosure.id)
