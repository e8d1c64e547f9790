"""The ``agilegov trust`` commands: the platform's trust anchor and trust list."""

import json
from pathlib import Path
from typing import Annotated

import typer

from agilegov.errors import DomainError
from agilegov.i18n import gettext
from agilegov.settings import get_settings
from agilegov.terminal import console, fail, open_uow

trust_app = typer.Typer(
    name="trust", help="The trust anchor and the published trust list.", no_args_is_help=True
)


@trust_app.command("anchor")
def trust_anchor() -> None:
    """Print the platform's did:key, which signs the trust list: relying parties
    pin it (--trust-anchor) to check a list offline."""
    from agilegov.trust.service import trust_anchor as anchor

    console.print(anchor(get_settings().assessor_key_dir), highlight=False)


@trust_app.command("publish")
def trust_publish() -> None:
    """Publish the next version of the trust list now, its hash on the record."""
    from agilegov.auth import SYSTEM
    from agilegov.trust.service import publish_trust_list

    published = publish_trust_list(open_uow(), SYSTEM, get_settings().assessor_key_dir)
    console.print(
        gettext(
            "trust list version %(version)s published, sha256 %(sha256)s",
            version=published.version,
            sha256=published.sha256,
        ),
        highlight=False,
    )


@trust_app.command("export")
def trust_export(
    output: Annotated[
        Path | None, typer.Option("--output", help="Write it to this file (default: print it).")
    ] = None,
) -> None:
    """Write the latest signed trust list (JSON), to check credentials offline."""
    from agilegov.trust.service import current_trust_list

    try:
        document = current_trust_list(open_uow())
    except DomainError as problem:
        fail(str(problem))
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output is None:
        console.print(text, highlight=False, markup=False)
        return
    output.write_text(text + "\n", encoding="utf-8")
    console.print(gettext("written to %(path)s", path=output), highlight=False)
