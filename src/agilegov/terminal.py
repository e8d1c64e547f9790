"""What every command of the ``agilegov`` command line shares: where it prints,
how it fails, and a unit of work on the configured database."""

from typing import NoReturn

import typer
from rich.console import Console

from agilegov.db import make_engine, make_session_factory
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)


def open_uow() -> UnitOfWork:
    """A unit of work on the database of ``AGILEGOV_DATABASE_URL``. Every part's
    tables are known: the command line imports ``agilegov.parts`` first."""
    return UnitOfWork(make_session_factory(make_engine(get_settings().database_url)))


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)
