"""What the API takes and gives for disclosures to named audiences."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from agilegov.schemas import Input, LongText, Name, Output, ShortText


class Audience(StrEnum):
    public = "public"
    stakeholders = "stakeholders"  # stakeholders of the scope's register
    regulator = "regulator"  # an organization of kind government
    assessor = "assessor"  # an organization of kind assessor
    organization = "organization"  # any named organization


class Status(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


class ItemRef(Input):
    kind: str = Field(max_length=32)
    id: int = Field(ge=1)


class WithheldInput(Input):
    """An item not disclosed; what its reason needs is checked by ``withheld.check_withheld``."""

    kind: str = Field(max_length=32)
    id: int = Field(ge=1)
    reason: str = Field(max_length=32)
    explanation: ShortText = ""
    steps: ShortText = ""
    expected_on: date | None = None


class DisclosureCreate(Input):
    title: Name
    message: LongText = ""
    audience: Audience
    audience_organization_id: int | None = None
    stakeholder_ids: list[int] = Field(default_factory=list, max_length=200)
    items: list[ItemRef] = Field(default_factory=list, max_length=200)
    withheld: list[WithheldInput] = Field(default_factory=list, max_length=200)


class Withdrawal(Input):
    reason: ShortText = Field(min_length=1)


class DisclosedItemRead(Output):
    kind: str
    id: int
    title: str
    snapshot: dict[str, Any]


class WithheldRead(Output):
    kind: str
    id: int
    title: str
    reason: str
    explanation: str
    steps: str
    expected_on: date | None


class DisclosureRead(Output):
    id: int
    scope_id: int
    organization_id: int
    title: str
    message: str
    audience: Audience
    audience_organization_id: int | None
    stakeholder_ids: list[int]
    # The organizations whose members read it, once published.
    reader_organization_ids: list[int]
    status: Status
    items: list[DisclosedItemRead]
    withheld: list[WithheldRead]
    created_at: datetime
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str


class DisclosureSummary(Output):
    id: int
    scope_id: int
    organization_id: int
    title: str
    audience: Audience
    status: Status
    published_at: datetime | None
    withdrawn_at: datetime | None
