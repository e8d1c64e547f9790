"""Where every visitor starts: the dashboard of a signed-in person (their
organizations' scopes and where each cycle stands, open triggers, indicators in
breach), the published scopes for everyone else, and organizations' profiles
with what each has published."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.models import Cycle, Trigger
from agilegov.errors import NotFound
from agilegov.goals.models import Goal, Indicator
from agilegov.monitor.models import BreachEpisode
from agilegov.organizations.models import Organization
from agilegov.tenancy import Scope
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep

router = APIRouter(include_in_schema=False)


def _scopes_with_cycles(session: Any, where: list[Any]) -> list[tuple[Scope, Cycle]]:
    rows = session.execute(
        select(Scope, Cycle)
        .join(Cycle, Cycle.scope_id == Scope.id)
        .where(*where)
        .order_by(Scope.organization_id, Scope.name)
    )
    return [(scope, cycle) for scope, cycle in rows]


@router.get("/")
def home(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        session = uow.session
        if not visitor.signed_in:
            published = _scopes_with_cycles(session, [Scope.visibility == "public"])
            owners = _organizations(session, {scope.organization_id for scope, _ in published})
            return render(request, "home.html", visitor=visitor, scopes=published, owners=owners)
        member_of = list(visitor.principal.roles)
        organizations = _organizations(session, set(member_of))
        scopes = _scopes_with_cycles(session, [Scope.organization_id.in_(member_of)])
        scope_ids = [scope.id for scope, _ in scopes]
        triggers = session.scalars(
            select(Trigger)
            .where(Trigger.scope_id.in_(scope_ids), Trigger.status == "open")
            .order_by(Trigger.opened_at.desc(), Trigger.id.desc())
        ).all()
        breaches = session.execute(
            select(BreachEpisode, Indicator)
            .join(Indicator, Indicator.id == BreachEpisode.indicator_id)
            .where(BreachEpisode.scope_id.in_(scope_ids), BreachEpisode.recovered_at.is_(None))
            .order_by(BreachEpisode.opened_at.desc())
        ).all()
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


def _organizations(session: Any, ids: set[int]) -> dict[int, Organization]:
    if not ids:
        return {}
    rows = session.scalars(select(Organization).where(Organization.id.in_(ids)))
    return {organization.id: organization for organization in rows}


@router.get("/organizations")
def organizations(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        published = (
            select(Scope.organization_id, func.count().label("published"))
            .where(Scope.visibility == "public")
            .group_by(Scope.organization_id)
            .subquery()
        )
        rows = uow.session.execute(
            select(Organization, func.coalesce(published.c.published, 0))
            .outerjoin(published, published.c.organization_id == Organization.id)
            .order_by(Organization.name)
        ).all()
        return render(request, "organizations.html", visitor=visitor, rows=rows)


@router.get("/organizations/{organization_id}")
def organization_profile(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    """Public: who the organization is and what it has published; its members
    also see its private scopes."""
    with uow:
        session = uow.session
        organization = session.get(Organization, organization_id)
        if organization is None:
            raise NotFound(f"organization {organization_id} not found")
        where = [Scope.organization_id == organization_id]
        if not visitor.can(organization_id, Role.viewer):
            where.append(Scope.visibility == "public")
        scopes = _scopes_with_cycles(session, where)
        published_ids = [scope.id for scope, _ in scopes if scope.visibility == "public"]
        requirements = session.scalars(
            select(Goal)
            .where(
                Goal.scope_id.in_(published_ids),
                Goal.level == "specific",
                Goal.status == "active",
            )
            .order_by(Goal.scope_id, Goal.id)
        ).all()
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
