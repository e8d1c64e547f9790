"""The remedy part's request and response shapes."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, computed_field, model_validator

from agilegov.i18n import N_
from agilegov.remedy.ladder import (
    AdrResult,
    Category,
    ContactPreference,
    Decision,
    Level,
    Outcome,
    Party,
    RefusalGround,
    Status,
    clock_holder,
)
from agilegov.schemas import Input, LongText, Name, Output

BusinessDays = Annotated[int, Field(ge=1, le=250)]
# Either case of hex is taken and kept in lower case (the pattern sees the text as sent).
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True)]


class SubjectType(StrEnum):
    goal = "goal"
    measure = "measure"
    risk = "risk"


# ---------------------------------------------------------------- ADR bodies and routes


class AdrProviderCreate(Input):
    organization_id: int = Field(description=N_("The organization registering as an ADR body."))
    handles: LongText = Field(min_length=1, description=N_("The disputes it takes."))
    fees: LongText = Field(min_length=1, description=N_("What a case costs, and who pays."))
    independence: LongText = Field(
        min_length=1, description=N_("Its declaration of independence from the parties.")
    )
    refusal_grounds: list[RefusalGround] = Field(
        default_factory=lambda: list(RefusalGround),
        max_length=len(RefusalGround),
        description=N_("The grounds on which it may refuse a case."),
    )
    accept_business_days: BusinessDays = Field(
        default=10, description=N_("Business days to accept or refuse a case.")
    )
    close_business_days: BusinessDays = Field(
        default=90, description=N_("Business days from accepting a case to closing it.")
    )


class AdrProviderRead(Output):
    id: int
    organization_id: int
    handles: str
    fees: str
    independence: str
    refusal_grounds: list[RefusalGround]
    accept_business_days: int
    close_business_days: int
    status: str
    registered_at: datetime


class AdrRouteSet(Input):
    measure_id: int = Field(description=N_("The rule measure (the terms) that names the route."))
    adr_provider_id: int


class AdrRouteRead(Output):
    id: int
    scope_id: int
    measure_id: int
    adr_provider_id: int
    named_at: datetime


class ComplaintDeskSet(Input):
    acknowledge_business_days: BusinessDays = 3
    answer_business_days: BusinessDays = 20
    reply_business_days: BusinessDays = 20
    case_business_days: BusinessDays = 180


class ComplaintDeskRead(Output):
    organization_id: int
    acknowledge_business_days: int
    answer_business_days: int
    reply_business_days: int
    case_business_days: int


class ClusterRuleSet(Input):
    threshold: int = Field(default=3, ge=2, le=1000)
    window_days: int = Field(default=30, ge=1, le=366)


class ClusterRuleRead(Output):
    scope_id: int
    threshold: int
    window_days: int


# ---------------------------------------------------------------- filing


class ComplaintCreate(Input):
    scope_id: int = Field(description=N_("The published scope the complaint is about."))
    category: Category
    what_happened: LongText = Field(min_length=1, description=N_("What happened."))
    happened_on: date | None = Field(default=None, description=N_("When it happened."))
    remedy_sought: LongText = Field(min_length=1, description=N_("The remedy sought."))
    complainant_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    contact_preference: ContactPreference = ContactPreference.platform
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] = Field(
        default="", description=N_("Where to reply, unless by the platform.")
    )
    subject_type: SubjectType | None = Field(
        default=None, description=N_("What it is about: a goal, a measure or a risk.")
    )
    subject_id: int | None = None
    escalate_when_late: bool = Field(
        default=False,
        description=N_("Take it to the provider's ADR body if the answer is late."),
    )

    @model_validator(mode="after")
    def _contact_and_subject(self) -> "ComplaintCreate":
        if self.contact_preference is not ContactPreference.platform and not self.contact:
            raise ValueError(N_("contact: needed when the reply is not by the platform"))
        if self.contact_preference is ContactPreference.email and "@" not in self.contact:
            raise ValueError(N_("contact: not an e-mail address"))
        if (self.subject_type is None) != (self.subject_id is None):
            raise ValueError(N_("subject_id: give both subject_type and subject_id, or neither"))
        return self


class ComplaintStepRead(Output):
    at: datetime
    action: str
    party: Party
    status: Status
    note: str
    details: dict[str, object]
    due_on: date | None
    record_index: int


class ComplaintDocumentRead(Output):
    name: str
    sha256: str
    size: int
    party: Party
    added_at: datetime
    record_index: int


class CountdownRead(Output):
    due: date
    business_days: int
    days: int
    missed: bool


class ComplaintSummary(Output):
    """A complaint as its parties see it: the complainant, the provider, and
    the ADR body it was escalated to."""

    id: int
    scope_id: int
    organization_id: int
    category: Category
    what_happened: str
    happened_on: date | None
    remedy_sought: str
    complainant_name: str
    contact_preference: ContactPreference
    contact: str
    subject_type: SubjectType | None
    subject_id: int | None
    escalate_when_late: bool
    filed_at: datetime
    filed_on: date
    status: Status
    due_on: date | None
    case_due_on: date
    paused_on: date | None
    severity: Level | None
    urgency: Level | None
    decision: Decision | None
    decision_reason: str
    remedy_offered: str
    answered_on: date | None
    adr_provider_id: int | None
    escalated_on: date | None
    refusal_ground: RefusalGround | None
    adr_outcome_text: str
    outcome: Outcome | None
    closed_on: date | None
    cluster_id: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def waiting_for(self) -> Party | None:
        """Whose move the current deadline waits for."""
        return clock_holder(self.status)


class ComplaintRead(ComplaintSummary):
    """A complaint with its history and documents, and how long is left until
    its deadlines (None once closed, or while its clock is paused)."""

    steps: list[ComplaintStepRead]
    documents: list[ComplaintDocumentRead]
    deadline: CountdownRead | None
    case_deadline: CountdownRead | None


class ComplaintFiled(Output):
    complaint: ComplaintRead
    follow_secret: str | None = Field(
        description=N_("Kept by the complainant to follow it without an account; shown once.")
    )


# ---------------------------------------------------------------- moves


class Note(Input):
    note: LongText = ""


class Assessment(Input):
    severity: Level
    urgency: Level
    note: LongText = ""


class Answer(Input):
    decision: Decision
    reason: LongText = Field(min_length=1)
    remedy_offered: LongText = ""

    @model_validator(mode="after")
    def _remedy(self) -> "Answer":
        if self.decision is not Decision.not_upheld and not self.remedy_offered.strip():
            raise ValueError(N_("remedy_offered: an upheld complaint needs the remedy offered"))
        return self


class Escalation(Input):
    adr_provider_id: int | None = Field(
        default=None, description=N_("The ADR body; the provider's named route when left out.")
    )
    note: LongText = ""


class Refusal(Input):
    ground: RefusalGround
    note: LongText = ""


class AdrClosing(Input):
    result: AdrResult
    text: LongText = Field(min_length=1, description=N_("The outcome, as the ADR body states it."))


class Referral(Input):
    court: Name = Field(description=N_("The court the case is referred to."))
    note: LongText = ""


class Statement(Input):
    text: LongText = Field(min_length=1)


class DocumentAdd(Input):
    name: Name
    sha256: Sha256
    size: int = Field(ge=0, le=10**12)


class Pause(Input):
    reason: LongText = Field(min_length=1)


class Extension(Input):
    until: date = Field(description=N_("The new deadline."))
    reason: LongText = Field(min_length=1)
    case: bool = Field(default=False, description=N_("Extend the whole case's deadline instead."))


# ---------------------------------------------------------------- statistics


class StatisticsRead(Output):
    organization_id: int
    scope_id: int | None
    period_start: date
    period_end: date
    minimum: int
    cases: int | None
    open_cases: int | None
    by_category: dict[str, int | None]
    by_stage: dict[str, int | None]
    by_outcome: dict[str, int | None]
    mean_handling_days: float | None
    p90_handling_days: int | None
    escalation_rate: float | None
    suppressed: bool


class ClusterRead(Output):
    id: int
    scope_id: int
    key: str
    trigger_id: int
    opened_at: datetime
    complaint_ids: list[int]
