"""The regulator's loop: requirements and their reports, the regulator's review,
published evaluations and sector summaries."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.dialogue.reads import get_consultation
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import known_indicator_keys
from agilegov.i18n import Lazy, lazy
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.notify.service import notify_owners
from agilegov.organizations.service import organization_names
from agilegov.record.service import record_event
from agilegov.regulation import deadlines, sector
from agilegov.regulation.models import (
    RegulatoryReport,
    RegulatoryRequirement,
    ReportEvaluation,
    ReportQuestion,
    SectorSummary,
)
from agilegov.regulation.schemas import (
    EvaluationCreate,
    EvaluationRead,
    QuestionAnswer,
    QuestionCreate,
    QuestionRead,
    ReportItem,
    RequirementHeading,
    ReviewedReportRead,
    ReviewInput,
    ReviewView,
    SectorSummaryCreate,
    SectorSummaryRead,
)
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork

# ---------------------------------------------------------------- review (B)

# Business days the business has to answer a question or a correction request.
ANSWER_BUSINESS_DAYS = 10
# The source of the observations a sector summary feeds the regulator's scope.
SECTOR_SOURCE = "sector summary"
# Reports a sector summary counts: those submitted, whatever became of them since.
SUMMARISED = ("submitted", "correction_requested", "reviewed")


def _requirement(session: Session, report: RegulatoryReport) -> RegulatoryRequirement:
    requirement = session.get(RegulatoryRequirement, report.requirement_id)
    assert requirement is not None
    return requirement


def _regulator_id(session: Session, requirement: RegulatoryRequirement) -> int:
    scope = session.get(Scope, requirement.scope_id)
    assert scope is not None
    return scope.organization_id


def _report(session: Session, actor: Principal, report_id: int) -> RegulatoryReport:
    """A submitted report, to the business that filed it and to the regulator;
    to anyone else it does not exist."""
    report = session.get(RegulatoryReport, report_id)
    if report is not None and report.status != "draft":
        regulator_id = _regulator_id(session, _requirement(session, report))
        if actor.can(report.organization_id, Role.viewer) or actor.can(regulator_id, Role.viewer):
            return report
    raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))


def _adopter_scope(session: Session, report: RegulatoryReport) -> Scope:
    scope = session.get(Scope, report.scope_id)
    assert scope is not None
    return scope


def _items(requirement: RegulatoryRequirement) -> list[ReportItem]:
    return [
        ReportItem(key=str(item["key"]), title=str(item.get("title") or item["key"]))
        for item in requirement.items
    ]


def _item_keys(requirement: RegulatoryRequirement) -> list[str]:
    return [str(item["key"]) for item in requirement.items]


def _open_questions(session: Session, report_id: int) -> list[ReportQuestion]:
    return list(
        session.scalars(
            select(ReportQuestion)
            .where(ReportQuestion.report_id == report_id, ReportQuestion.answered_at.is_(None))
            .order_by(ReportQuestion.id)
        )
    )


def _tell(
    session: Session,
    actor: Principal,
    organization_id: int,
    report: RegulatoryReport,
    kind: str,
    title: Lazy,
    body: str | Lazy,
    link: str,
) -> None:
    notify_owners(
        session,
        actor,
        organization_id,
        kind,
        title,
        body,
        link=link,
        payload={"report_id": report.id, "requirement_id": report.requirement_id},
    )


def review_view(uow: UnitOfWork, actor: Principal, report_id: int) -> ReviewView:
    """What the review page shows of a report: to its business and its regulator."""
    with uow:
        session = uow.session
        report = _report(session, actor, report_id)
        requirement = _requirement(session, report)
        scope = _adopter_scope(session, report)
        names = organization_names(session, [report.organization_id])
        evaluation = session.scalar(
            select(ReportEvaluation.id).where(ReportEvaluation.report_id == report.id)
        )
        return ReviewView(
            report=ReviewedReportRead.model_validate(report),
            requirement_title=requirement.title,
            items=_items(requirement),
            regulator_id=_regulator_id(session, requirement),
            regulator_scope_id=requirement.scope_id,
            scope_name=scope.name,
            organization_name=names.get(report.organization_id, ""),
            explanations=report.explanations,
            facts=report.facts,
            open_questions=len(_open_questions(session, report.id)),
            evaluation_id=evaluation,
        )


def question_report(uow: UnitOfWork, actor: Principal, question_id: int) -> int:
    """The report a question is on, if ``actor`` may read it."""
    with uow:
        question = uow.session.get(ReportQuestion, question_id)
        if question is not None:
            try:
                return _report(uow.session, actor, question.report_id).id
            except NotFound:
                pass
        raise NotFound(lazy("question %(question_id)s not found", question_id=question_id))


def requirement_heading(uow: UnitOfWork, requirement_id: int) -> RequirementHeading:
    """A requirement's title and item titles, as its public evaluations and
    summaries name them."""
    with uow:
        requirement = uow.session.get(RegulatoryRequirement, requirement_id)
        if requirement is None:
            raise NotFound(
                lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
            )
        return RequirementHeading(
            id=requirement.id,
            title=requirement.title,
            items=_items(requirement),
        )


def list_questions(uow: UnitOfWork, actor: Principal, report_id: int) -> list[QuestionRead]:
    with uow:
        _report(uow.session, actor, report_id)
        rows = uow.session.scalars(
            select(ReportQuestion)
            .where(ReportQuestion.report_id == report_id)
            .order_by(ReportQuestion.id)
        )
        return [QuestionRead.model_validate(row) for row in rows]


def ask(uow: UnitOfWork, actor: Principal, report_id: int, data: QuestionCreate) -> QuestionRead:
    """The regulator asks a question on a submitted report, or asks the
    business to correct it; the business has ten business days to answer."""
    with uow:
        session = uow.session
        report = _report(session, actor, report_id)
        requirement = _requirement(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status not in ("submitted", "correction_requested"):
            raise Conflict(
                lazy(
                    "only a submitted report is questioned; this one is %(status)s",
                    status=report.status,
                )
            )
        if data.item is not None and data.item not in _item_keys(requirement):
            raise InvalidInput.on(
                "item",
                lazy(
                    "no such item in the requirement; its items are: %(items)s",
                    items=", ".join(_item_keys(requirement)),
                ),
            )
        now = clock.now()
        question = ReportQuestion(
            report_id=report.id,
            kind=data.kind,
            item=data.item,
            text=data.text,
            asked_by=actor.user_id,
            asked_at=now,
            due=deadlines.add_business_days(now.date(), ANSWER_BUSINESS_DAYS),
        )
        session.add(question)
        if data.kind == "correction":
            report.status = "correction_requested"
            report.updated_at = now
        session.flush()
        read = QuestionRead.model_validate(question)
        record_event(
            session,
            actor,
            "report_question.asked",
            question.id,
            read,
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
        )
        title = (
            lazy("The regulator asks for a correction of report %(report_id)s", report_id=report.id)
            if data.kind == "correction"
            else lazy("The regulator asks a question on report %(report_id)s", report_id=report.id)
        )
        _tell(
            session,
            actor,
            report.organization_id,
            report,
            f"report.{data.kind}",
            title,
            lazy("Answer by %(due)s: %(text)s", due=read.due.isoformat(), text=data.text),
            f"/reports/{report.id}/review",
        )
        uow.commit()
        return read


def answer_question(
    uow: UnitOfWork, actor: Principal, question_id: int, data: QuestionAnswer
) -> QuestionRead:
    """The business answers the regulator's question or correction request."""
    with uow:
        session = uow.session
        question = session.get(ReportQuestion, question_id)
        if question is None:
            raise NotFound(lazy("question %(question_id)s not found", question_id=question_id))
        try:
            report = _report(session, actor, question.report_id)
        except NotFound:
            raise NotFound(
                lazy("question %(question_id)s not found", question_id=question_id)
            ) from None
        actor.require(report.organization_id, Role.editor)
        if question.answered_at is not None:
            raise Conflict(lazy("this question is answered already"))
        question.answer = data.answer
        question.answered_by = actor.user_id
        question.answered_at = clock.now()
        session.flush()
        read = QuestionRead.model_validate(question)
        record_event(
            session,
            actor,
            "report_question.answered",
            question.id,
            read,
            scope=_adopter_scope(session, report),
        )
        regulator_id = _regulator_id(session, _requirement(session, report))
        _tell(
            session,
            actor,
            regulator_id,
            report,
            "report.answered",
            lazy("Report %(report_id)s: the business answered", report_id=report.id),
            data.answer,
            f"/reports/{report.id}/review",
        )
        uow.commit()
        return read


def review_report(
    uow: UnitOfWork, actor: Principal, report_id: int, data: ReviewInput
) -> ReviewedReportRead:
    """The regulator records its finding on every item of a submitted report
    with no question left open."""
    with uow:
        session = uow.session
        report = _report(session, actor, report_id)
        requirement = _requirement(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status != "submitted":
            raise Conflict(
                lazy(
                    "only a submitted report is reviewed; this one is %(status)s",
                    status=report.status,
                )
            )
        if _open_questions(session, report.id):
            raise Conflict(lazy("answers to the questions on this report are still awaited"))
        keys = _item_keys(requirement)
        findings = data.root
        unknown = sorted(set(findings) - set(keys))
        if unknown:
            raise InvalidInput.on(
                "item_findings",
                lazy("no such items in the requirement: %(items)s", items=", ".join(unknown)),
            )
        missing = [key for key in keys if key not in findings]
        if missing:
            raise InvalidInput.on(
                "item_findings",
                lazy(
                    "a finding is needed on every item; none yet for: %(items)s",
                    items=", ".join(missing),
                ),
            )
        now = clock.now()
        report.item_findings = {key: findings[key].model_dump(mode="json") for key in keys}
        report.status = "reviewed"
        report.reviewed_at = now
        report.updated_at = now
        session.flush()
        read = ReviewedReportRead.model_validate(report)
        record_event(
            session,
            actor,
            "regulatory_report.reviewed",
            report.id,
            {"item_findings": read.item_findings, "reviewed_at": now.isoformat()},
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
        )
        uow.commit()
        return read


def _evaluation_read(session: Session, evaluation: ReportEvaluation) -> EvaluationRead:
    report = session.get(RegulatoryReport, evaluation.report_id)
    assert report is not None
    scope = _adopter_scope(session, report)
    names = organization_names(session, [report.organization_id])
    return EvaluationRead(
        id=evaluation.id,
        report_id=report.id,
        requirement_id=report.requirement_id,
        scope_id=scope.id,
        scope_name=scope.name,
        organization_name=names.get(report.organization_id, ""),
        period_start=report.period_start,
        period_end=report.period_end,
        item_findings=report.item_findings,
        summary=evaluation.summary,
        consultation_id=evaluation.consultation_id,
        published_at=evaluation.published_at,
        published_by=evaluation.published_by,
    )


def publish_evaluation(
    uow: UnitOfWork, actor: Principal, report_id: int, data: EvaluationCreate
) -> EvaluationRead:
    """Publish the regulator's evaluation of a reviewed report, once: public,
    on its page, in the API and in the record."""
    with uow:
        session = uow.session
        report = _report(session, actor, report_id)
        requirement = _requirement(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status != "reviewed":
            raise Conflict(lazy("review the report before publishing its evaluation"))
        if session.scalar(
            select(ReportEvaluation.id).where(ReportEvaluation.report_id == report.id)
        ):
            raise Conflict(lazy("this report's evaluation is published already"))
        if data.consultation_id is not None:
            try:
                consultation = get_consultation(uow, actor, data.consultation_id)
            except NotFound:
                consultation = None
            if consultation is None or consultation.scope_id != requirement.scope_id:
                raise InvalidInput.on(
                    "consultation_id", lazy("no such consultation in the regulator's scope")
                )
        evaluation = ReportEvaluation(
            report_id=report.id,
            summary=data.summary,
            consultation_id=data.consultation_id,
            published_at=clock.now(),
            published_by=actor.user_id,
        )
        session.add(evaluation)
        session.flush()
        read = _evaluation_read(session, evaluation)
        record_event(
            session,
            actor,
            "report_evaluation.published",
            evaluation.id,
            read,
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
            private=False,
        )
        _tell(
            session,
            actor,
            report.organization_id,
            report,
            "report.evaluated",
            lazy(
                "The regulator published its evaluation of report %(report_id)s",
                report_id=report.id,
            ),
            data.summary,
            f"/evaluations/{evaluation.id}",
        )
        uow.commit()
        return read


def get_evaluation(uow: UnitOfWork, evaluation_id: int) -> EvaluationRead:
    """A published evaluation: public."""
    with uow:
        evaluation = uow.session.get(ReportEvaluation, evaluation_id)
        if evaluation is None:
            raise NotFound(
                lazy("evaluation %(evaluation_id)s not found", evaluation_id=evaluation_id)
            )
        return _evaluation_read(uow.session, evaluation)


def evaluation_of_report(uow: UnitOfWork, report_id: int) -> EvaluationRead:
    """The published evaluation of a report: public."""
    with uow:
        evaluation = uow.session.scalar(
            select(ReportEvaluation).where(ReportEvaluation.report_id == report_id)
        )
        if evaluation is None:
            raise NotFound(lazy("no evaluation of report %(report_id)s", report_id=report_id))
        return _evaluation_read(uow.session, evaluation)


def list_evaluations(
    uow: UnitOfWork, requirement_id: int | None = None, period_start: date | None = None
) -> list[EvaluationRead]:
    """Published evaluations, newest first: public."""
    with uow:
        query = select(ReportEvaluation).join(
            RegulatoryReport, RegulatoryReport.id == ReportEvaluation.report_id
        )
        if requirement_id is not None:
            query = query.where(RegulatoryReport.requirement_id == requirement_id)
        if period_start is not None:
            query = query.where(RegulatoryReport.period_start == period_start)
        rows = uow.session.scalars(query.order_by(ReportEvaluation.id.desc()))
        return [_evaluation_read(uow.session, row) for row in rows]


def _summarised(
    session: Session, requirement_id: int, period_start: date
) -> Sequence[RegulatoryReport]:
    return session.scalars(
        select(RegulatoryReport)
        .where(
            RegulatoryReport.requirement_id == requirement_id,
            RegulatoryReport.period_start == period_start,
            RegulatoryReport.status.in_(SUMMARISED),
        )
        .order_by(RegulatoryReport.id)
    ).all()


def publish_sector_summary(
    uow: UnitOfWork, actor: Principal, requirement_id: int, data: SectorSummaryCreate
) -> SectorSummaryRead:
    """Publish the summary of one period's reports with the figures computed
    from them; each figure's worst value is observed on the regulator's
    indicator of the same key, if it has one, and the regulator's scope is
    evaluated, so its own cycle judges whether the requirement works."""
    with uow:
        session = uow.session
        requirement = session.get(RegulatoryRequirement, requirement_id)
        if requirement is None:
            raise NotFound(
                lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
            )
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        start, end = deadlines.period_containing(
            data.period_start, requirement.report_every_months, requirement.period_starts_month
        )
        if start != data.period_start:
            raise InvalidInput.on(
                "period_start",
                lazy(
                    "a reporting period of this requirement starts on %(start)s",
                    start=start.isoformat(),
                ),
            )
        taken = select(SectorSummary.id).where(
            SectorSummary.requirement_id == requirement.id,
            SectorSummary.period_start == start,
        )
        if session.scalar(taken) is not None:
            raise Conflict(lazy("the summary of this period is published already"))
        reports = _summarised(session, requirement.id, start)
        if not reports:
            raise InvalidInput.on("period_start", lazy("no report was submitted for this period"))
        figures = sector.figures(
            sector.ReportFacts(
                scope_id=report.scope_id,
                late=report.late,
                corrected=report.submissions > 1,
                facts=report.facts,
            )
            for report in reports
        )
        now = clock.now()
        summary = SectorSummary(
            requirement_id=requirement.id,
            period_start=start,
            period_end=end,
            summary=data.summary,
            figures=figures,
            published_at=now,
            published_by=actor.user_id,
        )
        session.add(summary)
        session.flush()
        read = SectorSummaryRead.model_validate(summary)
        regulator_scope = session.get(Scope, requirement.scope_id)
        record_event(
            session,
            actor,
            "sector_summary.published",
            summary.id,
            read,
            scope=regulator_scope,
            private=False,
        )
        _feed(uow, actor, requirement.scope_id, figures, now)
        uow.commit()
        return read


def _feed(
    uow: UnitOfWork, actor: Principal, scope_id: int, figures: dict[str, Any], at: datetime
) -> None:
    indicators = figures["indicators"]
    keys = known_indicator_keys(uow.session, scope_id, list(indicators))
    if not keys:
        return
    rows = [
        Row(key, at, float(indicators[key]["worst"]), SECTOR_SOURCE, f"figures.{key}")
        for key in sorted(keys)
    ]
    ingest(uow, actor, rows, scope_id=scope_id, default_source=SECTOR_SOURCE)
    evaluate_scope(uow, actor, scope_id, at=at)


def get_sector_summary(
    uow: UnitOfWork, requirement_id: int, period_start: date
) -> SectorSummaryRead:
    """A published sector summary: public."""
    with uow:
        summary = uow.session.scalar(
            select(SectorSummary).where(
                SectorSummary.requirement_id == requirement_id,
                SectorSummary.period_start == period_start,
            )
        )
        if summary is None:
            raise NotFound(lazy("no summary of this period"))
        return SectorSummaryRead.model_validate(summary)


def list_sector_summaries(uow: UnitOfWork, requirement_id: int) -> list[SectorSummaryRead]:
    with uow:
        rows = uow.session.scalars(
            select(SectorSummary)
            .where(SectorSummary.requirement_id == requirement_id)
            .order_by(SectorSummary.period_start.desc())
        )
        return [SectorSummaryRead.model_validate(row) for row in rows]
