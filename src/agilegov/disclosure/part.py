"""Disclosure: comply-and-explain that anyone can read, download and verify —
disclosures to named audiences with what is withheld and why, transparency
reports composed from the live governance, and open data."""

from pathlib import Path

from agilegov.disclosure import audience_api, audience_models, audience_pages
from agilegov.part import Part

PART = Part(
    name="disclosure",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[audience_models],
    api_routers=audience_api.routers,
    page_routers=[audience_pages.router],
    tabs=audience_pages.TABS,
)
