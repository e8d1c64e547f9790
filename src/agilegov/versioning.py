"""Versioned entities (goals, measures): every change keeps the old version.

The current state lives in the entity's own table; each version, the first
included, is also kept here as a snapshot that is never changed.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from agilegov import clock
from agilegov.db import Base, JSONType, UTCDateTime


class EntityVersion(Base):
    __tablename__ = "entity_versions"
    __table_args__ = (UniqueConstraint("kind", "entity_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    version: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None]


def keep_version(
    session: Session,
    kind: str,
    entity_id: int,
    version: int,
    data: dict[str, Any],
    note: str,
    actor_id: int | None,
) -> None:
    session.add(
        EntityVersion(
            kind=kind,
            entity_id=entity_id,
            version=version,
            data=data,
            note=note,
            created_at=clock.now(),
            actor_id=actor_id,
        )
    )


def versions_of(session: Session, kind: str, entity_id: int) -> list[EntityVersion]:
    return list(
        session.scalars(
            select(EntityVersion)
            .where(EntityVersion.kind == kind, EntityVersion.entity_id == entity_id)
            .order_by(EntityVersion.version)
        )
    )
