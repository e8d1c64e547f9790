"""participants always clustered

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:40:00.000000

A consultation's participants kept in its opinion map's clustering whatever
their votes: those Pol.is had clustered in an imported conversation (Pol.is
never lets a participant out of its clustering once in).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_participants") as batch:
        batch.add_column(
            sa.Column("always_clustered", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation_participants") as batch:
        batch.drop_column("always_clustered")
