"""The ``agilegov library`` commands: catalogues in and out."""

from pathlib import Path
from typing import Annotated

import typer

from agilegov.errors import DomainError
from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

library_app = typer.Typer(
    name="library",
    help="Framework catalogues: install, import and export.",
    no_args_is_help=True,
)


@library_app.command("install")
def library_install() -> None:
    """Import the catalogues and crosswalks agilegov ships that the library lacks,
    then link what scopes wrote as text before the library held it."""
    from agilegov.auth import SYSTEM
    from agilegov.library.service import install_shipped

    try:
        imported = install_shipped(open_uow(), SYSTEM)
    except DomainError as problem:
        fail(str(problem))
    for item in imported:
        console.print(gettext("imported %(ref)s", ref=item.ref), highlight=False, markup=False)
    console.print(
        gettext("%(count)s imported; the library is up to date", count=len(imported)),
        highlight=False,
    )


@library_app.command("import")
def library_import(
    file: Annotated[
        Path, typer.Argument(help="A CISO Assistant library (.yaml) or an OSCAL file (.json).")
    ],
) -> None:
    """Import a framework's version or a mapping set, as the site's operator."""
    from agilegov.auth import SYSTEM
    from agilegov.library.service import import_file

    try:
        data = file.read_bytes()
    except OSError as problem:
        fail(f"{file}: {problem.strerror}")
    try:
        imported = import_file(open_uow(), SYSTEM, data, file.name)
    except DomainError as problem:
        fail(str(problem))
    if imported.kind == "framework":
        message = gettext(
            "imported %(ref)s: %(count)s requirements",
            ref=imported.ref,
            count=imported.requirements,
        )
    else:
        message = gettext(
            "imported the mapping set %(ref)s: %(count)s mappings",
            ref=imported.ref,
            count=imported.mappings,
        )
    console.print(message, highlight=False, markup=False)


@library_app.command("export")
def library_export(
    ref: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION, e.g. nist-csf@2.0.")],
    form: Annotated[
        str, typer.Option("--format", help="oscal (JSON) or ciso (CISO Assistant YAML).")
    ] = "oscal",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file.")
    ] = None,
) -> None:
    """Export a framework's version from the library."""
    from agilegov.library.service import export_version

    if form not in ("oscal", "ciso"):
        fail(gettext("--format: oscal or ciso, not %(form)s", form=form))
    try:
        text, _ = export_version(open_uow(), ref, form)
    except DomainError as problem:
        fail(str(problem))
    if output is None:
        console.print(text, highlight=False, markup=False, soft_wrap=True)
        return
    output.write_text(text + "\n", encoding="utf-8")
    console.print(gettext("written to %(path)s", path=output), highlight=False)
