"""Merkle nodes grouped by the leaf that completes them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:10:00.000000

One row per leaf instead of one per node: appends write half as many rows,
always at the end of the table, and an audit reads one row per leaf. The stored
hashes are carried over as they are, not recomputed, so a node that was wrong
before the upgrade is still wrong after it (and the audit still says so).
"""

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from agilegov.record.merkle import HASH_SIZE, last_leaf

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LEVEL_SHIFT = 48  # 0002's key: (level << 48) | index
_BATCH = 10_000
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_by_node = sa.table("merkle_nodes", sa.column("position"), sa.column("hash"))
_by_leaf = sa.table("merkle_nodes", sa.column("leaf_index"), sa.column("hashes"))


def _replace_table(key: str, value: str, rows: list[dict[str, Any]]) -> None:
    op.drop_table("merkle_nodes")
    op.create_table(
        "merkle_nodes",
        sa.Column(key, _Id, nullable=False),
        sa.Column(value, sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(key, name=op.f("pk_merkle_nodes")),
    )
    table = _by_leaf if key == "leaf_index" else _by_node
    for start in range(0, len(rows), _BATCH):
        op.get_bind().execute(table.insert(), rows[start : start + _BATCH])


def upgrade() -> None:
    levels: dict[int, dict[int, bytes]] = defaultdict(dict)
    for position, value in op.get_bind().execute(sa.select(_by_node.c.position, _by_node.c.hash)):
        level, index = position >> _LEVEL_SHIFT, position & ((1 << _LEVEL_SHIFT) - 1)
        levels[last_leaf((level, index))][level] = value
    rows = []
    for leaf, stored in sorted(levels.items()):
        # A leaf's entry is its nodes from level 0 up; a gap (a node missing
        # before the upgrade) ends it, so the nodes above it stay missing too.
        hashes: list[bytes] = []
        while len(hashes) in stored:
            hashes.append(stored[len(hashes)])
        rows.append({"leaf_index": leaf, "hashes": b"".join(hashes)})
    _replace_table("leaf_index", "hashes", rows)


def downgrade() -> None:
    rows = []
    for leaf, hashes in op.get_bind().execute(sa.select(_by_leaf.c.leaf_index, _by_leaf.c.hashes)):
        for level in range(len(hashes) // HASH_SIZE):
            position = (level << _LEVEL_SHIFT) | (leaf >> level)
            value = hashes[level * HASH_SIZE : (level + 1) * HASH_SIZE]
            rows.append({"position": position, "hash": value})
    _replace_table("position", "hash", rows)
