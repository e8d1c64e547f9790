"""Feeding and evaluating a scope's monitoring from its pages: one observation
by hand (files and streams go through the API and the CLI), the Prometheus
targets the server scrapes, and an evaluation of every indicator now."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import InvalidInput
from agilegov.goals.service import indicator_labels
from agilegov.i18n import N_, lazy
from agilegov.monitor import scraping, service
from agilegov.monitor.ingest import Row
from agilegov.monitor.schemas import ObservationIn, ScrapeResult, ScrapeTargetCreate
from agilegov.scopes.schemas import ScopeRead
from agilegov.tenancy import readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
)
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(prefix="/scopes/{scope_id}", include_in_schema=False)
# Scrape targets shown on the scope's page of them.
SHOWN_TARGETS = 200


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
        keys = [
            (key, f"{name} ({key}, {unit or 'no unit'})")
            for key, name, unit in indicator_labels(uow.session, scope_id)
        ]
    return form_page(
        request,
        heading=N_("Record an observation"),
        intro=N_(
            "One value of an indicator at a time. Batches come in through the API, "
            "CSV and JSON-lines files, and Prometheus scrapes."
        ),
        breadcrumbs=[
            (f"/scopes/{scope_id}", scope.name),
            (f"/scopes/{scope_id}/goals", N_("Goals")),
        ],
        state=FormState.of(ObservationIn, values, problems, choices={"indicator": keys}),
        action=f"/scopes/{scope_id}/observations",
        submit=N_("Record observation"),
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
    return submit_form(
        ObservationIn,
        form,
        lambda item: _store(uow, visitor, scope_id, item),
        refused=partial(_observation_form, request, uow, visitor, scope_id),
        done=f"/scopes/{scope_id}/goals",
    )


@router.post("/evaluations")
def evaluate(scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.evaluate_scope(uow, visitor.principal, scope_id)
    return redirect(f"/scopes/{scope_id}/goals")


# ---------------------------------------------------------------- scrape targets


def _targets_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    *,
    values: Any = None,
    problems: dict[str, str] | None = None,
    result: ScrapeResult | None = None,
) -> Response:
    targets = scraping.list_targets(uow, visitor.principal, scope_id, SHOWN_TARGETS, 0)
    with uow:
        found = readable_scope(uow.session, visitor.principal, scope_id)
        scope = ScopeRead.model_validate(found)
        can_edit = found.status == "active" and visitor.can(found.organization_id, Role.editor)
    return render(
        request,
        "scrape_targets.html",
        visitor=visitor,
        scope=scope,
        targets=targets,
        can_edit=can_edit,
        result=result,
        add=FormState.of(ScrapeTargetCreate, values, problems),
    )


@router.get("/scrape-targets")
def scrape_targets(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _targets_page(request, uow, visitor, scope_id)


@router.post("/scrape-targets")
def create_target(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        ScrapeTargetCreate,
        form,
        lambda data: scraping.create_target(uow, visitor.principal, scope_id, data),
        refused=partial(_targets_page, request, uow, visitor, scope_id),
        done=f"/scopes/{scope_id}/scrape-targets",
    )


@router.post("/scrape-targets/{target_id}/scrape")
def scrape_now(
    request: Request, scope_id: int, target_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    result = scraping.scrape_target(uow, visitor.principal, scope_id, target_id)
    return _targets_page(request, uow, visitor, scope_id, result=result)


@router.post("/scrape-targets/{target_id}/delete")
def delete_target(
    request: Request, scope_id: int, target_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    if not confirmed(form):
        with uow:  # only an editor is asked
            writable_scope(uow.session, visitor.principal, scope_id, Role.editor)
        target = scraping.get_target(uow, visitor.principal, scope_id, target_id)
        return confirm_page(
            request,
            question=lazy("Delete target #%(id)s?", id=target_id),
            detail=lazy(
                "%(url)s is no longer scraped; the observations it brought stay.", url=target.url
            ),
            action=f"/scopes/{scope_id}/scrape-targets/{target_id}/delete",
            submit=lazy("Delete"),
            cancel=f"/scopes/{scope_id}/scrape-targets",
        )
    scraping.delete_target(uow, visitor.principal, scope_id, target_id)
    return redirect(
        f"/scopes/{scope_id}/scrape-targets",
        message=lazy("Target #%(id)s deleted", id=target_id),
    )
