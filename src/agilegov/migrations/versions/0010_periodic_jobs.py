"""periodic jobs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:50:00.000000

When each periodic job of the servers is next due and who ran it last, so that
of several server processes on one database one runs each job when it is due.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "periodic_jobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("next_due_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_started_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("run_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_jobs")),
    )


def downgrade() -> None:
    op.drop_table("periodic_jobs")
