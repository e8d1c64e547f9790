"""Secret key files: created owner-only, never replaced, refused when exposed."""

import os
import threading
from pathlib import Path

import pytest

from agilegov.keyfiles import KeyFileError, create_private_file, read_private_file
from agilegov.record.notes import load_or_create_signer, signer_key
from agilegov.signing_keys import assessor_key


def test_a_key_file_is_created_owner_only_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "a.key"
    create_private_file(path, b"secret")
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    with pytest.raises(FileExistsError):
        create_private_file(path, b"another")
    assert read_private_file(path, "test key", 64) == b"secret"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_others_could_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "a.key"
    create_private_file(path, b"secret")
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match=f"test key {path}: its mode {mode:04o}.*chmod 600"):
        read_private_file(path, "test key", 64)


def test_what_is_not_a_key_is_refused(tmp_path: Path) -> None:
    create_private_file(tmp_path / "big.key", b"x" * 65)
    with pytest.raises(KeyFileError, match="too large"):
        read_private_file(tmp_path / "big.key", "test key", 64)
    with pytest.raises(KeyFileError, match="not a regular file"):
        read_private_file(tmp_path, "test key", 64)


def test_an_assessor_key_is_made_once_and_refused_when_exposed(tmp_path: Path) -> None:
    first = assessor_key(tmp_path, 7)
    again = assessor_key(tmp_path, 7)
    assert first.private_bytes_raw() == again.private_bytes_raw()
    os.chmod(tmp_path / "assessor-7.key", 0o644)
    with pytest.raises(KeyFileError, match="assessor key"):
        assessor_key(tmp_path, 7)


@pytest.mark.parametrize("attempt", range(5))
def test_processes_starting_together_share_one_whole_key(tmp_path: Path, attempt: int) -> None:
    """The first start of several server processes: each reads the key one of
    them made, never a file still being written."""
    path = tmp_path / "keys" / "log.key"
    start = threading.Barrier(8)
    keys: list[str] = []
    problems: list[Exception] = []

    def first_start() -> None:
        start.wait()
        try:
            keys.append(signer_key(load_or_create_signer(path, "example.org/log")))
        except Exception as problem:
            problems.append(problem)

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems and len(set(keys)) == 1 and len(keys) == 8
    assert [p.name for p in path.parent.iterdir()] == ["log.key"]
