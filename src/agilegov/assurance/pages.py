"""Assessments and the attestations they issue, from the pages: an assessor's
members assess a scope they can see, sign a credential, and revoke it; anyone
who may read the scope reads the outcome."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, with_expression

from agilegov import clock
from agilegov.api.deps import Uow
from agilegov.assurance import service
from agilegov.assurance.models import Assessment, Attestation
from agilegov.assurance.schemas import (
    AssessmentCreate,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
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
from agilegov.part import Panel
from agilegov.record.credentials import AttestationMethod
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState, reference_label
from agilegov.web.lists import Column, Listing, choice_label, download, read
from agilegov.web.render import confirm_page, form_page, render, submit_form, when_text
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)


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
        assessors = organization_choices(
            uow.session,
            [o for o in visitor.principal.roles if visitor.can(o, Role.editor)],
            kind="assessor",
        )
        # The scopes an assessor may assess: published ones, and those it may read.
        scopes = uow.session.execute(
            select(Scope.id, Scope.name)
            .where(
                or_(
                    Scope.visibility == "public",
                    Scope.organization_id.in_(list(visitor.principal.roles)),
                )
            )
            .order_by(Scope.name, Scope.id)
        )
        choices = {
            "assessor_organization_id": [(str(id_), name) for id_, name in assessors],
            "scope_id": [(str(id_), reference_label(id_, name)) for id_, name in scopes],
        }
    state = FormState.of(
        AssessmentCreate,
        values,
        problems,
        choices=choices,
        labels={"assessor_organization_id": N_("Assessor")},
    )
    return form_page(
        request,
        heading=N_("Assess a scope"),
        intro=N_(
            "An assessment evaluates a scope's governance by a stated method against "
            "criteria, and records its result and findings; an attestation can follow."
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
) -> Response:
    return _assessment_form(request, uow, visitor, {"scope_id": scope_id})


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
    return render(
        request,
        "assessment.html",
        visitor=visitor,
        assessment=assessment,
        names=names,
        attestations=attestations,
        now=clock.now(),
        can_issue=visitor.can(assessment.assessor_organization_id, Role.editor),
        issue=FormState.of(AttestationIssue, issue_values, issue_problems),
        revoke=FormState.of(AttestationRevoke, problems=revoke_problems),
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
    return {
        "assessments": [(a, names[a.assessor_organization_id]) for a in assessments],
        "can_assess": visitor.signed_in
        and bool(organization_choices(session, editing, kind="assessor")),
    }


PANELS = (Panel(30, "scope/panels/assurance.html", _assessments),)
