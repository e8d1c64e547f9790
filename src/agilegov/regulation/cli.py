"""The ``agilegov regulation`` commands."""

# ---------------------------------------------------------------- A: requirements and reports

from datetime import date
from typing import Annotated

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

regulation_app = typer.Typer(
    name="regulation", help="Requirements, reports and their deadlines.", no_args_is_help=True
)


@regulation_app.command("reports")
def regulation_reports(
    today: Annotated[
        str | None, typer.Option(help="The day to act as of (YYYY-MM-DD); today if not given.")
    ] = None,
) -> None:
    """Draft the reports of periods that have ended, remind adopters of reports
    falling due and flag late ones."""
    from agilegov.regulation.service import draft_and_remind, today_in_japan

    try:
        day = date.fromisoformat(today) if today else today_in_japan()
    except ValueError:
        fail(gettext("--today: %(value)s is not a date (YYYY-MM-DD)", value=today))
    done = draft_and_remind(open_uow(), day)
    console.print(
        gettext(
            "%(drafted)s report(s) drafted, %(reminded)s reminded, %(late)s flagged late",
            drafted=len(done["drafted"]),
            reminded=len(done["reminded"]),
            late=len(done["late"]),
        ),
        highlight=False,
    )
