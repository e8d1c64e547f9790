"""The ``agilegov credential`` commands."""

import json
from pathlib import Path
from typing import Annotated

import typer

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
        kind = "invalid credential" if isinstance(problem, CredentialError) else "not JSON"
        fail(f"{file}: {kind}: {problem}")
    subject = secured.get("credentialSubject", {})
    console.print(
        f"valid: issued by {secured['issuer']['id']} to {subject.get('id')} "
        f"({subject.get('method')}), until {secured.get('validUntil')}",
        highlight=False,
    )
    console.print(
        "Revocation is public in the record: see /api/v1/attestations/{id}/status.",
        highlight=False,
    )
