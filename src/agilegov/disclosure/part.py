"""Disclosure: comply-and-explain that anyone can read, download and verify —
disclosures to named audiences with what is withheld and why, transparency
reports composed from the live governance, and open data."""

from pathlib import Path

from agilegov.disclosure import feeds, open_api, open_models, open_pages
from agilegov.disclosure.cli import open_app
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
    tables=[open_models],
    api_routers=[open_api.router],
    page_routers=[open_pages.router, feeds.router],
    commands=[open_app],
    # Last: it publishes what the other jobs of the same pass changed.
    jobs=[Job("open data", 60, lambda s: s.open_data_interval_seconds, _open_data)],
)
