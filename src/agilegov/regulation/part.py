"""Regulation: outcome-based requirements with a reporting duty, the adopters'
periodic reports, the regulator's review and published evaluations, sandboxes,
gray-zone inquiries and special measures, and channels for risk information."""

from pathlib import Path

from agilegov.part import Part
from agilegov.regulation import api, models, pages

PART = Part(
    name="regulation",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=pages.routers,
)
