"""Disclosures to named audiences (report 4.4(2), 6.1.2): what a scope's
organization shows whom, a snapshot of each item as it was when shown, and
what it withheld and why."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class Disclosure(Base):
    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    # Who discloses: the scope's organization when the disclosure was drafted.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    # ``audience_schemas.Audience``; a named organization for regulator,
    # assessor and organization, stakeholders of the scope's register for stakeholders.
    audience: Mapped[str] = mapped_column(String(16))
    audience_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    stakeholder_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft, published, withdrawn
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")


class DisclosureReader(Base):
    """An organization whose members read a published disclosure: the named
    one, or each organization linked to a stakeholder it is addressed to (as
    they were linked when it was published)."""

    __tablename__ = "disclosure_readers"
    __table_args__ = (UniqueConstraint("disclosure_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)


class DisclosedItem(Base):
    """An entity of the scope shown, as it read when published (while a draft:
    when last saved), so that the audience sees it without the scope being public."""

    __tablename__ = "disclosed_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)


class WithheldItem(Base):
    """An entity of the scope not shown, and why (``withheld.Reason``)."""

    __tablename__ = "withheld_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))
    explanation: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    expected_on: Mapped[date | None] = mapped_column(Date)
