"""The regulation part's pages."""

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, create_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.dialogue.reads import list_consultations
from agilegov.errors import Conflict, InvalidInput, Unauthenticated
from agilegov.goals.service import active_indicators
from agilegov.i18n import N_, lazy
from agilegov.organizations.schemas import OrganizationKind
from agilegov.organizations.service import organization_choices, organization_names
from agilegov.part import Tab
from agilegov.regulation import channels, programmes, service
from agilegov.regulation.programme_rules import ProgrammeKind, Step
from agilegov.regulation.schemas import (
    ChannelStatus,
    EvaluationCreate,
    FindingInput,
    ItemFinding,
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammeRead,
    QuestionAnswer,
    QuestionCreate,
    ReportingChannelCreate,
    ReviewInput,
    ReviewView,
    RiskReportCreate,
    SectorSummaryCreate,
    Severity,
)
from agilegov.schemas import Input, LongText
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.crud import kind_pages
from agilegov.web.forms import FormState, reference_label
from agilegov.web.render import confirm_page, confirmed, form_page, redirect, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

# ---------------------------------------------------------------- A: requirements and reports


router = APIRouter(include_in_schema=False)

# ---------------------------------------------------------------- risk reporting

# How many channels, and reports of one channel, a page shows.
CHANNELS_SHOWN = 200
REPORTS_SHOWN = 500


def _editing(uow: Uow, visitor: Visitor, kind: OrganizationKind) -> list[tuple[str, str]]:
    """The organizations of ``kind`` the visitor edits for, as a form's choices."""
    editing = [org for org in visitor.principal.roles if visitor.can(org, Role.editor)]
    with uow:
        return [
            (str(id_), name) for id_, name in organization_choices(uow.session, editing, kind.value)
        ]


@router.get("/reporting-channels")
def reporting_channels(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """Every channel: what must be reported to whom, by whom and how fast."""
    listed = channels.list_channels(uow, CHANNELS_SHOWN, 0)
    with uow:
        names = organization_names(uow.session, (c.organization_id for c in listed.items))
    return render(
        request,
        "reporting_channels.html",
        visitor=visitor,
        channels=listed,
        names=names,
        can_open=bool(_editing(uow, visitor, OrganizationKind.government)),
    )


def _channel_form(
    request: Request,
    uow: Uow,
    visitor: Visitor,
    values: Mapping[str, Any] | None = None,
    problems: dict[str, Any] | None = None,
) -> Response:
    state = FormState.of(
        ReportingChannelCreate,
        values,
        problems,
        choices={"organization_id": _editing(uow, visitor, OrganizationKind.government)},
        labels={
            "organization_id": N_("Government organization"),
            "what": N_("What must be reported"),
            "who": N_("Who must report"),
            "hours_to_report": N_("Hours to report"),
        },
    )
    return form_page(
        request,
        heading=N_("Open a reporting channel"),
        intro=N_(
            "A reporting channel says what risk information businesses must report to your "
            "organization, who must report it and within how many hours of becoming aware. "
            "Anyone can read the channel; the reports filed on it are read only by your "
            "organization and the business that filed each."
        ),
        state=state,
        action="/reporting-channels",
        submit=N_("Open the channel"),
        cancel="/reporting-channels",
    )


@router.get("/reporting-channels/new")
def new_reporting_channel(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return _channel_form(request, uow, visitor)


@router.post("/reporting-channels")
def open_reporting_channel(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        ReportingChannelCreate,
        form,
        lambda data: channels.open_channel(uow, visitor.principal, data),
        refused=partial(_channel_form, request, uow, visitor),
        done=lambda opened: f"/reporting-channels/{opened.id}",
        message=lambda opened: lazy("Reporting channel #%(id)s opened", id=opened.id),
    )


@router.get("/reporting-channels/{channel_id}")
def reporting_channel(request: Request, channel_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    channel = channels.get_channel(uow, channel_id)
    with uow:
        owner = organization_names(uow.session, [channel.organization_id])
    is_open = channel.status == ChannelStatus.open
    return render(
        request,
        "reporting_channel.html",
        visitor=visitor,
        channel=channel,
        owner=owner.get(channel.organization_id, ""),
        can_close=is_open and visitor.can(channel.organization_id, Role.editor),
        can_file=is_open and bool(_editing(uow, visitor, OrganizationKind.business)),
        is_owner=visitor.can(channel.organization_id, Role.viewer),
    )


@router.post("/reporting-channels/{channel_id}/close")
def close_reporting_channel(
    request: Request, channel_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    if not confirmed(form):
        return confirm_page(
            request,
            question=lazy("Close reporting channel #%(id)s?", id=channel_id),
            detail=lazy("It takes no new reports; the reports filed on it stay."),
            action=f"/reporting-channels/{channel_id}/close",
            submit=lazy("Close the channel"),
            cancel=f"/reporting-channels/{channel_id}",
        )
    channels.close_channel(uow, visitor.principal, channel_id)
    return redirect(
        f"/reporting-channels/{channel_id}",
        message=lazy("Reporting channel #%(id)s closed", id=channel_id),
    )


def _report_form(
    request: Request,
    uow: Uow,
    visitor: Visitor,
    channel_id: int,
    values: Mapping[str, Any] | None = None,
    problems: dict[str, Any] | None = None,
) -> Response:
    channel = channels.get_channel(uow, channel_id)
    state = FormState.of(
        RiskReportCreate,
        values,
        problems,
        choices={"organization_id": _editing(uow, visitor, OrganizationKind.business)},
        labels={
            "organization_id": N_("Business"),
            "became_aware_at": N_("Became aware at"),
            "scope_id": N_("Scope number"),
        },
    )
    return form_page(
        request,
        heading=lazy("File a risk report on %(channel)s", channel=channel.title),
        intro=lazy(
            "Due within %(hours)s hours of becoming aware. The report is confidential: only "
            "the channel's organization and yours can read it, and the public record holds "
            "only a commitment to it.",
            hours=channel.hours_to_report,
        ),
        state=state,
        action=f"/reporting-channels/{channel_id}/reports",
        submit=N_("File the report"),
        cancel=f"/reporting-channels/{channel_id}",
    )


@router.get("/reporting-channels/{channel_id}/reports/new")
def new_risk_report(request: Request, channel_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _report_form(request, uow, visitor, channel_id)


@router.post("/reporting-channels/{channel_id}/reports")
def file_risk_report(
    request: Request, channel_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        RiskReportCreate,
        form,
        lambda data: channels.file_report(uow, visitor.principal, channel_id, data),
        refused=partial(_report_form, request, uow, visitor, channel_id),
        done=lambda filed: f"/risk-reports/{filed.id}",
        message=lambda filed: lazy("Risk report #%(id)s filed", id=filed.id),
    )


def _filters(query: Mapping[str, str]) -> dict[str, Any]:
    """The list's filters from the query string; what does not parse is not applied."""
    organization = query.get("organization_id", "")
    severity = query.get("severity", "")
    late = query.get("late", "")
    return {
        "organization_id": int(organization)
        if organization.isdecimal() and len(organization) < 10
        else None,
        "severity": Severity(severity) if severity in Severity.__members__ else None,
        "late": {"yes": True, "no": False}.get(late),
    }


@router.get("/reporting-channels/{channel_id}/reports")
def channel_reports(request: Request, channel_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """The channel's reports the visitor may read, per business, with their
    counts for the channel's organization."""
    channel = channels.get_channel(uow, channel_id)
    filters = _filters(request.query_params)
    reports = channels.list_reports(uow, visitor.principal, REPORTS_SHOWN, 0, channel_id, **filters)
    is_owner = visitor.can(channel.organization_id, Role.viewer)
    counts = (
        channels.channel_aggregates(uow, visitor.principal, channel_id, **filters)
        if is_owner
        else None
    )
    with uow:
        ids = {r.organization_id for r in reports.items} | set(
            counts.by_organization if counts else ()
        )
        names = organization_names(uow.session, [channel.organization_id, *ids])
    return render(
        request,
        "channel_reports.html",
        visitor=visitor,
        channel=channel,
        reports=reports,
        counts=counts,
        names=names,
        filters=filters,
        severities=list(Severity),
        is_owner=is_owner,
    )


@router.get("/risk-reports/{report_id}")
def risk_report(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    report = channels.get_report(uow, visitor.principal, report_id)
    channel = channels.get_channel(uow, report.channel_id)
    with uow:
        names = organization_names(uow.session, [report.organization_id, channel.organization_id])
    return render(
        request,
        "risk_report.html",
        visitor=visitor,
        report=report,
        channel=channel,
        names=names,
    )


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
        def ask(data: Any) -> Response:
            # A refusal is final: the applicant would have to apply again.
            return confirm_page(
                request,
                question=lazy("Refuse programme #%(id)s?", id=programme_id),
                detail=lazy(
                    "The applicant is told, with your reasons: %(reasons)s", reasons=data.decision
                ),
                action=f"/programmes/{programme_id}/{path}",
                submit=lazy("Refuse"),
                cancel=f"/programmes/{programme_id}",
                carried=form,
            )

        return submit_form(
            shape,
            form,
            lambda data: calls[step](uow, visitor.principal, programme_id, data),
            refused=lambda values, problems: _programme_page(
                request, uow, visitor, programme_id, step, problems
            ),
            done=f"/programmes/{programme_id}",
            message=lazy("Programme #%(id)s updated", id=programme_id),
            confirm=ask if step is Step.refuse else None,
        )

    router.add_api_route(f"/programmes/{{programme_id}}/{path}", take, methods=["POST"])


for _step in Step:
    _step_route(_step)
KIND_PAGES = [kind_pages(kind) for kind in service.KINDS]


@router.get("/requirements")
def requirements_page(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    published = service.list_published(uow, 200, 0)
    return render(request, "requirements.html", visitor=visitor, published=published)


@router.get("/requirements/{requirement_id}")
def requirement_page(
    request: Request, requirement_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    requirement = service.get_requirement(uow, visitor.principal, requirement_id)
    adopters = service.adopters(uow, visitor.principal, requirement_id)
    with uow:
        scope = uow.session.get(Scope, requirement.scope_id)
        assert scope is not None
        regulator = visitor.can(scope.organization_id, Role.viewer)
        can_publish = visitor.can(scope.organization_id, Role.editor)
        scope_name = scope.name
    return render(
        request,
        "requirement.html",
        visitor=visitor,
        requirement=requirement,
        adopters=adopters,
        regulator=regulator,
        can_publish=can_publish and requirement.status == "draft",
        scope_name=scope_name,
    )


@router.post("/requirements/{requirement_id}/publish")
def publish(requirement_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.publish_requirement(uow, visitor.principal, requirement_id)
    return redirect(
        f"/requirements/{requirement_id}",
        message=lazy("Requirement #%(id)s published", id=requirement_id),
    )


def _report_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    report_id: int,
    problems: dict[str, str] | None = None,
    general: str | None = None,
    texts: dict[str, str] | None = None,
) -> Response:
    report = service.get_report(uow, visitor.principal, report_id)
    requirement = service.report_requirement(uow, visitor.principal, report_id)
    editable = report.status in ("draft", "correction_requested") and visitor.can(
        report.organization_id, Role.editor
    )
    return render(
        request,
        "report.html",
        status=422 if problems or general else 200,
        visitor=visitor,
        report=report,
        requirement=requirement,
        editable=editable,
        problems=problems or {},
        general=general,
        texts={**report.explanations, **(texts or {})},
    )


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _report_page(request, uow, visitor, report_id)


def _refused(problem: InvalidInput | Conflict) -> tuple[dict[str, str], str | None]:
    problems = {p.field: str(p.message) for p in problem.problems}
    return problems, None if problems else str(problem.detail)


@router.post("/reports/{report_id}/explanations")
def explain(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    texts = {
        name.removeprefix("item-"): str(value)
        for name, value in form.items()
        if name.startswith("item-")
    }
    try:
        service.set_explanations(uow, visitor.principal, report_id, texts)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general, texts)
    return redirect(f"/reports/{report_id}", message=lazy("Explanations saved"))


@router.post("/reports/{report_id}/submit")
def submit(request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    key_dir = request.app.state.settings.assessor_key_dir
    try:
        service.submit_report(uow, visitor.principal, report_id, key_dir)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general)
    return redirect(
        f"/reports/{report_id}", message=lazy("Report #%(id)s submitted, signed", id=report_id)
    )


def _reports(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    return {"reports": service.scope_reports(session, visitor.principal, scope)}


def _requirements(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    return {
        "requirements": service.requirements_in_scope(session, scope.id),
        "government": service.is_government(session, scope.organization_id),
    }


TABS = (
    Tab(
        "requirements",
        N_("Requirements"),
        85,
        "scope/requirements.html",
        _requirements,
        badge="requirements",
    ),
    Tab("reports", N_("Reports"), 86, "scope/reports.html", _reports),
)


# ---------------------------------------------------------------- review (B)

review_router = APIRouter(include_in_schema=False)

Problems = dict[str, Any] | None


def _review_shape(view: ReviewView) -> type[Input]:
    """The review form: a finding and a note per item of the requirement."""
    fields: dict[str, Any] = {}
    for item in view.items:
        fields[f"{item.key}__finding"] = (ItemFinding, ...)
        fields[f"{item.key}__note"] = (LongText, "")
    return create_model("ReviewForm", __base__=Input, **fields)


def _review_labels(view: ReviewView) -> dict[str, str]:
    labels = {}
    for item in view.items:
        labels[f"{item.key}__finding"] = str(lazy("%(item)s: finding", item=item.title))
        labels[f"{item.key}__note"] = str(lazy("%(item)s: note", item=item.title))
    return labels


def _item_choices(view: ReviewView) -> list[tuple[str, str]]:
    return [(item.key, item.title) for item in view.items]


def _review_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    report_id: int,
    *,
    ask_values: Any = None,
    ask_problems: Problems = None,
    answer_problems: dict[int, dict[str, Any]] | None = None,
    review_values: Any = None,
    review_problems: Problems = None,
    evaluation_values: Any = None,
    evaluation_problems: Problems = None,
    status: int = 200,
) -> Response:
    view = service.review_view(uow, visitor.principal, report_id)
    questions = service.list_questions(uow, visitor.principal, report_id)
    report = view.report
    regulator = visitor.can(view.regulator_id)
    answer_problems = answer_problems or {}
    consultations = [
        (str(c.id), reference_label(c.id, c.title))
        for c in list_consultations(uow, visitor.principal, view.regulator_scope_id)
    ]
    return render(
        request,
        "regulation/report_review.html",
        status=status,
        visitor=visitor,
        view=view,
        report=report,
        questions=questions,
        titles={item.key: item.title for item in view.items},
        indicators=view.facts.get("indicators", []),
        can_answer=visitor.can(report.organization_id),
        answer_forms={
            question.id: FormState.of(QuestionAnswer, problems=answer_problems.get(question.id))
            for question in questions
            if question.answered_at is None
        },
        can_ask=regulator and report.status in ("submitted", "correction_requested"),
        ask=FormState.of(
            QuestionCreate,
            ask_values,
            ask_problems,
            choices={"item": _item_choices(view)},
        ),
        can_review=regulator and report.status == "submitted" and not view.open_questions,
        review=FormState.of(
            _review_shape(view), review_values, review_problems, labels=_review_labels(view)
        ),
        can_evaluate=regulator and report.status == "reviewed" and view.evaluation_id is None,
        evaluation=FormState.of(
            EvaluationCreate,
            evaluation_values,
            evaluation_problems,
            choices={"consultation_id": consultations},
        ),
    )


@review_router.get("/reports/{report_id}/review")
def report_review(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _review_page(request, uow, visitor, report_id)


@review_router.post("/reports/{report_id}/questions")
def ask(request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        QuestionCreate,
        form,
        lambda data: service.ask(uow, visitor.principal, report_id, data),
        refused=lambda values, problems: _review_page(
            request, uow, visitor, report_id, ask_values=values, ask_problems=problems, status=422
        ),
        done=f"/reports/{report_id}/review",
        message=lazy("Sent to the business"),
    )


@review_router.post("/report-questions/{question_id}/answer")
def answer(
    request: Request, question_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    report_id = service.question_report(uow, visitor.principal, question_id)
    return submit_form(
        QuestionAnswer,
        form,
        lambda data: service.answer_question(uow, visitor.principal, question_id, data),
        refused=lambda values, problems: _review_page(
            request,
            uow,
            visitor,
            report_id,
            answer_problems={question_id: problems},
            status=422,
        ),
        done=f"/reports/{report_id}/review",
        message=lazy("Answer sent to the regulator"),
    )


@review_router.post("/reports/{report_id}/review")
def review(request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    view = service.review_view(uow, visitor.principal, report_id)
    keys = [item.key for item in view.items]

    def record(data: Any) -> Any:
        fields = data.model_dump()
        findings = ReviewInput(
            {
                key: FindingInput(finding=fields[f"{key}__finding"], note=fields[f"{key}__note"])
                for key in keys
            }
        )
        return service.review_report(uow, visitor.principal, report_id, findings)

    return submit_form(
        _review_shape(view),
        form,
        record,
        refused=lambda values, problems: _review_page(
            request,
            uow,
            visitor,
            report_id,
            review_values=values,
            review_problems=problems,
            status=422,
        ),
        done=f"/reports/{report_id}/review",
        message=lazy("Review recorded"),
    )


@review_router.post("/reports/{report_id}/evaluation")
def evaluate(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        EvaluationCreate,
        form,
        lambda data: service.publish_evaluation(uow, visitor.principal, report_id, data),
        refused=lambda values, problems: _review_page(
            request,
            uow,
            visitor,
            report_id,
            evaluation_values=values,
            evaluation_problems=problems,
            status=422,
        ),
        done=lambda published: f"/evaluations/{published.id}",
        message=lazy("Evaluation published"),
    )


@review_router.get("/evaluations/{evaluation_id}")
def evaluation(request: Request, evaluation_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    published = service.get_evaluation(uow, evaluation_id)
    return render(
        request,
        "regulation/evaluation.html",
        visitor=visitor,
        evaluation=published,
        requirement=service.requirement_heading(uow, published.requirement_id),
    )


def _summary_form(
    request: Request, requirement_id: int, values: Any = None, problems: Problems = None
) -> Response:
    return form_page(
        request,
        state=FormState.of(SectorSummaryCreate, values, problems),
        heading=lazy("Publish a sector summary"),
        intro=lazy(
            "The figures are computed from the period's submitted reports; each "
            "figure's worst value is observed on your scope's indicator of the same key."
        ),
        action=f"/requirements/{requirement_id}/summaries",
        submit=lazy("Publish the summary"),
        cancel=f"/requirements/{requirement_id}",
    )


@review_router.get("/requirements/{requirement_id}/summaries/new")
def new_summary(request: Request, requirement_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    service.check_summarising(uow, visitor.principal, requirement_id)
    return _summary_form(request, requirement_id)


@review_router.post("/requirements/{requirement_id}/summaries")
def publish_summary(
    request: Request, requirement_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        SectorSummaryCreate,
        form,
        lambda data: service.publish_sector_summary(uow, visitor.principal, requirement_id, data),
        refused=lambda values, problems: _summary_form(request, requirement_id, values, problems),
        done=lambda published: (
            f"/requirements/{requirement_id}/summaries/{published.period_start.isoformat()}"
        ),
        message=lazy("Sector summary published"),
    )


@review_router.get("/requirements/{requirement_id}/summaries/{period_start}")
def sector_summary(
    request: Request, requirement_id: int, period_start: date, uow: Uow, visitor: VisitorDep
) -> Response:
    return render(
        request,
        "regulation/sector_summary.html",
        visitor=visitor,
        summary=service.get_sector_summary(uow, requirement_id, period_start),
        requirement=service.requirement_heading(uow, requirement_id),
    )
