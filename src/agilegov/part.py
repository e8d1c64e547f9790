"""What a part of agilegov declares about itself, once, in its own ``part.py``.

A part is one package of the model (analysis, goals, design, the cycle, ...).
Its declaration names its tables, its API and page routers, the tabs it adds
to a scope's page, the trigger subjects it owns, the facts it gives the
cycle's guards, its commands, its periodic jobs, its section of a scope's
export and the gauges it adds to the operators' metrics. ``agilegov.parts``
lists the parts in order and installs the list; the hubs (the app, the tables,
the command line, the scope page, the cycle engine, the exchange document,
``/metrics``) loop over it. Nothing registers itself by being imported.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

if TYPE_CHECKING:
    import typer

    from agilegov.exchange import Section
    from agilegov.settings import Settings
    from agilegov.uow import UnitOfWork

# A count over one scope: given the scope's id (a SQL value), a scalar SELECT.
ScopeCount = Callable[[Any], Any]
# What a part tells about a scope over a period (a regulatory report's facts):
# given the session, the scope's id and the period's start and end, a JSON value.
PeriodFigures = Callable[[Any, int, Any, Any], Any]
# Gauges read from the database when /metrics is scraped: given a session, the
# Prometheus metric families (``agilegov.metrics.gauge`` makes one), never one
# per organization, scope or user.
MetricsReader = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Tab:
    """A tab of a scope's page, served at ``/scopes/{id}/{path}``.

    ``content`` reads what the tab shows, in a fixed number of queries, and
    returns the template's context; it is called with the session, the scope
    and, by name, ``visitor``, ``uow`` and ``query`` (the page's query string, which
    a list reads with ``web.lists.read``). ``badge`` names one of the part's counts,
    shown next to the tab's label."""

    path: str
    label: str
    order: int
    template: str
    content: Callable[..., dict[str, Any]]
    badge: str | None = None


@dataclass(frozen=True)
class Panel:
    """A panel a part adds to a scope's overview: ``content`` (called like a
    tab's) returns the context ``template`` is included with. Panels in the
    ``main`` column come first; the others stand beside them, by ``order``."""

    order: int
    template: str
    content: Callable[..., dict[str, Any]]
    main: bool = False


@dataclass(frozen=True)
class ReviewDates:
    """Entities of a part that carry a review-by date: when one has passed, the
    cycle engine opens a ``trigger_kind`` trigger about it (``subject``), once per
    date. ``where`` narrows which rows count (e.g. active goals only)."""

    trigger_kind: str
    subject: str
    model: Any
    where: tuple[Any, ...] = ()


@dataclass(frozen=True)
class RequiredLevelMissed:
    """An indicator of a goal that adopts another organization's goal has gone
    past that goal's own level (or the levels cannot be compared): what the
    other organization is told. ``value`` is the indicator's, over its window."""

    organization_id: int
    scope_id: int
    goal_id: int
    adopted_goal_id: int
    indicator_key: str
    indicator_name: str
    value: float | None
    required_level: float | None
    at: datetime
    trigger_id: int


@dataclass(frozen=True)
class Job:
    """Periodic work a server process does: every ``every(settings)`` seconds
    (0: never), in ``order`` among the other parts' jobs."""

    name: str
    order: int
    every: Callable[["Settings"], float]
    run: Callable[["UnitOfWork", "Settings"], None]


@dataclass(frozen=True)
class Part:
    name: str
    # The modules that define the part's tables (imported, so the metadata is whole).
    tables: Sequence[ModuleType] = ()
    # Routers, or functions that make one once every part is installed.
    api_routers: Sequence[APIRouter | Callable[[], APIRouter]] = ()
    page_routers: Sequence[APIRouter] = ()
    tabs: Sequence[Tab] = ()
    panels: Sequence[Panel] = ()
    # What the part adds to the head of every tab of a scope's page.
    scope_header: Callable[..., dict[str, Any]] | None = None
    # What the scope page and its overview count, by name.
    counts: Mapping[str, ScopeCount] = field(default_factory=dict)
    # Entities of a scope a trigger can be about, by subject type.
    trigger_subjects: Mapping[str, type] = field(default_factory=dict)
    review_dates: Sequence[ReviewDates] = ()
    # Facts for the cycle's guards (see ``cycle.rules.CycleFacts``), by name.
    cycle_facts: Mapping[str, ScopeCount] = field(default_factory=dict)
    # The rows of its tables published as open data (``agilegov.open_tables``).
    open_data: Sequence[Any] = ()
    # Figures of a scope over a period, by name, for the reports a regulator receives.
    period_figures: Mapping[str, PeriodFigures] = field(default_factory=dict)
    # Told, in the evaluation's transaction (a session), of each required level missed.
    on_required_level_missed: Sequence[Callable[[Any, RequiredLevelMissed], None]] = ()
    # Command groups (a Typer with a name), or top-level commands (one without).
    commands: Sequence["typer.Typer"] = ()
    jobs: Sequence[Job] = ()
    exchange: Sequence["Section"] = ()
    # The folder of the part's page templates (names are shared by all parts).
    templates: Path | None = None
    # Functions and values every template may use.
    template_globals: Mapping[str, Any] = field(default_factory=dict)
    # Gauges for the operators' /metrics, read from the database at each scrape.
    metrics: Sequence[MetricsReader] = ()
    # The folder of the part's message catalogs (``<language>/LC_MESSAGES/messages.po``),
    # for its templates and the texts its code marks for translation.
    messages: Path | None = None


class _Installed:
    parts: tuple[Part, ...] | None = None


def install(parts: Sequence[Part]) -> None:
    """Make ``parts`` the parts in use (``agilegov.parts`` does, once)."""
    names = [part.name for part in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"parts named twice: {names}")
    _Installed.parts = tuple(parts)


def installed() -> tuple[Part, ...]:
    if _Installed.parts is None:
        raise RuntimeError("no parts are installed: import agilegov.parts first")
    return _Installed.parts


def tabs() -> list[Tab]:
    return sorted((tab for part in installed() for tab in part.tabs), key=lambda tab: tab.order)


def panels() -> list[Panel]:
    return sorted((panel for part in installed() for panel in part.panels), key=lambda p: p.order)


def scope_headers() -> list[Callable[..., dict[str, Any]]]:
    return [part.scope_header for part in installed() if part.scope_header is not None]


def counts() -> dict[str, ScopeCount]:
    return {name: count for part in installed() for name, count in part.counts.items()}


def trigger_subjects() -> dict[str, type]:
    return {name: model for part in installed() for name, model in part.trigger_subjects.items()}


def review_dates() -> list[ReviewDates]:
    return [dates for part in installed() for dates in part.review_dates]


def cycle_facts() -> dict[str, ScopeCount]:
    return {name: fact for part in installed() for name, fact in part.cycle_facts.items()}


def open_tables() -> list[Any]:
    """Every part's open-data tables, in the order of the parts."""
    return [table for part in installed() for table in part.open_data]


def period_figures() -> dict[str, PeriodFigures]:
    return {name: figures for part in installed() for name, figures in part.period_figures.items()}


def required_level_listeners() -> list[Callable[[Any, RequiredLevelMissed], None]]:
    return [listener for part in installed() for listener in part.on_required_level_missed]


def metric_readers() -> list[MetricsReader]:
    """Every part's gauges for /metrics, in the order of the parts."""
    return [read for part in installed() for read in part.metrics]


def template_folders() -> list[Path]:
    return [part.templates for part in installed() if part.templates is not None]


def message_folders() -> list[Path]:
    return [part.messages for part in installed() if part.messages is not None]


def template_globals() -> dict[str, Any]:
    return {name: value for part in installed() for name, value in part.template_globals.items()}
