"""library: names in other languages, and dated obligations

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00.000000

A version's and a requirement's name and description in other languages, and
the date from which a requirement binds.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("framework_versions") as batch:
        batch.add_column(
            sa.Column("translations", agilegov.db.JSONType, nullable=False, server_default="{}")
        )
    with op.batch_alter_table("requirements") as batch:
        batch.add_column(sa.Column("applies_from", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("translations", agilegov.db.JSONType, nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("requirements") as batch:
        batch.drop_column("translations")
        batch.drop_column("applies_from")
    with op.batch_alter_table("framework_versions") as batch:
        batch.drop_column("translations")
