"""assessments by any fitting party, with criteria, findings and improvement actions

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 13:00:00.000000

An assessment now states what it covers, its period and its assessor's
independence, and is open until completed; its criteria become rows of
``assessment_criteria`` (a library requirement or a goal of the scope, each
with its finding and evidence), and ``improvement_actions`` answer its
nonconformities. An attestation names the assessment that suspended it.

Existing assessments were complete when recorded: they become ``completed``,
their free-text criteria become criteria of source ``text`` with no finding,
and their free-text findings are kept at the end of their result.
"""

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, agilegov.db.UTCDateTime(timezone=True), nullable=nullable)


def _criteria_tables() -> None:
    op.create_table(
        "assessment_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=420), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", agilegov.db.JSONType, nullable=False),
        _when("closed_at"),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("closing_evidence", agilegov.db.JSONType, nullable=False),
        _fk("assessment_criteria", "assessment_id", "assessments"),
        _fk("assessment_criteria", "requirement_id", "requirements"),
        _fk("assessment_criteria", "goal_id", "goals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_criteria")),
    )
    for column in ("assessment_id", "requirement_id", "goal_id"):
        op.create_index(op.f(f"ix_assessment_criteria_{column}"), "assessment_criteria", [column])
    op.create_table(
        "improvement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("becomes", sa.String(length=16), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("done_at"),
        sa.Column("done_note", sa.Text(), nullable=False),
        sa.Column("measure_version", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        _fk("improvement_actions", "assessment_id", "assessments"),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["assessment_criteria.id"],
            name=op.f("fk_improvement_actions_criterion_id_assessment_criteria"),
        ),
        _fk("improvement_actions", "owner_id", "users"),
        _fk("improvement_actions", "measure_id", "measures"),
        _fk("improvement_actions", "review_id", "reviews"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_actions")),
    )
    for column in ("assessment_id", "criterion_id", "owner_id"):
        op.create_index(op.f(f"ix_improvement_actions_{column}"), "improvement_actions", [column])


def _convert(connection: sa.Connection) -> None:
    """Free-text criteria become criteria rows; free-text findings join the result."""
    assessments = sa.table(
        "assessments",
        sa.column("id", sa.Integer()),
        sa.column("criteria", agilegov.db.JSONType),
        sa.column("findings", agilegov.db.JSONType),
        sa.column("result", sa.Text()),
    )
    criteria = sa.table(
        "assessment_criteria",
        sa.column("assessment_id", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("source", sa.String()),
        sa.column("title", sa.Text()),
        sa.column("level", sa.Text()),
        sa.column("note", sa.Text()),
        sa.column("evidence", agilegov.db.JSONType),
        sa.column("closing_note", sa.Text()),
        sa.column("closing_evidence", agilegov.db.JSONType),
    )
    rows = connection.execute(
        sa.select(
            assessments.c.id, assessments.c.criteria, assessments.c.findings, assessments.c.result
        )
    ).all()
    for id_, criteria_text, findings_text, result in rows:
        texts, findings = criteria_text or [], findings_text or []
        if texts:
            connection.execute(
                criteria.insert(),
                [
                    {
                        "assessment_id": id_,
                        "position": position,
                        "source": "text",
                        "title": text,
                        "level": "",
                        "note": "",
                        "evidence": [],
                        "closing_note": "",
                        "closing_evidence": [],
                    }
                    for position, text in enumerate(texts)
                ],
            )
        if findings:
            kept = "\n".join([result, "", *(f"- {finding}" for finding in findings)])
            connection.execute(
                assessments.update().where(assessments.c.id == id_).values(result=kept)
            )


def upgrade() -> None:
    _criteria_tables()
    _convert(op.get_bind())
    with op.batch_alter_table("assessments") as table:
        table.add_column(sa.Column("coverage", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        table.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        table.add_column(sa.Column("independence", sa.Text(), nullable=False, server_default=""))
        table.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="completed")
        )
        table.add_column(_when("completed_at"))
        table.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            op.f("fk_assessments_plan_id_assessment_plans"), "assessment_plans", ["plan_id"], ["id"]
        )
        table.create_index(op.f("ix_assessments_plan_id"), ["plan_id"])
        table.drop_column("criteria")
        table.drop_column("findings")
    assessments = sa.table(
        "assessments",
        sa.column("created_at", agilegov.db.UTCDateTime(timezone=True)),
        sa.column("completed_at", agilegov.db.UTCDateTime(timezone=True)),
    )
    op.get_bind().execute(assessments.update().values(completed_at=assessments.c.created_at))
    with op.batch_alter_table("assessments") as table:
        for column in ("coverage", "independence", "status"):
            table.alter_column(column, server_default=None)
    with op.batch_alter_table("attestations") as table:
        table.add_column(sa.Column("suspended_by_assessment_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            op.f("fk_attestations_suspended_by_assessment_id_assessments"),
            "assessments",
            ["suspended_by_assessment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("attestations") as table:
        table.drop_constraint(
            op.f("fk_attestations_suspended_by_assessment_id_assessments"), type_="foreignkey"
        )
        table.drop_column("suspended_by_assessment_id")
    with op.batch_alter_table("assessments") as table:
        table.add_column(
            sa.Column("criteria", agilegov.db.JSONType, nullable=False, server_default="[]")
        )
        table.add_column(
            sa.Column("findings", agilegov.db.JSONType, nullable=False, server_default="[]")
        )
        table.drop_index(op.f("ix_assessments_plan_id"))
        table.drop_constraint(op.f("fk_assessments_plan_id_assessment_plans"), type_="foreignkey")
        for column in (
            "plan_id",
            "completed_at",
            "status",
            "independence",
            "period_end",
            "period_start",
            "coverage",
        ):
            table.drop_column(column)
    op.drop_table("improvement_actions")
    op.drop_table("assessment_criteria")
