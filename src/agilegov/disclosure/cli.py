"""The ``agilegov open`` commands: cutting the open data's dump, and checking one."""

from pathlib import Path
from typing import Annotated

import typer

from agilegov.i18n import gettext
from agilegov.settings import get_settings
from agilegov.terminal import console, fail, open_uow

open_app = typer.Typer(
    name="open", help="Open data: bulk downloads anyone can verify.", no_args_is_help=True
)


@open_app.command("dump")
def open_dump(
    out: Annotated[
        Path | None,
        typer.Option(help="The folder to write the cut under (default: open_data_dir)."),
    ] = None,
) -> None:
    """Cut a dump of everything published, at the record's latest signed checkpoint."""
    from agilegov.disclosure.opendata import cut_dump
    from agilegov.record.notes import load_or_create_signer

    settings = get_settings()
    root = out if out is not None else settings.open_data_dir
    if root.exists() and not root.is_dir():
        fail(gettext("--out: %(path)s is not a folder", path=root))
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    folder = cut_dump(open_uow(), signer, settings.log_origin, root)
    console.print(gettext("dump written to %(path)s", path=folder), highlight=False)


@open_app.command("verify")
def open_verify(
    folder: Annotated[Path, typer.Argument(help="The folder of one cut (its manifest.json).")],
    key: Annotated[str, typer.Option(help="The log's verifier key (agilegov record key).")],
) -> None:
    """Check a dump offline against the record's signed checkpoint: fails naming
    the file, row or entry that does not match."""
    from agilegov.disclosure.dump import DumpError, verify_dump

    if not folder.is_dir():
        fail(gettext("%(path)s: no such folder", path=folder))
    try:
        manifest = verify_dump(folder, key)
    except DumpError as problem:
        fail(str(problem))
    console.print(
        gettext(
            "dump ok: %(files)s files, checked against the record at size %(size)s",
            files=len(manifest["files"]),
            size=manifest["checkpoint"]["size"],
        ),
        highlight=False,
    )
