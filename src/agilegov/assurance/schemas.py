from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from agilegov.assurance.robustness import Robustness
from agilegov.i18n import N_
from agilegov.record.credentials import AttestationMethod
from agilegov.schemas import Input, LongText, Name, Output, ShortText, StoredDatetime, partial_model

# Not an enumeration: its words would be labels shared with other parts'
# (an input "accepted" in a consultation reads otherwise).
EngagementStatus = Literal["requested", "accepted", "refused", "withdrawn"]


SchemeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EngagementCreate(Input):
    assessor_organization_id: int
    scope_id: int
    scheme: SchemeText = Field(description=N_("The scheme or method of assessment asked for."))
    message: LongText = Field(default="", description=N_("What the assessor asks, and why."))


class EngagementAccept(Input):
    note: LongText = ""


class EngagementRefuse(Input):
    note: LongText = Field(min_length=1)


class EngagementRead(Output):
    id: int
    assessor_organization_id: int
    scope_id: int
    scheme: str
    message: str
    requested_by: int | None
    requested_at: datetime
    status: EngagementStatus
    decided_by: int | None
    decided_at: datetime | None
    decision_note: str | None


class AssessmentCreate(Input):
    engagement_id: int = Field(
        description=N_("The engagement, accepted by the scope's owner, the assessment answers.")
    )
    assessor_organization_id: int
    scope_id: int
    method: AttestationMethod
    criteria: list[ShortText] = Field(min_length=1, max_length=100)
    result: LongText = Field(min_length=1)
    findings: list[ShortText] = Field(default_factory=list, max_length=200)
    scheme_id: int | None = Field(
        default=None,
        description=N_(
            "The accreditation scheme it is made under: one the assessor is accredited for. "
            "Its credentials name it, and a verifier checks the accreditation."
        ),
    )


class AssessmentRead(Output):
    id: int
    assessor_organization_id: int
    scope_id: int
    method: AttestationMethod
    criteria: list[str]
    result: str
    findings: list[str]
    created_at: datetime
    engagement_id: int | None
    scheme_id: int | None


class AttestationIssue(Input):
    valid_until: StoredDatetime = Field(description=N_("The attestation lapses then."))
    valid_from: StoredDatetime | None = Field(default=None, description=N_("Defaults to now."))


class AttestationRevoke(Input):
    reason: LongText = Field(min_length=1)


class AttestationSuspend(Input):
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
    suspended_at: datetime | None
    suspension_reason: str | None
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
    suspended: bool
    suspended_at: datetime | None
    suspension_reason: str | None


class TrustAreaCreate(Input):
    title: Name
    description: LongText = ""
    robustness: Robustness = Field(description=N_("How robust the trust here must be."))
    reason: LongText = Field(
        min_length=1, description=N_("Why: how severe the risks involved are.")
    )
    relied_on_by: ShortText = Field(
        min_length=1, description=N_("Who relies on it (users, regulators, partners, ...).")
    )
    risk_ids: list[int] = Field(default_factory=list, max_length=200)


TrustAreaUpdate = partial_model(TrustAreaCreate)


class TrustAreaRead(Output):
    id: int
    scope_id: int
    title: str
    description: str
    robustness: Robustness
    reason: str
    relied_on_by: str
    risk_ids: list[int]
    created_at: datetime
    updated_at: datetime


class AssessmentPlanCreate(Input):
    trust_area_id: int
    method: AttestationMethod = Field(description=N_("It must meet the trust area's robustness."))
    every_months: int = Field(ge=1, le=60, description=N_("How often, in months (1 to 60)."))
    next_due: date
    note: LongText = ""


AssessmentPlanUpdate = partial_model(AssessmentPlanCreate)


class AssessmentPlanRead(Output):
    id: int
    scope_id: int
    trust_area_id: int
    method: AttestationMethod
    every_months: int
    next_due: date
    note: str
    created_at: datetime
    updated_at: datetime


class RobustnessMethodsSet(Input):
    methods: list[AttestationMethod] = Field(min_length=1, max_length=len(AttestationMethod))


class RobustnessLevelRead(Output):
    robustness: Robustness
    methods: list[AttestationMethod]


class RobustnessTableRead(Output):
    # Whether the site's operator has set its own table (else the default holds).
    customized: bool
    levels: list[RobustnessLevelRead]
