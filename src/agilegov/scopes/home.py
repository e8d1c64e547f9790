"""Where every visitor starts: the dashboard of a signed-in person (what is
theirs to do now across their organizations: open triggers, reviews due,
consultations to answer, assessments in progress, improvement actions overdue,
indicators in breach; then
their organizations' scopes and where each cycle stands), and for everyone else
the open public consultations and the published scopes."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov import clock
from agilegov.api.deps import Uow
from agilegov.assurance.service import assessments_in_progress, overdue_actions
from agilegov.auth import Role
from agilegov.cycle.service import open_triggers_of, reviews_due, scopes_with_cycles
from agilegov.dialogue.reads import open_consultations
from agilegov.monitor.service import open_breaches
from agilegov.organizations.service import organizations_by_id
from agilegov.tenancy import Scope
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep

router = APIRouter(include_in_schema=False)

# How far ahead the dashboard lists review-by dates.
REVIEW_HORIZON = timedelta(days=14)


@router.get("/")
def home(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        session = uow.session
        if not visitor.signed_in:
            published = scopes_with_cycles(session, Scope.visibility == "public")
            owners = _organizations(session, {scope.organization_id for scope, _ in published})
            return render(
                request,
                "home.html",
                visitor=visitor,
                scopes=published,
                owners=owners,
                consultations=open_consultations(session),
            )
        member_of = list(visitor.principal.roles)
        organizations = _organizations(session, set(member_of))
        scopes = scopes_with_cycles(session, Scope.organization_id.in_(member_of))
        scope_ids = [scope.id for scope, _ in scopes]
        triggers = open_triggers_of(session, scope_ids)
        breaches = open_breaches(session, scope_ids)
        today = clock.now().date()
        reviews = reviews_due(session, scope_ids, today + REVIEW_HORIZON)
        # Any organization assesses (itself, or others on an engagement).
        editing = [id_ for id_ in organizations if visitor.can(id_, Role.editor)]
        assessments = assessments_in_progress(session, editing) if editing else []
        user_id = visitor.principal.user_id
        actions = overdue_actions(session, user_id, today) if user_id is not None else []
        by_id = {scope.id: scope for scope, _ in scopes}
        return render(
            request,
            "dashboard.html",
            visitor=visitor,
            organizations=organizations,
            scopes=scopes,
            triggers=triggers,
            breaches=breaches,
            reviews=reviews,
            today=today,
            consultations=open_consultations(session, visitor.principal),
            assessments=assessments,
            actions=actions,
            scope_by_id=by_id,
            roles=visitor.principal.roles,
            Role=Role,
        )


def _organizations(session: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {organization.id: organization for organization in organizations_by_id(session, ids)}
