"""The server's webhook key, and the signing secrets derived from it.

The key is 32 random bytes in a file outside the database, created on first
use, readable by its owner only (0600 in a 0700 directory), written as every key
file is (``agilegov.keyfiles``): never over an existing file, synced to disk
before it is used. A webhook's secret is
HMAC-SHA256(key, "agilegov-webhook:<id>:<nonce>"), so the database alone,
leaked, signs nothing; rotating a secret is changing the nonce.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from agilegov.keyfiles import KeyFileError, create_private_file, read_private_file

KEY_BYTES = 32
SECRET_PREFIX = "whsec_"


def _load(path: Path) -> bytes:
    key = read_private_file(path, "webhook key", KEY_BYTES)
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"webhook key {path} does not hold {KEY_BYTES} bytes")
    return key


def webhook_key(path: str | os.PathLike[str]) -> bytes:
    """The server's webhook key kept at ``path``, generated there on first use."""
    path = Path(path)
    try:
        return _load(path)
    except FileNotFoundError:
        key = secrets.token_bytes(KEY_BYTES)
        try:
            create_private_file(path, key)
        except FileExistsError:  # another process created it first: use theirs
            return _load(path)
        return key


def new_nonce() -> str:
    return secrets.token_hex(16)


def webhook_secret(key: bytes, webhook_id: int, nonce: str) -> str:
    """The signing secret of webhook ``webhook_id`` while its nonce is ``nonce``."""
    message = f"agilegov-webhook:{webhook_id}:{nonce}".encode()
    return SECRET_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()
