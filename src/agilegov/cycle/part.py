"""The cycle engine: each scope's double loop, its triggers and reviews."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agilegov.cycle import api, models, pages
from agilegov.cycle.cli import cycle_app
from agilegov.cycle.exchange import SECTION
from agilegov.cycle.models import Review
from agilegov.cycle.open_data import TABLES as OPEN_TABLES
from agilegov.cycle.rules import stage_name
from agilegov.cycle.service import open_trigger_counts, tick
from agilegov.metrics import gauge
from agilegov.part import Job, Part
from agilegov.scoped import count_in_scope
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _review_by_dates(uow: UnitOfWork, settings: Settings) -> None:
    tick(uow)


def _open_triggers(session: Any) -> Iterator[Any]:
    counts = open_trigger_counts(session)
    yield gauge(
        "agilegov_triggers_open",
        "Triggers open across the site (waiting for a review), by loop.",
        {(loop,): count for loop, count in counts.items()},
        labels=["loop"],
    )


PART = Part(
    name="cycle",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    tabs=pages.TABS,
    panels=pages.PANELS,
    scope_header=pages.scope_header,
    counts={"reviews": count_in_scope(Review)},
    commands=[cycle_app],
    jobs=[Job("review-by check", 10, lambda s: s.tick_interval_seconds, _review_by_dates)],
    metrics=[_open_triggers],
    exchange=[SECTION],
    template_globals={"stage_name": stage_name},
    open_data=OPEN_TABLES,
)
