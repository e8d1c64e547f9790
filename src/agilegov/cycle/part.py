"""The cycle engine: each scope's double loop, its triggers and reviews."""

from pathlib import Path

from agilegov.cycle import api, models, pages
from agilegov.cycle.cli import cycle_app
from agilegov.cycle.exchange import SECTION
from agilegov.cycle.models import Review
from agilegov.cycle.open_data import TABLES as OPEN_TABLES
from agilegov.cycle.rules import stage_name
from agilegov.cycle.service import tick
from agilegov.part import Job, Part
from agilegov.scoped import count_in_scope
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _review_by_dates(uow: UnitOfWork, settings: Settings) -> None:
    tick(uow)


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
    exchange=[SECTION],
    template_globals={"stage_name": stage_name},
    open_data=OPEN_TABLES,
)
