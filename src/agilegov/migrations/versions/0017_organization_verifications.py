"""organization verifications

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:00:00.000000

Who vouches for which organization (and until when), the site's operator,
verifiers, each organization's verification challenge and its name's skeleton
(existing organizations get both here).
"""

import secrets

import sqlalchemy as sa
from alembic import op

import agilegov.db
from agilegov.organizations.names import name_key

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("site_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Filled below; the empty default only lets the columns be added to existing rows.
    op.add_column(
        "organizations",
        sa.Column("name_key", sa.String(length=200), nullable=False, server_default=""),
    )
    op.add_column(
        "organizations",
        sa.Column(
            "verification_challenge", sa.String(length=64), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "organizations",
        sa.Column("verified_until", agilegov.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "organizations",
        sa.Column("is_verifier", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    organizations = sa.table(
        "organizations",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("verification_challenge", sa.String()),
    )
    connection = op.get_bind()
    for id_, name in connection.execute(sa.select(organizations.c.id, organizations.c.name)):
        connection.execute(
            organizations.update()
            .where(organizations.c.id == id_)
            .values(name_key=name_key(name), verification_challenge=secrets.token_urlsafe(24))
        )
    op.create_index(op.f("ix_organizations_name_key"), "organizations", ["name_key"], unique=False)
    op.create_table(
        "organization_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("verified_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_verifications_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"],
            ["organizations.id"],
            name=op.f("fk_organization_verifications_verifier_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["users.id"],
            name=op.f("fk_organization_verifications_verified_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_verifications")),
    )
    op.create_index(
        op.f("ix_organization_verifications_organization_id"),
        "organization_verifications",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_organization_verifications_organization_id"),
        table_name="organization_verifications",
    )
    op.drop_table("organization_verifications")
    op.drop_index(op.f("ix_organizations_name_key"), table_name="organizations")
    for column in ("is_verifier", "verified_until", "verification_challenge", "name_key"):
        op.drop_column("organizations", column)
    op.drop_column("users", "site_admin")
