"""Goals, indicators, trade-offs and allocations: the kinds and their rules."""

import functools
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from agilegov.analysis.service import require_organization
from agilegov.auth import SYSTEM
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger
from agilegov.errors import InvalidInput
from agilegov.goals.models import Allocation, Goal, Indicator, TradeOff
from agilegov.goals.schemas import (
    Aggregate,
    AllocationCreate,
    AllocationRead,
    AllocationUpdate,
    Direction,
    GoalCreate,
    GoalLevel,
    GoalRead,
    GoalUpdate,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    TradeOffCreate,
    TradeOffRead,
    TradeOffUpdate,
)
from agilegov.i18n import N_, lazy
from agilegov.library.service import CITES
from agilegov.organizations.service import organization_profile, unverified_governments
from agilegov.scoped import Kind, Ref
from agilegov.tenancy import Scope

_LEVEL_DEPTH = {GoalLevel.ultimate: 0, GoalLevel.core_value: 1, GoalLevel.specific: 2}


def weaker(level: float, than: float, direction: str) -> bool:
    """Is ``level`` a weaker acceptable level than ``than``?"""
    if direction == Direction.higher_is_better:
        return level < than
    return level > than


def _check_levels(direction: str | None, acceptable: float | None, target: float | None) -> None:
    if (acceptable is not None or target is not None) and direction is None:
        raise InvalidInput.on("direction", lazy("is needed with an acceptable level or a target"))
    if acceptable is not None and target is not None and weaker(target, acceptable, direction):
        raise InvalidInput.on(
            "target", lazy("lies on the unacceptable side of the acceptable level")
        )


def _goal_rules(session: Session, scope: Scope, goal: Any) -> None:
    _check_levels(goal.direction, goal.acceptable_level, goal.target)
    if goal.level == GoalLevel.specific and goal.acceptable_level is None:
        raise InvalidInput.on("acceptable_level", lazy("a specific goal needs an acceptable level"))
    if goal.parent_id is not None:
        parent = session.get(Goal, goal.parent_id)
        assert parent is not None  # checked as a reference in this scope
        if _LEVEL_DEPTH[GoalLevel(parent.level)] > _LEVEL_DEPTH[GoalLevel(goal.level)]:
            raise InvalidInput.on(
                "parent_id",
                lazy(
                    "a %(level)s goal cannot sit under a %(parent_level)s goal",
                    level=goal.level,
                    parent_level=parent.level,
                ),
            )
        ancestor: Goal | None = parent
        while ancestor is not None:
            if goal.id is not None and ancestor.id == goal.id:
                raise InvalidInput.on("parent_id", lazy("would make the goal its own ancestor"))
            ancestor = session.get(Goal, ancestor.parent_id) if ancestor.parent_id else None
    if goal.derives_from_id is not None:
        _check_derivation(session, scope, goal)
    _check_indicators_hold(session, goal)


def _check_derivation(session: Session, scope: Scope, goal: Any) -> None:
    """A goal adopting another organization's goal may tighten it, never weaken it."""
    field = "derives_from_id"
    source = session.get(Goal, goal.derives_from_id)
    source_scope = session.get(Scope, source.scope_id) if source else None
    if source is None or source_scope is None:
        raise InvalidInput.on(
            field, lazy("no goal %(derives_from_id)s", derives_from_id=goal.derives_from_id)
        )
    if source_scope.organization_id == scope.organization_id:
        raise InvalidInput.on(field, lazy("derivation links goals of different organizations"))
    if source_scope.visibility != "public":
        raise InvalidInput.on(
            field, lazy("goal %(source_id)s is not published", source_id=source.id)
        )
    publisher = organization_profile(session, source_scope.organization_id)
    # A government's requirement binds only once someone vouches for the government.
    if publisher is not None and publisher.kind == "government" and not publisher.verified:
        raise InvalidInput.on(
            field,
            lazy(
                "goal %(source_id)s is published by %(name)s, an unverified government",
                source_id=source.id,
                name=publisher.name,
            ),
        )
    if source.status != "active":
        raise InvalidInput.on(field, lazy("goal %(source_id)s is retired", source_id=source.id))
    if source.acceptable_level is None or source.direction is None:
        return
    if goal.acceptable_level is None:
        raise InvalidInput.on(
            "acceptable_level",
            lazy(
                "goal %(source_id)s requires %(acceptable_level)s",
                source_id=source.id,
                acceptable_level=source.acceptable_level,
            ),
        )
    if goal.direction != source.direction:
        raise InvalidInput.on(
            "direction",
            lazy(
                "must be %(direction)s, as in goal %(source_id)s",
                direction=source.direction,
                source_id=source.id,
            ),
        )
    if source.unit and goal.unit and source.unit != goal.unit:
        raise InvalidInput.on(
            "unit",
            lazy(
                "must be %(unit)s, as in goal %(source_id)s", unit=source.unit, source_id=source.id
            ),
        )
    if weaker(goal.acceptable_level, source.acceptable_level, source.direction):
        raise InvalidInput.on(
            "acceptable_level",
            lazy(
                "%(level)s is weaker than the %(required)s required by goal %(source_id)s",
                level=goal.acceptable_level,
                required=source.acceptable_level,
                source_id=source.id,
            ),
        )


def _check_indicators_hold(session: Session, goal: Any) -> None:
    """An indicator is never weaker than its goal, so tightening a goal waits
    for its indicators to be tightened first."""
    if goal.id is None or goal.acceptable_level is None:
        return
    indicators = session.scalars(select(Indicator).where(Indicator.goal_id == goal.id))
    for indicator in indicators:
        same_scale = indicator.direction == goal.direction and indicator.unit == (goal.unit or "")
        if same_scale and weaker(indicator.acceptable_level, goal.acceptable_level, goal.direction):
            raise InvalidInput.on(
                "acceptable_level",
                lazy(
                    "indicator %(key)s holds %(level)s, weaker than %(required)s; "
                    "tighten the indicator first",
                    key=indicator.key,
                    level=indicator.acceptable_level,
                    required=goal.acceptable_level,
                ),
            )


def _notify_derived_goals(
    session: Session, scope: Scope, goal: Any, before: dict[str, Any]
) -> None:
    """A requirement that changes or is retired is a changed condition for
    every goal adopting it: each of their scopes gets an outer-loop trigger."""
    watched = ("acceptable_level", "direction", "unit", "status")
    moved = [name for name in watched if before[name] != getattr(goal, name)]
    if not moved:
        return
    derived = session.scalars(
        select(Goal).where(Goal.derives_from_id == goal.id, Goal.status == "active")
    )
    for adopter in derived:
        adopter_scope = session.get(Scope, adopter.scope_id)
        assert adopter_scope is not None
        changes = ", ".join(f"{name} {before[name]} → {getattr(goal, name)}" for name in moved)
        open_trigger(
            session,
            SYSTEM,
            adopter_scope,
            TriggerCreate(
                kind=TriggerKind.condition_change,
                cause=f"goal '{goal.title}' that goal '{adopter.title}' adopts changed: {changes}",
                subject_type="goal",
                subject_id=adopter.id,
                facts={"requirement_goal_id": goal.id, "requirement_version": goal.version},
            ),
        )


def _indicator_rules(session: Session, scope: Scope, indicator: Any) -> None:
    goal = session.get(Goal, indicator.goal_id)
    assert goal is not None  # checked as a reference in this scope
    for name in ("unit", "direction", "acceptable_level", "target"):
        if getattr(indicator, name) is None:
            setattr(indicator, name, getattr(goal, name))
    if indicator.direction is None:
        raise InvalidInput.on("direction", lazy("is needed (the goal has none to inherit)"))
    if indicator.acceptable_level is None:
        raise InvalidInput.on("acceptable_level", lazy("is needed (the goal has none to inherit)"))
    if indicator.unit is None:
        indicator.unit = ""
    _check_levels(indicator.direction, indicator.acceptable_level, indicator.target)
    same_scale = goal.acceptable_level is not None and goal.direction == indicator.direction
    if (
        same_scale
        and (goal.unit or "") == indicator.unit
        and weaker(indicator.acceptable_level, goal.acceptable_level, goal.direction)
    ):
        raise InvalidInput.on(
            "acceptable_level",
            lazy(
                "%(level)s is weaker than its goal's %(required)s",
                level=indicator.acceptable_level,
                required=goal.acceptable_level,
            ),
        )
    clash = session.scalar(
        select(Indicator.id).where(Indicator.scope_id == scope.id, Indicator.key == indicator.key)
    )
    if clash is not None and clash != indicator.id:
        raise InvalidInput.on("key", lazy("%(key)s is taken in this scope", key=indicator.key))
    _ratio_rules(session, indicator)


def _ratio_rules(session: Session, indicator: Any) -> None:
    parts = {"numerator_id": indicator.numerator_id, "denominator_id": indicator.denominator_id}
    if indicator.aggregate != Aggregate.ratio:
        for field, value in parts.items():
            if value is not None:
                raise InvalidInput.on(field, lazy("is only for the ratio aggregate"))
        return
    for field, value in parts.items():
        if value is None:
            raise InvalidInput.on(field, lazy("is needed for the ratio aggregate"))
        if value == indicator.id:
            raise InvalidInput.on(field, lazy("an indicator cannot be a ratio of itself"))
        part = session.get(Indicator, value)
        assert part is not None  # checked as a reference in this scope
        if part.aggregate == Aggregate.ratio:
            raise InvalidInput.on(field, lazy("indicator %(key)s is itself a ratio", key=part.key))
    if indicator.numerator_id == indicator.denominator_id:
        raise InvalidInput.on("denominator_id", lazy("must differ from the numerator"))
    if indicator.id is not None:
        users = session.scalar(
            select(Indicator.key).where(
                (Indicator.numerator_id == indicator.id)
                | (Indicator.denominator_id == indicator.id)
            )
        )
        if users is not None:
            raise InvalidInput.on(
                "aggregate", lazy("indicator %(users)s is a ratio of this one", users=users)
            )


def _trade_off_rules(session: Session, scope: Scope, trade_off: Any) -> None:
    if trade_off.goal_a_id == trade_off.goal_b_id:
        raise InvalidInput.on("goal_b_id", lazy("a trade-off is between two different goals"))


def _allocation_rules(session: Session, scope: Scope, allocation: Any) -> None:
    require_organization(
        session, "responsible_organization_id", allocation.responsible_organization_id
    )
    clash = session.scalar(
        select(Allocation.id).where(
            Allocation.goal_id == allocation.goal_id, Allocation.layer == allocation.layer
        )
    )
    if clash is not None and clash != allocation.id:
        raise InvalidInput.on(
            "layer", lazy("goal %(goal_id)s already has this layer", goal_id=allocation.goal_id)
        )


def _adoptable_goals(session: Session, scope: Scope) -> dict[str, list[tuple[int, str]]]:
    """The goals a goal of ``scope`` may adopt: other organizations' active,
    published goals, named with their scope's name; not those of governments
    nobody vouches for (``_check_derivation`` refuses them)."""
    rows = session.execute(
        select(Goal.id, Goal.title, Scope.name)
        .join(Scope, Scope.id == Goal.scope_id)
        .where(
            Scope.visibility == "public",
            Scope.organization_id != scope.organization_id,
            Scope.organization_id.not_in(unverified_governments()),
            Goal.status == "active",
        )
        .order_by(Scope.name, Goal.id)
    )
    return {"derives_from_id": [(id_, f"{title} ({where})") for id_, title, where in rows]}


GOAL = Kind(
    name="goal",
    plural="goals",
    label=N_("goal"),
    tab="goals",
    label_column="title",
    model=Goal,
    create=GoalCreate,
    update=GoalUpdate,
    read=GoalRead,
    refs=(Ref("parent_id", Goal, "goal", "title"),),
    rules=_goal_rules,
    after_change=_notify_derived_goals,
    other_choices=_adoptable_goals,
    cites=CITES,
)

INDICATOR = Kind(
    name="indicator",
    plural="indicators",
    label=N_("indicator"),
    # Listed under their goals.
    tab="goals",
    label_column="name",
    model=Indicator,
    create=IndicatorCreate,
    update=IndicatorUpdate,
    read=IndicatorRead,
    refs=(
        GOAL.ref("goal_id"),
        Ref("numerator_id", Indicator, "indicator", "name"),
        Ref("denominator_id", Indicator, "indicator", "name"),
    ),
    rules=_indicator_rules,
    cites=CITES,
)

TRADE_OFF = Kind(
    name="trade_off",
    plural="trade-offs",
    label=N_("trade-off"),
    tab="trade-offs",
    # No name of its own: a trade-off is chosen by its number.
    label_column="id",
    model=TradeOff,
    create=TradeOffCreate,
    update=TradeOffUpdate,
    read=TradeOffRead,
    refs=(GOAL.ref("goal_a_id"), GOAL.ref("goal_b_id")),
    rules=_trade_off_rules,
)

ALLOCATION = Kind(
    name="allocation",
    plural="allocations",
    label=N_("allocation"),
    tab="allocations",
    # No name of its own: an allocation is chosen by its number.
    label_column="id",
    model=Allocation,
    create=AllocationCreate,
    update=AllocationUpdate,
    read=AllocationRead,
    refs=(GOAL.ref("goal_id"),),
    rules=_allocation_rules,
)

KINDS = (GOAL, INDICATOR, TRADE_OFF, ALLOCATION)


def goals_in_scope(session: Session, scope_id: int, ids: Iterable[int]) -> list[Goal]:
    """The goals ``ids`` that belong to the scope, as rows another part's tables may
    refer to (a consultation's goals). One query."""
    return list(
        session.scalars(select(Goal).where(Goal.id.in_(list(ids)), Goal.scope_id == scope_id))
    )


def goal_owner(session: Session, goal_id: int) -> tuple[int, str] | None:
    """The organization whose scope holds the goal, and the goal's title."""
    row = session.execute(
        select(Scope.organization_id, Goal.title)
        .join(Scope, Scope.id == Goal.scope_id)
        .where(Goal.id == goal_id)
    ).first()
    return None if row is None else (row[0], row[1])


def goal_titles(session: Session, scope_id: int) -> dict[int, str]:
    """Every goal's title in the scope, by id (one query)."""
    rows = session.execute(select(Goal.id, Goal.title).where(Goal.scope_id == scope_id))
    return {row.id: row.title for row in rows}


def adopters_of(session: Session, goal_id: int) -> list[tuple[int, str, int]]:
    """The active goals adopting ``goal_id``: ``(goal id, title, scope id)``, by id."""
    rows = session.execute(
        select(Goal.id, Goal.title, Goal.scope_id)
        .where(Goal.derives_from_id == goal_id, Goal.status == "active")
        .order_by(Goal.id)
    )
    return [(id_, title, scope_id) for id_, title, scope_id in rows]


def requirements_of(session: Session, scope_ids: Collection[int]) -> list[Goal]:
    """The active specific goals of the scopes, which another organization may adopt
    as requirements, by scope then id (one query)."""
    return list(
        session.scalars(
            select(Goal)
            .where(
                Goal.scope_id.in_(scope_ids),
                Goal.level == "specific",
                Goal.status == "active",
            )
            .order_by(Goal.scope_id, Goal.id)
        )
    )


# ---------------------------------------------------------------- reads for monitoring


def indicator_labels(session: Session, scope_id: int) -> list[tuple[str, str, str]]:
    """(key, name, unit) of every indicator in the scope, by key (one query)."""
    rows = session.execute(
        select(Indicator.key, Indicator.name, Indicator.unit)
        .where(Indicator.scope_id == scope_id)
        .order_by(Indicator.key)
    )
    return [(row.key, row.name, row.unit) for row in rows]


def known_indicator_keys(session: Session, scope_id: int, keys: Collection[str]) -> set[str]:
    """Those of ``keys`` that name an indicator in the scope (one query)."""
    return set(
        session.scalars(
            select(Indicator.key).where(Indicator.scope_id == scope_id, Indicator.key.in_(keys))
        )
    )


def indicator_names(session: Session, scope_id: int) -> dict[int, str]:
    """Every indicator's name in the scope, by id (one query)."""
    rows = session.execute(
        select(Indicator.id, Indicator.name).where(Indicator.scope_id == scope_id)
    )
    return {indicator_id: name for indicator_id, name in rows}


def indicator_in_scope(session: Session, scope_id: int, indicator_id: int) -> bool:
    indicator = session.get(Indicator, indicator_id)
    return indicator is not None and indicator.scope_id == scope_id


class IndicatorOfGoal(NamedTuple):
    """An indicator as its own page shows it, with its goal's title."""

    indicator: IndicatorRead
    goal_title: str


def indicator_of_goal(session: Session, scope_id: int, indicator_id: int) -> IndicatorOfGoal | None:
    """The indicator ``indicator_id`` of the scope and its goal's title, or None
    when the scope has no such indicator (one query)."""
    found = session.execute(
        select(Indicator, Goal.title)
        .join(Goal, Goal.id == Indicator.goal_id)
        .where(Indicator.id == indicator_id, Indicator.scope_id == scope_id)
    ).first()
    if found is None:
        return None
    return IndicatorOfGoal(IndicatorRead.model_validate(found[0]), found[1])


def indicators_keyed(
    session: Session, keys: Collection[str], scopes: int | Select[tuple[int]]
) -> list[tuple[str, int, int, bool]]:
    """(key, id, scope id, whether it accepts non-finite values) of the indicators
    named by ``keys`` in one scope or in the scopes a query selects (one query)."""
    query = select(
        Indicator.key, Indicator.id, Indicator.scope_id, Indicator.allow_non_finite
    ).where(Indicator.key.in_(keys))
    if isinstance(scopes, int):
        query = query.where(Indicator.scope_id == scopes)
    else:
        query = query.where(Indicator.scope_id.in_(scopes))
    return [(row.key, row.id, row.scope_id, row.allow_non_finite) for row in session.execute(query)]


class ActiveIndicator(NamedTuple):
    """An indicator of an active goal, with what evaluating it needs of its goal."""

    row: Indicator
    goal_title: str
    derived: bool  # its goal adopts another organization's requirement
    # That requirement's level, where it is on the indicator's scale (same direction
    # and unit); None where the goal adopts nothing or the levels cannot be compared.
    required_level: float | None
    # The goal its goal adopts, if any.
    adopts: int | None = None


@functools.cache
def _active_indicators_query() -> Select[Any]:
    """The query of :func:`active_indicators`, its scope the parameter ``scope_id``:
    built once, as building it costs more than running it on a scope of a few
    indicators (and every evaluation of every scope runs it)."""
    required = aliased(Goal)
    return (
        select(
            Indicator,
            Goal.title,
            Goal.derives_from_id,
            required.acceptable_level,
            required.direction,
            required.unit,
        )
        .join(Goal, Goal.id == Indicator.goal_id)
        .outerjoin(required, required.id == Goal.derives_from_id)
        .where(Indicator.scope_id == bindparam("scope_id"), Goal.status == "active")
        .order_by(Indicator.id)
    )


def active_indicators(session: Session, scope_id: int) -> list[ActiveIndicator]:
    """The scope's indicators of active goals, by id (one query)."""
    found = []
    rows = session.execute(_active_indicators_query(), {"scope_id": scope_id})
    for row, title, derives_from, level, direction, unit in rows:
        comparable = direction == row.direction and (unit or "") == row.unit
        found.append(
            ActiveIndicator(
                row, title, derives_from is not None, level if comparable else None, derives_from
            )
        )
    return found


def indicator_ids(
    scope_id: int | BindParameter[int], *, active_only: bool = False
) -> Select[tuple[int]]:
    """The query of the ids of the scope's indicators (only those of active goals,
    if asked), for another part's query to filter its rows by; the scope may be a
    parameter, for a query built once and run for many scopes."""
    query = select(Indicator.id).where(Indicator.scope_id == scope_id)
    if active_only:
        query = query.join(Goal, Goal.id == Indicator.goal_id).where(Goal.status == "active")
    return query


def indicator_scope_ids() -> Select[tuple[int]]:
    """The query of the ids of the scopes that have indicators."""
    return select(Indicator.scope_id)


def indicators_of_goals(session: Session, goal_ids: Collection[int]) -> list[Indicator]:
    """The indicators of the goals ``goal_ids``, by id (one query)."""
    if not goal_ids:
        return []
    return list(
        session.scalars(
            select(Indicator).where(Indicator.goal_id.in_(list(goal_ids))).order_by(Indicator.id)
        )
    )


def goal_facts(session: Session, scope_id: int) -> list[dict[str, Any]]:
    """A scope's active goals with their levels, for reports."""
    rows = session.scalars(
        select(Goal).where(Goal.scope_id == scope_id, Goal.status == "active").order_by(Goal.id)
    )
    return [
        {
            "id": goal.id,
            "title": goal.title,
            "level": goal.level,
            "unit": goal.unit,
            "direction": goal.direction,
            "acceptable_level": goal.acceptable_level,
            "target": goal.target,
        }
        for goal in rows
    ]


def indicator_facts(session: Session, scope_id: int) -> list[dict[str, Any]]:
    """A scope's indicators with their levels, for reports."""
    indicators = session.scalars(
        select(Indicator).where(Indicator.scope_id == scope_id).order_by(Indicator.id)
    )
    return [
        {
            "id": indicator.id,
            "key": indicator.key,
            "name": indicator.name,
            "goal_id": indicator.goal_id,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "acceptable_level": indicator.acceptable_level,
            "target": indicator.target,
        }
        for indicator in indicators
    ]
