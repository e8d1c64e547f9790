import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.paging import page_of
from agilegov.regulation import service
from agilegov.regulation.schemas import (
    EvaluationCreate,
    EvaluationRead,
    QuestionAnswer,
    QuestionCreate,
    QuestionRead,
    ReviewedReportRead,
    ReviewInput,
    SectorSummaryCreate,
    SectorSummaryRead,
)
from agilegov.schemas import Page

# ---------------------------------------------------------------- review (B)

review_router = APIRouter(tags=["regulation"])


def _iso_date(value: object) -> object:
    # A query's "0" would otherwise be read as a day counted from 1970.
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a valid date")
    return value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


@review_router.get("/reports/{report_id}/questions", response_model=list[QuestionRead])
def list_questions(report_id: int, uow: Uow, actor: Actor) -> Any:
    """The regulator's questions and correction requests on a report, with the answers."""
    return service.list_questions(uow, actor, report_id)


@review_router.post("/reports/{report_id}/questions", response_model=QuestionRead, status_code=201)
def ask(report_id: int, body: QuestionCreate, uow: Uow, actor: Actor) -> Any:
    """Ask a question on a submitted report, or request its correction (the
    regulator's editors); the answer is due in ten business days."""
    return service.ask(uow, actor, report_id, body)


@review_router.post("/report-questions/{question_id}/answer", response_model=QuestionRead)
def answer_question(question_id: int, body: QuestionAnswer, uow: Uow, actor: Actor) -> Any:
    """The business's answer (its editors)."""
    return service.answer_question(uow, actor, question_id, body)


@review_router.post("/reports/{report_id}/review", response_model=ReviewedReportRead)
def review_report(report_id: int, body: ReviewInput, uow: Uow, actor: Actor) -> Any:
    """The regulator's finding on every item of a submitted report with no open question."""
    return service.review_report(uow, actor, report_id, body)


@review_router.post(
    "/reports/{report_id}/evaluation", response_model=EvaluationRead, status_code=201
)
def publish_evaluation(report_id: int, body: EvaluationCreate, uow: Uow, actor: Actor) -> Any:
    """Publish the evaluation of a reviewed report, once."""
    return service.publish_evaluation(uow, actor, report_id, body)


@review_router.get("/reports/{report_id}/evaluation", response_model=EvaluationRead)
def evaluation_of_report(report_id: int, uow: Uow) -> Any:
    """A report's published evaluation: public."""
    return service.evaluation_of_report(uow, report_id)


@review_router.get("/evaluations", response_model=Page[EvaluationRead])
def list_evaluations(
    uow: Uow,
    page: Paging,
    requirement_id: Annotated[int | None, Query()] = None,
    period_start: Annotated[IsoDate | None, Query()] = None,
) -> Any:
    """Published evaluations, newest first: public."""
    items = service.list_evaluations(uow, requirement_id, period_start)
    return page_of(items, page.limit, page.offset)


@review_router.get("/evaluations/{evaluation_id}", response_model=EvaluationRead)
def get_evaluation(evaluation_id: int, uow: Uow) -> Any:
    return service.get_evaluation(uow, evaluation_id)


@review_router.post(
    "/requirements/{requirement_id}/summaries",
    response_model=SectorSummaryRead,
    status_code=201,
)
def publish_sector_summary(
    requirement_id: int, body: SectorSummaryCreate, uow: Uow, actor: Actor
) -> Any:
    """Publish one period's sector summary; its figures feed the regulator's indicators."""
    return service.publish_sector_summary(uow, actor, requirement_id, body)


@review_router.get(
    "/requirements/{requirement_id}/summaries", response_model=list[SectorSummaryRead]
)
def list_sector_summaries(requirement_id: int, uow: Uow) -> Any:
    """A requirement's published sector summaries, newest period first: public."""
    return service.list_sector_summaries(uow, requirement_id)


@review_router.get(
    "/requirements/{requirement_id}/summaries/{period_start}", response_model=SectorSummaryRead
)
def get_sector_summary(requirement_id: int, period_start: IsoDate, uow: Uow) -> Any:
    return service.get_sector_summary(uow, requirement_id, period_start)


routers = [review_router]
