"""The pages through HTTP, on SQLite and PostgreSQL: who may see and do what,
forms that refuse bad input next to the field and store nothing, forms that
store through the services (with their record events), sign-in and CSRF."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov.cycle.models import Cycle
from agilegov.organizations.models import WebSession
from agilegov.record.models import Event
from api_helpers import PASSWORD, World, assert_unchanged, snapshot
from web_helpers import browser, csrf_of, field_error, post_form, sign_in

# ---------------------------------------------------------------- sign-in, sessions, CSRF


def test_sign_in_keeps_only_a_hash_and_records_the_session(shared: World) -> None:
    client = sign_in(shared, "editor")
    secret = client.cookies["agilegov_session"]
    with Session(shared.engine) as session:
        hashes = session.scalars(select(WebSession.session_hash)).all()
        started = session.scalar(
            select(func.count()).select_from(Event).where(Event.type == "web_session.started")
        )
    assert secret not in hashes and len(secret) > 40
    assert started and started >= 1
    page = client.get("/")
    assert page.status_code == 200 and "Editor" in page.text and "Sign out" in page.text


def test_a_wrong_password_is_refused_and_stores_nothing_but_its_count(shared: World) -> None:
    client = browser(shared)
    token = csrf_of(client.get("/login"))
    before = snapshot(shared.engine)
    for email, password in (
        ("editor@example.com", "not-the-password"),
        ("nobody@example.com", PASSWORD),
        ("", PASSWORD),
        ("editor@example.com", ""),
    ):
        page = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert page.status_code == 422
        assert 'role="alert"' in page.text
        assert ("Email" in page.text) if not email else True
    # Only the failed sign-ins' counts change (test_web_sign_in_delays.py).
    assert_unchanged(before, shared.engine, besides=("sign_in_throttle",))
    assert "agilegov_session" not in client.cookies


def test_sign_in_without_its_csrf_token_is_refused(shared: World) -> None:
    client = browser(shared)
    client.get("/login")
    before = snapshot(shared.engine)
    page = client.post(
        "/login",
        data={"email": "editor@example.com", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert page.status_code == 403
    assert_unchanged(before, shared.engine)


def test_sign_in_follows_only_local_next_paths(shared: World) -> None:
    for target, expected in (("/organizations", "/organizations"), ("//evil.example", "/")):
        client = browser(shared)
        token = csrf_of(client.get("/login"))
        response = client.post(
            "/login",
            data={
                "email": "viewer@example.com",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_signing_out_ends_the_session_for_good(shared: World) -> None:
    client = sign_in(shared, "viewer")
    secret = client.cookies["agilegov_session"]
    token = csrf_of(client.get("/"))
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    # The old cookie, replayed, signs nobody in.
    replay = browser(shared)
    replay.cookies.set("agilegov_session", secret)
    assert "Sign out" not in replay.get("/").text


def test_a_form_without_the_sessions_token_changes_nothing(shared: World) -> None:
    client = sign_in(shared, "owner")
    scope = shared.scopes["private"]["id"]
    before = snapshot(shared.engine)
    for token in ("", "0" * 64, None):
        data: dict[str, Any] = {"name": "Forged", "category": "user"}
        if token is not None:
            data["csrf_token"] = token
        response = client.post(f"/scopes/{scope}/stakeholders", data=data)
        assert response.status_code == 403
    assert_unchanged(before, shared.engine)


def test_pages_carry_a_strict_content_security_policy(shared: World) -> None:
    page = browser(shared).get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------- who sees what


def test_a_signed_out_visitor_sees_public_pages_only(shared: World) -> None:
    client = browser(shared)
    public, private = shared.scopes["public"]["id"], shared.scopes["private"]["id"]
    assert client.get(f"/scopes/{public}").status_code == 200
    assert client.get(f"/scopes/{public}/goals").status_code == 200
    assert client.get(f"/scopes/{private}").status_code == 404
    assert client.get(f"/organizations/{shared.business_id}").status_code == 200
    profile = client.get(f"/organizations/{shared.business_id}").text
    assert shared.scopes["public"]["name"] in profile
    assert shared.scopes["private"]["name"] not in profile
    for path in ("/scopes/new", "/account", "/organizations/new", "/notifications"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_viewer_sees_no_edit_controls_and_cannot_post(shared: World) -> None:
    client = sign_in(shared, "viewer")
    scope = shared.scopes["private"]["id"]
    ids = shared.scopes["private"]["ids"]
    for path in ("", "/stakeholders", "/risks", "/goals", "/measures", "/reviews"):
        page = client.get(f"/scopes/{scope}{path}")
        assert page.status_code == 200
        assert "Add a" not in page.text and "Move the cycle" not in page.text
        assert "Edit scope" not in page.text and "Record a review" not in page.text
    item = client.get(f"/scopes/{scope}/goals/{ids['goal']}")
    assert "Save changes" not in item.text and "Retire" not in item.text
    token = csrf_of(client.get(f"/scopes/{scope}"))
    before = snapshot(shared.engine)
    for action, data in (
        (f"/scopes/{scope}/stakeholders", {"name": "Mine", "category": "user"}),
        (f"/scopes/{scope}/goals/{ids['goal']}", {"title": "Changed"}),
        (f"/scopes/{scope}/goals/{ids['goal']}/delete", {}),
        (f"/scopes/{scope}/cycle/transitions", {"to": "goals"}),
        (f"/scopes/{scope}/edit", {"name": "Renamed", "kind": "service"}),
    ):
        response = client.post(action, data={**data, "csrf_token": token})
        assert response.status_code == 403, action
    assert client.get(f"/scopes/{scope}/stakeholders/new").status_code == 403
    assert_unchanged(before, shared.engine)


def test_an_outsider_cannot_see_or_change_another_organizations_private_scope(
    shared: World,
) -> None:
    client = sign_in(shared, "outsider")
    scope = shared.scopes["private"]["id"]
    token = csrf_of(client.get("/"))
    before = snapshot(shared.engine)
    assert client.get(f"/scopes/{scope}/risks").status_code == 404
    response = client.post(
        f"/scopes/{scope}/stakeholders", data={"name": "x", "category": "user", "csrf_token": token}
    )
    assert response.status_code == 404
    assert_unchanged(before, shared.engine)


# ---------------------------------------------------------------- forms refuse bad input

# (kind's path, fields, the field the error must stand next to)
BAD_FORMS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("stakeholders", {"name": "", "category": "user"}, "name"),
    ("stakeholders", {"name": "Users", "category": "martians"}, "category"),
    (
        "impacts",
        {
            "stakeholder_id": "@stakeholder",
            "title": "x",
            "nature": "negative",
            "area": "privacy",
            "magnitude": "9",
        },
        "magnitude",
    ),
    (
        "impacts",
        {
            "stakeholder_id": "999999",
            "title": "x",
            "nature": "negative",
            "area": "privacy",
            "magnitude": "3",
        },
        "stakeholder_id",
    ),
    (
        "conditions",
        {"title": "Law", "category": "regulation", "source": "gazette", "review_by": "next year"},
        "review_by",
    ),
    (
        "risks",
        {
            "title": "Bias",
            "inherent_likelihood": "9",
            "inherent_severity": "3",
            "residual_likelihood": "1",
            "residual_severity": "1",
            "treatment": "mitigate",
        },
        "inherent_likelihood",
    ),
    (
        "goals",
        {"title": "Fair", "level": "specific", "direction": "higher_is_better"},
        "acceptable_level",
    ),
    (
        "goals",
        {
            "title": "Fair",
            "level": "specific",
            "direction": "higher_is_better",
            "acceptable_level": "lots",
        },
        "acceptable_level",
    ),
    (
        "goals",
        {
            "title": "Fair",
            "level": "specific",
            "direction": "higher_is_better",
            "acceptable_level": "0.8",
            "target": "0.5",
        },
        "target",
    ),
    (
        "indicators",
        {"goal_id": "@goal", "key": "Not A Key!", "name": "Ratio", "data_source": "log"},
        "key",
    ),
    (
        "indicators",
        {"goal_id": "@goal", "key": "selection-ratio", "name": "Ratio again", "data_source": "log"},
        "key",
    ),
    ("trade-offs", {"goal_a_id": "@goal", "goal_b_id": "@goal", "balance": "none"}, "goal_b_id"),
    ("allocations", {"goal_id": "@goal", "layer": "voluntary"}, "layer"),
    ("measures", {"kind": "rule", "title": "Policy", "status": "planned"}, "rule_layer"),
    (
        "measures",
        {"kind": "technology", "title": "Audit", "status": "planned", "risk_ids": ["999999"]},
        "risk_ids",
    ),
)


def _resolved(fields: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            return str(ids[value[1:]])
        return value

    return {
        name: [one(v) for v in value] if isinstance(value, list) else one(value)
        for name, value in fields.items()
    }


@pytest.mark.parametrize(("plural", "fields", "field"), BAD_FORMS)
def test_a_bad_form_shows_the_error_by_its_field_and_stores_nothing(
    shared: World, plural: str, fields: dict[str, Any], field: str
) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]
    before = snapshot(shared.engine)
    page = post_form(
        client,
        f"/scopes/{scope['id']}/{plural}/new",
        f"/scopes/{scope['id']}/{plural}",
        _resolved(fields, scope["ids"]),
    )
    assert page.status_code == 422, page.text[:500]
    assert field_error(page, field), f"no error next to {field}"
    assert "Nothing was saved" in page.text
    assert f'id="f-{field}"' in page.text and 'aria-invalid="true"' in page.text
    assert_unchanged(before, shared.engine)


def test_a_bad_change_to_an_item_stores_nothing(shared: World) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]
    goal = scope["ids"]["goal"]
    path = f"/scopes/{scope['id']}/goals/{goal}"
    before = snapshot(shared.engine)
    page = post_form(
        client,
        path,
        path,
        {
            "title": "Equal selection rates",
            "level": "specific",
            "direction": "higher_is_better",
            "unit": "ratio",
            "acceptable_level": "0.95",
            "target": "0.9",
        },
    )
    assert page.status_code == 422
    assert "target" in field_error(page, "target") or field_error(page, "target")
    assert_unchanged(before, shared.engine)


def test_a_refused_move_of_the_cycle_says_why_and_stores_nothing(shared: World) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]["id"]
    before = snapshot(shared.engine)
    page = post_form(
        client, f"/scopes/{scope}", f"/scopes/{scope}/cycle/transitions", {"to": "evaluation"}
    )
    assert page.status_code == 422
    assert "cannot move to evaluation" in field_error(page, "to")
    assert_unchanged(before, shared.engine)


@pytest.mark.parametrize(
    ("path", "action", "fields", "field"),
    [
        ("/cycle/triggers/new", "/cycle/triggers", {"kind": "manual", "cause": "x"}, "loop"),
        ("/cycle/triggers/new", "/cycle/triggers", {"kind": "manual", "cause": ""}, "cause"),
        (
            "/reviews/new",
            "/reviews",
            {"summary": "ok", "decisions": "", "evidence": "e"},
            "decisions",
        ),
        (
            "/reviews/new",
            "/reviews",
            {"summary": "ok", "decisions": "d", "evidence": "e", "resolves": "999999"},
            "resolves",
        ),
        (
            "/reviews/new",
            "/reviews",
            {"summary": "ok", "decisions": "d", "evidence": "e", "changes": "goal:x:1"},
            "changes",
        ),
        (
            "/edit",
            "/edit",
            {"name": "S", "kind": "ai_system", "frameworks": "NoVersion"},
            "frameworks",
        ),
        (
            "/observations/new",
            "/observations",
            {"indicator": "selection-ratio", "time": "yesterday", "value": "0.9"},
            "time",
        ),
        (
            "/observations/new",
            "/observations",
            {"indicator": "selection-ratio", "time": "2026-01-01T00:00:00Z", "value": "NaN"},
            "value",
        ),
        (
            "/observations/new",
            "/observations",
            {"indicator": "no-such-key", "time": "2026-01-01T00:00:00Z", "value": "1"},
            "indicator",
        ),
    ],
)
def test_cycle_scope_and_monitoring_forms_refuse_bad_input(
    shared: World, path: str, action: str, fields: dict[str, Any], field: str
) -> None:
    client = sign_in(shared, "owner")
    scope = shared.scopes["private"]["id"]
    before = snapshot(shared.engine)
    page = post_form(client, f"/scopes/{scope}{path}", f"/scopes/{scope}{action}", fields)
    assert page.status_code == 422, page.text[:300]
    assert field_error(page, field), f"no error next to {field}"
    assert_unchanged(before, shared.engine)


def test_organization_and_account_forms_refuse_bad_input(shared: World) -> None:
    client = sign_in(shared, "owner")
    before = snapshot(shared.engine)
    cases = (
        (
            "/organizations/new",
            "/organizations",
            {"slug": "Not a slug", "name": "X", "kind": "business"},
            "slug",
        ),
        (
            f"/organizations/{shared.business_id}/members",
            f"/organizations/{shared.business_id}/members",
            {"email": "not-an-email", "role": "viewer"},
            "email",
        ),
        ("/account", "/account/tokens", {"name": ""}, "name"),
        (
            f"/organizations/{shared.business_id}/webhooks",
            f"/organizations/{shared.business_id}/webhooks",
            {"url": "ftp://example.org/hook", "active": "true"},
            "url",
        ),
    )
    for path, action, fields, field in cases:
        page = post_form(client, path, action, fields)
        assert page.status_code == 422, (action, page.text[:300])
        assert field_error(page, field), f"{action}: no error next to {field}"
    assert_unchanged(before, shared.engine)


def test_the_record_lookup_refuses_a_bad_index(shared: World) -> None:
    client = browser(shared)
    for index in ("-1", "abc", "99999999"):
        page = client.get("/record", params={"index": index})
        assert page.status_code == 422
        assert 'id="index-error"' in page.text


# ---------------------------------------------------------------- forms that store


def _events(engine: Any, type_: str) -> int:
    with Session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Event).where(Event.type == type_)) or 0
        )


def test_forms_create_change_and_retire_through_the_services(shared: World) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]["id"]
    created_before = _events(shared.engine, "stakeholder.created")
    response = post_form(
        client,
        f"/scopes/{scope}/stakeholders/new",
        f"/scopes/{scope}/stakeholders",
        {"name": "Job seekers", "category": "user", "interests": "fairness"},
    )
    assert response.status_code == 303
    item = response.headers["location"]
    assert _events(shared.engine, "stakeholder.created") == created_before + 1
    assert "Job seekers" in client.get(f"/scopes/{scope}/stakeholders").text
    changed = post_form(client, item, item, {"name": "Job applicants", "category": "user"})
    assert changed.status_code == 303
    assert "Job applicants" in client.get(item).text
    goal = post_form(
        client,
        f"/scopes/{scope}/goals/new",
        f"/scopes/{scope}/goals",
        {
            "title": "Explain every rejection",
            "level": "specific",
            "direction": "higher_is_better",
            "unit": "share",
            "acceptable_level": "0.9",
            "change_note": "first",
        },
    )
    assert goal.status_code == 303
    goal_page = goal.headers["location"]
    post_form(
        client,
        goal_page,
        goal_page,
        {
            "title": "Explain every rejection",
            "level": "specific",
            "direction": "higher_is_better",
            "unit": "share",
            "acceptable_level": "0.95",
            "change_note": "tightened after review",
        },
    )
    versions = client.get(goal_page + "/versions")
    assert versions.status_code == 200
    assert "tightened after review" in versions.text and 'class="changed"' in versions.text
    asked = post_form(client, goal_page, goal_page + "/delete", {})
    assert asked.status_code == 200 and "Retire goal #" in asked.text
    retired = post_form(client, goal_page, goal_page + "/delete", {"confirmed": "yes"})
    assert retired.status_code == 303
    assert "retired" in client.get(f"/scopes/{scope}/goals").text


def test_the_cycle_moves_from_its_form_and_the_drawing_follows(shared: World) -> None:
    client = sign_in(shared, "owner")
    created = post_form(
        client,
        "/scopes/new",
        "/scopes",
        {
            "organization_id": str(shared.business_id),
            "name": "Chat assistant",
            "kind": "service",
        },
    )
    assert created.status_code == 303
    scope_path = created.headers["location"]
    scope_id = int(scope_path.rsplit("/", 1)[1])
    page = client.get(scope_path)
    assert 'data-stage="analysis" aria-current="step"' in page.text
    moved = post_form(
        client,
        scope_path,
        f"{scope_path}/cycle/transitions",
        {"to": "goals", "reason": "analysis done"},
    )
    assert moved.status_code == 303
    page = client.get(scope_path)
    assert 'data-stage="goals" aria-current="step"' in page.text
    with Session(shared.engine) as session:
        assert session.get(Cycle, scope_id).stage == "goals"  # type: ignore[union-attr]


def test_a_token_is_shown_once_and_only_its_hash_kept(shared: World) -> None:
    client = sign_in(shared, "reviewer")
    page = post_form(client, "/account", "/account/tokens", {"name": "ci pipeline"})
    assert page.status_code == 201
    token = page.text.split('<pre id="new-token">')[1].split("</pre>")[0]
    assert token.startswith("agt_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/account").text


def test_the_record_lookup_verifies_an_entry_with_its_proof(shared: World) -> None:
    page = browser(shared).get("/record", params={"index": "0"})
    assert page.status_code == 200
    assert "Verified." in page.text and "Inclusion proof" in page.text
