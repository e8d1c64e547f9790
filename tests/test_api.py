"""The shape of the JSON API a client relies on: health, the schema, CRUD with
paging for every kind of entity, the record's events, the cycle and tokens.

Most tests share one world per database engine (see api_helpers.shared_world)
and each works in a scope of its own, so they do not see each other's entities.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from agilegov import __version__
from agilegov.organizations.models import ApiToken
from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    bearer,
    create_scope,
    ok,
    seed_scope,
    snapshot,
)


def scope_path(scope_id: int) -> str:
    return f"{API}/scopes/{scope_id}"


# ---------------------------------------------------------------- health and schema


def test_healthz_answers_with_the_version(shared: World) -> None:
    body = ok(shared.client.get("/healthz"))
    assert body == {"status": "ok", "version": __version__}


ENTITY_PLURALS = (
    "stakeholders",
    "impacts",
    "conditions",
    "risks",
    "goals",
    "indicators",
    "trade-offs",
    "allocations",
    "measures",
)


def test_openapi_lists_every_resource(shared: World) -> None:
    schema = ok(shared.client.get(f"{API}/openapi.json"))
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    scope = "/api/v1/scopes/{scope_id}"
    expected = {
        "/api/v1/organizations": {"get", "post"},
        "/api/v1/scopes": {"get", "post"},
        scope: {"get", "patch"},
        f"{scope}/cycle": {"get"},
        f"{scope}/cycle/transitions": {"get", "post"},
        f"{scope}/cycle/triggers": {"get", "post"},
        "/api/v1/events": {"get"},
        "/api/v1/tokens": {"get", "post"},
        f"{scope}/reviews": {"get", "post"},
        f"{scope}/reviews/{{review_id}}": {"get"},
    }
    for plural in ENTITY_PLURALS:
        expected[f"{scope}/{plural}"] = {"get", "post"}
        expected[f"{scope}/{plural}/{{item_id}}"] = {"get", "patch", "delete"}
    expected[f"{scope}/goals/{{item_id}}/versions"] = {"get"}
    expected[f"{scope}/measures/{{item_id}}/versions"] = {"get"}
    for path, methods in expected.items():
        assert path in paths, f"{path} is missing from the schema"
        assert methods <= set(paths[path]), f"{path} lacks {methods - set(paths[path])}"
    # Lists answer with pages.
    page = paths["/api/v1/organizations"]["get"]["responses"]["200"]["content"]
    reference = page["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"items", "total", "limit", "offset"} <= set(
        schema["components"]["schemas"][reference]["properties"]
    )


# ---------------------------------------------------------------- CRUD for every kind


@dataclass(frozen=True)
class KindSpec:
    plural: str
    body: Callable[[dict[str, Any], int], dict[str, Any]]  # (prerequisites, n) -> create body
    change: dict[str, Any]
    needs: tuple[str, ...] = ()
    versioned: bool = False
    # Fields the response derives from the change, checked after the PATCH.
    derived: dict[str, Any] = field(default_factory=dict)


KINDS = [
    KindSpec(
        "stakeholders",
        lambda p, n: {"name": f"Party {n}", "category": "user"},
        {"interests": "fair treatment", "category": "community"},
    ),
    KindSpec(
        "impacts",
        lambda p, n: {
            "stakeholder_id": p["stakeholder"],
            "title": f"Impact {n}",
            "nature": "negative",
            "area": "privacy",
            "magnitude": 2,
        },
        {"magnitude": 5, "nature": "positive"},
        needs=("stakeholder",),
    ),
    KindSpec(
        "conditions",
        lambda p, n: {
            "title": f"Condition {n}",
            "category": "technology",
            "source": "a survey",
            "review_by": "2030-01-01",
        },
        {"review_by": "2031-06-30", "source": "a newer survey"},
    ),
    KindSpec(
        "risks",
        lambda p, n: {
            "title": f"Risk {n}",
            "inherent_likelihood": 3,
            "inherent_severity": 3,
            "residual_likelihood": 2,
            "residual_severity": 2,
            "treatment": "mitigate",
        },
        {"residual_likelihood": 5, "residual_severity": 4},
        derived={"residual_score": 20, "residual_level": "critical", "inherent_score": 9},
    ),
    KindSpec(
        "goals",
        lambda p, n: {"title": f"Goal {n}", "level": "core_value"},
        {"description": "sharpened", "change_note": "clearer wording"},
        versioned=True,
    ),
    KindSpec(
        "indicators",
        lambda p, n: {
            "goal_id": p["goals"][n],
            "key": f"indicator-{n}",
            "name": f"Indicator {n}",
            "data_source": "logs",
        },
        {"target": 0.99, "window_days": 30},
        needs=("goals",),
    ),
    KindSpec(
        "trade-offs",
        lambda p, n: {
            "goal_a_id": p["goals"][n],
            "goal_b_id": p["goals"][(n + 1) % 5],
            "balance": f"balance {n}",
        },
        {"balance": "rebalanced after consultation"},
        needs=("goals",),
    ),
    KindSpec(
        "allocations",
        lambda p, n: {"goal_id": p["goals"][n], "layer": "voluntary"},
        {"layer": "market", "cost_benefit": "cheaper"},
        needs=("goals",),
    ),
    KindSpec(
        "measures",
        lambda p, n: {"kind": "rule", "rule_layer": "provider_user", "title": f"Terms {n}"},
        {"status": "implemented", "description": "Weights re-balanced every quarter"},
        versioned=True,
    ),
]


def _prerequisites(world: World, scope_id: int, needs: tuple[str, ...]) -> dict[str, Any]:
    base = scope_path(scope_id)
    headers = world.auth("editor")
    found: dict[str, Any] = {}
    if "stakeholder" in needs:
        body = {"name": "Users", "category": "user"}
        found["stakeholder"] = ok(
            world.client.post(f"{base}/stakeholders", json=body, headers=headers), 201
        )["id"]
    if "goals" in needs:
        found["goals"] = [
            ok(
                world.client.post(
                    f"{base}/goals",
                    json={
                        "title": f"Specific {n}",
                        "level": "specific",
                        "direction": "higher_is_better",
                        "acceptable_level": 0.9,
                    },
                    headers=headers,
                ),
                201,
            )["id"]
            for n in range(5)
        ]
    return found


def _events_of(world: World, scope_id: int, kind: str, subject_id: int) -> list[str]:
    page = ok(
        world.client.get(
            f"{API}/events",
            params={"scope_id": scope_id, "limit": 500},
            headers=world.auth("owner"),
        )
    )
    return [
        e["type"]
        for e in page["items"]
        if e["subject_type"] == kind and e["subject_id"] == subject_id
    ]


@pytest.mark.parametrize("spec", KINDS, ids=[k.plural for k in KINDS])
def test_crud_with_paging(shared: World, spec: KindSpec) -> None:
    world, client = shared, shared.client
    scope_id = create_scope(world)["id"]
    base = f"{scope_path(scope_id)}/{spec.plural}"
    editor = world.auth("editor")
    prerequisites = _prerequisites(world, scope_id, spec.needs)

    # create
    created = []
    for n in range(5):
        body = spec.body(prerequisites, n)
        item = ok(client.post(base, json=body, headers=editor), 201)
        assert item["scope_id"] == scope_id and isinstance(item["id"], int)
        for name, value in body.items():
            assert item[name] == value, name
        created.append(item)
    ids = [item["id"] for item in created]
    assert len(set(ids)) == 5

    # read, by anyone who may see the scope
    first = created[0]
    assert ok(client.get(f"{base}/{first['id']}", headers=world.auth("viewer"))) == first

    # list, page by page
    pages = [
        ok(client.get(base, params={"limit": 2, "offset": offset}, headers=editor))
        for offset in (0, 2, 4)
    ]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert all(page["total"] == 5 and page["limit"] == 2 for page in pages)
    assert [page["offset"] for page in pages] == [0, 2, 4]
    assert [item["id"] for page in pages for item in page["items"]] == sorted(ids)
    beyond = ok(client.get(base, params={"offset": 5}, headers=editor))
    assert beyond["items"] == [] and beyond["total"] == 5
    settings = client.app.state.settings
    everything = ok(client.get(base, headers=editor))
    assert everything["limit"] == settings.page_size_default
    assert [item["id"] for item in everything["items"]] == sorted(ids)
    capped = ok(client.get(base, params={"limit": settings.page_size_max + 1}, headers=editor))
    assert capped["limit"] == settings.page_size_max and capped["total"] == 5

    # change
    changed = ok(client.patch(f"{base}/{first['id']}", json=spec.change, headers=editor))
    for name, value in {**spec.change, **spec.derived}.items():
        if name != "change_note":
            assert changed[name] == value, name
    assert changed["updated_at"] >= first["updated_at"]
    assert changed["created_at"] == first["created_at"]
    assert ok(client.get(f"{base}/{first['id']}", headers=editor)) == changed
    for name, value in first.items():
        if name not in {*spec.change, *spec.derived, "updated_at", "version"}:
            assert changed[name] == value, name
    if spec.versioned:
        assert changed["version"] == first["version"] + 1 == 2

    # delete: gone, or retired with its versions kept; each change is in the record
    kind = spec.plural[:-1].replace("-", "_")
    victim = created[1]["id"]
    assert client.delete(f"{base}/{victim}", headers=editor).status_code == 204
    if spec.versioned:
        retired = ok(client.get(f"{base}/{victim}", headers=editor))
        assert retired["status"] == "retired" and retired["version"] == 2
        assert ok(client.get(base, headers=editor))["total"] == 5
        versions = ok(client.get(f"{base}/{victim}/versions", headers=editor))
        assert [v["version"] for v in versions["items"]] == [1, 2]
        assert versions["items"][0]["data"]["status"] != "retired"
        assert versions["items"][1]["data"]["status"] == "retired"
        assert client.delete(f"{base}/{victim}", headers=editor).status_code == 204
        assert ok(client.get(f"{base}/{victim}/versions", headers=editor))["total"] == 2
        history = ok(
            client.get(f"{base}/{first['id']}/versions", params={"offset": 1}, headers=editor)
        )
        assert history["total"] == 2 and [v["version"] for v in history["items"]] == [2]
        latest = history["items"][0]
        assert latest["actor_id"] == world.user_ids["editor"]
        assert latest["data"] == changed
        assert latest["note"] == spec.change.get("change_note", latest["note"]) != ""
        assert _events_of(world, scope_id, kind, victim) == [f"{kind}.created", f"{kind}.retired"]
    else:
        assert_problem(client.get(f"{base}/{victim}", headers=editor), 404)
        assert_problem(client.delete(f"{base}/{victim}", headers=editor), 404)
        assert_problem(client.patch(f"{base}/{victim}", json=spec.change, headers=editor), 404)
        remaining = ok(client.get(base, headers=editor))
        assert remaining["total"] == 4 and victim not in [i["id"] for i in remaining["items"]]
        assert _events_of(world, scope_id, kind, victim) == [f"{kind}.created", f"{kind}.deleted"]
    assert _events_of(world, scope_id, kind, first["id"]) == [f"{kind}.created", f"{kind}.updated"]


def test_an_unchanged_patch_records_nothing(shared: World) -> None:
    scope_id = create_scope(shared)["id"]
    ids = seed_scope(shared, scope_id)
    before = snapshot(shared.engine)
    path = f"{scope_path(scope_id)}/goals/{ids['goal']}"
    goal = ok(
        shared.client.patch(
            path, json={"title": "Equal selection rates"}, headers=shared.auth("editor")
        )
    )
    assert goal["version"] == 1
    assert_unchanged(before, shared.engine)


def test_a_referenced_entity_is_not_deleted(shared: World) -> None:
    scope_id = create_scope(shared)["id"]
    ids = seed_scope(shared, scope_id)
    before = snapshot(shared.engine)
    response = shared.client.delete(
        f"{scope_path(scope_id)}/stakeholders/{ids['stakeholder']}", headers=shared.auth("editor")
    )
    problem = assert_problem(response, 409)
    assert "impacts" in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_reviews_are_created_read_and_paged_but_never_changed(shared: World) -> None:
    client = shared.client
    scope_id = create_scope(shared)["id"]
    other_scope_id = create_scope(shared)["id"]
    base = f"{scope_path(scope_id)}/reviews"
    reviewer = shared.auth("reviewer")
    created = [
        ok(
            client.post(
                base,
                json={"summary": f"review {n}", "decisions": ["keep"], "evidence": ["log"]},
                headers=reviewer,
            ),
            201,
        )
        for n in range(3)
    ]
    assert all(r["stage"] == "analysis" for r in created)
    assert {r["decided_by"] for r in created} == {shared.user_ids["reviewer"]}
    first = created[0]
    assert ok(client.get(f"{base}/{first['id']}", headers=reviewer)) == first
    pages = [
        ok(client.get(base, params={"limit": 2, "offset": o}, headers=reviewer)) for o in (0, 2)
    ]
    assert [p["total"] for p in pages] == [3, 3]
    assert [r["id"] for p in pages for r in p["items"]] == [r["id"] for r in created]
    # Another scope's review is not found through this scope.
    assert_problem(
        client.get(f"{scope_path(other_scope_id)}/reviews/{first['id']}", headers=reviewer), 404
    )
    # A review is a record: no route changes or deletes it.
    owner = shared.auth("owner")
    assert_problem(client.patch(f"{base}/{first['id']}", json={"summary": "x"}, headers=owner), 405)
    assert_problem(client.delete(f"{base}/{first['id']}", headers=owner), 405)


# ---------------------------------------------------------------- events


def _all_events(world: World, who: str | None, page_size: int, **filters: Any) -> list[dict]:
    """Every event visible to ``who``, fetched page by page, checking each page."""
    seen: list[dict] = []
    total = None
    while True:
        page = ok(
            world.client.get(
                f"{API}/events",
                params={"limit": page_size, "offset": len(seen), **filters},
                headers=world.auth(who),
            )
        )
        total = page["total"] if total is None else total
        assert page["total"] == total and page["limit"] == page_size
        assert len(page["items"]) <= page_size
        if not page["items"]:
            break
        seen += page["items"]
    assert len(seen) == total
    ids = [event["id"] for event in seen]
    assert ids == sorted(set(ids)), "events come in order, each once"
    return seen


def test_events_are_paged_and_show_only_what_the_caller_may_see(shared: World) -> None:
    private = shared.scopes["private"]
    public = shared.scopes["public"]
    foreign = shared.scopes["foreign"]

    for_owner = _all_events(shared, "owner", 7)
    assert {e["id"] for e in for_owner} == {e["id"] for e in _all_events(shared, "owner", 500)}
    owner_scopes = {e["scope_id"] for e in for_owner}
    assert {private["id"], public["id"]} <= owner_scopes
    assert foreign["id"] not in owner_scopes
    types = {e["type"] for e in for_owner if e["scope_id"] == private["id"]}
    assert {"scope.created", "stakeholder.created", "goal.created", "measure.created"} <= types

    # A member with any role sees the organization's record.
    for_viewer = _all_events(shared, "viewer", 50, scope_id=private["id"])
    assert for_viewer == _all_events(shared, "owner", 50, scope_id=private["id"])
    assert for_viewer

    # Outsiders and anonymous readers see published scopes only.
    for who in ("outsider", None):
        visible = _all_events(shared, who, 9)
        assert private["id"] not in {e["scope_id"] for e in visible}
        assert _all_events(shared, who, 50, scope_id=private["id"]) == []
        published = _all_events(shared, who, 50, scope_id=public["id"])
        assert published == _all_events(shared, "owner", 50, scope_id=public["id"])
        business = _all_events(shared, who, 50, organization_id=shared.business_id)
        assert {e["scope_id"] for e in business} == {public["id"]}
    assert foreign["id"] in {e["scope_id"] for e in _all_events(shared, "outsider", 50)}
    assert foreign["id"] not in {e["scope_id"] for e in _all_events(shared, None, 50)}


def test_every_write_appends_one_event_with_its_actor(shared: World) -> None:
    scope_id = create_scope(shared, "editor")["id"]
    events = _all_events(shared, "editor", 50, scope_id=scope_id)
    assert [e["type"] for e in events] == ["scope.created", "transition.created"]
    assert {e["actor_id"] for e in events} == {shared.user_ids["editor"]}
    body = {"name": "Regulator", "category": "regulator", "organization_id": shared.regulator_id}
    item = ok(
        shared.client.post(
            f"{scope_path(scope_id)}/stakeholders", json=body, headers=shared.auth("editor")
        ),
        201,
    )
    events = _all_events(shared, "editor", 50, scope_id=scope_id)
    assert len(events) == 3
    last = events[-1]
    assert last["type"] == "stakeholder.created" and last["subject_id"] == item["id"]
    assert last["organization_id"] == shared.business_id
    assert last["payload"] == item


# ---------------------------------------------------------------- the cycle


def test_the_cycle_runs_both_loops_through_the_api(shared: World) -> None:
    client = shared.client
    scope_id = create_scope(shared)["id"]
    base = scope_path(scope_id)
    editor, reviewer = shared.auth("editor"), shared.auth("reviewer")

    def move(to: str, **extra: Any) -> dict[str, Any]:
        return ok(
            client.post(f"{base}/cycle/transitions", json={"to": to, **extra}, headers=editor), 201
        )

    cycle = ok(client.get(f"{base}/cycle", headers=shared.auth("viewer")))
    assert (cycle["stage"], cycle["inner_iterations"], cycle["outer_iterations"]) == (
        "analysis",
        0,
        0,
    )
    assert cycle["open_triggers"] == []
    assert move("goals", reason="conditions analysed")["stage"] == "goals"
    assert move("design")["stage"] == "design"

    # Operation needs a goal with an indicator and an implemented measure.
    before = snapshot(shared.engine)
    refused = client.post(f"{base}/cycle/transitions", json={"to": "operation"}, headers=editor)
    assert "indicator" in assert_problem(refused, 422, "to")["detail"]
    assert_unchanged(before, shared.engine)
    ids = seed_scope(shared, scope_id, "editor")
    assert move("operation")["stage"] == "operation"

    # A trigger during operation starts the evaluation.
    trigger = ok(
        client.post(
            f"{base}/cycle/triggers",
            json={"kind": "manual", "cause": "complaints rose", "facts": {"loop": "inner"}},
            headers=editor,
        ),
        201,
    )
    assert trigger["loop"] == "inner" and trigger["status"] == "open"
    cycle = ok(client.get(f"{base}/cycle", headers=editor))
    assert cycle["stage"] == "evaluation"
    assert [t["id"] for t in cycle["open_triggers"]] == [trigger["id"]]

    # Evaluation ends with a review; leaving it resolves the triggers.
    refused = client.post(f"{base}/cycle/transitions", json={"to": "design"}, headers=editor)
    assert_problem(refused, 422, "to")
    review = ok(
        client.post(
            f"{base}/reviews",
            json={
                "summary": "the measure works, tune it",
                "decisions": ["tune the threshold"],
                "evidence": ["selection ratio 0.85"],
                "changes": [{"kind": "goal", "id": ids["goal"], "version": 1}],
            },
            headers=reviewer,
        ),
        201,
    )
    assert review["stage"] == "evaluation"
    cycle = move("design", reason="inner loop")
    assert (cycle["stage"], cycle["inner_iterations"], cycle["outer_iterations"]) == (
        "design",
        1,
        0,
    )
    assert cycle["open_triggers"] == []
    resolved = ok(
        client.get(f"{base}/cycle/triggers", params={"status": "resolved"}, headers=editor)
    )
    assert [(t["id"], t["resolved_by_review_id"]) for t in resolved["items"]] == [
        (trigger["id"], review["id"])
    ]

    # A changed condition calls for the outer loop: back to analysis, not design.
    move("operation")
    changed = ok(
        client.post(
            f"{base}/cycle/triggers",
            json={"kind": "condition_change", "cause": "a new regulation"},
            headers=editor,
        ),
        201,
    )
    assert changed["loop"] == "outer"
    ok(
        client.post(
            f"{base}/reviews",
            json={
                "summary": "premises moved",
                "decisions": ["re-analyse"],
                "evidence": ["the regulation"],
            },
            headers=reviewer,
        ),
        201,
    )
    assert_problem(
        client.post(f"{base}/cycle/transitions", json={"to": "design"}, headers=editor), 422, "to"
    )
    cycle = move("analysis")
    assert (cycle["stage"], cycle["inner_iterations"], cycle["outer_iterations"]) == (
        "analysis",
        1,
        1,
    )

    transitions = ok(client.get(f"{base}/cycle/transitions", params={"limit": 100}, headers=editor))
    path = [(t["from_stage"], t["to_stage"], t["loop"]) for t in transitions["items"]]
    assert path == [
        (None, "analysis", None),
        ("analysis", "goals", None),
        ("goals", "design", None),
        ("design", "operation", None),
        ("operation", "evaluation", None),
        ("evaluation", "design", "inner"),
        ("design", "operation", None),
        ("operation", "evaluation", None),
        ("evaluation", "analysis", "outer"),
    ]
    assert transitions["items"][4]["trigger_id"] == trigger["id"]
    assert transitions["items"][5]["review_id"] == review["id"]
    page = ok(
        client.get(f"{base}/cycle/transitions", params={"limit": 4, "offset": 8}, headers=editor)
    )
    assert page["total"] == 9 and [t["to_stage"] for t in page["items"]] == ["analysis"]
    history = ok(client.get(f"{base}/cycle/history", params={"limit": 100}, headers=editor))
    kinds = [entry["kind"] for entry in history["items"]]
    assert kinds.count("transition") == 9 and kinds.count("review") == 2
    assert kinds.count("trigger_opened") == 2 and kinds.count("trigger_resolved") == 2
    times = [entry["time"] for entry in history["items"]]
    assert times == sorted(times, reverse=True)


# ---------------------------------------------------------------- tokens


def test_tokens_are_shown_once_listed_without_secret_and_revocable(shared: World) -> None:
    client = shared.client
    owner = shared.auth("owner")
    issued = ok(client.post(f"{API}/tokens", json={"name": "ci pipeline"}, headers=owner), 201)
    token = issued["token"]
    assert token.startswith("agt_") and len(token) > 40
    assert issued["name"] == "ci pipeline" and issued["revoked_at"] is None

    me = ok(client.get(f"{API}/me", headers=bearer(token)))
    assert me["user_id"] == shared.user_ids["owner"]
    assert me["roles"] == {str(shared.business_id): "owner"}

    listed = client.get(f"{API}/tokens", headers=owner)
    page = ok(listed)
    assert token not in listed.text
    assert all("token" not in item for item in page["items"])
    assert issued["id"] in [item["id"] for item in page["items"]]
    assert page["total"] == len(page["items"]) >= 2  # the fixture's token and this one
    # Others' tokens are not listed, nor revocable.
    assert issued["id"] not in [
        item["id"]
        for item in ok(client.get(f"{API}/tokens", headers=shared.auth("editor")))["items"]
    ]
    assert_problem(
        client.delete(f"{API}/tokens/{issued['id']}", headers=shared.auth("editor")), 404
    )
    assert ok(client.get(f"{API}/me", headers=bearer(token)))["user_id"] == shared.user_ids["owner"]

    revoked = ok(client.delete(f"{API}/tokens/{issued['id']}", headers=bearer(token)))
    assert revoked["id"] == issued["id"] and revoked["revoked_at"] is not None
    assert_problem(client.get(f"{API}/me", headers=bearer(token)), 401)
    assert_problem(client.get(f"{API}/tokens", headers=bearer(token)), 401)
    # The token was the owner's, the owner's other tokens still work.
    assert ok(client.get(f"{API}/me", headers=owner))["user_id"] == shared.user_ids["owner"]
    listed = ok(client.get(f"{API}/tokens", headers=owner))["items"]
    assert [t["revoked_at"] is not None for t in listed if t["id"] == issued["id"]] == [True]

    with shared.engine.connect() as connection:
        stored = connection.scalar(select(ApiToken.token_hash).where(ApiToken.id == issued["id"]))
    assert stored and token not in stored
