"""The goals part's pages: its kinds' forms, and the scope page's tabs of goals
(a tree, each indicator drawn with its trend against its acceptable level and
target; a flat list once searched, filtered or sorted), indicators (a list with
each one's latest status), trade-offs and allocations."""

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from agilegov import i18n
from agilegov.goals.models import Allocation, Goal, Indicator, TradeOff
from agilegov.goals.schemas import Aggregate, Direction, GoalLevel, GoalStatus
from agilegov.goals.service import KINDS
from agilegov.i18n import N_, gettext, ngettext
from agilegov.monitor.schemas import Status
from agilegov.monitor.service import latest_evaluations, latest_status, recent_series
from agilegov.organizations.service import organization_names
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.charts import trend, trend_svg
from agilegov.web.crud import in_scope, kind_pages
from agilegov.web.lists import Column, Listing, Page, ask, choice_label, read
from agilegov.web.render import number_text, status_badge, when_text

routers = [kind_pages(kind) for kind in KINDS]

# The most points a trend chart draws for one indicator (its newest).
TREND_POINTS = 120


@dataclass(frozen=True)
class TreeWords:
    """The words every goal and indicator of the tree repeats, translated once
    for a page: the tree may hold hundreds, so its repeated parts are put
    together here rather than piece by piece in the template."""

    version: str
    with_target: str
    without_target: str
    directions: dict[str, str]
    levels: str
    acceptable_only: str
    none_yet: str
    evaluated: str

    @classmethod
    def current(cls) -> "TreeWords":
        return cls(
            version=gettext("v%(version)s"),
            with_target=gettext(
                "Acceptable level: <strong>%(level)s %(unit)s</strong> (%(direction)s), "
                "target %(target)s"
            ),
            without_target=gettext(
                "Acceptable level: <strong>%(level)s %(unit)s</strong> (%(direction)s)"
            ),
            directions={direction: choice_label(direction) for direction in Direction},
            levels=gettext("dashed: acceptable level %(acceptable)s · dotted: target %(target)s"),
            acceptable_only=gettext("dashed: acceptable level %(acceptable)s"),
            none_yet=gettext("No observations yet"),
            evaluated=gettext("last evaluated %(when)s: %(aggregate)s %(value)s"),
        )


@dataclass(frozen=True)
class GoalLines:
    """A goal's version and acceptable level as the tree shows them."""

    version: str
    level: Markup | None


def _goal_lines(goal: Any, words: TreeWords) -> GoalLines:
    level = None
    if goal.acceptable_level is not None:
        values = {
            "level": number_text(goal.acceptable_level),
            "unit": goal.unit or "",
            "direction": words.directions.get(goal.direction, goal.direction),
            "target": number_text(goal.target),
        }
        # The catalogs' words are markup (<strong>); the values are escaped into them.
        form = words.with_target if goal.target is not None else words.without_target
        level = Markup(form) % values
    return GoalLines(version=words.version % {"version": goal.version}, level=level)


def _card(
    indicator: Any, series: list[tuple[Any, Any]], evaluation: Any, words: TreeWords, base: str
) -> Markup:
    """An indicator's figure (its trend and the words around it), in the page's
    language (set for the request)."""
    line = trend(series, indicator.acceptable_level, indicator.target)
    unit = f" {indicator.unit}" if indicator.unit else ""
    acceptable = number_text(indicator.acceptable_level)
    if indicator.target is not None:
        levels = words.levels % {"acceptable": acceptable, "target": number_text(indicator.target)}
    else:
        levels = words.acceptable_only % {"acceptable": acceptable}
    if line.count:
        seen = ngettext(
            "%(num)d point, %(first)s to %(last)s; latest %(value)s",
            "%(num)d points, %(first)s to %(last)s; latest %(value)s",
            line.count,
        ) % {
            "num": line.count,
            "first": when_text(line.first),
            "last": when_text(line.last),
            "value": number_text(line.last_value) + unit,
        }
    else:
        seen = words.none_yet
    caption = f"{seen} · {levels}"
    if evaluation is not None:
        caption += " · " + words.evaluated % {
            "when": when_text(evaluation.evaluated_at),
            "aggregate": choice_label(evaluation.aggregate),
            "value": number_text(evaluation.value),
        }
    badge = f" {status_badge(evaluation.status)}" if evaluation is not None else ""
    return Markup(
        f'<figure class="indicator" id="indicator-{indicator.id}"><h4>'
        f'<a href="{base}/indicators/{indicator.id}/monitoring">{escape(indicator.name)}</a>'
        f"{badge}</h4>{trend_svg(line, f'{indicator.name}: {seen}; {levels}')}"
        f'<figcaption class="legend">{escape(caption)}</figcaption></figure>'
    )


@dataclass(frozen=True)
class GoalRow:
    """A goal in the flat list, with the title of the goal above it."""

    goal: Goal
    parent: str | None


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator in the list, with its goal's title and its latest status."""

    indicator: Indicator
    goal: str
    status: str | None


_Parent = aliased(Goal)
_PARENT_TITLE = select(_Parent.title).where(_Parent.id == Goal.parent_id).scalar_subquery()


def _level_text(value: float | None, unit: str | None) -> str:
    return f"{number_text(value)} {unit}" if value is not None and unit else number_text(value)


GOALS = Listing(
    Goal,
    (
        Column("title", N_("Goal"), Goal.title, lambda r: r.goal.title, searched=True),
        Column("parent", N_("Parent goal"), _PARENT_TITLE, lambda r: r.parent or "—", True),
        Column(
            "level",
            N_("Level"),
            Goal.level,
            lambda r: choice_label(r.goal.level),
            choices=tuple(GoalLevel),
        ),
        Column(
            "status",
            N_("Status"),
            Goal.status,
            lambda r: choice_label(r.goal.status),
            choices=tuple(GoalStatus),
        ),
        Column(
            "acceptable_level",
            N_("Acceptable level"),
            Goal.acceptable_level,
            lambda r: _level_text(r.goal.acceptable_level, r.goal.unit),
        ),
        Column("target", N_("Target"), Goal.target, lambda r: number_text(r.goal.target)),
        Column("version", N_("Version"), Goal.version, lambda r: r.goal.version),
        Column(
            "description",
            N_("Description"),
            Goal.description,
            lambda r: r.goal.description,
            searched=True,
            shown=False,
        ),
    ),
)

_GOAL_TITLE = select(_Parent.title).where(_Parent.id == Indicator.goal_id).scalar_subquery()
_STATUS = latest_status(Indicator.id)


def _status_text(row: IndicatorRow) -> str:
    return choice_label(row.status) if row.status else i18n.gettext("Not evaluated yet")


INDICATORS = Listing(
    Indicator,
    (
        Column("name", N_("Indicator"), Indicator.name, lambda r: r.indicator.name, True),
        Column("goal", N_("Goal"), _GOAL_TITLE, lambda r: r.goal, searched=True),
        Column("status", N_("Status"), _STATUS, _status_text, choices=tuple(Status)),
        Column(
            "acceptable_level",
            N_("Acceptable level"),
            Indicator.acceptable_level,
            lambda r: _level_text(r.indicator.acceptable_level, r.indicator.unit),
        ),
        Column(
            "target",
            N_("Target"),
            Indicator.target,
            lambda r: _level_text(r.indicator.target, r.indicator.unit),
        ),
        Column(
            "aggregate",
            N_("Aggregate"),
            Indicator.aggregate,
            lambda r: choice_label(r.indicator.aggregate),
            choices=tuple(Aggregate),
        ),
        Column(
            "window_days",
            N_("Window days"),
            Indicator.window_days,
            lambda r: r.indicator.window_days,
        ),
        Column("key", N_("Key"), Indicator.key, lambda r: r.indicator.key, True, shown=False),
        Column(
            "description",
            N_("Description"),
            Indicator.description,
            lambda r: r.indicator.description,
            searched=True,
            shown=False,
        ),
    ),
)


def _with_goal_filter(titles: dict[int, str]) -> Listing:
    """The indicators' list with a filter by the scope's goals, named by title."""
    by_goal = Column(
        "goal_id",
        N_("Goal"),
        Indicator.goal_id,
        lambda r: r.indicator.goal_id,
        choices=tuple(str(id_) for id_ in titles),
        shown=False,
        value=int,
        choice_labels={str(id_): title for id_, title in titles.items()},
    )
    return replace(INDICATORS, columns=(*INDICATORS.columns, by_goal))


def _indicators(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    found = session.execute(
        select(Goal.id, Goal.title).where(Goal.scope_id == scope.id).order_by(Goal.title, Goal.id)
    )
    titles = {row.id: row.title for row in found}
    listing = _with_goal_filter(titles)
    listed = read(session, listing, [Indicator.scope_id == scope.id], query)
    ids = [indicator.id for indicator in listed.rows]
    found = session.execute(select(Indicator.id, _STATUS).where(Indicator.id.in_(ids)))
    statuses = {id_: status for id_, status in found}
    rows = [IndicatorRow(i, titles.get(i.goal_id, ""), statuses.get(i.id)) for i in listed.rows]
    return {"indicators": replace(listed, rows=rows)}


def _goal_list(session: Session, scope: Scope, query: dict[str, str]) -> Any:
    """The goals as a flat list, each with its parent's title."""
    listed = read(session, GOALS, [Goal.scope_id == scope.id], query)
    parents = {goal.parent_id for goal in listed.rows} - {None}
    found = session.execute(select(Goal.id, Goal.title).where(Goal.id.in_(parents)))
    titles = {row.id: row.title for row in found}
    return replace(listed, rows=[GoalRow(g, titles.get(g.parent_id or 0)) for g in listed.rows])


def _goals(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    request = ask(GOALS, query)
    if request.search or request.filters or request.sort or request.offset or request.csv:
        # Searched, filtered, sorted, paged or downloaded: the flat list alone.
        return {"goal_list": _goal_list(session, scope, query), "flat": True}
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
    cards: dict[int, list[Markup]] = defaultdict(list)
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
    words = TreeWords.current()
    base = f"/scopes/{scope.id}"
    for indicator in indicators:
        cards[indicator.goal_id].append(
            _card(
                indicator, series.get(indicator.id, []), evaluations.get(indicator.id), words, base
            )
        )
    lines = {goal.id: _goal_lines(goal, words) for goal in goals}
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
    return {
        # The tree shows every goal; the list's search form stands above it.
        "goal_list": Page(GOALS, request, goals, len(goals)),
        "flat": False,
        "roots": children[None],
        "children": children,
        "cards": cards,
        "lines": lines,
        "sources": sources,
    }


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
    Tab("indicators", N_("Indicators"), 45, "scope/indicators.html", _indicators),
    Tab("trade-offs", N_("Trade-offs"), 50, "scope/trade-offs.html", _trade_offs),
    Tab("allocations", N_("Allocations"), 60, "scope/allocations.html", _allocations),
)
