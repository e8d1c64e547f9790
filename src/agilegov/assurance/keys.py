"""Assessors' signing keys, one Ed25519 key per assessor organization, kept in
files outside the database that only their owner can read."""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agilegov.record.credentials import (
    generate_key,
    private_key_from_multibase,
    private_key_multibase,
)


class KeyFileError(RuntimeError):
    pass


def assessor_key(directory: Path, organization_id: int) -> Ed25519PrivateKey:
    """The organization's key, created on first use."""
    path = directory / f"assessor-{organization_id}.key"
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise KeyFileError(f"{path} is readable by others; run chmod 600 {path}")
        return private_key_from_multibase(path.read_text().strip())
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = generate_key()
    # O_EXCL: never replace a key another process has just written.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(private_key_multibase(key) + "\n")
    return key
