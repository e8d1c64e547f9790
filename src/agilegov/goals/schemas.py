from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from agilegov.i18n import N_
from agilegov.schemas import (
    FiniteFloat,
    Input,
    LongText,
    Name,
    Output,
    ShortText,
    partial_model,
)


class GoalLevel(StrEnum):
    ultimate = "ultimate"
    core_value = "core_value"
    specific = "specific"


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class GoalStatus(StrEnum):
    active = "active"
    retired = "retired"


class GoalCreate(Input):
    title: Name
    level: GoalLevel
    parent_id: int | None = None
    description: LongText = ""
    direction: Direction | None = None
    unit: str | None = Field(
        default=None, max_length=32, description=N_("What the values count, e.g. ratio, %, days.")
    )
    acceptable_level: FiniteFloat | None = Field(
        default=None,
        description=N_(
            "The line between acceptable and unacceptable, in the goal's unit, e.g. 0.8."
        ),
    )
    target: FiniteFloat | None = Field(
        default=None, description=N_("The value aimed for, in the goal's unit, e.g. 0.95.")
    )
    review_by: date | None = Field(
        default=None,
        description=N_(
            "The date by which the goal is looked at again; once passed, a trigger opens."
        ),
    )
    derives_from_id: int | None = Field(
        default=None, description=N_("Another organization's goal this one adopts.")
    )
    requirements: list[ShortText] = Field(
        default_factory=list,
        max_length=100,
        description=N_("Requirements of the followed frameworks it meets (framework@version#id)."),
    )
    change_note: ShortText = ""


GoalUpdate = partial_model(GoalCreate)


class GoalRead(Output):
    id: int
    scope_id: int
    title: str
    level: GoalLevel
    parent_id: int | None
    description: str
    direction: Direction | None
    unit: str | None
    acceptable_level: float | None
    target: float | None
    review_by: date | None
    derives_from_id: int | None
    requirements: list[str] = []
    status: GoalStatus
    version: int
    created_at: datetime
    updated_at: datetime


class Aggregate(StrEnum):
    last = "last"
    mean = "mean"
    min = "min"
    max = "max"
    p95 = "p95"
    sum = "sum"
    count = "count"
    rate = "rate"
    ratio = "ratio"


class IndicatorCreate(Input):
    goal_id: int
    key: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.\-]*$",
        description=N_(
            "How observations name it: lower-case letters, digits, '.', '_' and '-', "
            "e.g. selection-ratio."
        ),
    )
    name: Name
    description: LongText = ""
    unit: str | None = Field(default=None, max_length=32, description=N_("Defaults to the goal's."))
    direction: Direction | None = Field(default=None, description=N_("Defaults to the goal's."))
    acceptable_level: FiniteFloat | None = Field(
        default=None,
        description=N_("In the indicator's unit, e.g. 0.8; defaults to the goal's."),
    )
    target: FiniteFloat | None = Field(
        default=None, description=N_("In the indicator's unit, e.g. 0.95; defaults to the goal's.")
    )
    window_days: int = Field(
        default=7,
        ge=1,
        le=3660,
        description=N_("The days of observations each evaluation reads, e.g. 30."),
    )
    aggregate: Aggregate = Aggregate.mean
    numerator_id: int | None = Field(
        default=None, description=N_("For the ratio aggregate: the indicator divided.")
    )
    denominator_id: int | None = Field(
        default=None, description=N_("For the ratio aggregate: the indicator divided by.")
    )
    allow_non_finite: bool = Field(
        default=False,
        description=N_("Accept NaN and ±Inf observations (ignored when aggregating)."),
    )
    escalate_after: int = Field(
        default=3,
        ge=1,
        le=1000,
        description=N_("Windows in breach after which the goal itself is questioned (outer loop)."),
    )
    data_source: ShortText = Field(
        min_length=1, description=N_("Where the values come from, e.g. the screening log.")
    )
    requirements: list[ShortText] = Field(
        default_factory=list,
        max_length=100,
        description=N_("Requirements of the followed frameworks it meets (framework@version#id)."),
    )


IndicatorUpdate = partial_model(IndicatorCreate)


class IndicatorRead(Output):
    id: int
    scope_id: int
    goal_id: int
    key: str
    name: str
    description: str
    unit: str
    direction: Direction
    acceptable_level: float
    target: float | None
    window_days: int
    aggregate: Aggregate
    numerator_id: int | None
    denominator_id: int | None
    allow_non_finite: bool
    escalate_after: int
    data_source: str
    requirements: list[str] = []
    created_at: datetime
    updated_at: datetime


class TradeOffCreate(Input):
    goal_a_id: int
    goal_b_id: int
    description: LongText = ""
    balance: LongText = Field(min_length=1, description=N_("The balance struck, and why."))


TradeOffUpdate = partial_model(TradeOffCreate)


class TradeOffRead(Output):
    id: int
    scope_id: int
    goal_a_id: int
    goal_b_id: int
    description: str
    balance: str
    created_at: datetime
    updated_at: datetime


class Layer(StrEnum):
    regulation = "regulation"
    voluntary = "voluntary"
    market = "market"
    infrastructure = "infrastructure"


class AllocationCreate(Input):
    goal_id: int
    layer: Layer
    responsible_organization_id: int | None = None
    cost_benefit: LongText = ""


AllocationUpdate = partial_model(AllocationCreate)


class AllocationRead(Output):
    id: int
    scope_id: int
    goal_id: int
    layer: Layer
    responsible_organization_id: int | None
    cost_benefit: str
    created_at: datetime
    updated_at: datetime
