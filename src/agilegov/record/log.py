"""The Merkle log in the database: appending events as leaves, reading proofs,
and auditing the whole log.

Appends are serialized by the ``log_head`` row: PostgreSQL locks it
(``SELECT … FOR UPDATE``) until the transaction ends, and SQLite transactions
begin ``IMMEDIATE`` (see ``db.py``). So leaf indexes are dense and in commit
order, and two writers can never fork the tree.
"""

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agilegov.record import merkle
from agilegov.record.canonical import canonical_json
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
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    """The RFC 8785 canonical JSON that the log hashes for one event."""
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
    return canonical_json(document)


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


def append(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append events as leaves, with their tree nodes, in the caller's transaction.

    Returns their leaf indexes. Rows are written with one multi-row insert per
    table, so a batch costs little more than its hashing.
    """
    if not events:
        return []
    head = _lock_head(session)
    size = head.size
    rows = []
    leaf_hashes = []
    for offset, new in enumerate(events):
        index = size + offset
        salt = secrets.token_bytes(32) if new.private else None
        leaf = leaf_bytes(
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
        leaf_hashes.append(merkle.leaf_hash(leaf))
        rows.append(
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
        )
    frontier = {(level, index): bytes.fromhex(value) for level, index, value in head.frontier}
    grown = merkle.perfect_nodes_after_append(size, leaf_hashes, frontier)
    session.execute(insert(Event), rows)
    session.execute(
        insert(MerkleNode),
        [
            {"position": node_position(level, index), "hash": value}
            for level, index, value in grown.nodes
        ],
    )
    head.size = size + len(events)
    head.frontier = [
        [level, index, value.hex()] for (level, index), value in grown.frontier.items()
    ]
    session.flush()
    return [size + offset for offset in range(len(events))]


def log_size(session: Session) -> int:
    head = session.get(LogHead, 1)
    return head.size if head else 0


def current_root(session: Session) -> tuple[int, bytes]:
    head = session.get(LogHead, 1)
    if head is None:
        return 0, merkle.EMPTY_ROOT
    return head.size, merkle.root_from_frontier([bytes.fromhex(v) for _, _, v in head.frontier])


def _nodes(session: Session, refs: Sequence[merkle.NodeRef]) -> dict[merkle.NodeRef, bytes]:
    """Fetch stored nodes in one query."""
    if not refs:
        return {}
    positions = {node_position(level, index): (level, index) for level, index in refs}
    rows = session.execute(
        select(MerkleNode.position, MerkleNode.hash).where(MerkleNode.position.in_(positions))
    )
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


def _event_batches(session: Session, batch: int) -> Iterator[list[Event]]:
    last = -1
    while True:
        rows = list(
            session.scalars(
                select(Event).where(Event.leaf_index > last).order_by(Event.leaf_index).limit(batch)
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1].leaf_index


def _stored_nodes(session: Session, nodes: Sequence[merkle.Node]) -> dict[int, bytes]:
    """The stored hashes of these nodes, reading each level's range at once."""
    by_level: dict[int, list[int]] = {}
    for level, index, _ in nodes:
        by_level.setdefault(level, []).append(index)
    stored: dict[int, bytes] = {}
    for level, indexes in by_level.items():
        low, high = node_position(level, min(indexes)), node_position(level, max(indexes))
        rows = session.execute(
            select(MerkleNode.position, MerkleNode.hash).where(
                MerkleNode.position.between(low, high)
            )
        )
        stored.update((position, value) for position, value in rows)
    return stored


def audit(
    session: Session, sizes: Sequence[int] = (), check_content: bool = True, batch: int = 20_000
) -> AuditResult:
    """Recompute the whole log from the stored events and compare every leaf and node.

    With ``check_content`` each event's leaf is rebuilt from its fields (so a
    changed payload is caught); without it, the stored leaf bytes are trusted
    and only the tree is recomputed. Returns the first bad index, if any, and
    the roots at ``sizes`` (to compare with signed checkpoints).
    """
    wanted = set(sizes)
    roots: dict[int, bytes] = {}
    if 0 in wanted:
        roots[0] = merkle.EMPTY_ROOT
    size = 0
    frontier: dict[merkle.NodeRef, bytes] = {}

    def bad(index: int, problem: str) -> AuditResult:
        return AuditResult(size, b"", index, problem, roots)

    for events in _event_batches(session, batch):
        leaf_hashes = []
        for offset, event in enumerate(events):
            index = size + offset
            if event.leaf_index != index:
                return bad(index, f"leaf {index} is missing (found {event.leaf_index})")
            if check_content and event_leaf(event) != event.leaf:
                return bad(index, f"event {index}: its fields do not give its stored leaf")
            leaf_hashes.append(merkle.leaf_hash(event.leaf))
        grown = merkle.perfect_nodes_after_append(size, leaf_hashes, frontier)
        stored = _stored_nodes(session, grown.nodes)
        for level, index, value in grown.nodes:
            if stored.get(node_position(level, index)) != value:
                first = index << level
                return bad(
                    first,
                    f"tree node (level {level}, index {index}) over leaf "
                    f"{first} does not match the leaves",
                )
        # Roots at the sizes asked for that fall inside this batch.
        for target in sorted(s for s in wanted if size < s <= size + len(events)):
            part = merkle.perfect_nodes_after_append(size, leaf_hashes[: target - size], frontier)
            roots[target] = merkle.root_from_frontier(list(part.frontier.values()))
        size += len(events)
        frontier = grown.frontier
    head = session.get(LogHead, 1)
    if (head.size if head else 0) != size:
        return bad(size, f"the log's head says {head.size if head else 0} leaves, found {size}")
    root = merkle.root_from_frontier(list(frontier.values()))
    head_root = (
        merkle.root_from_frontier([bytes.fromhex(v) for _, _, v in head.frontier])
        if head
        else merkle.EMPTY_ROOT
    )
    if head_root != root:
        return bad(size, "the log's head does not match the leaves")
    return AuditResult(size, root, None, None, roots)
