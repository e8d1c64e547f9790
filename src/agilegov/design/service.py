"""Measures (report 4.3): technology, rules and organization."""

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
