"""Dialogue: consultations on a draft, votes, the opinion map and a response to
every input."""

from pathlib import Path

from agilegov.dialogue import api, models, pages
from agilegov.dialogue.cli import dialogue_app
from agilegov.dialogue.models import Consultation
from agilegov.dialogue.open_data import TABLES as OPEN_TABLES
from agilegov.part import Part

PART = Part(
    name="dialogue",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    tabs=pages.TABS,
    trigger_subjects={"consultation": Consultation},
    commands=[dialogue_app],
    open_data=OPEN_TABLES,
)
