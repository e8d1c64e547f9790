"""Assessments of a scope's governance by an assessor, and the attestations they
issue; where a scope needs trust, how robust it must be and how it is assessed."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from agilegov.analysis.models import Risk
from agilegov.db import Base, JSONType, ScopedEntity, UTCDateTime


class Engagement(Base):
    """An assessor's request to assess a scope, and its owner's answer: an
    assessment of the scope follows only an accepted one."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessor_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    # None when the system itself asked (a migration of data, a script).
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # requested, then accepted, refused (by the scope's owner) or withdrawn (by
    # the assessor); only a requested one changes.
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class Assessment(Base):
    """One assessment of a scope by a party (the scope's own organization, a peer
    or expert, an accredited assessor), by one method, against published
    criteria: open while findings are recorded, then completed."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The assessing party (for a self-declaration or an internal audit, the
    # scope's own organization).
    assessor_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    # What the assessment covers, over which period.
    coverage: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # The assessor's declaration of its independence from what it assesses.
    independence: Mapped[str] = mapped_column(Text, default="")
    # open (findings being recorded), then completed, for good.
    status: Mapped[str] = mapped_column(String(16), default="open")
    result: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The plan it carries out: its completion schedules the next one.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_plans.id"), index=True)
    # The accepted engagement the assessment answers, one assessment each; None
    # for the scope's own assessments and for those made before engagements.
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"), unique=True)
    # The accreditation scheme it was made under (the assessor accredited for it),
    # which its credentials name; None: under no scheme.
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("accreditation_schemes.id"))
    criteria: Mapped[list["Criterion"]] = relationship(
        order_by="Criterion.position", lazy="selectin", back_populates="assessment"
    )
    actions: Mapped[list["ImprovementAction"]] = relationship(
        order_by="ImprovementAction.id", lazy="selectin"
    )
    # The names a list shows, where its query asks for them.
    scope_name: Mapped[str | None] = query_expression()
    assessor_name: Mapped[str | None] = query_expression()


class Criterion(Base):
    """One criterion of an assessment, published with it: a requirement of a
    framework in the library or a goal of the scope (copied as it read when
    assessed), and the finding against it."""

    __tablename__ = "assessment_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int]
    # requirement, goal, or text (criteria written before the library existed).
    source: Mapped[str] = mapped_column(String(16))
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirements.id"), index=True)
    # "framework@version#id" for a requirement.
    reference: Mapped[str | None] = mapped_column(String(420))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    # A goal's acceptable level (and target) when assessed.
    level: Mapped[str] = mapped_column(Text, default="")
    # conforms, minor, major, observation, not_applicable; None until found.
    finding: Mapped[str | None] = mapped_column(String(16))
    # Of a major nonconformity: what is wrong (measure, goal, analysis).
    cause: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # A nonconformity is closed by its assessor on the closing evidence.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closing_evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    assessment: Mapped[Assessment] = relationship(back_populates="criteria")


class ImprovementAction(Base):
    """What the assessed organization does about a nonconformity: an owner, a due
    date, and what it becomes (a change of a measure, or a review)."""

    __tablename__ = "improvement_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criteria.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due: Mapped[date] = mapped_column(Date)
    # measure_change or review.
    becomes: Mapped[str] = mapped_column(String(16))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When done: the measure's new version, or the review, that carried it out.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(Text, default="")
    measure_version: Mapped[int | None]
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))


class Attestation(Base):
    __tablename__ = "attestations"
    # A position in the issuer's status lists belongs to one credential, for good.
    __table_args__ = (
        Index(
            "ix_attestations_issuer_status_list_index",
            "issuer_did",
            "status_list_index",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    credential: Mapped[dict[str, Any]] = mapped_column(JSONType)
    credential_sha256: Mapped[str] = mapped_column(String(64))
    issuer_did: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # Suspended until reinstated (any number of times), until revoked.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    # The credential's bit in its issuer's status lists (Bitstring Status List);
    # None for attestations issued before credentials carried a credentialStatus.
    status_list_index: Mapped[int | None] = mapped_column()
    # The later assessment whose major nonconformity suspended it: lifting the
    # suspension waits for that nonconformity's closing evidence.
    suspended_by_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))


class RobustnessMethod(Base):
    """The site's own table of which methods reach each robustness level: when it
    holds any row, it replaces ``robustness.DEFAULT`` entirely."""

    __tablename__ = "robustness_methods"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    method: Mapped[str] = mapped_column(String(32), primary_key=True)


trust_area_risks = Table(
    "trust_area_risks",
    Base.metadata,
    Column("trust_area_id", ForeignKey("trust_areas.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risks.id", ondelete="CASCADE"), primary_key=True),
)


class TrustArea(ScopedEntity):
    """Where others rely on the scope's governance, and how robust that trust must be."""

    __tablename__ = "trust_areas"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    robustness: Mapped[str] = mapped_column(String(16))
    # Why that robustness: how severe the risks involved are.
    reason: Mapped[str] = mapped_column(Text)
    relied_on_by: Mapped[str] = mapped_column(Text)

    risks: Mapped[list[Risk]] = relationship(secondary=trust_area_risks, order_by=Risk.id)

    @property
    def risk_ids(self) -> list[int]:
        return [risk.id for risk in self.risks]


class AssessmentPlan(ScopedEntity):
    """How a trust area is assessed: by which method, how often, and when next."""

    __tablename__ = "assessment_plans"

    trust_area_id: Mapped[int] = mapped_column(ForeignKey("trust_areas.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    every_months: Mapped[int]
    next_due: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
