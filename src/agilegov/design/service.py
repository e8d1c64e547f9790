"""Measures (report 4.3): technology, rules and organization."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.analysis.service import RISK
from agilegov.design.models import Measure
from agilegov.design.schemas import MeasureCreate, MeasureKind, MeasureRead, MeasureUpdate
from agilegov.errors import InvalidInput
from agilegov.goals.service import GOAL
from agilegov.i18n import N_, lazy
from agilegov.library.service import CITES
from agilegov.scoped import Kind
from agilegov.tenancy import Scope
from agilegov.versioning import EntityVersion


def _measure_rules(session: Session, scope: Scope, measure: Any) -> None:
    if measure.kind == MeasureKind.rule and measure.rule_layer is None:
        raise InvalidInput.on("rule_layer", lazy("a rule says which layer of rules it belongs to"))
    if measure.kind != MeasureKind.rule and measure.rule_layer is not None:
        raise InvalidInput.on(
            "rule_layer", lazy("only rules have a layer, not %(kind)s", kind=measure.kind)
        )


MEASURE = Kind(
    name="measure",
    plural="measures",
    label=N_("measure"),
    tab="measures",
    label_column="title",
    model=Measure,
    create=MeasureCreate,
    update=MeasureUpdate,
    read=MeasureRead,
    links=(
        RISK.link("risk_ids", "risks"),
        GOAL.link("goal_ids", "goals"),
    ),
    rules=_measure_rules,
    cites=CITES,
)

KINDS = (MEASURE,)


def measure_titles(session: Session, scope_id: int) -> dict[int, str]:
    """Every measure's title in the scope, by id (one query)."""
    rows = session.execute(select(Measure.id, Measure.title).where(Measure.scope_id == scope_id))
    return {row.id: row.title for row in rows}


@dataclass(frozen=True)
class MeasureVersion:
    """A measure as one of its versions left it."""

    id: int
    version: int
    title: str
    status: str
    note: str
    at: datetime


def measures_over(
    session: Session, scope_id: int, start: datetime, end: datetime
) -> tuple[list[MeasureVersion], list[MeasureVersion]]:
    """The scope's measures in force at ``end`` (their version then, unless
    retired), and every version kept at or after ``start`` and before ``end``
    (creations, changes, retirements), both by measure then version (one query)."""
    ids = select(Measure.id).where(Measure.scope_id == scope_id)
    rows = session.scalars(
        select(EntityVersion)
        .where(
            EntityVersion.kind == MEASURE.name,
            EntityVersion.entity_id.in_(ids),
            EntityVersion.created_at < end,
        )
        .order_by(EntityVersion.entity_id, EntityVersion.version)
    ).all()
    latest: dict[int, MeasureVersion] = {}
    changed = []
    for row in rows:
        seen = MeasureVersion(
            id=row.entity_id,
            version=row.version,
            title=str(row.data.get("title", "")),
            status=str(row.data.get("status", "")),
            note=row.note,
            at=row.created_at,
        )
        latest[row.entity_id] = seen
        if row.created_at >= start:
            changed.append(seen)
    in_force = [seen for seen in latest.values() if seen.status != "retired"]
    return in_force, changed
