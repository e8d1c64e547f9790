from typing import Any

from fastapi import APIRouter

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.monitor import service
from agilegov.monitor.schemas import BatchResult, ObservationBatch, ObservationRead
from agilegov.schemas import Page

router = APIRouter(prefix="/scopes/{scope_id}", tags=["observations"])


@router.post("/observations", response_model=BatchResult, status_code=201)
def add_observations(scope_id: int, body: ObservationBatch, uow: Uow, actor: Actor) -> Any:
    return service.add_observations(uow, actor, scope_id, body)


@router.get("/indicators/{indicator_id}/observations", response_model=Page[ObservationRead])
def list_observations(
    scope_id: int, indicator_id: int, uow: Uow, actor: Actor, page: Paging
) -> Any:
    return service.list_observations(uow, actor, scope_id, indicator_id, page.limit, page.offset)


routers = [router]
