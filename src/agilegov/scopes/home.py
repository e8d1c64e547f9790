"""Where every visitor starts: the dashboard of a signed-in person (their
organizations' scopes and where each cycle stands, open triggers, indicators in
breach), the published scopes for everyone else, and organizations' profiles
with what each has published."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.service import open_triggers_of, scopes_with_cycles
from agilegov.errors import NotFound
from agilegov.goals.service import requirements_of
from agilegov.monitor.service import open_breaches
from agilegov.organizations.service import (
    organization_profile,
    organizations_by_id,
    organizations_with_published,
)
from agilegov.tenancy import Scope
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        session = uow.session
        if not visitor.signed_in:
            published = scopes_with_cycles(session, Scope.visibility == "public")
            owners = _organizations(session, {scope.organization_id for scope, _ in published})
            return render(request, "home.html", visitor=visitor, scopes=published, owners=owners)
        member_of = list(visitor.principal.roles)
        organizations = _organizations(session, set(member_of))
        scopes = scopes_with_cycles(session, Scope.organization_id.in_(member_of))
        scope_ids = [scope.id for scope, _ in scopes]
        triggers = open_triggers_of(session, scope_ids)
        breaches = open_breaches(session, scope_ids)
        by_id = {scope.id: scope for scope, _ in scopes}
        return render(
            request,
            "dashboard.html",
            visitor=visitor,
            organizations=organizations,
            scopes=scopes,
            triggers=triggers,
            breaches=breaches,
            scope_by_id=by_id,
            roles=visitor.principal.roles,
            Role=Role,
        )


def _organizations(session: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {organization.id: organization for organization in organizations_by_id(session, ids)}


@router.get("/organizations")
def organizations(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        rows = organizations_with_published(uow.session)
        return render(request, "organizations.html", visitor=visitor, rows=rows)


@router.get("/organizations/{organization_id}")
def organization_page(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    """Public: who the organization is and what it has published; its members
    also see its private scopes."""
    with uow:
        session = uow.session
        organization = organization_profile(session, organization_id)
        if organization is None:
            raise NotFound(f"organization {organization_id} not found")
        where = [Scope.organization_id == organization_id]
        if not visitor.can(organization_id, Role.viewer):
            where.append(Scope.visibility == "public")
        scopes = scopes_with_cycles(session, *where)
        published_ids = [scope.id for scope, _ in scopes if scope.visibility == "public"]
        requirements = requirements_of(session, published_ids)
        return render(
            request,
            "organization.html",
            visitor=visitor,
            organization=organization,
            scopes=scopes,
            requirements=requirements,
            scope_names={scope.id: scope.name for scope, _ in scopes},
            role=visitor.principal.role_in(organization_id),
        )
