"""trust anchors

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:30:00.000000

Accreditation bodies, their schemes, accreditations of assessors' keys with
their history, and the published versions of the signed trust list.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, agilegov.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accreditation_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        _when("appointed_at"),
        sa.Column("appointed_by", sa.Integer(), nullable=True),
        _when("ended_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["appointed_by"], ["users.id"], name=op.f("fk_accreditation_bodies_appointed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_accreditation_bodies_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_bodies")),
        sa.UniqueConstraint(
            "organization_id", name=op.f("uq_accreditation_bodies_organization_id")
        ),
    )
    op.create_table(
        "accreditation_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("accreditation_body_id", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["accreditation_body_id"],
            ["organizations.id"],
            name=op.f("fk_accreditation_schemes_accreditation_body_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_schemes")),
        sa.UniqueConstraint("slug", name=op.f("uq_accreditation_schemes_slug")),
    )
    op.create_index(
        op.f("ix_accreditation_schemes_accreditation_body_id"),
        "accreditation_schemes",
        ["accreditation_body_id"],
    )
    op.create_table(
        "accreditations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("assessor_organization_id", sa.Integer(), nullable=False),
        sa.Column("issuer_did", sa.String(length=200), nullable=False),
        _when("valid_from"),
        _when("valid_until"),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("status_since"),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["assessor_organization_id"],
            ["organizations.id"],
            name=op.f("fk_accreditations_assessor_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["accreditation_schemes.id"],
            name=op.f("fk_accreditations_scheme_id_accreditation_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditations")),
    )
    for column in ("assessor_organization_id", "issuer_did", "scheme_id"):
        op.create_index(op.f(f"ix_accreditations_{column}"), "accreditations", [column])
    op.create_table(
        "accreditation_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accreditation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("since"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accreditation_id"],
            ["accreditations.id"],
            name=op.f("fk_accreditation_changes_accreditation_id_accreditations"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_accreditation_changes_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_changes")),
    )
    op.create_index(
        op.f("ix_accreditation_changes_accreditation_id"),
        "accreditation_changes",
        ["accreditation_id"],
    )
    op.create_table(
        "trust_list_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", agilegov.db.JSONType, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _when("published_at"),
        _when("valid_until"),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_trust_list_versions")),
    )
    with op.batch_alter_table("assessments") as table:
        table.add_column(sa.Column("scheme_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            op.f("fk_assessments_scheme_id_accreditation_schemes"),
            "accreditation_schemes",
            ["scheme_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments") as table:
        table.drop_constraint(
            op.f("fk_assessments_scheme_id_accreditation_schemes"), type_="foreignkey"
        )
        table.drop_column("scheme_id")
    op.drop_table("trust_list_versions")
    op.drop_index(op.f("ix_accreditation_changes_accreditation_id"), "accreditation_changes")
    op.drop_table("accreditation_changes")
    for column in ("assessor_organization_id", "issuer_did", "scheme_id"):
        op.drop_index(op.f(f"ix_accreditations_{column}"), "accreditations")
    op.drop_table("accreditations")
    op.drop_index(op.f("ix_accreditation_schemes_accreditation_body_id"), "accreditation_schemes")
    op.drop_table("accreditation_schemes")
    op.drop_table("accreditation_bodies")
