"""The regulation part's pages."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import create_model

from agilegov.api.deps import Uow
from agilegov.dialogue.reads import list_consultations
from agilegov.i18n import lazy
from agilegov.regulation import service
from agilegov.regulation.schemas import (
    EvaluationCreate,
    FindingInput,
    ItemFinding,
    QuestionAnswer,
    QuestionCreate,
    ReviewInput,
    ReviewView,
    SectorSummaryCreate,
)
from agilegov.schemas import Input, LongText
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState, reference_label
from agilegov.web.render import form_page, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

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
        indicators=view.facts.get("indicators", {}),
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
def new_summary(request: Request, requirement_id: int, visitor: VisitorDep) -> Response:
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


routers = [review_router]
