from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from agilegov import metrics
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.api.problems import responses
from agilegov.monitor import scraping, service
from agilegov.monitor.schemas import (
    BatchResult,
    BreachEpisodeRead,
    EvaluationRead,
    EvaluationRunRead,
    ObservationBatch,
    ObservationRead,
    ScrapeResult,
    ScrapeTargetCreate,
    ScrapeTargetRead,
    ScrapeTargetUpdate,
    Status,
)
from agilegov.schemas import MAX_INT, Page

router = APIRouter(tags=["observations"])


# FastAPI validates a declared body before the route runs but after its
# dependencies: these refuse a caller who may not store observations first.
def _may_ingest_anywhere(
    uow: Uow,
    actor: Actor,
    scope: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> None:
    service.check_ingest(uow, actor, scope)


def _may_ingest_in_scope(scope_id: int, uow: Uow, actor: Actor) -> None:
    service.check_ingest(uow, actor, scope_id)


@router.post(
    "/observations",
    response_model=BatchResult,
    status_code=201,
    responses=responses(404),  # the scope the query names
    dependencies=[Depends(_may_ingest_anywhere)],
)
def add_observations(
    body: ObservationBatch,
    uow: Uow,
    actor: Actor,
    scope: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_INT,
            description="The scope whose indicators the keys name (needed if ambiguous).",
        ),
    ] = None,
) -> Any:
    """Store a batch of observations, all or nothing; the same indicator, time and
    source twice is stored once."""
    rows = body.rows()
    return metrics.ingest_batch(
        "api", len(rows), lambda: service.ingest(uow, actor, rows, scope_id=scope)
    )


@router.post(
    "/scopes/{scope_id}/observations",
    response_model=BatchResult,
    status_code=201,
    dependencies=[Depends(_may_ingest_in_scope)],
)
def add_scope_observations(scope_id: int, body: ObservationBatch, uow: Uow, actor: Actor) -> Any:
    rows = body.rows()
    return metrics.ingest_batch(
        "api", len(rows), lambda: service.ingest(uow, actor, rows, scope_id=scope_id)
    )


@router.get(
    "/scopes/{scope_id}/indicators/{indicator_id}/observations",
    response_model=Page[ObservationRead],
)
def list_observations(
    scope_id: int, indicator_id: int, uow: Uow, actor: Actor, page: Paging
) -> Any:
    return service.list_observations(uow, actor, scope_id, indicator_id, page.limit, page.offset)


@router.post("/scopes/{scope_id}/evaluations", response_model=EvaluationRunRead, status_code=201)
def evaluate_scope(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """Evaluate every indicator of the scope now: statuses stored and recorded,
    breaches opening (and recoveries closing) their episodes and triggers."""
    return metrics.timed_evaluation("manual", service.evaluate_scope, uow, actor, scope_id)


@router.get("/scopes/{scope_id}/evaluations", response_model=Page[EvaluationRead])
def list_evaluations(
    scope_id: int,
    uow: Uow,
    actor: Actor,
    page: Paging,
    indicator_id: int | None = None,
    status: Annotated[Status | None, Query()] = None,
) -> Any:
    return service.list_evaluations(
        uow, actor, scope_id, page.limit, page.offset, indicator_id, status
    )


@router.get("/scopes/{scope_id}/breach-episodes", response_model=Page[BreachEpisodeRead])
def list_episodes(scope_id: int, uow: Uow, actor: Actor, page: Paging, open: bool = False) -> Any:
    return service.list_episodes(uow, actor, scope_id, page.limit, page.offset, open_only=open)


targets = APIRouter(prefix="/scopes/{scope_id}/scrape-targets", tags=["scrape targets"])
ScrapeTargetPatch: Any = ScrapeTargetUpdate


@targets.post("", response_model=ScrapeTargetRead, status_code=201)
def create_target(scope_id: int, body: ScrapeTargetCreate, uow: Uow, actor: Actor) -> Any:
    """Register a Prometheus endpoint to scrape into the scope's indicators."""
    return scraping.create_target(uow, actor, scope_id, body)


@targets.get("", response_model=Page[ScrapeTargetRead])
def list_targets(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return scraping.list_targets(uow, actor, scope_id, page.limit, page.offset)


@targets.get("/{target_id}", response_model=ScrapeTargetRead)
def get_target(scope_id: int, target_id: int, uow: Uow, actor: Actor) -> Any:
    return scraping.get_target(uow, actor, scope_id, target_id)


@targets.patch("/{target_id}", response_model=ScrapeTargetRead)
def update_target(
    scope_id: int, target_id: int, body: ScrapeTargetPatch, uow: Uow, actor: Actor
) -> Any:
    return scraping.update_target(uow, actor, scope_id, target_id, body)


@targets.delete("/{target_id}", status_code=204, response_class=Response)
def delete_target(scope_id: int, target_id: int, uow: Uow, actor: Actor) -> Response:
    scraping.delete_target(uow, actor, scope_id, target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@targets.post("/{target_id}/scrape", response_model=ScrapeResult)
def scrape_target(scope_id: int, target_id: int, uow: Uow, actor: Actor) -> Any:
    """Scrape the target now: what was stored, or why nothing was (also kept as
    the target's last error)."""
    return scraping.scrape_target(uow, actor, scope_id, target_id)


routers = [router, targets]
