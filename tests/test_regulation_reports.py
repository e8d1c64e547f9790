"""Reports: drafted from the adopter's governance over the period, explained
per item, signed and submitted; deadlines in business days, reminders and late
flags."""

import base64
import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agilegov import clock
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.notify.models import Notification
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import public_key_from_did
from agilegov.record.models import Event
from agilegov.regulation import deadlines
from agilegov.regulation.models import RegulatoryReport, RegulatoryRequirement
from agilegov.regulation.service import (
    draft_report,
    draft_reports,
    get_report,
    remind,
    set_explanations,
    submit_report,
    submitted_document,
)
from api_helpers import API, assert_problem, bearer, make_client, ok
from builders import (
    World,
    change,
    indicator,
    measure,
    new_scope,
    review,
    row_counts,
    specific_goal,
)
from regulation_builders import Regulated, regulated
from web_helpers import csrf_of

# April 2026 ends on a Thursday; 1 May is a business day, then Golden Week:
# the weekend, Constitution Day (3rd, a Sunday), Greenery Day, Children's Day
# and the substitute holiday on the 6th.
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
DUE = date(2026, 5, 8)
ITEMS = ("overview", "complaints", "disclosure", "measures", "self_assessment")


def _at(day: int, month: int = 4) -> datetime:
    return datetime(2026, month, day, 3, tzinfo=UTC)


def _evaluate(world: World, built: Regulated, value: float, at: datetime) -> None:
    rows = [Row("selection.ratio", at - timedelta(hours=1), value, "test", "observations[0]")]
    ingest(world.uow, world.owner, rows, scope_id=built.scope)
    with clock.frozen_at(at):
        evaluate_scope(world.uow, world.owner, built.scope, at=at)


def _explain_all(world: World, report_id: int) -> None:
    set_explanations(world.uow, world.editor, report_id, {key: f"On {key}." for key in ITEMS})


def test_the_due_date_counts_business_days_over_golden_week() -> None:
    assert deadlines.report_due(APRIL[1], 3) == DUE
    assert deadlines.previous_period(date(2026, 5, 1), 1, 4) == APRIL


def test_a_report_is_drafted_from_the_periods_evaluations_measures_and_reviews(
    world: World,
) -> None:
    built = regulated(world)
    _evaluate(world, built, 0.9, _at(3, 3))  # March: outside the period
    _evaluate(world, built, 0.82, _at(5))
    _evaluate(world, built, 0.6, _at(12))  # a breach, opening an episode
    _evaluate(world, built, 0.88, _at(20))
    with clock.frozen_at(_at(1, 3)):
        kept = measure(world.uow, world.owner, built.scope, status="implemented")
    with clock.frozen_at(_at(15)):
        change(world.uow, world.owner, built.scope, MEASURE, kept.id, title="Re-weighting, tuned")
        review(world.uow, world.owner, built.scope)
    drafted = draft_reports(world.uow, date(2026, 5, 1))
    assert len(drafted) == 1
    assert draft_reports(world.uow, date(2026, 5, 2)) == [], "drafted once"
    report = get_report(world.uow, world.owner, drafted[0])
    assert (report.period_start, report.period_end, report.due) == (*APRIL, DUE)
    assert report.status == "draft" and report.requirement_version == built.requirement.version
    facts = report.facts
    [row] = facts["indicators"]
    assert row["evaluations"] == 3
    assert (row["latest_value"], row["latest_status"]) == (0.88, "ok")
    assert row["worst_value"] == 0.6 and row["breach_episodes_opened"] == 1
    assert row["compliance"] == "meets" and row["required_level"] == 0.8
    assert [(m["id"], m["title"], m["version"]) for m in facts["measures_in_force"]] == [
        (kept.id, "Re-weighting, tuned", 2)
    ]
    assert [m["version"] for m in facts["measure_changes"]] == [2]
    assert len(facts["reviews"]) == 1
    assert facts["complaints"]["cases"] == 0 and facts["complaints"]["minimum"] == 5
    assert facts["incidents"]["total"] == 0 and facts["incidents"]["unforeseeable"] == 0


def test_an_editor_drafts_on_demand_once(world: World) -> None:
    built = regulated(world)
    before = row_counts(world.uow)
    with pytest.raises(Forbidden):
        draft_report(world.uow, world.viewer, built.requirement.id, built.scope)
    with pytest.raises(InvalidInput) as raised:
        draft_report(world.uow, world.outsider, built.requirement.id, built.scope)
    assert raised.value.problems[0].field == "scope_id"
    with pytest.raises(InvalidInput) as raised:
        draft_report(world.uow, world.editor, built.requirement.id + 100, built.scope)
    assert raised.value.problems[0].field == "requirement_id"
    assert row_counts(world.uow) == before
    with clock.frozen_at(_at(1, 5)):
        report = draft_report(world.uow, world.editor, built.requirement.id, built.scope)
        assert (report.period_start, report.due) == (APRIL[0], DUE)
        with pytest.raises(Conflict):
            draft_report(world.uow, world.editor, built.requirement.id, built.scope)


def test_a_scope_not_adopting_cannot_draft(world: World) -> None:
    built = regulated(world)
    other = new_scope(world.uow, world.owner, world.business_id, name="Unrelated")
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        draft_report(world.uow, world.editor, built.requirement.id, other)
    assert raised.value.problems[0].field == "scope_id"
    assert row_counts(world.uow) == before


def _drafted(world: World) -> tuple[Regulated, int]:
    built = regulated(world)
    [report_id] = draft_reports(world.uow, date(2026, 5, 1))
    return built, report_id


def test_explanations_name_known_items_and_only_editors_give_them(world: World) -> None:
    _, report_id = _drafted(world)
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        set_explanations(world.uow, world.editor, report_id, {"overview": "ok", "weather": "sunny"})
    assert raised.value.problems[0].field == "weather"
    with pytest.raises(Forbidden):
        set_explanations(world.uow, world.viewer, report_id, {"overview": "ok"})
    with pytest.raises(NotFound):
        set_explanations(world.uow, world.outsider, report_id, {"overview": "ok"})
    assert row_counts(world.uow) == before
    set_explanations(world.uow, world.editor, report_id, {"overview": "We run a hiring platform."})
    set_explanations(world.uow, world.editor, report_id, {"measures": "Re-weighting."})
    assert get_report(world.uow, world.owner, report_id).explanations == {
        "overview": "We run a hiring platform.",
        "measures": "Re-weighting.",
    }


def test_a_submission_is_signed_hashed_and_on_the_record(world: World, tmp_path: Path) -> None:
    built, report_id = _drafted(world)
    set_explanations(world.uow, world.editor, report_id, {"overview": "Only this."})
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        submit_report(world.uow, world.editor, report_id, tmp_path)
    assert raised.value.problems[0].field == "complaints"
    assert row_counts(world.uow) == before
    _explain_all(world, report_id)
    with pytest.raises(Forbidden):
        submit_report(world.uow, world.viewer, report_id, tmp_path)
    with clock.frozen_at(_at(7, 5)):
        submitted = submit_report(world.uow, world.editor, report_id, tmp_path)
    assert submitted.status == "submitted" and submitted.submissions == 1
    assert not submitted.late
    document = submitted_document(submitted)
    assert document["requirement"] == {
        "id": built.requirement.id,
        "version": built.requirement.version,
    }
    digest = hashlib.sha256(canonical_json(document))
    assert submitted.sha256 == digest.hexdigest()
    signature = base64.urlsafe_b64decode(
        submitted.signature + "=" * (-len(submitted.signature) % 4)
    )
    public_key_from_did(submitted.signer_did).verify(signature, digest.digest())  # raises if not
    with world.uow:
        event = world.uow.session.scalars(
            select(Event).where(Event.type == "report.submitted")
        ).one()
        assert event.payload["sha256"] == submitted.sha256
        assert event.payload["signer_did"] == submitted.signer_did
        assert "explanations" not in event.payload and "facts" not in event.payload
    with pytest.raises(Conflict):
        submit_report(world.uow, world.editor, report_id, tmp_path)
    with pytest.raises(Conflict):
        set_explanations(world.uow, world.editor, report_id, {"overview": "late change"})
    # The regulator reads it once submitted.
    assert get_report(world.uow, world.outsider, report_id).sha256 == submitted.sha256


def test_the_regulator_does_not_read_a_draft(world: World) -> None:
    _, report_id = _drafted(world)
    with pytest.raises(NotFound):
        get_report(world.uow, world.outsider, report_id)


def test_a_submission_after_the_due_date_is_late_for_good(world: World, tmp_path: Path) -> None:
    _, report_id = _drafted(world)
    _explain_all(world, report_id)
    with clock.frozen_at(datetime(2026, 5, 8, 14, 59, tzinfo=UTC)):  # 23:59 in Japan
        assert not submit_report(world.uow, world.editor, report_id, tmp_path).late
    _, other = _drafted_again(world)
    _explain_all(world, other)
    with clock.frozen_at(datetime(2026, 5, 8, 15, 0, tzinfo=UTC)):  # the 9th in Japan
        assert submit_report(world.uow, world.editor, other, tmp_path).late


def _drafted_again(world: World) -> tuple[int, int]:
    """A second adopting scope's report of April: (requirement id, report id)."""
    with world.uow:
        requirement = world.uow.session.scalars(select(RegulatoryRequirement)).first()
        assert requirement is not None
        goal_id = requirement.goal_ids[0]
        requirement_id = requirement.id
    scope = new_scope(world.uow, world.owner, world.business_id, name="Second model")
    goal = specific_goal(world.uow, world.owner, scope, derives_from_id=goal_id).id
    indicator(world.uow, world.owner, scope, goal)
    drafted = draft_reports(world.uow, date(2026, 5, 1))
    assert len(drafted) == 1
    return requirement_id, drafted[0]


def _notifications(world: World, organization_id: int, kind: str) -> int:
    with world.uow:
        return (
            world.uow.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.organization_id == organization_id, Notification.kind == kind)
            )
            or 0
        )


def test_reminders_come_once_and_late_reports_are_flagged_to_both_sides(world: World) -> None:
    _, report_id = _drafted(world)
    # From 24 April, six business days to the 8th of May (Showa Day and
    # Golden Week not counted): too early; from the 27th, five.
    assert remind(world.uow, date(2026, 4, 24))["reminded"] == []
    assert remind(world.uow, date(2026, 4, 27))["reminded"] == [report_id]
    assert remind(world.uow, date(2026, 5, 7))["reminded"] == []
    assert _notifications(world, world.business_id, "report.due") == 1
    assert get_report(world.uow, world.owner, report_id).reminded_at is not None
    assert remind(world.uow, date(2026, 5, 8))["late"] == [], "due today is not late"
    assert remind(world.uow, date(2026, 5, 9))["late"] == [report_id]
    assert remind(world.uow, date(2026, 5, 11))["late"] == []
    assert _notifications(world, world.business_id, "report.late") == 1
    assert _notifications(world, world.regulator_id, "report.late") == 1
    assert get_report(world.uow, world.owner, report_id).late


def test_a_correction_is_a_new_submission(world: World, tmp_path: Path) -> None:
    _, report_id = _drafted(world)
    _explain_all(world, report_id)
    with clock.frozen_at(_at(7, 5)):
        first = submit_report(world.uow, world.editor, report_id, tmp_path)
    with world.uow:  # the regulator's request (area B's service) leaves it so
        row = world.uow.session.get(RegulatoryReport, report_id)
        assert row is not None
        row.status = "correction_requested"
        world.uow.commit()
    set_explanations(world.uow, world.editor, report_id, {"overview": "Corrected."})
    with clock.frozen_at(_at(20, 5)):
        second = submit_report(world.uow, world.editor, report_id, tmp_path)
    assert second.submissions == 2 and second.sha256 != first.sha256
    assert not second.late, "late is decided by the first submission"


def test_the_api_and_pages_carry_a_report_through(
    world: World, database_url: str, tmp_path: Path
) -> None:
    _, report_id = _drafted(world)
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        editor = bearer(world.tokens["editor"])
        url = f"{API}/reports/{report_id}"
        assert_problem(
            client.put(f"{url}/explanations", json={"weather": "x"}, headers=editor), 422, "weather"
        )
        assert_problem(client.post(f"{url}/submit", headers=editor), 422, "overview")
        ok(
            client.put(
                f"{url}/explanations", json={key: "Explained." for key in ITEMS}, headers=editor
            )
        )
        assert_problem(client.get(url, headers=bearer(world.tokens["outsider"])), 404)
        submitted = ok(client.post(f"{url}/submit", headers=editor))
        assert submitted["status"] == "submitted" and submitted["signer_did"].startswith("did:key:")
        assert ok(client.get(url, headers=bearer(world.tokens["outsider"])))["id"] == report_id


def _signed_in(client: TestClient, who: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": f"{who}@example.com",
            "password": "a-long-password",
            "csrf_token": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_the_adopter_explains_and_submits_on_its_pages(
    world: World, database_url: str, tmp_path: Path
) -> None:
    built, report_id = _drafted(world)
    page_path = f"/reports/{report_id}"
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        _signed_in(client, "editor")
        tab = client.get(f"/scopes/{built.scope}/reports")
        assert tab.status_code == 200 and page_path in tab.text
        japanese = client.get(page_path, headers={"Accept-Language": "ja"})
        assert japanese.status_code == 200 and "署名して提出" in japanese.text
        page = client.get(page_path)
        assert 'name="item-overview"' in page.text and "2026-05-08" in page.text
        token = csrf_of(page)
        refused = client.post(f"{page_path}/submit", data={"csrf_token": token})
        assert refused.status_code == 422 and "Nothing was saved." in refused.text
        texts = {f"item-{key}": f"On {key}." for key in ITEMS}
        saved = client.post(
            f"{page_path}/explanations", data={**texts, "csrf_token": token}, follow_redirects=False
        )
        assert saved.status_code == 303
        done = client.post(
            f"{page_path}/submit", data={"csrf_token": token}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "did:key:" in client.get(page_path).text
    with make_client(database_url) as regulator:
        _signed_in(regulator, "outsider")
        page = regulator.get(f"/requirements/{built.requirement.id}")
        assert page.status_code == 200 and "Candidate screening model" in page.text
        assert page_path in page.text, "the regulator opens a submitted report"
