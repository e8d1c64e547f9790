"""consultations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:55:03.970479

Consultations on a draft (its numbered paragraphs, the goals it concerns, the
organizations invited), participants, comments, statements and votes, the
responses to them, and opinion maps kept when a consultation closes.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("opens_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("allow_pseudonymous", sa.Boolean(), nullable=False),
        sa.Column("closed_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["scopes.id"], name=op.f("fk_consultations_scope_id_scopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultations_scope_id"), ["scope_id"], unique=False)

    op.create_table(
        "consultation_goals",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_goals_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_consultation_goals_goal_id_goals")
        ),
        sa.PrimaryKeyConstraint("consultation_id", "goal_id", name=op.f("pk_consultation_goals")),
    )
    with op.batch_alter_table("consultation_goals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_goals_goal_id"), ["goal_id"], unique=False
        )

    op.create_table(
        "consultation_invitations",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_invitations_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_consultation_invitations_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint(
            "consultation_id", "organization_id", name=op.f("pk_consultation_invitations")
        ),
    )
    with op.batch_alter_table("consultation_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_invitations_organization_id"),
            ["organization_id"],
            unique=False,
        )

    op.create_table(
        "consultation_opinion_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("algorithm_version", sa.String(length=64), nullable=False),
        sa.Column("result", agilegov.db.JSONType, nullable=False),
        sa.Column("computed_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_opinion_maps_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_opinion_maps")),
    )
    with op.batch_alter_table("consultation_opinion_maps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_opinion_maps_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_paragraphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_paragraphs_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_paragraphs")),
        sa.UniqueConstraint(
            "consultation_id", "number", name=op.f("uq_consultation_paragraphs_consultation_id")
        ),
    )
    op.create_table(
        "consultation_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_participants_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consultation_participants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_participants")),
        sa.UniqueConstraint(
            "consultation_id", "user_id", name=op.f("uq_consultation_participants_consultation_id")
        ),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_consultation_participants_secret_hash")),
    )
    with op.batch_alter_table("consultation_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_participants_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("change_kind", sa.String(length=16), nullable=True),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.Column("change_version", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_responses_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_consultation_responses_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_responses")),
        sa.UniqueConstraint(
            "consultation_id",
            "target_kind",
            "target_id",
            name=op.f("uq_consultation_responses_consultation_id"),
        ),
    )
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_responses_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_comments_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"],
            ["consultation_paragraphs.id"],
            name=op.f("fk_consultation_comments_paragraph_id_consultation_paragraphs"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consultation_comments_participant_id_consultation_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_comments")),
    )
    with op.batch_alter_table("consultation_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_comments_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", agilegov.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_statements_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consultation_statements_participant_id_consultation_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_statements")),
    )
    with op.batch_alter_table("consultation_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_statements_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_votes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("voted_at", agilegov.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_votes_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consultation_votes_participant_id_consultation_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["consultation_statements.id"],
            name=op.f("fk_consultation_votes_statement_id_consultation_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_votes")),
        sa.UniqueConstraint(
            "statement_id", "participant_id", name=op.f("uq_consultation_votes_statement_id")
        ),
    )
    with op.batch_alter_table("consultation_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_votes_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_votes_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_votes_participant_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_votes_consultation_id"))

    op.drop_table("consultation_votes")
    with op.batch_alter_table("consultation_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_statements_consultation_id"))

    op.drop_table("consultation_statements")
    with op.batch_alter_table("consultation_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_comments_consultation_id"))

    op.drop_table("consultation_comments")
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_responses_consultation_id"))

    op.drop_table("consultation_responses")
    with op.batch_alter_table("consultation_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_participants_consultation_id"))

    op.drop_table("consultation_participants")
    op.drop_table("consultation_paragraphs")
    with op.batch_alter_table("consultation_opinion_maps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_opinion_maps_consultation_id"))

    op.drop_table("consultation_opinion_maps")
    with op.batch_alter_table("consultation_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_invitations_organization_id"))

    op.drop_table("consultation_invitations")
    with op.batch_alter_table("consultation_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_goals_goal_id"))

    op.drop_table("consultation_goals")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_scope_id"))

    op.drop_table("consultations")
