"""Consultations (report 4.4, 5.1): a draft in numbered paragraphs, comments on
them, statements voted on, moderation kept on the record, and the response to
every input."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agilegov import clock
from agilegov.db import Base, BigId, JSONType, UTCDateTime

consultation_goals = Table(
    "consultation_goals",
    Base.metadata,
    Column("consultation_id", ForeignKey("consultations.id"), primary_key=True),
    Column("goal_id", ForeignKey("goals.id"), primary_key=True, index=True),
)

consultation_invitations = Table(
    "consultation_invitations",
    Base.metadata,
    Column("consultation_id", ForeignKey("consultations.id"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True, index=True),
)


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # What the draft is: the scope's goals, a requirement (a regulator's goals) or a report.
    subject: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(String(16))  # public or invited
    allow_pseudonymous: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where it came from when imported (e.g. a Pol.is conversation's URL).
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    goals: Mapped[list[Any]] = relationship("Goal", secondary=consultation_goals, lazy="selectin")
    invited: Mapped[list[Any]] = relationship(
        "Organization", secondary=consultation_invitations, lazy="selectin"
    )

    @property
    def status(self) -> str:
        """upcoming, open or closed: by its dates, or closed early by its owner."""
        now = clock.now()
        if self.closed_at is not None or now >= self.closes_at:
            return "closed"
        return "open" if now >= self.opens_at else "upcoming"

    @property
    def goal_ids(self) -> list[int]:
        return [goal.id for goal in self.goals]

    @property
    def invited_organization_ids(self) -> list[int]:
        return [organization.id for organization in self.invited]


class Paragraph(Base):
    __tablename__ = "consultation_paragraphs"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class Participant(Base):
    """A person taking part: a signed-in user, or a pseudonym whose browser holds
    a secret (only its hash is kept)."""

    __tablename__ = "consultation_participants"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pseudonym: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The participant's id in an imported conversation (Pol.is voter-id).
    external_id: Mapped[str | None] = mapped_column(String(64))
    # In the opinion map's clustering whatever their votes: Pol.is had clustered
    # them, and Pol.is never lets a participant out once in.
    always_clustered: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Comment(Base):
    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("consultation_paragraphs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("consultation_participants.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)


class Statement(Base):
    __tablename__ = "consultation_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    # None for the statements the organization seeds.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_participants.id"))
    text: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)


class Vote(Base):
    """One participant's vote on one statement; a later vote replaces it."""

    __tablename__ = "consultation_votes"
    __table_args__ = (UniqueConstraint("statement_id", "participant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("consultation_statements.id"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_participants.id"), index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)  # 1 agree, -1 disagree, 0 pass
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Response(Base):
    """What became of an input: a comment, or a group's representative statement."""

    __tablename__ = "consultation_responses"
    __table_args__ = (UniqueConstraint("consultation_id", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # comment or statement
    target_id: Mapped[int]
    decision: Mapped[str] = mapped_column(String(16))  # accepted, partly, rejected
    reason: Mapped[str] = mapped_column(Text)
    # The goal or measure version the input changed, if any.
    change_kind: Mapped[str | None] = mapped_column(String(16))
    change_id: Mapped[int | None] = mapped_column(Integer)
    change_version: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpinionMap(Base):
    """The opinion map as computed at a moment (kept when a consultation closes)."""

    __tablename__ = "consultation_opinion_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    algorithm_version: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
