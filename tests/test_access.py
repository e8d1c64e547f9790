"""Who may do what: roles in an organization (owner > editor > reviewer >
viewer), scopes private to their organization, anonymous readers of published
scopes, tokens, and secrets kept only as hashes.

Most tests share one world per database engine (see api_helpers.shared_world);
each refused request checks that every row of every table is as it was. Tests
whose changes others would see (memberships, deletions, publishing) run in a
fresh world each.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agilegov.auth import hash_token, verify_password
from agilegov.organizations.models import ApiToken, User
from agilegov.record.models import Event
from api_helpers import (
    API,
    PASSWORD,
    World,
    assert_problem,
    assert_unchanged,
    bearer,
    create_scope,
    names_for,
    ok,
    resolve,
    seed_world,
    snapshot,
    world_from_fixture,
)


@pytest.fixture(scope="module")
def names(shared: World) -> dict[str, Any]:
    return names_for(shared)


@pytest.fixture
def fresh(database_url: str, engine: Engine, world: Any) -> Iterator[World]:
    """conftest.py's world with a seeded private scope, for requests that change it."""
    seeded = seed_world(world_from_fixture(database_url, engine, world), ("private",))
    with seeded.client:
        yield seeded


def _send(world: World, who: str | None, method: str, path: str, body: Any, names: dict) -> Any:
    kwargs = {} if body is None else {"json": resolve(body, names)}
    return world.client.request(method, path.format(**names), headers=world.auth(who), **kwargs)


# Writes under a scope ("{scope}" is the scope's path), each with a body that an
# editor (or, for reviews, a reviewer) gets accepted: see test_editors_may_write.
ENTITY_WRITES: list[tuple[str, str, str | None, Any]] = [
    ("POST", "{scope}/stakeholders", None, {"name": "Insurers", "category": "insurer"}),
    ("PATCH", "{scope}/stakeholders/{stakeholder}", None, {"interests": "claims"}),
    ("DELETE", "{scope}/stakeholders/{stakeholder}", "impacts refer to it", None),
    (
        "POST",
        "{scope}/impacts",
        None,
        {
            "stakeholder_id": "@stakeholder",
            "title": "Faster answers",
            "nature": "positive",
            "area": "convenience",
            "magnitude": 2,
        },
    ),
    ("PATCH", "{scope}/impacts/{impact}", None, {"magnitude": 5}),
    ("DELETE", "{scope}/impacts/{impact}", "a risk links to it", None),
    (
        "POST",
        "{scope}/conditions",
        None,
        {"title": "Trend", "category": "technology", "source": "s", "review_by": "2030-01-01"},
    ),
    ("PATCH", "{scope}/conditions/{condition}", None, {"review_by": "2031-01-01"}),
    ("DELETE", "{scope}/conditions/{condition}", "a risk links to it", None),
    (
        "POST",
        "{scope}/risks",
        None,
        {
            "title": "Drift",
            "inherent_likelihood": 2,
            "inherent_severity": 2,
            "residual_likelihood": 1,
            "residual_severity": 1,
            "treatment": "accept",
        },
    ),
    ("PATCH", "{scope}/risks/{risk}", None, {"treatment": "transfer"}),
    ("DELETE", "{scope}/risks/{risk}", "a measure links to it", None),
    ("POST", "{scope}/goals", None, {"title": "Safety", "level": "core_value"}),
    ("PATCH", "{scope}/goals/{goal}", None, {"target": 0.95}),
    ("DELETE", "{scope}/goals/{goal}", None, None),
    (
        "POST",
        "{scope}/indicators",
        None,
        {"goal_id": "@goal", "key": "new-key", "name": "New", "data_source": "logs"},
    ),
    ("PATCH", "{scope}/indicators/{indicator}", None, {"window_days": 14}),
    ("DELETE", "{scope}/indicators/{indicator}", "its observations are evidence", None),
    (
        "POST",
        "{scope}/trade-offs",
        None,
        {"goal_a_id": "@goal", "goal_b_id": "@core_goal", "balance": "again"},
    ),
    ("PATCH", "{scope}/trade-offs/{trade_off}", None, {"balance": "moved"}),
    ("DELETE", "{scope}/trade-offs/{trade_off}", None, None),
    ("POST", "{scope}/allocations", None, {"goal_id": "@goal", "layer": "market"}),
    ("PATCH", "{scope}/allocations/{allocation}", None, {"cost_benefit": "cheap"}),
    ("DELETE", "{scope}/allocations/{allocation}", None, None),
    ("POST", "{scope}/measures", None, {"kind": "organization", "title": "Ethics board"}),
    ("PATCH", "{scope}/measures/{measure}", None, {"status": "in_progress"}),
    ("DELETE", "{scope}/measures/{measure}", None, None),
]
CYCLE_WRITES: list[tuple[str, str, str | None, Any]] = [
    ("PATCH", "{scope}", None, {"name": "Renamed"}),
    ("POST", "{scope}/cycle/transitions", None, {"to": "goals"}),
    (
        "POST",
        "{scope}/cycle/triggers",
        None,
        {"kind": "manual", "cause": "a regulator asked", "facts": {"loop": "outer"}},
    ),
    (
        "POST",
        "{scope}/observations",
        None,
        {
            "observations": [
                {"indicator": "selection-ratio", "time": "2024-06-01T00:00:00Z", "value": 0.7}
            ]
        },
    ),
]
REVIEW = ("POST", "{scope}/reviews", None, {"summary": "ok", "decisions": ["d"], "evidence": ["e"]})
WRITES = ENTITY_WRITES + CYCLE_WRITES + [REVIEW]


def _write_id(write: tuple[str, str, str | None, Any]) -> str:
    method, path, _, _ = write
    return f"{method} {path.removeprefix('{scope}') or '/'}"


def _path(path: str, scope: str) -> str:
    """``path`` under the private ("s") or the published ("public_s") scope."""
    prefix = "" if scope == "s" else "public_"
    path = path.replace("{scope}", "<scope>")
    path = path.replace("{", "{" + prefix).replace("<scope>", "{" + scope + "}")
    return path


def _body(body: Any, scope: str) -> Any:
    if scope == "s":
        return body
    if isinstance(body, dict):
        return {key: _body(value, scope) for key, value in body.items()}
    if isinstance(body, list):
        return [_body(value, scope) for value in body]
    if isinstance(body, str) and body.startswith("@"):
        return "@public_" + body[1:]
    return body


# (who, scope, status): viewers and reviewers are members who may not edit;
# others do not see a private scope at all, and may not touch a published one.
REFUSALS = [
    ("viewer", "s", 403),
    ("reviewer", "s", 403),
    ("outsider", "s", 404),
    (None, "s", 404),
    ("outsider", "public_s", 403),
    (None, "public_s", 401),
]


def _refusal_params() -> list[Any]:
    params = []
    for who, scope, status in REFUSALS:
        for write in WRITES:
            if who == "reviewer" and write is REVIEW:
                continue  # reviewers record reviews: see test_reviewers_review_but_do_not_edit
            label = f"{who or 'anonymous'}-{'private' if scope == 's' else 'public'}"
            params.append(pytest.param(who, scope, status, write, id=f"{label}-{_write_id(write)}"))
    return params


@pytest.mark.parametrize(("who", "scope", "status", "write"), _refusal_params())
def test_writes_are_refused_and_change_nothing(
    shared: World, names: dict, who: str | None, scope: str, status: int, write: tuple
) -> None:
    method, path, _, body = write
    before = snapshot(shared.engine)
    response = _send(shared, who, method, _path(path, scope), _body(body, scope), names)
    assert_problem(response, status)
    assert_unchanged(before, shared.engine)


# Writes outside a scope, by who may not make them.
NEW_SCOPE = {"organization_id": "@business", "name": "S", "kind": "service"}
MEMBERS = "/organizations/{business}/members"
OUTSIDER = {"email": "outsider@example.com", "role": "owner"}
IMPORT = "/scopes/import?organization_id={business}"
ORGANIZATION_REFUSALS: dict[str, tuple[str | None, str, str, Any, int]] = {
    "anonymous-creates-organization": (
        None, "POST", "/organizations", {"slug": "x1", "name": "X", "kind": "community"}, 401
    ),
    "anonymous-creates-scope": (None, "POST", "/scopes", NEW_SCOPE, 401),
    "viewer-creates-scope": ("viewer", "POST", "/scopes", NEW_SCOPE, 403),
    "reviewer-creates-scope": ("reviewer", "POST", "/scopes", NEW_SCOPE, 403),
    "outsider-creates-scope": ("outsider", "POST", "/scopes", NEW_SCOPE, 403),
    "editor-creates-public-scope": (
        "editor", "POST", "/scopes", {**NEW_SCOPE, "visibility": "public"}, 403
    ),
    "editor-publishes": ("editor", "PATCH", "/scopes/{scope}", {"visibility": "public"}, 403),
    "editor-unpublishes": (
        "editor", "PATCH", "/scopes/{public_scope}", {"visibility": "private"}, 403
    ),
    "editor-archives": ("editor", "PATCH", "/scopes/{scope}", {"status": "archived"}, 403),
    "editor-renames-organization": (
        "editor", "PATCH", "/organizations/{business}", {"name": "Mine"}, 403
    ),
    "outsider-renames-organization": (
        "outsider", "PATCH", "/organizations/{business}", {"name": "Mine"}, 403
    ),
    "anonymous-renames-organization": (
        None, "PATCH", "/organizations/{business}", {"name": "Mine"}, 401
    ),
    "editor-adds-member": ("editor", "POST", MEMBERS, OUTSIDER, 403),
    "viewer-adds-member": ("viewer", "POST", MEMBERS, OUTSIDER, 403),
    "outsider-adds-self": ("outsider", "POST", MEMBERS, OUTSIDER, 403),
    "anonymous-adds-member": (None, "POST", MEMBERS, OUTSIDER, 401),
    "editor-changes-role": (
        "editor", "PATCH", MEMBERS + "/{membership_viewer}", {"role": "editor"}, 403
    ),
    "editor-promotes-self": (
        "editor", "PATCH", MEMBERS + "/{membership_editor}", {"role": "owner"}, 403
    ),
    "editor-removes-member": ("editor", "DELETE", MEMBERS + "/{membership_viewer}", None, 403),
    "outsider-removes-owner": ("outsider", "DELETE", MEMBERS + "/{membership_owner}", None, 403),
    "last-owner-demoted": (
        "owner", "PATCH", MEMBERS + "/{membership_owner}", {"role": "editor"}, 409
    ),
    "last-owner-removed": ("owner", "DELETE", MEMBERS + "/{membership_owner}", None, 409),
    "viewer-imports": ("viewer", "POST", IMPORT, "@document", 403),
    "outsider-imports": ("outsider", "POST", IMPORT, "@document", 403),
    "anonymous-imports": (None, "POST", IMPORT, "@document", 401),
    "anonymous-creates-token": (None, "POST", "/tokens", {"name": "mine"}, 401),
}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status"),
    [pytest.param(*case, id=name) for name, case in ORGANIZATION_REFUSALS.items()],
)
def test_organization_writes_are_refused_and_change_nothing(
    shared: World, names: dict, who: str | None, method: str, path: str, body: Any, status: int
) -> None:
    # A document an editor could import: a copy of the private scope.
    export = f"{API}/scopes/{names['scope']}/export"
    names = {**names, "document": ok(shared.client.get(export, headers=shared.auth("owner")))}
    before = snapshot(shared.engine)
    response = _send(shared, who, method, API + path, body, names)
    assert_problem(response, status)
    assert_unchanged(before, shared.engine)


# ---------------------------------------------------------------- reading


READS = [
    "",
    "/stakeholders",
    "/stakeholders/{stakeholder}",
    "/impacts/{impact}",
    "/conditions/{condition}",
    "/risks",
    "/risks/{risk}",
    "/goals/{goal}",
    "/goals/{goal}/versions",
    "/indicators",
    "/indicators/{indicator}",
    "/indicators/{indicator}/observations",
    "/trade-offs/{trade_off}",
    "/allocations/{allocation}",
    "/measures/{measure}",
    "/measures/{measure}/versions",
    "/cycle",
    "/cycle/transitions",
    "/cycle/triggers",
    "/cycle/history",
    "/reviews",
    "/export",
]


def _read_path(read: str, scope: str) -> str:
    return _path("{scope}" + read, scope)


@pytest.mark.parametrize("read", READS, ids=[r or "/" for r in READS])
def test_members_read_the_private_scope_and_others_do_not_see_it(
    shared: World, names: dict, read: str
) -> None:
    path = _read_path(read, "s").format(**names)
    as_owner = ok(shared.client.get(path, headers=shared.auth("owner")))
    for who in ("editor", "reviewer", "viewer"):
        assert ok(shared.client.get(path, headers=shared.auth(who))) == as_owner, who
    for who in ("outsider", None):
        problem = assert_problem(shared.client.get(path, headers=shared.auth(who)), 404)
        assert f"scope {names['scope']} not found" in problem["detail"]
    # Its published sibling is open to all.
    public = _read_path(read, "public_s").format(**names)
    as_owner = ok(shared.client.get(public, headers=shared.auth("owner")))
    for who in ("outsider", None):
        assert ok(shared.client.get(public, headers=shared.auth(who))) == as_owner


def test_anonymous_readers_list_organizations_and_published_scopes(
    shared: World, names: dict
) -> None:
    client = shared.client
    organizations = ok(client.get(f"{API}/organizations"))
    assert {o["slug"] for o in organizations["items"]} >= {"hireright", "ministry"}
    assert ok(client.get(f"{API}/organizations/{names['business']}"))["slug"] == "hireright"
    for who in (None, "outsider"):
        listed = ok(client.get(f"{API}/scopes", headers=shared.auth(who)))
        ids = {s["id"] for s in listed["items"]}
        assert names["public_scope"] in ids and names["scope"] not in ids
        assert listed["total"] == len(listed["items"])
        if who is None:
            assert {s["visibility"] for s in listed["items"]} == {"public"}
        filtered = ok(
            client.get(
                f"{API}/scopes",
                params={"organization_id": names["business"]},
                headers=shared.auth(who),
            )
        )
        assert [s["id"] for s in filtered["items"]] == [names["public_scope"]]

    # The outsider sees its own private scope; the business's members see theirs.
    def visible_to(who: str) -> set[int]:
        listed = ok(client.get(f"{API}/scopes", headers=shared.auth(who)))
        return {s["id"] for s in listed["items"]}

    assert names["foreign_scope"] in visible_to("outsider")
    viewer = visible_to("viewer")
    assert {names["scope"], names["public_scope"]} <= viewer
    assert names["foreign_scope"] not in viewer


def test_outsiders_do_not_see_a_private_scope_in_the_record(shared: World, names: dict) -> None:
    client = shared.client
    for who in ("outsider", None):
        events = ok(
            client.get(
                f"{API}/events", params={"scope_id": names["scope"]}, headers=shared.auth(who)
            )
        )
        assert events["total"] == 0 and events["items"] == []
        everything = ok(
            client.get(f"{API}/events", params={"limit": 500}, headers=shared.auth(who))
        )
        assert names["scope"] not in {e["scope_id"] for e in everything["items"]}
    viewer = ok(
        client.get(
            f"{API}/events", params={"scope_id": names["scope"]}, headers=shared.auth("viewer")
        )
    )
    assert viewer["total"] > 0


def test_members_lists_need_membership(shared: World, names: dict) -> None:
    path = f"{API}/organizations/{names['business']}/members"
    members = ok(shared.client.get(path, headers=shared.auth("viewer")))
    roles = {m["user"]["email"]: m["role"] for m in members["items"]}
    assert roles == {
        "owner@example.com": "owner",
        "editor@example.com": "editor",
        "reviewer@example.com": "reviewer",
        "viewer@example.com": "viewer",
    }
    assert "password" not in str(members).lower()
    assert_problem(shared.client.get(path, headers=shared.auth("outsider")), 403)
    assert_problem(shared.client.get(path), 401)


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    "path", ["/me", "/tokens", "/scopes", "/events", "/scopes/{public_scope}", "/scopes/{scope}"]
)
def test_an_unknown_token_is_refused(shared: World, names: dict, path: str) -> None:
    url = API + path.format(**names)
    for token in ("agt_not-a-token", shared.tokens["owner"] + "x", shared.tokens["owner"][:-1]):
        problem = assert_problem(shared.client.get(url, headers=bearer(token)), 401)
        assert "token" in problem["detail"]


def test_a_revoked_token_is_refused(shared: World, names: dict) -> None:
    client = shared.client
    owner = shared.auth("owner")
    issued = ok(client.post(f"{API}/tokens", json={"name": "laptop"}, headers=owner), 201)
    token = issued["token"]
    assert ok(client.get(names["s"], headers=bearer(token)))["id"] == names["scope"]
    ok(client.delete(f"{API}/tokens/{issued['id']}", headers=owner))
    before = snapshot(shared.engine)
    for method, path, body in (
        ("GET", names["s"], None),
        ("GET", f"{API}/me", None),
        ("POST", f"{names['s']}/stakeholders", {"name": "U", "category": "user"}),
        ("POST", f"{API}/tokens", {"name": "another"}),
    ):
        response = client.request(method, path, json=body, headers=bearer(token))
        assert "token" in assert_problem(response, 401)["detail"]
    assert_unchanged(before, shared.engine)


def test_secrets_are_stored_only_as_hashes(shared: World) -> None:
    client = shared.client
    issued = ok(
        client.post(f"{API}/tokens", json={"name": "ci"}, headers=shared.auth("editor")), 201
    )
    tokens = [*shared.tokens.values(), issued["token"]]
    with shared.engine.connect() as connection:
        stored = [tuple(row) for row in connection.execute(select(ApiToken.__table__))]
        users = [tuple(row) for row in connection.execute(select(User.__table__))]
        payloads = [str(p) for p in connection.scalars(select(Event.payload))]
        hashes = list(connection.scalars(select(ApiToken.token_hash)))
        password_hashes = list(connection.scalars(select(User.password_hash)))
    cells = [str(cell) for row in stored for cell in row] + payloads
    assert not any("agt_" in cell for cell in cells), "a token is stored in plain text"
    for token in tokens:
        assert not any(token[4:] in cell for cell in cells), "a token is stored in plain text"
        assert hash_token(token) in hashes
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in hashes)
    user_cells = [str(cell) for row in users for cell in row] + payloads
    assert not any(PASSWORD in cell for cell in user_cells), "a password is stored in plain text"
    # The cast's five people and the site's operator, who verified the ministry.
    assert len(password_hashes) == len(set(password_hashes)) == 6, "each password has its salt"
    for stored_hash in password_hashes:
        assert stored_hash.startswith("scrypt$") and verify_password(PASSWORD, stored_hash)
        assert not verify_password(PASSWORD + "!", stored_hash)


# ---------------------------------------------------------------- what each role may do


def test_editors_may_write(fresh: World) -> None:
    """Every write the refusal tests send is one an editor gets accepted."""
    names = names_for(fresh)
    ordered = [w for w in ENTITY_WRITES if w[0] != "DELETE"] + CYCLE_WRITES
    ordered += [w for w in ENTITY_WRITES if w[0] == "DELETE"]
    for write in ordered:
        method, path, refused_because, body = write
        response = _send(fresh, "editor", method, _path(path, "s"), body, names)
        if refused_because:
            # Still referenced: a conflict, not a refusal of the editor.
            assert_problem(response, 409)
        else:
            expected = {"POST": 201, "PATCH": 200, "DELETE": 204}[method]
            assert response.status_code == expected, (_write_id(write), response.text)
    response = _send(fresh, "reviewer", "POST", _path(REVIEW[1], "s"), REVIEW[3], names)
    assert ok(response, 201)["decided_by"] == fresh.user_ids["reviewer"]


def test_reviewers_review_but_do_not_edit(shared: World, names: dict) -> None:
    client, scope, reviewer = shared.client, names["s"], shared.auth("reviewer")
    body = {"summary": "fine", "decisions": ["go on"], "evidence": ["audit"]}
    review = ok(client.post(f"{scope}/reviews", json=body, headers=reviewer), 201)
    assert review["decided_by"] == shared.user_ids["reviewer"]
    read = ok(client.get(f"{scope}/reviews/{review['id']}", headers=shared.auth("viewer")))
    assert read == review
    before = snapshot(shared.engine)
    stakeholder = {"name": "U", "category": "user"}
    assert_problem(client.post(f"{scope}/stakeholders", json=stakeholder, headers=reviewer), 403)
    move = {"to": "goals"}
    assert_problem(client.post(f"{scope}/cycle/transitions", json=move, headers=reviewer), 403)
    assert_unchanged(before, shared.engine)


def test_owners_publish_archive_and_reactivate(fresh: World) -> None:
    client = fresh.client
    owner, editor = fresh.auth("owner"), fresh.auth("editor")
    scope = create_scope(fresh, "editor")
    path = f"{API}/scopes/{scope['id']}"

    def change(who: dict[str, str], **fields: Any) -> dict[str, Any]:
        return ok(client.patch(path, json=fields, headers=who))

    assert_problem(client.get(path), 404)
    assert change(owner, visibility="public")["visibility"] == "public"
    assert ok(client.get(path))["id"] == scope["id"]
    # An editor may change what a scope is, and restate its visibility unchanged.
    renamed = change(editor, name="Renamed", visibility="public")
    assert renamed["name"] == "Renamed" and renamed["visibility"] == "public"
    # An archived scope is read-only until its owner reactivates it.
    assert change(owner, status="archived")["status"] == "archived"
    before = snapshot(fresh.engine)
    body = {"name": "U", "category": "user"}
    assert_problem(client.post(f"{path}/stakeholders", json=body, headers=editor), 409)
    assert_problem(client.patch(path, json={"name": "Again"}, headers=owner), 422, "status")
    assert_unchanged(before, fresh.engine)
    assert change(owner, status="active")["status"] == "active"
    ok(client.post(f"{path}/stakeholders", json=body, headers=editor), 201)
    # An owner may also create a scope published from the start.
    public = {**scope, "name": "Open", "visibility": "public"}
    public = {k: public[k] for k in ("organization_id", "name", "kind", "visibility")}
    assert (
        ok(client.post(f"{API}/scopes", json=public, headers=owner), 201)["visibility"] == "public"
    )


def test_owners_manage_members_and_keep_one_owner(fresh: World) -> None:
    client = fresh.client
    owner = fresh.auth("owner")
    members = f"{API}/organizations/{fresh.business_id}/members"
    names = names_for(fresh)

    # The outsider joins as a viewer, and reads the private scope from then on.
    private = f"{API}/scopes/{names['scope']}"
    assert_problem(client.get(private, headers=fresh.auth("outsider")), 404)
    invite = {"email": "Outsider@Example.com", "role": "viewer"}
    added = ok(client.post(members, json=invite, headers=owner), 201)
    assert added["role"] == "viewer" and added["user"]["id"] == fresh.user_ids["outsider"]
    assert ok(client.get(private, headers=fresh.auth("outsider")))["id"] == names["scope"]
    body = {"name": "U", "category": "user"}
    assert_problem(
        client.post(f"{private}/stakeholders", json=body, headers=fresh.auth("outsider")), 403
    )
    # Promoted to editor, they may write.
    promoted = ok(client.patch(f"{members}/{added['id']}", json={"role": "editor"}, headers=owner))
    assert promoted["role"] == "editor"
    ok(client.post(f"{private}/stakeholders", json=body, headers=fresh.auth("outsider")), 201)
    # Removed, the scope is hidden again.
    assert client.delete(f"{members}/{added['id']}", headers=owner).status_code == 204
    assert_problem(client.get(private, headers=fresh.auth("outsider")), 404)

    # The last owner stays: not demoted, not removed...
    before = snapshot(fresh.engine)
    mine = f"{members}/{names['membership_owner']}"
    assert_problem(client.patch(mine, json={"role": "viewer"}, headers=owner), 409)
    assert_problem(client.delete(mine, headers=owner), 409)
    assert_unchanged(before, fresh.engine)
    # ...until there is another one.
    editor_membership = f"{members}/{names['membership_editor']}"
    ok(client.patch(editor_membership, json={"role": "owner"}, headers=owner))
    assert ok(client.patch(mine, json={"role": "editor"}, headers=owner))["role"] == "editor"
    # The demoted owner has lost the owner's powers with the same token.
    assert_problem(client.post(members, json=invite, headers=owner), 403)
    new_owner = fresh.auth("editor")
    assert_problem(client.delete(editor_membership, headers=new_owner), 409)
    assert client.delete(mine, headers=new_owner).status_code == 204
    roles = {
        m["user"]["email"]: m["role"] for m in ok(client.get(members, headers=new_owner))["items"]
    }
    assert roles == {
        "editor@example.com": "owner",
        "reviewer@example.com": "reviewer",
        "viewer@example.com": "viewer",
    }
