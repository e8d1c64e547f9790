"""Remedy: complaints up the ladder (the provider's handling, ADR by a neutral
body, the courts) with deadlines in business days, clusters that open the
inner loop, and the figures providers report."""

from pathlib import Path

from agilegov.part import Job, Part
from agilegov.remedy import api, models, pages
from agilegov.remedy.cli import remedy_app
from agilegov.remedy.models import ComplaintCluster
from agilegov.remedy.open_data import TABLES as OPEN_TABLES
from agilegov.remedy.service import act_on_missed_deadlines, scope_figures
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _missed_deadlines(uow: UnitOfWork, settings: Settings) -> None:
    act_on_missed_deadlines(uow)


PART = Part(
    name="remedy",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    tabs=pages.TABS,
    template_globals={"remedy_word": pages.remedy_word},
    trigger_subjects={"complaint_cluster": ComplaintCluster},
    period_figures={"complaints": scope_figures},
    open_data=OPEN_TABLES,
    commands=[remedy_app],
    # Before the webhook delivery, which sends what this job tells.
    jobs=[Job("complaint deadlines", 37, lambda s: s.tick_interval_seconds, _missed_deadlines)],
)
