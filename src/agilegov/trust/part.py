"""Trust: accreditation bodies, schemes, accreditations and the signed trust list."""

from pathlib import Path

from agilegov.auth import SYSTEM
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.trust import api, models, pages
from agilegov.trust.cli import trust_app
from agilegov.trust.service import refresh_trust_list
from agilegov.uow import UnitOfWork


def _refresh(uow: UnitOfWork, settings: Settings) -> None:
    refresh_trust_list(uow, SYSTEM, settings.assessor_key_dir)


PART = Part(
    name="trust",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    commands=[trust_app],
    jobs=[Job("trust list refresh", 50, lambda s: s.tick_interval_seconds, _refresh)],
)
