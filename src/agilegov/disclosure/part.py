"""Disclosure: comply-and-explain that anyone can read, download and verify —
disclosures to named audiences with what is withheld and why, transparency
reports composed from the live governance, and open data."""

from pathlib import Path

from agilegov.disclosure import report_api, report_models, report_pages
from agilegov.part import Part

PART = Part(
    name="disclosure",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[report_models],
    api_routers=[report_api.router],
    page_routers=[report_pages.router],
    tabs=report_pages.TABS,
    template_globals={"transparency_status": report_pages.STATUS_WORDS},
)
