"""A scope's pages: registering and changing it; its overview tab, with the
panels of what the scope holds and what it is about (the other parts add
theirs, see ``agilegov.web.scope_page``)."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.i18n import N_
from agilegov.library.service import version_choices
from agilegov.organizations.service import organization_choices
from agilegov.part import Panel, Tab
from agilegov.schemas import Input, LongText, Name
from agilegov.scopes import service
from agilegov.scopes.schemas import (
    ScopeCreate,
    ScopeKind,
    ScopeRead,
    ScopeStatus,
    ScopeUpdate,
    Visibility,
)
from agilegov.tenancy import Scope, readable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import form_page, redirect, submit_form
from agilegov.web.scope_page import OVERVIEW
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

# The most points a trend chart draws for one indicator (its newest).
TREND_POINTS = 120
# Events shown per page of the history tab.
EVENTS_PER_PAGE = 50


# ---------------------------------------------------------------- registering and changing


class _ScopeFields(Input):
    """A scope as its forms show it."""

    name: Name
    kind: ScopeKind
    description: LongText = ""
    visibility: Visibility = Visibility.private
    frameworks: list[str] = Field(
        default_factory=list,
        max_length=50,
        description=N_("The framework versions it follows, from the library."),
    )


class ScopeForm(_ScopeFields):
    organization_id: int


class ScopeEditForm(_ScopeFields):
    status: ScopeStatus = ScopeStatus.active


def _editable_organizations(session: Session, visitor: Visitor) -> list[tuple[str, str]]:
    ids = [org for org in visitor.principal.roles if visitor.can(org, Role.editor)]
    return [(str(id_), name) for id_, name in organization_choices(session, ids)]


def _scope_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    *,
    scope: ScopeRead | None,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
) -> Response:
    with uow:
        organizations = _editable_organizations(uow.session, visitor)
        versions = version_choices(uow.session)
    shape = ScopeEditForm if scope else ScopeForm
    state = FormState.of(
        shape,
        values,
        problems,
        choices={"organization_id": organizations, "frameworks": versions},
        labels={"organization_id": N_("Organization")},
    )
    return form_page(
        request,
        heading=f"Change {scope.name}" if scope else N_("New scope"),
        intro=None
        if scope
        else N_(
            "A scope is the innovation you govern: an AI system, a service, a data platform "
            "or a domain of rules. Its cycle starts at the analysis of conditions and risks."
        ),
        breadcrumbs=[(f"/scopes/{scope.id}", scope.name)] if scope else [],
        state=state,
        action=f"/scopes/{scope.id}/edit" if scope else "/scopes",
        submit=N_("Save changes") if scope else N_("Create scope"),
        cancel=f"/scopes/{scope.id}" if scope else "/",
    )


@router.get("/scopes/new")
def new_scope(
    request: Request,
    uow: Uow,
    visitor: VisitorDep,
    organization_id: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    if not visitor.signed_in:
        return redirect("/login?next=/scopes/new")
    return _scope_form(
        request, uow, visitor, scope=None, values={"organization_id": organization_id}
    )


@router.post("/scopes")
def create_scope(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    def create(data: ScopeForm) -> Any:
        return service.create_scope(uow, visitor.principal, ScopeCreate(**data.model_dump()))

    return submit_form(
        ScopeForm,
        form,
        create,
        refused=partial(_scope_form, request, uow, visitor, scope=None),
        done=lambda created: f"/scopes/{created.id}",
    )


@router.get("/scopes/{scope_id}/edit")
def edit_scope(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        scope = service.scope_read(
            uow.session, readable_scope(uow.session, visitor.principal, scope_id)
        )
        visitor.principal.require(scope.organization_id, Role.editor)
        values = {
            "name": scope.name,
            "kind": scope.kind,
            "description": scope.description,
            "visibility": scope.visibility,
            "status": scope.status,
            "frameworks": scope.frameworks,
        }
    return _scope_form(request, uow, visitor, scope=scope, values=values)


@router.post("/scopes/{scope_id}/edit")
def update_scope(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    with uow:
        scope = ScopeRead.model_validate(readable_scope(uow.session, visitor.principal, scope_id))
    visitor.principal.require(scope.organization_id, Role.editor)

    def update(data: ScopeEditForm) -> Any:
        return service.update_scope(
            uow, visitor.principal, scope_id, ScopeUpdate(**data.model_dump())
        )

    return submit_form(
        ScopeEditForm,
        form,
        update,
        refused=partial(_scope_form, request, uow, visitor, scope=scope),
        done=f"/scopes/{scope_id}",
    )


# ---------------------------------------------------------------- the scope page


def _nothing(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    return {}


TABS = (Tab(OVERVIEW, N_("Overview"), 0, "scope/overview.html", _nothing),)
PANELS = (
    Panel(20, "scope/panels/counts.html", _nothing),
    Panel(40, "scope/panels/about.html", _nothing),
)
