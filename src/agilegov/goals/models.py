"""Goals and their indicators, trade-offs and allocations (report 4.1, 4.2)."""

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import ScopedEntity, Versioned


class Goal(Versioned, ScopedEntity):
    __tablename__ = "goals"

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str | None] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(String(32))
    acceptable_level: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    review_by: Mapped[date | None] = mapped_column(Date)
    # The goal of another organization this one adopts (multi-layer governance).
    derives_from_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"), index=True)
    # Versioned's status, with a default: a new goal is active.
    status: Mapped[str] = mapped_column(String(16), default="active")


class Indicator(ScopedEntity):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("scope_id", "key"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(24))
    acceptable_level: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    window_days: Mapped[int]
    aggregate: Mapped[str] = mapped_column(String(16))
    # For the "ratio" aggregate: this indicator is numerator / denominator, each
    # aggregated its own way over this indicator's window.
    numerator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    denominator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    # Whether NaN and ±Inf observations are accepted (a scraped gauge may report NaN).
    allow_non_finite: Mapped[bool] = mapped_column(default=False)
    # A breach lasting this many windows calls the goal itself into question.
    escalate_after: Mapped[int] = mapped_column(default=3)
    data_source: Mapped[str] = mapped_column(String(2000))


class TradeOff(ScopedEntity):
    __tablename__ = "trade_offs"

    goal_a_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    goal_b_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    balance: Mapped[str] = mapped_column(Text)


class Allocation(ScopedEntity):
    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("goal_id", "layer"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    layer: Mapped[str] = mapped_column(String(16))
    responsible_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    cost_benefit: Mapped[str] = mapped_column(Text, default="")
