"""Every part's page routes. A scope's tabs come before the kinds' pages, whose
list paths they serve."""

from fastapi import APIRouter

from agilegov.analysis.pages import routers as analysis_pages
from agilegov.cycle.pages import router as cycle_pages
from agilegov.design.pages import routers as design_pages
from agilegov.goals.pages import routers as goals_pages
from agilegov.scopes.pages import router as scope_pages
from agilegov.web import pages

web_routers: list[APIRouter] = [
    pages.router,
    scope_pages,
    cycle_pages,
    *analysis_pages,
    *goals_pages,
    *design_pages,
]
