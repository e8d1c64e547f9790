"""engagements and suspension

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:30:00.000000

An assessor's request to assess a scope and its owner's answer (each
assessment from now on answers one accepted engagement; older ones answer
none), and the suspension of an attestation.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessor_organization_id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_organization_id"],
            ["organizations.id"],
            name=op.f("fk_engagements_assessor_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_engagements_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_engagements_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_engagements_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagements")),
    )
    op.create_index(
        op.f("ix_engagements_assessor_organization_id"),
        "engagements",
        ["assessor_organization_id"],
        unique=False,
    )
    op.create_index(op.f("ix_engagements_scope_id"), "engagements", ["scope_id"], unique=False)
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engagement_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_assessments_engagement_id"), ["engagement_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_engagement_id_engagements"),
            "engagements",
            ["engagement_id"],
            ["id"],
        )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspended_at", agilegov.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("suspension_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_assessments_engagement_id_engagements"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_assessments_engagement_id"), type_="unique")
        batch_op.drop_column("engagement_id")
    op.drop_index(op.f("ix_engagements_scope_id"), table_name="engagements")
    op.drop_index(op.f("ix_engagements_assessor_organization_id"), table_name="engagements")
    op.drop_table("engagements")
