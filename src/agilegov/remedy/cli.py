"""The ``agilegov remedy`` commands."""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

remedy_app = typer.Typer(
    name="remedy", help="Complaints, their deadlines, figures and evidence.", no_args_is_help=True
)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(
            gettext("%(option)s: %(value)s is not a date (YYYY-MM-DD)", option=option, value=value)
        )


@remedy_app.command("deadlines")
def remedy_deadlines(
    today: Annotated[
        str | None,
        typer.Option(help="The day to act as of (YYYY-MM-DD); today in Japan if not given."),
    ] = None,
) -> None:
    """Act on every missed deadline of a complaint, as the periodic job does."""
    from agilegov.remedy.service import act_on_missed_deadlines

    moves = act_on_missed_deadlines(open_uow(), _day(today, "--today"))
    console.print(gettext("%(moves)s move(s) on missed deadlines", moves=moves), highlight=False)


@remedy_app.command("statistics")
def remedy_statistics(
    organization: Annotated[int, typer.Option(help="The provider's organization id.")],
    start: Annotated[str, typer.Option("--from", help="The first day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="The last day (YYYY-MM-DD).")],
    scope: Annotated[int | None, typer.Option(help="One scope only.")] = None,
) -> None:
    """A provider's complaint figures for a period, as JSON (small cells hidden)."""
    from agilegov.auth import SYSTEM
    from agilegov.errors import DomainError
    from agilegov.remedy.service import complaint_statistics

    first, last = _day(start, "--from"), _day(end, "--to")
    assert first is not None and last is not None
    try:
        figures = complaint_statistics(open_uow(), SYSTEM, organization, first, last, scope)
    except DomainError as problem:
        fail(str(problem))
    sys.stdout.write(figures.model_dump_json(indent=2) + "\n")


@remedy_app.command("bundle")
def remedy_bundle(
    complaint: Annotated[int, typer.Argument(help="The complaint's id.")],
    out: Annotated[Path, typer.Option(help="Where to write the bundle (JSON).")],
) -> None:
    """Write a complaint's evidence bundle for a court, to check offline with
    ``agilegov record verify --bundle``."""
    from agilegov.auth import SYSTEM
    from agilegov.errors import DomainError
    from agilegov.record.notes import load_or_create_signer
    from agilegov.remedy.service import Caller, evidence
    from agilegov.settings import get_settings

    settings = get_settings()
    origin = settings.log_origin
    signer = load_or_create_signer(settings.log_key_file, origin)
    try:
        bundle = evidence(open_uow(), Caller(SYSTEM), complaint, signer, origin)
    except DomainError as problem:
        fail(str(problem))
    out.write_text(json.dumps(bundle, ensure_ascii=False, indent=2))
    console.print(
        gettext(
            "%(entries)s record entries written to %(out)s", entries=len(bundle["entries"]), out=out
        ),
        highlight=False,
    )
