"""Risk-information reporting: public channels, confidential risk reports."""

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import (
    create_organization,
    create_user,
    issue_token,
    principal_for_user,
)
from agilegov.regulation.aggregates import Filed, aggregate
from api_helpers import (
    API,
    PASSWORD,
    World,
    assert_problem,
    assert_unchanged,
    ok,
    snapshot,
    world_from_fixture,
)
from web_helpers import field_error, post_form, sign_in

SECRET = "the model disclosed a synthesis route when asked in Base64"


@pytest.fixture
def api(database_url: str, engine: Engine, world: Any) -> World:
    """The cast, with a second business ("rival", owned by a person of that name)."""
    built = world_from_fixture(database_url, engine, world)
    rival = create_user(
        world.uow, UserCreate(email="rival@example.com", name="Rival", password=PASSWORD)
    )
    with world.uow:
        person = principal_for_user(world.uow.session, rival.id)
    organization = create_organization(
        world.uow, person, OrganizationCreate(slug="rival", name="Rival Inc", kind="business")
    )
    with world.uow:
        person = principal_for_user(world.uow.session, rival.id)
    built.tokens["rival"] = issue_token(world.uow, person, "tests").token
    built.user_ids["rival"] = rival.id
    built.scopes["rival_org"] = {"id": organization.id}
    return built


def ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def open_channel(api: World, hours: int = 24) -> dict[str, Any]:
    # The regulator's owner is the cast's "outsider".
    body = {
        "organization_id": api.regulator_id,
        "title": "Serious AI incidents",
        "what": "Incidents where a model caused or nearly caused serious harm.",
        "who": "Developers and providers of foundation models.",
        "hours_to_report": hours,
    }
    return ok(
        api.client.post(f"{API}/reporting-channels", json=body, headers=api.auth("outsider")), 201
    )


def report_body(api: World, **fields: Any) -> dict[str, Any]:
    return {
        "organization_id": api.business_id,
        "title": "Jailbreak found",
        "description": SECRET,
        "severity": "high",
        "became_aware_at": ago(1),
        **fields,
    }


def file(api: World, channel_id: int, who: str = "editor", **fields: Any) -> Any:
    return api.client.post(
        f"{API}/reporting-channels/{channel_id}/reports",
        json=report_body(api, **fields),
        headers=api.auth(who),
    )


def test_a_channel_is_public_and_its_owner_closes_it(api: World) -> None:
    channel = open_channel(api)
    listed = ok(api.client.get(f"{API}/reporting-channels"))
    assert [c["id"] for c in listed["items"]] == [channel["id"]]
    assert ok(api.client.get(f"{API}/reporting-channels/{channel['id']}"))["hours_to_report"] == 24
    page = api.client.get(f"/reporting-channels/{channel['id']}")
    assert page.status_code == 200 and "Within 24 hours of becoming aware" in page.text
    assert "Serious AI incidents" in api.client.get("/reporting-channels").text
    assert "報告" in api.client.get("/reporting-channels", headers={"Accept-Language": "ja"}).text
    # Only its organization's editors close it.
    assert_problem(
        api.client.post(
            f"{API}/reporting-channels/{channel['id']}/close", headers=api.auth("owner")
        ),
        403,
    )
    closed = ok(
        api.client.post(
            f"{API}/reporting-channels/{channel['id']}/close", headers=api.auth("outsider")
        )
    )
    assert closed["status"] == "closed"
    before = snapshot(api.engine)
    assert_problem(file(api, channel["id"]), 409)
    assert_unchanged(before, api.engine)


def test_wrong_kind_or_role_is_refused_storing_nothing(api: World) -> None:
    channel = open_channel(api)
    before = snapshot(api.engine)
    # A business opens no channel; a government files no report.
    as_business = {"organization_id": api.business_id, "title": "x", "what": "x", "who": "x"}
    assert_problem(
        api.client.post(
            f"{API}/reporting-channels",
            json={**as_business, "hours_to_report": 24},
            headers=api.auth("owner"),
        ),
        422,
        "organization_id",
    )
    assert_problem(
        file(api, channel["id"], who="outsider", organization_id=api.regulator_id),
        422,
        "organization_id",
    )
    # A viewer of the business, or someone of another organization, files nothing for it.
    assert_problem(file(api, channel["id"], who="viewer"), 403)
    assert_problem(file(api, channel["id"], who="rival"), 403)
    assert_problem(file(api, channel["id"], who=None), 401)
    assert_unchanged(before, api.engine)


@pytest.mark.parametrize(
    ("field", "value"),
    [("became_aware_at", "FUTURE"), ("severity", "catastrophic"), ("description", "")],
)
def test_bad_reports_are_refused_naming_the_field(api: World, field: str, value: Any) -> None:
    channel = open_channel(api)
    before = snapshot(api.engine)
    if value == "FUTURE":
        value = ago(-2)
    assert_problem(file(api, channel["id"], **{field: value}), 422, field)
    assert_unchanged(before, api.engine)


@pytest.mark.parametrize("hours", [0, 721, "soon"])
def test_hours_to_report_out_of_range_are_refused(api: World, hours: Any) -> None:
    before = snapshot(api.engine)
    body = {
        "organization_id": api.regulator_id,
        "title": "Channel",
        "what": "x",
        "who": "y",
        "hours_to_report": hours,
    }
    response = api.client.post(f"{API}/reporting-channels", json=body, headers=api.auth("outsider"))
    assert_problem(response, 422, "hours_to_report")
    assert_unchanged(before, api.engine)


def test_a_report_filed_after_the_hours_is_late(api: World) -> None:
    channel = open_channel(api, hours=24)
    on_time = ok(file(api, channel["id"], became_aware_at=ago(23)), 201)
    late = ok(file(api, channel["id"], became_aware_at=ago(25)), 201)
    assert (on_time["late"], late["late"]) == (False, True)
    path = f"{API}/reporting-channels/{channel['id']}/reports"
    only_late = ok(api.client.get(path, params={"late": "true"}, headers=api.auth("outsider")))
    assert [r["id"] for r in only_late["items"]] == [late["id"]]
    counts = ok(
        api.client.get(
            f"{API}/reporting-channels/{channel['id']}/aggregates", headers=api.auth("outsider")
        )
    )
    assert counts["total"] == 2 and counts["late"] == 1 and counts["late_share"] == 0.5
    assert counts["by_severity"]["high"] == 2
    assert counts["by_organization"] == {str(api.business_id): 2}


def test_a_risk_report_is_read_only_by_the_two_organizations(api: World) -> None:
    channel = open_channel(api)
    report = ok(file(api, channel["id"]), 201)
    ok(file(api, channel["id"], who="rival", organization_id=api.scopes["rival_org"]["id"]), 201)
    path = f"{API}/risk-reports/{report['id']}"
    # The filing business (any member) and the channel's organization read it.
    assert ok(api.client.get(path, headers=api.auth("viewer")))["description"] == SECRET
    assert ok(api.client.get(path, headers=api.auth("outsider")))["description"] == SECRET
    # Another business and the public are told it does not exist.
    for who in ("rival", None):
        assert_problem(api.client.get(path, headers=api.auth(who)), 404)
        assert (
            api.client.get(f"/risk-reports/{report['id']}", headers=api.auth(who)).status_code
            == 404
        )
    # Lists: the channel's organization sees both; each business only its own.
    listing = f"{API}/reporting-channels/{channel['id']}/reports"

    def titles(who: str | None, path: str = listing) -> list[int]:
        return [
            r["organization_id"] for r in ok(api.client.get(path, headers=api.auth(who)))["items"]
        ]

    rival_id = api.scopes["rival_org"]["id"]
    assert sorted(titles("outsider")) == sorted([api.business_id, rival_id])
    assert titles("rival") == [rival_id]
    assert titles("rival", f"{API}/risk-reports") == [rival_id]
    assert titles(None) == []
    # The aggregates are the channel's organization's alone.
    aggregates = f"{API}/reporting-channels/{channel['id']}/aggregates"
    assert_problem(api.client.get(aggregates, headers=api.auth("rival")), 403)
    # The record holds a commitment: no outsider reads the event.
    with api.engine.connect() as connection:
        index = (
            connection.execute(
                text("SELECT leaf_index FROM events WHERE type = 'risk_report.filed' ORDER BY id")
            )
            .scalars()
            .first()
        )
        notices = connection.execute(text("SELECT * FROM notifications")).all()
    for who in ("rival", None):
        entry = ok(api.client.get(f"{API}/record/entries/{index}", headers=api.auth(who)))
        assert entry["event"] is None and entry["payload_salt"] is None
        assert SECRET.encode() not in base64.b64decode(entry["leaf"])
    own = ok(api.client.get(f"{API}/record/entries/{index}", headers=api.auth("editor")))
    assert own["event"]["payload"]["description"] == SECRET
    # The channel's owners were told of it, without its description.
    assert notices and all(SECRET not in repr(row) for row in notices)
    assert any("Jailbreak found" in repr(row) for row in notices)


def test_pages_file_and_show_reports(api: World) -> None:
    channel = open_channel(api, hours=48)
    editor = sign_in(api, "editor")
    form = f"/reporting-channels/{channel['id']}/reports/new"
    action = f"/reporting-channels/{channel['id']}/reports"
    data = {
        "organization_id": str(api.business_id),
        "title": "Bias found",
        "description": SECRET,
        "severity": "medium",
        "became_aware_at": (datetime.now(UTC) - timedelta(hours=50)).strftime("%Y-%m-%dT%H:%M"),
    }
    refused = post_form(editor, form, action, {**data, "severity": "dire"})
    assert refused.status_code == 422 and field_error(refused, "severity")
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = post_form(editor, form, action, {**data, "became_aware_at": future})
    assert refused.status_code == 422 and field_error(refused, "became_aware_at")
    filed = post_form(editor, form, action, data)
    assert filed.status_code == 303
    report_page = editor.get(filed.headers["location"])
    assert SECRET in report_page.text and "late" in report_page.text
    regulator = sign_in(api, "outsider")
    received = regulator.get(f"/reporting-channels/{channel['id']}/reports")
    assert "Bias found" in received.text and "At a glance" in received.text
    japanese = regulator.get(
        f"/reporting-channels/{channel['id']}/reports", headers={"Accept-Language": "ja"}
    )
    assert japanese.status_code == 200 and "Bias found" in japanese.text
    rival = sign_in(api, "rival")
    assert "Bias found" not in rival.get(f"/reporting-channels/{channel['id']}/reports").text
    assert rival.get(filed.headers["location"]).status_code == 404


def test_pages_open_a_channel(api: World) -> None:
    regulator = sign_in(api, "outsider")
    data = {
        "organization_id": str(api.regulator_id),
        "title": "Model vulnerabilities",
        "what": "Vulnerabilities found in deployed models.",
        "who": "Providers",
        "hours_to_report": "721",
    }
    refused = post_form(regulator, "/reporting-channels/new", "/reporting-channels", data)
    assert refused.status_code == 422 and field_error(refused, "hours_to_report")
    opened = post_form(
        regulator,
        "/reporting-channels/new",
        "/reporting-channels",
        {**data, "hours_to_report": "72"},
    )
    assert opened.status_code == 303
    assert "Model vulnerabilities" in regulator.get(opened.headers["location"]).text


# ---------------------------------------------------------------- aggregates, alone

MAY = datetime(2026, 5, 3, tzinfo=UTC)
JUNE = datetime(2026, 6, 30, 23, 59, tzinfo=UTC)


def test_aggregates_count_per_severity_organization_and_month() -> None:
    counts = aggregate(
        [
            Filed("high", 2, MAY, late=True),
            Filed("low", 3, JUNE, late=False),
            Filed("high", 2, JUNE, late=False),
            Filed("critical", 3, JUNE, late=True),
        ]
    )
    assert counts.total == 4
    assert counts.by_severity == {"low": 1, "medium": 0, "high": 2, "critical": 1}
    assert counts.by_organization == {2: 2, 3: 2}
    assert counts.by_month == {"2026-05": 1, "2026-06": 3}
    assert (counts.late, counts.late_share) == (2, 0.5)


def test_aggregates_of_no_reports_have_no_late_share() -> None:
    counts = aggregate([])
    assert counts.total == 0 and counts.late_share is None
    assert set(counts.by_severity.values()) == {0} and counts.by_month == {}
