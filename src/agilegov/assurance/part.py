"""Assurance: assessments by assessors and the attestations they issue."""

from pathlib import Path

from agilegov.assurance import api, models, pages
from agilegov.assurance.cli import credential_app
from agilegov.part import Part

PART = Part(
    name="assurance",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    panels=pages.PANELS,
    commands=[credential_app],
)
