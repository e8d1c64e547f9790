"""notification texts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:00:00.000000

A notification's title and body as texts with their values, so that each reader
reads them in their own language (older notifications keep their English only).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("notifications", sa.Column("texts", json, nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "texts")
