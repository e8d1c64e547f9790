"""Programmes: a sandbox from application to its outcome, a gray-zone inquiry
answered in public, a special measure; each step refused where it should be."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from agilegov import clock
from agilegov.auth import ANONYMOUS
from agilegov.cycle import service as cycle
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.notify.service import list_notifications
from agilegov.regulation import programmes
from agilegov.regulation.schemas import (
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammePublic,
    ProgrammeRead,
)
from agilegov.workdays import is_business_day
from api_helpers import make_client, world_from_fixture
from builders import World, indicator, new_scope, row_counts, specific_goal
from web_helpers import browser, field_error, post_form, sign_in

# Wednesday 28 April 2027, 10:00 in Tokyo: Golden Week's holidays follow.
APPLIED = datetime(2027, 4, 28, 1, 0, tzinfo=UTC)


def _sandbox(world: World, **fields: Any) -> dict[str, Any]:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id)
    watched = indicator(world.uow, world.editor, scope_id, goal.id)
    regulator_scope = new_scope(world.uow, world.outsider, world.regulator_id, "Fair hiring rules")
    values = {
        "kind": "sandbox",
        "regulator_organization_id": world.regulator_id,
        "applicant_organization_id": world.business_id,
        "scope_id": scope_id,
        "regulator_scope_id": regulator_scope,
        "title": "Automated interview scoring",
        "description": "Scoring recorded interviews, with a person deciding.",
        "question": "Show that scoring keeps the selection-rate ratio above 0.8.",
        "safeguards": "A person reviews every rejection.",
        "consent": "Candidates opt in on the application form.",
        "indicator_ids": [watched.id],
        "period_start": "2027-05-10",
        "period_end": "2027-11-10",
    }
    return values | fields


def _apply(world: World, **fields: Any) -> ProgrammeRead:
    data = ProgrammeCreate.model_validate(_sandbox(world, **fields))
    with clock.frozen_at(APPLIED):
        return programmes.apply(world.uow, world.editor, data)


def _inquiry(world: World) -> ProgrammeRead:
    data = ProgrammeCreate(
        kind="gray_zone",
        regulator_organization_id=world.regulator_id,
        applicant_organization_id=world.business_id,
        title="HireRight asks about reference checks",
        description="A service that calls former employers on a candidate's behalf.",
        question="Is it an employment placement business under the Act?",
    )
    with clock.frozen_at(APPLIED):
        return programmes.apply(world.uow, world.editor, data)


def test_the_decision_is_due_in_business_days_past_golden_week(world: World) -> None:
    assert not is_business_day(date(2027, 4, 29))  # Shōwa Day
    sandbox = _apply(world)
    inquiry = _inquiry(world)
    # 30 and 20 business days after 28 April, skipping 29 April and 3 to 5 May.
    assert sandbox.decision_due == date(2027, 6, 15)
    assert inquiry.decision_due == date(2027, 6, 1)
    assert sandbox.status == "applied" and not sandbox.overdue


def test_a_sandbox_runs_to_an_outcome_that_opens_an_outer_loop_trigger(world: World) -> None:
    applied = _apply(world)
    decision = ProgrammeDecision(decision="Approved.", conditions="Report monthly.")
    approved = programmes.decide(world.uow, world.outsider, applied.id, True, decision)
    assert (approved.status, approved.conditions) == ("approved", "Report monthly.")
    with clock.frozen_at(datetime(2027, 5, 10, 3, tzinfo=UTC)):
        exited = programmes.exit_programme(
            world.uow, world.editor, applied.id, ProgrammeExit(exit_report="The ratio held.")
        )
    assert exited.status == "exited" and exited.exited_at is not None
    with clock.frozen_at(datetime(2027, 5, 11, 3, tzinfo=UTC)):
        concluded = programmes.conclude(
            world.uow,
            world.outsider,
            applied.id,
            ProgrammeConclusion(outcome="Allow scoring with a person deciding."),
        )
    assert concluded.status == "concluded" and concluded.trigger_id is not None
    state = cycle.get_cycle(world.uow, world.outsider, applied.regulator_scope_id)
    [trigger] = state.open_triggers
    assert (trigger.id, trigger.kind, trigger.loop) == (
        concluded.trigger_id,
        "sandbox_outcome",
        "outer",
    )
    # Decided: anyone reads its title and outcome, not its plan.
    public = programmes.get_programme(world.uow, ANONYMOUS, applied.id)
    assert isinstance(public, ProgrammePublic)
    assert (public.title, public.outcome) == (applied.title, concluded.outcome)


def test_only_the_regulators_editors_decide(world: World) -> None:
    applied = _apply(world)
    decision = ProgrammeDecision(decision="Approved.")
    with pytest.raises(Forbidden):
        programmes.decide(world.uow, world.owner, applied.id, True, decision)
    with pytest.raises(NotFound):  # not public before it is decided
        programmes.decide(world.uow, ANONYMOUS, applied.id, True, decision)
    with pytest.raises(NotFound):
        programmes.get_programme(world.uow, ANONYMOUS, applied.id)


def test_steps_out_of_order_are_refused_and_store_nothing(world: World) -> None:
    applied = _apply(world)
    before = row_counts(world.uow)
    with pytest.raises(Conflict):
        programmes.exit_programme(
            world.uow, world.editor, applied.id, ProgrammeExit(exit_report="Early.")
        )
    with pytest.raises(Conflict):
        programmes.conclude(world.uow, world.outsider, applied.id, ProgrammeConclusion(outcome="x"))
    with pytest.raises(Conflict):
        programmes.answer(
            world.uow,
            world.outsider,
            applied.id,
            ProgrammeAnswer(answer="a", published_summary="s"),
        )
    refused = programmes.decide(
        world.uow, world.outsider, applied.id, False, ProgrammeDecision(decision="Unsafe.")
    )
    assert refused.status == "refused"
    with pytest.raises(Conflict):
        programmes.decide(
            world.uow, world.outsider, applied.id, True, ProgrammeDecision(decision="Now yes.")
        )
    assert row_counts(world.uow)["programmes"] == before["programmes"]


def test_the_exit_report_waits_for_the_period_and_the_applicant(world: World) -> None:
    applied = _apply(world)
    programmes.decide(world.uow, world.outsider, applied.id, True, ProgrammeDecision(decision="Ok"))
    report = ProgrammeExit(exit_report="Done.")
    with clock.frozen_at(datetime(2027, 5, 8, 3, tzinfo=UTC)), pytest.raises(InvalidInput) as early:
        programmes.exit_programme(world.uow, world.editor, applied.id, report)
    assert early.value.problems[0].field == "exit_report"
    with clock.frozen_at(datetime(2027, 5, 10, 3, tzinfo=UTC)), pytest.raises(Forbidden):
        programmes.exit_programme(world.uow, world.viewer, applied.id, report)
    with clock.frozen_at(datetime(2027, 5, 10, 3, tzinfo=UTC)), pytest.raises(Forbidden):
        programmes.exit_programme(world.uow, world.outsider, applied.id, report)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_end": "2027-05-10"}, "period_end"),
        ({"period_end": "2029-05-11"}, "period_end"),
        ({"consent": ""}, "consent"),
        ({"safeguards": ""}, "safeguards"),
        ({"indicator_ids": []}, "indicator_ids"),
    ],
)
def test_a_bad_plan_is_refused_naming_its_field(
    world: World, fields: dict[str, Any], field: str
) -> None:
    data = ProgrammeCreate.model_validate(_sandbox(world, **fields))
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        programmes.apply(world.uow, world.editor, data)
    assert refused.value.problems[0].field == field
    assert row_counts(world.uow) == before


def test_who_applies_to_whom(world: World) -> None:
    values = _sandbox(world)
    other = new_scope(world.uow, world.owner, world.business_id, "Another system")
    foreign = indicator(
        world.uow, world.editor, other, specific_goal(world.uow, world.editor, other).id
    )
    cases = [
        ({"indicator_ids": [foreign.id]}, "indicator_ids"),
        ({"regulator_organization_id": world.business_id}, "regulator_organization_id"),
        ({"regulator_scope_id": values["scope_id"]}, "regulator_scope_id"),
    ]
    for fields, field in cases:
        data = ProgrammeCreate.model_validate(values | fields)
        with pytest.raises(InvalidInput) as refused:
            programmes.apply(world.uow, world.editor, data)
        assert refused.value.problems[0].field == field
    # The government cannot apply as an applicant; a viewer cannot apply.
    as_government = ProgrammeCreate.model_validate(
        values | {"applicant_organization_id": world.regulator_id}
    )
    with pytest.raises(InvalidInput) as refused:
        programmes.apply(world.uow, world.outsider, as_government)
    assert refused.value.problems[0].field == "applicant_organization_id"
    with pytest.raises(Forbidden):
        programmes.apply(world.uow, world.viewer, ProgrammeCreate.model_validate(values))


def test_an_overdue_decision_is_told_to_both_sides_once(world: World) -> None:
    applied = _apply(world)
    with clock.frozen_at(datetime(2027, 6, 15, 3, tzinfo=UTC)):
        assert programmes.notify_overdue(world.uow) == 0  # due today: not yet
    later = datetime(2027, 6, 16, 3, tzinfo=UTC)
    with clock.frozen_at(later):
        assert programmes.notify_overdue(world.uow) == 1
        assert programmes.notify_overdue(world.uow) == 0
        read = programmes.get_programme(world.uow, world.editor, applied.id)
        assert isinstance(read, ProgrammeRead) and read.overdue
    for owner in (world.owner, world.outsider):
        told = list_notifications(world.uow, owner, 50, 0).items
        assert [n.kind for n in told].count("programme.overdue") == 1
    # Decided late, it is decided all the same.
    with clock.frozen_at(later):
        decided = programmes.decide(
            world.uow, world.outsider, applied.id, True, ProgrammeDecision(decision="Late, yes.")
        )
    assert decided.status == "approved" and not decided.overdue


def test_an_answered_inquiry_is_public_by_its_summary_only(world: World, app_client: Any) -> None:
    inquiry = _inquiry(world)
    with pytest.raises(NotFound):
        programmes.get_programme(world.uow, ANONYMOUS, inquiry.id)
    with pytest.raises(Forbidden):
        programmes.answer(
            world.uow, world.editor, inquiry.id, ProgrammeAnswer(answer="a", published_summary="s")
        )
    summary = "A reference-check service that only relays answers is not placement."
    programmes.answer(
        world.uow,
        world.outsider,
        inquiry.id,
        ProgrammeAnswer(answer="Not placement, as described.", published_summary=summary),
    )
    public = programmes.get_programme(world.uow, ANONYMOUS, inquiry.id)
    assert isinstance(public, ProgrammePublic)
    assert public.published_summary == summary and public.title == ""
    response = app_client.get(f"/api/v1/programmes/{inquiry.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["published_summary"] == summary
    assert "applicant_organization_id" not in body and "HireRight" not in response.text
    listed = programmes.list_programmes(world.uow, ANONYMOUS, 50, 0)
    assert [item.id for item in listed.items] == [inquiry.id]


def test_an_inquiry_has_no_plan(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    data = ProgrammeCreate(
        kind="gray_zone",
        regulator_organization_id=world.regulator_id,
        applicant_organization_id=world.business_id,
        title="Question",
        description="A business.",
        question="",
        scope_id=scope_id,
    )
    with pytest.raises(InvalidInput) as refused:
        programmes.apply(world.uow, world.editor, data)
    assert refused.value.problems[0].field == "question"


def test_a_special_measure_concludes_without_a_trigger_unless_asked(world: World) -> None:
    applied = _apply(world, kind="special_measure", consent="", question="")
    programmes.decide(
        world.uow,
        world.outsider,
        applied.id,
        True,
        ProgrammeDecision(decision="Granted.", conditions="Monthly figures."),
    )
    with clock.frozen_at(datetime(2027, 5, 12, 3, tzinfo=UTC)):
        programmes.exit_programme(
            world.uow, world.editor, applied.id, ProgrammeExit(exit_report="Held.")
        )
        concluded = programmes.conclude(
            world.uow, world.outsider, applied.id, ProgrammeConclusion(outcome="Closed.")
        )
    assert concluded.status == "concluded" and concluded.trigger_id is None


@pytest.fixture
def app_client(world: World, database_url: str) -> Any:
    with make_client(database_url) as client:
        yield client


def test_the_pages_take_a_sandbox_from_application_to_decision(
    world: Any, database_url: str, engine: Any
) -> None:
    site = world_from_fixture(database_url, engine, world)
    values = _sandbox(world)
    editor = sign_in(site, "editor")
    form = {key: value for key, value in values.items() if key != "indicator_ids"}
    form["indicator_ids"] = [str(id_) for id_ in values["indicator_ids"]]
    assert editor.get("/programmes/new").status_code == 200
    bad = post_form(editor, "/programmes/new", "/programmes", form | {"period_end": "2027-05-01"})
    assert bad.status_code == 422 and field_error(bad, "period_end")
    created = post_form(editor, "/programmes/new", "/programmes", form)
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    page = editor.get(path)
    assert "Automated interview scoring" in page.text and "Selection-rate ratio" in page.text
    assert "/approve" not in page.text  # the applicant does not decide
    regulator = sign_in(site, "outsider")
    assert f'action="{path}/approve"' in regulator.get(path).text
    approved = post_form(
        regulator, path, f"{path}/approve", {"decision": "Approved.", "conditions": "Monthly."}
    )
    assert approved.status_code == 303
    japanese = regulator.get(path, headers={"Accept-Language": "ja"})
    assert "規制のサンドボックス" in japanese.text or "サンドボックス" in japanese.text
    listing = browser(site).get("/programmes")
    assert listing.status_code == 200 and "Automated interview scoring" in listing.text


def test_refusing_on_the_page_is_asked_about_first(
    world: Any, database_url: str, engine: Any
) -> None:
    site = world_from_fixture(database_url, engine, world)
    values = _sandbox(world)
    form = {key: value for key, value in values.items() if key != "indicator_ids"}
    form["indicator_ids"] = [str(id_) for id_ in values["indicator_ids"]]
    created = post_form(sign_in(site, "editor"), "/programmes/new", "/programmes", form)
    path = created.headers["location"]
    regulator = sign_in(site, "outsider")
    reasons = {"decision": "Refused: no recruiter reviews the scores."}
    asked = post_form(regulator, path, f"{path}/refuse", reasons)
    assert asked.status_code == 200 and "no recruiter reviews the scores" in asked.text
    assert "Applied" in regulator.get(path).text or "applied" in regulator.get(path).text
    refused = post_form(regulator, path, f"{path}/refuse", reasons | {"confirmed": "yes"})
    assert refused.status_code == 303
    assert '"refused"' in site.client.get(f"/api/v1{path}", headers=site.auth("outsider")).text
