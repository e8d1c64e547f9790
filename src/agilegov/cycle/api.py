from typing import Annotated, Any

from fastapi import APIRouter, Query

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.cycle import service
from agilegov.cycle.schemas import (
    CycleRead,
    HistoryEntry,
    ReviewCreate,
    ReviewRead,
    TransitionCreate,
    TransitionRead,
    TriggerCreate,
    TriggerRead,
    TriggerStatus,
)
from agilegov.schemas import Page

router = APIRouter(prefix="/scopes/{scope_id}", tags=["cycle"])


@router.get("/cycle", response_model=CycleRead)
def get_cycle(scope_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_cycle(uow, actor, scope_id)


@router.post("/cycle/transitions", response_model=CycleRead, status_code=201)
def advance(scope_id: int, body: TransitionCreate, uow: Uow, actor: Actor) -> Any:
    return service.advance(uow, actor, scope_id, body)


@router.get("/cycle/transitions", response_model=Page[TransitionRead])
def list_transitions(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.list_transitions(uow, actor, scope_id, page.limit, page.offset)


@router.get("/cycle/history", response_model=Page[HistoryEntry])
def history(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.history(uow, actor, scope_id, page.limit, page.offset)


@router.get("/cycle/triggers", response_model=Page[TriggerRead])
def list_triggers(
    scope_id: int,
    uow: Uow,
    actor: Actor,
    page: Paging,
    status: Annotated[TriggerStatus | None, Query()] = None,
) -> Any:
    return service.list_triggers(
        uow, actor, scope_id, page.limit, page.offset, status.value if status else None
    )


@router.post("/cycle/triggers", response_model=TriggerRead, status_code=201)
def raise_trigger(scope_id: int, body: TriggerCreate, uow: Uow, actor: Actor) -> Any:
    return service.raise_trigger(uow, actor, scope_id, body)


@router.get("/reviews", response_model=Page[ReviewRead], tags=["reviews"])
def list_reviews(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.list_reviews(uow, actor, scope_id, page.limit, page.offset)


@router.post("/reviews", response_model=ReviewRead, status_code=201, tags=["reviews"])
def record_review(scope_id: int, body: ReviewCreate, uow: Uow, actor: Actor) -> Any:
    return service.record_review(uow, actor, scope_id, body)


@router.get("/reviews/{review_id}", response_model=ReviewRead, tags=["reviews"])
def get_review(scope_id: int, review_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_review(uow, actor, scope_id, review_id)


routers = [router]
