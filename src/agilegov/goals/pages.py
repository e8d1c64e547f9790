"""The goals part's pages: its kinds' forms, and the scope page's tabs of goals
(a tree, each indicator drawn with its trend against its acceptable level and
target), trade-offs and allocations."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.goals.models import Allocation, Goal, Indicator, TradeOff
from agilegov.goals.service import KINDS
from agilegov.i18n import N_
from agilegov.monitor.service import latest_evaluations, recent_series
from agilegov.organizations.service import organization_names
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.charts import trend, trend_svg
from agilegov.web.crud import in_scope, kind_pages
from agilegov.web.render import number_text, when_text

routers = [kind_pages(kind) for kind in KINDS]

# The most points a trend chart draws for one indicator (its newest).
TREND_POINTS = 120


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
    series = recent_series(session, scope.id, TREND_POINTS)
    evaluations = latest_evaluations(session, scope.id)
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
            select(Goal.id, Goal.title, Scope.organization_id)
            .join(Scope, Scope.id == Goal.scope_id)
            .where(Goal.id.in_(derived_ids))
        ).all()
        names = organization_names(session, {row.organization_id for row in rows})
        sources = {row.id: (*row, names[row.organization_id]) for row in rows}
    return {"roots": children[None], "children": children, "cards": cards, "sources": sources}


def _goal_titles(session: Session, scope: Scope) -> dict[int, str]:
    rows = session.execute(select(Goal.id, Goal.title).where(Goal.scope_id == scope.id))
    return {row.id: row.title for row in rows}


def _trade_offs(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    return {
        "trade_offs": in_scope(session, TradeOff, scope),
        "goal_titles": _goal_titles(session, scope),
    }


def _allocations(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    allocations = in_scope(session, Allocation, scope, Allocation.layer, Allocation.id)
    responsible = {a.responsible_organization_id for a in allocations} - {None}
    names = organization_names(session, responsible)
    by_layer: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        by_layer[allocation.layer].append(allocation)
    return {
        "by_layer": by_layer,
        "goal_titles": _goal_titles(session, scope),
        "organization_names": names,
    }


TABS = (
    Tab("goals", N_("Goals and indicators"), 40, "scope/goals.html", _goals, badge="goals"),
    Tab("trade-offs", N_("Trade-offs"), 50, "scope/trade-offs.html", _trade_offs),
    Tab("allocations", N_("Allocations"), 60, "scope/allocations.html", _allocations),
)
