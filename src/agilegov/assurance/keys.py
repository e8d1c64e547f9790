"""Assessors' signing keys, one Ed25519 key per assessor organization, kept in
files outside the database that only their owner can read."""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agilegov.keyfiles import create_private_file, read_private_file
from agilegov.record.credentials import (
    generate_key,
    private_key_from_multibase,
    private_key_multibase,
)

_KEY_FILE_MAX_BYTES = 1024


def assessor_key(directory: Path, organization_id: int) -> Ed25519PrivateKey:
    """The organization's key, created on first use."""
    path = directory / f"assessor-{organization_id}.key"
    try:
        text = read_private_file(path, "assessor key", _KEY_FILE_MAX_BYTES).decode()
    except FileNotFoundError:
        key = generate_key()
        try:
            create_private_file(path, (private_key_multibase(key) + "\n").encode())
        except FileExistsError:  # another process created it first: use theirs
            return assessor_key(directory, organization_id)
        return key
    return private_key_from_multibase(text.strip())
