"""Regulation: outcome-based requirements with a reporting duty, the adopters'
periodic reports, the regulator's review and published evaluations, sandboxes,
gray-zone inquiries and special measures, and channels for risk information."""

from pathlib import Path

from agilegov.part import Job, Part
from agilegov.regulation import api, models, pages, programmes
from agilegov.regulation.channels import tell_required_level_missed
from agilegov.regulation.cli import regulation_app
from agilegov.regulation.models import RegulatoryRequirement
from agilegov.regulation.open_data import TABLES as OPEN_TABLES
from agilegov.regulation.service import draft_and_remind, today_in_japan
from agilegov.scoped import count_in_scope
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork

# ---------------------------------------------------------------- programmes


def _programme_deadlines(uow: UnitOfWork, settings: Settings) -> None:
    programmes.notify_overdue(uow)


# ---------------------------------------------------------------- A: requirements and reports


def _regulatory_reports(uow: UnitOfWork, settings: Settings) -> None:
    draft_and_remind(uow, today_in_japan())


PART = Part(
    name="regulation",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router, pages.review_router, *pages.KIND_PAGES],
    tabs=pages.TABS,
    counts={"requirements": count_in_scope(RegulatoryRequirement)},
    on_required_level_missed=[tell_required_level_missed],
    commands=[regulation_app],
    # Before the webhook delivery, which sends what these jobs tell.
    jobs=[
        Job("programme deadlines", 35, lambda s: s.tick_interval_seconds, _programme_deadlines),
        Job("regulatory reports", 36, lambda s: s.tick_interval_seconds, _regulatory_reports),
    ],
    open_data=OPEN_TABLES,
)
