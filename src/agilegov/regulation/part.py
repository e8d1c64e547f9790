"""Regulation: outcome-based requirements with a reporting duty, the adopters'
periodic reports, the regulator's review and published evaluations, sandboxes,
gray-zone inquiries and special measures, and channels for risk information."""

from pathlib import Path

from agilegov.part import Job, Part
from agilegov.regulation import api, models, pages, programmes
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork

# ---------------------------------------------------------------- programmes


def _programme_deadlines(uow: UnitOfWork, settings: Settings) -> None:
    programmes.notify_overdue(uow)


PART = Part(
    name="regulation",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    # Before the webhook delivery, which sends what this job tells.
    jobs=[Job("programme deadlines", 35, lambda s: s.tick_interval_seconds, _programme_deadlines)],
)
