"""Every part's page routes. A scope's tabs come before the kinds' pages, whose
list paths they serve."""

from fastapi import APIRouter

from agilegov.analysis.pages import routers as analysis_pages
from agilegov.assurance.pages import router as assurance_pages
from agilegov.cycle.pages import router as cycle_pages
from agilegov.design.pages import routers as design_pages
from agilegov.dialogue.pages import router as dialogue_pages
from agilegov.goals.pages import routers as goals_pages
from agilegov.monitor.pages import router as monitor_pages
from agilegov.notify.pages import router as notify_pages
from agilegov.organizations.pages import router as organization_pages
from agilegov.scopes.pages import router as scope_pages
from agilegov.web import pages

web_routers: list[APIRouter] = [
    # Before the start pages: /organizations/new is not an organization's id.
    organization_pages,
    pages.router,
    scope_pages,
    cycle_pages,
    *analysis_pages,
    *goals_pages,
    *design_pages,
    monitor_pages,
    assurance_pages,
    notify_pages,
    dialogue_pages,
]
