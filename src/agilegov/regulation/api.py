import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from agilegov.api.crud import kind_router
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.paging import page_of
from agilegov.regulation import channels, programmes, service
from agilegov.regulation.schemas import (
    AdopterRead,
    ChannelStatus,
    EvaluationCreate,
    EvaluationRead,
    ExplanationText,
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammePublic,
    ProgrammeRead,
    PublishedRequirement,
    QuestionAnswer,
    QuestionCreate,
    QuestionRead,
    ReportDraft,
    ReportingChannelCreate,
    ReportingChannelRead,
    ReportRead,
    RequirementRead,
    ReviewedReportRead,
    ReviewInput,
    RiskAggregates,
    RiskReportCreate,
    RiskReportRead,
    SectorSummaryCreate,
    SectorSummaryRead,
    Severity,
)
from agilegov.schemas import Page

# ---------------------------------------------------------------- risk reporting

channels_router = APIRouter(tags=["regulation"])


@channels_router.get("/reporting-channels", response_model=Page[ReportingChannelRead])
def list_reporting_channels(
    uow: Uow,
    page: Paging,
    organization_id: Annotated[int | None, Query()] = None,
    status: Annotated[ChannelStatus | None, Query()] = None,
) -> Any:
    """Every reporting channel: what must be reported, by whom and how fast."""
    return channels.list_channels(uow, page.limit, page.offset, organization_id, status)


@channels_router.post("/reporting-channels", response_model=ReportingChannelRead, status_code=201)
def open_reporting_channel(body: ReportingChannelCreate, uow: Uow, actor: Actor) -> Any:
    return channels.open_channel(uow, actor, body)


@channels_router.get("/reporting-channels/{channel_id}", response_model=ReportingChannelRead)
def get_reporting_channel(channel_id: int, uow: Uow) -> Any:
    return channels.get_channel(uow, channel_id)


@channels_router.post("/reporting-channels/{channel_id}/close", response_model=ReportingChannelRead)
def close_reporting_channel(channel_id: int, uow: Uow, actor: Actor) -> Any:
    return channels.close_channel(uow, actor, channel_id)


@channels_router.post(
    "/reporting-channels/{channel_id}/reports", response_model=RiskReportRead, status_code=201
)
def file_risk_report(channel_id: int, body: RiskReportCreate, uow: Uow, actor: Actor) -> Any:
    return channels.file_report(uow, actor, channel_id, body)


@channels_router.get(
    "/reporting-channels/{channel_id}/reports", response_model=Page[RiskReportRead]
)
def list_channel_reports(
    channel_id: int,
    uow: Uow,
    actor: Actor,
    page: Paging,
    organization_id: Annotated[int | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    late: Annotated[bool | None, Query()] = None,
) -> Any:
    """The channel's reports the caller may read: all of them for the channel's
    organization, its own for a filing organization, none for anyone else."""
    return channels.list_reports(
        uow, actor, page.limit, page.offset, channel_id, organization_id, severity, late
    )


@channels_router.get("/reporting-channels/{channel_id}/aggregates", response_model=RiskAggregates)
def channel_aggregates(
    channel_id: int,
    uow: Uow,
    actor: Actor,
    organization_id: Annotated[int | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    late: Annotated[bool | None, Query()] = None,
) -> Any:
    """The channel's reports counted, for the channel's organization."""
    return channels.channel_aggregates(uow, actor, channel_id, organization_id, severity, late)


@channels_router.get("/risk-reports", response_model=Page[RiskReportRead])
def list_risk_reports(
    uow: Uow,
    actor: Actor,
    page: Paging,
    organization_id: Annotated[int | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    late: Annotated[bool | None, Query()] = None,
) -> Any:
    """The risk reports the caller's organizations filed or received."""
    return channels.list_reports(
        uow, actor, page.limit, page.offset, None, organization_id, severity, late
    )


@channels_router.get("/risk-reports/{report_id}", response_model=RiskReportRead)
def get_risk_report(report_id: int, uow: Uow, actor: Actor) -> Any:
    return channels.get_report(uow, actor, report_id)


# ---------------------------------------------------------------- programmes

programmes_router = APIRouter(tags=["regulation"])


@programmes_router.get("/programmes", response_model=Page[ProgrammeRead | ProgrammePublic])
def list_programmes(uow: Uow, actor: Actor, page: Paging) -> Any:
    """The caller's organizations' programmes, whole, and the public view of the
    others: answered inquiries' summaries, decided sandboxes and special measures."""
    return programmes.list_programmes(uow, actor, page.limit, page.offset)


@programmes_router.post("/programmes", response_model=ProgrammeRead, status_code=201)
def apply(body: ProgrammeCreate, uow: Uow, actor: Actor) -> Any:
    """The applicant's editors apply to a government organization."""
    return programmes.apply(uow, actor, body)


@programmes_router.get("/programmes/{programme_id}", response_model=ProgrammeRead | ProgrammePublic)
def get_programme(programme_id: int, uow: Uow, actor: Actor) -> Any:
    return programmes.get_programme(uow, actor, programme_id)


@programmes_router.post("/programmes/{programme_id}/approve", response_model=ProgrammeRead)
def approve(programme_id: int, body: ProgrammeDecision, uow: Uow, actor: Actor) -> Any:
    return programmes.decide(uow, actor, programme_id, True, body)


@programmes_router.post("/programmes/{programme_id}/refuse", response_model=ProgrammeRead)
def refuse(programme_id: int, body: ProgrammeDecision, uow: Uow, actor: Actor) -> Any:
    return programmes.decide(uow, actor, programme_id, False, body)


@programmes_router.post("/programmes/{programme_id}/answer", response_model=ProgrammeRead)
def answer(programme_id: int, body: ProgrammeAnswer, uow: Uow, actor: Actor) -> Any:
    """Answer an inquiry; its summary is published."""
    return programmes.answer(uow, actor, programme_id, body)


@programmes_router.post("/programmes/{programme_id}/exit", response_model=ProgrammeRead)
def exit_programme(programme_id: int, body: ProgrammeExit, uow: Uow, actor: Actor) -> Any:
    return programmes.exit_programme(uow, actor, programme_id, body)


@programmes_router.post("/programmes/{programme_id}/conclude", response_model=ProgrammeRead)
def conclude(programme_id: int, body: ProgrammeConclusion, uow: Uow, actor: Actor) -> Any:
    """Conclude with an outcome; a sandbox's opens a trigger on the regulator's scope."""
    return programmes.conclude(uow, actor, programme_id, body)


"""The regulation part's API."""

# ---------------------------------------------------------------- A: requirements and reports


router = APIRouter(tags=["regulation"])


@router.get("/requirements", response_model=Page[PublishedRequirement])
def list_requirements(uow: Uow, page: Paging) -> Any:
    """Published requirements of every government, newest first."""
    return service.list_published(uow, page.limit, page.offset)


@router.get("/requirements/{requirement_id}", response_model=RequirementRead)
def get_requirement(requirement_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_requirement(uow, actor, requirement_id)


@router.post("/requirements/{requirement_id}/publish", response_model=RequirementRead)
def publish_requirement(requirement_id: int, uow: Uow, actor: Actor) -> Any:
    return service.publish_requirement(uow, actor, requirement_id)


@router.get("/requirements/{requirement_id}/adopters", response_model=list[AdopterRead])
def list_adopters(requirement_id: int, uow: Uow, actor: Actor) -> Any:
    """Each adopting scope with its compliance now (each required indicator's
    latest evaluation against the required level) and its reports."""
    return service.adopters(uow, actor, requirement_id)


@router.post("/reports", response_model=ReportRead, status_code=201)
def draft_report(body: ReportDraft, uow: Uow, actor: Actor) -> Any:
    """Draft the adopter's report of the last period ended, now."""
    return service.draft_report(uow, actor, body.requirement_id, body.scope_id)


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(report_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_report(uow, actor, report_id)


@router.put("/reports/{report_id}/explanations", response_model=ReportRead)
def set_explanations(
    report_id: int,
    uow: Uow,
    actor: Actor,
    body: dict[str, ExplanationText] = Body(max_length=50),
) -> Any:
    """Comply-and-explain texts by item key; the items not named are kept."""
    return service.set_explanations(uow, actor, report_id, body)


@router.post("/reports/{report_id}/submit", response_model=ReportRead)
def submit_report(report_id: int, request: Request, uow: Uow, actor: Actor) -> Any:
    key_dir = request.app.state.settings.assessor_key_dir
    return service.submit_report(uow, actor, report_id, key_dir)


# ---------------------------------------------------------------- review (B)

review_router = APIRouter(tags=["regulation"])


def _iso_date(value: object) -> object:
    # A query's "0" would otherwise be read as a day counted from 1970.
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a valid date")
    return value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


@review_router.get("/reports/{report_id}/questions", response_model=list[QuestionRead])
def list_questions(report_id: int, uow: Uow, actor: Actor) -> Any:
    """The regulator's questions and correction requests on a report, with the answers."""
    return service.list_questions(uow, actor, report_id)


@review_router.post("/reports/{report_id}/questions", response_model=QuestionRead, status_code=201)
def ask(report_id: int, body: QuestionCreate, uow: Uow, actor: Actor) -> Any:
    """Ask a question on a submitted report, or request its correction (the
    regulator's editors); the answer is due in ten business days."""
    return service.ask(uow, actor, report_id, body)


@review_router.post("/report-questions/{question_id}/answer", response_model=QuestionRead)
def answer_question(question_id: int, body: QuestionAnswer, uow: Uow, actor: Actor) -> Any:
    """The business's answer (its editors)."""
    return service.answer_question(uow, actor, question_id, body)


@review_router.post("/reports/{report_id}/review", response_model=ReviewedReportRead)
def review_report(report_id: int, body: ReviewInput, uow: Uow, actor: Actor) -> Any:
    """The regulator's finding on every item of a submitted report with no open question."""
    return service.review_report(uow, actor, report_id, body)


@review_router.post(
    "/reports/{report_id}/evaluation", response_model=EvaluationRead, status_code=201
)
def publish_evaluation(report_id: int, body: EvaluationCreate, uow: Uow, actor: Actor) -> Any:
    """Publish the evaluation of a reviewed report, once."""
    return service.publish_evaluation(uow, actor, report_id, body)


@review_router.get("/reports/{report_id}/evaluation", response_model=EvaluationRead)
def evaluation_of_report(report_id: int, uow: Uow) -> Any:
    """A report's published evaluation: public."""
    return service.evaluation_of_report(uow, report_id)


@review_router.get("/evaluations", response_model=Page[EvaluationRead])
def list_evaluations(
    uow: Uow,
    page: Paging,
    requirement_id: Annotated[int | None, Query()] = None,
    period_start: Annotated[IsoDate | None, Query()] = None,
) -> Any:
    """Published evaluations, newest first: public."""
    items = service.list_evaluations(uow, requirement_id, period_start)
    return page_of(items, page.limit, page.offset)


@review_router.get("/evaluations/{evaluation_id}", response_model=EvaluationRead)
def get_evaluation(evaluation_id: int, uow: Uow) -> Any:
    return service.get_evaluation(uow, evaluation_id)


@review_router.post(
    "/requirements/{requirement_id}/summaries",
    response_model=SectorSummaryRead,
    status_code=201,
)
def publish_sector_summary(
    requirement_id: int, body: SectorSummaryCreate, uow: Uow, actor: Actor
) -> Any:
    """Publish one period's sector summary; its figures feed the regulator's indicators."""
    return service.publish_sector_summary(uow, actor, requirement_id, body)


@review_router.get(
    "/requirements/{requirement_id}/summaries", response_model=list[SectorSummaryRead]
)
def list_sector_summaries(requirement_id: int, uow: Uow) -> Any:
    """A requirement's published sector summaries, newest period first: public."""
    return service.list_sector_summaries(uow, requirement_id)


@review_router.get(
    "/requirements/{requirement_id}/summaries/{period_start}", response_model=SectorSummaryRead
)
def get_sector_summary(requirement_id: int, period_start: IsoDate, uow: Uow) -> Any:
    return service.get_sector_summary(uow, requirement_id, period_start)


routers = [
    channels_router,
    programmes_router,
    router,
    review_router,
    *(kind_router(kind) for kind in service.KINDS),
]
