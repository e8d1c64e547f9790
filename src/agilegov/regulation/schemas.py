from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from agilegov.i18n import N_
from agilegov.regulation.programme_rules import ProgrammeKind, ProgrammeStatus
from agilegov.schemas import Input, LongText, Name, Output, StoredDatetime

"""The regulation part's request and response shapes."""


# ---------------------------------------------------------------- risk reporting


class ChannelStatus(StrEnum):
    open = "open"
    closed = "closed"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ReportingChannelCreate(Input):
    organization_id: int = Field(description=N_("The government organization receiving reports."))
    title: Name
    what: LongText = Field(min_length=1, description=N_("What must be reported."))
    who: LongText = Field(min_length=1, description=N_("Who must report it."))
    hours_to_report: int = Field(
        ge=1, le=720, description=N_("Within how many hours of becoming aware a report is due.")
    )


class ReportingChannelRead(Output):
    id: int
    organization_id: int
    title: str
    what: str
    who: str
    hours_to_report: int
    status: ChannelStatus
    created_at: datetime


class RiskReportCreate(Input):
    organization_id: int = Field(description=N_("The business filing the report."))
    title: Name
    description: LongText = Field(min_length=1, description=N_("What happened or was found."))
    severity: Severity
    became_aware_at: StoredDatetime = Field(
        description=N_("When the business became aware of it; not in the future.")
    )
    scope_id: int | None = Field(
        default=None, description=N_("The business's own scope it concerns, if one.")
    )


class RiskReportRead(Output):
    id: int
    channel_id: int
    organization_id: int
    scope_id: int | None
    title: str
    description: str
    severity: Severity
    became_aware_at: datetime
    filed_at: datetime
    filed_by: int | None
    late: bool


class RiskAggregates(Output):
    """A channel's reports counted: per severity, per filing organization, per
    month filed (YYYY-MM), and how many were late."""

    total: int
    by_severity: dict[str, int]
    by_organization: dict[int, int]
    by_month: dict[str, int]
    late: int
    late_share: float | None = Field(description=N_("Late reports over all; none without reports."))


# ---------------------------------------------------------------- programmes


class ProgrammeCreate(Input):
    kind: ProgrammeKind
    regulator_organization_id: int = Field(
        description=N_("The government organization asked to decide or answer.")
    )
    applicant_organization_id: int = Field(description=N_("The business that applies."))
    scope_id: int | None = Field(
        default=None,
        description=N_(
            "The applicant's scope the demonstration or exception runs in (not for an inquiry)."
        ),
    )
    regulator_scope_id: int | None = Field(
        default=None,
        description=N_("The government's scope the outcome feeds (a sandbox's proposal)."),
    )
    title: Name
    description: LongText = Field(
        min_length=1, description=N_("The demonstration or exception, or the business described.")
    )
    question: LongText = Field(
        default="",
        description=N_("A sandbox's objectives; an inquiry's question about the regulation."),
    )
    safeguards: LongText = Field(default="", description=N_("The safety assurances."))
    consent: LongText = Field(
        default="", description=N_("How the participants' consent is obtained.")
    )
    indicator_ids: list[int] = Field(
        default_factory=list,
        max_length=50,
        description=N_("The scope's indicators watched during the period."),
    )
    period_start: date | None = None
    period_end: date | None = None


class ProgrammeDecision(Input):
    """The regulator approves with conditions, or refuses with its reasons."""

    decision: LongText = Field(min_length=1, description=N_("The decision and its reasons."))
    conditions: LongText = Field(default="", description=N_("The conditions of an approval."))


class ProgrammeAnswer(Input):
    answer: LongText = Field(min_length=1, description=N_("The answer to the applicant."))
    published_summary: LongText = Field(
        min_length=1,
        description=N_("The summary published to everyone; name the applicant only if it agreed."),
    )


class ProgrammeExit(Input):
    exit_report: LongText = Field(min_length=1, description=N_("What the period showed."))


class ProgrammeConclusion(Input):
    outcome: LongText = Field(
        min_length=1,
        description=N_("The regulator's proposal from the results, opening a trigger."),
    )
    regulator_scope_id: int | None = Field(
        default=None,
        description=N_(
            "The regulator's scope the outcome opens a trigger on: a sandbox's named at "
            "application unless given here; a special measure's only if given here."
        ),
    )


class ProgrammeRead(Output):
    id: int
    kind: ProgrammeKind
    regulator_organization_id: int
    applicant_organization_id: int
    scope_id: int | None
    regulator_scope_id: int | None
    title: str
    description: str
    question: str
    safeguards: str
    consent: str
    indicator_ids: list[int]
    period_start: date | None
    period_end: date | None
    status: ProgrammeStatus
    applied_at: datetime
    applied_by: int | None
    decision_due: date
    overdue: bool = False
    decided_at: datetime | None
    decided_by: int | None
    decision: str
    conditions: str
    published_summary: str
    exit_report: str
    exited_at: datetime | None
    outcome: str
    concluded_at: datetime | None
    trigger_id: int | None


class ProgrammePublic(Output):
    """What anyone may read: an answered inquiry's summary (no applicant), a
    decided sandbox's or measure's title, status and outcome."""

    id: int
    kind: ProgrammeKind
    regulator_organization_id: int
    title: str
    status: ProgrammeStatus
    decided_at: datetime | None
    published_summary: str
    outcome: str
    concluded_at: datetime | None
