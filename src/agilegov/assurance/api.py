from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from agilegov.api.crud import kind_router
from agilegov.api.deps import Actor, Paging, Uow
from agilegov.assurance import service
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentCreate,
    AssessmentRead,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
    AttestationStatus,
    AttestationSuspend,
    EngagementAccept,
    EngagementCreate,
    EngagementRead,
    EngagementRefuse,
    EngagementStatus,
    FindingClose,
    FindingSet,
    ImprovementActionCreate,
    ImprovementActionDone,
    ImprovementActionRead,
    RequirementAssuranceRead,
    RobustnessMethodsSet,
    RobustnessTableRead,
    ScopeAssuranceRead,
)
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.organizations.service import get_organization
from agilegov.record.status_lists import StatusPurpose
from agilegov.schemas import Page

router = APIRouter(tags=["assurance"])


@router.get("/engagements", response_model=Page[EngagementRead])
def list_engagements(
    uow: Uow,
    actor: Actor,
    page: Paging,
    scope_id: Annotated[int | None, Query()] = None,
    status: Annotated[EngagementStatus | None, Query()] = None,
) -> Any:
    """The engagements of the caller's assessors and of its organizations' scopes."""
    return service.list_engagements(uow, actor, page.limit, page.offset, scope_id, status)


@router.post("/engagements", response_model=EngagementRead, status_code=201)
def request_engagement(body: EngagementCreate, uow: Uow, actor: Actor) -> Any:
    return service.request_engagement(uow, actor, body)


@router.get("/engagements/{engagement_id}", response_model=EngagementRead)
def get_engagement(engagement_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_engagement(uow, actor, engagement_id)


@router.post("/engagements/{engagement_id}/accept", response_model=EngagementRead)
def accept_engagement(engagement_id: int, body: EngagementAccept, uow: Uow, actor: Actor) -> Any:
    return service.accept_engagement(uow, actor, engagement_id, body)


@router.post("/engagements/{engagement_id}/refuse", response_model=EngagementRead)
def refuse_engagement(engagement_id: int, body: EngagementRefuse, uow: Uow, actor: Actor) -> Any:
    return service.refuse_engagement(uow, actor, engagement_id, body)


@router.post("/engagements/{engagement_id}/withdraw", response_model=EngagementRead)
def withdraw_engagement(engagement_id: int, uow: Uow, actor: Actor) -> Any:
    return service.withdraw_engagement(uow, actor, engagement_id)


@router.get("/assessments", response_model=Page[AssessmentRead])
def list_assessments(
    uow: Uow, actor: Actor, page: Paging, scope_id: Annotated[int | None, Query()] = None
) -> Any:
    return service.list_assessments(uow, actor, page.limit, page.offset, scope_id)


@router.post("/assessments", response_model=AssessmentRead, status_code=201)
def create_assessment(body: AssessmentCreate, uow: Uow, actor: Actor) -> Any:
    return service.create_assessment(uow, actor, body)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def get_assessment(assessment_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_assessment(uow, actor, assessment_id)


@router.put("/assessments/{assessment_id}/criteria/{criterion_id}", response_model=AssessmentRead)
def set_finding(
    assessment_id: int, criterion_id: int, body: FindingSet, uow: Uow, actor: Actor
) -> Any:
    """Record the finding against one criterion, with its evidence (while open)."""
    return service.set_finding(uow, actor, assessment_id, criterion_id, body)


@router.post("/assessments/{assessment_id}/complete", response_model=AssessmentRead)
def complete_assessment(
    assessment_id: int, body: AssessmentComplete, uow: Uow, actor: Actor
) -> Any:
    """Complete and publish the assessment: a major nonconformity opens a trigger
    on the scope and suspends the attestations standing on it."""
    return service.complete_assessment(uow, actor, assessment_id, body)


@router.post(
    "/assessments/{assessment_id}/criteria/{criterion_id}/close", response_model=AssessmentRead
)
def close_finding(
    assessment_id: int, criterion_id: int, body: FindingClose, uow: Uow, actor: Actor
) -> Any:
    """The assessor closes a nonconformity on its closing evidence."""
    return service.close_finding(uow, actor, assessment_id, criterion_id, body)


@router.post(
    "/assessments/{assessment_id}/actions",
    response_model=ImprovementActionRead,
    status_code=201,
)
def add_action(assessment_id: int, body: ImprovementActionCreate, uow: Uow, actor: Actor) -> Any:
    """The assessed organization plans an improvement action for a nonconformity."""
    return service.add_action(uow, actor, assessment_id, body)


@router.post("/improvement-actions/{action_id}/done", response_model=ImprovementActionRead)
def complete_action(action_id: int, body: ImprovementActionDone, uow: Uow, actor: Actor) -> Any:
    """Mark an action done, naming the measure version or review that carried it out."""
    return service.complete_action(uow, actor, action_id, body)


@router.post(
    "/assessments/{assessment_id}/attestations", response_model=AttestationRead, status_code=201
)
def issue_attestation(
    assessment_id: int, body: AttestationIssue, request: Request, uow: Uow, actor: Actor
) -> Any:
    key_dir = request.app.state.settings.assessor_key_dir
    return service.issue_attestation(uow, actor, assessment_id, body, key_dir)


@router.get("/attestations/{attestation_id}", response_model=AttestationRead)
def get_attestation(attestation_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_attestation(uow, actor, attestation_id)


@router.get("/attestations/{attestation_id}/status", response_model=AttestationStatus)
def attestation_status(attestation_id: int, uow: Uow) -> Any:
    return service.attestation_status(uow, attestation_id)


@router.post("/attestations/{attestation_id}/revoke", response_model=AttestationStatus)
def revoke_attestation(attestation_id: int, body: AttestationRevoke, uow: Uow, actor: Actor) -> Any:
    return service.revoke_attestation(uow, actor, attestation_id, body)


@router.post("/attestations/{attestation_id}/suspend", response_model=AttestationStatus)
def suspend_attestation(
    attestation_id: int, body: AttestationSuspend, uow: Uow, actor: Actor
) -> Any:
    return service.suspend_attestation(uow, actor, attestation_id, body)


@router.post("/attestations/{attestation_id}/reinstate", response_model=AttestationStatus)
def reinstate_attestation(attestation_id: int, uow: Uow, actor: Actor) -> Any:
    return service.reinstate_attestation(uow, actor, attestation_id)


@router.get("/status-lists/{organization_id}/{purpose}")
def status_list(
    organization_id: int, purpose: StatusPurpose, request: Request, response: Response, uow: Uow
) -> dict[str, Any]:
    """The assessor's signed BitstringStatusListCredential for revocation or
    suspension: a credential's bit there says whether it was revoked (or is
    suspended). Public, cached briefly."""
    key_dir = request.app.state.settings.assessor_key_dir
    listed = service.published_status_list(uow, organization_id, purpose, key_dir)
    response.headers["Cache-Control"] = f"public, max-age={service.STATUS_LIST_CACHE_SECONDS}"
    return listed


@router.get("/organizations/{organization_id}/did")
def assessor_did(organization_id: int, request: Request, uow: Uow) -> dict[str, str]:
    """An assessor's did:key, to check its credentials offline."""
    organization = get_organization(uow, organization_id)
    if organization.kind != "assessor":
        raise NotFound(
            lazy(
                "organization %(organization_id)s is not an assessor",
                organization_id=organization_id,
            )
        )
    key_dir = request.app.state.settings.assessor_key_dir
    return {"did": service.assessor_did(key_dir, organization_id)}


@router.get("/scopes/{scope_id}/assurance", response_model=ScopeAssuranceRead)
def scope_assurance(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """Where the scope needs trust, how robust, and the completed assessments
    and attestations behind it."""
    return service.scope_assurance(uow, actor, scope_id)


@router.get("/goals/{goal_id}/assurance", response_model=RequirementAssuranceRead)
def requirement_assurance(goal_id: int, uow: Uow, actor: Actor) -> Any:
    """For a requirement (a goal others adopt), each adopter and the assurance
    behind its adoption: method, robustness, findings, attestation status."""
    return service.requirement_assurance(uow, actor, goal_id)


@router.get("/assurance/robustness", response_model=RobustnessTableRead)
def robustness_table(uow: Uow) -> Any:
    """Which methods of assurance reach each robustness level on this site."""
    return service.read_robustness_table(uow)


@router.put("/assurance/robustness/{level}", response_model=RobustnessTableRead)
def set_robustness_methods(
    level: Robustness, body: RobustnessMethodsSet, uow: Uow, actor: Actor
) -> Any:
    """Set the methods that reach ``level`` (the site's operator)."""
    return service.set_robustness_methods(uow, actor, level, body.methods)


routers = [router, *(kind_router(kind) for kind in service.KINDS)]
