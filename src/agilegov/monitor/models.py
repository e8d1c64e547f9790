"""Monitoring: observations of indicators, their evaluations against the goals,
breach episodes, and the Prometheus targets scraped for observations."""

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, BigId, FloatOrNaN, ObservationTime, UTCDateTime


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("indicator_id", "time", "source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    # Whole microseconds since 1970 on SQLite (see ObservationTime), timestamptz on PostgreSQL.
    time: Mapped[datetime] = mapped_column(ObservationTime)
    # NaN is stored as NULL (see FloatOrNaN); ±Inf as themselves.
    value: Mapped[float] = mapped_column(FloatOrNaN, nullable=True)
    source: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evaluation(Base):
    """One indicator measured against its levels over one window: evidence, kept."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_indicator_id_id", "indicator_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    aggregate: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # ok, warning, breach, no_data
    direction: Mapped[str] = mapped_column(String(24))
    acceptable_level: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    # The observations the window covered.
    observation_count: Mapped[int]
    first_observation_id: Mapped[int | None] = mapped_column(BigId)
    last_observation_id: Mapped[int | None] = mapped_column(BigId)
    first_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("breach_episodes.id"))
    # The record event that holds this evaluation as evidence.
    leaf_index: Mapped[int] = mapped_column(BigInteger)


class BreachEpisode(Base):
    """An indicator in breach from its first breaching evaluation to its recovery:
    one trigger per episode, not one per observation."""

    __tablename__ = "breach_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The loop the breach called for first, and the triggers it opened.
    loop: Mapped[str] = mapped_column(String(8))
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    escalation_trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id"))
    windows: Mapped[int] = mapped_column(default=1)
    worst_value: Mapped[float | None] = mapped_column(Float)


class ScrapeTarget(Base):
    """A Prometheus endpoint scraped periodically into observations."""

    __tablename__ = "scrape_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    metric_map: Mapped[str] = mapped_column(Text)  # the YAML map, as given
    interval_seconds: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    last_scraped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QueuedEvaluation(Base):
    """An indicator whose window new observations changed, waiting to be evaluated
    (the queue ingestion fills and the "queued evaluations" job drains)."""

    __tablename__ = "queued_evaluations"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
