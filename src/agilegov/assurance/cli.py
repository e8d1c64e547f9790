"""The ``agilegov credential`` commands."""

import json
from pathlib import Path
from typing import Annotated

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, fail

credential_app = typer.Typer(
    name="credential", help="Attestations as verifiable credentials.", no_args_is_help=True
)


@credential_app.command("verify")
def credential_verify(
    file: Annotated[Path, typer.Argument(help="A credential (JSON) issued by an assessor.")],
) -> None:
    """Check an attestation offline: its eddsa-jcs-2022 proof by the issuer's
    did:key, and its validity period today."""
    from datetime import UTC, datetime

    from agilegov.record.credentials import CredentialError, verify_attestation

    try:
        secured = json.loads(file.read_text())
        verify_attestation(secured, at=datetime.now(UTC))
    except OSError as problem:
        fail(f"{file}: {problem.strerror}")
    except ValueError as problem:  # CredentialError and malformed JSON alike
        if isinstance(problem, CredentialError):
            fail(gettext("%(path)s: invalid credential: %(problem)s", path=file, problem=problem))
        fail(gettext("%(path)s: not JSON: %(problem)s", path=file, problem=problem))
    subject = secured.get("credentialSubject", {})
    console.print(
        gettext(
            "valid: issued by %(issuer)s to %(subject)s (%(method)s), until %(until)s",
            issuer=secured["issuer"]["id"],
            subject=subject.get("id"),
            method=subject.get("method"),
            until=secured.get("validUntil"),
        ),
        highlight=False,
    )
    console.print(
        gettext("Revocation is public in the record: see %(path)s.")
        % {"path": "/api/v1/attestations/{id}/status"},
        highlight=False,
    )
