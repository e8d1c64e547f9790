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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.analysis.service import RISK
from agilegov.assurance import parties, robustness
from agilegov.assurance.models import (
    Assessment,
    AssessmentPlan,
    Attestation,
    Criterion,
    Engagement,
    ImprovementAction,
    RobustnessMethod,
    TrustArea,
)
from agilegov.assurance.parties import Cause, Finding, Refusal
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.schemas import (
    AdopterAssuranceRead,
    AssessmentComplete,
    AssessmentCreate,
    AssessmentPlanCreate,
    AssessmentPlanRead,
    AssessmentPlanUpdate,
    AssessmentRead,
    AssuranceRead,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
    AttestationStatus,
    AttestationSuspend,
    CriterionRead,
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
    PlanSummary,
    RequirementAssuranceRead,
    RobustnessLevelRead,
    RobustnessTableRead,
    ScopeAssuranceRead,
    TrustAreaCreate,
    TrustAreaRead,
    TrustAreaSummary,
    TrustAreaUpdate,
)
from agilegov.auth import Principal, Role
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger, review_decided_at
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import GOAL, adopters_of
from agilegov.i18n import N_, Lazy, lazy
from agilegov.library.service import requirement_refs, requirement_titles, resolve_requirements
from agilegov.monitor.service import evaluation_scope
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationRead
from agilegov.organizations.service import is_member, organization_names, organization_profile
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
from agilegov.record.log import log_size
from agilegov.record.service import record_event
from agilegov.record.status_lists import StatusPurpose, status_entry, status_list_credential
from agilegov.schemas import Page
from agilegov.scoped import Kind
from agilegov.settings import get_settings
from agilegov.signing_keys import assessor_key
from agilegov.tenancy import Scope
from agilegov.trust.service import accredited_scheme
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion


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
    """The organization ``actor`` assesses for, and a scope it can see."""
    assessor = organization_profile(session, assessor_organization_id)
    if assessor is None:
        raise InvalidInput.on("assessor_organization_id", lazy("no such organization"))
    actor.require(assessor.id, Role.viewer)
    scope = session.get(Scope, scope_id)
    if scope is None or not (
        scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
    ):
        raise InvalidInput.on(
            "scope_id",
            lazy("no scope %(scope_id)s this assessor can see", scope_id=scope_id),
        )
    actor.require(assessor.id, assessing_role(assessor.id, scope.organization_id))
    return assessor, scope


def assessing_role(assessor_id: int, scope_organization_id: int) -> Role:
    """The role an assessment needs in the assessing organization: an
    organization assessing its own scope reviews its governance (the role
    that records reviews); another organization's assessors edit for it."""
    return Role.reviewer if assessor_id == scope_organization_id else Role.editor


def _engagement_assessor(
    session: Session, actor: Principal, assessor_organization_id: int, scope_id: int
) -> tuple[OrganizationRead, Scope]:
    """An organization ``actor`` edits for, and a scope of another organization
    it can see: the parties to an engagement. Any kind of organization may ask
    (a peer, an expert body, the users' own); which methods it may then assess
    by is ``parties.refusal``'s to say."""
    assessor, scope = _assessor_and_scope(session, actor, assessor_organization_id, scope_id)
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


# Why a party may not assess by a method, naming the field to change.
_REFUSALS: dict[Refusal, tuple[str, str]] = {
    Refusal.own_only: (
        "method",
        N_("only the scope's own organization records a %(method)s of it"),
    ),
    Refusal.not_own: (
        "method",
        N_(
            "the scope's own organization records only self-declarations and internal "
            "audits of it, not a %(method)s"
        ),
    ),
    Refusal.not_assessor: (
        "assessor_organization_id",
        N_("a %(method)s is made by an assessor organization; %(assessor)s is not one"),
    ),
    Refusal.not_accredited: (
        "scheme_id",
        N_(
            "a %(method)s names a scheme %(assessor)s holds an accreditation in force for, "
            "on the trust list"
        ),
    ),
}


def _check_party(
    session: Session, data: AssessmentCreate, assessor: OrganizationRead, scope: Scope
) -> None:
    """Refuse a party the method does not allow (``parties.refusal``), and an
    accreditation named but not in force."""
    accredited = data.scheme_id is not None and (
        accredited_scheme(session, data.scheme_id, assessor.id, clock.now()) is not None
    )
    if data.scheme_id is not None and not accredited:
        raise InvalidInput.on(
            "scheme_id",
            lazy(
                "%(assessor)s holds no accreditation in force for this scheme",
                assessor=assessor.name,
            ),
        )
    facts = parties.Assessor(
        is_scope_owner=assessor.id == scope.organization_id,
        is_assessor_organization=assessor.kind == "assessor",
        accredited=accredited,
    )
    refused = parties.refusal(data.method, facts)
    if refused is not None:
        field, message = _REFUSALS[refused]
        raise InvalidInput.on(field, lazy(message, method=data.method, assessor=assessor.name))
    if facts.is_scope_owner:
        if data.engagement_id is not None:
            raise InvalidInput.on(
                "engagement_id", lazy("the scope's own organization needs no engagement")
            )
    elif data.engagement_id is None:
        raise InvalidInput.on(
            "engagement_id",
            lazy("another organization assesses a scope on an engagement its owner accepted"),
        )
    else:
        _accepted_engagement(session, data.engagement_id, assessor.id, scope.id)


def _check_plan(session: Session, data: AssessmentCreate, scope: Scope) -> None:
    if data.plan_id is None:
        return
    plan = session.get(AssessmentPlan, data.plan_id)
    if plan is None or plan.scope_id != scope.id:
        raise InvalidInput.on(
            "plan_id", lazy("no assessment plan %(plan_id)s in this scope", plan_id=data.plan_id)
        )
    area = session.get(TrustArea, plan.trust_area_id)
    assert area is not None
    table = robustness_table(session)
    if not robustness.meets(area.robustness, data.method, table):
        raise InvalidInput.on(
            "method",
            lazy(
                "%(method)s does not meet the %(robustness)s robustness of the plan's trust area",
                method=data.method,
                robustness=area.robustness,
            ),
        )


def goal_level_text(goal: Any) -> str:
    """A goal's acceptable level (and target) as the criterion publishes it."""
    if goal.acceptable_level is None:
        return ""
    sign = "≥" if goal.direction == "higher_is_better" else "≤"
    unit = f" {goal.unit}" if goal.unit else ""
    text = f"{sign} {goal.acceptable_level:g}{unit}"
    if goal.target is not None:
        text += f" → {goal.target:g}{unit}"
    return text


def _criteria(session: Session, data: AssessmentCreate, scope: Scope) -> list[Criterion]:
    """The criteria named, resolved and copied as they read now."""
    criteria: list[Criterion] = []
    seen: set[tuple[str, int]] = set()
    for position, named in enumerate(data.criteria):
        field = f"criteria[{position}]"
        if (named.requirement is None) == (named.goal_id is None):
            raise InvalidInput.on(field, lazy("name either a requirement or a goal"))
        if named.requirement is not None:
            (requirement_id,) = resolve_requirements(
                session, [named.requirement], f"{field}.requirement"
            )
            key = ("requirement", requirement_id)
            criterion = Criterion(
                source="requirement",
                requirement_id=requirement_id,
                reference=requirement_refs(session, [requirement_id])[requirement_id],
                title=requirement_titles(session, [requirement_id])[requirement_id],
                level="",
            )
        else:
            goal = session.get(GOAL.model, named.goal_id)
            if goal is None or goal.scope_id != scope.id:
                raise InvalidInput.on(
                    f"{field}.goal_id",
                    lazy("no goal %(goal_id)s in this scope", goal_id=named.goal_id),
                )
            key = ("goal", goal.id)
            criterion = Criterion(
                source="goal", goal_id=goal.id, title=goal.title, level=goal_level_text(goal)
            )
        if key in seen:
            raise InvalidInput.on(field, lazy("this criterion is named twice"))
        seen.add(key)
        criterion.position = position
        criterion.note = ""
        criterion.evidence = []
        criterion.closing_note = ""
        criterion.closing_evidence = []
        criteria.append(criterion)
    return criteria


def create_assessment(uow: UnitOfWork, actor: Principal, data: AssessmentCreate) -> AssessmentRead:
    """Open an assessment: the party, method, coverage, period, independence
    and criteria are fixed from here; findings follow, then completion."""
    with uow:
        session = uow.session
        assessor, scope = _assessor_and_scope(
            session, actor, data.assessor_organization_id, data.scope_id
        )
        _check_party(session, data, assessor, scope)
        if data.period_end < data.period_start:
            raise InvalidInput.on("period_end", lazy("must not be before period_start"))
        _check_plan(session, data, scope)
        criteria = _criteria(session, data, scope)
        assessment = Assessment(
            **data.model_dump(mode="json", exclude={"criteria", "period_start", "period_end"}),
            period_start=data.period_start,
            period_end=data.period_end,
            status="open",
            result="",
            created_at=clock.now(),
            criteria=criteria,
        )
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


# ---------------------------------------------------------------- findings


def _open_assessment(session: Session, actor: Principal, assessment_id: int) -> Assessment:
    """The assessment, if ``actor`` assesses for its assessor and it is still open."""
    assessment = _assessment(session, actor, assessment_id)
    _require_assessing(session, actor, assessment)
    if assessment.status != "open":
        raise Conflict(
            lazy("assessment %(assessment_id)s is completed already", assessment_id=assessment_id)
        )
    return assessment


def _require_assessing(session: Session, actor: Principal, assessment: Assessment) -> None:
    scope = session.get(Scope, assessment.scope_id)
    assert scope is not None
    role = assessing_role(assessment.assessor_organization_id, scope.organization_id)
    actor.require(assessment.assessor_organization_id, role)


def _criterion(assessment: Assessment, criterion_id: int) -> Criterion:
    for criterion in assessment.criteria:
        if criterion.id == criterion_id:
            return criterion
    raise NotFound(
        lazy(
            "assessment %(assessment_id)s has no criterion %(criterion_id)s",
            assessment_id=assessment.id,
            criterion_id=criterion_id,
        )
    )


def _evidence(
    session: Session, scope_id: int, links: Sequence[Any], field: str
) -> list[dict[str, Any]]:
    """The evidence links, each checked: an evaluation of the scope's
    indicators, an entry the record holds, a document by its hash."""
    size = log_size(session)
    for position, link in enumerate(links):
        if link.kind == "evaluation" and evaluation_scope(session, link.id) != scope_id:
            raise InvalidInput.on(
                f"{field}[{position}].id",
                lazy("no evaluation %(evaluation_id)s of this scope", evaluation_id=link.id),
            )
        if link.kind == "record" and link.index >= size:
            raise InvalidInput.on(
                f"{field}[{position}].index",
                lazy(
                    "the record holds %(size)s entries: no entry %(index)s",
                    size=size,
                    index=link.index,
                ),
            )
    return [link.model_dump() for link in links]


def set_finding(
    uow: UnitOfWork, actor: Principal, assessment_id: int, criterion_id: int, data: FindingSet
) -> AssessmentRead:
    """Record (or correct) the finding against one criterion while the
    assessment is open."""
    with uow:
        session = uow.session
        assessment = _open_assessment(session, actor, assessment_id)
        criterion = _criterion(assessment, criterion_id)
        if data.finding is Finding.major and data.cause is None:
            raise InvalidInput.on(
                "cause", lazy("a major nonconformity names its cause: measure, goal or analysis")
            )
        if data.finding is not Finding.major and data.cause is not None:
            raise InvalidInput.on("cause", lazy("only a major nonconformity names a cause"))
        criterion.evidence = _evidence(session, assessment.scope_id, data.evidence, "evidence")
        criterion.finding = str(data.finding)
        criterion.cause = None if data.cause is None else str(data.cause)
        criterion.note = data.note
        session.flush()
        read = AssessmentRead.model_validate(assessment)
        record_event(
            session,
            actor,
            "assessment.finding_set",
            assessment.id,
            CriterionRead.model_validate(criterion),
            scope=session.get(Scope, assessment.scope_id),
            organization_id=assessment.assessor_organization_id,
        )
        uow.commit()
        return read


def _months_later(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def _criterion_text(criterion: Criterion) -> str:
    if criterion.source == "requirement":
        return f"{criterion.reference} {criterion.title}"
    if criterion.level:
        return f"{criterion.title} ({criterion.level})"
    return criterion.title


def _majors(assessment: Assessment) -> list[Criterion]:
    return [c for c in assessment.criteria if c.finding == Finding.major]


def complete_assessment(
    uow: UnitOfWork, actor: Principal, assessment_id: int, data: AssessmentComplete
) -> AssessmentRead:
    """Complete the assessment and publish its findings. A major nonconformity
    opens a trigger on the scope (``cycle.rules``) and suspends the
    attestations standing on the scope; the plan it carries out is due again
    its interval after today."""
    with uow:
        session = uow.session
        assessment = _open_assessment(session, actor, assessment_id)
        missing = [c.position + 1 for c in assessment.criteria if c.finding is None]
        if missing:
            raise InvalidInput.on(
                "criteria",
                lazy(
                    "record a finding against every criterion first; none yet for: %(missing)s",
                    missing=", ".join(map(str, missing)),
                ),
            )
        scope = session.get(Scope, assessment.scope_id)
        assert scope is not None
        now = clock.now()
        assessment.status = "completed"
        assessment.completed_at = now
        assessment.result = data.result
        session.flush()
        read = AssessmentRead.model_validate(assessment)
        record_event(
            session,
            actor,
            "assessment.completed",
            assessment.id,
            read,
            scope=scope,
            organization_id=assessment.assessor_organization_id,
        )
        majors = _majors(assessment)
        if majors:
            _open_finding_trigger(session, actor, scope, assessment, majors)
            _suspend_standing(session, actor, scope, assessment)
        if assessment.plan_id is not None:
            _reschedule(session, actor, scope, assessment.plan_id, now.date())
        if assessment.assessor_organization_id != scope.organization_id:
            assessor = organization_profile(session, assessment.assessor_organization_id)
            assert assessor is not None
            nonconformities = sum(c.finding in parties.NONCONFORMITIES for c in assessment.criteria)
            notify_owners(
                session,
                actor,
                scope.organization_id,
                "assessment.completed",
                lazy(
                    "%(assessor)s completed its assessment of %(scope)s",
                    assessor=assessor.name,
                    scope=scope.name,
                ),
                lazy(
                    "Nonconformities: %(count)s, major: %(major)s.",
                    count=nonconformities,
                    major=len(majors),
                ),
                link=f"/assessments/{assessment.id}",
                payload={"assessment_id": assessment.id, "scope_id": scope.id},
            )
        uow.commit()
        return read


def _open_finding_trigger(
    session: Session,
    actor: Principal,
    scope: Scope,
    assessment: Assessment,
    majors: list[Criterion],
) -> None:
    causes = [Cause(c.cause) for c in majors if c.cause is not None]
    listed = "; ".join(f"{_criterion_text(c)} ({c.cause})" for c in majors)
    open_trigger(
        session,
        actor,
        scope,
        TriggerCreate(
            kind=TriggerKind.assessment_finding,
            cause=f"assessment #{assessment.id} ({assessment.method}) found major "
            f"nonconformities: {listed}",
            subject_type="assessment",
            subject_id=assessment.id,
            facts={"measure_failed": parties.measure_failed(causes)},
        ),
    )


def _suspend_standing(
    session: Session, actor: Principal, scope: Scope, assessment: Assessment
) -> None:
    """Suspend every attestation standing on the scope, for the assessment's
    major nonconformity."""
    suspend_standing(
        session,
        actor,
        scope,
        f"assessment #{assessment.id} found a major nonconformity in the scope",
        lazy(
            "Assessment %(assessment_id)s found a major nonconformity. The suspension can "
            "be lifted once its assessor closes it on the closing evidence.",
            assessment_id=assessment.id,
        ),
        f"/assessments/{assessment.id}",
        assessment,
    )


def suspend_standing(
    session: Session,
    actor: Principal,
    scope: Scope,
    reason: str,
    why: Any,
    link: str,
    assessment: Assessment | None = None,
) -> list[int]:
    """Suspend every attestation standing on the scope (issued, in its validity,
    neither revoked nor suspended) for ``reason``, in the caller's transaction:
    its status list says so at once. ``assessment`` is the later assessment
    whose nonconformity caused it, if one did. Returns the ids suspended."""
    now = clock.now()
    standing = session.scalars(
        select(Attestation)
        .join(Assessment, Assessment.id == Attestation.assessment_id)
        .where(
            Assessment.scope_id == scope.id,
            Attestation.revoked_at.is_(None),
            Attestation.suspended_at.is_(None),
            Attestation.valid_until > now,
        )
        .order_by(Attestation.id)
    ).all()
    for attestation in standing:
        attestation.suspended_at = now
        attestation.suspension_reason = reason
        attestation.suspended_by_assessment_id = assessment.id if assessment else None
        issued_on = session.get(Assessment, attestation.assessment_id)
        assert issued_on is not None
        _changed_status(session, actor, attestation, issued_on, "attestation.suspended")
        notify_owners(
            session,
            actor,
            issued_on.assessor_organization_id,
            "attestation.suspended",
            lazy(
                "Attestation %(attestation_id)s on %(scope)s is suspended",
                attestation_id=attestation.id,
                scope=scope.name,
            ),
            why,
            link=link,
            payload={
                "attestation_id": attestation.id,
                "assessment_id": assessment.id if assessment else None,
            },
        )
    return [attestation.id for attestation in standing]


def _reschedule(
    session: Session, actor: Principal, scope: Scope, plan_id: int, completed_on: date
) -> None:
    plan = session.get(AssessmentPlan, plan_id)
    assert plan is not None
    plan.next_due = _months_later(completed_on, plan.every_months)
    plan.updated_at = clock.now()
    session.flush()
    record_event(
        session,
        actor,
        "assessment_plan.updated",
        plan.id,
        AssessmentPlanRead.model_validate(plan),
        scope=scope,
    )


def _completed(session: Session, actor: Principal, assessment_id: int) -> Assessment:
    assessment = _assessment(session, actor, assessment_id)
    if assessment.status != "completed":
        raise Conflict(
            lazy("assessment %(assessment_id)s is still open", assessment_id=assessment_id)
        )
    return assessment


def _open_nonconformity(assessment: Assessment, criterion_id: int) -> Criterion:
    criterion = _criterion(assessment, criterion_id)
    if criterion.finding not in parties.NONCONFORMITIES:
        raise InvalidInput.on(
            "criterion_id",
            lazy("criterion %(criterion_id)s is not a nonconformity", criterion_id=criterion_id),
        )
    if criterion.closed_at is not None:
        raise Conflict(
            lazy(
                "the nonconformity of criterion %(criterion_id)s is closed already",
                criterion_id=criterion_id,
            )
        )
    return criterion


def add_action(
    uow: UnitOfWork, actor: Principal, assessment_id: int, data: ImprovementActionCreate
) -> ImprovementActionRead:
    """The assessed organization plans what it does about a nonconformity."""
    with uow:
        session = uow.session
        assessment = _completed(session, actor, assessment_id)
        scope = session.get(Scope, assessment.scope_id)
        assert scope is not None
        actor.require(scope.organization_id, Role.editor)
        _open_nonconformity(assessment, data.criterion_id)
        if not is_member(session, scope.organization_id, data.owner_id):
            raise InvalidInput.on(
                "owner_id", lazy("the owner must be a member of the scope's organization")
            )
        if data.due < clock.today():
            raise InvalidInput.on("due", lazy("must not be in the past"))
        if data.becomes == "measure_change":
            measure = (
                None if data.measure_id is None else session.get(MEASURE.model, data.measure_id)
            )
            if measure is None or measure.scope_id != scope.id:
                raise InvalidInput.on(
                    "measure_id", lazy("a measure change names a measure of this scope")
                )
        elif data.measure_id is not None:
            raise InvalidInput.on("measure_id", lazy("a review names no measure"))
        action = ImprovementAction(
            assessment_id=assessment.id,
            **data.model_dump(),
            created_at=clock.now(),
            done_note="",
        )
        # Through the assessment, so that its loaded actions include this one.
        assessment.actions.append(action)
        session.flush()
        read = ImprovementActionRead.model_validate(action)
        record_event(session, actor, "improvement_action.created", action.id, read, scope=scope)
        uow.commit()
        return read


def _action(session: Session, actor: Principal, action_id: int) -> tuple[ImprovementAction, Scope]:
    action = session.get(ImprovementAction, action_id)
    if action is None:
        raise NotFound(lazy("improvement action %(action_id)s not found", action_id=action_id))
    assessment = _assessment(session, actor, action.assessment_id)
    scope = session.get(Scope, assessment.scope_id)
    assert scope is not None
    return action, scope


def complete_action(
    uow: UnitOfWork, actor: Principal, action_id: int, data: ImprovementActionDone
) -> ImprovementActionRead:
    """Mark an action done, naming what carried it out: the measure's new
    version (a change made after the action was planned) or the scope's review."""
    with uow:
        session = uow.session
        action, scope = _action(session, actor, action_id)
        if actor.user_id != action.owner_id:
            actor.require(scope.organization_id, Role.editor)
        if action.done_at is not None:
            raise Conflict(
                lazy("improvement action %(action_id)s is done already", action_id=action_id)
            )
        if action.becomes == "measure_change":
            if data.review_id is not None:
                raise InvalidInput.on("review_id", lazy("a measure change names no review"))
            changed_at = (
                None
                if data.measure_version is None
                else session.scalar(
                    select(EntityVersion.created_at).where(
                        EntityVersion.kind == MEASURE.name,
                        EntityVersion.entity_id == action.measure_id,
                        EntityVersion.version == data.measure_version,
                    )
                )
            )
            if changed_at is None or changed_at < action.created_at:
                raise InvalidInput.on(
                    "measure_version",
                    lazy(
                        "name a version of measure %(measure_id)s made since the action "
                        "was planned",
                        measure_id=action.measure_id,
                    ),
                )
        else:
            if data.measure_version is not None:
                raise InvalidInput.on("measure_version", lazy("a review names no measure version"))
            decided_at = (
                None
                if data.review_id is None
                else review_decided_at(session, scope.id, data.review_id)
            )
            if decided_at is None or decided_at < action.created_at:
                raise InvalidInput.on(
                    "review_id",
                    lazy("name a review of this scope held since the action was planned"),
                )
        action.done_at = clock.now()
        action.done_note = data.note
        action.measure_version = data.measure_version
        action.review_id = data.review_id
        session.flush()
        read = ImprovementActionRead.model_validate(action)
        record_event(session, actor, "improvement_action.done", action.id, read, scope=scope)
        uow.commit()
        return read


def close_finding(
    uow: UnitOfWork, actor: Principal, assessment_id: int, criterion_id: int, data: FindingClose
) -> AssessmentRead:
    """The assessor closes a nonconformity on its closing evidence, once every
    improvement action answering it is done (at least one)."""
    with uow:
        session = uow.session
        assessment = _completed(session, actor, assessment_id)
        _require_assessing(session, actor, assessment)
        criterion = _open_nonconformity(assessment, criterion_id)
        actions = [a for a in assessment.actions if a.criterion_id == criterion.id]
        if not actions:
            raise Conflict(lazy("no improvement action answers this nonconformity yet"))
        pending = [str(a.id) for a in actions if a.done_at is None]
        if pending:
            raise Conflict(
                lazy("improvement actions still open: %(actions)s", actions=", ".join(pending))
            )
        criterion.closing_evidence = _evidence(
            session, assessment.scope_id, data.evidence, "evidence"
        )
        criterion.closing_note = data.note
        criterion.closed_at = clock.now()
        session.flush()
        read = AssessmentRead.model_validate(assessment)
        record_event(
            session,
            actor,
            "assessment.finding_closed",
            assessment.id,
            CriterionRead.model_validate(criterion),
            scope=session.get(Scope, assessment.scope_id),
            organization_id=assessment.assessor_organization_id,
        )
        uow.commit()
        return read


def open_major_findings(session: Session, scope_id: int) -> list[tuple[int, Criterion]]:
    """The scope's major nonconformities not closed yet, in completed
    assessments: ``(assessment id, criterion)``."""
    rows = session.execute(
        select(Assessment.id, Criterion)
        .join(Criterion, Criterion.assessment_id == Assessment.id)
        .where(
            Assessment.scope_id == scope_id,
            Assessment.status == "completed",
            Criterion.finding == Finding.major.value,
            Criterion.closed_at.is_(None),
        )
        .order_by(Assessment.id, Criterion.position)
    ).all()
    return [(assessment_id, criterion) for assessment_id, criterion in rows]


@dataclass(frozen=True)
class OverdueAction:
    id: int
    title: str
    due: date
    assessment_id: int
    scope_id: int
    scope_name: str


def overdue_actions(session: Session, owner_id: int, today: date) -> list[OverdueAction]:
    """The improvement actions ``owner_id`` owns that are past their due date
    and not done, oldest due first (one query)."""
    rows = session.execute(
        select(
            ImprovementAction.id,
            ImprovementAction.title,
            ImprovementAction.due,
            ImprovementAction.assessment_id,
            Scope.id,
            Scope.name,
        )
        .join(Assessment, Assessment.id == ImprovementAction.assessment_id)
        .join(Scope, Scope.id == Assessment.scope_id)
        .where(
            ImprovementAction.owner_id == owner_id,
            ImprovementAction.done_at.is_(None),
            ImprovementAction.due < today,
        )
        .order_by(ImprovementAction.due, ImprovementAction.id)
    )
    return [OverdueAction(*row) for row in rows]


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
        assessor, scope = _engagement_assessor(
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
        suspended_by_assessment_id=attestation.suspended_by_assessment_id,
    ).model_dump(mode="json")


def _check_attestable(session: Session, assessment: Assessment, assessor: OrganizationRead) -> None:
    """An attestation rests on a completed assessment by an assessor
    organization, with no major nonconformity open in the scope."""
    if assessor.kind != "assessor":
        raise Conflict(
            lazy(
                "%(organization)s is not an assessor organization: it records assessments, "
                "it issues no attestations",
                organization=assessor.name,
            )
        )
    if assessment.status != "completed":
        raise Conflict(
            lazy(
                "assessment %(assessment_id)s is still open: complete it first",
                assessment_id=assessment.id,
            )
        )
    majors = open_major_findings(session, assessment.scope_id)
    if majors:
        assessment_id, criterion = majors[0]
        raise Conflict(
            lazy(
                "assessment %(assessment_id)s found a major nonconformity not closed yet "
                "(%(criterion)s): no attestation until its closing evidence",
                assessment_id=assessment_id,
                criterion=_criterion_text(criterion),
            )
        )


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
        _check_attestable(session, assessment, assessor)
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
                criteria=[_criterion_text(c) for c in assessment.criteria],
                frameworks=sorted(
                    {c.reference.partition("#")[0] for c in assessment.criteria if c.reference}
                ),
                result=assessment.result,
                valid_from=valid_from,
                valid_until=data.valid_until,
                findings=[
                    f"{c.finding}: {_criterion_text(c)}" + (f" — {c.note}" if c.note else "")
                    for c in assessment.criteria
                    if c.finding not in (None, Finding.conforms, Finding.not_applicable)
                ],
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
        by = attestation.suspended_by_assessment_id
        still_open = [
            criterion
            for assessment_id, criterion in open_major_findings(session, assessment.scope_id)
            if assessment_id == by
        ]
        if still_open:
            raise Conflict(
                lazy(
                    "assessment %(assessment_id)s's major nonconformity (%(criterion)s) is "
                    "not closed: the suspension is lifted on its closing evidence",
                    assessment_id=by,
                    criterion=_criterion_text(still_open[0]),
                )
            )
        attestation.suspended_at = None
        attestation.suspension_reason = None
        attestation.suspended_by_assessment_id = None
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
    """An assessment still open: findings being recorded."""

    id: int
    method: str
    assessor_organization_id: int
    scope_id: int
    scope_name: str


def assessments_in_progress(
    session: Session, assessor_ids: Collection[int]
) -> list[AssessmentInProgress]:
    """The open assessments of the organizations ``assessor_ids``, oldest first
    (one query)."""
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
            Assessment.status == "open",
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


# Comparing assurance (report 4.5): what stands behind each scope's governance,
# and behind each adoption of a requirement.


def _attestation_state(attestations: list[Attestation], now: Any) -> tuple[int | None, str]:
    if not attestations:
        return None, "none"
    latest = max(attestations, key=lambda attestation: attestation.id)
    if latest.revoked_at is not None:
        return latest.id, "revoked"
    if latest.suspended_at is not None:
        return latest.id, "suspended"
    if latest.valid_until < now:
        return latest.id, "expired"
    return latest.id, "standing"


def _summaries(session: Session, assessments: Sequence[Assessment]) -> list[AssuranceRead]:
    """Each completed assessment summed up (three queries however many)."""
    if not assessments:
        return []
    ids = [assessment.id for assessment in assessments]
    by_assessment: dict[int, list[Attestation]] = {id_: [] for id_ in ids}
    for attestation in session.scalars(
        select(Attestation).where(Attestation.assessment_id.in_(ids))
    ):
        by_assessment[attestation.assessment_id].append(attestation)
    names = organization_names(session, {a.assessor_organization_id for a in assessments})
    table = robustness_table(session)
    now = clock.now()
    today = now.date()
    summaries = []
    for assessment in assessments:
        counts: dict[str, int] = {}
        for criterion in assessment.criteria:
            if criterion.finding is not None:
                counts[criterion.finding] = counts.get(criterion.finding, 0) + 1
        unclosed = [
            c
            for c in assessment.criteria
            if c.finding in parties.NONCONFORMITIES and c.closed_at is None
        ]
        attestation_id, state = _attestation_state(by_assessment[assessment.id], now)
        summaries.append(
            AssuranceRead(
                assessment_id=assessment.id,
                assessor_organization_id=assessment.assessor_organization_id,
                assessor_name=names.get(assessment.assessor_organization_id, ""),
                method=assessment.method,
                robustness=robustness.highest_met(assessment.method, table),
                period_start=assessment.period_start,
                period_end=assessment.period_end,
                completed_at=assessment.completed_at,
                frameworks=sorted(
                    {c.reference.partition("#")[0] for c in assessment.criteria if c.reference}
                ),
                findings=counts,
                open_nonconformities=len(unclosed),
                open_major=sum(c.finding == Finding.major for c in unclosed),
                overdue_actions=sum(
                    a.done_at is None and a.due < today for a in assessment.actions
                ),
                attestation_id=attestation_id,
                attestation=state,
            )
        )
    return summaries


def _completed_of(session: Session, scope_ids: Collection[int]) -> list[Assessment]:
    return list(
        session.scalars(
            select(Assessment)
            .where(Assessment.scope_id.in_(scope_ids), Assessment.status == "completed")
            .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
        )
    )


def _scope_visible(actor: Principal, scope: Scope | None) -> bool:
    return scope is not None and (
        scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
    )


def scope_assurance(uow: UnitOfWork, actor: Principal, scope_id: int) -> ScopeAssuranceRead:
    """Where the scope needs trust, how robust, and the completed assessments
    and attestations behind it: public for a published scope."""
    with uow:
        session = uow.session
        scope = session.get(Scope, scope_id)
        if scope is None or not _scope_visible(actor, scope):
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        today = clock.today()
        areas = session.scalars(
            select(TrustArea).where(TrustArea.scope_id == scope.id).order_by(TrustArea.id)
        ).all()
        plans = session.scalars(
            select(AssessmentPlan)
            .where(AssessmentPlan.scope_id == scope.id)
            .order_by(AssessmentPlan.next_due, AssessmentPlan.id)
        ).all()
        owner = organization_profile(session, scope.organization_id)
        assert owner is not None
        return ScopeAssuranceRead(
            scope_id=scope.id,
            scope_name=scope.name,
            organization_id=owner.id,
            organization_name=owner.name,
            trust_areas=[
                TrustAreaSummary(
                    id=area.id,
                    title=area.title,
                    robustness=area.robustness,
                    relied_on_by=area.relied_on_by,
                    plans=[
                        PlanSummary(
                            id=plan.id,
                            method=plan.method,
                            every_months=plan.every_months,
                            next_due=plan.next_due,
                            overdue=plan.next_due < today,
                        )
                        for plan in plans
                        if plan.trust_area_id == area.id
                    ],
                )
                for area in areas
            ],
            assessments=_summaries(session, _completed_of(session, [scope.id])),
        )


def requirement_assurance(
    uow: UnitOfWork, actor: Principal, goal_id: int
) -> RequirementAssuranceRead:
    """For a requirement (a goal others adopt), each adopter and the assurance
    behind its adoption. The requirement's own organization sees every
    adopter; anyone else, the adopters whose scopes they may read."""
    with uow:
        session = uow.session
        goal = session.get(GOAL.model, goal_id)
        scope = None if goal is None else session.get(Scope, goal.scope_id)
        if goal is None or not _scope_visible(actor, scope):
            raise NotFound(lazy("goal %(goal_id)s not found", goal_id=goal_id))
        assert scope is not None
        regulator = organization_profile(session, scope.organization_id)
        assert regulator is not None
        sees_all = actor.can(regulator.id, Role.viewer)
        adopters = []
        for adopting_id, title, scope_id in adopters_of(session, goal.id):
            adopter_scope = session.get(Scope, scope_id)
            assert adopter_scope is not None
            if not (sees_all or _scope_visible(actor, adopter_scope)):
                continue
            adopters.append((adopting_id, title, adopter_scope))
        scope_ids = [adopter_scope.id for _, _, adopter_scope in adopters]
        completed = _completed_of(session, scope_ids) if scope_ids else []
        summaries = dict(
            zip([a.id for a in completed], _summaries(session, completed), strict=True)
        )
        needed = _robustness_needed(session, scope_ids)
        owners = organization_names(session, {s.organization_id for _, _, s in adopters})
        rows = []
        for adopting_id, title, adopter_scope in adopters:
            own = [a for a in completed if a.scope_id == adopter_scope.id]
            covering = [a for a in own if any(c.goal_id == adopting_id for c in a.criteria)]
            chosen = (covering or own or [None])[0]
            rows.append(
                AdopterAssuranceRead(
                    organization_id=adopter_scope.organization_id,
                    organization_name=owners.get(adopter_scope.organization_id, ""),
                    scope_id=adopter_scope.id,
                    scope_name=adopter_scope.name,
                    goal_id=adopting_id,
                    goal_title=title,
                    robustness_needed=needed.get(adopter_scope.id),
                    assurance=None if chosen is None else summaries[chosen.id],
                    covers_goal=bool(covering),
                )
            )
        return RequirementAssuranceRead(
            goal_id=goal.id,
            goal_title=goal.title,
            scope_id=scope.id,
            organization_id=regulator.id,
            organization_name=regulator.name,
            adopters=rows,
        )


def _robustness_needed(session: Session, scope_ids: Collection[int]) -> dict[int, Robustness]:
    """The most robust level each scope's trust areas ask for."""
    order = list(Robustness)
    needed: dict[int, Robustness] = {}
    if not scope_ids:
        return needed
    for scope_id, level in session.execute(
        select(TrustArea.scope_id, TrustArea.robustness).where(TrustArea.scope_id.in_(scope_ids))
    ):
        level = Robustness(level)
        if scope_id not in needed or order.index(level) > order.index(needed[scope_id]):
            needed[scope_id] = level
    return needed


def assessments_completed_between(
    session: Session, scope_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The scope's assessments completed in the period, with the attestations
    issued on them."""
    assessments = session.scalars(
        select(Assessment)
        .where(
            Assessment.scope_id == scope_id,
            Assessment.completed_at >= since,
            Assessment.completed_at < until,
        )
        .order_by(Assessment.id)
    ).all()
    issued = dict(
        session.execute(
            select(Attestation.assessment_id, func.count())
            .where(Attestation.assessment_id.in_([a.id for a in assessments]))
            .group_by(Attestation.assessment_id)
        ).all()
    )
    return [
        {
            "id": a.id,
            "method": a.method,
            "status": a.status,
            "result": a.result,
            "completed_at": a.completed_at.isoformat() if a.completed_at else None,
            "attestations": issued.get(a.id, 0),
        }
        for a in assessments
    ]
