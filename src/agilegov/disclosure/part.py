"""Disclosure: comply-and-explain that anyone can read, download and verify —
disclosures to named audiences with what is withheld and why, transparency
reports composed from the live governance, and open data."""

from pathlib import Path

from agilegov.disclosure import (
    audience_api,
    audience_models,
    audience_pages,
    report_api,
    report_models,
    report_pages,
)
from agilegov.part import Part

PART = Part(
    name="disclosure",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[audience_models, report_models],
    api_routers=[*audience_api.routers, report_api.router],
    page_routers=[audience_pages.router, report_pages.router],
    tabs=[*audience_pages.TABS, *report_pages.TABS],
    template_globals={"transparency_status": report_pages.STATUS_WORDS},
)
