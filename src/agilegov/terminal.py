"""What every command of the ``agilegov`` command line shares: where it prints,
how it fails, and a unit of work on the configured database."""

import re
from collections.abc import Mapping
from typing import NoReturn

import typer
from rich.console import Console

from agilegov.db import make_engine, make_session_factory
from agilegov.i18n import LANGUAGES, gettext
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

# The POSIX locale's variables that name the language of messages, strongest first.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)


def open_uow() -> UnitOfWork:
    """A unit of work on the database of ``AGILEGOV_DATABASE_URL``. Every part's
    tables are known: the command line imports ``agilegov.parts`` first."""
    return UnitOfWork(make_session_factory(make_engine(get_settings().database_url)))


def language_of(environment: Mapping[str, str], default: str) -> str:
    """The language the command line speaks: ``AGILEGOV_LANGUAGE`` where it names
    one of ours; else the POSIX locale's (the first of ``LC_ALL``, ``LC_MESSAGES``
    and ``LANG`` set: ``ja_JP.UTF-8`` is Japanese, ``C`` and ``POSIX`` English);
    else ``default`` (the site's), as for a locale in another language."""
    chosen = environment.get("AGILEGOV_LANGUAGE", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in LOCALE_VARIABLES:
        value = environment.get(name, "")
        if value:
            language = re.split(r"[_.@-]", value, maxsplit=1)[0].lower()
            if language in ("c", "posix"):
                return "en"
            return language if language in LANGUAGES else default
    return default


def error_line(message: str) -> str:
    """``error: message`` for a person, in the command line's language (markup)."""
    prefix = gettext("error:")
    return f"[red]{prefix}[/red] {message}"


def fail(message: str) -> NoReturn:
    errors.print(error_line(message), highlight=False)
    raise typer.Exit(code=1)
