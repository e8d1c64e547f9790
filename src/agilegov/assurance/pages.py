"""Engagements, assessments and the attestations they issue, from the pages:
an assessor's members ask to assess a scope they can see, and once its owner
accepted, assess it, sign a credential, suspend, reinstate and revoke it;
anyone who may read the scope reads the outcome."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload, with_expression

from agilegov import clock
from agilegov.api.deps import Uow
from agilegov.assurance import service
from agilegov.assurance.models import (
    Assessment,
    AssessmentPlan,
    Attestation,
    Engagement,
    TrustArea,
)
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.schemas import (
    AssessmentCreate,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
    AttestationSuspend,
    EngagementAccept,
    EngagementCreate,
    EngagementRead,
    EngagementRefuse,
)
from agilegov.auth import Role
from agilegov.errors import Unauthenticated
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import (
    organization_choices,
    organization_name,
    organization_names,
    organization_profile,
)
from agilegov.part import Panel, Tab
from agilegov.record.credentials import AttestationMethod
from agilegov.tenancy import Scope
from agilegov.trust.service import assessor_schemes, issuer_finding, scheme_name
from agilegov.uow import UnitOfWork
from agilegov.web.crud import kind_pages
from agilegov.web.forms import FormState, reference_label
from agilegov.web.lists import Column, Listing, choice_label, download, read
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
    when_text,
)
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)


def _assessor_choices(session: Session, visitor: Visitor) -> dict[str, Any]:
    """The assessors the visitor edits for, and the scopes an assessor may
    assess: published ones, and those it may read."""
    assessors = organization_choices(
        session,
        [o for o in visitor.principal.roles if visitor.can(o, Role.editor)],
        kind="assessor",
    )
    scopes = session.execute(
        select(Scope.id, Scope.name)
        .where(
            or_(
                Scope.visibility == "public",
                Scope.organization_id.in_(list(visitor.principal.roles)),
            )
        )
        .order_by(Scope.name, Scope.id)
    )
    return {
        "assessor_organization_id": [(str(id_), name) for id_, name in assessors],
        "scope_id": [(str(id_), reference_label(id_, name)) for id_, name in scopes],
    }


def _assessment_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    with uow:
        choices = _assessor_choices(uow.session, visitor)
        # The accepted engagements of the visitor's assessors that no assessment answers yet.
        editing = [int(id_) for id_, _ in choices["assessor_organization_id"]]
        engagements = uow.session.execute(
            select(Engagement.id, Engagement.scheme, Scope.name)
            .join(Scope, Scope.id == Engagement.scope_id)
            .where(
                Engagement.assessor_organization_id.in_(editing),
                Engagement.status == "accepted",
                Engagement.id.not_in(
                    select(Assessment.engagement_id).where(Assessment.engagement_id.is_not(None))
                ),
            )
            .order_by(Engagement.id)
        )
        choices["engagement_id"] = [
            (str(id_), reference_label(id_, f"{scope} — {scheme}"))
            for id_, scheme, scope in engagements
        ]
        # The schemes those assessors are accredited for now.
        choices["scheme_id"] = [
            (str(scheme.id), scheme.name)
            for scheme in assessor_schemes(uow.session, editing, clock.now())
        ]
    state = FormState.of(
        AssessmentCreate,
        values,
        problems,
        choices=choices,
        labels={
            "assessor_organization_id": N_("Assessor"),
            "engagement_id": N_("Engagement"),
            "scheme_id": N_("Accreditation scheme"),
        },
    )
    return form_page(
        request,
        heading=N_("Assess a scope"),
        intro=N_(
            "An assessment evaluates a scope's governance by a stated method against "
            "criteria, and records its result and findings; an attestation can follow. "
            "It answers an engagement the scope's owner accepted."
        ),
        breadcrumbs=[],
        state=state,
        action="/assessments",
        submit=N_("Record assessment"),
        cancel="/",
    )


@router.get("/assessments/new")
def new_assessment(
    request: Request,
    uow: Uow,
    visitor: VisitorDep,
    scope_id: Annotated[str | None, Query(max_length=12)] = None,
    engagement_id: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    values = {"scope_id": scope_id, "engagement_id": engagement_id}
    if engagement_id is not None and engagement_id.isdecimal():
        # The engagement chosen names its assessor and scope too.
        engagement = service.get_engagement(uow, visitor.principal, int(engagement_id))
        values["scope_id"] = str(engagement.scope_id)
        values["assessor_organization_id"] = str(engagement.assessor_organization_id)
    return _assessment_form(request, uow, visitor, values)


@router.post("/assessments")
def create_assessment(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        AssessmentCreate,
        form,
        lambda data: service.create_assessment(uow, visitor.principal, data),
        refused=partial(_assessment_form, request, uow, visitor),
        done=lambda created: f"/assessments/{created.id}",
    )


SCOPE_NAME = select(Scope.name).where(Scope.id == Assessment.scope_id).scalar_subquery()
ASSESSOR_NAME = organization_name(Assessment.assessor_organization_id)

ASSESSMENTS = Listing(
    Assessment,
    (
        Column("created", N_("Assessed"), Assessment.created_at, lambda a: when_text(a.created_at)),
        Column("scope", N_("Scope"), SCOPE_NAME, lambda a: a.scope_name, searched=True),
        Column("assessor", N_("Assessor"), ASSESSOR_NAME, lambda a: a.assessor_name, True),
        Column(
            "method",
            N_("Method"),
            Assessment.method,
            lambda a: choice_label(a.method),
            choices=tuple(AttestationMethod),
        ),
        Column(
            "result",
            N_("Result"),
            Assessment.result,
            lambda a: a.result,
            searched=True,
            sortable=False,
        ),
        Column(
            "scope_id",
            N_("Scope number"),
            Assessment.scope_id,
            lambda a: a.scope_id,
            shown=False,
            value=int,
            accepts=lambda text: text.isdecimal() and len(text) < 10,
        ),
    ),
    order=(Assessment.created_at.desc(), Assessment.id.desc()),
)


@router.get("/assessments")
def assessments(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """The assessments the visitor may read (of published scopes, and of their
    organizations' scopes or by their assessors), searched, sorted and paged."""
    query = dict(request.query_params)
    names = [
        with_expression(Assessment.scope_name, SCOPE_NAME),
        with_expression(Assessment.assessor_name, ASSESSOR_NAME),
    ]
    with uow:
        where = [service.readable_assessments(visitor.principal)]
        listed = read(uow.session, ASSESSMENTS, where, query, names)
        if listed.request.csv and not listed.request.problems:
            return download(request, listed, "assessments.csv")
        return render(
            request,
            "assessments.html",
            status=400 if listed.request.problems else 200,
            visitor=visitor,
            assessments=listed,
        )


def _assessment_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    assessment_id: int,
    *,
    issue_values: Any = None,
    issue_problems: dict[str, str] | None = None,
    revoke_problems: dict[str, str] | None = None,
    suspend_problems: dict[str, str] | None = None,
) -> Response:
    assessment = service.get_assessment(uow, visitor.principal, assessment_id)
    with uow:
        session = uow.session
        scope = session.get(Scope, assessment.scope_id)
        assessor = organization_profile(session, assessment.assessor_organization_id)
        assert scope is not None and assessor is not None
        names = {"scope": scope.name, "assessor": assessor.name}
        attestations = [
            AttestationRead.model_validate(row)
            for row in session.scalars(
                select(Attestation)
                .where(Attestation.assessment_id == assessment_id)
                .order_by(Attestation.id)
            )
        ]
        now = clock.now()
        # What a verifier would find of each credential's issuer in the trust list.
        issuers = {a.id: issuer_finding(session, a.credential, now) for a in attestations}
        scheme = (
            None if assessment.scheme_id is None else scheme_name(session, assessment.scheme_id)
        )
    return render(
        request,
        "assessment.html",
        visitor=visitor,
        assessment=assessment,
        names=names,
        attestations=attestations,
        issuers=issuers,
        issuer_verified=assessor.verified,
        scheme=scheme,
        now=now,
        can_issue=visitor.can(assessment.assessor_organization_id, Role.editor),
        issue=FormState.of(AttestationIssue, issue_values, issue_problems),
        revoke=FormState.of(AttestationRevoke, problems=revoke_problems),
        suspend=FormState.of(AttestationSuspend, problems=suspend_problems),
    )


@router.get("/assessments/{assessment_id}")
def assessment(request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _assessment_page(request, uow, visitor, assessment_id)


@router.post("/assessments/{assessment_id}/attestations")
def issue_attestation(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    key_dir = request.app.state.settings.assessor_key_dir
    return submit_form(
        AttestationIssue,
        form,
        lambda data: service.issue_attestation(
            uow, visitor.principal, assessment_id, data, key_dir
        ),
        refused=lambda values, problems: _assessment_page(
            request, uow, visitor, assessment_id, issue_values=values, issue_problems=problems
        ),
        done=f"/assessments/{assessment_id}",
    )


@router.post("/attestations/{attestation_id}/revoke")
def revoke_attestation(
    request: Request, attestation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    attestation = service.get_attestation(uow, visitor.principal, attestation_id)
    back = f"/assessments/{attestation.assessment_id}"

    def ask(data: AttestationRevoke) -> Response:
        service.check_revocable(uow, visitor.principal, attestation_id)
        return confirm_page(
            request,
            question=lazy("Revoke attestation #%(id)s?", id=attestation_id),
            detail=lazy(
                "Anyone checking the credential will see it revoked, for this reason: %(reason)s",
                reason=data.reason,
            ),
            action=f"/attestations/{attestation_id}/revoke",
            submit=lazy("Revoke attestation"),
            cancel=f"{back}#attestation-{attestation_id}",
            carried=form,
        )

    return submit_form(
        AttestationRevoke,
        form,
        lambda data: service.revoke_attestation(uow, visitor.principal, attestation_id, data),
        # Each attestation's form to revoke it shows these problems, none the reason sent.
        refused=lambda values, problems: _assessment_page(
            request, uow, visitor, attestation.assessment_id, revoke_problems=problems
        ),
        done=back,
        message=lazy("Attestation #%(id)s revoked", id=attestation_id),
        confirm=ask,
    )


@router.post("/attestations/{attestation_id}/suspend")
def suspend_attestation(
    request: Request, attestation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    attestation = service.get_attestation(uow, visitor.principal, attestation_id)
    back = f"/assessments/{attestation.assessment_id}"

    def ask(data: AttestationSuspend) -> Response:
        service.check_suspendable(uow, visitor.principal, attestation_id)
        return confirm_page(
            request,
            question=lazy("Suspend attestation #%(id)s?", id=attestation_id),
            detail=lazy(
                "Anyone checking the credential will see it suspended until it is "
                "reinstated, for this reason: %(reason)s",
                reason=data.reason,
            ),
            action=f"/attestations/{attestation_id}/suspend",
            submit=lazy("Suspend attestation"),
            cancel=f"{back}#attestation-{attestation_id}",
            carried=form,
        )

    return submit_form(
        AttestationSuspend,
        form,
        lambda data: service.suspend_attestation(uow, visitor.principal, attestation_id, data),
        refused=lambda values, problems: _assessment_page(
            request, uow, visitor, attestation.assessment_id, suspend_problems=problems
        ),
        done=back,
        message=lazy("Attestation #%(id)s suspended", id=attestation_id),
        confirm=ask,
    )


@router.post("/attestations/{attestation_id}/reinstate")
def reinstate_attestation(
    request: Request, attestation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    attestation = service.get_attestation(uow, visitor.principal, attestation_id)
    service.reinstate_attestation(uow, visitor.principal, attestation_id)
    return redirect(
        f"/assessments/{attestation.assessment_id}",
        message=lazy("Attestation #%(id)s reinstated", id=attestation_id),
    )


# ---------------------------------------------------------------- engagements


def _engagement_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    with uow:
        choices = _assessor_choices(uow.session, visitor)
    state = FormState.of(
        EngagementCreate,
        values,
        problems,
        choices=choices,
        labels={"assessor_organization_id": N_("Assessor")},
    )
    return form_page(
        request,
        heading=N_("Request an engagement"),
        intro=N_(
            "An assessor asks the scope's owner to let it assess the scope, by the scheme "
            "named; once the owner accepts, the assessment can be recorded."
        ),
        breadcrumbs=[],
        state=state,
        action="/engagements",
        submit=N_("Send the request"),
        cancel="/",
    )


@router.get("/engagements/new")
def new_engagement(
    request: Request,
    uow: Uow,
    visitor: VisitorDep,
    scope_id: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    return _engagement_form(request, uow, visitor, {"scope_id": scope_id})


@router.post("/engagements")
def request_engagement(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        EngagementCreate,
        form,
        lambda data: service.request_engagement(uow, visitor.principal, data),
        refused=partial(_engagement_form, request, uow, visitor),
        done=lambda created: f"/engagements/{created.id}",
        message=lazy("Request sent to the scope's owner"),
    )


def _engagement_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    engagement_id: int,
    *,
    accept_problems: dict[str, str] | None = None,
    refuse_problems: dict[str, str] | None = None,
) -> Response:
    engagement = service.get_engagement(uow, visitor.principal, engagement_id)
    with uow:
        session = uow.session
        scope = session.get(Scope, engagement.scope_id)
        assert scope is not None
        owner, scope_name = scope.organization_id, scope.name
        assessor = organization_names(session, {engagement.assessor_organization_id})
        assessment = session.scalar(
            select(Assessment.id).where(Assessment.engagement_id == engagement_id)
        )
    pending = engagement.status == "requested"
    is_assessor = visitor.can(engagement.assessor_organization_id, Role.editor)
    return render(
        request,
        "engagement.html",
        visitor=visitor,
        engagement=engagement,
        scope_name=scope_name,
        assessor=assessor[engagement.assessor_organization_id],
        assessment=assessment,
        can_answer=pending and visitor.can(owner, Role.editor),
        can_withdraw=pending and is_assessor,
        can_assess=engagement.status == "accepted" and is_assessor and assessment is None,
        accept=FormState.of(EngagementAccept, problems=accept_problems),
        refuse=FormState.of(EngagementRefuse, problems=refuse_problems),
    )


@router.get("/engagements/{engagement_id}")
def engagement(request: Request, engagement_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _engagement_page(request, uow, visitor, engagement_id)


@router.post("/engagements/{engagement_id}/accept")
def accept_engagement(
    request: Request, engagement_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        EngagementAccept,
        form,
        lambda data: service.accept_engagement(uow, visitor.principal, engagement_id, data),
        refused=lambda values, problems: _engagement_page(
            request, uow, visitor, engagement_id, accept_problems=problems
        ),
        done=f"/engagements/{engagement_id}",
        message=lazy("Engagement #%(id)s accepted", id=engagement_id),
    )


@router.post("/engagements/{engagement_id}/refuse")
def refuse_engagement(
    request: Request, engagement_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def ask(data: EngagementRefuse) -> Response:
        service.check_answerable(uow, visitor.principal, engagement_id, by_owner=True)
        return confirm_page(
            request,
            question=lazy("Refuse engagement #%(id)s?", id=engagement_id),
            detail=lazy(
                "The assessor will not assess the scope on this request; it is told this "
                "reason: %(note)s",
                note=data.note,
            ),
            action=f"/engagements/{engagement_id}/refuse",
            submit=lazy("Refuse the engagement"),
            cancel=f"/engagements/{engagement_id}",
            carried=form,
        )

    return submit_form(
        EngagementRefuse,
        form,
        lambda data: service.refuse_engagement(uow, visitor.principal, engagement_id, data),
        refused=lambda values, problems: _engagement_page(
            request, uow, visitor, engagement_id, refuse_problems=problems
        ),
        done=f"/engagements/{engagement_id}",
        message=lazy("Engagement #%(id)s refused", id=engagement_id),
        confirm=ask,
    )


@router.post("/engagements/{engagement_id}/withdraw")
def withdraw_engagement(
    request: Request, engagement_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    if not confirmed(form):
        service.check_answerable(uow, visitor.principal, engagement_id, by_owner=False)
        return confirm_page(
            request,
            question=lazy("Withdraw engagement #%(id)s?", id=engagement_id),
            detail=lazy("The scope's owner can no longer accept it."),
            action=f"/engagements/{engagement_id}/withdraw",
            submit=lazy("Withdraw the request"),
            cancel=f"/engagements/{engagement_id}",
        )
    service.withdraw_engagement(uow, visitor.principal, engagement_id)
    return redirect(
        f"/engagements/{engagement_id}",
        message=lazy("Engagement #%(id)s withdrawn", id=engagement_id),
    )


# ---------------------------------------------------------------- the scope's overview


def _assessments(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    assessments = session.scalars(
        select(Assessment).where(Assessment.scope_id == scope.id).order_by(Assessment.id.desc())
    ).all()
    names = organization_names(session, {a.assessor_organization_id for a in assessments})
    # The link to the form shows only to those who can submit it: editors of an
    # assessor other than the scope's own organization.
    editing = [
        org
        for org in visitor.principal.roles
        if org != scope.organization_id and visitor.can(org, Role.editor)
    ]
    # The scope's engagements the visitor may read: all of them for the scope's
    # members, their own assessors' for others.
    engagements = [
        EngagementRead.model_validate(e)
        for e in session.scalars(
            select(Engagement)
            .where(
                Engagement.scope_id == scope.id,
                service.readable_engagements(visitor.principal),
            )
            .order_by(Engagement.id.desc())
        )
    ]
    names = {
        **names,
        **organization_names(session, {e.assessor_organization_id for e in engagements}),
    }
    return {
        "assessments": [(a, names[a.assessor_organization_id]) for a in assessments],
        "engagements": [(e, names[e.assessor_organization_id]) for e in engagements],
        "can_assess": visitor.signed_in
        and bool(organization_choices(session, editing, kind="assessor")),
    }


PANELS = (Panel(30, "scope/panels/assurance.html", _assessments),)


TRUST_AREAS = Listing(
    TrustArea,
    (
        Column("title", N_("Trust area"), TrustArea.title, lambda a: a.title, searched=True),
        Column(
            "robustness",
            N_("Robustness"),
            TrustArea.robustness,
            lambda a: choice_label(a.robustness),
            choices=tuple(Robustness),
        ),
        Column("reason", N_("Reason"), TrustArea.reason, lambda a: a.reason, searched=True),
        Column(
            "relied_on_by",
            N_("Relied on by"),
            TrustArea.relied_on_by,
            lambda a: a.relied_on_by,
            searched=True,
        ),
    ),
    order=(TrustArea.title,),
)


def _trust(
    session: Session, scope: Scope, query: dict[str, str], visitor: Any, **_: Any
) -> dict[str, Any]:
    loads = [selectinload(TrustArea.risks)]
    areas = read(session, TRUST_AREAS, [TrustArea.scope_id == scope.id], query, loads)
    plans: dict[int, list[AssessmentPlan]] = {area.id: [] for area in areas.rows}
    if plans:
        rows = session.scalars(
            select(AssessmentPlan)
            .where(AssessmentPlan.trust_area_id.in_(list(plans)))
            .order_by(AssessmentPlan.next_due, AssessmentPlan.id)
        )
        for plan in rows:
            plans[plan.trust_area_id].append(plan)
    return {
        "areas": areas,
        "plans": plans,
        "today": clock.today(),
        "can_own": scope.status == "active" and visitor.can(scope.organization_id, Role.owner),
    }


TABS = (Tab("trust", N_("Trust"), 92, "scope/trust.html", _trust, badge="trust_areas"),)
KIND_PAGES = [kind_pages(kind) for kind in service.KINDS]
