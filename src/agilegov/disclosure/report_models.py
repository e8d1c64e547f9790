"""Transparency reports: composed from a scope's governance over a period, by
template, explained by the scope's editors, published signed by its owner."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class TransparencyReport(Base):
    """One version of a scope's report for one period and template: a draft,
    then published for good; a later version of the same scope, period and
    template supersedes it once published."""

    __tablename__ = "transparency_reports"
    __table_args__ = (
        UniqueConstraint("scope_id", "template", "period_start", "period_end", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    template: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # 1, then one more for each version that supersedes the one before.
    version: Mapped[int] = mapped_column(default=1)
    # draft, published, superseded.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Whose report: the scope's and its organization's ids and names when composed.
    subject: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The composed sections (figures with their sources, items): never edited.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # The author's text by section or item key.
    explanations: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # The version this one supersedes, and the one that superseded it.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("transparency_reports.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("transparency_reports.id"))
    # The SHA-256 of the canonical JSON published, its Ed25519 signature by the
    # organization's key (base64url), and that key's did:key.
    sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    signer_did: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
