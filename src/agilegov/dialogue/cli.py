"""The ``agilegov dialogue`` commands."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agilegov.i18n import gettext
from agilegov.settings import get_settings
from agilegov.terminal import error_line, open_uow
from agilegov.values import MAX_INT

if TYPE_CHECKING:
    from agilegov.dialogue.opinion_map import OpinionMapResult

dialogue_app = typer.Typer(
    name="dialogue", help="Consultations: opinion maps and Pol.is exports.", no_args_is_help=True
)

console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)

BAD_INPUT = 2


@dialogue_app.command("opinion-map")
def opinion_map_command(
    polis: Annotated[
        Path,
        typer.Option(
            "--polis", help="A Pol.is export folder (votes.csv, comments.csv, ...).", metavar="DIR"
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The opinion map of a Pol.is export: groups, representative statements, consensus."""
    from agilegov.dialogue.polis import ImportLimits, PolisExportError, opinion_map, read_export

    try:
        export = read_export(polis, ImportLimits.of(get_settings()))
    except PolisExportError as problem:
        errors.print(error_line(escape(f"{polis}: {problem}")), soft_wrap=True)
        raise typer.Exit(code=BAD_INPUT) from None
    result = opinion_map(export.conversation())
    if as_json:
        typer.echo(json.dumps(summary_document(result)))
    else:
        console.print(_table(result))


def summary_document(result: "OpinionMapResult") -> dict[str, Any]:
    """The result as the command prints it: groups by participant id, the
    representative statements of each group and the consensus, by statement id."""
    return {
        "k": result.k,
        "groups": {str(pid): group for pid, group in result.group_of().items()},
        "repness": {
            str(group): [s.statement for s in statements]
            for group, statements in enumerate(result.repness)
        },
        "consensus": {
            "agree": [s.statement for s in result.consensus.agree],
            "disagree": [s.statement for s in result.consensus.disagree],
        },
        "seconds": result.seconds,
    }


def _table(result: "OpinionMapResult") -> Table:
    groups = result.groups[result.groups >= 0]
    table = Table(
        title=gettext(
            "Opinion map: %(k)s group(s), %(count)s participants clustered",
            k=result.k,
            count=len(groups),
        ),
        caption=f"{result.algorithm_version}, {result.seconds * 1000:.0f} ms",
    )
    table.add_column(gettext("group"))
    table.add_column(gettext("participants"), justify="right")
    table.add_column(gettext("representative statements (+ agree, - disagree)"))
    for group, statements in enumerate(result.repness):
        marks = " ".join(
            f"{'+' if s.direction == 'agree' else '-'}{s.statement}" for s in statements
        )
        table.add_row(str(group), str(int((groups == group).sum())), marks)
    agree = " ".join(str(s.statement) for s in result.consensus.agree)
    disagree = " ".join(str(s.statement) for s in result.consensus.disagree)
    table.add_row("consensus", "", f"agree: {agree or '-'}; disagree: {disagree or '-'}")
    return table


@dialogue_app.command("import")
def import_command(
    polis: Annotated[Path, typer.Argument(help="A Pol.is export folder.", metavar="DIR")],
    scope: Annotated[
        int,
        typer.Option("--scope", min=1, max=MAX_INT, help="The scope it becomes a consultation of."),
    ],
) -> None:
    """A Pol.is conversation as a consultation of a scope (as the operator)."""
    from agilegov.auth import SYSTEM
    from agilegov.dialogue.polis import ImportLimits, PolisExportError, read_export
    from agilegov.dialogue.polis_exchange import import_polis
    from agilegov.errors import DomainError

    try:
        export = read_export(polis, ImportLimits.of(get_settings()))
        consultation = import_polis(open_uow(), SYSTEM, scope, export)
    except (PolisExportError, DomainError) as problem:
        errors.print(error_line(escape(f"{polis}: {problem}")), soft_wrap=True)
        raise typer.Exit(code=BAD_INPUT) from None
    console.print(
        gettext(
            "consultation %(consultation_id)s: %(title)s",
            consultation_id=consultation.id,
            title=escape(consultation.title),
        )
    )


@dialogue_app.command("export")
def export_command(
    consultation: Annotated[int, typer.Argument(min=1, max=MAX_INT, help="The consultation's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The folder to write.")],
) -> None:
    """A consultation as a Pol.is export folder (as the operator)."""
    from agilegov.auth import SYSTEM
    from agilegov.dialogue.polis import write_export
    from agilegov.dialogue.polis_exchange import export_polis
    from agilegov.errors import DomainError

    try:
        write_export(output, export_polis(open_uow(), SYSTEM, consultation))
    except DomainError as problem:
        errors.print(error_line(escape(str(problem))), soft_wrap=True)
        raise typer.Exit(code=BAD_INPUT) from None
    console.print(gettext("written to %(path)s", path=escape(str(output))))
