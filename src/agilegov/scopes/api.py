from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.api.uploads import document_body, read_document
from agilegov.schemas import Page
from agilegov.scopes import exchange, service
from agilegov.scopes.schemas import ScopeCreate, ScopeRead, ScopeUpdate

router = APIRouter(tags=["scopes"])
ScopePatch: Any = ScopeUpdate


@router.get("/scopes", response_model=Page[ScopeRead])
def list_scopes(
    uow: Uow,
    actor: Actor,
    page: Paging,
    organization_id: Annotated[int | None, Query()] = None,
) -> Any:
    return service.list_scopes(uow, actor, page.limit, page.offset, organization_id)


@router.post("/scopes", response_model=ScopeRead, status_code=201)
def create_scope(body: ScopeCreate, uow: Uow, actor: Actor) -> Any:
    return service.create_scope(uow, actor, body)


@router.get("/scopes/{scope_id}", response_model=ScopeRead)
def get_scope(scope_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_scope(uow, actor, scope_id)


@router.patch("/scopes/{scope_id}", response_model=ScopeRead)
def update_scope(scope_id: int, body: ScopePatch, uow: Uow, actor: Actor) -> Any:
    return service.update_scope(uow, actor, scope_id, body)


def exchange_router() -> APIRouter:
    """Export and import, shaped by the document of every installed part's
    section (so made once the parts are installed)."""
    document = exchange.document_model()
    router = APIRouter(tags=["scopes"])

    @router.get("/scopes/{scope_id}/export", response_model=document)
    def export_scope(scope_id: int, uow: Uow, actor: Actor) -> Any:
        return exchange.export_scope(uow, actor, scope_id)

    @router.post(
        "/scopes/import",
        response_model=ScopeRead,
        status_code=201,
        openapi_extra=document_body(document),
    )
    async def import_scope(
        request: Request,
        uow: Uow,
        actor: Actor,
        organization_id: Annotated[int, Query(description="The organization that will own it.")],
    ) -> Any:
        """A new scope from an exported document; the caller is checked before
        the document is read."""
        await run_in_threadpool(exchange.check_import, uow, actor, organization_id)
        body = await read_document(request, document)
        return await run_in_threadpool(exchange.import_scope, uow, actor, organization_id, body)

    return router


routers = [router, exchange_router]
