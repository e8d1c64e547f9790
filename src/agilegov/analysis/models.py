"""Stakeholders, impacts, conditions and risks of a scope (report 4.1, 4.6)."""

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agilegov.db import Base, ScopedEntity

risk_impacts = Table(
    "risk_impacts",
    Base.metadata,
    Column("risk_id", ForeignKey("risks.id", ondelete="CASCADE"), primary_key=True),
    Column("impact_id", ForeignKey("impacts.id", ondelete="CASCADE"), primary_key=True),
)
risk_conditions = Table(
    "risk_conditions",
    Base.metadata,
    Column("risk_id", ForeignKey("risks.id", ondelete="CASCADE"), primary_key=True),
    Column("condition_id", ForeignKey("conditions.id", ondelete="CASCADE"), primary_key=True),
)


class Stakeholder(ScopedEntity):
    __tablename__ = "stakeholders"

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))


class Impact(ScopedEntity):
    __tablename__ = "impacts"

    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    magnitude: Mapped[int]


class Condition(ScopedEntity):
    __tablename__ = "conditions"

    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(2000))
    review_by: Mapped[date] = mapped_column(Date)


class Risk(ScopedEntity):
    __tablename__ = "risks"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    inherent_likelihood: Mapped[int]
    inherent_severity: Mapped[int]
    residual_likelihood: Mapped[int]
    residual_severity: Mapped[int]
    treatment: Mapped[str] = mapped_column(String(16))
    treatment_note: Mapped[str] = mapped_column(Text, default="")

    impacts: Mapped[list[Impact]] = relationship(secondary=risk_impacts, order_by=Impact.id)
    conditions: Mapped[list[Condition]] = relationship(
        secondary=risk_conditions, order_by=Condition.id
    )

    @property
    def impact_ids(self) -> list[int]:
        return [impact.id for impact in self.impacts]

    @property
    def condition_ids(self) -> list[int]:
        return [condition.id for condition in self.conditions]
