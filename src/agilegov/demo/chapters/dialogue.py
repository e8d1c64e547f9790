"""Days 166-178, dialogue: TalentBridge asks applicants, employers and the public
how contesting a rejection should work. Three camps vote on statements, the
community comments, spam is hidden, and every input gets a response."""

import random
from datetime import UTC, datetime, time, timedelta

from agilegov import clock
from agilegov.auth import ANONYMOUS
from agilegov.demo.story import CONSULTATION_OPENS, Story
from agilegov.design.service import MEASURE
from agilegov.dialogue.access import Voice
from agilegov.dialogue.lifecycle import create_consultation, hide, respond
from agilegov.dialogue.participation import add_comment, cast_vote
from agilegov.dialogue.reads import comments as consultation_comments
from agilegov.dialogue.reads import statements as consultation_statements
from agilegov.dialogue.schemas import (
    CommentCreate,
    ConsultationCreate,
    Moderation,
    ResponseCreate,
    VoteCreate,
)

CONSULTATION_DRAFT = """When TalentBridge's screening rejects an application, the applicant \
receives within 24 hours the three factors that weighed most, in plain language, and a \
one-click request for a review by a person.

The applicant may ask for the review within 30 days. A reviewer who did not take part in \
the decision answers within 10 working days.

Every quarter, TalentBridge publishes how many reviews were asked for, how long they took, \
and how many changed the outcome."""
CONSULTATION_STATEMENTS = (
    "Every rejection should be reviewed by a person before it is sent.",
    "A fast answer matters more to me than a human review.",
    "Thirty days is long enough to ask for a review.",
    "The reviewer must be able to overturn the ranking, not only explain it.",
    "The reasons given should be in plain language, not scores.",
    "Employers should see how often reviews change outcomes.",
    "I would rather not be screened by AI at all.",
    "The quarterly numbers should be checked by an independent auditor.",
    "Applicants should be able to see the data the ranking used.",
    "One-click review is enough; a phone line is not needed.",
)
# How each camp leans on each statement, in the order above.
CONSULTATION_LEANINGS = (
    (
        "agree",
        "disagree",
        "disagree",
        "agree",
        "agree",
        "agree",
        "agree",
        "agree",
        "agree",
        "disagree",
    ),
    (
        "disagree",
        "agree",
        "agree",
        "disagree",
        "agree",
        "disagree",
        "disagree",
        "disagree",
        "disagree",
        "agree",
    ),
    (
        "disagree",
        "disagree",
        "disagree",
        "agree",
        "agree",
        "agree",
        "disagree",
        "agree",
        "agree",
        "agree",
    ),
)
CONSULTATION_PEOPLE = 45


def _other(vote: str) -> str:
    return "disagree" if vote == "agree" else "agree"


def consultation_on_contesting(story: Story) -> None:
    scope = "screening"
    statements = CONSULTATION_STATEMENTS
    with story.at(CONSULTATION_OPENS):
        consultation = create_consultation(
            story.uow,
            story.people["lead"],
            story.scopes[scope],
            ConsultationCreate(
                title="How should applicants contest a screening decision?",
                subject="goals",
                summary="TalentBridge asks job seekers, employers and the public how the "
                "one-click review of a rejection should work, before its next review.",
                draft=CONSULTATION_DRAFT,
                opens_at=clock.now(),
                closes_at=datetime.combine(story.today, time(), UTC) + timedelta(days=21),
                goal_ids=story.goal_ids("explanations"),
                statements=list(statements),
            ),
        )
    ids = [s.id for s in consultation_statements(story.uow, story.people["lead"], consultation.id)]
    rng = random.Random(CONSULTATION_OPENS)
    voices: list[Voice] = []
    # Three camps: those who want a person for every rejection, those who want speed
    # and the model's word, and those in between; each votes as its camp leans.
    for person in range(CONSULTATION_PEOPLE):
        camp = person % 3
        with story.at(CONSULTATION_OPENS + 1 + person * 10 // CONSULTATION_PEOPLE, 10, person % 60):
            voice = Voice(ANONYMOUS)
            for number, statement in enumerate(ids):
                if rng.random() < 0.2:
                    continue
                lean = CONSULTATION_LEANINGS[camp][number]
                roll = rng.random()
                vote = "pass" if roll < 0.1 else (lean if roll < 0.85 else _other(lean))
                spoken = cast_vote(
                    story.uow,
                    voice,
                    consultation.id,
                    VoteCreate(statement_id=statement, vote=vote),
                )
                voice = Voice(ANONYMOUS, spoken.new_secret or voice.secret)
            voices.append(voice)
    with story.at(CONSULTATION_OPENS + 11, 14):
        organizer = Voice(story.people["organizer"])
        asked = add_comment(
            story.uow,
            organizer,
            consultation.id,
            CommentCreate(
                paragraph=2,
                body="Thirty days is too short for people between jobs; and the review must "
                "be by someone who can overturn the ranking, not only explain it.",
            ),
        ).result
        add_comment(
            story.uow,
            voices[0],
            consultation.id,
            CommentCreate(paragraph=1, body="Earn money from home!!! Click here."),
        )
        spam = consultation_comments(story.uow, story.people["lead"], consultation.id)[-1]
        hide(
            story.uow,
            story.people["lead"],
            consultation.id,
            "comment",
            spam.id,
            Moderation(reason="Advertising, not about the draft"),
        )
    with story.at(CONSULTATION_OPENS + 12, 11):
        respond(
            story.uow,
            story.people["lead"],
            consultation.id,
            ResponseCreate(
                target_kind="comment",
                target_id=asked.id,
                decision="partly",
                reason="Reviewers can now overturn a ranking, and the measure says so. "
                "The 30-day window stays for now; we will report how many requests arrive "
                "after day 20 and revisit it at the next review.",
                change=story.version_of(
                    "measure.explanations",
                    MEASURE,
                    story.version("measure.explanations", MEASURE),
                ),
            ),
        )
    story.ids["consultation.contesting"] = consultation.id
