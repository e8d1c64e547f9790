"""Incidents and the commons (report 4.5, 6.1.1): what went wrong on a scope,
the path that follows it, the reports it owes a regulator, and the shared,
pseudonymised record every organization with a similar system learns from."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime

incident_risks = Table(
    "incident_risks",
    Base.metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risks.id", ondelete="CASCADE"), primary_key=True),
)


class Incident(Base):
    """An incident, near miss or hazard on a scope. It is foreseeable when the
    reporter linked it to risks of the scope's register (``incident_risks``)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    discovered_on: Mapped[date] = mapped_column(Date)
    # [{type, severity, affected, count}]
    harms: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # [{name, kind}]
    systems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    techniques: Mapped[list[str]] = mapped_column(JSONType, default=list)
    critical_infrastructure: Mapped[bool] = mapped_column(default=False)
    widespread: Mapped[bool] = mapped_column(default=False)
    # ``path.Branch``: fixed when it is recorded, by the risks linked.
    branch: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    entered_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    affected_informed_on: Mapped[date | None] = mapped_column(Date)
    regulator_informed_on: Mapped[date | None] = mapped_column(Date)
    # The reporting channel of the regulator it is reported to, once named.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_channels.id"))
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    # ``path.Consequence`` of a sanction, once recorded.
    consequence: Mapped[str | None] = mapped_column(String(32))
    # Deadlines already told about, so each is told once.
    missed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentStep(Base):
    """One move of an incident along its path, with its record entry."""

    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    party: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    record_index: Mapped[int]


class PledgeItem(Base):
    """One promise of an improvement pledge: a change to a measure of the
    scope by a date. It is done when the measure has a newer version."""

    __tablename__ = "pledge_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    change: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    # The measure's version when pledged; a later version carries the change out.
    pledged_version: Mapped[int]
    done_version: Mapped[int | None]
    done_on: Mapped[date | None] = mapped_column(Date)


class IncidentReportingRule(Base):
    """A regulator's reporting clocks for incidents, on one of its channels
    (``reporting.Clause`` list, e.g. the EU AI Act's Article 73)."""

    __tablename__ = "incident_reporting_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("reporting_channels.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentReport(Base):
    """A report an incident owes its regulator (initial or complete), due by
    the tightest clause that applies; filed as a risk report on the channel."""

    __tablename__ = "incident_reports"
    __table_args__ = (UniqueConstraint("incident_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("reporting_channels.id"))
    kind: Mapped[str] = mapped_column(String(16))
    clause: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    risk_report_id: Mapped[int | None] = mapped_column(ForeignKey("risk_reports.id"))
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)


class CommonsSubscription(Base):
    """A scope listening to the commons, with what it says about its system
    beyond what the platform already knows (its risks, its frameworks)."""

    __tablename__ = "commons_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), unique=True)
    system_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    techniques: Mapped[list[str]] = mapped_column(JSONType, default=list)
    harm_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The scope's own threshold; none: the platform's default.
    threshold: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SharedIncident(Base):
    """An incident in the commons: public, pseudonymised, with its licence.
    Shared from the platform (``incident_id``) or imported from a public
    database (``source``, ``source_id``). Corrected by new versions, never
    deleted; a retraction keeps it listed, marked, with its reason."""

    __tablename__ = "shared_incidents"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(64))
    licence: Mapped[str] = mapped_column(String(32))
    attribution: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    # Coarsened: "YYYY" or "YYYY-MM".
    occurred: Mapped[str | None] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    harms: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    harm_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    techniques: Mapped[list[str]] = mapped_column(JSONType, default=list)
    frameworks: Mapped[list[str]] = mapped_column(JSONType, default=list)
    foreseeable: Mapped[bool | None]
    url: Mapped[str | None] = mapped_column(String(2000))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), unique=True)
    # Who may correct it; never shown.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="published")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SharedIncidentVersion(Base):
    """Every version of a shared incident as published, with the reason for
    each correction: the commons is corrected in the open."""

    __tablename__ = "shared_incident_versions"
    __table_args__ = (UniqueConstraint("shared_incident_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shared_incident_id: Mapped[int] = mapped_column(ForeignKey("shared_incidents.id"), index=True)
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    record_index: Mapped[int]


class CommonsSignal(Base):
    """A shared incident matched to a subscribed scope: it opens the scope's
    outer loop; the owner reviews it, or dismisses it with a reason."""

    __tablename__ = "commons_signals"
    __table_args__ = (UniqueConstraint("shared_incident_id", "scope_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shared_incident_id: Mapped[int] = mapped_column(ForeignKey("shared_incidents.id"), index=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
