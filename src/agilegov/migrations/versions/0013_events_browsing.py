"""events browsing

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:00:00.000000

The record is browsed newest first, by event type and by who acted: an index
for each (the scope's and the organization's exist).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_actor_id_id", "events", ["actor_id", "id"])
    op.create_index("ix_events_type_id", "events", ["type", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_type_id", table_name="events")
    op.drop_index("ix_events_actor_id_id", table_name="events")
