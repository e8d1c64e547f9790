"""verifiable record: events become leaves of a Merkle log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:38:13.433805
"""

import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import agilegov.db
from agilegov.record import merkle
from agilegov.record.log import leaf_bytes
from agilegov.record.models import APPEND_ONLY_POSTGRESQL, APPEND_ONLY_SQLITE

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _position(level: int, index: int) -> int:
    """This revision's node key: (level, index) in one integer (0004 regroups nodes by leaf)."""
    return (level << 48) | index


# The events recorded before this revision, in id order, become leaves 0..n-1.
_PRIVATE_SUBJECTS = ("user", "api_token", "membership")


def _drop_append_only(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update_or_delete ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")


def _backfill(connection: sa.Connection) -> None:
    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("time", agilegov.db.UTCDateTime()),
        sa.column("type"),
        sa.column("subject_type"),
        sa.column("subject_id"),
        sa.column("actor_id"),
        sa.column("organization_id"),
        sa.column("scope_id"),
        sa.column("payload", agilegov.db.JSONType),
        sa.column("leaf_index"),
        sa.column("payload_salt"),
        sa.column("leaf"),
    )
    public = {
        row.id
        for row in connection.execute(sa.text("SELECT id FROM scopes WHERE visibility = 'public'"))
    }
    rows = connection.execute(sa.select(events).order_by(events.c.id)).all()
    leaf_hashes = []
    for index, row in enumerate(rows):
        private = (
            row.scope_id not in public
            if row.scope_id is not None
            else row.subject_type in _PRIVATE_SUBJECTS
        )
        salt = secrets.token_bytes(32) if private else None
        leaf = leaf_bytes(
            index,
            row.time,
            row.type,
            row.subject_type,
            row.subject_id,
            row.actor_id,
            row.organization_id,
            row.scope_id,
            row.payload,
            salt,
        )
        leaf_hashes.append(merkle.leaf_hash(leaf))
        connection.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(leaf_index=index, payload_salt=salt, leaf=leaf)
        )
    grown = merkle.perfect_nodes_after_append(0, leaf_hashes, {})
    if grown.nodes:
        connection.execute(
            sa.table("merkle_nodes", sa.column("position"), sa.column("hash")).insert(),
            [{"position": _position(level, i), "hash": h} for level, i, h in grown.nodes],
        )
    connection.execute(
        sa.table(
            "log_head",
            sa.column("id"),
            sa.column("size"),
            sa.column("frontier", agilegov.db.JSONType),
        ).insert(),
        [
            {
                "id": 1,
                "size": len(rows),
                "frontier": [[level, i, h.hex()] for (level, i), h in grown.frontier.items()],
            }
        ],
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("size", name=op.f("uq_checkpoints_size")),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "frontier",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_merkle_nodes")),
    )
    _drop_append_only(dialect)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("payload_salt", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("leaf", sa.LargeBinary(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("leaf_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("leaf", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_events_leaf_index"), ["leaf_index"])
    for statement in APPEND_ONLY_SQLITE if dialect == "sqlite" else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_append_only(dialect)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_events_leaf_index"), type_="unique")
        batch_op.drop_column("leaf")
        batch_op.drop_column("payload_salt")
        batch_op.drop_column("leaf_index")
    for statement in APPEND_ONLY_SQLITE if dialect == "sqlite" else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)
    op.drop_table("merkle_nodes")
    op.drop_table("log_head")
    op.drop_table("checkpoints")
