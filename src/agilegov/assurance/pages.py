"""Assessments and the attestations they issue, from the pages: an assessor's
members assess a scope they can see, sign a credential, and revoke it; anyone
who may read the scope reads the outcome."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

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
    organization_names,
    organization_profile,
)
from agilegov.part import Panel
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import form_page, render, submit_form
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
        choices = {"assessor_organization_id": [(str(id_), name) for id_, name in assessors]}
    state = FormState.of(
        AssessmentCreate,
        values,
        problems,
        choices=choices,
        labels={
            "assessor_organization_id": N_("Assessor"),
            "scope_id": N_("Scope (its number)"),
        },
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
    return submit_form(
        AttestationRevoke,
        form,
        lambda data: service.revoke_attestation(uow, visitor.principal, attestation_id, data),
        # Each attestation's form to revoke it shows these problems, none the reason sent.
        refused=lambda values, problems: _assessment_page(
            request, uow, visitor, attestation.assessment_id, revoke_problems=problems
        ),
        done=f"/assessments/{attestation.assessment_id}",
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
