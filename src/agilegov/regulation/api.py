"""The regulation part's API."""

# ---------------------------------------------------------------- A: requirements and reports

from typing import Any

from fastapi import APIRouter, Body, Request

from agilegov.api.crud import kind_router
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.regulation import service
from agilegov.regulation.schemas import (
    AdopterRead,
    ExplanationText,
    PublishedRequirement,
    ReportDraft,
    ReportRead,
    RequirementRead,
)
from agilegov.schemas import Page

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


routers = [router, *(kind_router(kind) for kind in service.KINDS)]
