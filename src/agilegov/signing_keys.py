"""The platform's signing keys: one Ed25519 key per assessor organization, one
per organization that signs its submissions, and
the trust anchor's key that signs the trust list, kept in files outside the
database that only their owner can read."""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agilegov.keyfiles import create_private_file, read_private_file
from agilegov.record.credentials import (
    generate_key,
    private_key_from_multibase,
    private_key_multibase,
)

_KEY_FILE_MAX_BYTES = 1024


def _key(path: Path, what: str) -> Ed25519PrivateKey:
    """The key in ``path``, created on first use."""
    try:
        text = read_private_file(path, what, _KEY_FILE_MAX_BYTES).decode()
    except FileNotFoundError:
        key = generate_key()
        try:
            create_private_file(path, (private_key_multibase(key) + "\n").encode())
        except FileExistsError:  # another process created it first: use theirs
            return _key(path, what)
        return key
    return private_key_from_multibase(text.strip())


def assessor_key(directory: Path, organization_id: int) -> Ed25519PrivateKey:
    """The assessor organization's key."""
    return _key(directory / f"assessor-{organization_id}.key", "assessor key")


def organization_key(directory: Path, organization_id: int) -> Ed25519PrivateKey:
    """The organization's own key, which signs what it submits (its reports to a
    regulator)."""
    return _key(directory / f"organization-{organization_id}.key", "organization key")


def trust_anchor_key(directory: Path) -> Ed25519PrivateKey:
    """The platform's own key, which signs the trust list: relying parties pin
    its did:key as their trust anchor."""
    return _key(directory / "trust-anchor.key", "trust anchor key")
