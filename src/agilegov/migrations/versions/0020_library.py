"""framework library

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 07:00:00.000000

Frameworks, their versions, each version's requirement tree, and mapping sets
between versions.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, agilegov.db.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=True),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
        sa.UniqueConstraint("key", name=op.f("uq_frameworks_key")),
    )
    op.create_table(
        "framework_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        _when("imported_at"),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_framework_versions_framework_id_frameworks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_versions")),
        sa.UniqueConstraint(
            "framework_id", "version", name=op.f("uq_framework_versions_framework_id")
        ),
    )
    op.create_index(
        op.f("ix_framework_versions_framework_id"), "framework_versions", ["framework_id"]
    )
    op.create_table(
        "requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("ref_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assessable", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["requirements.id"], name=op.f("fk_requirements_parent_id_requirements")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["framework_versions.id"],
            name=op.f("fk_requirements_version_id_framework_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirements")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_requirements_version_id")),
    )
    op.create_index(op.f("ix_requirements_parent_id"), "requirements", ["parent_id"])
    op.create_index(op.f("ix_requirements_version_id"), "requirements", ["version_id"])
    op.create_table(
        "mapping_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("source_version_id", sa.Integer(), nullable=False),
        sa.Column("target_version_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        _when("imported_at"),
        sa.ForeignKeyConstraint(
            ["source_version_id"],
            ["framework_versions.id"],
            name=op.f("fk_mapping_sets_source_version_id_framework_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["target_version_id"],
            ["framework_versions.id"],
            name=op.f("fk_mapping_sets_target_version_id_framework_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_sets")),
        sa.UniqueConstraint("key", name=op.f("uq_mapping_sets_key")),
    )
    op.create_index(
        op.f("ix_mapping_sets_source_version_id"), "mapping_sets", ["source_version_id"]
    )
    op.create_index(
        op.f("ix_mapping_sets_target_version_id"), "mapping_sets", ["target_version_id"]
    )
    op.create_table(
        "requirement_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping_set_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_set_id"],
            ["mapping_sets.id"],
            name=op.f("fk_requirement_mappings_mapping_set_id_mapping_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["requirements.id"],
            name=op.f("fk_requirement_mappings_source_id_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["requirements.id"],
            name=op.f("fk_requirement_mappings_target_id_requirements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_mappings")),
    )
    for column in ("mapping_set_id", "source_id", "target_id"):
        op.create_index(op.f(f"ix_requirement_mappings_{column}"), "requirement_mappings", [column])


def downgrade() -> None:
    op.drop_table("requirement_mappings")
    op.drop_table("mapping_sets")
    op.drop_table("requirements")
    op.drop_table("framework_versions")
    op.drop_table("frameworks")
