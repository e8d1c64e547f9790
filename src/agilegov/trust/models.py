"""Accreditation bodies, the schemes they accredit assessors for, the
accreditations with their history, and the published versions of the trust list."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class AccreditationBody(Base):
    """An organization the site's operator appointed to accredit assessors."""

    __tablename__ = "accreditation_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the appointment ended (None: it stands); a body may be appointed again.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Scheme(Base):
    """A named assessment scheme an accreditation body accredits assessors for."""

    __tablename__ = "accreditation_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    accreditation_body_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Accreditation(Base):
    """An assessor's key accredited for a scheme, for a period. Its status
    (granted, suspended, withdrawn) changes by appended ``AccreditationChange``s."""

    __tablename__ = "accreditations"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("accreditation_schemes.id"), index=True)
    assessor_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    issuer_did: Mapped[str] = mapped_column(String(200), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccreditationChange(Base):
    """One step of an accreditation's history: its grant, a suspension, a
    reinstatement or its withdrawal."""

    __tablename__ = "accreditation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TrustListVersion(Base):
    """One published, signed version of the trust list, kept for good."""

    __tablename__ = "trust_list_versions"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
