"""Assessments and attestations (report 4.5): an assessor evaluates a scope's
governance by a stated method and may issue a signed credential about it.

Issuing and revoking are events with public payloads (hashes and identifiers
only), so anyone can see in the record that a credential was issued or
withdrawn, even when the assessed scope is private.
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
from agilegov.assurance.keys import assessor_key
from agilegov.assurance.models import Assessment, Attestation
from agilegov.assurance.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
    AttestationStatus,
)
from agilegov.auth import Principal, Role
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.organizations.schemas import OrganizationRead
from agilegov.organizations.service import organization_profile
from agilegov.paging import paginate
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import (
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
from agilegov.settings import get_settings
from agilegov.tenancy import Scope
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


def create_assessment(uow: UnitOfWork, actor: Principal, data: AssessmentCreate) -> AssessmentRead:
    with uow:
        session = uow.session
        assessor = organization_profile(session, data.assessor_organization_id)
        if assessor is None:
            raise InvalidInput.on("assessor_organization_id", lazy("no such organization"))
        actor.require(assessor.id, Role.editor)
        if assessor.kind != "assessor":
            raise InvalidInput.on(
                "assessor_organization_id",
                lazy("%(assessor)s is not an assessor", assessor=assessor.name),
            )
        scope = session.get(Scope, data.scope_id)
        if scope is None or not (
            scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
        ):
            raise InvalidInput.on(
                "scope_id",
                lazy("no scope %(scope_id)s this assessor can see", scope_id=data.scope_id),
            )
        if scope.organization_id == assessor.id:
            raise InvalidInput.on("scope_id", lazy("an assessor does not assess its own scope"))
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
                credential_status=status_entry(
                    status_list_url(assessor.id, StatusPurpose.revocation),
                    StatusPurpose.revocation,
                    attestation.status_list_index,
                ),
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


def revoke_attestation(
    uow: UnitOfWork, actor: Principal, attestation_id: int, data: AttestationRevoke
) -> AttestationStatus:
    with uow:
        session = uow.session
        attestation, assessment = _revocable(session, actor, attestation_id)
        attestation.revoked_at = clock.now()
        attestation.revocation_reason = data.reason
        session.flush()
        payload = _status_payload(attestation)
        scope = session.get(Scope, assessment.scope_id)
        record_event(
            session,
            actor,
            "attestation.revoked",
            attestation.id,
            payload,
            scope=scope,
            organization_id=assessment.assessor_organization_id,
            private=False,
        )
        uow.commit()
        return AttestationStatus.model_validate(payload)


def published_status_list(
    uow: UnitOfWork, organization_id: int, purpose: StatusPurpose, key_dir: Path
) -> dict[str, Any]:
    """The assessor's BitstringStatusListCredential for ``purpose``, rebuilt from
    its attestations and signed with its key: public, like the credentials'
    revocation itself. Only revocation lists are published."""
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
        if purpose is not StatusPurpose.revocation:
            raise NotFound(lazy("no status list for %(purpose)s", purpose=purpose.value))
        key = assessor_key(key_dir, organization_id)
        issuer = did_key(key.public_key())
        revoked = session.scalars(
            select(Attestation.status_list_index).where(
                Attestation.issuer_did == issuer,
                Attestation.status_list_index.is_not(None),
                Attestation.revoked_at.is_not(None),
            )
        )
        now = clock.now().replace(microsecond=0)
        unsigned = status_list_credential(
            list_url=status_list_url(organization_id, purpose),
            issuer=issuer,
            purpose=purpose,
            set_indexes=[index for index in revoked if index is not None],
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
