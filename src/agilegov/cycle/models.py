"""The state of each scope's cycle and its history: transitions, triggers, reviews."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, JSONType, UTCDateTime


class Cycle(Base):
    __tablename__ = "cycles"

    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    inner_iterations: Mapped[int] = mapped_column(default=0)
    outer_iterations: Mapped[int] = mapped_column(default=0)
    # Counts every entry into a stage, so a review can be tied to one visit.
    visit: Mapped[int] = mapped_column(default=1)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Trigger(Base):
    __tablename__ = "triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    loop: Mapped[str] = mapped_column(String(8))
    cause: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    visit: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    decisions: Mapped[list[str]] = mapped_column(JSONType)
    evidence: Mapped[list[str]] = mapped_column(JSONType)
    # Versions of goals and measures the review changed: [{"kind", "id", "version"}].
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Risks of the register the review added or changed (ids).
    risks: Mapped[list[int]] = mapped_column(JSONType, default=list)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Transition(Base):
    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    loop: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
