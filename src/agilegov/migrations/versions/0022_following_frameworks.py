"""scopes follow framework versions; measures cite requirements

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 11:00:00.000000

The versions a scope follows, the requirements its measures, goals and
indicators cite, its statement of applicability, and the new versions due to
reach it, replacing the free text of ``scopes.frameworks`` and
``measures.citations``. A framework or citation that names a version or a
requirement the library holds becomes a link; every other one is kept in
``unresolved_citations`` and logged, to be matched when the catalogue is
installed (``agilegov library install``) or linked by a person.
"""

import json
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import agilegov.db
from agilegov.library.matching import (
    RequirementNames,
    VersionNames,
    match_citation,
    match_version,
)

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, agilegov.db.UTCDateTime(timezone=True), nullable=nullable)


def _tables() -> None:
    op.create_table(
        "scope_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        _when("since"),
        _fk("scope_frameworks", "scope_id", "scopes"),
        _fk("scope_frameworks", "version_id", "framework_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_frameworks")),
        sa.UniqueConstraint("scope_id", "version_id", name=op.f("uq_scope_frameworks_scope_id")),
    )
    op.create_index(op.f("ix_scope_frameworks_scope_id"), "scope_frameworks", ["scope_id"])
    op.create_index(op.f("ix_scope_frameworks_version_id"), "scope_frameworks", ["version_id"])
    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("citations", "scope_id", "scopes"),
        _fk("citations", "requirement_id", "requirements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
        sa.UniqueConstraint(
            "subject_kind", "subject_id", "requirement_id", name=op.f("uq_citations_subject_kind")
        ),
    )
    op.create_index(op.f("ix_citations_scope_id"), "citations", ["scope_id"])
    op.create_index(op.f("ix_citations_subject_id"), "citations", ["subject_id"])
    op.create_index(op.f("ix_citations_requirement_id"), "citations", ["requirement_id"])
    op.create_table(
        "applicability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _when("decided_at"),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _fk("applicability", "scope_id", "scopes"),
        _fk("applicability", "requirement_id", "requirements"),
        _fk("applicability", "decided_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicability")),
        sa.UniqueConstraint("scope_id", "requirement_id", name=op.f("uq_applicability_scope_id")),
    )
    op.create_index(op.f("ix_applicability_scope_id"), "applicability", ["scope_id"])
    op.create_index(op.f("ix_applicability_requirement_id"), "applicability", ["requirement_id"])
    op.create_table(
        "unresolved_citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("unresolved_citations", "scope_id", "scopes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unresolved_citations")),
    )
    op.create_index(op.f("ix_unresolved_citations_scope_id"), "unresolved_citations", ["scope_id"])
    op.create_table(
        "framework_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("trigger_id", sa.Integer(), nullable=True),
        _when("opened_at", nullable=True),
        _fk("framework_changes", "scope_id", "scopes"),
        _fk("framework_changes", "version_id", "framework_versions"),
        _fk("framework_changes", "previous_version_id", "framework_versions"),
        _fk("framework_changes", "trigger_id", "triggers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_changes")),
        sa.UniqueConstraint("scope_id", "version_id", name=op.f("uq_framework_changes_scope_id")),
    )
    op.create_index(op.f("ix_framework_changes_scope_id"), "framework_changes", ["scope_id"])
    op.create_index(op.f("ix_framework_changes_version_id"), "framework_changes", ["version_id"])
    op.create_index(op.f("ix_framework_changes_due"), "framework_changes", ["due"])


def _json(value: object) -> object:
    """A JSON column's value as the raw query returns it: text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def _library(bind: sa.Connection) -> tuple[list[VersionNames], dict[int, list[RequirementNames]]]:
    def named(name: str, translations: dict | None) -> tuple[str, ...]:
        return (name, *((t or {}).get("name", "") for t in (translations or {}).values()))

    rows = bind.execute(
        sa.text(
            "SELECT v.id, f.key, f.name AS framework_name, v.version, v.name, v.translations "
            "FROM framework_versions v JOIN frameworks f ON f.id = v.framework_id"
        )
    ).mappings()
    versions = [
        VersionNames(
            row["id"],
            row["key"],
            row["version"],
            (row["framework_name"], *named(row["name"], _json(row["translations"]))),
        )
        for row in rows
    ]
    requirements: dict[int, list[RequirementNames]] = {}
    for row in bind.execute(
        sa.text("SELECT id, version_id, ref_id, name, translations FROM requirements")
    ).mappings():
        requirements.setdefault(row["version_id"], []).append(
            RequirementNames(
                row["id"],
                row["ref_id"],
                named(row["name"], _json(row["translations"])),
            )
        )
    return versions, requirements


def _convert(bind: sa.Connection) -> None:
    versions, requirements = _library(bind)
    now = datetime.now(UTC)
    unresolved = sa.table(
        "unresolved_citations",
        sa.column("scope_id"),
        sa.column("subject_kind"),
        sa.column("subject_id"),
        sa.column("text"),
    )
    scope_frameworks = sa.table(
        "scope_frameworks",
        sa.column("scope_id"),
        sa.column("version_id"),
        sa.column("since", agilegov.db.UTCDateTime(timezone=True)),
    )
    citations = sa.table(
        "citations",
        sa.column("scope_id"),
        sa.column("subject_kind"),
        sa.column("subject_id"),
        sa.column("requirement_id"),
        sa.column("status"),
        sa.column("note"),
    )
    for scope_id, frameworks in bind.execute(sa.text("SELECT id, frameworks FROM scopes")):
        followed: set[int] = set()
        for framework in _json(frameworks) or []:
            text = f"{framework.get('name', '')} {framework.get('version', '')}".strip()
            version = match_version(text, versions)
            if version is not None and version.id not in followed:
                followed.add(version.id)
                bind.execute(
                    scope_frameworks.insert().values(
                        scope_id=scope_id, version_id=version.id, since=now
                    )
                )
            elif version is None:
                log.warning("scope %s: no library version matches %r", scope_id, text)
                bind.execute(
                    unresolved.insert().values(
                        scope_id=scope_id, subject_kind="scope", subject_id=scope_id, text=text
                    )
                )
    for measure_id, scope_id, cited in bind.execute(
        sa.text("SELECT id, scope_id, citations FROM measures")
    ):
        linked: set[int] = set()
        for text in _json(cited) or []:
            found = match_citation(text, versions, requirements)
            if found is not None and found[1].id not in linked:
                linked.add(found[1].id)
                bind.execute(
                    citations.insert().values(
                        scope_id=scope_id,
                        subject_kind="measure",
                        subject_id=measure_id,
                        requirement_id=found[1].id,
                        status="current",
                        note="",
                    )
                )
            elif found is None:
                log.warning("measure %s: no library requirement matches %r", measure_id, text)
                bind.execute(
                    unresolved.insert().values(
                        scope_id=scope_id, subject_kind="measure", subject_id=measure_id, text=text
                    )
                )


def upgrade() -> None:
    _tables()
    _convert(op.get_bind())
    # Native ALTER TABLE … DROP COLUMN: a batch copy of ``scopes`` would break
    # the foreign keys that point at it.
    op.drop_column("measures", "citations")
    op.drop_column("scopes", "frameworks")


def downgrade() -> None:
    op.add_column(
        "scopes", sa.Column("frameworks", agilegov.db.JSONType, nullable=False, server_default="[]")
    )
    op.add_column(
        "measures",
        sa.Column("citations", agilegov.db.JSONType, nullable=False, server_default="[]"),
    )
    for table in (
        "framework_changes",
        "unresolved_citations",
        "applicability",
        "citations",
        "scope_frameworks",
    ):
        op.drop_table(table)
