"""What every command of the ``agilegov`` command line shares: where it prints,
how it fails, and a unit of work on the configured database."""

import re
from collections.abc import Iterator, Mapping
from typing import NoReturn

import click
import typer
from rich.console import Console

from agilegov.db import make_engine, make_session_factory
from agilegov.i18n import LANGUAGES, catalogs, gettext
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


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    for name in sorted(getattr(command, "commands", {})):
        yield from _commands(command.commands[name])  # type: ignore[attr-defined]


def help_texts(command: click.Command) -> list[str]:
    """Every help text of ``command``, of its options and of its subcommands: the
    texts ``agilegov messages update`` puts in the catalogs."""
    texts: dict[str, None] = {}
    for each in _commands(command):
        for text in (each.help, each.short_help, *(getattr(p, "help", None) for p in each.params)):
            if text:
                texts[text] = None
    return list(texts)


def speak_help(command: click.Command, language: str) -> None:
    """Put the help of ``command``, its options and its subcommands in ``language``
    (``--help`` is answered before any command runs, so before it sets one)."""
    for each in _commands(command):
        if each.help:
            each.help = catalogs.gettext(language, each.help)
        if each.short_help:
            each.short_help = catalogs.gettext(language, each.short_help)
        for parameter in each.params:
            if getattr(parameter, "help", None):
                parameter.help = catalogs.gettext(language, parameter.help)  # type: ignore[attr-defined]


def error_line(message: str) -> str:
    """``error: message`` for a person, in the command line's language (markup)."""
    prefix = gettext("error:")
    return f"[red]{prefix}[/red] {message}"


def fail(message: str) -> NoReturn:
    errors.print(error_line(message), highlight=False)
    raise typer.Exit(code=1)
