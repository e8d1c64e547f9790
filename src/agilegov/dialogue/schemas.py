from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from agilegov.cycle.schemas import VersionRef
from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output, ShortText, StoredDatetime

# A statement is short, as in Pol.is, so that it can be voted on at a glance.
StatementText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
CommentText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
]


class Subject(StrEnum):
    goals = "goals"
    requirement = "requirement"
    report = "report"


class Audience(StrEnum):
    public = "public"
    invited = "invited"


class Choice(StrEnum):
    agree = "agree"
    disagree = "disagree"
    pass_ = "pass"

    @property
    def value_number(self) -> int:
        return {"agree": 1, "disagree": -1, "pass": 0}[self.value]

    @classmethod
    def of_number(cls, number: int) -> "Choice":
        """The choice a vote kept as 1, -1 or 0 stands for."""
        return {1: cls.agree, -1: cls.disagree, 0: cls.pass_}[number]


class Decision(StrEnum):
    accepted = "accepted"
    partly = "partly"
    rejected = "rejected"


class ConsultationCreate(Input):
    title: Name
    subject: Subject = Field(
        description=N_("What the draft is: the scope's goals, a requirement, or a report.")
    )
    summary: LongText = ""
    draft: LongText = Field(
        min_length=1, description=N_("The draft; paragraphs are separated by blank lines.")
    )
    opens_at: StoredDatetime = Field(description=N_("From then on, people may take part."))
    closes_at: StoredDatetime = Field(description=N_("Comments and votes are taken until then."))
    audience: Audience = Audience.public
    invited_organization_ids: list[int] = Field(default_factory=list, max_length=200)
    goal_ids: list[int] = Field(
        default_factory=list,
        max_length=200,
        description=N_("The scope's goals the draft concerns."),
    )
    allow_pseudonymous: bool = Field(
        default=True,
        description=N_("Whether people may take part without an account (public only)."),
    )
    statements: list[StatementText] = Field(
        default_factory=list, max_length=200, description=N_("Statements to start the voting with.")
    )


class ParagraphRead(Output):
    id: int
    number: int
    text: str


class ConsultationRead(Output):
    id: int
    scope_id: int
    title: str
    subject: Subject
    summary: str
    opens_at: datetime
    closes_at: datetime
    audience: Audience
    allow_pseudonymous: bool
    closed_at: datetime | None
    status: Literal["upcoming", "open", "closed"]
    goal_ids: list[int]
    invited_organization_ids: list[int]
    source: str
    created_at: datetime


class CommentCreate(Input):
    paragraph: int = Field(ge=1, description="The paragraph's number.")
    body: CommentText


class CommentRead(Output):
    id: int
    paragraph_id: int
    participant_id: int
    body: str | None = Field(description="Null once hidden by moderation.")
    created_at: datetime
    hidden_at: datetime | None
    hidden_reason: str | None


class StatementCreate(Input):
    text: StatementText


class StatementRead(Output):
    id: int
    participant_id: int | None
    text: str | None = Field(description="Null once hidden by moderation.")
    created_at: datetime
    hidden_at: datetime | None
    hidden_reason: str | None
    agrees: int = 0
    disagrees: int = 0
    passes: int = 0


class VoteCreate(Input):
    statement_id: int
    vote: Choice


class VoteRead(Output):
    statement_id: int
    participant_id: int
    vote: Choice
    voted_at: datetime
    replaced: Choice | None = None


class Moderation(Input):
    reason: ShortText = Field(min_length=1, description="Why it is hidden; kept on the record.")


class ResponseCreate(Input):
    target_kind: Literal["comment", "statement"]
    target_id: int
    decision: Decision
    reason: LongText = Field(min_length=1)
    change: VersionRef | None = Field(
        default=None, description="The goal or measure version this input changed."
    )


class ResponseRead(Output):
    id: int
    target_kind: str
    target_id: int
    decision: Decision
    reason: str
    change_kind: str | None
    change_id: int | None
    change_version: int | None
    decided_by: int | None
    decided_at: datetime


class ParticipantRead(Output):
    id: int
    pseudonym: str
    created_at: datetime
