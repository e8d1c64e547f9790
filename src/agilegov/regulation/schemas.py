import ast
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, RootModel, field_validator, model_validator

from agilegov.i18n import N_
from agilegov.regulation.programme_rules import ProgrammeKind, ProgrammeStatus
from agilegov.schemas import Input, LongText, Name, Output, ShortText, StoredDatetime, partial_model

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


"""The regulation part's request and response shapes."""

# ---------------------------------------------------------------- A: requirements and reports


ITEM_KEY = re.compile(r"^[a-z_]{1,64}$")
# A report per period of this many months: periods that tile a year.
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)


class RequirementItem(BaseModel):
    """One item a report answers, by a key of lowercase letters and underscores."""

    key: Annotated[str, Field(max_length=64)]
    title: Name
    description: ShortText = ""

    @model_validator(mode="before")
    @classmethod
    def _from_line(cls, value: Any) -> Any:
        """A form gives an item as a line, ``key | title | description``, or as
        the line it showed for a stored item."""
        if not isinstance(value, str):
            return value
        if value.startswith("{"):
            try:
                shown = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                shown = None
            if isinstance(shown, dict):
                return shown
        key, _, rest = value.partition("|")
        title, _, description = rest.partition("|")
        return {"key": key.strip(), "title": title.strip(), "description": description.strip()}

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not ITEM_KEY.match(value):
            raise ValueError("is 1 to 64 lowercase letters and underscores")
        return value


# The five items of the yearly report under Japan's Act on Improving
# Transparency and Fairness of Digital Platforms.
DEFAULT_ITEMS: tuple[dict[str, str], ...] = (
    {"key": "overview", "title": N_("Overview of the business"), "description": ""},
    {"key": "complaints", "title": N_("Handling of complaints and disputes"), "description": ""},
    {"key": "disclosure", "title": N_("Disclosure of terms and conditions"), "description": ""},
    {"key": "measures", "title": N_("Measures taken and their changes"), "description": ""},
    {"key": "self_assessment", "title": N_("Self-assessment"), "description": ""},
)


class RequirementCreate(Input):
    title: Name
    description: LongText = ""
    applies_to: ShortText = Field(
        min_length=1, description=N_("Who must meet it (e.g. providers of hiring platforms).")
    )
    effective_from: date
    effective_until: date | None = None
    goal_ids: list[int] = Field(
        default_factory=list,
        max_length=100,
        description=N_("The scope's specific goals, with their acceptable levels, to reach."),
    )
    indicator_ids: list[int] = Field(
        default_factory=list,
        max_length=200,
        description=N_("Indicators of those goals whose results every report gives."),
    )
    report_every_months: int = Field(
        default=12, description=N_("A report per period of 1, 2, 3, 4, 6 or 12 months.")
    )
    period_starts_month: int = Field(
        default=4, ge=1, le=12, description=N_("The month a period starts in (4: fiscal years).")
    )
    report_due_business_days: int = Field(
        default=60,
        ge=1,
        le=250,
        description=N_("Business days after a period ends that its report is due."),
    )
    items: list[RequirementItem] | None = Field(
        default=None,
        max_length=50,
        description=N_(
            "What a report answers, one item per line as key | title | description;"
            " the five items of a yearly report if none is given."
        ),
    )

    @field_validator("report_every_months")
    @classmethod
    def _months(cls, value: int) -> int:
        if value not in PERIOD_MONTHS:
            raise ValueError("is 1, 2, 3, 4, 6 or 12")
        return value

    @field_validator("items")
    @classmethod
    def _unique_keys(cls, value: list[RequirementItem] | None) -> list[RequirementItem] | None:
        if value is None:
            return value
        keys = [item.key for item in value]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"item keys must differ: {', '.join(twice)}")
        return value


RequirementUpdate = partial_model(RequirementCreate)


class RequirementRead(Output):
    id: int
    scope_id: int
    title: str
    description: str
    applies_to: str
    effective_from: date
    effective_until: date | None
    goal_ids: list[int]
    indicator_ids: list[int]
    report_every_months: int
    period_starts_month: int
    report_due_business_days: int
    items: list[dict[str, Any]]
    status: str
    version: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PublishedRequirement(BaseModel):
    """A published requirement as anyone sees it, with its publisher."""

    requirement: RequirementRead
    organization_id: int
    organization_name: str


class IndicatorCompliance(BaseModel):
    """One required indicator at one adopter, now."""

    indicator_id: int
    key: str
    required_level: float
    direction: str
    adopter_indicator_id: int | None
    value: float | None
    evaluated_at: datetime | None
    status: str  # meets, below, no_data, no_indicator


class ReportSummary(BaseModel):
    id: int
    period_start: date
    period_end: date
    due: date
    status: str
    late: bool
    submissions: int
    submitted_at: datetime | None


class AdopterRead(BaseModel):
    organization_id: int
    organization_name: str
    scope_id: int
    scope_name: str
    goal_id: int
    goal_title: str
    adopts_goal_id: int
    compliance: list[IndicatorCompliance]
    reports: list[ReportSummary]


class ReportRead(Output):
    id: int
    requirement_id: int
    requirement_version: int
    scope_id: int
    organization_id: int
    period_start: date
    period_end: date
    due: date
    status: str
    facts: dict[str, Any]
    explanations: dict[str, str]
    submissions: int
    submitted_at: datetime | None
    submitted_by: int | None
    sha256: str | None
    signature: str | None
    signer_did: str | None
    late: bool
    reminded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ReportDraft(Input):
    requirement_id: int
    scope_id: int


ExplanationText = Annotated[str, Field(max_length=20_000)]


# ---------------------------------------------------------------- review (B)


class QuestionKind(StrEnum):
    question = "question"
    correction = "correction"


class ItemFinding(StrEnum):
    adequate = "adequate"
    needs_improvement = "needs_improvement"
    insufficient = "insufficient"


class QuestionCreate(Input):
    kind: QuestionKind = Field(
        description=N_("A question, or a request that the business correct its report.")
    )
    item: str | None = Field(
        default=None, max_length=64, description=N_("The report item it is about, if one.")
    )
    text: LongText = Field(min_length=1)


class QuestionAnswer(Input):
    answer: LongText = Field(min_length=1)


class QuestionRead(Output):
    id: int
    report_id: int
    kind: QuestionKind
    item: str | None
    text: str
    asked_by: int | None
    asked_at: datetime
    due: date
    answer: str | None
    answered_by: int | None
    answered_at: datetime | None


class FindingInput(Input):
    finding: ItemFinding
    note: LongText = ""


class ReviewInput(RootModel[dict[str, FindingInput]]):
    """The regulator's finding per report item: ``{item key: {"finding", "note"}}``."""


class ReviewedReportRead(Output):
    id: int
    requirement_id: int
    scope_id: int
    organization_id: int
    period_start: date
    period_end: date
    status: str
    submissions: int
    late: bool
    item_findings: dict[str, dict[str, str]]
    reviewed_at: datetime | None


class ReportItem(Output):
    key: str
    title: str


class RequirementHeading(Output):
    id: int
    title: str
    items: list[ReportItem]


class ReviewView(Output):
    """A report as its review page shows it."""

    report: ReviewedReportRead
    requirement_title: str
    items: list[ReportItem]
    regulator_id: int
    regulator_scope_id: int
    scope_name: str
    organization_name: str
    explanations: dict[str, str]
    facts: dict[str, Any]
    open_questions: int
    evaluation_id: int | None


class EvaluationCreate(Input):
    summary: LongText = Field(min_length=1, description=N_("The published evaluation."))
    consultation_id: int | None = Field(
        default=None,
        description=N_("A consultation of the regulator's scope in which users were heard."),
    )


class EvaluationRead(Output):
    id: int
    report_id: int
    requirement_id: int
    scope_id: int
    scope_name: str
    organization_name: str
    period_start: date
    period_end: date
    item_findings: dict[str, dict[str, str]]
    summary: str
    consultation_id: int | None
    published_at: datetime
    published_by: int | None


class SectorSummaryCreate(Input):
    period_start: date = Field(description=N_("The first day of the reporting period."))
    summary: LongText = Field(min_length=1)


class SectorSummaryRead(Output):
    id: int
    requirement_id: int
    period_start: date
    period_end: date
    summary: str
    figures: dict[str, Any]
    published_at: datetime
    published_by: int | None
