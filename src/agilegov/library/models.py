"""Framework catalogues: frameworks, their versions, each version's requirement
tree, and mapping sets between versions (crosswalks, and a framework's mapping
from its previous version)."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class Framework(Base):
    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"), index=True)
    version: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[date | None] = mapped_column(Date)
    # From when it applies (None: from its publication).
    effective: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str | None] = mapped_column(String(500))
    licence: Mapped[str | None] = mapped_column(Text)
    # Its name and description in other languages: {"ja": {"name": …, "description": …}}.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONType, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Requirement(Base):
    __tablename__ = "requirements"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    # Unique within the version: the file's node id (a urn, an OSCAL id).
    key: Mapped[str] = mapped_column(String(300))
    ref_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("requirements.id"), index=True)
    # Its place in the version's document order.
    position: Mapped[int] = mapped_column(Integer)
    assessable: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str | None] = mapped_column(String(16))
    # From when it binds, where the framework dates obligations apart.
    applies_from: Mapped[date | None] = mapped_column(Date)
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONType, default=dict)


class MappingSet(Base):
    __tablename__ = "mapping_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    source_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    target_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    provider: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RequirementMapping(Base):
    __tablename__ = "requirement_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_set_id: Mapped[int] = mapped_column(ForeignKey("mapping_sets.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text, default="")


class ScopeFramework(Base):
    """A framework version a scope follows (one version of a framework at a time)."""

    __tablename__ = "scope_frameworks"
    __table_args__ = (UniqueConstraint("scope_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class Citation(Base):
    """A requirement a measure, goal or indicator of a scope cites. ``review``:
    carried to a new version of its framework without an equivalent, so a person
    is to confirm or replace it."""

    __tablename__ = "citations"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "requirement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="current")
    # Why it is to be reviewed: the requirement it replaced and how they relate.
    note: Mapped[str] = mapped_column(Text, default="")


class Applicability(Base):
    """A scope's decision that a requirement does not apply to it (or, again, that
    it does), with the reason: a statement of applicability's rows. A requirement
    with no decision applies."""

    __tablename__ = "applicability"
    __table_args__ = (UniqueConstraint("scope_id", "requirement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    applicable: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class UnresolvedCitation(Base):
    """A framework or citation written as text before the library held it, that
    no version or requirement matched yet: kept until one does, or a person
    links or dismisses it."""

    __tablename__ = "unresolved_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(32))  # "scope", "measure", …
    subject_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class FrameworkChange(Base):
    """A new version reaching a scope that follows its framework: due on the
    version's effective date (or at once), when the ``framework_change`` trigger
    opens on the scope."""

    __tablename__ = "framework_changes"
    __table_args__ = (UniqueConstraint("scope_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    previous_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"))
    due: Mapped[date] = mapped_column(Date, index=True)
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
