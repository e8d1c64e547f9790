"""Feeding and evaluating a scope's monitoring from its pages: one observation
by hand (files, streams and scrapes go through the API and the CLI), and an
evaluation of every indicator now."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import InvalidInput
from agilegov.goals.models import Indicator
from agilegov.monitor import service
from agilegov.monitor.ingest import Row
from agilegov.monitor.schemas import ObservationIn
from agilegov.scopes.access import writable_scope
from agilegov.scopes.schemas import ScopeRead
from agilegov.uow import UnitOfWork
from agilegov.web.crud import FormRefused, submitted
from agilegov.web.forms import FormState, form_fields
from agilegov.web.render import form_page, redirect
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(prefix="/scopes/{scope_id}", include_in_schema=False)


def _observation_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    with uow:
        found = writable_scope(uow.session, visitor.principal, scope_id, Role.editor)
        scope = ScopeRead.model_validate(found)
        rows = uow.session.execute(
            select(Indicator.key, Indicator.name, Indicator.unit)
            .where(Indicator.scope_id == scope_id)
            .order_by(Indicator.key)
        )
        keys = [(row.key, f"{row.name} ({row.key}, {row.unit or 'no unit'})") for row in rows]
    fields = form_fields(ObservationIn, values, choices={"indicator": keys}, errors=problems)
    return form_page(
        request,
        heading="Record an observation",
        intro="One value of an indicator at a time. Batches come in through the API, "
        "CSV and JSON-lines files, and Prometheus scrapes.",
        breadcrumbs=[(f"/scopes/{scope_id}", scope.name), (f"/scopes/{scope_id}/goals", "Goals")],
        state=FormState(fields, problems or {}),
        action=f"/scopes/{scope_id}/observations",
        submit="Record observation",
        cancel=f"/scopes/{scope_id}/goals",
    )


@router.get("/observations/new")
def new_observation(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    preset = {"indicator": request.query_params.get("indicator")}
    return _observation_form(request, uow, visitor, scope_id, preset)


def _store(uow: UnitOfWork, visitor: Visitor, scope_id: int, item: ObservationIn) -> None:
    row = Row(item.indicator, item.time, item.value, item.source, "observations[0]")
    try:
        service.ingest(uow, visitor.principal, [row], scope_id=scope_id)
    except InvalidInput as error:
        # The service names the item ("observations[0].value"); the form, the field.
        for problem in error.problems:
            problem.field = problem.field.rpartition(".")[2]
        raise


@router.post("/observations")
def record_observation(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    try:
        submitted(ObservationIn, form, lambda item: _store(uow, visitor, scope_id, item))
    except FormRefused as refused:
        return _observation_form(request, uow, visitor, scope_id, refused.values, refused.problems)
    return redirect(f"/scopes/{scope_id}/goals")


@router.post("/evaluations")
def evaluate(scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.evaluate_scope(uow, visitor.principal, scope_id)
    return redirect(f"/scopes/{scope_id}/goals")
