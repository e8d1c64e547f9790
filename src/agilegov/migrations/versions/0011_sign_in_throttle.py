"""sign-in throttle

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:00:00.000000

Failed sign-ins counted in the database, per account, per address and per
account from an address, so that every server process applies the same waits.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_in_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_sign_in_throttle")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
