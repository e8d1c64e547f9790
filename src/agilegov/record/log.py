"""The Merkle log in the database: appending events as leaves, reading proofs,
and auditing the whole log.

Appends are serialized by the ``log_head`` row: PostgreSQL locks it
(``SELECT … FOR UPDATE``) until the transaction ends, and SQLite transactions
begin ``IMMEDIATE`` (see ``db.py``). So leaf indexes are dense and in commit
order, and two writers can never fork the tree.
"""

import functools
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agilegov.record import merkle
from agilegov.record.canonical import canonical_text, utf8
from agilegov.record.models import Event, LogHead, MerkleNode
from agilegov.timetext import epoch_microseconds, iso_texts, sqlite_texts

LEAF_VERSION = 1


@dataclass(frozen=True)
class NewEvent:
    """An event to append: everything but its place in the log."""

    time: datetime
    type: str
    subject_type: str
    subject_id: int | None
    actor_id: int | None
    organization_id: int | None
    scope_id: int | None
    payload: dict[str, Any]
    private: bool


def commitment(payload: dict[str, Any], salt: bytes) -> str:
    """The salted hash that stands in the leaf for a private payload."""
    return _commitment(canonical_text(payload), salt)


def _commitment(payload_text: str, salt: bytes) -> str:
    return "sha256:" + hashlib.sha256(salt + utf8(payload_text)).hexdigest()


def timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    return _leaf_time(moment.astimezone(UTC))


def _leaf_time(utc: datetime) -> str:
    if utc.year < 1000:  # strftime does not pad such years; keep its bytes
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def leaf_document(
    index: int,
    time: datetime,
    type: str,
    subject_type: str,
    subject_id: int | None,
    actor_id: int | None,
    organization_id: int | None,
    scope_id: int | None,
    payload: dict[str, Any],
    salt: bytes | None,
) -> dict[str, Any]:
    """The JSON document that the log hashes for one event (its leaf is its JCS bytes)."""
    document: dict[str, Any] = {
        "v": LEAF_VERSION,
        "index": index,
        "time": timestamp(time),
        "type": type,
        "subject": {"type": subject_type, "id": subject_id},
        "actor": actor_id,
        "organization": organization_id,
        "scope": scope_id,
    }
    if salt is None:
        document["payload"] = payload
    else:
        document["payload_commitment"] = commitment(payload, salt)
    return document


def _payload_member(payload_text: str, salt: bytes | None) -> str:
    """The leaf's ``payload`` member, or its ``payload_commitment`` when private."""
    if salt is None:
        return '"payload":' + payload_text
    return f'"payload_commitment":"{_commitment(payload_text, salt)}"'


def _leaf_text(
    actor: str,
    index: str,
    organization: str,
    payload_member: str,
    scope: str,
    subject_id: str,
    subject_type: str,
    time: str,
    type: str,
) -> str:
    """The canonical text of ``leaf_document`` from the canonical text of each
    member, written in JCS member order (the parameters' order): several times
    faster than canonicalizing the document, and the one place the layout is."""
    return (
        f'{{"actor":{actor},"index":{index},"organization":{organization},{payload_member},'
        f'"scope":{scope},"subject":{{"id":{subject_id},"type":{subject_type}}},'
        f'"time":{time},"type":{type},"v":{LEAF_VERSION}}}'
    )


def leaf_bytes(
    index: int,
    time: datetime,
    type: str,
    subject_type: str,
    subject_id: int | None,
    actor_id: int | None,
    organization_id: int | None,
    scope_id: int | None,
    payload: dict[str, Any],
    salt: bytes | None,
) -> bytes:
    """The RFC 8785 canonical JSON that the log hashes for one event: the same
    bytes as ``canonical_json(leaf_document(...))``."""
    text = _leaf_text(
        canonical_text(actor_id),
        canonical_text(index),
        canonical_text(organization_id),
        _payload_member(canonical_text(payload), salt),
        canonical_text(scope_id),
        canonical_text(subject_id),
        canonical_text(subject_type),
        canonical_text(timestamp(time)),
        canonical_text(type),
    )
    return utf8(text)


def event_leaf(event: Event) -> bytes:
    """The leaf an event's stored fields give, to compare with the stored leaf."""
    return leaf_bytes(
        event.leaf_index,
        event.time,
        event.type,
        event.subject_type,
        event.subject_id,
        event.actor_id,
        event.organization_id,
        event.scope_id,
        event.payload,
        event.payload_salt,
    )


def _lock_head(session: Session) -> LogHead:
    locked = select(LogHead).where(LogHead.id == 1).with_for_update()
    head = session.scalars(locked).first()
    if head is None:
        # The first append ever: create the row, even if another writer races us.
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            dialect_insert(LogHead).values(id=1, size=0, frontier=[]).on_conflict_do_nothing()
        )
        head = session.scalars(locked).one()
    return head


class _KnownTexts:
    """The canonical texts of the ids and names a batch repeats, each written once."""

    def __init__(self) -> None:
        self._ids: dict[int | None, str] = {None: "null"}
        self._names: dict[str, str] = {}

    def id(self, value: int | None) -> str:
        if type(value) is int or value is None:  # never True/False, which equal 1/0
            try:
                return self._ids[value]
            except KeyError:
                text = self._ids[value] = canonical_text(value)
                return text
        return canonical_text(value)

    def name(self, value: str) -> str:
        if type(value) is not str:
            return canonical_text(value)
        try:
            return self._names[value]
        except KeyError:
            text = self._names[value] = canonical_text(value)
            return text


@functools.lru_cache(maxsize=8)
def _driver_insert(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    """The INSERT statement as the driver takes it, its parameters in ``names`` order."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    if tuple(compiled.positiontup or ()) != names:
        raise RuntimeError(f"unexpected parameters {compiled.positiontup} for {names}")
    return compiled.string


_EVENT_COLUMNS = (
    "leaf_index",
    "time",
    "actor_id",
    "organization_id",
    "scope_id",
    "type",
    "subject_type",
    "subject_id",
    "payload",
    "payload_salt",
    "leaf",
)


def append(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append events as leaves, with their tree nodes, in the caller's transaction.

    Returns their leaf indexes. Each payload is written to canonical JSON once,
    for its leaf and (on SQLite) for its stored column. Rows go in with one
    ``executemany`` per table; on SQLite straight to the driver, with every
    value already in the form SQLAlchemy's column types would give it, because
    SQLAlchemy's per-row work would cost more than SQLite's own.
    """
    if not events:
        return []
    head = _lock_head(session)
    size = head.size
    indexes = list(range(size, size + len(events)))
    salts = [secrets.token_bytes(32) if new.private else None for new in events]
    payload_texts = [canonical_text(new.payload) for new in events]
    microseconds = epoch_microseconds([new.time for new in events])
    # ``YYYY-MM-DDTHH:MM:SS.ffffff``, or as ``timestamp`` writes the years before 1000.
    times = iso_texts(microseconds) or [timestamp(new.time)[:-1] for new in events]
    known = _KnownTexts()
    leaves = [
        utf8(
            _leaf_text(
                known.id(new.actor_id),
                str(index),
                known.id(new.organization_id),
                _payload_member(payload_text, salt),
                known.id(new.scope_id),
                known.id(new.subject_id),
                known.name(new.subject_type),
                f'"{time}Z"',
                known.name(new.type),
            )
        )
        for index, new, time, payload_text, salt in zip(
            indexes, events, times, payload_texts, salts, strict=True
        )
    ]
    frontier = {(level, index): bytes.fromhex(value) for level, index, value in head.frontier}
    grown = merkle.perfect_nodes_after_append(size, merkle.leaf_hashes(leaves), frontier)
    entries = merkle.hashes_by_last_leaf(grown, size, len(events))
    node_rows = list(zip(indexes, entries, strict=True))
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        stored_times = sqlite_texts(microseconds)  # as SQLAlchemy writes a DATETIME
        event_rows = [
            (
                index,
                time,
                new.actor_id,
                new.organization_id,
                new.scope_id,
                new.type,
                new.subject_type,
                new.subject_id,
                payload_text,
                salt,
                leaf,
            )
            for index, new, time, payload_text, salt, leaf in zip(
                indexes,
                events,
                stored_times,
                payload_texts,
                salts,
                leaves,
                strict=True,
            )
        ]
        statement = _driver_insert(dialect, Event.__table__, _EVENT_COLUMNS)
        connection.exec_driver_sql(statement, event_rows)
        statement = _driver_insert(dialect, MerkleNode.__table__, ("leaf_index", "hashes"))
        connection.exec_driver_sql(statement, node_rows)
    else:
        event_dicts = [
            {
                "leaf_index": index,
                "time": new.time,
                "actor_id": new.actor_id,
                "organization_id": new.organization_id,
                "scope_id": new.scope_id,
                "type": new.type,
                "subject_type": new.subject_type,
                "subject_id": new.subject_id,
                "payload": new.payload,
                "payload_salt": salt,
                "leaf": leaf,
            }
            for index, new, salt, leaf in zip(indexes, events, salts, leaves, strict=True)
        ]
        session.execute(insert(Event), event_dicts)
        session.execute(
            insert(MerkleNode), [{"leaf_index": leaf, "hashes": value} for leaf, value in node_rows]
        )
    head.size = size + len(events)
    head.frontier = [
        [level, index, value.hex()] for (level, index), value in grown.frontier.items()
    ]
    session.flush()
    return indexes


def log_size(session: Session) -> int:
    head = session.get(LogHead, 1)
    return head.size if head else 0


def current_root(session: Session) -> tuple[int, bytes]:
    head = session.get(LogHead, 1)
    if head is None:
        return 0, merkle.EMPTY_ROOT
    return head.size, merkle.root_from_frontier([bytes.fromhex(v) for _, _, v in head.frontier])


def sqlite_cursor(session: Session) -> Any | None:
    """A cursor of the driver's own, in the session's transaction, on SQLite; else None.

    For the hot paths (proofs, the audit) where SQLAlchemy's per-statement and
    per-row work costs more than SQLite's own.
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return None
    return connection.connection.driver_connection.cursor()


@functools.lru_cache(maxsize=256)
def _nodes_query(dialect: Dialect, count: int) -> str:
    """``SELECT leaf_index, hashes FROM merkle_nodes WHERE leaf_index IN (?, ...)``,
    compiled once per number of rows (a proof needs at most about 2 * log2(size))."""
    names = [f"p{number}" for number in range(count)]
    wanted = MerkleNode.leaf_index.in_([bindparam(name) for name in names])
    query = select(MerkleNode.leaf_index, MerkleNode.hashes).where(wanted)
    compiled = query.compile(dialect=dialect)
    if list(compiled.positiontup or []) != names:
        raise RuntimeError(f"unexpected parameters {compiled.positiontup}")
    return compiled.string


def _nodes(session: Session, refs: Sequence[merkle.NodeRef]) -> dict[merkle.NodeRef, bytes]:
    """Fetch stored nodes in one query; a node not stored is left out."""
    if not refs:
        return {}
    # Where each node is stored: the entry of its last leaf, at 32 bytes per level.
    leaves = [((index + 1) << level) - 1 for level, index in refs]
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        cursor = connection.connection.driver_connection.cursor()
        try:
            stored = dict(cursor.execute(_nodes_query(dialect, len(leaves)), leaves).fetchall())
        finally:
            cursor.close()
    else:
        query = select(MerkleNode.leaf_index, MerkleNode.hashes)
        stored = dict(list(session.execute(query.where(MerkleNode.leaf_index.in_(leaves)))))
    size = merkle.HASH_SIZE
    found = {
        ref: stored.get(leaf, b"")[ref[0] * size : ref[0] * size + size]
        for ref, leaf in zip(refs, leaves, strict=True)
    }
    if all(len(value) == size for value in found.values()):
        return found
    return {ref: value for ref, value in found.items() if len(value) == size}


def root_at(session: Session, size: int) -> bytes:
    return merkle.root_from_frontier(_ordered(session, merkle.frontier_nodes(size)))


def _ordered(session: Session, refs: Sequence[merkle.NodeRef]) -> list[bytes]:
    found = _nodes(session, refs)
    return [found[ref] for ref in refs]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    refs = merkle.inclusion_nodes(index, size)
    return merkle.inclusion_proof(index, size, _nodes(session, refs))


def consistency_proof(session: Session, old_size: int, new_size: int) -> list[bytes]:
    refs = merkle.consistency_nodes(old_size, new_size)
    return merkle.consistency_proof(old_size, new_size, _nodes(session, refs))


def leaf_hash_at(session: Session, index: int) -> bytes:
    return _ordered(session, [(0, index)])[0]
