"""Disclosure: comply-and-explain that anyone can read, download and verify —
disclosures to named audiences with what is withheld and why, transparency
reports composed from the live governance, and open data."""

from pathlib import Path

from agilegov.disclosure import (
    audience_api,
    audience_models,
    audience_pages,
    feeds,
    open_api,
    open_models,
    open_pages,
    report_api,
    report_models,
    report_pages,
)
from agilegov.disclosure.cli import open_app
from agilegov.disclosure.open_data import TABLES as OPEN_TABLES
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _open_data(uow: UnitOfWork, settings: Settings) -> None:
    from agilegov.disclosure.opendata import cut_dump
    from agilegov.record.notes import load_or_create_signer

    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    cut_dump(uow, signer, settings.log_origin, settings.open_data_dir)


PART = Part(
    name="disclosure",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[audience_models, report_models, open_models],
    api_routers=[*audience_api.routers, report_api.router, open_api.router],
    page_routers=[audience_pages.router, report_pages.router, open_pages.router, feeds.router],
    tabs=[*audience_pages.TABS, *report_pages.TABS],
    template_globals={"transparency_status": report_pages.STATUS_WORDS},
    commands=[open_app],
    open_data=OPEN_TABLES,
    # Last: it publishes what the other jobs of the same pass changed.
    jobs=[Job("open data", 60, lambda s: s.open_data_interval_seconds, _open_data)],
)
