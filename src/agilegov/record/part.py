"""The record: the append-only Merkle log of every event, signed checkpoints,
proofs and receipts. A toolkit every part writes to, with pages and commands of
its own."""

from pathlib import Path

from agilegov.part import Part
from agilegov.record import api, models, pages
from agilegov.record.cli import record_app

PART = Part(
    name="record",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    commands=[record_app],
)
