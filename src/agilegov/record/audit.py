"""Auditing the whole log: every leaf rebuilt from its event, every stored node
recomputed from the leaves, the head and the signed roots compared.

The leaves are cut into aligned chunks of a power of two leaves. Every node
below a chunk's root lies inside the chunk, so chunks are audited on their own,
in separate processes when asked (each with its own read-only connection to the
same state), and their roots are then joined into the few nodes above them.
"""

import multiprocessing
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from agilegov.record import merkle
from agilegov.record.log import event_leaf, sqlite_cursor
from agilegov.record.models import Event, LogHead, MerkleNode

# Below this many leaves per chunk, starting processes costs more than it saves.
MIN_CHUNK = 1 << 16
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


@dataclass(frozen=True)
class AuditResult:
    size: int
    root: bytes
    first_bad_index: int | None
    problem: str | None
    roots: dict[int, bytes]  # the root at each size asked for


@dataclass(frozen=True)
class _Chunk:
    """What auditing leaves ``start .. stop - 1`` as a tree of their own found."""

    start: int
    stop: int
    frontier: list[bytes]  # the chunk tree's frontier hashes, left to right
    problem: tuple[int, str] | None  # the first bad index in the chunk, and why
    frontiers: dict[int, list[bytes]]  # the chunk tree's frontier at each size asked for


def _plain_rows(session: Session, statement: Select[Any]) -> list[Any]:
    """The rows of a query whose columns need no result processing (integers, blobs).

    On SQLite they are the driver's own tuples: SQLAlchemy's row objects would
    cost about as much again as SQLite's read, which the audit does for every
    leaf and node.
    """
    cursor = sqlite_cursor(session)
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


def _leaves(session: Session, low: int, high: int, check_content: bool) -> list[Any]:
    """The events of leaves ``low .. high - 1`` in leaf order: their stored leaves
    as 1-tuples, or with ``check_content`` rows of the fields the leaf is rebuilt
    from (stored leaf second). Leaf indexes are unique, so as many rows as
    leaves means none is missing."""
    in_range = Event.leaf_index >= low, Event.leaf_index < high
    if check_content:
        query = select(*_LEAF_FIELDS).where(*in_range).order_by(Event.leaf_index)
        return list(session.execute(query))
    return _plain_rows(session, select(Event.leaf).where(*in_range).order_by(Event.leaf_index))


def _first_missing(session: Session, low: int, high: int) -> tuple[int, str]:
    query = select(Event.leaf_index).where(Event.leaf_index >= low, Event.leaf_index < high)
    found = [index for (index,) in _plain_rows(session, query.order_by(Event.leaf_index))]
    missing = next((low + o for o, index in enumerate(found) if index != low + o), None)
    if missing is None:
        missing = low + len(found)
    return missing, f"leaf {missing} is missing"


def _stored_entries(session: Session, low: int, high: int) -> list[bytes]:
    """The stored node entries of leaves ``low .. high - 1``, in leaf order."""
    in_range = MerkleNode.leaf_index >= low, MerkleNode.leaf_index < high
    query = select(MerkleNode.hashes).where(*in_range).order_by(MerkleNode.leaf_index)
    return [entry for (entry,) in _plain_rows(session, query)]


def _stored_hashes(session: Session, first: int, last: int) -> dict[int, bytes]:
    """The stored node entries of leaves ``first .. last``, by leaf."""
    query = select(MerkleNode.leaf_index, MerkleNode.hashes)
    query = query.where(MerkleNode.leaf_index.between(first, last)).order_by(MerkleNode.leaf_index)
    return dict(_plain_rows(session, query))


def _entry_length(leaf: int) -> int:
    """The bytes of a leaf's node entry: its leaf hash and one node per trailing one bit."""
    trailing_ones = (leaf ^ (leaf + 1)).bit_length() - 1
    return merkle.HASH_SIZE * (trailing_ones + 1)


def _wrong_in_entry(leaf: int, stored: bytes, expected: bytes) -> set[merkle.NodeRef]:
    """The nodes of a leaf's entry whose stored hash differs from the expected one."""
    size = merkle.HASH_SIZE
    return {
        (level, leaf >> level)
        for level in range(len(expected) // size)
        if stored[level * size : (level + 1) * size] != expected[level * size : (level + 1) * size]
    }


def _first_problems(wrong: set[merkle.NodeRef]) -> list[tuple[int, str]]:
    """Above a wrong node every node is wrong: name those wrong in themselves."""
    problems = []
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
    return problems


def _audit_chunk(
    session: Session,
    start: int,
    stop: int,
    sizes: Sequence[int],
    check_content: bool,
    batch: int,
    shared_last_leaf: bool,
) -> _Chunk:
    """Audit leaves ``start .. stop - 1`` as a tree of their own.

    ``start`` must be a multiple of a power of two not smaller than the chunk,
    so that the chunk tree's nodes are the log's nodes. With
    ``shared_last_leaf`` the chunk's last leaf also completes nodes above the
    chunk: only the part of its entry below those is checked here.
    """
    frontier: dict[merkle.NodeRef, bytes] = {}  # of the chunk tree
    frontiers: dict[int, list[bytes]] = {}
    wanted = sorted(s for s in set(sizes) if start < s <= stop)
    leaf_at = 1 if check_content else 0  # where a row holds its stored leaf

    def result(problem: tuple[int, str] | None) -> _Chunk:
        return _Chunk(start, stop, list(frontier.values()), problem, frontiers)

    for low in range(start, stop, batch):
        high = min(low + batch, stop)
        events = _leaves(session, low, high, check_content)
        problems: list[tuple[int, str]] = []
        good = len(events)  # the events up to the first bad one
        if good != high - low:
            problems.append(_first_missing(session, low, high))
            good = problems[0][0] - low
        if check_content:
            for offset, event in enumerate(events[:good]):
                if event_leaf(event) != event.leaf:
                    index = low + offset
                    problems = [(index, f"event {index}: its fields do not give its stored leaf")]
                    good = offset
                    break
        leaf_hashes = merkle.leaf_hashes([event[leaf_at] for event in events[:good]])
        grown = merkle.perfect_nodes_after_append(low - start, leaf_hashes, frontier)
        expected = merkle.hashes_by_last_leaf(grown, low - start, good)
        stored = _stored_entries(session, low, low + good) if good else []
        if shared_last_leaf and low + good == stop and len(stored) == good:
            # The nodes above the chunk are checked where the chunks are joined.
            stored[-1] = stored[-1][: len(expected[-1])]
        if stored != expected:
            by_leaf = _stored_hashes(session, low, low + good - 1)
            wrong: set[merkle.NodeRef] = set()
            for leaf, entry in enumerate(expected, start=low):
                have = by_leaf.get(leaf, b"")
                if shared_last_leaf and leaf == stop - 1:
                    have = have[: len(entry)]
                if have == entry:
                    continue
                wrong |= _wrong_in_entry(leaf, have, entry)
                if len(have) > len(entry):
                    problems.append((leaf, f"the nodes stored for leaf {leaf} have extra bytes"))
            problems += _first_problems(wrong)
        if problems:
            return result(min(problems))
        for target in wanted:
            if low < target <= high:
                part = merkle.perfect_nodes_after_append(
                    low - start, leaf_hashes[: target - low], frontier
                )
                frontiers[target] = list(part.frontier.values())
        frontier = grown.frontier
    return result(None)


def _head(session: Session) -> tuple[int, list[bytes]]:
    """The head's size and frontier as committed (not a copy the session kept)."""
    row = session.execute(select(LogHead.size, LogHead.frontier).where(LogHead.id == 1)).first()
    if row is None:
        return 0, []
    return row.size, [bytes.fromhex(value) for _, _, value in row.frontier]


def _chunk_length(size: int, workers: int, min_chunk: int) -> int:
    """Leaves per chunk, a power of two: a few chunks for each worker, or one
    chunk holding the whole log when one process will do."""
    if workers <= 1 or size < 2 * min_chunk:
        per_chunk = max(size, 1)
    else:
        per_chunk = max(-(-size // (4 * workers)), min_chunk)
    return 1 << (per_chunk - 1).bit_length()


def _audit_chunk_in_process(
    url: str,
    snapshot: str | None,
    start: int,
    stop: int,
    sizes: Sequence[int],
    check_content: bool,
    batch: int,
    shared_last_leaf: bool,
) -> _Chunk:
    """One worker's chunk, on its own read-only connection (on PostgreSQL, in the
    snapshot the auditing transaction exported, so all workers read one state)."""
    from agilegov.db import make_engine

    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as session:
            if snapshot is not None:
                from psycopg import sql

                statement = sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot))
                driver = session.connection().connection.driver_connection
                with driver.cursor() as cursor:
                    cursor.execute(statement)
            return _audit_chunk(session, start, stop, sizes, check_content, batch, shared_last_leaf)
    finally:
        engine.dispose()


def _audit_chunks(
    session: Session,
    ranges: Sequence[tuple[int, int]],
    chunk: int,
    sizes: Sequence[int],
    check_content: bool,
    batch: int,
    workers: int,
) -> list[_Chunk]:
    shared = [stop - start == chunk and len(ranges) > 1 for start, stop in ranges]
    bind = session.get_bind()
    url = bind.url
    if workers <= 1 or len(ranges) == 1 or url.database in (None, "", ":memory:"):
        return [
            _audit_chunk(session, start, stop, sizes, check_content, batch, last)
            for (start, stop), last in zip(ranges, shared, strict=True)
        ]
    snapshot = None
    if bind.dialect.name == "postgresql":
        snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
        if not isinstance(snapshot, str) or not _SNAPSHOT_ID.match(snapshot):
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    # Forked workers start at once with everything imported; they never touch
    # the parent's connections and leave without closing them.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(
                _audit_chunk_in_process,
                url.render_as_string(hide_password=False),
                snapshot,
                start,
                stop,
                sizes,
                check_content,
                batch,
                last,
            )
            for (start, stop), last in zip(ranges, shared, strict=True)
        ]
        return [future.result() for future in futures]


def _join_chunks(
    session: Session, chunks: Sequence[_Chunk], chunk: int
) -> tuple[list[tuple[int, str]], merkle.Appended]:
    """Check the nodes above the chunks, from the roots of the whole ones.

    Returns the problems found there and the tree of chunk roots (its level 0
    is the log's level ``log2(chunk)``).
    """
    bad = {number for number, part in enumerate(chunks) if part.problem is not None}
    whole = [part for part in chunks if part.stop - part.start == chunk]
    roots = [
        merkle.EMPTY_ROOT if number in bad else part.frontier[0]
        for number, part in enumerate(whole)
    ]
    above = merkle.perfect_nodes_after_append(0, roots, {})
    if len(whole) < 2:
        return [], above
    shift = chunk.bit_length() - 1
    last_leaves = [part.stop - 1 for part in whole]
    stored = {leaf: _stored_hashes(session, leaf, leaf).get(leaf, b"") for leaf in last_leaves}
    problems = [
        (leaf, f"the nodes stored for leaf {leaf} have extra bytes")
        for leaf in last_leaves
        if len(stored[leaf]) > _entry_length(leaf)
    ]
    wrong: set[merkle.NodeRef] = set()
    for level, first, hashes in above.runs[1:]:
        for index, value in enumerate(hashes, start=first):
            under = range(index << level, (index + 1) << level)  # chunk numbers
            if bad.intersection(under):
                continue  # the chunk names its own problem
            ref = (level + shift, index)
            offset = ref[0] * merkle.HASH_SIZE
            entry = stored[merkle.last_leaf(ref)]
            if entry[offset : offset + merkle.HASH_SIZE] != value:
                wrong.add(ref)
    return problems + _first_problems(wrong), above


def audit(
    session: Session,
    sizes: Sequence[int] = (),
    check_content: bool = True,
    batch: int = 20_000,
    workers: int = 1,
    min_chunk: int = MIN_CHUNK,
) -> AuditResult:
    """Recompute the whole log from the stored events and compare every leaf and node.

    With ``check_content`` each event's leaf is rebuilt from its fields (so a
    changed payload is caught); without it, the stored leaf bytes are trusted
    and only the tree is recomputed. Returns the first bad index, if any, and
    the roots at ``sizes`` (to compare with signed checkpoints). With
    ``workers`` above 1, a log of at least ``2 * min_chunk`` leaves is audited
    by that many processes at once.

    The head is read first and the leaves below its size are audited: an
    append commits its events, nodes and head together, so writers appending
    meanwhile change nothing audited. On PostgreSQL a session not yet in a
    transaction reads one snapshot (REPEATABLE READ) for the whole audit, which
    its workers share; an event beyond the head is bad unless the head has
    grown past it since.
    """
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head_size, head_frontier = _head(session)
    chunk = _chunk_length(head_size, workers, min_chunk)
    ranges = [(start, min(start + chunk, head_size)) for start in range(0, head_size, chunk)]
    chunks = _audit_chunks(session, ranges, chunk, sizes, check_content, batch, workers)
    joined, above = _join_chunks(session, chunks, chunk)
    problems = joined + [part.problem for part in chunks if part.problem is not None]
    if problems:
        index, problem = min(problems)
        return AuditResult(index, b"", index, problem, {})

    def upper(count: int) -> list[bytes]:
        """The frontier of the first ``count`` whole chunks (levels above a chunk)."""
        prefix = merkle.perfect_nodes_after_append(0, [c.frontier[0] for c in chunks[:count]], {})
        return list(prefix.frontier.values())

    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    for number, part in enumerate(chunks):
        for target, pieces in part.frontiers.items():
            roots[target] = merkle.root_from_frontier(upper(number) + pieces)
    frontier = list(above.frontier.values())
    if chunks and chunks[-1].stop - chunks[-1].start != chunk:
        frontier = upper(len(chunks) - 1) + chunks[-1].frontier
    root = merkle.root_from_frontier(frontier)
    beyond = session.scalar(select(func.max(Event.leaf_index)).where(Event.leaf_index >= head_size))
    if beyond is not None and beyond >= _head(session)[0]:
        problem = f"event {beyond} is beyond the log's head"
        return AuditResult(head_size, b"", head_size, problem, {})
    if merkle.root_from_frontier(head_frontier) != root:
        problem = "the log's head does not match the leaves"
        return AuditResult(head_size, b"", head_size, problem, {})
    return AuditResult(head_size, root, None, None, roots)
