from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from agilegov.assurance.parties import Cause, Finding
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


class Evidence(Input):
    """A link to evidence: an evaluation of one of the scope's indicators (``id``),
    an entry of the record (``index``; its receipt carries the inclusion proof),
    or a document outside agilegov named by the SHA-256 of its bytes
    (``sha256`` and ``name``)."""

    kind: Literal["evaluation", "record", "document"]
    id: int | None = None
    index: int | None = Field(default=None, ge=0)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None,
        description=N_("The SHA-256 of the document's bytes, 64 lowercase hexadecimal digits."),
    )
    name: Name | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> "Evidence":
        needed = {"evaluation": ("id",), "record": ("index",), "document": ("sha256", "name")}
        for field in ("id", "index", "sha256", "name"):
            given = getattr(self, field) is not None
            if given != (field in needed[self.kind]):
                problem = "required for" if not given else "not used by"
                raise ValueError(f"{field}: {problem} evidence of kind {self.kind}")
        return self


EvidenceList = Annotated[list[Evidence], Field(max_length=50)]


class CriterionInput(Input):
    """A requirement of the library (framework@version#id) or a goal of the scope."""

    requirement: ShortText | None = Field(
        default=None, description=N_("A requirement: framework@version#id.")
    )
    goal_id: int | None = Field(default=None, description=N_("A goal of the assessed scope."))


class AssessmentFields(Input):
    """What an assessment states besides its criteria: the API names them as one
    list (``AssessmentCreate``), the page as requirements and goals."""

    assessor_organization_id: int = Field(
        description=N_(
            "Who assesses: the scope's own organization for a self-declaration or an internal "
            "audit, another organization otherwise."
        )
    )
    scope_id: int
    method: AttestationMethod
    engagement_id: int | None = Field(
        default=None,
        description=N_(
            "The engagement, accepted by the scope's owner, the assessment answers: needed by "
            "anyone but the scope's own organization."
        ),
    )
    coverage: LongText = Field(min_length=1, description=N_("What the assessment covers."))
    period_start: date
    period_end: date
    independence: LongText = Field(
        min_length=1,
        description=N_(
            "The assessor's declaration of its independence from what it assesses "
            "(for the scope's own organization: who assessed, and how far from the work)."
        ),
    )
    plan_id: int | None = Field(
        default=None, description=N_("The scope's assessment plan it carries out.")
    )
    scheme_id: int | None = Field(
        default=None,
        description=N_(
            "The accreditation scheme it is made under: one the assessor is accredited for. "
            "Its credentials name it, and a verifier checks the accreditation."
        ),
    )


class AssessmentCreate(AssessmentFields):
    criteria: list[CriterionInput] = Field(min_length=1, max_length=200)


class FindingSet(Input):
    finding: Finding
    cause: Cause | None = Field(
        default=None,
        description=N_(
            "For a major nonconformity: what is wrong (a measure, a goal, the risk analysis)."
        ),
    )
    note: LongText = ""
    evidence: EvidenceList = Field(default_factory=list)


class AssessmentComplete(Input):
    result: LongText = Field(min_length=1, description=N_("The assessment's conclusion."))


class FindingClose(Input):
    note: LongText = Field(min_length=1, description=N_("How the nonconformity was closed."))
    evidence: EvidenceList = Field(min_length=1, description=N_("The closing evidence."))


ActionBecomes = Literal["measure_change", "review"]


class ImprovementActionCreate(Input):
    criterion_id: int = Field(description=N_("The nonconformity it answers."))
    title: Name
    description: LongText = ""
    owner_id: int = Field(description=N_("A member of the assessed scope's organization."))
    due: date
    becomes: ActionBecomes = Field(description=N_("A change of a measure, or a review."))
    measure_id: int | None = Field(
        default=None, description=N_("The measure to change (for a measure change).")
    )


class ImprovementActionDone(Input):
    note: LongText = Field(min_length=1)
    measure_version: int | None = Field(
        default=None, description=N_("The measure's version that carries out the change.")
    )
    review_id: int | None = Field(default=None, description=N_("The review that carried it out."))


class EvidenceRead(Output):
    kind: str
    id: int | None = None
    index: int | None = None
    sha256: str | None = None
    name: str | None = None


class CriterionRead(Output):
    id: int
    position: int
    source: str
    reference: str | None
    goal_id: int | None
    title: str
    level: str
    finding: Finding | None
    cause: Cause | None
    note: str
    evidence: list[EvidenceRead]
    closed_at: datetime | None
    closing_note: str
    closing_evidence: list[EvidenceRead]


class ImprovementActionRead(Output):
    id: int
    assessment_id: int
    criterion_id: int
    title: str
    description: str
    owner_id: int
    due: date
    becomes: ActionBecomes
    measure_id: int | None
    created_at: datetime
    done_at: datetime | None
    done_note: str
    measure_version: int | None
    review_id: int | None


class AssessmentRead(Output):
    id: int
    assessor_organization_id: int
    scope_id: int
    method: AttestationMethod
    coverage: str
    period_start: date | None
    period_end: date | None
    independence: str
    status: Literal["open", "completed"]
    result: str
    created_at: datetime
    completed_at: datetime | None
    plan_id: int | None
    engagement_id: int | None
    scheme_id: int | None
    criteria: list[CriterionRead]
    actions: list[ImprovementActionRead]


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
    suspended_by_assessment_id: int | None


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
    # The later assessment whose major nonconformity suspended it, if one did.
    suspended_by_assessment_id: int | None = None


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


AttestationState = Literal["none", "standing", "suspended", "revoked", "expired"]


class AssuranceRead(Output):
    """A completed assessment, summed up: what stands behind a scope's governance."""

    assessment_id: int
    assessor_organization_id: int
    assessor_name: str
    method: AttestationMethod
    # The highest robustness the method reaches on this site.
    robustness: Robustness | None
    period_start: date | None
    period_end: date | None
    completed_at: datetime | None
    frameworks: list[str]
    # How many criteria had each finding.
    findings: dict[str, int]
    open_nonconformities: int
    open_major: int
    overdue_actions: int
    attestation_id: int | None
    attestation: AttestationState


class PlanSummary(Output):
    id: int
    method: AttestationMethod
    every_months: int
    next_due: date
    overdue: bool


class TrustAreaSummary(Output):
    id: int
    title: str
    robustness: Robustness
    relied_on_by: str
    plans: list[PlanSummary]


class ScopeAssuranceRead(Output):
    scope_id: int
    scope_name: str
    organization_id: int
    organization_name: str
    trust_areas: list[TrustAreaSummary]
    assessments: list[AssuranceRead]


class AdopterAssuranceRead(Output):
    organization_id: int
    organization_name: str
    scope_id: int
    scope_name: str
    goal_id: int
    goal_title: str
    # The most robust trust the scope's own trust areas ask for.
    robustness_needed: Robustness | None
    # The latest completed assessment with the adopting goal among its criteria,
    # else the scope's latest; None: not assessed.
    assurance: AssuranceRead | None
    covers_goal: bool


class RequirementAssuranceRead(Output):
    goal_id: int
    goal_title: str
    scope_id: int
    organization_id: int
    organization_name: str
    adopters: list[AdopterAssuranceRead]
