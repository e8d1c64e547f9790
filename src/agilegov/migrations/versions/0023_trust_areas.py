"""trust areas, their assessment plans, and the site's robustness table

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:00:00.000000

Where a scope needs trust and how robust it must be (``trust_areas``, with the
risks each is needed for), how each is assessed (``assessment_plans``), and the
site's own table of which methods reach each robustness level
(``robustness_methods``; empty: the built-in default holds).
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, **options: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **options
    )


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "robustness_methods",
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "method", name=op.f("pk_robustness_methods")),
    )
    op.create_table(
        "trust_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("robustness", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("relied_on_by", sa.Text(), nullable=False),
        *_stamps(),
        _fk("trust_areas", "scope_id", "scopes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_areas")),
    )
    op.create_index(op.f("ix_trust_areas_scope_id"), "trust_areas", ["scope_id"])
    op.create_table(
        "trust_area_risks",
        sa.Column("trust_area_id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        _fk("trust_area_risks", "trust_area_id", "trust_areas", ondelete="CASCADE"),
        _fk("trust_area_risks", "risk_id", "risks", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("trust_area_id", "risk_id", name=op.f("pk_trust_area_risks")),
    )
    op.create_table(
        "assessment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("trust_area_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("every_months", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        _fk("assessment_plans", "scope_id", "scopes"),
        _fk("assessment_plans", "trust_area_id", "trust_areas"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_plans")),
    )
    op.create_index(op.f("ix_assessment_plans_scope_id"), "assessment_plans", ["scope_id"])
    op.create_index(
        op.f("ix_assessment_plans_trust_area_id"), "assessment_plans", ["trust_area_id"]
    )


def downgrade() -> None:
    op.drop_table("assessment_plans")
    op.drop_table("trust_area_risks")
    op.drop_table("trust_areas")
    op.drop_table("robustness_methods")
