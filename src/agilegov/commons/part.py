"""Commons: incidents on a scope and the path that follows them (information,
compensation or cooperation and a pledge), the reports a regulator's clocks ask
for, and the commons, where incidents are shared pseudonymised so that scopes
with similar systems learn from them."""

from pathlib import Path

from agilegov.commons import api, models, pages, shared_pages
from agilegov.commons.cli import commons_app
from agilegov.commons.models import CommonsSignal, Incident
from agilegov.commons.open_data import TABLES as OPEN_TABLES
from agilegov.commons.service import act_on_missed_deadlines, scope_figures
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _missed_deadlines(uow: UnitOfWork, settings: Settings) -> None:
    act_on_missed_deadlines(uow)


PART = Part(
    name="commons",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router, shared_pages.router],
    tabs=pages.TABS,
    trigger_subjects={"incident": Incident, "commons_signal": CommonsSignal},
    period_figures={"incidents": scope_figures},
    commands=[commons_app],
    # Before the webhook delivery, which sends what this job tells.
    jobs=[Job("incident deadlines", 38, lambda s: s.tick_interval_seconds, _missed_deadlines)],
    open_data=OPEN_TABLES,
)
