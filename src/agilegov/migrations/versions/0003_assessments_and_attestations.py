"""assessments and attestations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:46:53.371581
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import agilegov.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessor_organization_id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column(
            "criteria",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_organization_id"],
            ["organizations.id"],
            name=op.f("fk_assessments_assessor_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_assessments_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_assessor_organization_id"),
            ["assessor_organization_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_assessments_scope_id"), ["scope_id"], unique=False)

    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "credential",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("credential_sha256", sa.String(length=64), nullable=False),
        sa.Column("issuer_did", sa.String(length=200), nullable=False),
        sa.Column("valid_from", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_attestations_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attestations_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_assessment_id"))

    op.drop_table("attestations")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_scope_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_assessor_organization_id"))

    op.drop_table("assessments")
