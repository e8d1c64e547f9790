"""the regulator's loop: requirements, reports, evaluations, programmes, risk channels

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 13:00:00.000000

Requirements with a reporting duty (``regulatory_requirements``, with the goals
and indicators they name), the adopters' periodic reports, the regulator's
questions and published evaluations, sector summaries; sandboxes, gray-zone
inquiries and special measures (``programmes``); channels for risk information
and the reports filed on them.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("hours_to_report", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_reporting_channels_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_channels")),
    )
    op.create_index(
        op.f("ix_reporting_channels_organization_id"), "reporting_channels", ["organization_id"]
    )

    op.create_table(
        "regulatory_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("applies_to", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("report_every_months", sa.Integer(), nullable=False),
        sa.Column("period_starts_month", sa.Integer(), nullable=False),
        sa.Column("report_due_business_days", sa.Integer(), nullable=False),
        sa.Column(
            "items",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_regulatory_requirements_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulatory_requirements")),
    )
    op.create_index(
        op.f("ix_regulatory_requirements_scope_id"), "regulatory_requirements", ["scope_id"]
    )

    op.create_table(
        "risk_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("became_aware_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["reporting_channels.id"],
            name=op.f("fk_risk_reports_channel_id_reporting_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"], ["users.id"], name=op.f("fk_risk_reports_filed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_risk_reports_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_risk_reports_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_reports")),
    )
    op.create_index(op.f("ix_risk_reports_channel_id"), "risk_reports", ["channel_id"])
    op.create_index(op.f("ix_risk_reports_organization_id"), "risk_reports", ["organization_id"])

    op.create_table(
        "regulatory_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("requirement_version", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column(
            "facts",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column(
            "explanations",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("submitted_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.Column("signer_did", sa.String(length=200), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "item_findings",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column("reviewed_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_regulatory_reports_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["regulatory_requirements.id"],
            name=op.f("fk_regulatory_reports_requirement_id_regulatory_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_regulatory_reports_scope_id_scopes")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_regulatory_reports_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulatory_reports")),
        sa.UniqueConstraint(
            "requirement_id",
            "scope_id",
            "period_start",
            name=op.f("uq_regulatory_reports_requirement_id"),
        ),
    )
    op.create_index(
        op.f("ix_regulatory_reports_organization_id"), "regulatory_reports", ["organization_id"]
    )
    op.create_index(
        op.f("ix_regulatory_reports_requirement_id"), "regulatory_reports", ["requirement_id"]
    )
    op.create_index(op.f("ix_regulatory_reports_scope_id"), "regulatory_reports", ["scope_id"])

    op.create_table(
        "regulatory_requirement_goals",
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_regulatory_requirement_goals_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["regulatory_requirements.id"],
            name=op.f("fk_regulatory_requirement_goals_requirement_id_regulatory_requirements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "requirement_id", "goal_id", name=op.f("pk_regulatory_requirement_goals")
        ),
    )
    op.create_table(
        "sector_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "figures",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column("published_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_sector_summaries_published_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["regulatory_requirements.id"],
            name=op.f("fk_sector_summaries_requirement_id_regulatory_requirements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sector_summaries")),
        sa.UniqueConstraint(
            "requirement_id", "period_start", name=op.f("uq_sector_summaries_requirement_id")
        ),
    )
    op.create_index(
        op.f("ix_sector_summaries_requirement_id"), "sector_summaries", ["requirement_id"]
    )

    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("regulator_organization_id", sa.Integer(), nullable=False),
        sa.Column("applicant_organization_id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=True),
        sa.Column("regulator_scope_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("consent", sa.Text(), nullable=False),
        sa.Column(
            "indicator_ids",
            agilegov.db.JSONType,
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applied_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.Integer(), nullable=True),
        sa.Column("decision_due", sa.Date(), nullable=False),
        sa.Column("overdue_notified_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("published_summary", sa.Text(), nullable=False),
        sa.Column("exit_report", sa.Text(), nullable=False),
        sa.Column("exited_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("concluded_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("trigger_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_organization_id"],
            ["organizations.id"],
            name=op.f("fk_programmes_applicant_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["applied_by"], ["users.id"], name=op.f("fk_programmes_applied_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_programmes_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["regulator_organization_id"],
            ["organizations.id"],
            name=op.f("fk_programmes_regulator_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["regulator_scope_id"],
            ["scopes.id"],
            name=op.f("fk_programmes_regulator_scope_id_scopes"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_programmes_scope_id_scopes")
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"], ["triggers.id"], name=op.f("fk_programmes_trigger_id_triggers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_index(
        op.f("ix_programmes_applicant_organization_id"), "programmes", ["applicant_organization_id"]
    )
    op.create_index(
        op.f("ix_programmes_regulator_organization_id"), "programmes", ["regulator_organization_id"]
    )
    op.create_index(op.f("ix_programmes_scope_id"), "programmes", ["scope_id"])

    op.create_table(
        "regulatory_requirement_indicators",
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_regulatory_requirement_indicators_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["regulatory_requirements.id"],
            name=op.f(
                "fk_regulatory_requirement_indicators_requirement_id_regulatory_requirements"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "requirement_id", "indicator_id", name=op.f("pk_regulatory_requirement_indicators")
        ),
    )
    op.create_table(
        "report_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("published_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_report_evaluations_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_report_evaluations_published_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["regulatory_reports.id"],
            name=op.f("fk_report_evaluations_report_id_regulatory_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_evaluations")),
        sa.UniqueConstraint("report_id", name=op.f("uq_report_evaluations_report_id")),
    )
    op.create_table(
        "report_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=True),
        sa.Column("asked_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_report_questions_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by"], ["users.id"], name=op.f("fk_report_questions_asked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["regulatory_reports.id"],
            name=op.f("fk_report_questions_report_id_regulatory_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_questions")),
    )
    op.create_index(op.f("ix_report_questions_report_id"), "report_questions", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_questions_report_id"), "report_questions")

    op.drop_table("report_questions")
    op.drop_table("report_evaluations")
    op.drop_table("regulatory_requirement_indicators")
    op.drop_index(op.f("ix_programmes_scope_id"), "programmes")
    op.drop_index(op.f("ix_programmes_regulator_organization_id"), "programmes")
    op.drop_index(op.f("ix_programmes_applicant_organization_id"), "programmes")

    op.drop_table("programmes")
    op.drop_index(op.f("ix_sector_summaries_requirement_id"), "sector_summaries")

    op.drop_table("sector_summaries")
    op.drop_table("regulatory_requirement_goals")
    op.drop_index(op.f("ix_regulatory_reports_scope_id"), "regulatory_reports")
    op.drop_index(op.f("ix_regulatory_reports_requirement_id"), "regulatory_reports")
    op.drop_index(op.f("ix_regulatory_reports_organization_id"), "regulatory_reports")

    op.drop_table("regulatory_reports")
    op.drop_index(op.f("ix_risk_reports_organization_id"), "risk_reports")
    op.drop_index(op.f("ix_risk_reports_channel_id"), "risk_reports")

    op.drop_table("risk_reports")
    op.drop_index(op.f("ix_regulatory_requirements_scope_id"), "regulatory_requirements")

    op.drop_table("regulatory_requirements")
    op.drop_index(op.f("ix_reporting_channels_organization_id"), "reporting_channels")

    op.drop_table("reporting_channels")
