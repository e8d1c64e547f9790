"""The regulator's review of submitted reports: questions and correction
requests, item findings, published evaluations and sector summaries fed to the
regulator's own scope."""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agilegov import clock
from agilegov.auth import ANONYMOUS, Principal
from agilegov.cycle.models import Trigger
from agilegov.dialogue import lifecycle
from agilegov.dialogue.schemas import ConsultationCreate
from agilegov.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from agilegov.goals.models import Indicator
from agilegov.monitor.models import Evaluation, Observation
from agilegov.notify.models import Notification
from agilegov.organizations.schemas import UserCreate
from agilegov.organizations.service import create_user, principal_for_user
from agilegov.record.models import Event
from agilegov.regulation import service
from agilegov.regulation.models import RegulatoryReport, RegulatoryRequirement
from agilegov.regulation.schemas import (
    EvaluationCreate,
    QuestionAnswer,
    QuestionCreate,
    ReviewInput,
    SectorSummaryCreate,
)
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from agilegov.uow import UnitOfWork
from agilegov.workdays import add_business_days
from api_helpers import API, ok, world_from_fixture
from api_helpers import World as ApiWorld
from builders import World, indicator, new_scope, row_counts, specific_goal
from web_helpers import field_error, post_form, sign_in

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
PERIOD = (date(2025, 4, 1), date(2026, 3, 31))
ITEMS = ["overview", "complaints", "disclosure", "measures", "self_assessment"]
KEY = "selection.ratio"


# ------------------------------------------------ reports as drafting leaves them
# Rows as the requirement service leaves a published requirement and a submitted
# report, so that each test sets the period's values it reviews directly; the
# demo's test carries reports through drafting and submission to review.


def _requirement(uow: UnitOfWork, scope_id: int) -> int:
    """A published requirement in the regulator's scope, inserted as a row."""
    with uow:
        requirement = RegulatoryRequirement(
            scope_id=scope_id,
            title="Fair candidate screening",
            applies_to="Operators of candidate screening systems",
            effective_from=date(2025, 4, 1),
            items=[{"key": key, "title": key, "description": ""} for key in ITEMS],
            status="published",
            published_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        uow.session.add(requirement)
        uow.session.flush()
        uow.commit()
        return requirement.id


def _report(
    uow: UnitOfWork,
    requirement_id: int,
    scope_id: int,
    organization_id: int,
    value: float | None,
    late: bool = False,
) -> int:
    """A submitted report, inserted as a row: its facts hold the period's ratio."""
    with uow:
        report = RegulatoryReport(
            requirement_id=requirement_id,
            requirement_version=1,
            scope_id=scope_id,
            organization_id=organization_id,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            due=add_business_days(PERIOD[1], 60),
            status="submitted",
            facts={
                "indicators": [
                    {
                        "key": KEY,
                        "name": "Selection-rate ratio",
                        "latest_value": value,
                        "worst_value": value,
                        "required_level": 0.8,
                        "direction": "higher_is_better",
                    }
                ]
            },
            explanations={key: f"About {key}." for key in ITEMS},
            submissions=1,
            submitted_at=NOW,
            late=late,
            created_at=NOW,
            updated_at=NOW,
        )
        uow.session.add(report)
        uow.session.flush()
        uow.commit()
        return report.id


def _resubmit(uow: UnitOfWork, report_id: int) -> None:
    """The business submits its corrected report."""
    with uow:
        report = uow.session.get(RegulatoryReport, report_id)
        assert report is not None
        report.status = "submitted"
        report.submissions += 1
        uow.commit()


# ---------------------------------------------------------------- the setting


@pytest.fixture
def regulator_scope(uow: UnitOfWork, world: World) -> int:
    data = ScopeCreate(
        organization_id=world.regulator_id,
        name="Fair hiring",
        kind="rule_domain",
        visibility="public",
    )
    return create_scope(uow, world.outsider, data).id


@pytest.fixture
def requirement_id(uow: UnitOfWork, regulator_scope: int) -> int:
    return _requirement(uow, regulator_scope)


@pytest.fixture
def business_scope(uow: UnitOfWork, world: World) -> int:
    return new_scope(uow, world.owner, world.business_id)


@pytest.fixture
def report_id(uow: UnitOfWork, world: World, requirement_id: int, business_scope: int) -> int:
    return _report(uow, requirement_id, business_scope, world.business_id, 0.85)


@pytest.fixture
def stranger(uow: UnitOfWork) -> Principal:
    user = create_user(
        uow, UserCreate(email="stranger@example.com", name="Stranger", password="a-long-password")
    )
    with uow:
        return principal_for_user(uow.session, user.id)


def refused(uow: UnitOfWork, error: type[DomainError], call: Callable[[], Any]) -> DomainError:
    """``call`` raises ``error`` and every table is as it was."""
    before = row_counts(uow)
    with pytest.raises(error) as raised:
        call()
    assert row_counts(uow) == before
    return raised.value


def _findings(**notes: str) -> ReviewInput:
    return ReviewInput.model_validate(
        {key: {"finding": "adequate", "note": notes.get(key, "")} for key in ITEMS}
    )


def _ask(uow: UnitOfWork, actor: Principal, report_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {"kind": "question", "item": "complaints", "text": "How many?"}
    with clock.frozen_at(NOW):
        return service.ask(uow, actor, report_id, QuestionCreate(**(values | fields)))


def _status(uow: UnitOfWork, report_id: int) -> str:
    with uow:
        report = uow.session.get(RegulatoryReport, report_id)
        assert report is not None
        return report.status


def _notified(uow: UnitOfWork, kind: str) -> int:
    with uow:
        query = select(func.count()).select_from(Notification).where(Notification.kind == kind)
        return uow.session.scalar(query) or 0


# ---------------------------------------------------------------- questions and corrections


def test_a_correction_is_asked_answered_and_resubmitted_before_review(
    uow: UnitOfWork, world: World, report_id: int
) -> None:
    asked = _ask(uow, world.outsider, report_id, kind="correction", text="Count the disputes.")
    assert asked.due == add_business_days(NOW.date(), 10)
    assert _status(uow, report_id) == "correction_requested"
    assert _notified(uow, "report.correction") == 1
    refused(
        uow, Conflict, lambda: service.review_report(uow, world.outsider, report_id, _findings())
    )

    answered = service.answer_question(
        uow, world.editor, asked.id, QuestionAnswer(answer="Corrected: 12 disputes.")
    )
    assert answered.answer == "Corrected: 12 disputes." and answered.answered_at is not None
    assert _notified(uow, "report.answered") == 1
    # Answered, but the corrected report is not in yet.
    refused(
        uow, Conflict, lambda: service.review_report(uow, world.outsider, report_id, _findings())
    )
    _resubmit(uow, report_id)

    reviewed = service.review_report(uow, world.outsider, report_id, _findings(overview="Clear."))
    assert reviewed.status == "reviewed" and reviewed.reviewed_at is not None
    assert reviewed.item_findings["overview"] == {"finding": "adequate", "note": "Clear."}
    with uow:
        types = uow.session.scalars(select(Event.type).order_by(Event.id)).all()
    assert [t for t in types if t.startswith(("report", "regulatory"))] == [
        "report_question.asked",
        "report_question.answered",
        "regulatory_report.reviewed",
    ]


def test_an_open_question_holds_the_review(uow: UnitOfWork, world: World, report_id: int) -> None:
    asked = _ask(uow, world.outsider, report_id)
    assert _status(uow, report_id) == "submitted"
    refused(
        uow, Conflict, lambda: service.review_report(uow, world.outsider, report_id, _findings())
    )
    service.answer_question(uow, world.editor, asked.id, QuestionAnswer(answer="Twelve."))
    assert service.review_report(uow, world.outsider, report_id, _findings()).status == "reviewed"


def test_questions_are_refused_to_the_wrong_people_and_on_bad_items(
    uow: UnitOfWork, world: World, report_id: int, stranger: Principal
) -> None:
    refused(uow, NotFound, lambda: _ask(uow, stranger, report_id))
    refused(uow, NotFound, lambda: _ask(uow, ANONYMOUS, report_id))
    # The business reads its report but does not question it.
    refused(uow, Forbidden, lambda: _ask(uow, world.editor, report_id))
    error = refused(uow, InvalidInput, lambda: _ask(uow, world.outsider, report_id, item="prices"))
    assert "item" in str(error)

    asked = _ask(uow, world.outsider, report_id)
    answer = QuestionAnswer(answer="Twelve.")
    # The regulator does not answer its own question, nor a viewer of the business.
    refused(uow, Forbidden, lambda: service.answer_question(uow, world.outsider, asked.id, answer))
    refused(uow, Forbidden, lambda: service.answer_question(uow, world.viewer, asked.id, answer))
    refused(uow, NotFound, lambda: service.answer_question(uow, stranger, asked.id, answer))
    service.answer_question(uow, world.editor, asked.id, answer)
    refused(uow, Conflict, lambda: service.answer_question(uow, world.editor, asked.id, answer))


def test_a_reviewed_report_takes_no_more_questions(
    uow: UnitOfWork, world: World, report_id: int
) -> None:
    service.review_report(uow, world.outsider, report_id, _findings())
    refused(uow, Conflict, lambda: _ask(uow, world.outsider, report_id))


# ---------------------------------------------------------------- review


def test_a_review_is_refused_to_the_adopter_and_without_every_item(
    uow: UnitOfWork, world: World, report_id: int
) -> None:
    refused(uow, Forbidden, lambda: service.review_report(uow, world.owner, report_id, _findings()))
    partial = ReviewInput.model_validate({"overview": {"finding": "adequate"}})
    error = refused(
        uow, InvalidInput, lambda: service.review_report(uow, world.outsider, report_id, partial)
    )
    assert "complaints" in str(error)
    extra = ReviewInput.model_validate({key: {"finding": "adequate"} for key in [*ITEMS, "prices"]})
    error = refused(
        uow, InvalidInput, lambda: service.review_report(uow, world.outsider, report_id, extra)
    )
    assert "prices" in str(error)
    service.review_report(uow, world.outsider, report_id, _findings())
    # Reviewed once.
    refused(
        uow, Conflict, lambda: service.review_report(uow, world.outsider, report_id, _findings())
    )


# ---------------------------------------------------------------- evaluation


def test_an_evaluation_is_published_once_and_read_by_anyone(
    uow: UnitOfWork, world: World, report_id: int, stranger: Principal
) -> None:
    data = EvaluationCreate(summary="Complaint handling is adequate; disclosure must improve.")
    refused(uow, Conflict, lambda: service.publish_evaluation(uow, world.outsider, report_id, data))
    service.review_report(uow, world.outsider, report_id, _findings())
    refused(uow, Forbidden, lambda: service.publish_evaluation(uow, world.owner, report_id, data))
    refused(uow, NotFound, lambda: service.publish_evaluation(uow, stranger, report_id, data))

    published = service.publish_evaluation(uow, world.outsider, report_id, data)
    assert published.organization_name == "HireRight"
    assert published.item_findings["self_assessment"]["finding"] == "adequate"
    assert _notified(uow, "report.evaluated") == 1
    refused(uow, Conflict, lambda: service.publish_evaluation(uow, world.outsider, report_id, data))

    assert service.get_evaluation(uow, published.id) == published
    assert service.evaluation_of_report(uow, report_id) == published
    assert service.list_evaluations(uow, published.requirement_id, PERIOD[0]) == [published]
    assert service.list_evaluations(uow, published.requirement_id, date(2024, 4, 1)) == []
    with uow:
        salts = dict(
            uow.session.execute(
                select(Event.type, Event.payload_salt).where(
                    Event.type.in_(["regulatory_report.reviewed", "report_evaluation.published"])
                )
            ).all()
        )
    # The business's scope is private, and so is the review; the evaluation is public.
    assert salts["regulatory_report.reviewed"] is not None
    assert salts["report_evaluation.published"] is None


def test_an_evaluation_links_only_a_consultation_of_the_regulators_scope(
    uow: UnitOfWork, world: World, report_id: int, regulator_scope: int
) -> None:
    service.review_report(uow, world.outsider, report_id, _findings())

    def consult(scope_id: int, actor: Principal) -> int:
        with clock.frozen_at(NOW):
            return lifecycle.create_consultation(
                uow,
                actor,
                scope_id,
                ConsultationCreate(
                    title="Hearing users",
                    subject="report",
                    draft="The report was read.\n",
                    opens_at=NOW - timedelta(days=1),
                    closes_at=NOW + timedelta(days=30),
                ),
            ).id

    elsewhere = consult(
        new_scope(uow, world.owner, world.business_id, "Other", "public"), world.owner
    )
    bad = EvaluationCreate(summary="Heard.", consultation_id=elsewhere)
    error = refused(
        uow, InvalidInput, lambda: service.publish_evaluation(uow, world.outsider, report_id, bad)
    )
    assert "consultation_id" in str(error)
    heard = consult(regulator_scope, world.outsider)
    good = EvaluationCreate(summary="Heard.", consultation_id=heard)
    assert service.publish_evaluation(uow, world.outsider, report_id, good).consultation_id == heard


# ---------------------------------------------------------------- sector summary


def test_a_sector_summary_feeds_the_regulators_indicator_and_its_cycle(
    uow: UnitOfWork,
    world: World,
    requirement_id: int,
    regulator_scope: int,
    report_id: int,
) -> None:
    goal = specific_goal(uow, world.outsider, regulator_scope)
    measured = indicator(uow, world.outsider, regulator_scope, goal.id, window_days=30)
    with uow:
        # The requirement names the regulator's indicator its reports give.
        required = uow.session.get(RegulatoryRequirement, requirement_id)
        required.indicators.append(uow.session.get(Indicator, measured.id))  # type: ignore[union-attr]
        uow.commit()
    other = new_scope(uow, world.owner, world.business_id, "Second model")
    late = _report(uow, requirement_id, other, world.business_id, 0.7, late=True)
    service.review_report(uow, world.outsider, late, _findings())
    data = SectorSummaryCreate(period_start=PERIOD[0], summary="One adopter is below the level.")
    refused(
        uow,
        Forbidden,
        lambda: service.publish_sector_summary(uow, world.owner, requirement_id, data),
    )
    odd = SectorSummaryCreate(period_start=date(2025, 5, 1), summary="Off.")
    refused(
        uow,
        InvalidInput,
        lambda: service.publish_sector_summary(uow, world.outsider, requirement_id, odd),
    )

    with clock.frozen_at(NOW):
        published = service.publish_sector_summary(uow, world.outsider, requirement_id, data)
    figure = published.figures["indicators"][KEY]
    assert (figure["count"], figure["lowest"], figure["highest"]) == (2, 0.7, 0.85)
    assert figure["lowest_scope_id"] == other and figure["meeting"] == 1
    assert published.figures["reports"] == {"submitted": 2, "late": 1, "corrected": 0}
    assert service.get_sector_summary(uow, requirement_id, PERIOD[0]) == published
    with uow:
        session = uow.session
        observed = session.scalars(select(Observation)).one()
        assert (observed.value, observed.source) == (0.7, "sector summary")
        evaluation = session.scalars(
            select(Evaluation).where(Evaluation.scope_id == regulator_scope)
        ).one()
        assert evaluation.status == "breach"
        opened = session.scalars(select(Trigger).where(Trigger.scope_id == regulator_scope)).all()
        # The monitoring's breach, and the requirement's failure: its outer loop.
        (failure,) = [t for t in opened if t.kind == "goal_failure"]
        assert (failure.loop, failure.subject_type, failure.subject_id) == (
            "outer",
            "goal",
            goal.id,
        )
    with clock.frozen_at(NOW):
        refused(
            uow,
            Conflict,
            lambda: service.publish_sector_summary(uow, world.outsider, requirement_id, data),
        )


def test_a_summary_without_reports_is_refused(
    uow: UnitOfWork, world: World, requirement_id: int
) -> None:
    data = SectorSummaryCreate(period_start=date(2024, 4, 1), summary="Nothing.")
    error = refused(
        uow,
        InvalidInput,
        lambda: service.publish_sector_summary(uow, world.outsider, requirement_id, data),
    )
    assert "period_start" in str(error)


# ---------------------------------------------------------------- through HTTP


@pytest.fixture
def site(database_url: str, engine: Engine, world: World) -> Iterator[ApiWorld]:
    pages = world_from_fixture(database_url, engine, world)
    with pages.client:
        yield pages


def test_the_regulator_reviews_on_its_page_and_anyone_reads_the_evaluation(
    site: ApiWorld, uow: UnitOfWork, world: World, report_id: int, requirement_id: int
) -> None:
    path = f"/reports/{report_id}/review"
    assert site.client.get(path).status_code == 404
    assert site.client.get(f"{API}/reports/{report_id}/evaluation").status_code == 404
    regulator = sign_in(site, "outsider")
    page = regulator.get(path)
    assert page.status_code == 200 and "About complaints." in page.text
    assert "項目の審査" in regulator.get(path, headers={"Accept-Language": "ja"}).text

    asked = post_form(
        regulator,
        path,
        f"/reports/{report_id}/questions",
        {"kind": "question", "item": "prices", "text": "Why?"},
    )
    assert asked.status_code == 422 and field_error(asked, "item")
    business = sign_in(site, "editor")
    assert business.get(path).status_code == 200
    ok(
        site.client.post(
            f"{API}/reports/{report_id}/questions",
            json={"kind": "question", "text": "Why?"},
            headers=site.auth("editor"),
        ),
        403,
    )

    partial = {"overview__finding": "adequate"}
    refused_page = post_form(regulator, path, f"/reports/{report_id}/review", partial)
    assert refused_page.status_code == 422
    findings = {f"{key}__finding": "adequate" for key in ITEMS}
    done = post_form(regulator, path, f"/reports/{report_id}/review", findings)
    assert done.status_code == 303
    summary = "Complaints are handled well."
    published = post_form(regulator, path, f"/reports/{report_id}/evaluation", {"summary": summary})
    assert published.status_code == 303

    evaluation = ok(site.client.get(f"{API}/reports/{report_id}/evaluation"))
    assert evaluation["summary"] == summary
    listed = ok(
        site.client.get(
            f"{API}/evaluations",
            params={"requirement_id": requirement_id, "period_start": PERIOD[0].isoformat()},
        )
    )
    assert [item["id"] for item in listed["items"]] == [evaluation["id"]]
    public = site.client.get(published.headers["location"])
    assert public.status_code == 200 and summary in public.text and "HireRight" in public.text
    japanese = site.client.get(published.headers["location"], headers={"Accept-Language": "ja"})
    assert japanese.status_code == 200 and "項目ごとの所見" in japanese.text


def test_a_sector_summary_is_published_through_the_api_and_shown_to_anyone(
    site: ApiWorld, world: World, report_id: int, requirement_id: int
) -> None:
    body = {"period_start": PERIOD[0].isoformat(), "summary": "All adopters meet the level."}
    url = f"{API}/requirements/{requirement_id}/summaries"
    ok(site.client.post(url, json=body, headers=site.auth("owner")), 403)
    created = ok(site.client.post(url, json=body, headers=site.auth("outsider")), 201)
    assert created["figures"]["indicators"][KEY]["meeting"] == 1
    assert ok(site.client.get(f"{url}/{PERIOD[0].isoformat()}")) == created
    page = site.client.get(f"/requirements/{requirement_id}/summaries/{PERIOD[0].isoformat()}")
    assert page.status_code == 200 and "All adopters meet the level." in page.text


def test_only_the_regulator_is_shown_the_summary_form(site: ApiWorld, requirement_id: int) -> None:
    path = f"/requirements/{requirement_id}/summaries/new"
    assert site.client.get(path, follow_redirects=False).status_code in (303, 401)
    assert sign_in(site, "editor").get(path).status_code == 403
    assert sign_in(site, "outsider").get(path).status_code == 200
