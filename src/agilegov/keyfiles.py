"""Secret key files kept outside the database (the log's signing key, assessors'
keys, the webhook key): created owner-only and never replaced, and refused when
group or others could read them."""

import os
import stat
import tempfile
from pathlib import Path


class KeyFileError(RuntimeError):
    """A key file that cannot be used safely; the message says why and what to do."""


def _fsync_directory(directory: Path) -> None:
    """Make a new directory entry durable; best effort where the OS cannot."""
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


def create_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file only its owner can read (0600), synced to disk.

    An existing file is never overwritten (``FileExistsError``): replacing a key
    by accident would orphan everything signed with it. The file appears whole
    or not at all (written under a name of its own, then linked into place), so
    server processes starting together never read a key half written by
    another. A missing parent directory is created owner-only (0700).
    """
    parent = path.parent
    try:
        parent.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    else:
        os.chmod(parent, 0o700)  # mkdir's mode passes through the umask; set it exactly
    descriptor, draft = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".new")
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(descriptor, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.link(draft, path)  # FileExistsError where the key is already there
    finally:
        os.unlink(draft)
    _fsync_directory(parent)


def read_private_file(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a key file (``what`` names it in messages), refusing one that is
    not a regular file, that group or others could access, or over ``limit`` bytes."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise KeyFileError(f"{what} {path} is not a regular file")
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"{what} {path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise KeyFileError(
                f"refusing to use {what} {path}: its mode {mode:04o} lets group or "
                f"others access it; run 'chmod 600 {path}'"
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise KeyFileError(f"{what} {path} is too large to be a key")
    return data
