"""Routes for a kind of entity under a scope, the same shape for every kind:
list, create, read, change, delete, and versions where the kind keeps them."""

from typing import Any

from fastapi import APIRouter, Response, status

from agilegov import scoped
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.schemas import Page, VersionRead
from agilegov.scoped import Kind


def kind_router(kind: Kind) -> APIRouter:
    router = APIRouter(prefix="/scopes/{scope_id}/" + kind.plural, tags=[kind.plural])
    Read: Any = kind.read
    Create: Any = kind.create
    Update: Any = kind.update
    label = kind.label

    @router.get("", response_model=Page[Read], name=f"list {kind.plural}")
    def list_items(scope_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
        return scoped.list_items(uow, actor, scope_id, kind, page.limit, page.offset)

    @router.post(
        "", response_model=Read, status_code=status.HTTP_201_CREATED, name=f"create {label}"
    )
    def create_item(scope_id: int, body: Create, uow: Uow, actor: Actor) -> Any:
        return scoped.create_item(uow, actor, scope_id, kind, body)

    @router.get("/{item_id}", response_model=Read, name=f"read {label}")
    def get_item(scope_id: int, item_id: int, uow: Uow, actor: Actor) -> Any:
        return scoped.get_item(uow, actor, scope_id, kind, item_id)

    @router.patch("/{item_id}", response_model=Read, name=f"change {label}")
    def update_item(scope_id: int, item_id: int, body: Update, uow: Uow, actor: Actor) -> Any:
        return scoped.update_item(uow, actor, scope_id, kind, item_id, body)

    @router.delete(
        "/{item_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        name=f"delete {label}",
        response_class=Response,
    )
    def delete_item(scope_id: int, item_id: int, uow: Uow, actor: Actor) -> Response:
        scoped.delete_item(uow, actor, scope_id, kind, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    if kind.versioned:

        @router.get(
            "/{item_id}/versions", response_model=Page[VersionRead], name=f"{label} versions"
        )
        def list_versions(scope_id: int, item_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
            return scoped.list_versions(
                uow, actor, scope_id, kind, item_id, page.limit, page.offset
            )

    return router
