"""Library: framework catalogues, their versions, requirements and crosswalks;
the versions each scope follows, what its work cites, and the changes new
versions bring."""

from pathlib import Path

from agilegov.library import api, models, pages
from agilegov.library.cli import library_app
from agilegov.library.service import open_due_framework_changes
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _framework_changes(uow: UnitOfWork, settings: Settings) -> None:
    open_due_framework_changes(uow)


PART = Part(
    name="library",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    tabs=pages.TABS,
    counts={"frameworks": pages.followed_count},
    commands=[library_app],
    jobs=[Job("framework changes", 20, lambda s: s.tick_interval_seconds, _framework_changes)],
)
