"""Engagements, assessments and the attestations they issue, from the pages:
an assessor's members ask to assess a scope they can see, and once its owner
accepted, assess it, sign a credential, suspend, reinstate and revoke it;
anyone who may read the scope reads the outcome."""

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError
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
from agilegov.assurance.parties import NONCONFORMITIES, Cause, Finding
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.schemas import (
    ActionBecomes,
    AssessmentComplete,
    AssessmentCreate,
    AssessmentFields,
    AttestationIssue,
    AttestationRead,
    AttestationRevoke,
    AttestationSuspend,
    CriterionRead,
    EngagementAccept,
    EngagementCreate,
    EngagementRead,
    EngagementRefuse,
    FindingClose,
    FindingSet,
    ImprovementActionCreate,
    ImprovementActionDone,
)
from agilegov.auth import Role
from agilegov.design.service import measure_titles
from agilegov.errors import FieldProblem, InvalidInput, Unauthenticated
from agilegov.goals.service import GOAL, goal_titles, requirements_of
from agilegov.i18n import N_, Lazy, lazy
from agilegov.library.service import requirement_choices
from agilegov.organizations.service import (
    members_of,
    organization_choices,
    organization_name,
    organization_names,
    organization_profile,
)
from agilegov.part import Panel, Tab
from agilegov.record.credentials import AttestationMethod
from agilegov.schemas import Input, LongText, Name, ShortText
from agilegov.tenancy import Scope
from agilegov.trust.service import assessor_schemes, issuer_finding, scheme_name
from agilegov.uow import UnitOfWork
from agilegov.web.crud import kind_pages
from agilegov.web.forms import Choice, FormState, problems_of, reference_label
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

Result = TypeVar("Result")

# How a form takes evidence links, one a line.
EVIDENCE = N_(
    "One link a line: “evaluation 12” (an evaluation of the scope's indicators), “record 345” "
    "(an entry of the record, its receipt proving it is there), or “document <sha256> <name>” "
    "(a document outside agilegov, by the SHA-256 of its bytes)."
)


def _scope_choices(session: Session, visitor: Visitor) -> list[Choice]:
    """The scopes the visitor may assess: published ones, and those of their
    organizations."""
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
    return [(str(id_), reference_label(id_, name)) for id_, name in scopes]


def _editing(visitor: Visitor) -> list[int]:
    """The organizations the visitor edits for."""
    return [o for o in visitor.principal.roles if visitor.can(o, Role.editor)]


def _assessor_choices(session: Session, visitor: Visitor) -> dict[str, Any]:
    """The assessors the visitor edits for, and the scopes an assessor may
    assess: published ones, and those it may read."""
    assessors = organization_choices(session, _editing(visitor), kind="assessor")
    return {
        "assessor_organization_id": [(str(id_), name) for id_, name in assessors],
        "scope_id": _scope_choices(session, visitor),
    }


class AssessmentForm(AssessmentFields):
    """The form of a new assessment: its criteria chosen as requirements of the
    library and goals of the scope (``AssessmentCreate`` lists them as one)."""

    requirements: list[ShortText] = Field(
        default_factory=list,
        max_length=200,
        description=N_("Requirements of the library it assesses against: framework@version#id."),
    )
    goal_ids: list[int] = Field(
        default_factory=list,
        max_length=200,
        description=N_("Goals of the scope it assesses against."),
    )

    def create(self) -> AssessmentCreate:
        criteria = [{"requirement": ref} for ref in self.requirements]
        criteria += [{"goal_id": goal_id} for goal_id in self.goal_ids]
        if not criteria:
            raise InvalidInput.on("requirements", lazy("name at least one requirement or goal"))
        fields = self.model_dump(exclude={"requirements", "goal_ids"})
        return AssessmentCreate.model_validate({**fields, "criteria": criteria})

    def field_of(self, name: str) -> str:
        """The form's field a problem of ``AssessmentCreate``'s ``name`` is about:
        a criterion is a requirement, then a goal, in the order named."""
        head = _head(name)
        if head != "criteria":
            return head
        position = re.search(r"\[(\d+)\]", name)
        if position is None or int(position.group(1)) < len(self.requirements):
            return "requirements"
        return "goal_ids"


def _head(name: str) -> str:
    """The field a problem's location starts with: "evidence" of "evidence[0].id"."""
    return re.split(r"[\[.]", name, maxsplit=1)[0]


def _filed(problems: Mapping[str, Any], field_of: Callable[[str], str]) -> InvalidInput:
    """The problems as one refusal, each filed under the form's field ``field_of`` names."""
    return InvalidInput.of(
        [FieldProblem(field_of(name), message) for name, message in problems.items()]
    )


def _problems(error: ValidationError | InvalidInput) -> dict[str, Any]:
    if isinstance(error, ValidationError):
        return problems_of(error)
    return {problem.field: problem.message for problem in error.problems}


def _on_form(call: Callable[[], Result], field_of: Callable[[str], str]) -> Result:
    """``call()``, its refusals filed under the fields of the form that asked."""
    try:
        return call()
    except (ValidationError, InvalidInput) as error:
        refusal = _filed(_problems(error), field_of)
    raise refusal


def _criteria_choices(session: Session, scope_id: Any, visitor: Visitor) -> dict[str, Any]:
    """The requirements, goals and plans of the scope chosen (when the visitor
    may see it): the criteria it can be assessed against."""
    if not str(scope_id or "").isdecimal():
        return {}
    scope = session.get(Scope, int(scope_id))
    if scope is None or not (
        scope.visibility == "public" or visitor.can(scope.organization_id, Role.viewer)
    ):
        return {}
    choices: dict[str, Any] = {}
    requirements = requirement_choices(session, scope)
    # With no framework followed, references are typed in, one a line.
    if requirements:
        choices["requirements"] = requirements
    goals = sorted(goal_titles(session, scope.id).items())
    choices["goal_ids"] = [(str(id_), reference_label(id_, title)) for id_, title in goals]
    plans = session.execute(
        select(AssessmentPlan.id, AssessmentPlan.method)
        .where(AssessmentPlan.scope_id == scope.id)
        .order_by(AssessmentPlan.id)
    )
    choices["plan_id"] = [
        (str(id_), reference_label(id_, choice_label(method))) for id_, method in plans
    ]
    return choices


def _assessment_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    values = values or {}
    with uow:
        session = uow.session
        editing = _editing(visitor)
        choices: dict[str, Any] = {
            "assessor_organization_id": [
                (str(id_), name) for id_, name in organization_choices(session, editing)
            ],
            "scope_id": _scope_choices(session, visitor),
        }
        # The accepted engagements of the visitor's organizations that no assessment answers yet.
        engagements = session.execute(
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
        # The schemes those organizations are accredited for now.
        choices["scheme_id"] = [
            (str(scheme.id), scheme.name)
            for scheme in assessor_schemes(session, editing, clock.now())
        ]
        choices.update(_criteria_choices(session, values.get("scope_id"), visitor))
    state = FormState.of(
        AssessmentForm,
        values,
        problems,
        choices=choices,
        labels={
            "assessor_organization_id": N_("Assessor"),
            "engagement_id": N_("Engagement"),
            "scheme_id": N_("Accreditation scheme"),
            "plan_id": N_("Assessment plan"),
            "goal_ids": N_("Goals of the scope"),
        },
    )
    return form_page(
        request,
        heading=N_("Assess a scope"),
        intro=N_(
            "An assessment evaluates a scope's governance by a stated method against criteria: "
            "requirements of the library and goals of the scope. It opens now; findings are "
            "recorded against each criterion, then it is completed. The scope's own "
            "organization declares or audits itself; another organization assesses on an "
            "engagement the scope's owner accepted, and an audit, certification or rating "
            "needs an assessor accredited for the scheme."
        ),
        breadcrumbs=[],
        state=state,
        action="/assessments",
        submit=N_("Open the assessment"),
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
        AssessmentForm,
        form,
        lambda data: _on_form(
            lambda: service.create_assessment(uow, visitor.principal, data.create()),
            data.field_of,
        ),
        refused=partial(_assessment_form, request, uow, visitor),
        done=lambda created: f"/assessments/{created.id}",
        message=lambda created: lazy("Assessment #%(id)s opened", id=created.id),
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


class FindingForm(Input):
    """A finding against one criterion; its evidence typed one link a line."""

    criterion_id: int
    finding: Finding
    cause: Cause | None = Field(
        default=None,
        description=N_(
            "For a major nonconformity: what is wrong (a measure, a goal, the risk analysis)."
        ),
    )
    note: LongText = ""
    evidence: list[ShortText] = Field(default_factory=list, max_length=50, description=EVIDENCE)


class ActionForm(Input):
    """An improvement action answering one open nonconformity."""

    nonconformity_id: int = Field(description=N_("The nonconformity it answers."))
    title: Name
    description: LongText = ""
    owner_id: int = Field(description=N_("A member of the assessed scope's organization."))
    due: date
    becomes: ActionBecomes = Field(description=N_("A change of a measure, or a review."))
    measure_id: int | None = Field(
        default=None, description=N_("The measure to change (for a measure change).")
    )


class ActionDoneForm(Input):
    """One improvement action marked done, naming what carried it out."""

    action_id: int
    done_note: LongText = Field(min_length=1)
    measure_version: int | None = Field(
        default=None, description=N_("The measure's version that carries out the change.")
    )
    review_id: int | None = Field(default=None, description=N_("The review that carried it out."))


class ClosingForm(Input):
    """A nonconformity closed by its assessor on the closing evidence."""

    closing_criterion_id: int
    closing_note: LongText = Field(
        min_length=1, description=N_("How the nonconformity was closed.")
    )
    closing_evidence: list[ShortText] = Field(
        default_factory=list, max_length=50, description=EVIDENCE
    )


def evidence_links(lines: list[str]) -> list[dict[str, str | None]]:
    """Evidence links as typed, one a line: ``evaluation 12``, ``record 345``,
    ``document <sha256> <name>``; the schema says what is wrong with each."""
    links: list[dict[str, str | None]] = []
    for line in lines:
        kind, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if kind == "evaluation":
            links.append({"kind": kind, "id": rest or None})
        elif kind == "record":
            links.append({"kind": kind, "index": rest or None})
        elif kind == "document":
            digest, _, name = rest.partition(" ")
            links.append({"kind": kind, "sha256": digest or None, "name": name.strip() or None})
        else:
            links.append({"kind": kind})
    return links


# Each form of the assessment page, by the name its refusal is carried back under.
PAGE_FORMS: dict[str, type[Input]] = {
    "finding": FindingForm,
    "complete": AssessmentComplete,
    "action": ActionForm,
    "done": ActionDoneForm,
    "closing": ClosingForm,
    "issue": AttestationIssue,
}


def _criterion_label(criterion: CriterionRead) -> str:
    if criterion.reference:
        return f"{criterion.reference} {criterion.title}"
    return criterion.title


def _assessment_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    assessment_id: int,
    *,
    refused: tuple[str, Any, dict[str, str]] | None = None,
    revoke_problems: dict[str, str] | None = None,
    suspend_problems: dict[str, str] | None = None,
) -> Response:
    """The assessment, and the forms the visitor may submit on it; ``refused``:
    the form (by its name in ``PAGE_FORMS``) sent back with what was sent and
    what is wrong."""
    assessment = service.get_assessment(uow, visitor.principal, assessment_id)
    today = clock.today()
    with uow:
        session = uow.session
        scope = session.get(Scope, assessment.scope_id)
        assessor = organization_profile(session, assessment.assessor_organization_id)
        assert scope is not None and assessor is not None
        owner_org = scope.organization_id
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
        members = members_of(session, owner_org)
        measures = measure_titles(session, scope.id) if visitor.can(owner_org, Role.editor) else {}
    completed = assessment.status == "completed"
    assessing = visitor.can(assessment.assessor_organization_id, Role.editor)
    scope_editor = visitor.can(owner_org, Role.editor)
    nonconformities = [
        c for c in assessment.criteria if c.finding in NONCONFORMITIES and c.closed_at is None
    ]
    doable = [
        a
        for a in assessment.actions
        if a.done_at is None and (scope_editor or a.owner_id == visitor.principal.user_id)
    ]
    criteria = [
        (str(c.id), reference_label(c.position + 1, _criterion_label(c)))
        for c in assessment.criteria
    ]
    open_ones = [
        (str(c.id), reference_label(c.position + 1, _criterion_label(c))) for c in nonconformities
    ]
    choices = {
        "finding": {"criterion_id": criteria},
        "action": {
            "nonconformity_id": open_ones,
            "owner_id": [(str(id_), name) for id_, name in members],
            "measure_id": [
                (str(id_), reference_label(id_, title)) for id_, title in sorted(measures.items())
            ],
        },
        "done": {"action_id": [(str(a.id), reference_label(a.id, a.title)) for a in doable]},
        "closing": {"closing_criterion_id": open_ones},
    }
    labels = {
        "finding": {"criterion_id": N_("Criterion")},
        "action": {"nonconformity_id": N_("Nonconformity"), "owner_id": N_("Owner")},
        "done": {"action_id": N_("Improvement action"), "done_note": N_("Note")},
        "closing": {
            "closing_criterion_id": N_("Nonconformity"),
            "closing_note": N_("Note"),
            "closing_evidence": N_("Closing evidence"),
        },
    }
    forms = {
        name: FormState.of(
            shape,
            *(refused[1:] if refused and refused[0] == name else (None, None)),
            choices=choices.get(name),
            labels=labels.get(name),
        )
        for name, shape in PAGE_FORMS.items()
    }
    return render(
        request,
        "assessment.html",
        status=422 if refused else 200,
        visitor=visitor,
        assessment=assessment,
        names=names,
        members=dict(members),
        positions={c.id: c.position + 1 for c in assessment.criteria},
        attestations=attestations,
        issuers=issuers,
        issuer_verified=assessor.verified,
        scheme=scheme,
        now=now,
        today=today,
        refused=refused[0] if refused else None,
        can_find=not completed and assessing,
        can_act=completed and scope_editor and bool(nonconformities),
        can_do=bool(doable),
        can_close=completed and assessing and bool(nonconformities),
        can_issue=completed and assessing and assessor.kind == "assessor",
        can_manage=assessing,
        forms=forms,
        revoke=FormState.of(AttestationRevoke, problems=revoke_problems),
        suspend=FormState.of(AttestationSuspend, problems=suspend_problems),
    )


@router.get("/assessments/{assessment_id}")
def assessment(request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _assessment_page(request, uow, visitor, assessment_id)


def _page_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    assessment_id: int,
    name: str,
    form: Any,
    call: Callable[[Any], Any],
    message: Lazy,
) -> Response:
    """Answer one of the assessment page's forms: refused, the page again with
    the problems next to that form."""
    return submit_form(
        PAGE_FORMS[name],
        form,
        call,
        refused=lambda values, problems: _assessment_page(
            request, uow, visitor, assessment_id, refused=(name, values, problems)
        ),
        done=f"/assessments/{assessment_id}",
        message=message,
    )


@router.post("/assessments/{assessment_id}/findings")
def set_finding(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def call(data: FindingForm) -> Any:
        return _on_form(
            lambda: service.set_finding(
                uow,
                visitor.principal,
                assessment_id,
                data.criterion_id,
                FindingSet.model_validate(
                    {
                        **data.model_dump(exclude={"criterion_id"}),
                        "evidence": evidence_links(data.evidence),
                    }
                ),
            ),
            _head,
        )

    return _page_form(
        request, uow, visitor, assessment_id, "finding", form, call, lazy("Finding recorded")
    )


@router.post("/assessments/{assessment_id}/complete")
def complete_assessment(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return _page_form(
        request,
        uow,
        visitor,
        assessment_id,
        "complete",
        form,
        lambda data: service.complete_assessment(uow, visitor.principal, assessment_id, data),
        lazy("Assessment #%(id)s completed", id=assessment_id),
    )


@router.post("/assessments/{assessment_id}/actions")
def add_action(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def call(data: ActionForm) -> Any:
        values = data.model_dump(exclude={"nonconformity_id"})
        return _on_form(
            lambda: service.add_action(
                uow,
                visitor.principal,
                assessment_id,
                ImprovementActionCreate(**values, criterion_id=data.nonconformity_id),
            ),
            lambda name: "nonconformity_id" if name == "criterion_id" else _head(name),
        )

    return _page_form(
        request, uow, visitor, assessment_id, "action", form, call, lazy("Improvement action added")
    )


@router.post("/assessments/{assessment_id}/actions/done")
def complete_action(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def call(data: ActionDoneForm) -> Any:
        actions = service.get_assessment(uow, visitor.principal, assessment_id).actions
        if data.action_id not in {action.id for action in actions}:
            raise InvalidInput.on(
                "action_id", lazy("no such improvement action in this assessment")
            )
        done = ImprovementActionDone(
            note=data.done_note, measure_version=data.measure_version, review_id=data.review_id
        )
        return _on_form(
            lambda: service.complete_action(uow, visitor.principal, data.action_id, done),
            lambda name: "done_note" if name == "note" else _head(name),
        )

    return _page_form(
        request, uow, visitor, assessment_id, "done", form, call, lazy("Improvement action done")
    )


@router.post("/assessments/{assessment_id}/closings")
def close_finding(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def call(data: ClosingForm) -> Any:
        return _on_form(
            lambda: service.close_finding(
                uow,
                visitor.principal,
                assessment_id,
                data.closing_criterion_id,
                FindingClose.model_validate(
                    {"note": data.closing_note, "evidence": evidence_links(data.closing_evidence)}
                ),
            ),
            lambda name: f"closing_{_head(name)}",
        )

    return _page_form(
        request, uow, visitor, assessment_id, "closing", form, call, lazy("Nonconformity closed")
    )


@router.post("/assessments/{assessment_id}/attestations")
def issue_attestation(
    request: Request, assessment_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    key_dir = request.app.state.settings.assessor_key_dir
    return _page_form(
        request,
        uow,
        visitor,
        assessment_id,
        "issue",
        form,
        lambda data: service.issue_attestation(
            uow, visitor.principal, assessment_id, data, key_dir
        ),
        lazy("Attestation issued"),
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
        # Any organization the visitor edits for may assess, by the methods its party allows.
        "can_assess": visitor.signed_in and bool(_editing(visitor)),
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
    session: Session, scope: Scope, query: dict[str, str], visitor: Any, uow: UnitOfWork, **_: Any
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
    # The scope's goals others adopt as requirements: each compares its adopters' assurance.
    requirements = {goal.id: goal.title for goal in requirements_of(session, [scope.id])}
    goal = GOAL.model
    adopted_ids = set(
        session.scalars(
            select(goal.derives_from_id).where(
                goal.derives_from_id.in_(list(requirements)), goal.status == "active"
            )
        )
        if requirements
        else ()
    )
    adopted = [(id_, title) for id_, title in requirements.items() if id_ in adopted_ids]
    return {
        "areas": areas,
        "plans": plans,
        "assurance": service.scope_assurance(uow, visitor.principal, scope.id).assessments,
        "adopted": adopted,
        "today": clock.today(),
        "can_own": scope.status == "active" and visitor.can(scope.organization_id, Role.owner),
    }


# Keeps the path "trust": links to the tab stay valid.
TABS = (Tab("trust", N_("Assurance"), 92, "scope/trust.html", _trust, badge="trust_areas"),)


@router.get("/goals/{goal_id}/assurance")
def requirement_assurance(
    request: Request, goal_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    """A requirement's adopters side by side, and what assurance stands behind
    each adoption: the regulator's comparison."""
    return render(
        request,
        "requirement_assurance.html",
        visitor=visitor,
        compared=service.requirement_assurance(uow, visitor.principal, goal_id),
    )


KIND_PAGES = [kind_pages(kind) for kind in service.KINDS]
