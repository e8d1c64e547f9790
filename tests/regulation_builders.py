"""A government's published requirement and a business adopting it, for the
regulation tests."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from agilegov.regulation.service import REQUIREMENT, publish_requirement
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from builders import World, add, indicator, new_scope, specific_goal


@dataclass
class Regulated:
    gov_scope: int
    gov_goal: int
    gov_indicator: int
    requirement: Any
    scope: int  # the business's adopting scope
    goal: int  # its adopting goal
    indicator: Any  # its indicator of the required key


def rule_domain(world: World, name: str = "Fair hiring") -> int:
    data = ScopeCreate(
        organization_id=world.regulator_id, name=name, kind="rule_domain", visibility="public"
    )
    return create_scope(world.uow, world.outsider, data).id


def requirement_fields(goal_id: int, indicator_id: int, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Fairness in automated hiring",
        "applies_to": "Providers of hiring platforms",
        "effective_from": date(2025, 4, 1),
        "goal_ids": [goal_id],
        "indicator_ids": [indicator_id],
    }
    return values | fields


def regulated(world: World, *, adopter_visibility: str = "private", **fields: Any) -> Regulated:
    """A published requirement (monthly reports due 3 business days after a month
    unless told otherwise) and the business's scope adopting its goal with a
    stricter level and the required indicator's key."""
    gov_scope = rule_domain(world)
    gov_goal = specific_goal(world.uow, world.outsider, gov_scope).id
    gov_indicator = indicator(world.uow, world.outsider, gov_scope, gov_goal).id
    values = requirement_fields(
        gov_goal, gov_indicator, report_every_months=1, report_due_business_days=3
    )
    created = add(world.uow, world.outsider, gov_scope, REQUIREMENT, **(values | fields))
    published = publish_requirement(world.uow, world.outsider, created.id)
    scope = new_scope(world.uow, world.owner, world.business_id, visibility=adopter_visibility)
    goal = specific_goal(
        world.uow, world.owner, scope, derives_from_id=gov_goal, acceptable_level=0.85
    ).id
    own = indicator(world.uow, world.owner, scope, goal)
    return Regulated(gov_scope, gov_goal, gov_indicator, published, scope, goal, own)
