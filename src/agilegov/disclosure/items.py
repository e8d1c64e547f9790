"""What a disclosure may show or withhold: a scope's entities of every kind
(goals, measures, risks, requirements…), its reviews, and its indicators'
evaluations, each read through its own part's service. For each, how one is
found in a scope (its title and the snapshot kept when it is disclosed) and
which are offered in the form."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.analysis.service import KINDS as ANALYSIS_KINDS
from agilegov.assurance.service import KINDS as ASSURANCE_KINDS
from agilegov.cycle.schemas import ReviewRead
from agilegov.cycle.service import recent_reviews, scope_review
from agilegov.design.service import KINDS as DESIGN_KINDS
from agilegov.goals.service import KINDS as GOALS_KINDS
from agilegov.monitor.service import EvaluationOfIndicator, recent_evaluations, scope_evaluation
from agilegov.regulation.service import KINDS as REGULATION_KINDS
from agilegov.scoped import Kind, read_item

TITLE_MAX = 200


@dataclass(frozen=True)
class Found:
    """One item as a disclosure keeps it."""

    id: int
    title: str
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class Disclosable:
    """A kind of item: ``find(session, scope_id, id)`` (None when the scope has
    no such item) and ``recent(session, scope_id, limit)``, those offered."""

    name: str
    find: Callable[[Session, int, int], Found | None]
    recent: Callable[[Session, int, int], list[Found]]


def _clipped(text: str) -> str:
    return text[:TITLE_MAX]


def _of_kind(kind: Kind) -> Disclosable:
    def found(session: Session, row: Any) -> Found:
        value = getattr(row, kind.label_column)
        title = f"#{value}" if kind.label_column == "id" else str(value)
        snapshot = read_item(session, kind, row).model_dump(mode="json")
        return Found(row.id, _clipped(title), snapshot)

    def find(session: Session, scope_id: int, item_id: int) -> Found | None:
        row = session.get(kind.model, item_id)
        return None if row is None or row.scope_id != scope_id else found(session, row)

    def recent(session: Session, scope_id: int, limit: int) -> list[Found]:
        model = kind.model
        rows = session.scalars(
            select(model).where(model.scope_id == scope_id).order_by(model.id).limit(limit)
        )
        return [found(session, row) for row in rows]

    return Disclosable(kind.name, find, recent)


def _review(read: ReviewRead) -> Found:
    summary = read.summary.strip().splitlines()[0] if read.summary.strip() else ""
    title = f"{read.decided_at:%Y-%m-%d} {read.stage} ({read.visit}): {summary}"
    return Found(read.id, _clipped(title), read.model_dump(mode="json"))


def _find_review(session: Session, scope_id: int, review_id: int) -> Found | None:
    read = scope_review(session, scope_id, review_id)
    return None if read is None else _review(read)


def _recent_reviews(session: Session, scope_id: int, limit: int) -> list[Found]:
    return [_review(read) for read in recent_reviews(session, scope_id, limit)]


def _evaluation(item: EvaluationOfIndicator) -> Found:
    read = item.evaluation
    value = "" if read.value is None else f" {read.value:g}"
    title = f"{item.indicator_name} {read.window_end:%Y-%m-%d}: {read.status}{value}"
    snapshot = read.model_dump(mode="json") | {"indicator": item.indicator_name}
    return Found(read.id, _clipped(title), snapshot)


def _find_evaluation(session: Session, scope_id: int, evaluation_id: int) -> Found | None:
    item = scope_evaluation(session, scope_id, evaluation_id)
    return None if item is None else _evaluation(item)


def _recent_evaluations(session: Session, scope_id: int, limit: int) -> list[Found]:
    return [_evaluation(item) for item in recent_evaluations(session, scope_id, limit)]


# Every kind of item a disclosure may show or withhold, by name.
DISCLOSABLE: dict[str, Disclosable] = {
    item.name: item
    for item in (
        *(
            _of_kind(kind)
            for kind in (
                *GOALS_KINDS,
                *DESIGN_KINDS,
                *ANALYSIS_KINDS,
                *ASSURANCE_KINDS,
                *REGULATION_KINDS,
            )
        ),
        Disclosable("review", _find_review, _recent_reviews),
        Disclosable("evaluation", _find_evaluation, _recent_evaluations),
    )
}
