from typing import Annotated

from fastapi import APIRouter, Query

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.record.schemas import EventRead
from agilegov.record.service import list_events
from agilegov.schemas import Page

router = APIRouter(tags=["record"])


@router.get("/events", response_model=Page[EventRead])
def events(
    uow: Uow,
    actor: Actor,
    page: Paging,
    scope_id: Annotated[int | None, Query()] = None,
    organization_id: Annotated[int | None, Query()] = None,
) -> Page[EventRead]:
    return list_events(uow, actor, page.limit, page.offset, scope_id, organization_id)


routers = [router]
