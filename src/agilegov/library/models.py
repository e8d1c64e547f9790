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
