"""A scope's pages: registering and changing it, and its page with the double
loop drawn and a tab for each part of its governance.

Each tab reads what it shows in a fixed number of queries, however many
entities the scope holds (a test counts them).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from agilegov.analysis.models import Condition, Impact, Risk, Stakeholder
from agilegov.api.deps import Uow
from agilegov.assurance.models import Assessment
from agilegov.auth import Role
from agilegov.clock import now
from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import TRANSITIONS, Stage
from agilegov.cycle.service import history
from agilegov.design.models import Measure
from agilegov.dialogue.access import may_read
from agilegov.dialogue.models import Consultation
from agilegov.errors import InvalidInput
from agilegov.goals.models import Allocation, Goal, Indicator, TradeOff
from agilegov.monitor.models import Evaluation, Observation
from agilegov.organizations.models import Organization
from agilegov.record.service import list_events
from agilegov.schemas import Input, LongText, Name
from agilegov.scopes import service
from agilegov.scopes.access import readable_scope
from agilegov.scopes.models import Scope
from agilegov.scopes.schemas import (
    ScopeCreate,
    ScopeKind,
    ScopeRead,
    ScopeStatus,
    ScopeUpdate,
    Visibility,
)
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion
from agilegov.web.charts import heat_map, loop_diagram, trend, trend_svg
from agilegov.web.crud import FormRefused, compare_versions, submitted
from agilegov.web.forms import FormState, form_fields
from agilegov.web.render import form_page, number_text, redirect, render, when_text
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

# The most points a trend chart draws for one indicator (its newest).
TREND_POINTS = 120
# Events shown per page of the history tab.
EVENTS_PER_PAGE = 50


# ---------------------------------------------------------------- registering and changing


class _ScopeFields(Input):
    """A scope as its forms show it: frameworks one per line, "name version"."""

    name: Name
    kind: ScopeKind
    description: LongText = ""
    visibility: Visibility = Visibility.private
    frameworks: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Frameworks it follows, one per line: the name, then the version, "
        'e.g. "AI Guidelines for Business 1.1".',
    )


class ScopeForm(_ScopeFields):
    organization_id: int


class ScopeEditForm(_ScopeFields):
    status: ScopeStatus = ScopeStatus.active


def _frameworks(lines: list[str]) -> list[dict[str, str]]:
    parsed = []
    for number, line in enumerate(lines, start=1):
        name, _, version = line.rpartition(" ")
        if not name.strip() or not version:
            raise InvalidInput.on("frameworks", f"line {number}: give a name, then a version")
        parsed.append({"name": name.strip(), "version": version})
    return parsed


def _framework_lines(frameworks: list[Any]) -> list[str]:
    return [f"{f['name']} {f['version']}" for f in frameworks]


def _editable_organizations(session: Session, visitor: Visitor) -> list[tuple[str, str]]:
    ids = [org for org in visitor.principal.roles if visitor.can(org, Role.editor)]
    rows = session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(ids))
        .order_by(Organization.name)
    )
    return [(str(row.id), row.name) for row in rows]


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
    shape = ScopeEditForm if scope else ScopeForm
    fields = form_fields(
        shape,
        values,
        choices={"organization_id": organizations},
        errors=problems,
        labels={"organization_id": "Organization"},
    )
    return form_page(
        request,
        heading=f"Change {scope.name}" if scope else "New scope",
        intro=None
        if scope
        else "A scope is the innovation you govern: an AI system, a service, a data platform "
        "or a domain of rules. Its cycle starts at the analysis of conditions and risks.",
        breadcrumbs=[(f"/scopes/{scope.id}", scope.name)] if scope else [],
        state=FormState(fields, problems or {}),
        action=f"/scopes/{scope.id}/edit" if scope else "/scopes",
        submit="Save changes" if scope else "Create scope",
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
        fields = data.model_dump() | {"frameworks": _frameworks(data.frameworks)}
        return service.create_scope(uow, visitor.principal, ScopeCreate(**fields))

    try:
        created = submitted(ScopeForm, form, create)
    except FormRefused as refused:
        return _scope_form(
            request, uow, visitor, scope=None, values=refused.values, problems=refused.problems
        )
    return redirect(f"/scopes/{created.id}")


@router.get("/scopes/{scope_id}/edit")
def edit_scope(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        scope = ScopeRead.model_validate(readable_scope(uow.session, visitor.principal, scope_id))
        visitor.principal.require(scope.organization_id, Role.editor)
        values = {
            "name": scope.name,
            "kind": scope.kind,
            "description": scope.description,
            "visibility": scope.visibility,
            "status": scope.status,
            "frameworks": _framework_lines([f.model_dump() for f in scope.frameworks]),
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
        fields = data.model_dump() | {"frameworks": _frameworks(data.frameworks)}
        return service.update_scope(uow, visitor.principal, scope_id, ScopeUpdate(**fields))

    try:
        submitted(ScopeEditForm, form, update)
    except FormRefused as refused:
        return _scope_form(
            request, uow, visitor, scope=scope, values=refused.values, problems=refused.problems
        )
    return redirect(f"/scopes/{scope_id}")


# ---------------------------------------------------------------- the scope page

TABS: tuple[tuple[str, str], ...] = (
    ("", "Overview"),
    ("stakeholders", "Stakeholders and impacts"),
    ("conditions", "Conditions"),
    ("risks", "Risks"),
    ("goals", "Goals and indicators"),
    ("trade-offs", "Trade-offs"),
    ("allocations", "Allocations"),
    ("measures", "Measures"),
    ("reviews", "Reviews"),
    ("consultations", "Consultations"),
    ("history", "History"),
)


def _header(session: Session, visitor: Visitor, scope_id: int) -> dict[str, Any]:
    scope = readable_scope(session, visitor.principal, scope_id)
    organization = session.get(Organization, scope.organization_id)
    cycle = session.get(Cycle, scope.id)
    last_loop = session.scalar(
        select(Transition.loop)
        .where(Transition.scope_id == scope.id)
        .order_by(Transition.id.desc())
        .limit(1)
    )
    active = scope.status == "active"
    return {
        "scope": scope,
        "organization": organization,
        "cycle": cycle,
        "loop": loop_diagram(
            cycle.stage, cycle.inner_iterations, cycle.outer_iterations, last_loop
        ),
        "can_edit": active and visitor.can(scope.organization_id, Role.editor),
        "can_review": active and visitor.can(scope.organization_id, Role.reviewer),
        "tabs": TABS,
    }


def _in_scope(session: Session, model: Any, scope: Scope, *order: Any) -> list[Any]:
    query = select(model).where(model.scope_id == scope.id).order_by(*(order or [model.id]))
    return list(session.scalars(query))


def _overview(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    cycle = session.get(Cycle, scope.id)
    assert cycle is not None
    open_triggers = session.scalars(
        select(Trigger)
        .where(Trigger.scope_id == scope.id, Trigger.status == "open")
        .order_by(Trigger.opened_at.desc(), Trigger.id)
    ).all()
    counts = {
        name: session.scalar(
            select(func.count()).select_from(model).where(model.scope_id == scope.id)
        )
        for name, model in (
            ("stakeholders", Stakeholder),
            ("risks", Risk),
            ("goals", Goal),
            ("indicators", Indicator),
            ("measures", Measure),
        )
    }
    recent = (
        session.execute(
            select(Transition)
            .where(Transition.scope_id == scope.id)
            .order_by(Transition.id.desc())
            .limit(8)
        )
        .scalars()
        .all()
    )
    assessments = session.execute(
        select(Assessment, Organization.name)
        .join(Organization, Organization.id == Assessment.assessor_organization_id)
        .where(Assessment.scope_id == scope.id)
        .order_by(Assessment.id.desc())
    ).all()
    return {
        "assessments": assessments,
        "next_stages": [to for (frm, to) in TRANSITIONS if frm == Stage(cycle.stage)],
        "open_triggers": open_triggers,
        "counts": counts,
        "recent": recent,
    }


def _stakeholders(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    stakeholders = _in_scope(session, Stakeholder, scope)
    impacts: dict[int, list[Impact]] = defaultdict(list)
    for impact in _in_scope(session, Impact, scope):
        impacts[impact.stakeholder_id].append(impact)
    return {"stakeholders": stakeholders, "impacts": impacts}


def _conditions(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    return {
        "conditions": _in_scope(session, Condition, scope, Condition.review_by, Condition.id),
        "today": now().date(),
    }


def _risks(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    risks = list(
        session.scalars(
            select(Risk)
            .where(Risk.scope_id == scope.id)
            .order_by(Risk.id)
            .options(selectinload(Risk.impacts), selectinload(Risk.conditions))
        )
    )
    cells = heat_map(
        (r.inherent_likelihood, r.inherent_severity, r.residual_likelihood, r.residual_severity)
        for r in risks
    )
    return {"risks": risks, "heat": cells}


def _latest_evaluations(session: Session, scope: Scope) -> dict[int, Any]:
    latest = (
        select(func.max(Evaluation.id))
        .where(Evaluation.scope_id == scope.id)
        .group_by(Evaluation.indicator_id)
    )
    rows = session.execute(
        select(
            Evaluation.indicator_id,
            Evaluation.status,
            Evaluation.aggregate,
            Evaluation.value,
            Evaluation.evaluated_at,
        ).where(Evaluation.id.in_(latest))
    )
    return {row.indicator_id: row for row in rows}


def _recent_observations(session: Session, scope: Scope) -> dict[int, list[tuple[Any, Any]]]:
    """The newest observations of each indicator of the scope, oldest first, in one query."""
    ranked = (
        select(
            Observation.indicator_id,
            Observation.time,
            Observation.value,
            func.row_number()
            .over(partition_by=Observation.indicator_id, order_by=Observation.time.desc())
            .label("newness"),
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.scope_id == scope.id)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.indicator_id, ranked.c.time, ranked.c.value)
        .where(ranked.c.newness <= TREND_POINTS)
        .order_by(ranked.c.indicator_id, ranked.c.time)
    )
    series: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for indicator_id, time, value in rows:
        series[indicator_id].append((time, value))
    return series


@dataclass(frozen=True)
class IndicatorCard:
    """An indicator as the goal tree shows it: its trend and the words around it,
    put together once here rather than piece by piece in the template (the tree
    may hold hundreds)."""

    id: int
    name: str
    status: str | None
    chart: Markup
    caption: str


def _card(indicator: Any, series: list[tuple[Any, Any]], evaluation: Any) -> IndicatorCard:
    line = trend(series, indicator.acceptable_level, indicator.target)
    unit = f" {indicator.unit}" if indicator.unit else ""
    levels = f"acceptable level {number_text(indicator.acceptable_level)}"
    if indicator.target is not None:
        levels += f", target {number_text(indicator.target)}"
    if line.count:
        seen = (
            f"{line.count} points, {when_text(line.first)} to {when_text(line.last)}; "
            f"latest {number_text(line.last_value)}{unit}"
        )
    else:
        seen = "No observations yet"
    caption = f"{seen} · dashed: {levels.replace(', target', ' · dotted: target')}"
    if evaluation is not None:
        caption += (
            f" · last evaluated {when_text(evaluation.evaluated_at)}: "
            f"{evaluation.aggregate} {number_text(evaluation.value)}"
        )
    return IndicatorCard(
        id=indicator.id,
        name=indicator.name,
        status=evaluation.status if evaluation is not None else None,
        chart=Markup(trend_svg(line, f"{indicator.name}: {seen}; {levels}")),
        caption=caption,
    )


def _goals(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    goals = session.execute(
        select(
            Goal.id,
            Goal.parent_id,
            Goal.title,
            Goal.level,
            Goal.status,
            Goal.version,
            Goal.direction,
            Goal.unit,
            Goal.acceptable_level,
            Goal.target,
            Goal.derives_from_id,
        )
        .where(Goal.scope_id == scope.id)
        .order_by(Goal.id)
    ).all()
    children: dict[int | None, list[Any]] = defaultdict(list)
    ids = {goal.id for goal in goals}
    for goal in goals:
        # A goal whose parent is elsewhere (never, but be safe) shows at the top.
        children[goal.parent_id if goal.parent_id in ids else None].append(goal)
    series = _recent_observations(session, scope)
    evaluations = _latest_evaluations(session, scope)
    cards: dict[int, list[IndicatorCard]] = defaultdict(list)
    indicators = session.execute(
        select(
            Indicator.id,
            Indicator.goal_id,
            Indicator.name,
            Indicator.unit,
            Indicator.acceptable_level,
            Indicator.target,
        )
        .where(Indicator.scope_id == scope.id)
        .order_by(Indicator.id)
    )
    for indicator in indicators:
        cards[indicator.goal_id].append(
            _card(indicator, series.get(indicator.id, []), evaluations.get(indicator.id))
        )
    derived_ids = {goal.derives_from_id for goal in goals if goal.derives_from_id}
    sources = {}
    if derived_ids:
        rows = session.execute(
            select(Goal.id, Goal.title, Scope.organization_id, Organization.name)
            .join(Scope, Scope.id == Goal.scope_id)
            .join(Organization, Organization.id == Scope.organization_id)
            .where(Goal.id.in_(derived_ids))
        )
        sources = {row[0]: row for row in rows}
    return {"roots": children[None], "children": children, "cards": cards, "sources": sources}


def _goal_titles(session: Session, scope: Scope) -> dict[int, str]:
    rows = session.execute(select(Goal.id, Goal.title).where(Goal.scope_id == scope.id))
    return {row.id: row.title for row in rows}


def _trade_offs(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    return {
        "trade_offs": _in_scope(session, TradeOff, scope),
        "goal_titles": _goal_titles(session, scope),
    }


def _allocations(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    allocations = _in_scope(session, Allocation, scope, Allocation.layer, Allocation.id)
    responsible = {a.responsible_organization_id for a in allocations} - {None}
    names = {}
    if responsible:
        rows = session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(responsible))
        )
        names = {row.id: row.name for row in rows}
    by_layer: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        by_layer[allocation.layer].append(allocation)
    return {
        "by_layer": by_layer,
        "goal_titles": _goal_titles(session, scope),
        "organization_names": names,
    }


def _measures(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    measures = list(
        session.scalars(
            select(Measure)
            .where(Measure.scope_id == scope.id)
            .order_by(Measure.kind, Measure.id)
            .options(selectinload(Measure.risks), selectinload(Measure.goals))
        )
    )
    return {"measures": measures}


def _reviews(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    reviews = _in_scope(session, Review, scope, Review.decided_at.desc(), Review.id.desc())
    titles = {("goal", gid): title for gid, title in _goal_titles(session, scope).items()}
    rows = session.execute(select(Measure.id, Measure.title).where(Measure.scope_id == scope.id))
    titles.update({("measure", row.id): row.title for row in rows})
    return {"reviews": reviews, "titles": titles, "diffs": _review_diffs(session, reviews)}


def _review_diffs(session: Session, reviews: list[Review]) -> dict[tuple[str, int, int], Any]:
    """For each version a review changed: that version beside the one before it."""
    changed = {(c["kind"], c["id"], c["version"]) for review in reviews for c in review.changes}
    if not changed:
        return {}
    rows = session.scalars(
        select(EntityVersion).where(
            EntityVersion.kind.in_({kind for kind, _, _ in changed}),
            EntityVersion.entity_id.in_({entity for _, entity, _ in changed}),
        )
    )
    data = {(row.kind, row.entity_id, row.version): (row.note, row.data) for row in rows}
    diffs = {}
    for kind, entity, version in changed:
        pair = [
            (number, *data[(kind, entity, number)])
            for number in (version - 1, version)
            if (kind, entity, number) in data
        ]
        diffs[(kind, entity, version)] = compare_versions(pair)
    return diffs


def _consultations(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.scope_id == scope.id)
        .order_by(Consultation.id.desc())
    )
    return {"consultations": [c for c in rows if may_read(visitor.principal, c, scope)]}


def _history(
    session: Session, scope: Scope, visitor: Visitor, uow: UnitOfWork, offset: int, **_: Any
) -> dict[str, Any]:
    triggers = _in_scope(session, Trigger, scope, Trigger.opened_at.desc(), Trigger.id.desc())
    steps = history(uow, visitor.principal, scope.id, 200, 0)
    events = list_events(
        uow, visitor.principal, EVENTS_PER_PAGE, offset, scope_id=scope.id, newest_first=True
    )
    return {"triggers": triggers, "steps": steps, "events": events}


TAB_CONTENT: dict[str, Callable[..., dict[str, Any]]] = {
    "": _overview,
    "stakeholders": _stakeholders,
    "conditions": _conditions,
    "risks": _risks,
    "goals": _goals,
    "trade-offs": _trade_offs,
    "allocations": _allocations,
    "measures": _measures,
    "reviews": _reviews,
    "consultations": _consultations,
    "history": _history,
}


def scope_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    tab: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    """A tab of the scope page (``extra`` carries a refused form back to it)."""
    offset = request.query_params.get("offset", "0")
    with uow:
        header = _header(uow.session, visitor, scope_id)
        content = TAB_CONTENT[tab](
            uow.session,
            header["scope"],
            visitor=visitor,
            uow=uow,
            offset=int(offset) if offset.isdecimal() and len(offset) < 10 else 0,
        )
        return render(
            request,
            f"scope/{tab or 'overview'}.html",
            status=status,
            visitor=visitor,
            tab=tab,
            **header,
            **content,
            **extra,
        )


@router.get("/scopes/{scope_id}")
def overview(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return scope_page(request, uow, visitor, scope_id, "")


def _tab_route(tab: str) -> None:
    @router.get(f"/scopes/{{scope_id}}/{tab}", name=f"scope {tab}")
    def tab_page(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
        return scope_page(request, uow, visitor, scope_id, tab)


def _tab_routes() -> None:
    # Tabs whose path is also a kind's list route are served here (matched first).
    for tab in TAB_CONTENT:
        if tab:
            _tab_route(tab)


_tab_routes()
