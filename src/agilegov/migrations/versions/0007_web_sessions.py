"""web sessions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:00:00.000000

Signed-in browsers of the web pages: the hash of each session cookie, when it
expires and when it was ended by signing out.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_web_sessions_session_hash")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
