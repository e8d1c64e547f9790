from datetime import datetime
from typing import Any

from pydantic import Field

from agilegov.i18n import N_
from agilegov.record.credentials import AttestationMethod
from agilegov.schemas import Input, LongText, Output, ShortText, StoredDatetime


class AssessmentCreate(Input):
    assessor_organization_id: int
    scope_id: int
    method: AttestationMethod
    criteria: list[ShortText] = Field(min_length=1, max_length=100)
    result: LongText = Field(min_length=1)
    findings: list[ShortText] = Field(default_factory=list, max_length=200)


class AssessmentRead(Output):
    id: int
    assessor_organization_id: int
    scope_id: int
    method: AttestationMethod
    criteria: list[str]
    result: str
    findings: list[str]
    created_at: datetime


class AttestationIssue(Input):
    valid_until: StoredDatetime = Field(description=N_("The attestation lapses then."))
    valid_from: StoredDatetime | None = Field(default=None, description=N_("Defaults to now."))


class AttestationRevoke(Input):
    reason: LongText = Field(min_length=1)


class AttestationRead(Output):
    id: int
    assessment_id: int
    credential: dict[str, Any]
    credential_sha256: str
    issuer_did: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    status_list_index: int | None


class AttestationStatus(Output):
    id: int
    credential_sha256: str
    issuer_did: str
    valid_from: datetime
    valid_until: datetime
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
