"""The commons part's pages."""

from fastapi import APIRouter

from agilegov.part import Tab

router = APIRouter()

TABS: list[Tab] = []
