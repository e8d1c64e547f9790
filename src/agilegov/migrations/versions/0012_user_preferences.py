"""user preferences

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:00:00.000000

The language and time zone a person reads pages in (none: chosen by the browser
and the site's default).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# Columns added and dropped in place (SQLite 3.35 and later drop them too): a
# copy of the users table would break the tables that refer to it.
def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("users", sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "time_zone")
    op.drop_column("users", "language")
