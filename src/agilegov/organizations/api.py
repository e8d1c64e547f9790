from typing import Any

from fastapi import APIRouter, Response, status

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.errors import Unauthenticated
from agilegov.i18n import lazy
from agilegov.organizations import service
from agilegov.organizations.schemas import (
    MemberAdd,
    MembershipRead,
    MemberUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    Preferences,
    PreferencesRead,
    TokenCreate,
    TokenIssued,
    TokenRead,
)
from agilegov.paging import page_of
from agilegov.schemas import Page

router = APIRouter(tags=["organizations"])
OrganizationPatch: Any = OrganizationUpdate


@router.get("/organizations", response_model=Page[OrganizationRead])
def list_organizations(uow: Uow, actor: Actor, page: Paging) -> Any:
    # Profiles are public; the actor is resolved so a bad token is still refused.
    return service.list_organizations(uow, page.limit, page.offset)


@router.post("/organizations", response_model=OrganizationRead, status_code=201)
def create_organization(body: OrganizationCreate, uow: Uow, actor: Actor) -> Any:
    return service.create_organization(uow, actor, body)


@router.get("/organizations/{organization_id}", response_model=OrganizationRead)
def get_organization(organization_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_organization(uow, organization_id)


@router.patch("/organizations/{organization_id}", response_model=OrganizationRead)
def update_organization(
    organization_id: int, body: OrganizationPatch, uow: Uow, actor: Actor
) -> Any:
    return service.update_organization(uow, actor, organization_id, body)


@router.get("/organizations/{organization_id}/members", response_model=Page[MembershipRead])
def list_members(organization_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return page_of(service.list_members(uow, actor, organization_id), page.limit, page.offset)


@router.post(
    "/organizations/{organization_id}/members", response_model=MembershipRead, status_code=201
)
def add_member(organization_id: int, body: MemberAdd, uow: Uow, actor: Actor) -> Any:
    return service.add_member(uow, actor, organization_id, body)


@router.patch(
    "/organizations/{organization_id}/members/{membership_id}", response_model=MembershipRead
)
def update_member(
    organization_id: int, membership_id: int, body: MemberUpdate, uow: Uow, actor: Actor
) -> Any:
    return service.update_member(uow, actor, organization_id, membership_id, body)


@router.delete(
    "/organizations/{organization_id}/members/{membership_id}",
    status_code=204,
    response_class=Response,
)
def remove_member(organization_id: int, membership_id: int, uow: Uow, actor: Actor) -> Response:
    service.remove_member(uow, actor, organization_id, membership_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
def me(actor: Actor) -> dict[str, Any]:
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    return {"user_id": actor.user_id, "roles": {str(k): v.value for k, v in actor.roles.items()}}


@router.get("/me/preferences", response_model=PreferencesRead)
def my_preferences(uow: Uow, actor: Actor) -> Any:
    """The language and time zone the caller reads pages in."""
    return service.preferences(uow, actor)


@router.patch("/me/preferences", response_model=PreferencesRead)
def set_my_preferences(body: Preferences, uow: Uow, actor: Actor) -> Any:
    """Set the language (``ja``, ``en``) or time zone (IANA, e.g. ``Asia/Tokyo``) the
    caller reads pages in; null leaves it to the browser and the language."""
    return service.set_preferences(uow, actor, body)


@router.get("/tokens", response_model=Page[TokenRead], tags=["tokens"])
def list_tokens(uow: Uow, actor: Actor, page: Paging) -> Any:
    return page_of(service.list_tokens(uow, actor), page.limit, page.offset)


@router.post("/tokens", response_model=TokenIssued, status_code=201, tags=["tokens"])
def issue_token(body: TokenCreate, uow: Uow, actor: Actor) -> Any:
    return service.issue_token(uow, actor, body.name)


@router.delete("/tokens/{token_id}", response_model=TokenRead, tags=["tokens"])
def revoke_token(token_id: int, uow: Uow, actor: Actor) -> Any:
    return service.revoke_token(uow, actor, token_id)


routers = [router]
