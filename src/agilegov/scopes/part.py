"""Scopes: the innovations being governed, each owned by one organization (its
table is the tenancy every part stands on: ``agilegov.tenancy``)."""

from pathlib import Path

from agilegov import tenancy
from agilegov.part import Part
from agilegov.scopes import api, home, pages
from agilegov.scopes.cli import exchange_app
from agilegov.scopes.open_data import TABLES as OPEN_TABLES

PART = Part(
    name="scopes",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[tenancy],
    api_routers=api.routers,
    page_routers=[home.router, pages.router],
    tabs=pages.TABS,
    panels=pages.PANELS,
    commands=[exchange_app],
    open_data=OPEN_TABLES,
)
