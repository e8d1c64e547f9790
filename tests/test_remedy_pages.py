"""The remedy part's pages, on SQLite and PostgreSQL: a complaint filed through
the form without an account is followed by its secret link and acknowledged
by the provider through its form; bad input is refused next to its field and
stores nothing, as is a form without its token; a stranger finds no
complaint; the scope's tab shows figures with small cells hidden; and the
pages read in Japanese. The pure helpers are tested alone."""

import hashlib
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from agilegov import clock
from agilegov.auth import ANONYMOUS
from agilegov.design.service import MEASURE
from agilegov.remedy import service
from agilegov.remedy.ladder import Party, Status
from agilegov.remedy.pages import (
    about_value,
    allowed_moves,
    field_problems,
    fiscal_year,
    period_of,
    rung_of,
)
from agilegov.remedy.schemas import Answer, Assessment, ComplaintCreate, Note
from api_helpers import World, assert_unchanged, snapshot, world_from_fixture
from builders import World as Cast
from builders import add, new_scope
from web_helpers import browser, csrf_of, field_error, post_form, sign_in

# A Monday in Japan, with no holiday near.
MONDAY = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)
COMPLAINT = {
    "category": "decision",
    "what_happened": "My application was rejected by the screening model within a minute.",
    "happened_on": "2027-01-28",
    "remedy_sought": "A human review of my application.",
    "complainant_name": "Hanako Yamada",
    "contact_preference": "platform",
    "contact": "",
    "about": "",
}
FOLLOW = re.compile(r'href="(/complaints/follow/agr_[A-Za-z0-9_-]+)"')


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> tuple[World, Cast, int]:
    """Pages of the cast's app, and a published scope of the business."""
    scope_id = new_scope(world.uow, world.owner, world.business_id, visibility="public")
    return world_from_fixture(database_url, engine, world), world, scope_id


@pytest.fixture(autouse=True)
def monday() -> Any:
    with clock.frozen_at(MONDAY):
        yield


def _file(client: TestClient, scope_id: int, **changes: Any) -> Response:
    return post_form(
        client,
        f"/scopes/{scope_id}/complaints/new",
        f"/scopes/{scope_id}/complaints",
        {**COMPLAINT, **changes},
    )


def _file_anonymously(pages: World, scope_id: int) -> tuple[TestClient, str]:
    client = browser(pages)
    filed = _file(client, scope_id)
    assert filed.status_code == 201, filed.text
    found = FOLLOW.search(filed.text)
    assert found, filed.text
    return client, found.group(1)


# ---------------------------------------------------------------- filing and following


def test_filed_without_an_account_followed_by_its_link_and_acknowledged(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    form = browser(pages).get(f"/scopes/{scope_id}/complaints/new")
    assert form.status_code == 200 and "the only way to follow your complaint" in form.text
    client, follow = _file_anonymously(pages, scope_id)
    page = client.get(follow)
    assert page.status_code == 200, page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Complaint #" in page.text and "Filed" in page.text
    # Filed Monday 2027-02-01: acknowledged within 3 business days, by Thursday.
    assert "2027-02-04" in page.text
    assert "3 business days (3 days) left" in page.text
    assert 'href="/record?index=' in page.text
    # The complainant may withdraw or add a statement, not acknowledge.
    assert 'action="/complaints/' in page.text and "/acknowledge" not in page.text
    complaint_id = int(re.search(r"Complaint #(\d+)", page.text).group(1))  # type: ignore[union-attr]

    provider = sign_in(pages, "editor")
    seen = provider.get(f"/complaints/{complaint_id}")
    assert seen.status_code == 200 and f"/complaints/{complaint_id}/acknowledge" in seen.text
    assert "Hanako Yamada" in seen.text
    done = post_form(
        provider,
        f"/complaints/{complaint_id}",
        f"/complaints/{complaint_id}/acknowledge",
        {"note": "We are looking into it."},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/complaints/{complaint_id}"
    followed = client.get(follow)
    assert "Acknowledged" in followed.text and "We are looking into it." in followed.text
    # Now the answer's deadline runs: 20 business days from filing, past two
    # holidays (National Foundation Day, the Emperor's Birthday).
    assert "2027-03-03" in followed.text

    # The secret holder's forms carry the secret; their statement is the complainant's.
    said = post_form(
        client,
        follow,
        f"/complaints/{complaint_id}/statements",
        {"text": "I can send the rejection e-mail.", "secret": follow.rsplit("/", 1)[1]},
    )
    assert said.status_code == 303 and said.headers["location"] == follow
    assert said.headers["Referrer-Policy"] == "no-referrer"
    read = service.get_complaint(
        cast.uow, service.Caller(ANONYMOUS, follow.rsplit("/", 1)[1]), complaint_id
    )
    assert [(s.action, s.party) for s in read.steps][-1] == ("statement", Party.complainant)


def test_a_signed_in_complainant_is_taken_to_the_complaint(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    client = sign_in(pages, "outsider")
    filed = _file(client, scope_id, category="privacy")
    assert filed.status_code == 303
    page = client.get(filed.headers["location"])
    assert page.status_code == 200 and "Privacy" in page.text
    assert "agr_" not in page.text
    listed = client.get("/complaints")
    assert listed.status_code == 200 and filed.headers["location"] in listed.text


def test_what_it_is_about_is_offered_from_the_scope(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    measure = add(cast.uow, cast.owner, scope_id, MEASURE, kind="technology", title="Bias audit")
    client = browser(pages)
    form = client.get(f"/scopes/{scope_id}/complaints/new")
    assert f'value="measure:{measure.id}"' in form.text and "Bias audit" in form.text
    filed = _file(client, scope_id, about=f"measure:{measure.id}")
    assert filed.status_code == 201
    page = client.get(FOLLOW.search(filed.text).group(1))  # type: ignore[union-attr]
    assert "Measure: Bias audit" in page.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"what_happened": ""}, "what_happened"),
        ({"remedy_sought": "  "}, "remedy_sought"),
        ({"category": "anger"}, "category"),
        ({"contact_preference": "email", "contact": ""}, "contact"),
        ({"contact_preference": "email", "contact": "hanako"}, "contact"),
        ({"happened_on": "2099-01-01"}, "happened_on"),
        ({"about": "goal:999999"}, "about"),
        ({"about": "scope; drop"}, "about"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
    site: tuple[World, Cast, int], changes: dict[str, str], field: str
) -> None:
    pages, _, scope_id = site
    client = browser(pages)
    before = snapshot(pages.engine)
    refused = _file(client, scope_id, **changes)
    assert refused.status_code == 422, refused.text
    assert field_error(refused, field), refused.text
    assert "Nothing was saved" in refused.text
    assert_unchanged(before, pages.engine)


def test_a_form_without_its_token_is_refused(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    client = browser(pages)
    client.get(f"/scopes/{scope_id}/complaints/new")
    before = snapshot(pages.engine)
    refused = client.post(
        f"/scopes/{scope_id}/complaints",
        data={**COMPLAINT, "csrf_token": "not-the-token"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert_unchanged(before, pages.engine)


def test_a_private_scope_takes_no_complaint(site: tuple[World, Cast, int]) -> None:
    pages, cast, _ = site
    private = new_scope(cast.uow, cast.owner, cast.business_id, name="Internal")
    assert browser(pages).get(f"/scopes/{private}/complaints/new").status_code == 404


def test_a_stranger_finds_no_complaint(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    client, follow = _file_anonymously(pages, scope_id)
    complaint_id = int(re.search(r"Complaint #(\d+)", client.get(follow).text).group(1))  # type: ignore[union-attr]
    assert sign_in(pages, "outsider").get(f"/complaints/{complaint_id}").status_code == 404
    assert browser(pages).get(f"/complaints/{complaint_id}").status_code == 404
    assert browser(pages).get("/complaints/follow/agr_guessed").status_code == 404
    assert browser(pages).get(f"/complaints/{complaint_id}/bundle.json").status_code == 404
    # Nor may a stranger act on it.
    stranger = sign_in(pages, "outsider")
    before = snapshot(pages.engine)
    moved = post_form(stranger, "/complaints", f"/complaints/{complaint_id}/withdraw", {})
    assert moved.status_code == 404
    assert_unchanged(before, pages.engine)
    # Nobody outside the business sees it listed.
    assert f"/complaints/{complaint_id}" not in stranger.get("/complaints").text
    assert f"/complaints/{complaint_id}" in sign_in(pages, "viewer").get("/complaints").text


def test_a_viewer_of_the_provider_reads_but_makes_no_move(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    client, follow = _file_anonymously(pages, scope_id)
    complaint_id = int(re.search(r"Complaint #(\d+)", client.get(follow).text).group(1))  # type: ignore[union-attr]
    page = sign_in(pages, "viewer").get(f"/complaints/{complaint_id}")
    assert page.status_code == 200 and "/acknowledge" not in page.text


# ---------------------------------------------------------------- irreversible moves, documents


def test_withdrawing_is_asked_first(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    client, follow = _file_anonymously(pages, scope_id)
    secret = follow.rsplit("/", 1)[1]
    complaint_id = service.followed(cast.uow, secret)
    form = client.get(follow).text.split(f'action="/complaints/{complaint_id}/withdraw"', 1)
    assert "hx-confirm=" in form[1].split(">", 1)[0]
    asked = post_form(
        client, follow, f"/complaints/{complaint_id}/withdraw", {"note": "", "secret": secret}
    )
    assert asked.status_code == 200 and "Withdraw the complaint?" in asked.text
    assert f'name="secret" value="{secret}"' in asked.text
    token = csrf_of(asked)
    done = client.post(
        f"/complaints/{complaint_id}/withdraw",
        data={"note": "", "secret": secret, "confirmed": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Withdrawn" in client.get(follow).text


def test_a_document_is_kept_by_its_hash_only(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    client, follow = _file_anonymously(pages, scope_id)
    secret = follow.rsplit("/", 1)[1]
    complaint_id = service.followed(cast.uow, secret)
    content = b"Your application was not selected.\n"
    token = csrf_of(client.get(follow))
    given = client.post(
        f"/complaints/{complaint_id}/documents",
        data={"csrf_token": token, "secret": secret, "name": ""},
        files={"file": ("rejection.eml", content, "message/rfc822")},
        follow_redirects=False,
    )
    assert given.status_code == 303, given.text
    page = client.get(follow)
    assert hashlib.sha256(content).hexdigest() in page.text and "rejection.eml" in page.text
    # A typed hash that is not one is refused, and nothing is stored.
    before = snapshot(pages.engine)
    refused = client.post(
        f"/complaints/{complaint_id}/documents",
        data={"csrf_token": token, "secret": secret, "name": "x", "sha256": "abc", "size": "3"},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "SHA-256" in refused.text
    no_token = client.post(
        f"/complaints/{complaint_id}/documents",
        data={"secret": secret, "name": "x"},
        files={"file": ("a.txt", b"a", "text/plain")},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert_unchanged(before, pages.engine)
    bundle = client.get(f"{follow}/bundle.json")
    assert bundle.status_code == 200 and "attachment" in bundle.headers["content-disposition"]
    assert bundle.json()["subject"]["complaint"]["id"] == complaint_id


def test_an_adr_body_registers_and_refuses_only_on_its_grounds(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    # The outsider owns the regulator, no business: it may be an ADR body.
    adr_owner = sign_in(pages, "outsider")
    registered = post_form(
        adr_owner,
        "/adr-providers/new",
        "/adr-providers",
        {
            "organization_id": str(cast.regulator_id),
            "handles": "Disputes about automated decisions in hiring.",
            "fees": "Free for complainants.",
            "independence": "No ties to any provider.",
            "refusal_grounds": ["before_court", "out_of_scope"],
            "accept_business_days": "10",
            "close_business_days": "90",
        },
    )
    assert registered.status_code == 303, registered.text
    listed = browser(pages).get("/adr-providers")
    assert "Disputes about automated decisions in hiring." in listed.text
    # A business's owner is offered no organization to register.
    refused = post_form(
        sign_in(pages, "owner"),
        "/adr-providers/new",
        "/adr-providers",
        {
            "organization_id": str(cast.business_id),
            "handles": "x",
            "fees": "x",
            "independence": "x",
        },
    )
    assert refused.status_code == 422 and field_error(refused, "organization_id")

    # The provider's editor names the route on the scope's tab.
    terms = add(
        cast.uow,
        cast.owner,
        scope_id,
        MEASURE,
        kind="rule",
        rule_layer="provider_user",
        title="Terms of use",
    )
    adr_id = int(registered.headers["location"].rsplit("/", 1)[1])
    editor = sign_in(pages, "editor")
    named = post_form(
        editor,
        f"/scopes/{scope_id}/complaints",
        f"/scopes/{scope_id}/complaints/adr-route",
        {"measure_id": str(terms.id), "adr_provider_id": str(adr_id)},
    )
    assert named.status_code == 303, named.text
    bad = post_form(
        editor,
        f"/scopes/{scope_id}/complaints",
        f"/scopes/{scope_id}/complaints/adr-route",
        {"measure_id": "999999", "adr_provider_id": str(adr_id)},
    )
    assert bad.status_code == 422 and field_error(bad, "measure_id")

    # Filed, answered, escalated by the route: the body's refusal offers its grounds only.
    filed = service.file_complaint(
        cast.uow, cast.viewer, ComplaintCreate(scope_id=scope_id, **_create_fields())
    )
    complaint_id = filed.complaint.id
    provider = service.Caller(cast.editor)
    service.acknowledge(cast.uow, provider, complaint_id, Note())
    service.assess(cast.uow, provider, complaint_id, Assessment(severity="high", urgency="low"))
    service.answer(cast.uow, provider, complaint_id, Answer(decision="not_upheld", reason="Fair."))
    viewer = sign_in(pages, "viewer")
    offered = viewer.get(f"/complaints/{complaint_id}").text
    assert f'<option value="{adr_id}" selected>' in offered
    escalated = post_form(
        viewer,
        f"/complaints/{complaint_id}",
        f"/complaints/{complaint_id}/escalate",
        {"adr_provider_id": "", "note": "", "confirmed": "yes"},
    )
    assert escalated.status_code == 303, escalated.text
    page = adr_owner.get(f"/complaints/{complaint_id}")
    assert "/adr-refuse" in page.text
    assert 'value="before_court"' in page.text and 'value="provider_not_contacted"' not in page.text
    # The body accepts; a settlement before both sides were heard is refused at its field.
    where = f"/complaints/{complaint_id}"
    assert post_form(adr_owner, where, f"{where}/adr-accept", {"note": ""}).status_code == 303
    before = snapshot(pages.engine)
    closing = {"result": "settled", "text": "Both agree on a review.", "confirmed": "yes"}
    refused = post_form(adr_owner, where, f"{where}/adr-close", closing)
    assert refused.status_code == 422 and field_error(refused, "result")
    assert_unchanged(before, pages.engine)


def _create_fields() -> dict[str, Any]:
    return {
        "category": "decision",
        "what_happened": "Rejected.",
        "remedy_sought": "A review.",
    }


# ---------------------------------------------------------------- the scope's tab


def test_the_tab_shows_figures_with_small_cells_hidden(site: tuple[World, Cast, int]) -> None:
    pages, cast, scope_id = site
    # Two small cells, so neither can be worked out from the other shown ones.
    for category in ["decision"] * 5 + ["privacy"] * 2 + ["safety"]:
        service.file_complaint(
            cast.uow,
            ANONYMOUS,
            ComplaintCreate(scope_id=scope_id, **{**_create_fields(), "category": category}),
        )
    page = browser(pages).get(f"/scopes/{scope_id}/complaints")
    assert page.status_code == 200, page.text
    assert "2026-04-01" in page.text and "2027-03-31" in page.text
    table = page.text[page.text.index("By category") :]
    assert re.search(r"An automated decision about me</td><td>5</td>", table)
    assert re.search(r"Privacy</td><td><span class=\"muted\">fewer than 5", table)
    assert re.search(r"Safety</td><td><span class=\"muted\">fewer than 5", table)
    assert re.search(r"Complaints</dt><dd>8</dd>", page.text)
    assert "File a complaint" in page.text
    # Members see more: the route, the clusters, the clocks.
    assert "ADR route" not in page.text
    member = sign_in(pages, "owner").get(f"/scopes/{scope_id}/complaints")
    assert "ADR route" in member.text and "Complaint desk clocks" in member.text
    # Another period: none of these complaints.
    earlier = browser(pages).get(f"/scopes/{scope_id}/complaints?start=2025-04-01&end=2026-03-31")
    assert "me</td><td>5</td>" not in earlier.text
    wrong = browser(pages).get(f"/scopes/{scope_id}/complaints?start=2026-13-01")
    assert wrong.status_code == 200 and "The fiscal year is shown instead." in wrong.text


def test_the_owner_sets_the_clocks_and_a_bad_value_is_refused(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    owner = sign_in(pages, "owner")
    tab = f"/scopes/{scope_id}/complaints"
    values = {
        "acknowledge_business_days": "5",
        "answer_business_days": "30",
        "reply_business_days": "20",
        "case_business_days": "180",
    }
    done = post_form(owner, tab, f"{tab}/desk", values)
    assert done.status_code == 303
    assert service.get_desk(cast.uow, cast.business_id).acknowledge_business_days == 5
    before = snapshot(pages.engine)
    refused = post_form(owner, tab, f"{tab}/desk", {**values, "answer_business_days": "0"})
    assert refused.status_code == 422 and field_error(refused, "answer_business_days")
    assert_unchanged(before, pages.engine)
    editor = sign_in(pages, "editor")
    before = snapshot(pages.engine)
    assert post_form(editor, tab, f"{tab}/desk", values).status_code == 403
    assert_unchanged(before, pages.engine)


def test_the_pages_read_in_japanese(site: tuple[World, Cast, int]) -> None:
    pages, _, scope_id = site
    japanese = {"Accept-Language": "ja"}
    client = browser(pages)
    form = client.get(f"/scopes/{scope_id}/complaints/new", headers=japanese)
    assert "苦情" in form.text and "File the complaint" not in form.text
    tab = client.get(f"/scopes/{scope_id}/complaints", headers=japanese)
    assert "苦情" in tab.text and "Figures" not in tab.text
    assert "裁判外紛争解決手続" in client.get("/adr-providers", headers=japanese).text


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("status", "escalated", "rung"),
    [
        (Status.filed, False, "provider"),
        (Status.answered, False, "provider"),
        (Status.resolved, False, "provider"),
        (Status.escalated, True, "adr"),
        (Status.adr_refused, True, "adr"),
        (Status.settled, True, "adr"),
        (Status.withdrawn, True, "adr"),
        (Status.withdrawn, False, "provider"),
        (Status.closed, False, "provider"),
        (Status.referred, True, "court"),
        (Status.referred, False, "court"),
    ],
)
def test_the_rung_a_complaint_stands_on(status: Status, escalated: bool, rung: str) -> None:
    assert rung_of(status, escalated) == rung


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2027, 2, 1), date(2026, 4, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 4, 1), date(2028, 3, 31)),
        (date(2027, 3, 31), date(2026, 4, 1), date(2027, 3, 31)),
    ],
)
def test_the_fiscal_year(today: date, start: date, end: date) -> None:
    assert fiscal_year(today) == (start, end)


@pytest.mark.parametrize(
    ("query", "period", "problem"),
    [
        ({}, (date(2026, 4, 1), date(2027, 3, 31)), False),
        ({"start": "2027-01-01"}, (date(2027, 1, 1), date(2027, 3, 31)), False),
        (
            {"start": "2026-01-01", "end": "2026-06-30"},
            (date(2026, 1, 1), date(2026, 6, 30)),
            False,
        ),
        ({"start": "yesterday"}, (date(2026, 4, 1), date(2027, 3, 31)), True),
        ({"start": "2027-03-01", "end": "2027-01-01"}, (date(2026, 4, 1), date(2027, 3, 31)), True),
    ],
)
def test_the_period_asked_for(
    query: dict[str, str], period: tuple[date, date], problem: bool
) -> None:
    start, end, found = period_of(query, date(2027, 2, 1))
    assert (start, end) == period and (found is not None) == problem


@pytest.mark.parametrize(
    ("problems", "shown"),
    [
        ({"what_happened": "Required"}, {"what_happened": "Required"}),
        ({"subject_id": "no goal 9"}, {"about": "no goal 9"}),
        ({"": "contact: not an e-mail address"}, {"contact": "contact: not an e-mail address"}),
        ({"": "something else went wrong"}, {"": "something else went wrong"}),
    ],
)
def test_problems_are_put_next_to_their_field(
    problems: dict[str, str], shown: dict[str, str]
) -> None:
    found = field_problems(problems, {"subject_id": "about"})
    assert {name: str(message) for name, message in found.items()} == shown


@pytest.mark.parametrize(
    ("subject", "value"), [((None, None), ""), (("goal", 3), "goal:3"), (("risk", 12), "risk:12")]
)
def test_the_about_choice(subject: tuple[str | None, int | None], value: str) -> None:
    assert about_value(*subject) == value


@pytest.mark.parametrize(
    ("status", "acting", "late", "paused", "moves"),
    [
        (Status.filed, [Party.complainant], False, False, ["withdraw", "statements"]),
        (
            Status.filed,
            [Party.provider],
            False,
            False,
            ["acknowledge", "statements", "pause", "extend"],
        ),
        (
            Status.filed,
            [Party.provider],
            False,
            True,
            ["acknowledge", "statements", "resume", "extend"],
        ),
        (
            Status.acknowledged,
            [Party.complainant],
            True,
            False,
            ["escalate", "refer", "withdraw", "statements"],
        ),
        (
            Status.answered,
            [Party.complainant],
            False,
            False,
            ["accept", "escalate", "refer", "withdraw", "statements"],
        ),
        (
            Status.escalated,
            [Party.adr],
            False,
            False,
            ["adr-accept", "adr-refuse", "statements", "pause", "extend"],
        ),
        (
            Status.adr_hearing,
            [Party.adr],
            False,
            False,
            ["adr-close", "statements", "pause", "extend"],
        ),
        (Status.resolved, [Party.complainant, Party.provider], False, False, []),
        (Status.filed, [], False, False, []),
    ],
)
def test_the_moves_a_side_may_make(
    status: Status, acting: list[Party], late: bool, paused: bool, moves: list[str]
) -> None:
    found = [move.path for move, _ in allowed_moves(status, acting, late, paused)]
    assert found == moves


# ---------------------------------------------------------------- the provider's clock, the list


def test_the_provider_pauses_resumes_and_extends_through_its_forms(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    filed = service.file_complaint(
        cast.uow, ANONYMOUS, ComplaintCreate(scope_id=scope_id, **_create_fields())
    )
    complaint_id = filed.complaint.id
    page = f"/complaints/{complaint_id}"
    editor = sign_in(pages, "editor")
    paused = post_form(editor, page, f"{page}/pause", {"reason": "Waiting for the log file."})
    assert paused.status_code == 303
    shown = editor.get(page).text
    assert "clock paused" in shown and f"{page}/resume" in shown and f"{page}/pause" not in shown
    assert post_form(editor, page, f"{page}/resume", {"note": ""}).status_code == 303
    # A deadline moved earlier is refused next to its field, and nothing is stored.
    before = snapshot(pages.engine)
    refused = post_form(
        editor, page, f"{page}/extend", {"until": "2027-02-02", "reason": "More time."}
    )
    assert refused.status_code == 422 and "2027-02-04" in field_error(refused, "until")
    assert_unchanged(before, pages.engine)
    extended = post_form(
        editor, page, f"{page}/extend", {"until": "2027-02-10", "reason": "A holiday week."}
    )
    assert extended.status_code == 303
    assert "2027-02-10" in editor.get(page).text


def test_the_list_filters_by_status_and_whose_move_and_marks_the_overdue(
    site: tuple[World, Cast, int],
) -> None:
    pages, cast, scope_id = site
    first = service.file_complaint(
        cast.uow, ANONYMOUS, ComplaintCreate(scope_id=scope_id, **_create_fields())
    ).complaint.id
    second = service.file_complaint(
        cast.uow, ANONYMOUS, ComplaintCreate(scope_id=scope_id, **_create_fields())
    ).complaint.id
    service.acknowledge(cast.uow, service.Caller(cast.editor), second, Note())
    viewer = sign_in(pages, "viewer")
    filed = viewer.get("/complaints?status=filed").text
    assert f'href="/complaints/{first}"' in filed and f'href="/complaints/{second}"' not in filed
    waiting = viewer.get("/complaints?waiting_for=provider").text
    assert f'href="/complaints/{first}"' in waiting and f'href="/complaints/{second}"' in waiting
    assert f'href="/complaints/{first}"' not in viewer.get("/complaints?waiting_for=adr").text
    assert viewer.get("/complaints?status=lost").status_code == 400
    assert "overdue" not in viewer.get("/complaints").text
    # A week later (signed in again: the session has lapsed) the first's
    # acknowledgement is overdue.
    with clock.frozen_at(datetime(2027, 2, 8, 1, 0, tzinfo=UTC)):
        later = sign_in(pages, "viewer").get("/complaints").text
    row = later.split(f'href="/complaints/{first}"', 1)[1].split("</tr>", 1)[0]
    assert "overdue" in row
    csv = viewer.get("/complaints?format=csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
