"""The regulator's loop (report 4.2①, 5.1.2): outcome-based requirements with a
reporting duty, the periodic reports of the businesses that adopt them, the
regulator's review and published evaluations; sandboxes, gray-zone inquiries
and special measures; and channels for risk information."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agilegov.db import Base, JSONType, ScopedEntity, UTCDateTime, Versioned
from agilegov.goals.models import Goal, Indicator

requirement_goals = Table(
    "regulatory_requirement_goals",
    Base.metadata,
    Column(
        "requirement_id",
        ForeignKey("regulatory_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("goal_id", ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True),
)

requirement_indicators = Table(
    "regulatory_requirement_indicators",
    Base.metadata,
    Column(
        "requirement_id",
        ForeignKey("regulatory_requirements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("indicator_id", ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
)


class RegulatoryRequirement(Versioned, ScopedEntity):
    """A government's requirement, in its own scope: the goals (and acceptable
    levels) to reach, who it applies to, and the duty to report on them."""

    __tablename__ = "regulatory_requirements"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    applies_to: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date)
    # The reporting duty: a report per period of this many months, periods
    # starting in this month (4: Japanese fiscal years), due this many business
    # days after the period ends.
    report_every_months: Mapped[int] = mapped_column(default=12)
    period_starts_month: Mapped[int] = mapped_column(default=4)
    report_due_business_days: Mapped[int] = mapped_column(default=60)
    # What a report holds: [{"key", "title", "description"}].
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # draft until published; retired for good.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    goals: Mapped[list[Goal]] = relationship(secondary=requirement_goals, order_by=Goal.id)
    indicators: Mapped[list[Indicator]] = relationship(
        secondary=requirement_indicators, order_by=Indicator.id
    )

    @property
    def goal_ids(self) -> list[int]:
        return [goal.id for goal in self.goals]

    @property
    def indicator_ids(self) -> list[int]:
        return [indicator.id for indicator in self.indicators]


class RegulatoryReport(Base):
    """One adopter's report for one period: drafted from its governance, its
    explanations added, submitted, questioned, corrected, reviewed."""

    __tablename__ = "regulatory_reports"
    __table_args__ = (UniqueConstraint("requirement_id", "scope_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("regulatory_requirements.id"), index=True
    )
    # The requirement's version the report answers.
    requirement_version: Mapped[int]
    # The adopting scope, and its organization.
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    # draft, submitted, correction_requested, reviewed.
    status: Mapped[str] = mapped_column(String(24), default="draft")
    # What the platform drafted from the scope's governance for the period.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The business's comply-and-explain text per item: {item key: text}.
    explanations: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # Submissions so far (a correction is a new submission).
    submissions: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SHA-256 of the canonical JSON submitted, and its Ed25519 signature by
    # the organization's key (base64url).
    sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    signer_did: Mapped[str | None] = mapped_column(String(200))
    # The first submission after the due date makes it late, for good.
    late: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The regulator's finding per item: {item key: {"finding", "note"}}.
    item_findings: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONType, default=dict)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportQuestion(Base):
    """The regulator's question on a report, or its request for a correction,
    and the business's answer."""

    __tablename__ = "report_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("regulatory_reports.id"), index=True)
    # question or correction.
    kind: Mapped[str] = mapped_column(String(16))
    # The report item it is about, if one.
    item: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportEvaluation(Base):
    """The regulator's published evaluation of one report."""

    __tablename__ = "report_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("regulatory_reports.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    # A consultation in which users and experts were heard, if one.
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SectorSummary(Base):
    """The regulator's published summary of one period's reports, with the
    sector indicators computed from them."""

    __tablename__ = "sector_summaries"
    __table_args__ = (UniqueConstraint("requirement_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("regulatory_requirements.id"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    # {indicator key: {"value", "reports", "lowest_scope_id"...}}.
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Programme(Base):
    """A regulatory sandbox, a gray-zone inquiry or a special measure (report
    5.1.2): an applicant's request to a government and its course."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sandbox, gray_zone, special_measure.
    kind: Mapped[str] = mapped_column(String(16))
    regulator_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    applicant_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    # The applicant's scope the demonstration or exception runs in (none for an inquiry).
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id"), index=True)
    # The regulator's scope its outcome feeds (a sandbox's proposal opens a trigger there).
    regulator_scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id"))
    title: Mapped[str] = mapped_column(String(200))
    # The business described, or the demonstration applied for.
    description: Mapped[str] = mapped_column(Text)
    # A gray-zone inquiry's question; a sandbox's objectives.
    question: Mapped[str] = mapped_column(Text, default="")
    safeguards: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[str] = mapped_column(Text, default="")
    # The applicant's indicators watched during the demonstration or exception.
    indicator_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # applied, then approved / refused (answered for an inquiry), exited, concluded.
    status: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the regulator must decide (or answer), in business days.
    decision_due: Mapped[date] = mapped_column(Date)
    # When both sides were told the decision was overdue (they are told once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    # A gray-zone answer's summary, published.
    published_summary: Mapped[str] = mapped_column(Text, default="")
    exit_report: Mapped[str] = mapped_column(Text, default="")
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The trigger the outcome opened on the regulator's scope.
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))


class ReportingChannel(Base):
    """Where a government receives risk information: what is to be reported,
    by whom, and how fast."""

    __tablename__ = "reporting_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(Text)
    # Within how many hours of becoming aware a report is due.
    hours_to_report: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RiskReport(Base):
    """Risk information a business files on a channel: confidential, seen only
    by the channel's owner and the filing organization; the record holds a
    commitment to it."""

    __tablename__ = "risk_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("reporting_channels.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # low, medium, high, critical.
    severity: Mapped[str] = mapped_column(String(16))
    became_aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(default=False)
