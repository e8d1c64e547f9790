"""A Pol.is export folder as one zip archive, for the API: packing one, and
unpacking an uploaded one with limits (only the export's files, bounded sizes),
so that a hostile archive cannot fill the disk or write outside its folder."""

import io
import zipfile
from pathlib import Path

from agilegov.dialogue.polis import COMMENTS, PARTICIPANTS, SUMMARY, VOTES

FILES = (VOTES, COMMENTS, PARTICIPANTS, SUMMARY)
# Unpacked, an export may be this large at most (the largest real ones are a few MB).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class ArchiveError(ValueError):
    """An archive that is not a Pol.is export; the message says why."""


def pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.write(folder / name, arcname=name)
    return buffer.getvalue()


def unpack(data: bytes, folder: Path) -> None:
    """Write the export's files of a zip archive into ``folder``; they may sit at
    its top or in one folder inside it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveError("is not a zip archive") from None
    with archive:
        found: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = Path(info.filename).name
            if info.is_dir() or name not in FILES:
                continue
            if name in found:
                raise ArchiveError(f"holds {name} twice")
            found[name] = info
        missing = [name for name in FILES if name not in found]
        if missing:
            raise ArchiveError(f"has no {missing[0]}")
        if sum(info.file_size for info in found.values()) > MAX_UNPACKED_BYTES:
            raise ArchiveError(f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
        for name, info in found.items():
            with archive.open(info) as source, (folder / name).open("wb") as target:
                # No more than declared: a forged size cannot make it write more.
                target.write(source.read(info.file_size))
