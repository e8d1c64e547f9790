"""``agilegov export`` and ``agilegov import``: a scope's whole governance as a document."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from agilegov.auth import SYSTEM
from agilegov.errors import DomainError
from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow
from agilegov.values import MAX_INT

# Top-level commands (no group of their own).
exchange_app = typer.Typer()


@exchange_app.command("export")
def export_command(
    scope_id: Annotated[int, typer.Argument(min=1, max=MAX_INT)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write a scope's whole governance as JSON (to standard output by default)."""
    from agilegov.scopes.exchange import export_scope

    try:
        document = export_scope(open_uow(), SYSTEM, scope_id)
    except DomainError as error:
        fail(str(error))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        console.print(
            gettext("scope %(scope_id)s written to %(path)s", scope_id=scope_id, path=output)
        )


@exchange_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A document written by 'agilegov export'.")],
    organization: Annotated[
        int, typer.Option(min=1, max=MAX_INT, help="Id of the organization that will own it.")
    ],
) -> None:
    """Create a new scope from an exported document, after checking all of it."""
    from agilegov.scopes.exchange import document_model, import_scope

    try:
        raw: Any = json.loads(file.read_text())
    except FileNotFoundError:
        fail(gettext("%(path)s: no such file", path=file))
    except ValueError as problem:  # not UTF-8, not JSON, or an integer of over 4,300 digits
        fail(gettext("%(path)s: not JSON (%(problem)s)", path=file, problem=problem))
    try:
        document = document_model().model_validate(raw)
        scope = import_scope(open_uow(), SYSTEM, organization, document)
    except ValidationError as problem:
        lines = [
            f"{'.'.join(str(p) for p in item['loc']) or 'document'}: "
            + item["msg"].removeprefix("Value error, ")
            for item in problem.errors()
        ]
        fail(f"{file}: " + "; ".join(lines))
    except DomainError as problem:
        fail(f"{file}: {problem}")
    console.print(
        gettext("imported as scope %(scope_id)s (%(name)s)", scope_id=scope.id, name=scope.name)
    )
