"""Complaints about TalentBridge's screening, up the remedy ladder.

- Day 56, after go-live: the Consumer Dispute Mediation Centre registers as an
  ADR body, and TalentBridge names it in its terms of use (its ``terms``
  measure), so a complaint it cannot settle goes there without negotiation.
- Days 69-71: applicants whose rejection came without reasons complain, naming
  the explanation goal. The third complaint reaches the scope's threshold and
  the platform opens a ``complaint_cluster`` trigger for the inner loop; the
  fourth joins it. The review of the first inner loop settles it with the
  indicator's breach. TalentBridge answers each complaint with reasons and a
  human review; three applicants accept, one never replies, and the morning
  job closes that complaint once the reply deadline has passed.
- Days 85-94: an applicant asks why a strong application was rejected;
  TalentBridge's review desk re-examines it, partly upholds the complaint, and
  the applicant accepts the remedy.
- Days 90-124: Job Seekers' Voice complains for an applicant over 50 that the
  screening ranks older applicants down; TalentBridge does not uphold it, the
  complaint is escalated to the Centre through the route in the terms, the
  Centre hears both sides and the case settles.

Every deadline is the engine's (business days in Japan); the chapter only acts
within them.
"""

from agilegov.auth import Principal
from agilegov.demo.story import GO_LIVE, HOTFIX, TEMPLATE_CHANGE, Story
from agilegov.remedy import service
from agilegov.remedy.schemas import (
    AdrClosing,
    AdrProviderCreate,
    AdrRouteSet,
    Answer,
    Assessment,
    ComplaintCreate,
    Escalation,
    Note,
    Statement,
)

# Applicants file without an account and follow their complaints by secret links.
ANONYMOUS = Principal(user_id=None)
# The applicants who complained of rejections without reasons: what each wrote.
UNEXPLAINED = (
    (
        TEMPLATE_CHANGE,
        20,
        "My application for a warehouse supervisor role was rejected this "
        "evening. The e-mail says 'Reasons:' and then nothing.",
    ),
    (
        TEMPLATE_CHANGE + 1,
        10,
        "I applied in English and received a rejection with an empty "
        "list of reasons. I would like to know what counted against me.",
    ),
    (
        TEMPLATE_CHANGE + 1,
        16,
        "Rejected within minutes, no explanation, no way to ask a "
        "person. Is a human involved at all?",
    ),
    (
        HOTFIX,
        8,
        "Same as others on the forum: my rejection has a blank reasons section. "
        "Please explain the decision and review it.",
    ),
)
RESOLVED = 85  # the applicant who asks why a strong application was rejected
ESCALATED = 90  # Job Seekers' Voice complains for an applicant over 50
SETTLED = 124


def adr_route(story: Story) -> None:
    with story.at(GO_LIVE, 14):
        centre = service.register_adr_provider(
            story.uow,
            story.people["mediator"],
            AdrProviderCreate(
                organization_id=story.organizations["consumer-mediation"],
                handles="Disputes between consumers or job seekers and businesses over "
                "services, including decisions made or supported by AI.",
                fees="Free of charge to the consumer; the business pays a case fee of JPY 50,000.",
                independence="The Centre's mediators have no employment, shareholding or "
                "advisory ties to the businesses whose cases they hear, and declare any "
                "tie before accepting a case.",
            ),
        )
        story.ids["adr.centre"] = centre.id
    with story.at(GO_LIVE, 15):
        service.name_adr_route(
            story.uow,
            story.people["lead"],
            story.scopes["screening"],
            AdrRouteSet(measure_id=story.ids["measure.terms"], adr_provider_id=centre.id),
        )


def unexplained_rejections(story: Story) -> None:
    filed = []
    for day, hour, text in UNEXPLAINED:
        with story.at(day, hour):
            filed.append(
                service.file_complaint(
                    story.uow,
                    ANONYMOUS,
                    ComplaintCreate(
                        scope_id=story.scopes["screening"],
                        category="explanation",
                        what_happened=text,
                        happened_on=story.day(day),
                        remedy_sought="The reasons for the decision and a review by a person.",
                        subject_type="goal",
                        subject_id=story.ids["goal.explanations"],
                    ),
                )
            )
    story.complaints["unexplained"] = [
        (read.complaint.id, service.Caller(ANONYMOUS, read.follow_secret)) for read in filed
    ]
    desk = service.Caller(story.people["analyst"])
    with story.at(HOTFIX, 11):
        for complaint_id, _ in story.complaints["unexplained"]:
            service.acknowledge(
                story.uow,
                desk,
                complaint_id,
                Note(note="Thank you. We are looking into rejections sent without reasons."),
            )
            service.assess(
                story.uow, desk, complaint_id, Assessment(severity="medium", urgency="high")
            )


def unexplained_answered(story: Story) -> None:
    desk = service.Caller(story.people["analyst"])
    complaints = story.complaints["unexplained"]
    with story.at(HOTFIX + 5, 10):
        for complaint_id, _ in complaints:
            service.answer(
                story.uow,
                desk,
                complaint_id,
                Answer(
                    decision="upheld",
                    reason="A template released on "
                    f"{story.day(TEMPLATE_CHANGE)} sent English-language rejections without "
                    "their reasons until it was fixed. The decision itself was made as usual.",
                    remedy_offered="The three factors that weighed most, in plain language, "
                    "and a review of the application by a recruiter within 10 days.",
                ),
            )
    # Three accept; the last applicant never replies, and the engine closes the
    # complaint once the reply deadline has passed.
    for day, (complaint_id, complainant) in zip((77, 78, 80), complaints[:3], strict=True):
        with story.at(day, 19):
            service.accept(
                story.uow, complainant, complaint_id, Note(note="Thank you for the reasons.")
            )


def resolved_and_escalated(story: Story) -> None:
    desk = service.Caller(story.people["analyst"])
    lead = service.Caller(story.people["lead"])
    with story.at(RESOLVED, 21):
        resolved = service.file_complaint(
            story.uow,
            ANONYMOUS,
            ComplaintCreate(
                scope_id=story.scopes["screening"],
                category="decision",
                what_happened="I have eight years as a logistics planner and the exact "
                "certifications listed, yet I was rejected for a planner role. The reasons "
                "mention 'limited recent experience', which is not true.",
                happened_on=story.day(RESOLVED - 1),
                remedy_sought="A review of my application by a person.",
                contact_preference="email",
                contact="applicant.k@example.net",
                subject_type="measure",
                subject_id=story.ids["measure.review_desk"],
            ),
        )
    applicant = service.Caller(ANONYMOUS, resolved.follow_secret)
    resolved_id = resolved.complaint.id
    with story.at(RESOLVED + 1, 10):
        service.acknowledge(story.uow, desk, resolved_id, Note())
        service.assess(
            story.uow, desk, resolved_id, Assessment(severity="medium", urgency="medium")
        )
    with story.at(ESCALATED, 11):
        escalated = service.file_complaint(
            story.uow,
            story.people["organizer"],
            ComplaintCreate(
                scope_id=story.scopes["screening"],
                category="discrimination",
                what_happened="A member aged 56 with 30 years in warehouse management was "
                "rejected by three clients in a week, each time below the cut-off by a "
                "small margin; younger members with less experience passed. We believe "
                "the ranking weighs recent job changes in a way that penalises older "
                "applicants.",
                happened_on=story.day(ESCALATED - 3),
                remedy_sought="A human review of the three applications, and an account "
                "of how age-related factors are checked in the ranking.",
                complainant_name="Sara Ito for Job Seekers' Voice",
                contact_preference="email",
                contact="organizer@jobseekers-voice.example.org",
                subject_type="goal",
                subject_id=story.ids["goal.selection_ratio"],
            ),
        )
    voice = service.Caller(story.people["organizer"])
    escalated_id = escalated.complaint.id
    with story.at(ESCALATED + 1, 10):
        service.acknowledge(story.uow, desk, escalated_id, Note())
        service.assess(story.uow, desk, escalated_id, Assessment(severity="high", urgency="medium"))
    with story.at(RESOLVED + 7, 15):
        service.answer(
            story.uow,
            desk,
            resolved_id,
            Answer(
                decision="partly_upheld",
                reason="A recruiter re-examined the application: the rejection for this "
                "role stands on the client's shift requirements, but the reason given "
                "was wrong: the model read a career break as a lack of recent experience.",
                remedy_offered="A corrected explanation, and the application forwarded with "
                "your consent to two other clients hiring planners.",
            ),
        )
    with story.at(RESOLVED + 9, 20):
        service.accept(
            story.uow, applicant, resolved_id, Note(note="Please forward it. Thank you.")
        )
    with story.at(ESCALATED + 9, 16):
        service.answer(
            story.uow,
            lead,
            escalated_id,
            Answer(
                decision="not_upheld",
                reason="The selection-rate ratio by age band stayed above 0.85 for these "
                "clients, and the three rejections were each reviewed by a person and "
                "found to follow the clients' stated requirements.",
            ),
        )
    with story.at(ESCALATED + 11, 18):
        service.escalate(
            story.uow,
            voice,
            escalated_id,
            Escalation(note="The ratio is an average; it does not answer for these three."),
        )
    mediator = service.Caller(story.people["mediator"])
    with story.at(ESCALATED + 13, 10):
        service.adr_accept(story.uow, mediator, escalated_id, Note(note="Case accepted."))
    with story.at(ESCALATED + 15, 14):
        service.add_statement(
            story.uow,
            voice,
            escalated_id,
            Statement(
                text="The three rejections fell within 0.03 of the cut-off; the ranking "
                "counted two job changes after age 50 as instability."
            ),
        )
    with story.at(ESCALATED + 16, 11):
        service.add_statement(
            story.uow,
            lead,
            escalated_id,
            Statement(
                text="We accept that job changes late in a career should not weigh as "
                "instability, and have asked the model team to check the feature."
            ),
        )
    story.complaints["escalated"] = [(escalated_id, voice)]


def settled(story: Story) -> None:
    [(complaint_id, _)] = story.complaints["escalated"]
    with story.at(SETTLED, 14):
        service.adr_close(
            story.uow,
            service.Caller(story.people["mediator"]),
            complaint_id,
            AdrClosing(
                result="settled",
                text="TalentBridge has the three applications reviewed by a recruiter "
                "outside the model within 10 days, removes job changes after age 50 from "
                "the instability feature at the next release, and reports the age-band "
                "ratios per client to Job Seekers' Voice quarterly for a year.",
            ),
        )
