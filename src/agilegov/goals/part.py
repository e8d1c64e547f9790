"""Goals (ゴール設定): the hierarchy with acceptable levels and targets, indicators,
trade-offs, and the allocation of each goal to a layer."""

from pathlib import Path

from sqlalchemy import func, select

from agilegov.exchange import kinds_section
from agilegov.goals import api, models, pages
from agilegov.goals.models import Goal, Indicator
from agilegov.goals.open_data import TABLES as OPEN_TABLES
from agilegov.goals.service import KINDS
from agilegov.part import Part, ReviewDates
from agilegov.scoped import count_in_scope


def _goals_with_indicators(scope_id: object) -> object:
    return (
        select(func.count(func.distinct(Goal.id)))
        .join(Indicator, Indicator.goal_id == Goal.id)
        .where(Goal.scope_id == scope_id, Goal.status == "active")
    )


PART = Part(
    name="goals",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=pages.routers,
    tabs=pages.TABS,
    counts={"goals": count_in_scope(Goal), "indicators": count_in_scope(Indicator)},
    trigger_subjects={kind.name: kind.model for kind in KINDS},
    cycle_facts={"goals_with_indicators": _goals_with_indicators},
    review_dates=[ReviewDates("goal_review_due", "goal", Goal, where=(Goal.status == "active",))],
    exchange=[kinds_section(*KINDS)],
    open_data=OPEN_TABLES,
)
