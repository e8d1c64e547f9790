from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, RootModel

from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Output

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
