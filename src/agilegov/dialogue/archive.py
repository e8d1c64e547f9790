"""A Pol.is export folder as one zip archive, for the API: packing one, and
unpacking an uploaded one within limits (only the export's files, no archive
inside it, bounded sizes), so that a hostile archive cannot fill the memory or
the disk, or write outside its folder."""

import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from agilegov.dialogue.polis import COMMENTS, PARTICIPANTS, SUMMARY, VOTES, ExportTooLarge

FILES = (VOTES, COMMENTS, PARTICIPANTS, SUMMARY)
# An export is four files, perhaps in a folder: an archive listing many more is
# not one (and its directory alone would cost time to read).
MAX_MEMBERS = 64
ARCHIVE_SUFFIXES = frozenset({".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst"})
_CHUNK = 64 * 1024


class ArchiveError(ValueError):
    """An archive that is not a Pol.is export; the message says why."""


def pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.write(folder / name, arcname=name)
    return buffer.getvalue()


def unpack(data: bytes, folder: Path, max_bytes: int) -> None:
    """Write the export's files of a zip archive into ``folder``; they may sit at
    its top or in one folder inside it. Together they may unpack to ``max_bytes``:
    the sizes the archive declares are checked first, and the bytes are counted
    again while unpacking, since a declared size can lie."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveError("is not a zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveError(f"holds more than {MAX_MEMBERS} files; an export holds four")
        found: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            path = PurePosixPath(info.filename)
            if path.suffix.lower() in ARCHIVE_SUFFIXES:
                raise ArchiveError(f"holds another archive ({path.name}); zip the CSV files once")
            if info.is_dir() or path.name not in FILES:
                continue
            if path.name in found:
                raise ArchiveError(f"holds {path.name} twice")
            found[path.name] = info
        missing = [name for name in FILES if name not in found]
        if missing:
            raise ArchiveError(f"has no {missing[0]}")
        if sum(info.file_size for info in found.values()) > max_bytes:
            raise ExportTooLarge(f"unpacks to more than {max_bytes} bytes")
        unpacked = 0
        for name, info in found.items():
            try:
                with archive.open(info) as source, (folder / name).open("wb") as target:
                    # zipfile stops at the declared size (and then finds the checksum
                    # wrong if there was more); counting here does not rely on it.
                    while chunk := source.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > max_bytes:
                            raise ExportTooLarge(f"unpacks to more than {max_bytes} bytes")
                        target.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as problem:
                raise ArchiveError(f"{name} is damaged: {problem}") from None
