"""The server's webhook key, and the signing secrets derived from it.

The key is 32 random bytes in a file outside the database, created on first
use, readable by its owner only (0600 in a 0700 directory), written the way the
record's log key is (``record.notes.save_signer``): never over an existing
file, synced to disk before it is used. A webhook's secret is
HMAC-SHA256(key, "agilegov-webhook:<id>:<nonce>"), so the database alone,
leaked, signs nothing; rotating a secret is changing the nonce.
"""

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32
SECRET_PREFIX = "whsec_"


class KeyFileError(RuntimeError):
    pass


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _save(path: Path, key: bytes) -> None:
    """Write ``key`` to a new owner-only file; ``FileExistsError`` if there is one."""
    parent = path.parent
    try:
        parent.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    else:
        os.chmod(parent, 0o700)  # mkdir's mode passes through the umask; set it exactly
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
        view = memoryview(key)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    _fsync_directory(parent)


def _load(path: Path) -> bytes:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"webhook key {path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise KeyFileError(
                f"refusing to use webhook key {path}: its mode {mode:04o} lets group or "
                f"others access it; run 'chmod 600 {path}'"
            )
        key = handle.read(KEY_BYTES + 1)
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
            _save(path, key)
        except FileExistsError:  # another process created it first: use theirs
            return _load(path)
        return key


def new_nonce() -> str:
    return secrets.token_hex(16)


def webhook_secret(key: bytes, webhook_id: int, nonce: str) -> str:
    """The signing secret of webhook ``webhook_id`` while its nonce is ``nonce``."""
    message = f"agilegov-webhook:{webhook_id}:{nonce}".encode()
    return SECRET_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()
