"""Assessments and attestations (report 4.5): an assessor evaluates a scope's
governance by a stated method and may issue a signed credential about it.

An assessment answers an engagement: the assessor asks to assess the scope,
and the scope's owner accepts (or refuses); one accepted engagement allows one
assessment.

Issuing, suspending, reinstating and revoking are events with public payloads
(hashes and identifiers only), so anyone can see in the record that a
credential was issued, suspended or withdrawn, even when the assessed scope is
private.
"""

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.analysis.service import RISK
from agilegov.assurance import robustness
from agilegov.assurance.models import (
    Assessment,
    AssessmentPlan,
    Attestation,
    Engagement,
    RobustnessMethod,
    TrustArea,
)
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.schemas import (
    AssessmentCreate,
    AssessmentPlanCreate,
    AssessmentPlanRead,
    AssessmentPlanUpdate,
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
    RobustnessLevelRead,
    RobustnessTableRead,
    TrustAreaCreate,
    TrustAreaRead,
    TrustAreaUpdate,
)
from agilegov.auth import Principal, Role
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import N_, Lazy, lazy
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationRead
from agilegov.organizations.service import organization_profile
from agilegov.paging import paginate
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import (
    AttestationMethod,
    CredentialError,
    attestation_credential,
    attestation_urn,
    did_key,
    sign,
    verification_method,
)
from agilegov.record.service import record_event
from agilegov.record.status_lists import StatusPurpose, status_entry, status_list_credential
from agilegov.schemas import Page
from agilegov.scoped import Kind
from agilegov.settings import get_settings
from agilegov.signing_keys import assessor_key
from agilegov.tenancy import Scope
from agilegov.trust.service import accredited_scheme
from agilegov.uow import UnitOfWork


def organization_urn(organization: OrganizationRead) -> str:
    return f"urn:agilegov:organization:{organization.slug}"


def assessor_did(key_dir: Path, organization_id: int) -> str:
    return did_key(assessor_key(key_dir, organization_id).public_key())


# How long a published status list stays valid, and how long it may be cached:
# a revocation reaches every verifier within the cache time, and an offline
# verifier's copy of the list lapses after a day.
STATUS_LIST_VALIDITY = timedelta(days=1)
STATUS_LIST_CACHE_SECONDS = 300


def status_list_url(organization_id: int, purpose: StatusPurpose) -> str:
    """Where the platform publishes the assessor's status list for ``purpose``."""
    base = get_settings().public_url
    return f"{base}/api/v1/status-lists/{organization_id}/{purpose.value}"


def _next_status_index(session: Session, issuer_did: str) -> int:
    """The issuer's next unused position: one past the highest given, so a
    position is never handed out twice (attestations are never deleted)."""
    highest = session.scalar(
        select(func.max(Attestation.status_list_index)).where(Attestation.issuer_did == issuer_did)
    )
    return 0 if highest is None else highest + 1


def _readable(session: Session, actor: Principal, assessment: Assessment) -> bool:
    scope = session.get(Scope, assessment.scope_id)
    assert scope is not None
    return (
        scope.visibility == "public"
        or actor.can(assessment.assessor_organization_id, Role.viewer)
        or actor.can(scope.organization_id, Role.viewer)
    )


def _assessment(session: Session, actor: Principal, assessment_id: int) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not _readable(session, actor, assessment):
        raise NotFound(lazy("assessment %(assessment_id)s not found", assessment_id=assessment_id))
    return assessment


def _assessor_and_scope(
    session: Session, actor: Principal, assessor_organization_id: int, scope_id: int
) -> tuple[OrganizationRead, Scope]:
    """The assessor ``actor`` edits for, and a scope it may assess: one it can
    see, of another organization."""
    assessor = organization_profile(session, assessor_organization_id)
    if assessor is None:
        raise InvalidInput.on("assessor_organization_id", lazy("no such organization"))
    actor.require(assessor.id, Role.editor)
    if assessor.kind != "assessor":
        raise InvalidInput.on(
            "assessor_organization_id",
            lazy("%(assessor)s is not an assessor", assessor=assessor.name),
        )
    scope = session.get(Scope, scope_id)
    if scope is None or not (
        scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
    ):
        raise InvalidInput.on(
            "scope_id",
            lazy("no scope %(scope_id)s this assessor can see", scope_id=scope_id),
        )
    if scope.organization_id == assessor.id:
        raise InvalidInput.on("scope_id", lazy("an assessor does not assess its own scope"))
    return assessor, scope


# Why an engagement that is not accepted allows no assessment.
_NOT_ACCEPTED = {
    "requested": N_("engagement %(engagement_id)s awaits the scope owner's answer"),
    "refused": N_("engagement %(engagement_id)s was refused by the scope's owner"),
    "withdrawn": N_("engagement %(engagement_id)s was withdrawn"),
}


def _accepted_engagement(
    session: Session, engagement_id: int, assessor_id: int, scope_id: int
) -> Engagement:
    """The engagement an assessment answers: the assessor's, for that scope,
    accepted by the scope's owner, and not answered already."""
    engagement = session.get(Engagement, engagement_id)
    if (
        engagement is None
        or engagement.assessor_organization_id != assessor_id
        or engagement.scope_id != scope_id
    ):
        raise InvalidInput.on(
            "engagement_id",
            lazy(
                "no engagement %(engagement_id)s of this assessor for this scope",
                engagement_id=engagement_id,
            ),
        )
    status = engagement.status
    if status != "accepted":
        raise InvalidInput.on(
            "engagement_id", lazy(_NOT_ACCEPTED[status], engagement_id=engagement_id)
        )
    answered = session.scalar(
        select(Assessment.id).where(Assessment.engagement_id == engagement_id)
    )
    if answered is not None:
        raise InvalidInput.on(
            "engagement_id",
            lazy(
                "engagement %(engagement_id)s is answered already by assessment %(assessment_id)s",
                engagement_id=engagement_id,
                assessment_id=answered,
            ),
        )
    return engagement


def create_assessment(uow: UnitOfWork, actor: Principal, data: AssessmentCreate) -> AssessmentRead:
    with uow:
        session = uow.session
        assessor, scope = _assessor_and_scope(
            session, actor, data.assessor_organization_id, data.scope_id
        )
        _accepted_engagement(session, data.engagement_id, assessor.id, scope.id)
        if data.scheme_id is not None and (
            accredited_scheme(session, data.scheme_id, assessor.id, clock.now()) is None
        ):
            raise InvalidInput.on(
                "scheme_id",
                lazy(
                    "%(assessor)s holds no accreditation in force for this scheme",
                    assessor=assessor.name,
                ),
            )
        assessment = Assessment(**data.model_dump(mode="json"), created_at=clock.now())
        session.add(assessment)
        session.flush()
        read = AssessmentRead.model_validate(assessment)
        record_event(
            session,
            actor,
            "assessment.created",
            assessment.id,
            read,
            scope=scope,
            organization_id=assessor.id,
        )
        uow.commit()
        return read


def get_assessment(uow: UnitOfWork, actor: Principal, assessment_id: int) -> AssessmentRead:
    with uow:
        return AssessmentRead.model_validate(_assessment(uow.session, actor, assessment_id))


def readable_assessments(actor: Principal) -> Any:
    """The condition of the assessments ``actor`` may read: of published scopes,
    by their assessors, of their scopes (as ``_readable`` decides for one)."""
    member_of = list(actor.roles)
    visible = [Assessment.scope_id.in_(select(Scope.id).where(Scope.visibility == "public"))]
    if member_of:
        visible += [
            Assessment.assessor_organization_id.in_(member_of),
            Assessment.scope_id.in_(select(Scope.id).where(Scope.organization_id.in_(member_of))),
        ]
    return or_(*visible)


def list_assessments(
    uow: UnitOfWork, actor: Principal, limit: int, offset: int, scope_id: int | None = None
) -> Page[AssessmentRead]:
    with uow:
        where = [readable_assessments(actor)]
        if scope_id is not None:
            where.append(Assessment.scope_id == scope_id)
        return paginate(uow.session, Assessment, where, AssessmentRead, limit, offset)


# ---------------------------------------------------------------- engagements


def readable_engagements(actor: Principal) -> Any:
    """The condition of the engagements ``actor`` may read: those of its
    assessors and those of its organizations' scopes (never public: a request
    is between the two)."""
    member_of = list(actor.roles)
    if actor.is_system:
        return Engagement.id.is_not(None)
    return or_(
        Engagement.assessor_organization_id.in_(member_of),
        Engagement.scope_id.in_(select(Scope.id).where(Scope.organization_id.in_(member_of))),
    )


def _engagement(session: Session, actor: Principal, engagement_id: int) -> tuple[Engagement, Scope]:
    engagement = session.get(Engagement, engagement_id)
    scope = session.get(Scope, engagement.scope_id) if engagement is not None else None
    if (
        engagement is None
        or scope is None
        or not (
            actor.can(engagement.assessor_organization_id, Role.viewer)
            or actor.can(scope.organization_id, Role.viewer)
        )
    ):
        raise NotFound(lazy("engagement %(engagement_id)s not found", engagement_id=engagement_id))
    return engagement, scope


def request_engagement(uow: UnitOfWork, actor: Principal, data: EngagementCreate) -> EngagementRead:
    """An assessor asks the scope's owner to let it assess the scope; the
    owner is told."""
    with uow:
        session = uow.session
        assessor, scope = _assessor_and_scope(
            session, actor, data.assessor_organization_id, data.scope_id
        )
        pending = session.scalar(
            select(Engagement.id).where(
                Engagement.assessor_organization_id == assessor.id,
                Engagement.scope_id == scope.id,
                Engagement.status == "requested",
            )
        )
        if pending is not None:
            raise Conflict(
                lazy(
                    "engagement %(engagement_id)s asks this already and awaits an answer",
                    engagement_id=pending,
                )
            )
        engagement = Engagement(
            **data.model_dump(),
            requested_by=actor.user_id,
            requested_at=clock.now(),
            status="requested",
        )
        session.add(engagement)
        session.flush()
        read = EngagementRead.model_validate(engagement)
        record_event(
            session,
            actor,
            "engagement.requested",
            engagement.id,
            read,
            scope=scope,
            organization_id=assessor.id,
        )
        _tell(
            session,
            actor,
            scope.organization_id,
            engagement,
            "engagement.requested",
            lazy(
                "%(assessor)s asks to assess %(scope)s",
                assessor=assessor.name,
                scope=scope.name,
            ),
            lazy("Scheme: %(scheme)s. %(request)s", scheme=data.scheme, request=data.message),
        )
        uow.commit()
        return read


def _tell(
    session: Session,
    actor: Principal,
    organization_id: int,
    engagement: Engagement,
    kind: str,
    title: Lazy,
    body: Lazy,
) -> None:
    notify_owners(
        session,
        actor,
        organization_id,
        kind,
        title,
        body,
        link=f"/engagements/{engagement.id}",
        payload={"engagement_id": engagement.id, "scope_id": engagement.scope_id},
    )


def get_engagement(uow: UnitOfWork, actor: Principal, engagement_id: int) -> EngagementRead:
    with uow:
        engagement, _ = _engagement(uow.session, actor, engagement_id)
        return EngagementRead.model_validate(engagement)


def list_engagements(
    uow: UnitOfWork,
    actor: Principal,
    limit: int,
    offset: int,
    scope_id: int | None = None,
    status: EngagementStatus | None = None,
) -> Page[EngagementRead]:
    with uow:
        where = [readable_engagements(actor)]
        if scope_id is not None:
            where.append(Engagement.scope_id == scope_id)
        if status is not None:
            where.append(Engagement.status == status)
        return paginate(uow.session, Engagement, where, EngagementRead, limit, offset)


def _pending(
    session: Session, actor: Principal, engagement_id: int, *, by_owner: bool
) -> tuple[Engagement, Scope]:
    """The engagement still awaiting an answer, if ``actor`` may give it: an
    editor of the scope's organization (accept, refuse) or of the assessor
    (withdraw)."""
    engagement, scope = _engagement(session, actor, engagement_id)
    answering = scope.organization_id if by_owner else engagement.assessor_organization_id
    actor.require(answering, Role.editor)
    if engagement.status != "requested":
        raise Conflict(
            lazy(
                "engagement %(engagement_id)s was answered already",
                engagement_id=engagement_id,
            )
        )
    return engagement, scope


def check_answerable(
    uow: UnitOfWork, actor: Principal, engagement_id: int, *, by_owner: bool
) -> None:
    """Refuse as refusing (``by_owner``) or withdrawing would, changing nothing:
    before asking someone whether they mean it."""
    with uow:
        _pending(uow.session, actor, engagement_id, by_owner=by_owner)


def _answer(
    uow: UnitOfWork,
    actor: Principal,
    engagement_id: int,
    status: EngagementStatus,
    note: str | None,
) -> EngagementRead:
    by_owner = status != "withdrawn"
    with uow:
        session = uow.session
        engagement, scope = _pending(session, actor, engagement_id, by_owner=by_owner)
        engagement.status = status
        engagement.decided_by = actor.user_id
        engagement.decided_at = clock.now()
        engagement.decision_note = note or None
        session.flush()
        read = EngagementRead.model_validate(engagement)
        record_event(
            session,
            actor,
            f"engagement.{status}",
            engagement.id,
            read,
            scope=scope,
            organization_id=None if by_owner else engagement.assessor_organization_id,
        )
        assessor = organization_profile(session, engagement.assessor_organization_id)
        assert assessor is not None
        names = {"assessor": assessor.name, "scope": scope.name, "note": note or ""}
        if status == "accepted":
            told = engagement.assessor_organization_id
            title = lazy("%(scope)s's owner accepted %(assessor)s's engagement", **names)
            body = lazy("The assessment may begin. %(note)s", **names)
        elif status == "refused":
            told = engagement.assessor_organization_id
            title = lazy("%(scope)s's owner refused %(assessor)s's engagement", **names)
            body = lazy("Their reason: %(note)s", **names)
        else:
            told = scope.organization_id
            title = lazy("%(assessor)s withdrew its request to assess %(scope)s", **names)
            body = lazy("Nothing is left to answer.")
        _tell(session, actor, told, engagement, f"engagement.{status}", title, body)
        uow.commit()
        return read


def accept_engagement(
    uow: UnitOfWork, actor: Principal, engagement_id: int, data: EngagementAccept
) -> EngagementRead:
    """The scope's owner consents: the assessor may record one assessment."""
    return _answer(uow, actor, engagement_id, "accepted", data.note)


def refuse_engagement(
    uow: UnitOfWork, actor: Principal, engagement_id: int, data: EngagementRefuse
) -> EngagementRead:
    return _answer(uow, actor, engagement_id, "refused", data.note)


def withdraw_engagement(uow: UnitOfWork, actor: Principal, engagement_id: int) -> EngagementRead:
    return _answer(uow, actor, engagement_id, "withdrawn", None)


# ---------------------------------------------------------------- attestations


def _status_payload(attestation: Attestation) -> dict[str, object]:
    return AttestationStatus(
        id=attestation.id,
        credential_sha256=attestation.credential_sha256,
        issuer_did=attestation.issuer_did,
        valid_from=attestation.valid_from,
        valid_until=attestation.valid_until,
        revoked=attestation.revoked_at is not None,
        revoked_at=attestation.revoked_at,
        revocation_reason=attestation.revocation_reason,
        suspended=attestation.suspended_at is not None,
        suspended_at=attestation.suspended_at,
        suspension_reason=attestation.suspension_reason,
    ).model_dump(mode="json")


def issue_attestation(
    uow: UnitOfWork, actor: Principal, assessment_id: int, data: AttestationIssue, key_dir: Path
) -> AttestationRead:
    """Sign a W3C VC 2.0 credential (eddsa-jcs-2022) with the assessor's did:key."""
    with uow:
        session = uow.session
        assessment = _assessment(session, actor, assessment_id)
        actor.require(assessment.assessor_organization_id, Role.editor)
        assessor = organization_profile(session, assessment.assessor_organization_id)
        scope = session.get(Scope, assessment.scope_id)
        assessed = organization_profile(session, scope.organization_id) if scope else None
        assert assessor is not None and scope is not None and assessed is not None
        now = clock.now().replace(microsecond=0)
        valid_from = data.valid_from or now
        if data.valid_until <= valid_from:
            raise InvalidInput.on("valid_until", lazy("must be after valid_from"))
        if data.valid_until - valid_from > timedelta(days=5 * 366):
            raise InvalidInput.on(
                "valid_until", lazy("an attestation is valid for five years at most")
            )
        key = assessor_key(key_dir, assessor.id)
        scheme = None
        if assessment.scheme_id is not None:
            # Accredited when it signs, with the key it signs with: what a verifier checks.
            scheme = accredited_scheme(
                session, assessment.scheme_id, assessor.id, now, did_key(key.public_key())
            )
            if scheme is None:
                raise Conflict(
                    lazy(
                        "%(assessor)s's accreditation for the assessment's scheme is not in "
                        "force: no credential can name it now",
                        assessor=assessor.name,
                    )
                )
        attestation = Attestation(
            assessment_id=assessment.id,
            credential={},
            credential_sha256="",
            issuer_did=did_key(key.public_key()),
            valid_from=valid_from,
            valid_until=data.valid_until,
            issued_at=now,
        )
        attestation.status_list_index = _next_status_index(session, attestation.issuer_did)
        session.add(attestation)
        session.flush()
        try:
            unsigned = attestation_credential(
                credential_id=attestation_urn(attestation.id),
                issuer=attestation.issuer_did,
                issuer_name=assessor.name,
                subject_id=organization_urn(assessed),
                organization_name=assessed.name,
                scope_id=f"urn:agilegov:scope:{scope.id}",
                scope_name=scope.name,
                method=assessment.method,
                criteria=assessment.criteria,
                result=assessment.result,
                valid_from=valid_from,
                valid_until=data.valid_until,
                findings=assessment.findings or None,
                scheme=None if scheme is None else {"id": scheme.urn, "name": scheme.name},
                # One bit in each list, at the same position.
                credential_status=[
                    status_entry(
                        status_list_url(assessor.id, purpose),
                        purpose,
                        attestation.status_list_index,
                    )
                    for purpose in (StatusPurpose.revocation, StatusPurpose.suspension)
                ],
            )
        except CredentialError as problem:
            raise InvalidInput.on("valid_until", str(problem)) from None
        credential = sign(
            unsigned,
            key,
            verification_method=verification_method(key.public_key()),
            created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        attestation.credential = credential
        attestation.credential_sha256 = hashlib.sha256(canonical_json(credential)).hexdigest()
        session.flush()
        record_event(
            session,
            actor,
            "attestation.issued",
            attestation.id,
            {
                **_status_payload(attestation),
                "assessment_id": assessment.id,
                "subject": organization_urn(assessed),
            },
            scope=scope,
            organization_id=assessor.id,
            private=False,
        )
        uow.commit()
        return AttestationRead.model_validate(attestation)


def _attestation(session: Session, actor: Principal, attestation_id: int) -> Attestation:
    attestation = session.get(Attestation, attestation_id)
    if attestation is None:
        raise NotFound(
            lazy("attestation %(attestation_id)s not found", attestation_id=attestation_id)
        )
    _assessment(session, actor, attestation.assessment_id)
    return attestation


def get_attestation(uow: UnitOfWork, actor: Principal, attestation_id: int) -> AttestationRead:
    with uow:
        return AttestationRead.model_validate(_attestation(uow.session, actor, attestation_id))


def attestation_status(uow: UnitOfWork, attestation_id: int) -> AttestationStatus:
    """Whether a credential stands: public to anyone holding one."""
    with uow:
        attestation = uow.session.get(Attestation, attestation_id)
        if attestation is None:
            raise NotFound(
                lazy("attestation %(attestation_id)s not found", attestation_id=attestation_id)
            )
        return AttestationStatus.model_validate(_status_payload(attestation))


def _revocable(
    session: Session, actor: Principal, attestation_id: int
) -> tuple[Attestation, Assessment]:
    """The attestation and its assessment, if ``actor`` may change its status
    and it still has one to change: revoking is final."""
    attestation = _attestation(session, actor, attestation_id)
    assessment = session.get(Assessment, attestation.assessment_id)
    assert assessment is not None
    actor.require(assessment.assessor_organization_id, Role.editor)
    if attestation.revoked_at is not None:
        raise Conflict(
            lazy(
                "attestation %(attestation_id)s was revoked already", attestation_id=attestation_id
            )
        )
    return attestation, assessment


def check_revocable(uow: UnitOfWork, actor: Principal, attestation_id: int) -> None:
    """Refuse as ``revoke_attestation`` would, changing nothing: before asking
    someone whether they mean it."""
    with uow:
        _revocable(uow.session, actor, attestation_id)


def _changed_status(
    session: Session,
    actor: Principal,
    attestation: Attestation,
    assessment: Assessment,
    event: str,
) -> AttestationStatus:
    """Record the attestation's new status, in public (identifiers and reasons)."""
    session.flush()
    payload = _status_payload(attestation)
    scope = session.get(Scope, assessment.scope_id)
    record_event(
        session,
        actor,
        event,
        attestation.id,
        payload,
        scope=scope,
        organization_id=assessment.assessor_organization_id,
        private=False,
    )
    return AttestationStatus.model_validate(payload)


def revoke_attestation(
    uow: UnitOfWork, actor: Principal, attestation_id: int, data: AttestationRevoke
) -> AttestationStatus:
    with uow:
        session = uow.session
        attestation, assessment = _revocable(session, actor, attestation_id)
        attestation.revoked_at = clock.now()
        attestation.revocation_reason = data.reason
        status = _changed_status(session, actor, attestation, assessment, "attestation.revoked")
        uow.commit()
        return status


def _suspendable(
    session: Session, actor: Principal, attestation_id: int
) -> tuple[Attestation, Assessment]:
    attestation, assessment = _revocable(session, actor, attestation_id)
    if attestation.suspended_at is not None:
        raise Conflict(
            lazy(
                "attestation %(attestation_id)s is suspended already",
                attestation_id=attestation_id,
            )
        )
    return attestation, assessment


def check_suspendable(uow: UnitOfWork, actor: Principal, attestation_id: int) -> None:
    """Refuse as ``suspend_attestation`` would, changing nothing: before asking
    someone whether they mean it."""
    with uow:
        _suspendable(uow.session, actor, attestation_id)


def suspend_attestation(
    uow: UnitOfWork, actor: Principal, attestation_id: int, data: AttestationSuspend
) -> AttestationStatus:
    """Set the credential's bit in the issuer's suspension list, until it is
    reinstated (or revoked)."""
    with uow:
        session = uow.session
        attestation, assessment = _suspendable(session, actor, attestation_id)
        attestation.suspended_at = clock.now()
        attestation.suspension_reason = data.reason
        status = _changed_status(session, actor, attestation, assessment, "attestation.suspended")
        uow.commit()
        return status


def reinstate_attestation(
    uow: UnitOfWork, actor: Principal, attestation_id: int
) -> AttestationStatus:
    """Clear a suspension: the credential stands again. A revoked one stays revoked."""
    with uow:
        session = uow.session
        attestation, assessment = _revocable(session, actor, attestation_id)
        if attestation.suspended_at is None:
            raise Conflict(
                lazy(
                    "attestation %(attestation_id)s is not suspended",
                    attestation_id=attestation_id,
                )
            )
        attestation.suspended_at = None
        attestation.suspension_reason = None
        status = _changed_status(session, actor, attestation, assessment, "attestation.reinstated")
        uow.commit()
        return status


def published_status_list(
    uow: UnitOfWork, organization_id: int, purpose: StatusPurpose, key_dir: Path
) -> dict[str, Any]:
    """The assessor's BitstringStatusListCredential for ``purpose``, rebuilt from
    its attestations and signed with its key: public, like the credentials'
    revocation and suspension themselves."""
    with uow:
        session = uow.session
        organization = organization_profile(session, organization_id)
        if organization is None or organization.kind != "assessor":
            raise NotFound(
                lazy(
                    "organization %(organization_id)s is not an assessor",
                    organization_id=organization_id,
                )
            )
        key = assessor_key(key_dir, organization_id)
        issuer = did_key(key.public_key())
        marked = (
            Attestation.revoked_at
            if purpose is StatusPurpose.revocation
            else Attestation.suspended_at
        )
        indexes = session.scalars(
            select(Attestation.status_list_index).where(
                Attestation.issuer_did == issuer,
                Attestation.status_list_index.is_not(None),
                marked.is_not(None),
            )
        )
        now = clock.now().replace(microsecond=0)
        unsigned = status_list_credential(
            list_url=status_list_url(organization_id, purpose),
            issuer=issuer,
            purpose=purpose,
            set_indexes=[index for index in indexes if index is not None],
            valid_from=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            valid_until=(now + STATUS_LIST_VALIDITY).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return sign(
            unsigned,
            key,
            verification_method=verification_method(key.public_key()),
            created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


@dataclass(frozen=True)
class AssessmentInProgress:
    """An assessment with no attestation issued on it yet."""

    id: int
    method: str
    assessor_organization_id: int
    scope_id: int
    scope_name: str


def assessments_in_progress(
    session: Session, assessor_ids: Collection[int]
) -> list[AssessmentInProgress]:
    """The assessments of the assessors ``assessor_ids`` that no attestation has
    followed yet, oldest first (one query)."""
    attested = select(Attestation.assessment_id)
    rows = session.execute(
        select(
            Assessment.id,
            Assessment.method,
            Assessment.assessor_organization_id,
            Scope.id,
            Scope.name,
        )
        .join(Scope, Scope.id == Assessment.scope_id)
        .where(
            Assessment.assessor_organization_id.in_(assessor_ids),
            Assessment.id.not_in(attested),
        )
        .order_by(Assessment.id)
    )
    return [AssessmentInProgress(*row) for row in rows]


# Where trust is needed (report 4.5(1)): trust areas, how robust each must be,
# and the plans by which they are assessed.


def robustness_table(session: Session) -> dict[Robustness, frozenset[AttestationMethod]]:
    """The methods that reach each level: the site's own table when its
    operator has set one, else ``robustness.DEFAULT``."""
    rows = session.execute(select(RobustnessMethod.level, RobustnessMethod.method)).all()
    if not rows:
        return dict(robustness.DEFAULT)
    table: dict[Robustness, set[AttestationMethod]] = {level: set() for level in Robustness}
    for level, method in rows:
        table[Robustness(level)].add(AttestationMethod(method))
    return {level: frozenset(methods) for level, methods in table.items()}


def _table_read(session: Session) -> RobustnessTableRead:
    customized = session.scalar(select(func.count()).select_from(RobustnessMethod)) > 0
    table = robustness_table(session)
    levels = [
        RobustnessLevelRead(robustness=level, methods=robustness.methods_meeting(level, table))
        for level in Robustness
    ]
    return RobustnessTableRead(customized=customized, levels=levels)


def read_robustness_table(uow: UnitOfWork) -> RobustnessTableRead:
    with uow:
        return _table_read(uow.session)


def set_robustness_methods(
    uow: UnitOfWork, actor: Principal, level: Robustness, methods: Collection[AttestationMethod]
) -> RobustnessTableRead:
    """Which methods reach ``level`` on this site, from now on (the site's
    operator). The first change starts from the default table, so the other
    levels keep what they had."""
    actor.require_site_admin()
    level = Robustness(level)
    chosen = sorted(
        {AttestationMethod(method) for method in methods}, key=list(AttestationMethod).index
    )
    if not chosen:
        raise InvalidInput.on("methods", lazy("name at least one method"))
    with uow:
        session = uow.session
        table = robustness_table(session)
        table[level] = frozenset(chosen)
        session.execute(RobustnessMethod.__table__.delete())
        session.add_all(
            RobustnessMethod(level=str(each), method=str(method))
            for each in Robustness
            for method in robustness.methods_meeting(each, table)
        )
        session.flush()
        payload = {"level": str(level), "methods": [str(method) for method in chosen]}
        record_event(session, actor, "robustness.set", None, payload, private=False)
        read = _table_read(session)
        uow.commit()
        return read


def _plan_rules(session: Session, scope: Scope, plan: Any) -> None:
    if plan.trust_area_id is None or plan.method is None:
        return
    area = session.get(TrustArea, plan.trust_area_id)
    if area is None:
        return
    table = robustness_table(session)
    if not robustness.meets(area.robustness, plan.method, table):
        allowed = ", ".join(robustness.methods_meeting(area.robustness, table)) or "-"
        raise InvalidInput.on(
            "method",
            lazy(
                "%(method)s does not meet the %(robustness)s robustness of the trust area;"
                " methods that do: %(allowed)s",
                method=plan.method,
                robustness=area.robustness,
                allowed=allowed,
            ),
        )


def _area_rules(session: Session, scope: Scope, area: Any) -> None:
    # A stricter robustness must not leave the area's plans below it.
    if area.id is None or area.robustness is None:
        return
    table = robustness_table(session)
    methods = session.scalars(
        select(AssessmentPlan.method).where(AssessmentPlan.trust_area_id == area.id)
    ).all()
    short = sorted({m for m in methods if not robustness.meets(area.robustness, m, table)})
    if short:
        raise InvalidInput.on(
            "robustness",
            lazy(
                "the area's assessment plans use methods that do not meet it: %(methods)s",
                methods=", ".join(short),
            ),
        )


TRUST_AREA = Kind(
    name="trust_area",
    plural="trust-areas",
    label=N_("trust area"),
    tab="trust",
    label_column="title",
    model=TrustArea,
    create=TrustAreaCreate,
    update=TrustAreaUpdate,
    read=TrustAreaRead,
    links=(RISK.link("risk_ids", "risks"),),
    rules=_area_rules,
    # How robust trust must be, and why, is the scope owner's to decide.
    role=Role.owner,
)

ASSESSMENT_PLAN = Kind(
    name="assessment_plan",
    plural="assessment-plans",
    label=N_("assessment plan"),
    tab="trust",
    # No name of its own: a plan is chosen by its number.
    label_column="id",
    model=AssessmentPlan,
    create=AssessmentPlanCreate,
    update=AssessmentPlanUpdate,
    read=AssessmentPlanRead,
    refs=(TRUST_AREA.ref("trust_area_id"),),
    rules=_plan_rules,
)

KINDS = (TRUST_AREA, ASSESSMENT_PLAN)
