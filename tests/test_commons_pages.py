"""The commons part's incident pages, on SQLite and PostgreSQL: an incident
recorded through the form is foreseeable with a risk linked (an inner-loop
trigger) and unforeseeable without (outer loop); bad input is refused next to
its field and stores nothing, as is a form without its token; a stranger
finds no incident; the owner moves it along its path through the page's
forms; sharing refuses text that names the organization, then shares; a
regulator sets its clocks, and sanctions a refusal to cooperate once asked to
confirm; and the tab reads in Japanese. The pure helpers
are tested alone."""

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from agilegov import clock
from agilegov.analysis.service import RISK
from agilegov.commons import service
from agilegov.commons.pages import allowed_moves, facts_of, renamed_problems
from agilegov.commons.path import Branch, Party, Status
from agilegov.commons.schemas import IncidentRead, PledgeItemRead
from agilegov.commons.vocabulary import IncidentKind
from agilegov.cycle.models import Trigger
from agilegov.organizations.service import organization_names
from agilegov.regulation.channels import open_channel
from agilegov.regulation.schemas import ReportingChannelCreate
from api_helpers import World, assert_unchanged, snapshot, world_from_fixture
from builders import World as Cast
from builders import add, measure, new_scope
from web_helpers import field_error, post_form, sign_in

NOW = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)
INCIDENT = {
    "kind": "incident",
    "title": "Shortlist dropped older applicants",
    "description": "The ranking model scored applicants over 50 far below the others for a week.",
    "occurred_on": "2027-01-20",
    "discovered_on": "2027-01-25",
    "techniques": "AML.T0051",
    "systems": "Candidate ranker | ranking",
    "harm_1_type": "fairness",
    "harm_1_severity": "serious",
    "harm_1_affected": "applicants",
    "harm_1_count": "120",
}
ID = re.compile(r"/incidents/(\d+)$")


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> tuple[World, Cast, int]:
    """Pages of the cast's app, and a published scope of the business."""
    scope_id = new_scope(world.uow, world.owner, world.business_id, visibility="public")
    return world_from_fixture(database_url, engine, world), world, scope_id


@pytest.fixture(autouse=True)
def monday() -> Any:
    with clock.frozen_at(NOW):
        yield


def _risk(cast: Cast, scope_id: int) -> Any:
    values = {
        "title": "Biased shortlist",
        "inherent_likelihood": 4,
        "inherent_severity": 5,
        "residual_likelihood": 2,
        "residual_severity": 3,
        "treatment": "mitigate",
    }
    return add(cast.uow, cast.editor, scope_id, RISK, **values)


def _record(client: TestClient, scope_id: int, **changes: Any) -> Response:
    return post_form(
        client,
        f"/scopes/{scope_id}/incidents/new",
        f"/scopes/{scope_id}/incidents",
        {**INCIDENT, **changes},
    )


def _recorded(client: TestClient, scope_id: int, **changes: Any) -> int:
    done = _record(client, scope_id, **changes)
    assert done.status_code == 303, done.text
    found = ID.search(done.headers["location"])
    assert found, done.headers["location"]
    return int(found.group(1))


def _loop(pages: World, incident_id: int) -> str:
    with pages.engine.connect() as connection:
        return connection.execute(
            select(Trigger.loop).where(
                Trigger.subject_type == "incident", Trigger.subject_id == incident_id
            )
        ).scalar_one()


# ---------------------------------------------------------------- recording


def test_a_risk_linked_makes_it_foreseeable_and_none_unforeseeable(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    risk = _risk(cast, scope_id)
    editor = sign_in(pages, "editor")
    form = editor.get(f"/scopes/{scope_id}/incidents/new")
    assert form.status_code == 200 and "Biased shortlist" in form.text
    assert "is what makes an incident foreseeable" in form.text

    foreseen = _recorded(editor, scope_id, risk_ids=str(risk.id))
    page = editor.get(f"/incidents/{foreseen}")
    assert page.status_code == 200, page.text
    assert "Foreseeable: its risk was in the register" in page.text
    assert "Biased shortlist" in page.text and "Candidate ranker" in page.text
    assert _loop(pages, foreseen) == "inner"
    # Those affected are owed information within 14 days of discovery.
    assert "2027-02-08" in page.text and 'href="/record?index=' in page.text

    unforeseen = _recorded(editor, scope_id)
    page = editor.get(f"/incidents/{unforeseen}")
    assert "Unforeseeable" in page.text
    assert _loop(pages, unforeseen) == "outer"
    read = service.get_incident(cast.uow, cast.editor, unforeseen)
    assert read.branch is Branch.unforeseeable and read.systems == [
        {"name": "Candidate ranker", "kind": "ranking"}
    ]
    assert read.harms[0]["count"] == 120

    tab = editor.get(f"/scopes/{scope_id}/incidents")
    assert tab.status_code == 200
    assert (
        f'href="/incidents/{foreseen}"' in tab.text
        and f'href="/incidents/{unforeseen}"' in tab.text
    )
    assert f"/scopes/{scope_id}/incidents/new" in tab.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"description": ""}, "description"),
        ({"kind": "disaster"}, "kind"),
        ({"discovered_on": "2027-01-01"}, "discovered_on"),
        ({"discovered_on": "2099-01-01", "occurred_on": "2099-01-01"}, "discovered_on"),
        ({"techniques": "T0051"}, "techniques"),
        ({"systems": "Candidate ranker"}, "systems"),
        ({"systems": "Candidate ranker | Ranking Model"}, "systems"),
        ({"harm_1_severity": ""}, "harm_1_severity"),
        ({"harm_1_count": "-1"}, "harm_1_count"),
        ({"risk_ids": "999999"}, "risk_ids"),
        ({"channel_id": "999999"}, "channel_id"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
    site: tuple[World, Cast, int], changes: dict[str, str], field: str
) -> None:
    pages, _, scope_id = site
    editor = sign_in(pages, "editor")
    before = snapshot(pages.engine)
    refused = _record(editor, scope_id, **changes)
    assert refused.status_code == 422, refused.text
    assert field_error(refused, field), refused.text
    assert "Nothing was saved" in refused.text
    assert_unchanged(before, pages.engine)


def test_a_form_without_its_token_is_refused(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    editor = sign_in(pages, "editor")
    editor.get(f"/scopes/{scope_id}/incidents/new")
    before = snapshot(pages.engine)
    refused = editor.post(
        f"/scopes/{scope_id}/incidents",
        data={**INCIDENT, "csrf_token": "not-the-token"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert_unchanged(before, pages.engine)


def test_strangers_see_nothing_of_an_incident(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    incident_id = _recorded(sign_in(pages, "editor"), scope_id)
    # The regulator's owner: nobody at the business, and not reported to yet.
    stranger = sign_in(pages, "outsider")
    assert stranger.get(f"/incidents/{incident_id}").status_code == 404
    assert stranger.get(f"/incidents/{incident_id}/share").status_code == 404
    assert stranger.get(f"/scopes/{scope_id}/incidents/new").status_code == 404
    tab = stranger.get(f"/scopes/{scope_id}/incidents")
    assert tab.status_code == 200
    assert INCIDENT["title"] not in tab.text and f"/incidents/{incident_id}" not in tab.text
    assert "seen only by the organization it happened to" in tab.text
    before = snapshot(pages.engine)
    moved = post_form(
        stranger, f"/scopes/{scope_id}/incidents", f"/incidents/{incident_id}/note", {"note": "x"}
    )
    assert moved.status_code == 404
    assert_unchanged(before, pages.engine)
    # A viewer of the business reads it but is offered no move.
    viewer = sign_in(pages, "viewer")
    page = viewer.get(f"/incidents/{incident_id}")
    assert page.status_code == 200 and "What you can do now" not in page.text


# ---------------------------------------------------------------- moving it


def test_the_owner_cooperates_and_pledges_through_the_page(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    audit = measure(cast.uow, cast.editor, scope_id, title="Age-parity audit")
    editor = sign_in(pages, "editor")
    incident_id = _recorded(editor, scope_id)
    page = f"/incidents/{incident_id}"
    shown = editor.get(page)
    assert f"{page}/cooperation" in shown.text and f"{page}/pledge" not in shown.text
    assert f"{page}/compensation-offer" not in shown.text

    done = post_form(editor, page, f"{page}/cooperation", {"note": "All logs handed over."})
    assert done.status_code == 303 and done.headers["location"] == page
    shown = editor.get(page)
    assert "All logs handed over." in shown.text and f"{page}/pledge" in shown.text
    assert service.get_incident(cast.uow, cast.editor, incident_id).status is Status.investigating

    before = snapshot(pages.engine)
    pledge = {
        "note": "We audit age parity every release.",
        "item_1_measure_id": str(audit.id),
        "item_1_change": "Run the audit on every release.",
        "item_1_due_on": "2027-01-31",
    }
    refused = post_form(editor, page, f"{page}/pledge", pledge)
    assert refused.status_code == 422 and field_error(refused, "item_1_due_on"), refused.text
    assert_unchanged(before, pages.engine)
    half = post_form(
        editor, page, f"{page}/pledge", {**pledge, "item_1_due_on": "", "item_2_change": ""}
    )
    assert half.status_code == 422 and field_error(half, "item_1_due_on")

    done = post_form(editor, page, f"{page}/pledge", {**pledge, "item_1_due_on": "2027-03-31"})
    assert done.status_code == 303, done.text
    read = service.get_incident(cast.uow, cast.editor, incident_id)
    assert read.status is Status.pledged and read.pledge[0].measure_id == audit.id
    shown = editor.get(page)
    assert "Run the audit on every release." in shown.text and "Age-parity audit" in shown.text
    # Pledged, the next move is the regulator's: the owner is offered none of it.
    assert f"{page}/deferral" not in shown.text


def test_a_regulator_sets_its_clocks_and_the_reports_fall_due(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    channel = open_channel(
        cast.uow,
        cast.outsider,
        ReportingChannelCreate(
            organization_id=cast.regulator_id,
            title="Serious AI incidents",
            what="Serious incidents of AI systems.",
            who="Providers of AI systems.",
            hours_to_report=72,
        ),
    )
    rule_page = f"/reporting-channels/{channel.id}/incident-rule"
    regulator = sign_in(pages, "outsider")
    preset = regulator.get(f"{rule_page}?preset=eu-ai-act-73")
    assert preset.status_code == 200 and "EU AI Act Art. 73(4)" in preset.text
    values = {
        "name": "EU AI Act Article 73",
        "clause_1_name": "EU AI Act Art. 73(2)",
        "clause_1_applies_when": "any",
        "clause_1_initial_days": "15",
        "clause_1_complete_days": "30",
        "clause_2_name": "EU AI Act Art. 73(3)",
        "clause_2_applies_when": "widespread",
        "clause_2_initial_days": "2",
        "clause_2_complete_days": "30",
    }
    before = snapshot(pages.engine)
    refused = post_form(regulator, rule_page, rule_page, {**values, "clause_2_complete_days": "1"})
    assert refused.status_code == 422 and field_error(refused, "clause_2_complete_days")
    assert_unchanged(before, pages.engine)
    assert post_form(regulator, rule_page, rule_page, values).status_code == 303
    # The business's editor sees the clocks, without the form.
    editor = sign_in(pages, "editor")
    seen = editor.get(rule_page)
    assert "EU AI Act Art. 73(3)" in seen.text and "Save the clocks" not in seen.text

    incident_id = _recorded(editor, scope_id, widespread="true", channel_id=str(channel.id))
    page = editor.get(f"/incidents/{incident_id}")
    # Widespread, discovered 2027-01-25: the initial report within 2 days is overdue.
    assert "EU AI Act Art. 73(3)" in page.text and "2027-01-27" in page.text
    assert f"/incidents/{incident_id}/initial-report" in page.text
    filed = post_form(
        editor,
        f"/incidents/{incident_id}",
        f"/incidents/{incident_id}/initial-report",
        {"description": "What we know so far."},
    )
    assert filed.status_code == 303
    read = service.get_incident(cast.uow, cast.editor, incident_id)
    assert read.regulator_informed_on is not None
    assert [(r.kind, r.late) for r in read.reports if r.filed_at] == [("initial", True)]
    # The regulator reads it now, and sanctions a refusal to cooperate, naming its consequence.
    page = f"/incidents/{incident_id}"
    seen = regulator.get(page)
    assert seen.status_code == 200 and f"{page}/non-cooperation" in seen.text
    assert f"{page}/cooperation" not in seen.text
    before = snapshot(pages.engine)
    sanction = {"note": "No logs after three requests.", "party": "regulator", "confirmed": "yes"}
    refused = post_form(regulator, page, f"{page}/non-cooperation", sanction)
    assert refused.status_code == 422 and field_error(refused, "consequence")
    assert_unchanged(before, pages.engine)
    asked = post_form(
        regulator,
        page,
        f"{page}/non-cooperation",
        {**sanction, "confirmed": "", "consequence": "public_notice"},
    )
    assert asked.status_code == 200 and "It cannot be taken back" in asked.text
    assert_unchanged(before, pages.engine)
    done = post_form(
        regulator, page, f"{page}/non-cooperation", {**sanction, "consequence": "public_notice"}
    )
    assert done.status_code == 303, done.text
    read = service.get_incident(cast.uow, cast.editor, incident_id)
    assert read.status is Status.sanctioned and read.consequence == "public_notice"
    assert "Sanctioned: no cooperation" in editor.get(page).text


# ---------------------------------------------------------------- sharing


def test_sharing_refuses_text_naming_the_organization_then_shares(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    owner = sign_in(pages, "owner")
    incident_id = _recorded(owner, scope_id)
    with cast.uow:
        name = organization_names(cast.uow.session, [cast.business_id])[cast.business_id]
    share = f"/incidents/{incident_id}/share"
    proposal = owner.get(share)
    assert proposal.status_code == 200, proposal.text
    assert "2027-01" in proposal.text and "AML.T0051" in proposal.text
    before = snapshot(pages.engine)
    refused = post_form(
        owner, share, share, {"title": f"{name} shortlist bias", "description": "Age bias."}
    )
    assert refused.status_code == 422 and name in field_error(refused, "title"), refused.text
    assert_unchanged(before, pages.engine)
    done = post_form(
        owner, share, share, {"title": "Ranking model shortlist bias", "description": "Age bias."}
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/commons/")
    shown = owner.get(f"/incidents/{incident_id}")
    assert f'href="{done.headers["location"]}"' in shown.text


# ---------------------------------------------------------------- the tab


def test_the_tab_subscribes_and_reads_in_japanese(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    editor = sign_in(pages, "editor")
    tab = f"/scopes/{scope_id}/incidents"
    values = {
        "system_kinds": "ranking",
        "harm_types": ["fairness"],
        "threshold": "0.3",
        "active": "true",
    }
    before = snapshot(pages.engine)
    refused = post_form(editor, tab, f"{tab}/subscription", {**values, "threshold": "2"})
    assert refused.status_code == 422 and field_error(refused, "threshold"), refused.text[-3000:]
    assert_unchanged(before, pages.engine)
    assert post_form(editor, tab, f"{tab}/subscription", values).status_code == 303
    subscription = service.get_subscription(cast.uow, cast.editor, scope_id)
    assert subscription is not None and subscription.harm_types == ["fairness"]

    japanese = {"Accept-Language": "ja"}
    shown = editor.get(tab, headers=japanese)
    assert "インシデント" in shown.text and "Record an incident" not in shown.text
    form = editor.get(f"{tab}/new", headers=japanese)
    assert "インシデント" in form.text and "Record the incident" not in form.text


# ---------------------------------------------------------------- pure helpers


def _read(status: Status, branch: Branch, **fields: Any) -> IncidentRead:
    values: dict[str, Any] = {
        "id": 1,
        "scope_id": 1,
        "organization_id": 1,
        "kind": IncidentKind.incident,
        "title": "t",
        "occurred_on": date(2027, 1, 1),
        "discovered_on": date(2027, 1, 2),
        "branch": branch,
        "status": status,
        "due_on": None,
        "created_at": NOW,
        "description": "d",
        "harms": [{"type": "fairness", "severity": "minor", "affected": "", "count": 0}],
        "systems": [],
        "techniques": [],
        "critical_infrastructure": False,
        "widespread": False,
        "risk_ids": [],
        "foreseeable": branch is Branch.foreseeable,
        "affected_informed_on": None,
        "regulator_informed_on": None,
        "channel_id": None,
        "trigger_id": None,
        "consequence": None,
        "shared_incident_id": None,
        "steps": [],
        "pledge": [],
        "reports": [],
    }
    return IncidentRead.model_validate(values | fields)


@pytest.mark.parametrize(
    ("status", "branch", "acting", "moves"),
    [
        (
            Status.open,
            Branch.unforeseeable,
            [Party.owner],
            ["inform-affected", "channel", "cooperation", "note"],
        ),
        (
            Status.open,
            Branch.foreseeable,
            [Party.owner],
            ["inform-affected", "channel", "compensation-offer", "note"],
        ),
        (
            Status.investigating,
            Branch.unforeseeable,
            [Party.owner],
            ["inform-affected", "channel", "pledge", "note"],
        ),
        (
            Status.pledged,
            Branch.unforeseeable,
            [Party.regulator],
            ["deferral", "non-cooperation", "note"],
        ),
        (Status.compensated, Branch.foreseeable, [Party.owner], []),
        (Status.open, Branch.unforeseeable, [], []),
    ],
)
def test_the_moves_offered(
    status: Status, branch: Branch, acting: list[Party], moves: list[str]
) -> None:
    incident = _read(status, branch)
    found = allowed_moves(incident, acting, facts_of(incident, date(2027, 2, 1)))
    assert [move.path for move, _ in found] == moves


def test_a_pledge_item_past_due_counts_overdue() -> None:
    item = PledgeItemRead(
        id=1,
        measure_id=1,
        change="c",
        due_on=date(2027, 1, 31),
        pledged_version=1,
        done_version=None,
        done_on=None,
    )
    incident = _read(Status.pledged, Branch.unforeseeable, pledge=[item])
    assert facts_of(incident, date(2027, 1, 31)).pledge_items_overdue == 0
    assert facts_of(incident, date(2027, 2, 1)).pledge_items_overdue == 1
    found = allowed_moves(incident, [Party.regulator], facts_of(incident, date(2027, 2, 1)))
    assert "broken-pledge" in [move.path for move, _ in found]


@pytest.mark.parametrize(
    ("problems", "shown"),
    [
        ({"items[1].due_on": "late"}, {"item_2_due_on": "late"}),
        ({"risk_ids[0]": "no risk"}, {"risk_ids": "no risk"}),
        ({"title": "required"}, {"title": "required"}),
        ({"": "conflict"}, {"": "conflict"}),
    ],
)
def test_a_services_problems_are_shown_next_to_the_rows(
    problems: dict[str, str], shown: dict[str, str]
) -> None:
    assert renamed_problems(problems, {"items": "item"}) == shown
