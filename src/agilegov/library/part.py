"""Library: framework catalogues, their versions, requirements and mappings."""

from pathlib import Path

from agilegov.library import api, models
from agilegov.library.cli import library_app
from agilegov.part import Part

PART = Part(
    name="library",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    commands=[library_app],
)
