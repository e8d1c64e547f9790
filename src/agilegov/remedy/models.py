"""Complaints and the remedy ladder (report 4.4(3)): the provider's own
complaint handling, then alternative dispute resolution by a neutral body, then
the courts; and clusters of complaints that open the cycle's inner loop."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class AdrProvider(Base):
    """An organization registered as a neutral dispute-resolution body."""

    __tablename__ = "adr_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    # The disputes it takes (its own scope of work, not an agilegov scope).
    handles: Mapped[str] = mapped_column(Text)
    fees: Mapped[str] = mapped_column(Text)
    independence: Mapped[str] = mapped_column(Text)
    # The grounds on which it may refuse a case (``ladder.RefusalGround``).
    refusal_grounds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    accept_business_days: Mapped[int] = mapped_column(default=10)
    close_business_days: Mapped[int] = mapped_column(default=90)
    status: Mapped[str] = mapped_column(String(16), default="active")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdrRoute(Base):
    """The ADR body a provider names in advance for a scope, in its terms (a
    rule measure of the scope), so that escalation needs no negotiation."""

    __tablename__ = "adr_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), unique=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    adr_provider_id: Mapped[int] = mapped_column(ForeignKey("adr_providers.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplaintDesk(Base):
    """A provider's clocks, in business days; a provider without one keeps
    the defaults (``clocks.DEFAULT_DESK``)."""

    __tablename__ = "complaint_desks"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    acknowledge_business_days: Mapped[int]
    answer_business_days: Mapped[int]
    reply_business_days: Mapped[int]
    case_business_days: Mapped[int]


class ClusterRule(Base):
    """When complaints about one thing of a scope open the inner loop; a scope
    without one keeps the defaults (``clocks.DEFAULT_CLUSTER``)."""

    __tablename__ = "complaint_cluster_rules"

    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), primary_key=True)
    threshold: Mapped[int]
    window_days: Mapped[int]


class ComplaintCluster(Base):
    """Complaints about the same goal, measure or risk (or about the scope as a
    whole) that together opened one ``complaint_cluster`` trigger."""

    __tablename__ = "complaint_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    # ``clusters.subject_key``: "goal:3", "measure:5", "risk:2" or "scope".
    key: Mapped[str] = mapped_column(String(32))
    # Set in the transaction that opens the cluster, once its trigger exists.
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    # The provider: the scope's organization when the complaint was filed.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Intake (ISO 10002): what happened, when, the remedy sought, how to reply.
    category: Mapped[str] = mapped_column(String(32))
    what_happened: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date | None] = mapped_column(Date)
    remedy_sought: Mapped[str] = mapped_column(Text)
    complainant_name: Mapped[str] = mapped_column(String(200), default="")
    contact_preference: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(320), default="")
    # What it is about, when the complainant names it: a goal, measure or risk.
    subject_type: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None]
    # Whether a missed answer deadline takes it to ADR without asking again.
    escalate_when_late: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The hash of the secret of its follow link (complainants without an account).
    follow_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_on: Mapped[date] = mapped_column(Date)  # in Japan

    status: Mapped[str] = mapped_column(String(16), index=True)
    # The deadline of the current state and of the whole case (dates in Japan).
    due_on: Mapped[date | None] = mapped_column(Date)
    case_due_on: Mapped[date] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    # The deadlines whose miss the periodic job has already acted on.
    missed: Mapped[list[str]] = mapped_column(JSONType, default=list)

    severity: Mapped[str | None] = mapped_column(String(8))
    urgency: Mapped[str | None] = mapped_column(String(8))
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    remedy_offered: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date | None] = mapped_column(Date)

    adr_provider_id: Mapped[int | None] = mapped_column(ForeignKey("adr_providers.id"))
    escalated_on: Mapped[date | None] = mapped_column(Date)
    refusal_ground: Mapped[str | None] = mapped_column(String(32))
    adr_outcome_text: Mapped[str] = mapped_column(Text, default="")

    outcome: Mapped[str | None] = mapped_column(String(24))
    closed_on: Mapped[date | None] = mapped_column(Date)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_clusters.id"))


class ComplaintStep(Base):
    """One move of a complaint: who did what, the state it left it in, the
    deadline it set, and the record entry that holds it."""

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(24))
    party: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    due_on: Mapped[date | None] = mapped_column(Date)
    record_index: Mapped[int]


class ComplaintDocument(Base):
    """A document a party gives, known by its SHA-256; the party keeps it."""

    __tablename__ = "complaint_documents"
    __table_args__ = (UniqueConstraint("complaint_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    party: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    record_index: Mapped[int]
