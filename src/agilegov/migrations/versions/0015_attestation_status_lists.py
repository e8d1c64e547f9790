"""attestation status lists

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:00:00.000000

Each attestation's position in its issuer's Bitstring Status Lists, unique per
issuer (older attestations have none and are reported as without status).
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_list_index", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_attestations_issuer_status_list_index",
            ["issuer_did", "status_list_index"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index("ix_attestations_issuer_status_list_index")
        batch_op.drop_column("status_list_index")
