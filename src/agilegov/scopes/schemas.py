from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from agilegov.schemas import Input, LongText, Name, Output, partial_model


class ScopeKind(StrEnum):
    ai_system = "ai_system"
    service = "service"
    data_platform = "data_platform"
    infrastructure = "infrastructure"
    rule_domain = "rule_domain"


class Visibility(StrEnum):
    private = "private"
    public = "public"


class ScopeStatus(StrEnum):
    active = "active"
    archived = "archived"


# A framework version the scope follows, as the library names it.
FrameworkRef = Annotated[
    str,
    Field(
        min_length=3,
        max_length=160,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="framework@version, e.g. aigb@1.1",
    ),
]


class ScopeCreate(Input):
    organization_id: int
    name: Name
    kind: ScopeKind
    description: LongText = ""
    visibility: Visibility = Visibility.private
    frameworks: list[FrameworkRef] = Field(default_factory=list, max_length=50)


class ScopeUpdateFields(Input):
    name: Name
    kind: ScopeKind
    description: LongText = ""
    visibility: Visibility = Visibility.private
    status: ScopeStatus = ScopeStatus.active
    frameworks: list[FrameworkRef] = Field(default_factory=list, max_length=50)


ScopeUpdate = partial_model(ScopeUpdateFields)


class ScopeRead(Output):
    id: int
    organization_id: int
    name: str
    kind: ScopeKind
    description: str
    visibility: Visibility
    status: ScopeStatus
    frameworks: list[str] = []
    created_at: datetime
    updated_at: datetime
