"""The commons part's request and response shapes."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from agilegov.commons.path import Action, Branch, Consequence, Party, Status
from agilegov.commons.vocabulary import HarmSeverity, HarmType, IncidentKind, Licence, Source
from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output

# An ATLAS technique or sub-technique: AML.T0051, AML.T0051.001.
Technique = Annotated[str, StringConstraints(pattern=r"^AML\.T\d{4}(\.\d{3})?$")]
SystemKind = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


class Harm(Input):
    type: HarmType
    severity: HarmSeverity
    affected: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description=N_("Who was harmed, or nearly: applicants, users, the public.")
    )
    count: int = Field(default=0, ge=0, le=10**10, description=N_("How many were affected."))


class System(Input):
    name: Name
    kind: SystemKind = Field(description=N_("The kind of system, as a short word: llm, ranking."))


class IncidentCreate(Input):
    kind: IncidentKind = IncidentKind.incident
    title: Name
    description: LongText = Field(min_length=1, description=N_("What happened."))
    occurred_on: date
    discovered_on: date
    harms: list[Harm] = Field(default_factory=list, max_length=50)
    systems: list[System] = Field(default_factory=list, max_length=20)
    techniques: list[Technique] = Field(
        default_factory=list, max_length=50, description=N_("MITRE ATLAS techniques involved.")
    )
    risk_ids: list[int] = Field(
        default_factory=list,
        max_length=50,
        description=N_(
            "The risks of the register that materialised. An incident linked to none "
            "was not foreseen."
        ),
    )
    critical_infrastructure: bool = Field(
        default=False, description=N_("It disrupted the operation of critical infrastructure.")
    )
    widespread: bool = Field(
        default=False, description=N_("It infringed the rights of many people in many places.")
    )
    channel_id: int | None = Field(
        default=None, description=N_("The regulator's reporting channel it is reported to.")
    )

    @model_validator(mode="after")
    def _discovered_after_it_happened(self) -> "IncidentCreate":
        if self.discovered_on < self.occurred_on:
            raise ValueError(N_("discovered_on: must not be before occurred_on"))
        return self


# What a step of an incident's history records: a move of the path, or what
# happens beside it (recorded, its channel named, a report filed, shared).
StepAction = StrEnum(
    "StepAction",
    {name: name for name in [*Action, "recorded", "channel_named", "reported", "shared"]},
)


class IncidentStepRead(Output):
    id: int
    at: datetime
    action: StepAction
    party: Party
    status: Status
    note: str
    details: dict[str, Any]
    record_index: int


class PledgeItemRead(Output):
    id: int
    measure_id: int
    change: str
    due_on: date
    pledged_version: int
    done_version: int | None
    done_on: date | None


class IncidentReportRead(Output):
    id: int
    channel_id: int
    kind: str
    clause: str
    due_on: date
    risk_report_id: int | None
    filed_at: datetime | None
    late: bool


class IncidentSummary(Output):
    id: int
    scope_id: int
    organization_id: int
    kind: IncidentKind
    title: str
    occurred_on: date
    discovered_on: date
    branch: Branch
    status: Status
    due_on: date | None
    created_at: datetime


class IncidentRead(IncidentSummary):
    description: str
    harms: list[dict[str, Any]]
    systems: list[dict[str, Any]]
    techniques: list[str]
    critical_infrastructure: bool
    widespread: bool
    risk_ids: list[int]
    foreseeable: bool
    affected_informed_on: date | None
    regulator_informed_on: date | None
    channel_id: int | None
    trigger_id: int | None
    consequence: Consequence | None
    shared_incident_id: int | None
    steps: list[IncidentStepRead]
    pledge: list[PledgeItemRead]
    reports: list[IncidentReportRead]


# ---------------------------------------------------------------- moves


class Note(Input):
    note: LongText = ""


class Compensation(Input):
    note: LongText = Field(min_length=1, description=N_("What is offered, to whom, and how."))


class PledgeItemCreate(Input):
    measure_id: int
    change: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    due_on: date


class Pledge(Input):
    note: LongText = Field(min_length=1, description=N_("What the organization pledges."))
    items: list[PledgeItemCreate] = Field(min_length=1, max_length=50)


class Sanction(Input):
    consequence: Consequence
    note: LongText = Field(min_length=1, description=N_("What happened, and why this follows."))


class ChannelChoice(Input):
    channel_id: int


class ReportFiling(Input):
    kind: str = Field(pattern="^(initial|complete)$")
    description: LongText = Field(min_length=1, description=N_("What the regulator is told."))


# ---------------------------------------------------------------- reporting rules


class ClauseIn(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    applies_when: str = Field(max_length=32)
    initial_days: int
    complete_days: int | None = None


class ReportingRuleSet(Input):
    name: Name
    clauses: list[ClauseIn] = Field(min_length=1, max_length=20)


class ReportingRuleRead(Output):
    id: int
    channel_id: int
    name: str
    clauses: list[dict[str, Any]]
    updated_at: datetime


# ---------------------------------------------------------------- the commons


class SubscriptionSet(Input):
    system_kinds: list[SystemKind] = Field(default_factory=list, max_length=20)
    techniques: list[Technique] = Field(default_factory=list, max_length=100)
    harm_types: list[HarmType] = Field(default_factory=list, max_length=len(HarmType))
    threshold: float | None = Field(
        default=None,
        ge=0.05,
        le=1.0,
        description=N_("How close a shared incident must be to signal; none: the default."),
    )
    active: bool = True


class SubscriptionRead(Output):
    id: int
    scope_id: int
    system_kinds: list[str]
    techniques: list[str]
    harm_types: list[str]
    threshold: float | None
    active: bool
    updated_at: datetime


class ShareProposal(Output):
    """What the platform proposes to share: the owner edits the text."""

    kind: IncidentKind
    title: str
    description: str
    occurred: str
    harms: list[dict[str, Any]]
    harm_types: list[str]
    system_kinds: list[str]
    techniques: list[str]
    frameworks: list[str]
    foreseeable: bool
    # What in the text still names the organization or a person.
    identifying: list[str]


class ShareInput(Input):
    title: Name
    description: LongText = Field(min_length=1)


class Correction(Input):
    title: Name | None = None
    description: LongText | None = Field(default=None, min_length=1)
    reason: Reason


class Retraction(Input):
    reason: Reason


class SharedIncidentRead(Output):
    id: int
    source: Source
    source_id: str
    licence: Licence
    attribution: str
    kind: IncidentKind
    title: str
    description: str
    occurred: str | None
    harms: list[dict[str, Any]]
    harm_types: list[str]
    system_kinds: list[str]
    techniques: list[str]
    frameworks: list[str]
    foreseeable: bool | None
    url: str | None
    version: int
    status: str
    published_at: datetime
    updated_at: datetime


class SimilarRead(Output):
    """A shared incident like another, with how alike and why."""

    incident: SharedIncidentRead
    score: float
    reasons: list[dict[str, Any]]


class SharedVersionRead(Output):
    version: int
    content: dict[str, Any]
    reason: str
    at: datetime
    record_index: int


class SignalStatus(StrEnum):
    open = "open"
    reviewed = "reviewed"
    dismissed = "dismissed"


class SignalRead(Output):
    id: int
    shared_incident_id: int
    scope_id: int
    score: float
    reasons: list[dict[str, Any]]
    trigger_id: int | None
    status: SignalStatus
    reason: str
    decided_at: datetime | None
    created_at: datetime


class Dismissal(Input):
    reason: Reason


class ImportSource(StrEnum):
    atlas = "atlas"
    avid = "avid"
    aiid = "aiid"


class ImportResult(Output):
    source: ImportSource
    licence: Licence
    added: int
    corrected: int
    unchanged: int
