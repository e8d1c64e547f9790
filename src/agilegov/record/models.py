"""The record: the append-only events table and the Merkle tree over it."""

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, BigInteger, ForeignKey, Index, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from agilegov.db import Base, BigId, JSONType, UTCDateTime


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The event's position in the log (0-based): leaf ``leaf_index`` of the tree.
    leaf_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id"))
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Set when the payload is private: the leaf then holds only a commitment,
    # SHA-256(salt || canonical payload), and the salt stays here with the data.
    payload_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The exact bytes hashed into the tree (RFC 8785 canonical JSON).
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    # The scope's name, where a list's query asks for it.
    scope_name: Mapped[str | None] = query_expression()

    # Each lets the record be browsed newest first by what it is filtered on.
    __table_args__ = (
        Index("ix_events_scope_id_id", "scope_id", "id"),
        Index("ix_events_organization_id_id", "organization_id", "id"),
        Index("ix_events_actor_id_id", "actor_id", "id"),
        Index("ix_events_type_id", "type", "id"),
    )


class MerkleNode(Base):
    """The hash of every complete subtree, so any proof reads O(log n) rows.

    One row per leaf, written with it: ``hashes`` holds the nodes that leaf
    completes, lowest level first (see ``merkle.hashes_by_last_leaf``): its leaf
    hash, then one more node for each trailing one bit of ``leaf_index``. Rows
    are only ever added at the end, in leaf order.
    """

    __tablename__ = "merkle_nodes"

    leaf_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class LogHead(Base):
    """The log's size and right edge; its row is the lock that serializes appends."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    # The frontier: [[level, index, hex hash], ...], left to right.
    frontier: Mapped[list[list[Any]]] = mapped_column(JSONType)


class Checkpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) once published."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The table refuses UPDATE and DELETE at the database itself, so no code path
# (nor a stray SQL session) can rewrite history.
APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
]
APPEND_ONLY_POSTGRESQL = [
    """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'events are append-only'; END $$""",
    """CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
]

for _statement in APPEND_ONLY_SQLITE:
    event.listen(Event.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(Event.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
