"""The Merkle log in the database: appending events as leaves, reading proofs,
and auditing the whole log.

Appends are serialized by the ``log_head`` row: PostgreSQL locks it
(``SELECT … FOR UPDATE``) until the transaction ends, and SQLite transactions
begin ``IMMEDIATE`` (see ``db.py``). So leaf indexes are dense and in commit
order, and two writers can never fork the tree.
"""

import functools
import hashlib
import itertools
import operator
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, LargeBinary, Select, Table, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agilegov.record import merkle
from agilegov.record.canonical import canonical_json, canonical_text, utf8
from agilegov.record.models import Event, LogHead, MerkleNode

LEAF_VERSION = 1
_LEVEL_SHIFT = 48  # room for 2^48 leaves per level


def node_position(level: int, index: int) -> int:
    return (level << _LEVEL_SHIFT) | index


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
    return "sha256:" + hashlib.sha256(salt + canonical_json(payload)).hexdigest()


def timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    utc = moment.astimezone(UTC)
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
    """The RFC 8785 canonical JSON that the log hashes for one event.

    The same bytes as ``canonical_json(leaf_document(...))``, written with the
    members already in their canonical order (a few times faster, for batched
    appends): actor, index, organization, payload or payload_commitment, scope,
    subject {id, type}, time, type, v.
    """
    if salt is None:
        content = '"payload":' + canonical_text(payload)
    else:
        content = '"payload_commitment":' + canonical_text(commitment(payload, salt))
    return utf8(
        "".join(
            [
                '{"actor":',
                canonical_text(actor_id),
                ',"index":',
                canonical_text(index),
                ',"organization":',
                canonical_text(organization_id),
                ",",
                content,
                ',"scope":',
                canonical_text(scope_id),
                ',"subject":{"id":',
                canonical_text(subject_id),
                ',"type":',
                canonical_text(subject_type),
                '},"time":',
                canonical_text(timestamp(time)),
                ',"type":',
                canonical_text(type),
                ',"v":',
                canonical_text(LEAF_VERSION),
                "}",
            ]
        )
    )


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


@functools.lru_cache(maxsize=32)
def _driver_insert(
    dialect: Dialect, table: Table, names: tuple[str, ...]
) -> tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]:
    """The INSERT statement as the driver takes it, and each parameter's column and
    bind processor, in the statement's parameter order."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    order = compiled.positiontup or []
    if sorted(order) != sorted(names):
        raise RuntimeError(f"unexpected parameters {order} for {names}")
    parameters = []
    for name in order:
        impl = table.c[name].type.dialect_impl(dialect)
        # A blob's processor only wraps bytes in the driver's Binary (a memoryview),
        # which sqlite3 binds exactly as it binds the bytes themselves.
        binary = isinstance(impl, LargeBinary)
        parameters.append((name, None if binary else impl.bind_processor(dialect)))
    return compiled.string, parameters


def _insert_columns(session: Session, entity: Any, columns: dict[str, list[Any]]) -> None:
    """Insert one row per position of the column lists, in one ``executemany``.

    On SQLite the rows go straight to the driver: SQLAlchemy's per-row work
    (a parameter dict built and processed for each row) costs more than SQLite's
    own. Each value still goes through its column type's bind processor, so the
    stored values are exactly those of ``session.execute(insert(entity), rows)``,
    which the other databases keep using.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = tuple(columns)
    if dialect.name != "sqlite" or not dialect.positional:
        rows = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        session.execute(insert(entity), rows)
        return
    statement, parameters = _driver_insert(dialect, entity.__table__, names)
    values = [
        columns[name] if process is None else list(map(process, columns[name]))
        for name, process in parameters
    ]
    connection.exec_driver_sql(statement, list(zip(*values, strict=True)))


def append(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append events as leaves, with their tree nodes, in the caller's transaction.

    Returns their leaf indexes. Rows are written with one ``executemany`` per
    table, so a batch costs little more than its hashing and SQLite's own work.
    """
    if not events:
        return []
    head = _lock_head(session)
    size = head.size
    indexes = list(range(size, size + len(events)))
    salts = [secrets.token_bytes(32) if new.private else None for new in events]
    leaves = [
        leaf_bytes(
            index,
            new.time,
            new.type,
            new.subject_type,
            new.subject_id,
            new.actor_id,
            new.organization_id,
            new.scope_id,
            new.payload,
            salt,
        )
        for index, new, salt in zip(indexes, events, salts, strict=True)
    ]
    frontier = {(level, index): bytes.fromhex(value) for level, index, value in head.frontier}
    grown = merkle.perfect_nodes_after_append(size, merkle.leaf_hashes(leaves), frontier)
    _insert_columns(
        session,
        Event,
        {
            "leaf_index": indexes,
            "time": [new.time for new in events],
            "actor_id": [new.actor_id for new in events],
            "organization_id": [new.organization_id for new in events],
            "scope_id": [new.scope_id for new in events],
            "type": [new.type for new in events],
            "subject_type": [new.subject_type for new in events],
            "subject_id": [new.subject_id for new in events],
            "payload": [new.payload for new in events],
            "payload_salt": salts,
            "leaf": leaves,
        },
    )
    _insert_columns(
        session,
        MerkleNode,
        {
            "position": [level << _LEVEL_SHIFT | index for level, index, _ in grown.nodes],
            "hash": [value for _, _, value in grown.nodes],
        },
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


def _sqlite_cursor(session: Session) -> Any | None:
    """A cursor of the driver's own, in the session's transaction, on SQLite; else None.

    For the hot paths (batched inserts, proofs, the audit) where SQLAlchemy's
    per-statement and per-row work costs more than SQLite's own.
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return None
    return connection.connection.driver_connection.cursor()


@functools.lru_cache(maxsize=256)
def _nodes_query(dialect: Dialect, count: int) -> str:
    """``SELECT position, hash FROM merkle_nodes WHERE position IN (?, ...)``, compiled once
    per number of positions (a proof needs at most about 2 * log2(size))."""
    names = [f"p{number}" for number in range(count)]
    wanted = MerkleNode.position.in_([bindparam(name) for name in names])
    compiled = select(MerkleNode.position, MerkleNode.hash).where(wanted).compile(dialect=dialect)
    if list(compiled.positiontup or []) != names:
        raise RuntimeError(f"unexpected parameters {compiled.positiontup}")
    return compiled.string


def _nodes(session: Session, refs: Sequence[merkle.NodeRef]) -> dict[merkle.NodeRef, bytes]:
    """Fetch stored nodes in one query."""
    if not refs:
        return {}
    positions = {level << _LEVEL_SHIFT | index: (level, index) for level, index in refs}
    cursor = _sqlite_cursor(session)
    if cursor is None:
        rows = session.execute(
            select(MerkleNode.position, MerkleNode.hash).where(MerkleNode.position.in_(positions))
        )
    else:
        try:
            query = _nodes_query(session.get_bind().dialect, len(positions))
            rows = cursor.execute(query, list(positions)).fetchall()
        finally:
            cursor.close()
    return {positions[position]: value for position, value in rows}


def root_at(session: Session, size: int) -> bytes:
    return merkle.root_from_frontier(
        [node for node in _ordered(session, merkle.frontier_nodes(size))]
    )


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


# ---------------------------------------------------------------- audit


@dataclass(frozen=True)
class AuditResult:
    size: int
    root: bytes
    first_bad_index: int | None
    problem: str | None
    roots: dict[int, bytes]  # the root at each size asked for


def _plain_rows(session: Session, statement: Select[Any]) -> list[Any]:
    """The rows of a query whose columns need no result processing (integers, blobs).

    On SQLite they are the driver's own tuples: SQLAlchemy's row objects would
    cost about as much again as SQLite's read, which the audit does for every
    leaf and node.
    """
    cursor = _sqlite_cursor(session)
    if cursor is None:
        return list(session.execute(statement))
    try:
        compiled = statement.compile(dialect=session.get_bind().dialect)
        parameters = [compiled.params[name] for name in compiled.positiontup or []]
        return cursor.execute(compiled.string, parameters).fetchall()
    finally:
        cursor.close()


# Everything ``event_leaf`` reads, leaf index and stored leaf first.
_LEAF_FIELDS = (
    Event.leaf_index,
    Event.leaf,
    Event.time,
    Event.type,
    Event.subject_type,
    Event.subject_id,
    Event.actor_id,
    Event.organization_id,
    Event.scope_id,
    Event.payload,
    Event.payload_salt,
)


def _event_batches(
    session: Session, batch: int, below: int, check_content: bool
) -> Iterator[list[Any]]:
    """The events below leaf ``below`` in leaf order, ``batch`` at a time, as rows
    that start with (leaf_index, leaf); with ``check_content`` they also carry, by
    name, the fields their leaf is rebuilt from."""
    last = -1
    while True:
        page = Event.leaf_index > last, Event.leaf_index < below
        if check_content:
            query = select(*_LEAF_FIELDS).where(*page).order_by(Event.leaf_index).limit(batch)
            rows = list(session.execute(query))
        else:
            query = select(Event.leaf_index, Event.leaf).where(*page)
            rows = _plain_rows(session, query.order_by(Event.leaf_index).limit(batch))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _wrong_nodes(session: Session, nodes: Sequence[merkle.Node]) -> set[merkle.NodeRef]:
    """The nodes whose stored hash differs from the given one (or is missing).

    ``nodes`` are as :func:`merkle.perfect_nodes_after_append` gives them: by
    level, each level a run of consecutive indexes. Each level's stored run is
    read at once and, in the usual case, compared as a whole.
    """
    wrong: set[merkle.NodeRef] = set()
    for level, run in itertools.groupby(nodes, key=operator.itemgetter(0)):
        computed = list(run)
        low, high = node_position(level, computed[0][1]), node_position(level, computed[-1][1])
        in_run = MerkleNode.position.between(low, high)
        query = select(MerkleNode.hash).where(in_run).order_by(MerkleNode.position)
        hashes = [value for (value,) in _plain_rows(session, query)]
        if hashes == [value for _, _, value in computed]:
            continue  # as many unique positions as the run has: all there, all equal
        stored = dict(
            _plain_rows(session, select(MerkleNode.position, MerkleNode.hash).where(in_run))
        )
        wrong.update(
            (level, index)
            for _, index, value in computed
            if stored.get(node_position(level, index)) != value
        )
    return wrong


def _head(session: Session) -> tuple[int, list[bytes]]:
    """The head's size and frontier as committed (not a copy the session kept)."""
    row = session.execute(select(LogHead.size, LogHead.frontier).where(LogHead.id == 1)).first()
    if row is None:
        return 0, []
    return row.size, [bytes.fromhex(value) for _, _, value in row.frontier]


def audit(
    session: Session, sizes: Sequence[int] = (), check_content: bool = True, batch: int = 20_000
) -> AuditResult:
    """Recompute the whole log from the stored events and compare every leaf and node.

    With ``check_content`` each event's leaf is rebuilt from its fields (so a
    changed payload is caught); without it, the stored leaf bytes are trusted
    and only the tree is recomputed. Returns the first bad index, if any, and
    the roots at ``sizes`` (to compare with signed checkpoints).

    The head is read first and the leaves below its size are audited: an
    append commits its events, nodes and head together, so writers appending
    meanwhile change nothing audited. On PostgreSQL a session not yet in a
    transaction reads one snapshot (REPEATABLE READ) for the whole audit; an
    event beyond the head is bad unless the head has grown past it since.
    """
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head_size, head_frontier = _head(session)
    wanted = set(sizes)
    roots: dict[int, bytes] = {}
    if 0 in wanted:
        roots[0] = merkle.EMPTY_ROOT
    size = 0
    frontier: dict[merkle.NodeRef, bytes] = {}

    def bad(index: int, problem: str) -> AuditResult:
        return AuditResult(size, b"", index, problem, roots)

    for events in _event_batches(session, batch, head_size, check_content):
        problems: list[tuple[int, str]] = []
        # The events up to the first bad one, checked a whole batch at a time.
        good = len(events)
        found = [event[0] for event in events]
        if found != list(range(size, size + good)):
            good = next(o for o, leaf_index in enumerate(found) if leaf_index != size + o)
            index = size + good
            problems.append((index, f"leaf {index} is missing (found {found[good]})"))
        if check_content:
            for offset, event in enumerate(events[:good]):
                if event_leaf(event) != event.leaf:
                    index = size + offset
                    problems = [(index, f"event {index}: its fields do not give its stored leaf")]
                    good = offset
                    break
        leaf_hashes = merkle.leaf_hashes([event[1] for event in events[:good]])
        grown = merkle.perfect_nodes_after_append(size, leaf_hashes, frontier)
        wrong = _wrong_nodes(session, grown.nodes)
        # Above a wrong node every node is wrong: name those wrong in themselves.
        for level, index in wrong:
            if level and {(level - 1, 2 * index), (level - 1, 2 * index + 1)} & wrong:
                continue
            first = index << level
            problems.append(
                (
                    first,
                    f"tree node (level {level}, index {index}) over leaf "
                    f"{first} does not match the leaves",
                )
            )
        if problems:
            return bad(*min(problems))
        # Roots at the sizes asked for that fall inside this batch.
        for target in sorted(s for s in wanted if size < s <= size + len(events)):
            part = merkle.perfect_nodes_after_append(size, leaf_hashes[: target - size], frontier)
            roots[target] = merkle.root_from_frontier(list(part.frontier.values()))
        size += len(events)
        frontier = grown.frontier
    if head_size != size:
        return bad(size, f"the log's head says {head_size} leaves, found {size}")
    beyond = session.scalar(select(func.max(Event.leaf_index)).where(Event.leaf_index >= size))
    if beyond is not None and beyond >= _head(session)[0]:
        return bad(size, f"event {beyond} is beyond the log's head")
    root = merkle.root_from_frontier(list(frontier.values()))
    if merkle.root_from_frontier(head_frontier) != root:
        return bad(size, "the log's head does not match the leaves")
    return AuditResult(size, root, None, None, roots)
