"""Organizations, people, their roles and API tokens; signing in and out."""

from pathlib import Path

from agilegov.organizations import api, models, pages
from agilegov.organizations.cli import organization_app, user_app
from agilegov.organizations.service import forget_old_sign_in_failures
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _old_sign_in_failures(uow: UnitOfWork, settings: Settings) -> None:
    forget_old_sign_in_failures(uow)


PART = Part(
    name="organizations",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    scope_header=pages.scope_header,
    template_globals={"organization_mark": pages.organization_mark},
    commands=[user_app, organization_app],
    jobs=[
        Job("sign-in counts pruning", 5, lambda s: s.tick_interval_seconds, _old_sign_in_failures)
    ],
)
