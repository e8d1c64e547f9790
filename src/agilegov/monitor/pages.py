"""Feeding and evaluating a scope's monitoring from its pages: one observation
by hand (files and streams go through the API and the CLI), the Prometheus
targets the server scrapes, and an evaluation of every indicator now; and
each indicator's own page: its chart, observations, evaluations and breach
episodes."""

from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov import metrics
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import InvalidInput
from agilegov.goals.service import indicator_labels
from agilegov.i18n import N_, lazy
from agilegov.monitor import scraping, service
from agilegov.monitor.evaluation import STATUS_NAMES, value_statuses
from agilegov.monitor.ingest import Row
from agilegov.monitor.schemas import ObservationIn, ScrapeResult, ScrapeTargetCreate
from agilegov.scopes.schemas import ScopeRead
from agilegov.tenancy import readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.charts import indicator_chart
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
from agilegov.web.viewer import language_of, zone_of

router = APIRouter(prefix="/scopes/{scope_id}", include_in_schema=False)
# Scrape targets shown on the scope's page of them.
SHOWN_TARGETS = 200
# An indicator's page: the newest observations charted, and those of them listed
# in its table; its newest evaluations and breach episodes.
CHARTED_OBSERVATIONS = 10_000
LISTED_OBSERVATIONS = 200
SHOWN_EVALUATIONS = 100
SHOWN_EPISODES = 100


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
        metrics.ingest_batch(
            "form", 1, lambda: service.ingest(uow, visitor.principal, [row], scope_id=scope_id)
        )
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
    metrics.timed_evaluation("manual", service.evaluate_scope, uow, visitor.principal, scope_id)
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


# ---------------------------------------------------------------- an indicator's page


def _zone_name(zone: ZoneInfo, moment: datetime | None) -> str:
    """The zone as the page's times name it (``JST``; ``America/Sao_Paulo`` where
    its abbreviation is a bare offset)."""
    abbreviation = (moment or datetime.now(zone)).astimezone(zone).tzname() or ""
    return abbreviation if abbreviation[:1].isalpha() else zone.key


@router.get("/indicators/{indicator_id}/monitoring")
def indicator_page(
    request: Request, scope_id: int, indicator_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    history = service.indicator_history(
        uow,
        visitor.principal,
        scope_id,
        indicator_id,
        observations=CHARTED_OBSERVATIONS,
        evaluations=SHOWN_EVALUATIONS,
        episodes=SHOWN_EPISODES,
    )
    with uow:
        found = readable_scope(uow.session, visitor.principal, scope_id)
        scope = ScopeRead.model_validate(found)
        can_edit = found.status == "active" and visitor.can(found.organization_id, Role.editor)
    indicator = history.indicator.indicator
    values = np.array([np.nan if v is None else v for _, v in history.observations], dtype=float)
    codes = value_statuses(
        values, indicator.direction, indicator.acceptable_level, indicator.target
    )
    statuses = [STATUS_NAMES[code] for code in codes.tolist()]
    zone = ZoneInfo(zone_of(request, language_of(request)))
    chart = indicator_chart(
        history.observations,
        direction=indicator.direction,
        acceptable_level=indicator.acceptable_level,
        target=indicator.target,
        episodes=[(e.opened_at, e.recovered_at) for e in history.episodes],
        statuses=statuses,
        zone=zone,
    )
    newest = history.observations[-LISTED_OBSERVATIONS:][::-1]
    listed = list(zip(newest, statuses[-LISTED_OBSERVATIONS:][::-1], strict=True))
    last = history.observations[-1][0] if history.observations else None
    return render(
        request,
        "indicator.html",
        visitor=visitor,
        scope=scope,
        can_edit=can_edit,
        indicator=indicator,
        goal_title=history.indicator.goal_title,
        history=history,
        chart=chart,
        listed=listed,
        zone_name=_zone_name(zone, last),
    )
