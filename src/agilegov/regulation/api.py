from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from agilegov.api.crud import kind_router
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.regulation import channels, programmes, service
from agilegov.regulation.schemas import (
    AdopterRead,
    ChannelStatus,
    ExplanationText,
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammePublic,
    ProgrammeRead,
    PublishedRequirement,
    ReportDraft,
    ReportingChannelCreate,
    ReportingChannelRead,
    ReportRead,
    RequirementRead,
    RiskAggregates,
    RiskReportCreate,
    RiskReportRead,
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


routers = [
    channels_router,
    programmes_router,
    router,
    *(kind_router(kind) for kind in service.KINDS),
]
