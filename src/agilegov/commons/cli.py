"""The ``agilegov commons`` commands."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

commons_app = typer.Typer(
    name="commons", help="Incidents, their deadlines, and the shared commons.", no_args_is_help=True
)

# An import reads at most this much from one file (the sources' own limit).
MAX_FILE_BYTES = 20 * 1024 * 1024


@commons_app.command("import")
def commons_import(
    source: Annotated[
        str, typer.Argument(help="atlas (ATLAS.yaml), avid (reports) or aiid (CSV).")
    ],
    files: Annotated[list[Path], typer.Argument(help="The files to import.")],
) -> None:
    """Import public incident data into the commons, its licence on every row.
    A bad file stores nothing."""
    from agilegov.auth import SYSTEM
    from agilegov.commons.schemas import ImportSource
    from agilegov.commons.service import import_shared
    from agilegov.errors import DomainError

    try:
        chosen = ImportSource(source)
    except ValueError:
        fail(gettext("source: %(source)s is not one of atlas, avid, aiid", source=source))
    contents = []
    for file in files:
        if not file.is_file():
            fail(gettext("%(file)s: no such file", file=file))
        if file.stat().st_size > MAX_FILE_BYTES:
            fail(gettext("%(file)s: larger than 20 MiB", file=file))
        contents.append(file.read_bytes())
    try:
        result = import_shared(open_uow(), SYSTEM, chosen, contents)
    except DomainError as problem:
        fail(str(problem))
    console.print(
        gettext(
            "%(added)s added, %(corrected)s corrected, %(unchanged)s unchanged (%(licence)s)",
            added=result.added,
            corrected=result.corrected,
            unchanged=result.unchanged,
            licence=result.licence.value,
        ),
        highlight=False,
    )


@commons_app.command("deadlines")
def commons_deadlines() -> None:
    """Tell both sides of every deadline an open incident missed, as the periodic job does."""
    from agilegov.commons.service import act_on_missed_deadlines

    told = act_on_missed_deadlines(open_uow())
    console.print(
        gettext("%(told)s incident(s) told of missed deadlines", told=told), highlight=False
    )


@commons_app.command("stix")
def commons_stix() -> None:
    """Write the commons as a STIX 2.1 bundle to standard output."""
    from agilegov.commons.service import export_stix

    sys.stdout.write(export_stix(open_uow()) + "\n")
