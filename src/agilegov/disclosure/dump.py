"""The dump writer and its offline check.

A cut is one folder: per table a CSV, a JSON Lines and (all tables together)
one SQLite file, ``entries.jsonl`` (the record entries of the rows' public
events, each with its inclusion proof) and ``manifest.json`` (the signed
checkpoint the cut was made at, and each file's SHA-256 and row count).
Rows are streamed from the query to the files, so memory stays flat whatever
the size of a table. ``verify_dump`` needs no database and no network: only the
folder and the log's verifier key.
"""

import base64
import binascii
import csv
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from agilegov.open_tables import ENTRY_COLUMN, LICENCE_COLUMN
from agilegov.record import merkle
from agilegov.record.notes import NoteError, open_checkpoint, parse_verifier_key

DUMP_FORMAT = "agilegov-open-data/1"
MANIFEST = "manifest.json"
ENTRIES = "entries.jsonl"
# The entries a cut's rows name, listed while the rows are read, proved after.
PENDING = "entries.pending"
DATABASE = "open-data.sqlite"
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".jsonl": "application/jsonl",
    ".sqlite": "application/vnd.sqlite3",
    ".json": "application/json",
}
_CHUNK = 1 << 20


class DumpError(ValueError):
    """A dump does not verify; the message names the file, table, row or entry."""


@dataclass(frozen=True)
class Table:
    """One table of the dump: its columns and a function streaming its rows
    (tuples in column order, the record entry among them)."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[Sequence[Any]]]
    # Figures worked out from the record (no row has an entry of its own).
    figures: bool = False


def json_value(value: Any) -> Any:
    """A column's value as the JSON Lines file holds it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    return value


def csv_cell(value: Any) -> str:
    """A JSON Lines value as the CSV file holds it: lists and objects as JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def sqlite_value(value: Any) -> Any:
    """A JSON Lines value as the SQLite file holds it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(path: Path, table: str | None, rows: int) -> dict[str, Any]:
    return {
        "name": path.name,
        "table": table,
        "media_type": MEDIA_TYPES[path.suffix],
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "rows": rows,
    }


@dataclass(frozen=True)
class Written:
    """The tables of a cut, written; its record entries not yet proved."""

    folder: Path
    tables: list[dict[str, Any]]
    files: list[dict[str, Any]]


def write_tables(folder: Path, tables: Sequence[Table]) -> Written:
    """Stream every table into its CSV, JSON Lines and SQLite files in ``folder``
    (which must not exist yet), and list each row's record entry to prove later."""
    folder.mkdir(parents=True)
    files: list[dict[str, Any]] = []
    described: list[dict[str, Any]] = []
    database = sqlite3.connect(folder / DATABASE)
    try:
        with (folder / PENDING).open("w", encoding="utf-8") as pending:
            for table in tables:
                entry_at = table.columns.index(ENTRY_COLUMN)
                licence_at = table.columns.index(LICENCE_COLUMN)
                # How many rows each licence covers (a table mixes organizations).
                licences: dict[str, int] = {}
                names = ", ".join(_quoted(column) for column in table.columns)
                database.execute(f"CREATE TABLE {_quoted(table.name)} ({names})")
                # Names quoted as identifiers; values bound as parameters.
                marks = ", ".join("?" for _ in table.columns)
                insert = f"INSERT INTO {_quoted(table.name)} VALUES ({marks})"  # noqa: S608
                csv_path = folder / f"{table.name}.csv"
                jsonl_path = folder / f"{table.name}.jsonl"
                count = 0
                with (
                    csv_path.open("w", encoding="utf-8", newline="") as csv_file,
                    jsonl_path.open("w", encoding="utf-8") as jsonl_file,
                ):
                    writer = csv.writer(csv_file, lineterminator="\n")
                    writer.writerow(table.columns)
                    batch: list[list[Any]] = []
                    for row in table.rows():
                        values = [json_value(value) for value in row]
                        jsonl_file.write(
                            json.dumps(dict(zip(table.columns, values, strict=True))) + "\n"
                        )
                        writer.writerow([csv_cell(value) for value in values])
                        batch.append([sqlite_value(value) for value in values])
                        if len(batch) == 10_000:
                            database.executemany(insert, batch)
                            batch.clear()
                        licence = values[licence_at]
                        licences[licence] = licences.get(licence, 0) + 1
                        if values[entry_at] is not None:
                            pending.write(f"{table.name} {values[entry_at]}\n")
                        count += 1
                    database.executemany(insert, batch)
                files.append(_file_entry(csv_path, table.name, count))
                files.append(_file_entry(jsonl_path, table.name, count))
                described.append(
                    {
                        "name": table.name,
                        "columns": list(table.columns),
                        "licences": licences,
                        "figures": table.figures,
                    }
                )
        database.commit()
    finally:
        database.close()
    files.append(_file_entry(folder / DATABASE, None, sum(f["rows"] for f in files) // 2))
    return Written(folder, described, files)


def seal(
    written: Written,
    checkpoint: dict[str, Any],
    proof_of: Callable[[int], tuple[bytes, list[bytes]]],
    issued: datetime,
    licences: dict[str, str],
) -> dict[str, Any]:
    """Prove each listed record entry under ``checkpoint`` (its ``size``, ``root``
    in base64 and signed ``note``), signed after the rows were read so that it
    covers every entry they name; write the manifest last, and return it.
    ``proof_of(index)`` gives an entry's leaf and its inclusion proof at that size."""
    folder = written.folder
    entries_path = folder / ENTRIES
    count = 0
    with (
        (folder / PENDING).open(encoding="utf-8") as pending,
        entries_path.open("w", encoding="utf-8") as entries,
    ):
        for line in pending:
            table, index_text = line.split()
            leaf, proof = proof_of(int(index_text))
            entry = {
                "table": table,
                "index": int(index_text),
                "leaf": base64.b64encode(leaf).decode(),
                "proof": [base64.b64encode(node).decode() for node in proof],
            }
            entries.write(json.dumps(entry) + "\n")
            count += 1
    (folder / PENDING).unlink()
    manifest = {
        "format": DUMP_FORMAT,
        "cut": folder.name,
        "issued": issued.isoformat(),
        "checkpoint": checkpoint,
        "licences": licences,
        "tables": written.tables,
        "files": [*written.files, _file_entry(entries_path, None, count)],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def latest_cut(root: Path) -> Path | None:
    """The newest cut under ``root`` (cut folders are named by their time, sortably)."""
    if not root.is_dir():
        return None
    cuts = sorted(path for path in root.iterdir() if (path / MANIFEST).is_file())
    return cuts[-1] if cuts else None


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except OSError:
        raise DumpError(f"{folder}: no {MANIFEST}") from None
    except ValueError:
        raise DumpError(f"{MANIFEST}: not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != DUMP_FORMAT:
        raise DumpError(f"{MANIFEST}: not an {DUMP_FORMAT} manifest")
    return manifest


# --- checking a cut offline -------------------------------------------------------


def _same(row_value: Any, payload_value: Any) -> bool:
    """Whether a row's value is the value its event's payload gives (times may
    be written with another offset spelling; numbers as int or float)."""
    if row_value == payload_value:
        return True
    if isinstance(row_value, str) and isinstance(payload_value, str):
        try:
            return datetime.fromisoformat(row_value) == datetime.fromisoformat(payload_value)
        except ValueError:
            return False
    return False


def _state(payload: Any) -> dict[str, Any]:
    """The values an event's payload gives its subject's columns: an update's
    state after it, or the payload's own members; none but plain values and lists
    (a member holding an object tells of something else than the column)."""
    if not isinstance(payload, dict):
        return {}
    after = payload.get("after")
    state = after if isinstance(after, dict) else payload
    return {name: value for name, value in state.items() if not isinstance(value, dict)}


def _decode(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise DumpError(f"{what} is not base64") from None


def _check_files(folder: Path, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    listed: dict[str, dict[str, Any]] = {}
    for item in manifest.get("files", []):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or os.path.basename(name) != name or name == MANIFEST:
            raise DumpError(f"{MANIFEST}: a file entry names no plain file: {name!r}")
        path = folder / name
        if not path.is_file():
            raise DumpError(f"{name}: listed in the manifest but absent")
        if _sha256(path) != item.get("sha256"):
            raise DumpError(f"{name}: its SHA-256 is not the manifest's")
        listed[name] = item
    return listed


def _leaves(
    folder: Path, checkpoint_size: int, root: bytes
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every entry of ``entries.jsonl``, proved included under the checkpoint's root."""
    proved: dict[tuple[str, int], dict[str, Any]] = {}
    with (folder / ENTRIES).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
                table, index = entry["table"], entry["index"]
                leaf = _decode(entry["leaf"], f"{ENTRIES} line {number}: leaf")
                proof = [
                    _decode(node, f"{ENTRIES} line {number}: proof") for node in entry["proof"]
                ]
            except (ValueError, KeyError, TypeError):
                raise DumpError(f"{ENTRIES} line {number}: not an entry") from None
            try:
                merkle.verify_inclusion(index, checkpoint_size, merkle.leaf_hash(leaf), proof, root)
            except (merkle.ProofError, ValueError, TypeError) as problem:
                raise DumpError(
                    f"{ENTRIES} line {number}: entry {index} is not in the log: {problem}"
                ) from None
            content = json.loads(leaf)
            if content.get("index") != index:
                raise DumpError(f"{ENTRIES} line {number}: the leaf is not entry {index}")
            proved[(table, index)] = content
    return proved


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        yield from csv.reader(stream)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


def _check_table(
    folder: Path,
    name: str,
    columns: list[str],
    database: sqlite3.Connection,
    proved: dict[tuple[str, int], dict[str, Any]],
) -> int:
    """Each row alike in the three files, and alike its event's public payload."""
    csv_rows = _csv_rows(folder / f"{name}.csv")
    if next(csv_rows, None) != columns:
        raise DumpError(f"{name}.csv: its header is not the table's columns")
    # The names come from the manifest: quoted as identifiers, never run as SQL.
    names = ", ".join(_quoted(column) for column in columns)
    stored = database.execute(f"SELECT {names} FROM {_quoted(name)} ORDER BY rowid")  # noqa: S608
    count = 0
    for count, row in enumerate(_jsonl_rows(folder / f"{name}.jsonl"), 1):
        where = f"table {name}, row {count}"
        if list(row) != columns:
            raise DumpError(f"{where}: its columns are not the table's")
        values = list(row.values())
        if next(csv_rows, None) != [csv_cell(value) for value in values]:
            raise DumpError(f"{where}: the CSV row differs from the JSON Lines row")
        if list(stored.fetchone() or ()) != [sqlite_value(value) for value in values]:
            raise DumpError(f"{where}: the SQLite row differs from the JSON Lines row")
        index = row[ENTRY_COLUMN]
        if index is None:
            continue
        leaf = proved.get((name, index))
        if leaf is None:
            raise DumpError(f"{where}: its record entry {index} is not among the proved entries")
        said = _state(leaf.get("payload"))
        for column in columns:
            if column in said and column != "id" and not _same(row[column], said[column]):
                raise DumpError(
                    f"{where}: {column} is not what record entry {index} says ({said[column]!r})"
                )
    if next(csv_rows, None) is not None or stored.fetchone() is not None:
        raise DumpError(f"table {name}: the files hold different numbers of rows")
    return count


def verify_dump(folder: Path, verifier_key: str) -> dict[str, Any]:
    """Check a cut: the checkpoint's signature, every file's SHA-256 and row
    count, every entry's inclusion proof, and every row against the others and
    against its event. Returns the manifest; raises ``DumpError`` naming what
    does not match."""
    manifest = read_manifest(folder)
    checkpoint = manifest.get("checkpoint")
    if not isinstance(checkpoint, dict):
        raise DumpError(f"{MANIFEST}: no checkpoint")
    try:
        signed = open_checkpoint(checkpoint.get("note", ""), parse_verifier_key(verifier_key))
    except NoteError as problem:
        raise DumpError(f"{MANIFEST}: the checkpoint does not verify: {problem}") from None
    if (
        checkpoint.get("size") != signed.size
        or checkpoint.get("root") != base64.b64encode(signed.root).decode()
    ):
        raise DumpError(f"{MANIFEST}: the checkpoint's size or root is not the signed note's")
    listed = _check_files(folder, manifest)
    for required in (ENTRIES, DATABASE):
        if required not in listed:
            raise DumpError(f"{MANIFEST}: {required} is not listed")
    proved = _leaves(folder, signed.size, signed.root)
    database = sqlite3.connect(f"file:{folder / DATABASE}?mode=ro", uri=True)
    try:
        for table in manifest.get("tables", []):
            name, columns = table["name"], table["columns"]
            for suffix in (".csv", ".jsonl"):
                if f"{name}{suffix}" not in listed:
                    raise DumpError(f"{MANIFEST}: {name}{suffix} is not listed")
            count = _check_table(folder, name, columns, database, proved)
            for suffix in (".csv", ".jsonl"):
                if listed[f"{name}{suffix}"].get("rows") != count:
                    raise DumpError(f"{name}{suffix}: the manifest counts another number of rows")
    except sqlite3.Error as problem:
        raise DumpError(f"{DATABASE}: {problem}") from None
    finally:
        database.close()
    return manifest
