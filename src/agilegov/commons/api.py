"""The commons part's API: incidents and their path, reports to a regulator
and its clocks, the commons (shared incidents, corrections, exports, imports),
subscriptions and signals."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.api.uploads import read_upload, upload_body
from agilegov.commons import service
from agilegov.commons.path import Action
from agilegov.commons.schemas import (
    ChannelChoice,
    Compensation,
    Correction,
    Dismissal,
    ImportResult,
    ImportSource,
    IncidentCreate,
    IncidentRead,
    IncidentSummary,
    Note,
    Pledge,
    ReportFiling,
    ReportingRuleRead,
    ReportingRuleSet,
    Retraction,
    Sanction,
    SharedIncidentRead,
    SharedVersionRead,
    ShareInput,
    ShareProposal,
    SignalRead,
    SimilarRead,
    SubscriptionRead,
    SubscriptionSet,
)
from agilegov.commons.vocabulary import Source
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.schemas import MAX_INT, Page

router = APIRouter(tags=["commons"])

# An id as the database stores it.
RowId = Annotated[int, Field(ge=1, le=MAX_INT)]


# ---------------------------------------------------------------- incidents


@router.post("/scopes/{scope_id}/incidents", response_model=IncidentRead, status_code=201)
def record_incident(scope_id: int, body: IncidentCreate, uow: Uow, actor: Actor) -> Any:
    """Record an incident, near miss or hazard. Linked to risks of the register it
    is foreseeable (inner loop); linked to none, unforeseeable (outer loop)."""
    return service.record_incident(uow, actor, scope_id, body)


@router.get("/scopes/{scope_id}/incidents", response_model=Page[IncidentSummary])
def list_incidents(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.list_incidents(uow, actor, scope_id, page.limit, page.offset)


@router.get(
    "/organizations/{organization_id}/reported-incidents", response_model=Page[IncidentSummary]
)
def reported_incidents(organization_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    """Incidents reported on a regulator's channels, for its members."""
    return service.incidents_reported_to(uow, actor, organization_id, page.limit, page.offset)


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_incident(uow, actor, incident_id)


@router.post("/incidents/{incident_id}/affected-informed", response_model=IncidentRead)
def inform_affected(incident_id: int, body: Note, uow: Uow, actor: Actor) -> Any:
    """The owner has informed those affected."""
    return service.inform_affected(uow, actor, incident_id, body)


@router.put("/incidents/{incident_id}/channel", response_model=IncidentRead)
def report_to(incident_id: int, body: ChannelChoice, uow: Uow, actor: Actor) -> Any:
    """Name the regulator's reporting channel; its clauses set the reports due."""
    return service.report_to(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/reports", response_model=IncidentRead)
def file_report(incident_id: int, body: ReportFiling, uow: Uow, actor: Actor) -> Any:
    """File the initial report (it informs the regulator) or the complete one."""
    return service.file_report(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/compensation-offer", response_model=IncidentRead)
def offer_compensation(incident_id: int, body: Compensation, uow: Uow, actor: Actor) -> Any:
    return service.offer_compensation(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/compensation", response_model=IncidentRead)
def compensate(incident_id: int, body: Compensation, uow: Uow, actor: Actor) -> Any:
    return service.compensate(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/cooperation", response_model=IncidentRead)
def cooperate(incident_id: int, body: Note, uow: Uow, actor: Actor) -> Any:
    """The owner cooperates with the regulator's investigation (unforeseeable)."""
    return service.cooperate(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/pledge", response_model=IncidentRead)
def pledge(incident_id: int, body: Pledge, uow: Uow, actor: Actor) -> Any:
    """An improvement pledge: changes to measures of the scope, each by a date."""
    return service.pledge(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/deferral", response_model=IncidentRead)
def defer(incident_id: int, body: Note, uow: Uow, actor: Actor) -> Any:
    """The regulator defers sanctions while the pledge is kept."""
    return service.defer(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/completion", response_model=IncidentRead)
def complete(incident_id: int, body: Note, uow: Uow, actor: Actor) -> Any:
    """The regulator confirms every pledge item is done."""
    return service.complete(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/non-cooperation", response_model=IncidentRead)
def refuse_cooperation(incident_id: int, body: Sanction, uow: Uow, actor: Actor) -> Any:
    """The regulator records non-cooperation, and its consequence."""
    return service.sanction(uow, actor, incident_id, Action.refuse_cooperation, body)


@router.post("/incidents/{incident_id}/broken-pledge", response_model=IncidentRead)
def break_pledge(incident_id: int, body: Sanction, uow: Uow, actor: Actor) -> Any:
    """The regulator records a broken pledge, and its consequence."""
    return service.sanction(uow, actor, incident_id, Action.break_pledge, body)


@router.post("/incidents/{incident_id}/closure", response_model=IncidentRead)
def close(incident_id: int, body: Note, uow: Uow, actor: Actor) -> Any:
    """Close a near miss or hazard that harmed no one, once informed."""
    return service.close(uow, actor, incident_id, body)


@router.post("/incidents/{incident_id}/notes", response_model=IncidentRead)
def add_note(
    incident_id: int,
    body: Note,
    uow: Uow,
    actor: Actor,
    regulator: Annotated[bool, Query(description="Speak as the regulator.")] = False,
) -> Any:
    return service.add_note(uow, actor, incident_id, body, as_regulator=regulator)


@router.get("/incidents/{incident_id}/share-proposal", response_model=ShareProposal)
def share_proposal(incident_id: int, uow: Uow, actor: Actor) -> Any:
    """The pseudonymised version the platform proposes, to edit before sharing."""
    return service.share_proposal(uow, actor, incident_id)


@router.post("/incidents/{incident_id}/share", response_model=SharedIncidentRead, status_code=201)
def share(incident_id: int, body: ShareInput, uow: Uow, actor: Actor) -> Any:
    """Share to the commons (owners): refused while the text names the organization."""
    return service.share_incident(uow, actor, incident_id, body)


# ---------------------------------------------------------------- a regulator's clocks


@router.put("/reporting-channels/{channel_id}/incident-rule", response_model=ReportingRuleRead)
def set_reporting_rule(channel_id: int, body: ReportingRuleSet, uow: Uow, actor: Actor) -> Any:
    """When incidents must be reported on this channel: clauses, the tightest applying."""
    return service.set_reporting_rule(uow, actor, channel_id, body)


@router.get("/reporting-channels/{channel_id}/incident-rule", response_model=ReportingRuleRead)
def get_reporting_rule(channel_id: int, uow: Uow) -> Any:
    rule = service.get_reporting_rule(uow, channel_id)
    if rule is None:
        raise NotFound(
            lazy("channel %(channel_id)s sets no incident clocks", channel_id=channel_id)
        )
    return rule


# ---------------------------------------------------------------- the commons


@router.get("/commons", response_model=Page[SharedIncidentRead])
def list_shared(
    uow: Uow,
    page: Paging,
    source: Annotated[Source | None, Query(description="Only incidents from this source.")] = None,
) -> Any:
    """Shared incidents, newest first, each with its licence."""
    return service.list_shared(uow, page.limit, page.offset, source)


@router.get("/commons/stix", responses={200: {"content": {"application/stix+json": {}}}})
def export_stix(
    uow: Uow,
    ids: Annotated[list[RowId] | None, Query(max_length=1000)] = None,
) -> Response:
    """The commons (or the incidents named) as a STIX 2.1 bundle."""
    return Response(service.export_stix(uow, ids), media_type="application/stix+json")


@router.post(
    "/commons/imports",
    response_model=ImportResult,
    status_code=201,
    openapi_extra=upload_body("file", "MITRE ATLAS YAML, an AVID report or an AIID CSV snapshot."),
)
async def import_shared(
    request: Request, uow: Uow, actor: Actor, source: Annotated[ImportSource, Query()]
) -> Any:
    """Import public incident data (the site's operator; checked before the file is read)."""
    actor.require_site_admin()
    data = await read_upload(request, "file")
    return await run_in_threadpool(service.import_shared, uow, actor, source, [data])


@router.get("/commons/{shared_id:int}", response_model=SharedIncidentRead)
def get_shared(shared_id: int, uow: Uow) -> Any:
    return service.get_shared(uow, shared_id)


@router.get("/commons/{shared_id:int}/versions", response_model=list[SharedVersionRead])
def shared_versions(shared_id: int, uow: Uow) -> Any:
    """Every version as published, with each correction's reason."""
    return service.shared_versions(uow, shared_id)


@router.get("/commons/{shared_id:int}/similar", response_model=list[SimilarRead])
def similar_shared(shared_id: int, uow: Uow) -> Any:
    """The shared incidents most like this one, with the score and the reasons."""
    return service.similar_shared(uow, shared_id)


@router.get("/commons/{shared_id:int}/avid")
def export_avid(shared_id: int, uow: Uow) -> Any:
    """The shared incident as an AVID report."""
    return service.export_avid(uow, shared_id)


@router.post("/commons/{shared_id:int}/corrections", response_model=SharedIncidentRead)
def correct(shared_id: int, body: Correction, uow: Uow, actor: Actor) -> Any:
    return service.correct_shared(uow, actor, shared_id, body)


@router.post("/commons/{shared_id:int}/retraction", response_model=SharedIncidentRead)
def retract(shared_id: int, body: Retraction, uow: Uow, actor: Actor) -> Any:
    return service.retract_shared(uow, actor, shared_id, body)


# ---------------------------------------------------------------- subscriptions and signals


@router.put("/scopes/{scope_id}/commons-subscription", response_model=SubscriptionRead)
def subscribe(scope_id: int, body: SubscriptionSet, uow: Uow, actor: Actor) -> Any:
    """Subscribe the scope to the commons: shared incidents like it signal it."""
    return service.set_subscription(uow, actor, scope_id, body)


@router.get("/scopes/{scope_id}/commons-subscription", response_model=SubscriptionRead)
def get_subscription(scope_id: int, uow: Uow, actor: Actor) -> Any:
    found = service.get_subscription(uow, actor, scope_id)
    if found is None:
        raise NotFound(lazy("scope %(scope_id)s is not subscribed", scope_id=scope_id))
    return found


@router.get("/scopes/{scope_id}/commons-signals", response_model=Page[SignalRead])
def list_signals(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.list_signals(uow, actor, scope_id, page.limit, page.offset)


@router.get("/commons-signals/{signal_id}", response_model=SignalRead)
def get_signal(signal_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_signal(uow, actor, signal_id)


@router.post("/commons-signals/{signal_id}/dismissal", response_model=SignalRead)
def dismiss(signal_id: int, body: Dismissal, uow: Uow, actor: Actor) -> Any:
    """Dismiss a signal with its reason (a review that settles its trigger)."""
    return service.dismiss_signal(uow, actor, signal_id, body)


routers = [router]
