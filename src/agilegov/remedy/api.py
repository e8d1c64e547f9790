"""The remedy part's API: complaints and their moves, ADR bodies and routes,
clocks, clusters, statistics and evidence bundles."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.remedy import service
from agilegov.remedy.ladder import Party, Status
from agilegov.remedy.schemas import (
    AdrClosing,
    AdrProviderCreate,
    AdrProviderRead,
    AdrRouteRead,
    AdrRouteSet,
    Answer,
    Assessment,
    ClusterRead,
    ClusterRuleRead,
    ClusterRuleSet,
    ComplaintCreate,
    ComplaintDeskRead,
    ComplaintDeskSet,
    ComplaintFiled,
    ComplaintRead,
    ComplaintSummary,
    DocumentAdd,
    Escalation,
    Extension,
    Note,
    Pause,
    Referral,
    Refusal,
    Statement,
    StatisticsRead,
)
from agilegov.schemas import Page

router = APIRouter(tags=["remedy"])

FollowSecret = Annotated[
    str | None,
    Header(
        alias="X-Complaint-Secret",
        max_length=200,
        description="The secret of a complaint's follow link (a complainant without an account).",
    ),
]
Speaking = Annotated[
    Party | None,
    Query(description="The side you speak for, when you are on more than one."),
]


def _caller(actor: Any, secret: str | None) -> service.Caller:
    return service.Caller(actor, secret)


# ---------------------------------------------------------------- ADR bodies, routes, clocks


@router.get("/adr-providers", response_model=Page[AdrProviderRead])
def list_adr_providers(uow: Uow, page: Paging) -> Any:
    """The registered ADR bodies: the disputes each takes, fees, independence, refusal grounds."""
    return service.list_adr_providers(uow, page.limit, page.offset)


@router.post("/adr-providers", response_model=AdrProviderRead, status_code=201)
def register_adr_provider(body: AdrProviderCreate, uow: Uow, actor: Actor) -> Any:
    return service.register_adr_provider(uow, actor, body)


@router.get("/adr-providers/{adr_provider_id}", response_model=AdrProviderRead)
def get_adr_provider(adr_provider_id: int, uow: Uow) -> Any:
    return service.get_adr_provider(uow, adr_provider_id)


@router.put("/scopes/{scope_id}/adr-route", response_model=AdrRouteRead)
def name_adr_route(scope_id: int, body: AdrRouteSet, uow: Uow, actor: Actor) -> Any:
    """Name the ADR body the scope's terms send complaints to."""
    return service.name_adr_route(uow, actor, scope_id, body)


@router.put("/organizations/{organization_id}/complaint-desk", response_model=ComplaintDeskRead)
def set_complaint_desk(organization_id: int, body: ComplaintDeskSet, uow: Uow, actor: Actor) -> Any:
    """The provider's clocks, in business days in Japan."""
    return service.set_desk(uow, actor, organization_id, body)


@router.get("/organizations/{organization_id}/complaint-desk", response_model=ComplaintDeskRead)
def get_complaint_desk(organization_id: int, uow: Uow) -> Any:
    return service.get_desk(uow, organization_id)


@router.put("/scopes/{scope_id}/complaint-clusters/rule", response_model=ClusterRuleRead)
def set_cluster_rule(scope_id: int, body: ClusterRuleSet, uow: Uow, actor: Actor) -> Any:
    """How many complaints about one thing, within how many days, open the inner loop."""
    return service.set_cluster_rule(uow, actor, scope_id, body)


@router.get("/scopes/{scope_id}/complaint-clusters", response_model=list[ClusterRead])
def list_clusters(scope_id: int, uow: Uow, actor: Actor) -> Any:
    return service.clusters_of(uow, actor, scope_id)


@router.get("/organizations/{organization_id}/complaint-statistics", response_model=StatisticsRead)
def complaint_statistics(
    organization_id: int,
    uow: Uow,
    actor: Actor,
    start: Annotated[date, Query(description="The first day of the period (in Japan).")],
    end: Annotated[date, Query(description="The last day of the period.")],
    scope_id: Annotated[int | None, Query()] = None,
    minimum: Annotated[int, Query(ge=1, le=1000)] = service.MINIMUM_CASES,
) -> Any:
    """Complaints filed in the period: by type, rung and outcome, handling time,
    escalation rate; no figure rests on fewer than ``minimum`` complaints."""
    return service.complaint_statistics(uow, actor, organization_id, start, end, scope_id, minimum)


# ---------------------------------------------------------------- complaints


@router.post("/complaints", response_model=ComplaintFiled, status_code=201)
def file_complaint(body: ComplaintCreate, uow: Uow, actor: Actor) -> Any:
    """File a complaint about a published scope, signed in or not; without an
    account, keep the returned ``follow_secret`` to follow it."""
    return service.file_complaint(uow, actor, body)


@router.get("/complaints", response_model=Page[ComplaintSummary])
def list_complaints(
    uow: Uow,
    actor: Actor,
    page: Paging,
    scope_id: Annotated[int | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    waiting_for: Annotated[Party | None, Query()] = None,
) -> Any:
    """The complaints you filed, those filed with your organizations, and those
    escalated to your ADR bodies."""
    return service.list_complaints(
        uow, actor, page.limit, page.offset, scope_id, status, waiting_for
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintRead)
def get_complaint(complaint_id: int, uow: Uow, actor: Actor, secret: FollowSecret = None) -> Any:
    return service.get_complaint(uow, _caller(actor, secret), complaint_id)


@router.get("/complaints/{complaint_id}/bundle")
def evidence_bundle(
    complaint_id: int, request: Request, uow: Uow, actor: Actor, secret: FollowSecret = None
) -> dict[str, Any]:
    """The evidence bundle for a court: check it offline with ``agilegov record
    verify --bundle FILE --key KEY``."""
    return service.evidence(
        uow,
        _caller(actor, secret),
        complaint_id,
        request.app.state.signer,
        request.app.state.settings.log_origin,
    )


def _move_route(path: str, function: Any, body_type: Any, summary: str) -> None:
    def move(
        complaint_id: int, body: body_type, uow: Uow, actor: Actor, secret: FollowSecret = None
    ) -> Any:
        return function(uow, _caller(actor, secret), complaint_id, body)

    router.add_api_route(
        f"/complaints/{{complaint_id}}/{path}",
        move,
        methods=["POST"],
        response_model=ComplaintRead,
        summary=summary,
        name=f"complaint_{path.replace('-', '_')}",
    )


for _path, _function, _body, _summary in [
    ("acknowledge", service.acknowledge, Note, "The provider acknowledges the complaint"),
    ("assess", service.assess, Assessment, "The provider assesses severity and urgency"),
    ("answer", service.answer, Answer, "The provider answers with a decision and a remedy"),
    ("accept", service.accept, Note, "The complainant accepts the answer"),
    ("escalate", service.escalate, Escalation, "The complainant takes it to an ADR body"),
    ("adr-accept", service.adr_accept, Note, "The ADR body accepts the case"),
    ("adr-refuse", service.adr_refuse, Refusal, "The ADR body refuses the case on a ground"),
    ("adr-close", service.adr_close, AdrClosing, "The ADR body closes the case"),
    ("refer", service.refer, Referral, "The complainant refers the case to a court"),
    ("withdraw", service.withdraw, Note, "The complainant withdraws the complaint"),
    ("pause", service.pause, Pause, "The side whose deadline runs pauses the clock"),
    ("resume", service.resume, Note, "The clock runs again; deadlines move on"),
    ("extend", service.extend, Extension, "A later deadline, with the reason"),
]:
    _move_route(_path, _function, _body, _summary)


@router.post("/complaints/{complaint_id}/statements", response_model=ComplaintRead)
def add_statement(
    complaint_id: int,
    body: Statement,
    uow: Uow,
    actor: Actor,
    secret: FollowSecret = None,
    party: Speaking = None,
) -> Any:
    """A side's statement, to the provider or, once escalated, to the ADR body."""
    return service.add_statement(uow, _caller(actor, secret), complaint_id, body, party)


@router.post("/complaints/{complaint_id}/documents", response_model=ComplaintRead)
def add_document(
    complaint_id: int,
    body: DocumentAdd,
    uow: Uow,
    actor: Actor,
    secret: FollowSecret = None,
    party: Speaking = None,
) -> Any:
    """A document a side gives, by its SHA-256 (the side keeps the file)."""
    return service.add_document(uow, _caller(actor, secret), complaint_id, body, party)


routers = [router]
