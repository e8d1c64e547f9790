"""Organizations, people, their roles and API tokens; signing in and out."""

from pathlib import Path

from agilegov.organizations import api, models, pages
from agilegov.organizations.cli import user_app
from agilegov.part import Part

PART = Part(
    name="organizations",
    templates=Path(__file__).parent / "templates",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    scope_header=pages.scope_header,
    commands=[user_app],
)
