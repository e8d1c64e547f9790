"""Library: framework catalogues, their versions, requirements and mappings."""

from pathlib import Path

from agilegov.library import api, models, pages
from agilegov.library.cli import library_app
from agilegov.part import Part

PART = Part(
    name="library",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    commands=[library_app],
)
