"""The regulation part's pages."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import Unauthenticated
from agilegov.goals.service import active_indicators
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_choices, organization_names
from agilegov.regulation import programmes
from agilegov.regulation.programme_rules import ProgrammeKind, Step
from agilegov.regulation.schemas import (
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammeRead,
)
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import form_page, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

# ---------------------------------------------------------------- programmes

KIND_NAMES = {
    ProgrammeKind.sandbox: N_("Regulatory sandbox"),
    ProgrammeKind.gray_zone: N_("Gray-zone inquiry"),
    ProgrammeKind.special_measure: N_("Special measure"),
}
STATUS_NAMES = {
    "applied": N_("awaiting the decision"),
    "approved": N_("approved"),
    "refused": N_("refused"),
    "answered": N_("answered"),
    "exited": N_("exit report filed"),
    "concluded": N_("concluded"),
}
# Labels of their own: "Conditions" and "Answer" read otherwise in other parts.
STEP_LABELS = {
    "conditions": N_("Conditions of approval"),
    "answer": N_("Answer to the applicant"),
}
# Each step's form: its shape, its button, where it posts.
STEP_FORMS: dict[Step, tuple[type[BaseModel], str, str]] = {
    Step.approve: (ProgrammeDecision, N_("Approve"), "approve"),
    Step.refuse: (ProgrammeDecision, N_("Refuse"), "refuse"),
    Step.answer: (ProgrammeAnswer, N_("Answer and publish the summary"), "answer"),
    Step.exit: (ProgrammeExit, N_("File the exit report"), "exit"),
    Step.conclude: (ProgrammeConclusion, N_("Conclude"), "conclude"),
}


@router.get("/programmes")
def programme_list(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    page = programmes.list_programmes(uow, visitor.principal, 200, 0)
    with uow:
        names = organization_names(
            uow.session, {item.regulator_organization_id for item in page.items}
        )
    return render(
        request,
        "programmes.html",
        visitor=visitor,
        items=page.items,
        names=names,
        kinds=KIND_NAMES,
        statuses=STATUS_NAMES,
    )


def _apply_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    editing = [
        org for org, role in visitor.principal.roles.items() if role.rank >= Role.editor.rank
    ]
    with uow:
        session = uow.session
        applicants = organization_choices(session, editing, kind="business")
        regulators = organization_choices(session, kind="government")
        scopes = list(
            session.execute(
                select(Scope.id, Scope.name)
                .where(Scope.organization_id.in_([id_ for id_, _ in applicants]))
                .order_by(Scope.name)
            ).all()
        )
        watched = [
            (str(found.row.id), f"{name}: {found.row.name}")
            for scope_id, name in scopes
            for found in active_indicators(session, scope_id)
        ]
    choices = {
        "kind": [(kind.value, KIND_NAMES[kind]) for kind in ProgrammeKind],
        "applicant_organization_id": [(str(id_), name) for id_, name in applicants],
        "regulator_organization_id": [(str(id_), name) for id_, name in regulators],
        "scope_id": [("", N_("None (an inquiry)")), *((str(i), n) for i, n in scopes)],
        "indicator_ids": watched,
    }
    state = FormState.of(ProgrammeCreate, values, problems, choices=choices)
    return form_page(
        request,
        heading=N_("Apply for a programme"),
        intro=N_(
            "A sandbox or a special measure needs its plan: objectives (the question "
            "field), safeguards, how participants consent, the indicators to watch and the "
            "period (at most two years). An inquiry needs the business described and its "
            "question. The government decides within 30 business days, or answers an "
            "inquiry within 20."
        ),
        state=state,
        action="/programmes",
        submit=N_("Apply"),
        cancel="/programmes",
    )


@router.get("/programmes/new")
def new_programme(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return _apply_form(request, uow, visitor)


@router.post("/programmes")
def apply(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        ProgrammeCreate,
        form,
        lambda data: programmes.apply(uow, visitor.principal, data),
        refused=partial(_apply_form, request, uow, visitor),
        done=lambda created: f"/programmes/{created.id}",
        message=lazy("Application sent"),
    )


def _programme_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    programme_id: int,
    step: Step | None = None,
    problems: dict[str, str] | None = None,
) -> Response:
    programme = programmes.get_programme(uow, visitor.principal, programme_id)
    party = isinstance(programme, ProgrammeRead)
    watched = programmes.watched(uow, visitor.principal, programme_id) if party else []
    with uow:
        ids = {programme.regulator_organization_id}
        if isinstance(programme, ProgrammeRead):
            ids.add(programme.applicant_organization_id)
        names = organization_names(uow.session, ids)
    forms = []
    if isinstance(programme, ProgrammeRead):
        for allowed in programmes.next_steps(programme, visitor.principal):
            shape, submit, path = STEP_FORMS[allowed]
            state = FormState.of(
                shape, problems=problems if allowed is step else None, labels=STEP_LABELS
            )
            forms.append((state, f"/programmes/{programme_id}/{path}", submit))
    return render(
        request,
        "programme.html",
        status=422 if problems else 200,
        visitor=visitor,
        programme=programme,
        party=party,
        names=names,
        watched=watched,
        forms=forms,
        kinds=KIND_NAMES,
        statuses=STATUS_NAMES,
    )


@router.get("/programmes/{programme_id}")
def programme_page(request: Request, programme_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _programme_page(request, uow, visitor, programme_id)


def _step_route(step: Step) -> None:
    shape, _, path = STEP_FORMS[step]
    calls = {
        Step.approve: lambda uow, actor, id_, data: programmes.decide(uow, actor, id_, True, data),
        Step.refuse: lambda uow, actor, id_, data: programmes.decide(uow, actor, id_, False, data),
        Step.answer: programmes.answer,
        Step.exit: programmes.exit_programme,
        Step.conclude: programmes.conclude,
    }

    def take(
        request: Request, programme_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        return submit_form(
            shape,
            form,
            lambda data: calls[step](uow, visitor.principal, programme_id, data),
            refused=lambda values, problems: _programme_page(
                request, uow, visitor, programme_id, step, problems
            ),
            done=f"/programmes/{programme_id}",
            message=lazy("Programme #%(id)s updated", id=programme_id),
        )

    router.add_api_route(f"/programmes/{{programme_id}}/{path}", take, methods=["POST"])


for _step in Step:
    _step_route(_step)
