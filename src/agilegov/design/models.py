"""Measures: the designed mechanisms of governance (report 4.3)."""

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agilegov.analysis.models import Risk
from agilegov.db import Base, ScopedEntity, Versioned
from agilegov.goals.models import Goal

measure_risks = Table(
    "measure_risks",
    Base.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risks.id", ondelete="CASCADE"), primary_key=True),
)
measure_goals = Table(
    "measure_goals",
    Base.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True),
)


class Measure(Versioned, ScopedEntity):
    __tablename__ = "measures"

    kind: Mapped[str] = mapped_column(String(16))
    rule_layer: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Versioned's status, in its place in the table.
    status: Mapped[str] = mapped_column(String(16))

    risks: Mapped[list[Risk]] = relationship(secondary=measure_risks, order_by=Risk.id)
    goals: Mapped[list[Goal]] = relationship(secondary=measure_goals, order_by=Goal.id)

    @property
    def risk_ids(self) -> list[int]:
        return [risk.id for risk in self.risks]

    @property
    def goal_ids(self) -> list[int]:
        return [goal.id for goal in self.goals]
