from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output, ShortText, partial_model


class MeasureKind(StrEnum):
    technology = "technology"
    rule = "rule"
    organization = "organization"


class RuleLayer(StrEnum):
    """Layers of governance by rules (report 4.3.2)."""

    voluntary = "voluntary"
    provider_user = "provider_user"
    standard_certification = "standard_certification"
    law_regulation = "law_regulation"
    substantive_law = "substantive_law"


class MeasureStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    implemented = "implemented"
    retired = "retired"


class MeasureCreate(Input):
    kind: MeasureKind
    rule_layer: RuleLayer | None = Field(default=None, description=N_("Needed when kind is rule."))
    title: Name
    description: LongText = ""
    status: MeasureStatus = MeasureStatus.planned
    requirements: list[ShortText] = Field(
        default_factory=list,
        max_length=100,
        description=N_("Requirements of the followed frameworks it meets (framework@version#id)."),
    )
    risk_ids: list[int] = Field(default_factory=list, max_length=200)
    goal_ids: list[int] = Field(default_factory=list, max_length=200)
    change_note: ShortText = ""


MeasureUpdate = partial_model(MeasureCreate)


class MeasureRead(Output):
    id: int
    scope_id: int
    kind: MeasureKind
    rule_layer: RuleLayer | None
    title: str
    description: str
    status: MeasureStatus
    requirements: list[str] = []
    risk_ids: list[int]
    goal_ids: list[int]
    version: int
    created_at: datetime
    updated_at: datetime
