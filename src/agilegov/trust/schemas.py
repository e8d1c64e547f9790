from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output, Slug, StoredDatetime


class AccreditationStatus(StrEnum):
    granted = "granted"
    suspended = "suspended"
    withdrawn = "withdrawn"


class AccreditationBodyAppoint(Input):
    organization_id: int = Field(description=N_("A verified organization."))


class AccreditationBodyRead(Output):
    organization_id: int
    appointed_at: datetime
    ended_at: datetime | None


class SchemeCreate(Input):
    accreditation_body_id: int = Field(description=N_("The accreditation body that owns it."))
    slug: Slug
    name: Name
    description: LongText = ""


class SchemeRead(Output):
    id: int
    slug: str
    urn: str
    name: str
    description: str
    accreditation_body_id: int
    created_at: datetime


class AccreditationCreate(Input):
    scheme_id: int
    assessor_organization_id: int
    valid_until: StoredDatetime = Field(description=N_("The accreditation lapses then."))
    valid_from: StoredDatetime | None = Field(default=None, description=N_("Defaults to now."))


class AccreditationChangeReason(Input):
    reason: LongText = Field(min_length=1)


class AccreditationRead(Output):
    id: int
    scheme_id: int
    assessor_organization_id: int
    issuer_did: str
    valid_from: datetime
    valid_until: datetime
    status: AccreditationStatus
    status_since: datetime
    created_at: datetime


class TrustListVersionRead(Output):
    version: int
    sha256: str
    published_at: datetime
    valid_until: datetime
