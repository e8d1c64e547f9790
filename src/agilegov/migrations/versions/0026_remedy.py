"""complaints and the remedy ladder

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 16:10:00.000000

Complaints with their steps (each pointing at its record entry) and documents
by hash; ADR bodies, the route a scope's terms name, the providers' clocks
(``complaint_desks``), the cluster rule of a scope and the clusters that opened
a trigger.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adr_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("handles", sa.Text(), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column("independence", sa.Text(), nullable=False),
        sa.Column("refusal_grounds", agilegov.db.JSONType, nullable=False),
        sa.Column("accept_business_days", sa.Integer(), nullable=False),
        sa.Column("close_business_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_adr_providers_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adr_providers")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_adr_providers_organization_id")),
    )
    op.create_table(
        "complaint_desks",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("acknowledge_business_days", sa.Integer(), nullable=False),
        sa.Column("answer_business_days", sa.Integer(), nullable=False),
        sa.Column("reply_business_days", sa.Integer(), nullable=False),
        sa.Column("case_business_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_complaint_desks_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_complaint_desks")),
    )
    op.create_table(
        "complaint_cluster_rules",
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_complaint_cluster_rules_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("scope_id", name=op.f("pk_complaint_cluster_rules")),
    )
    op.create_table(
        "adr_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("adr_provider_id", sa.Integer(), nullable=False),
        sa.Column("named_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adr_provider_id"],
            ["adr_providers.id"],
            name=op.f("fk_adr_routes_adr_provider_id_adr_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_adr_routes_measure_id_measures")
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_adr_routes_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adr_routes")),
        sa.UniqueConstraint("scope_id", name=op.f("uq_adr_routes_scope_id")),
    )
    op.create_table(
        "complaint_clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("trigger_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_complaint_clusters_scope_id_scopes")
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"], ["triggers.id"], name=op.f("fk_complaint_clusters_trigger_id_triggers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_clusters")),
    )
    with op.batch_alter_table("complaint_clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_clusters_scope_id"), ["scope_id"], unique=False
        )

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("remedy_sought", sa.Text(), nullable=False),
        sa.Column("complainant_name", sa.String(length=200), nullable=False),
        sa.Column("contact_preference", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("escalate_when_late", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("follow_hash", sa.String(length=64), nullable=True),
        sa.Column("filed_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("case_due_on", sa.Date(), nullable=False),
        sa.Column("paused_on", sa.Date(), nullable=True),
        sa.Column("missed", agilegov.db.JSONType, nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=True),
        sa.Column("urgency", sa.String(length=8), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("remedy_offered", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("adr_provider_id", sa.Integer(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("refusal_ground", sa.String(length=32), nullable=True),
        sa.Column("adr_outcome_text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adr_provider_id"],
            ["adr_providers.id"],
            name=op.f("fk_complaints_adr_provider_id_adr_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["complaint_clusters.id"],
            name=op.f("fk_complaints_cluster_id_complaint_clusters"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"], ["users.id"], name=op.f("fk_complaints_filed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_complaints_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_complaints_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("follow_hash", name=op.f("uq_complaints_follow_hash")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_filed_by"), ["filed_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_complaints_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_scope_id"), ["scope_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_status"), ["status"], unique=False)

    op.create_table(
        "complaint_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("added_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("record_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_documents_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_documents")),
        sa.UniqueConstraint(
            "complaint_id", "sha256", name=op.f("uq_complaint_documents_complaint_id")
        ),
    )
    with op.batch_alter_table("complaint_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_documents_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "complaint_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", agilegov.db.JSONType, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("record_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_steps_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_complaint_steps_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_steps")),
    )
    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_steps_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_steps_complaint_id"))

    op.drop_table("complaint_steps")
    with op.batch_alter_table("complaint_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_documents_complaint_id"))

    op.drop_table("complaint_documents")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_status"))
        batch_op.drop_index(batch_op.f("ix_complaints_scope_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_organization_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_filed_by"))

    op.drop_table("complaints")
    with op.batch_alter_table("complaint_clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_clusters_scope_id"))

    op.drop_table("complaint_clusters")
    op.drop_table("adr_routes")
    op.drop_table("complaint_cluster_rules")
    op.drop_table("complaint_desks")
    op.drop_table("adr_providers")
