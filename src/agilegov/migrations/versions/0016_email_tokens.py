"""e-mail tokens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:00:00.000000

Single-use, expiring links sent by e-mail (only their hashes), and when each
person's address was verified (accounts made before are taken as verified: an
operator made them).
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("email_verified_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
    )
    users = sa.table(
        "users",
        sa.column("created_at", agilegov.db.UTCDateTime(timezone=True)),
        sa.column("email_verified_at", agilegov.db.UTCDateTime(timezone=True)),
    )
    op.execute(users.update().values(email_verified_at=users.c.created_at))
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("new_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_email_tokens_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_tokens_token_hash")),
    )
    op.create_index(op.f("ix_email_tokens_email"), "email_tokens", ["email"], unique=False)
    op.create_index(op.f("ix_email_tokens_user_id"), "email_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_email_tokens_user_id"), table_name="email_tokens")
    op.drop_index(op.f("ix_email_tokens_email"), table_name="email_tokens")
    op.drop_table("email_tokens")
    op.drop_column("users", "email_verified_at")
