"""The ``agilegov record`` commands: the log's checkpoint and key, and verifying it."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agilegov.db import make_engine
from agilegov.i18n import N_, gettext
from agilegov.settings import get_settings
from agilegov.terminal import console, fail, open_uow

record_app = typer.Typer(name="record", help="The verifiable record.", no_args_is_help=True)


def _signer():  # type: ignore[no-untyped-def]
    from agilegov.record.notes import load_or_create_signer

    settings = get_settings()
    return load_or_create_signer(settings.log_key_file, settings.log_origin)


@record_app.command("checkpoint")
def record_checkpoint(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Print (or save) the log's latest signed checkpoint, to check later with --since."""
    from agilegov.record.checkpoints import latest_checkpoint

    note = latest_checkpoint(open_uow(), _signer(), get_settings().log_origin).note
    if output is None:
        sys.stdout.write(note)
    else:
        output.write_text(note)
        console.print(gettext("checkpoint written to %(path)s", path=output))


@record_app.command("key")
def record_key() -> None:
    """Print the log's verifier key (name+keyid+key), for verifying offline."""
    from agilegov.record.notes import verifier_key

    sys.stdout.write(verifier_key(_signer()) + "\n")


def _verifier_text(key: str | None) -> str:
    from agilegov.record.notes import verifier_key

    return key if key is not None else verifier_key(_signer())


def _read_documents(folder: Path, document: object) -> dict[str, bytes]:
    """The files of ``folder`` named as the bundle's documents (plain file names
    only, checked first, so none is read from outside the folder); those absent
    are left out, for the check to name."""
    from agilegov.record.verify import check_documents

    listed = check_documents(document.get("documents") if isinstance(document, dict) else None)
    paths = {item["name"]: folder / item["name"] for item in listed}
    return {name: path.read_bytes() for name, path in paths.items() if path.is_file()}


def _verify_bundle(path: Path, key: str | None, documents: Path | None) -> None:
    """Check an evidence bundle offline and show its entries, or fail naming the problem."""
    from agilegov.record.verify import verify_bundle

    try:
        document = json.loads(path.read_text())
        files = _read_documents(documents, document) if documents is not None else None
        checked = verify_bundle(document, _verifier_text(key), files)
    except (OSError, ValueError) as problem:  # a BundleError is a ValueError
        fail(f"{path}: {problem}")
    table = Table(title=gettext("Entries verified"))
    for heading in (N_("Index"), N_("Time"), N_("Type"), N_("Subject")):
        table.add_column(gettext(heading))
    for entry in checked.entries:
        subject = entry.leaf.get("subject") or {}
        cells = (
            str(entry.index),
            str(entry.leaf.get("time")),
            str(entry.leaf.get("type")),
            f"{subject.get('type')} {subject.get('id')}",
        )
        # The bundle comes from outside: its text is shown as it is, never as markup.
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    console.print(
        gettext(
            "bundle ok: %(count)s entries are in %(origin)s at size %(size)s",
            count=len(checked.entries),
            origin=checked.origin,
            size=checked.size,
        ),
        highlight=False,
    )
    if checked.documents_checked:
        console.print(
            gettext(
                "documents checked against their SHA-256: %(count)s",
                count=len(checked.documents),
            ),
            highlight=False,
        )


@record_app.command("verify")
def record_verify(
    since: Annotated[
        Path | None, typer.Option(help="A checkpoint saved earlier: prove the log only grew.")
    ] = None,
    receipt: Annotated[
        Path | None, typer.Option(help="Verify one event's receipt offline, without a database.")
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(help="Verify an evidence bundle offline, without a database."),
    ] = None,
    documents: Annotated[
        Path | None,
        typer.Option(help="With --bundle: a folder of the bundle's documents, to hash."),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="The log's verifier key (default: this server's).")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            min=1, help="Processes that recompute the log at once (default: one per CPU)."
        ),
    ] = os.cpu_count() or 1,
) -> None:
    """Recompute the whole log from the stored events and check it against the
    latest signed checkpoint; or check a saved checkpoint, one receipt or an
    evidence bundle."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from agilegov.record import merkle
    from agilegov.record.audit import audit
    from agilegov.record.checkpoints import RewrittenLog, latest_checkpoint
    from agilegov.record.log import consistency_proof
    from agilegov.record.models import Checkpoint
    from agilegov.record.notes import NoteError, open_checkpoint, parse_verifier_key
    from agilegov.record.verify import ReceiptError, verify_receipt

    if bundle is not None:
        _verify_bundle(bundle, key, documents)
        return
    if documents is not None:
        fail(gettext("--documents goes with --bundle"))
    if receipt is not None:
        try:
            document = json.loads(receipt.read_text())
            checked = verify_receipt(document, _verifier_text(key))
        except (OSError, ValueError) as problem:
            fail(f"{receipt}: {problem}")
        except ReceiptError as problem:
            fail(f"{receipt}: {problem}")
        text = (
            N_("receipt ok: event and leaf %(index)s is in %(origin)s at size %(size)s")
            if checked.event_checked
            else N_("receipt ok: leaf %(index)s is in %(origin)s at size %(size)s")
        )
        console.print(
            gettext(text, index=checked.index, origin=checked.origin, size=checked.size),
            highlight=False,
        )
        return
    settings = get_settings()
    try:
        verifier = parse_verifier_key(_verifier_text(key))
    except NoteError as problem:
        fail(f"--key: {problem}")
    uow = open_uow()
    try:
        latest = open_checkpoint(
            latest_checkpoint(uow, _signer(), settings.log_origin).note,
            verifier,
            settings.log_origin,
        )
        # The largest checkpoint ever signed too: a log cut short since then
        # has a smaller head, whose checkpoint alone would not show it.
        with uow:
            note = uow.session.scalars(
                select(Checkpoint.note).order_by(Checkpoint.size.desc()).limit(1)
            ).one()
        largest = open_checkpoint(note, verifier, settings.log_origin)
    except NoteError as problem:
        fail(
            gettext("a checkpoint signed by the log does not verify: %(problem)s", problem=problem)
        )
    except RewrittenLog as problem:
        fail(gettext("the record is not intact: %(problem)s", problem=problem))
    earlier = None
    if since is not None:
        try:
            earlier = open_checkpoint(since.read_text(), verifier, settings.log_origin)
        except (OSError, NoteError) as problem:
            fail(f"{since}: {problem}")
    sizes = [latest.size, largest.size] + ([earlier.size] if earlier else [])
    # A read-only connection: a long audit must not hold up writers.
    reader = make_engine(settings.database_url, read_only=True)
    try:
        with Session(reader) as session:
            result = audit(session, sizes=sizes, workers=jobs)
    finally:
        reader.dispose()
    if result.first_bad_index is not None:
        fail(
            gettext(
                "the record is not intact: first bad index %(index)s: %(problem)s",
                index=result.first_bad_index,
                problem=result.problem,
            )
        )
    for signed in (latest, largest):
        if result.roots.get(signed.size) != signed.root:
            fail(
                gettext("the leaves do not give the root signed at size %(size)s", size=signed.size)
            )
    console.print(
        gettext(
            "all %(count)s entries recomputed: leaves, tree and signed "
            "checkpoint at size %(size)s agree",
            count=result.size,
            size=latest.size,
        ),
        highlight=False,
    )
    if earlier is not None:
        if earlier.size > latest.size or result.roots.get(earlier.size) != earlier.root:
            fail(
                gettext(
                    "%(path)s: the log at size %(size)s does not have that root",
                    path=since,
                    size=earlier.size,
                )
            )
        with uow:
            proof = (
                consistency_proof(uow.session, earlier.size, latest.size)
                if 0 < earlier.size < latest.size
                else []
            )
        if 0 < earlier.size < latest.size:
            merkle.verify_consistency(earlier.size, latest.size, earlier.root, latest.root, proof)
        console.print(
            gettext(
                "consistent with the checkpoint at size %(size)s: the log only grew",
                size=earlier.size,
            ),
            highlight=False,
        )
