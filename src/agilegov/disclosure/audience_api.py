"""The API of disclosures to named audiences."""

from typing import Any

from fastapi import APIRouter

from agilegov.api.deps import Actor, Uow
from agilegov.disclosure import audiences as service
from agilegov.disclosure.audience_schemas import (
    DisclosureCreate,
    DisclosureRead,
    DisclosureSummary,
    Withdrawal,
)

router = APIRouter(tags=["disclosure"])


@router.get("/scopes/{scope_id}/disclosures", response_model=list[DisclosureSummary])
def list_disclosures(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """The scope's disclosures you may read (all of them, for its members), newest first."""
    return service.scope_disclosures(uow, actor, scope_id)


@router.post("/scopes/{scope_id}/disclosures", response_model=DisclosureRead, status_code=201)
def create_disclosure(scope_id: int, body: DisclosureCreate, uow: Uow, actor: Actor) -> Any:
    """Draft a disclosure: its audience, the scope's items shown ({kind, id}) and
    those withheld with their reason."""
    return service.create_disclosure(uow, actor, scope_id, body)


@router.get("/disclosures/{disclosure_id}", response_model=DisclosureRead)
def get_disclosure(disclosure_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_disclosure(uow, actor, disclosure_id)


@router.post("/disclosures/{disclosure_id}/publish", response_model=DisclosureRead)
def publish_disclosure(disclosure_id: int, uow: Uow, actor: Actor) -> Any:
    """Show it to its audience, each item as it reads now; its organizations' owners are told."""
    return service.publish_disclosure(uow, actor, disclosure_id)


@router.post("/disclosures/{disclosure_id}/withdraw", response_model=DisclosureRead)
def withdraw_disclosure(disclosure_id: int, body: Withdrawal, uow: Uow, actor: Actor) -> Any:
    """Withdraw it, with a reason; its audience still reads it, marked withdrawn."""
    return service.withdraw_disclosure(uow, actor, disclosure_id, body)


@router.get(
    "/organizations/{organization_id}/disclosures-received",
    response_model=list[DisclosureSummary],
)
def disclosures_received(organization_id: int, uow: Uow, actor: Actor) -> Any:
    """What the organization has been shown, for its members, newest first."""
    return service.received_disclosures(uow, actor, organization_id)


routers = [router]
