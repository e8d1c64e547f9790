"""Requirements: a government's scoped entity, published, listed publicly, and
its adopters with their compliance now."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from agilegov import clock, scoped
from agilegov.auth import Principal
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.goals.service import GOAL
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.regulation import service
from agilegov.regulation.schemas import DEFAULT_ITEMS, RequirementCreate
from agilegov.regulation.service import REQUIREMENT, adopters, list_published, publish_requirement
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope
from api_helpers import API, assert_problem, bearer, make_client, ok
from builders import (
    World,
    add,
    event_count,
    indicator,
    new_scope,
    row_counts,
    specific_goal,
)
from regulation_builders import regulated, requirement_fields, rule_domain
from web_helpers import csrf_of


def _government_goal(world: World) -> tuple[int, int, int]:
    scope = rule_domain(world)
    goal = specific_goal(world.uow, world.outsider, scope).id
    measured = indicator(world.uow, world.outsider, scope, goal).id
    return scope, goal, measured


def test_a_government_creates_a_requirement_with_the_five_default_items(world: World) -> None:
    scope, goal, measured = _government_goal(world)
    created = add(
        world.uow, world.outsider, scope, REQUIREMENT, **requirement_fields(goal, measured)
    )
    assert created.status == "draft" and created.published_at is None
    assert [item["key"] for item in created.items] == [item["key"] for item in DEFAULT_ITEMS]
    assert created.goal_ids == [goal] and created.indicator_ids == [measured]
    assert (created.report_every_months, created.period_starts_month) == (12, 4)


def _refused(
    world: World, scope: int, actor: object, error: type, field: str | None, **fields: object
) -> None:
    before = row_counts(world.uow)
    with pytest.raises(error) as raised:
        scoped.create_item(world.uow, actor, scope, REQUIREMENT, RequirementCreate(**fields))
    if field is not None:
        assert [p.field for p in raised.value.problems] == [field]
    assert row_counts(world.uow) == before


def test_a_business_cannot_set_a_requirement(world: World) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id)
    goal = specific_goal(world.uow, world.owner, scope).id
    _refused(
        world,
        scope,
        world.owner,
        InvalidInput,
        "scope_id",
        **requirement_fields(goal, 0, indicator_ids=[]),
    )


def test_the_goals_and_indicators_must_be_the_scopes_active_specific_ones(world: World) -> None:
    scope, goal, measured = _government_goal(world)
    core = add(world.uow, world.outsider, scope, GOAL, title="Fairness", level="core_value").id
    other_goal = specific_goal(world.uow, world.outsider, scope, title="Other").id
    other_indicator = indicator(world.uow, world.outsider, scope, other_goal, key="other").id
    elsewhere = specific_goal(
        world.uow, world.owner, new_scope(world.uow, world.owner, world.business_id)
    ).id
    fields = requirement_fields(goal, measured)
    _refused(
        world, scope, world.outsider, InvalidInput, "goal_ids", **(fields | {"goal_ids": [core]})
    )
    _refused(
        world,
        scope,
        world.outsider,
        InvalidInput,
        "goal_ids",
        **(fields | {"goal_ids": [elsewhere]}),
    )
    _refused(
        world,
        scope,
        world.outsider,
        InvalidInput,
        "indicator_ids",
        **(fields | {"indicator_ids": [other_indicator]}),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("report_every_months", 5),
        ("period_starts_month", 13),
        ("report_due_business_days", 0),
        ("report_due_business_days", 251),
        ("items", [{"key": "Overview", "title": "Overview"}]),
        ("items", [{"key": "a", "title": "A"}, {"key": "a", "title": "Again"}]),
        ("effective_until", date(2025, 3, 31)),
    ],
)
def test_bad_duties_are_refused_naming_the_field(world: World, field: str, value: object) -> None:
    scope, goal, measured = _government_goal(world)
    before = row_counts(world.uow)
    with pytest.raises((InvalidInput, ValueError)) as raised:
        data = RequirementCreate(**(requirement_fields(goal, measured) | {field: value}))
        scoped.create_item(world.uow, world.outsider, scope, REQUIREMENT, data)
    assert field in str(raised.value)
    assert row_counts(world.uow) == before


def test_only_the_governments_editors_create_one(world: World) -> None:
    scope, goal, measured = _government_goal(world)
    for outsider in (world.owner, world.editor):
        _refused(world, scope, outsider, Forbidden, None, **requirement_fields(goal, measured))


def test_publishing_needs_a_draft_with_a_goal_in_a_public_scope(world: World) -> None:
    scope, goal, measured = _government_goal(world)
    bare = add(
        world.uow,
        world.outsider,
        scope,
        REQUIREMENT,
        **requirement_fields(goal, measured, goal_ids=[], indicator_ids=[]),
    )
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        publish_requirement(world.uow, world.outsider, bare.id)
    assert raised.value.problems[0].field == "goal_ids"
    full = add(world.uow, world.outsider, scope, REQUIREMENT, **requirement_fields(goal, measured))
    before = row_counts(world.uow)
    with pytest.raises(Forbidden):
        publish_requirement(world.uow, world.owner, full.id)
    assert row_counts(world.uow) == before
    events = event_count(world.uow)
    published = publish_requirement(world.uow, world.outsider, full.id)
    assert published.status == "published" and published.published_at is not None
    assert published.version == full.version + 1
    assert event_count(world.uow) == events + 1
    with pytest.raises(Conflict):
        publish_requirement(world.uow, world.outsider, full.id)
    private = rule_domain(world, "Drafting room")
    update_scope(world.uow, world.outsider, private, ScopeUpdate(visibility="private"))
    hidden_goal = specific_goal(world.uow, world.outsider, private).id
    hidden = add(
        world.uow,
        world.outsider,
        private,
        REQUIREMENT,
        **requirement_fields(hidden_goal, 0, indicator_ids=[]),
    )
    with pytest.raises(Conflict):
        publish_requirement(world.uow, world.outsider, hidden.id)


def test_published_requirements_are_listed_for_everyone(world: World) -> None:
    scope, goal, measured = _government_goal(world)
    draft = add(
        world.uow,
        world.outsider,
        scope,
        REQUIREMENT,
        **requirement_fields(goal, measured, title="Draft"),
    )
    shown = add(world.uow, world.outsider, scope, REQUIREMENT, **requirement_fields(goal, measured))
    publish_requirement(world.uow, world.outsider, shown.id)
    listed = list_published(world.uow, 50, 0)
    assert [p.requirement.id for p in listed.items] == [shown.id] and listed.total == 1
    assert listed.items[0].organization_name == "Ministry"
    with pytest.raises(NotFound):
        service.get_requirement(world.uow, world.owner, draft.id + 1000)


def _evaluate(world: World, scope: int, key: str, value: float, at: datetime) -> None:
    rows = [Row(key, at - timedelta(hours=1), value, "test", "observations[0]")]
    ingest(world.uow, world.owner, rows, scope_id=scope)
    with clock.frozen_at(at):
        evaluate_scope(world.uow, world.owner, scope, at=at)


def test_compliance_compares_with_the_required_level_not_the_adopters(world: World) -> None:
    built = regulated(world)
    found = adopters(world.uow, world.outsider, built.requirement.id)
    assert [(a.scope_id, a.goal_id) for a in found] == [(built.scope, built.goal)]
    assert found[0].compliance[0].status == "no_data"
    # 0.82 misses the adopter's own 0.85 but meets the required 0.8.
    _evaluate(world, built.scope, "selection.ratio", 0.82, datetime(2026, 4, 10, tzinfo=UTC))
    found = adopters(world.uow, world.outsider, built.requirement.id)
    row = found[0].compliance[0]
    assert (row.status, row.value, row.required_level) == ("meets", 0.82, 0.8)
    _evaluate(world, built.scope, "selection.ratio", 0.7, datetime(2026, 4, 20, tzinfo=UTC))
    assert (
        adopters(world.uow, world.outsider, built.requirement.id)[0].compliance[0].status == "below"
    )


def test_an_adopter_without_the_required_key_has_no_indicator(world: World) -> None:
    built = regulated(world)
    other = new_scope(world.uow, world.owner, world.business_id, name="Second model")
    specific_goal(world.uow, world.owner, other, derives_from_id=built.gov_goal)
    found = {a.scope_id: a for a in adopters(world.uow, world.outsider, built.requirement.id)}
    assert found[other].compliance[0].status == "no_indicator"


def test_outsiders_see_only_public_adopters(world: World) -> None:
    built = regulated(world)
    public = new_scope(
        world.uow, world.owner, world.business_id, name="Open model", visibility="public"
    )
    specific_goal(world.uow, world.owner, public, derives_from_id=built.gov_goal)
    regulator_view = {a.scope_id for a in adopters(world.uow, world.outsider, built.requirement.id)}
    assert regulator_view == {built.scope, public}
    anyone = Principal(user_id=None)
    assert {a.scope_id for a in adopters(world.uow, anyone, built.requirement.id)} == {public}


def test_the_api_publishes_lists_and_shows_adopters(world: World, database_url: str) -> None:
    scope, goal, measured = _government_goal(world)
    with make_client(database_url) as client:
        regulator = bearer(world.tokens["outsider"])
        business = bearer(world.tokens["owner"])
        body = requirement_fields(goal, measured)
        body["effective_from"] = body["effective_from"].isoformat()
        created = ok(
            client.post(f"{API}/scopes/{scope}/requirements", json=body, headers=regulator), 201
        )
        bad = body | {"items": [{"key": "Bad Key", "title": "x"}]}
        assert_problem(
            client.post(f"{API}/scopes/{scope}/requirements", json=bad, headers=regulator),
            422,
            "items[0].key",
        )
        assert_problem(
            client.post(f"{API}/requirements/{created['id']}/publish", headers=business), 403
        )
        ok(client.post(f"{API}/requirements/{created['id']}/publish", headers=regulator))
        listed = ok(client.get(f"{API}/requirements"))
        assert [p["requirement"]["id"] for p in listed["items"]] == [created["id"]]
        assert ok(client.get(f"{API}/requirements/{created['id']}/adopters")) == []
        page = client.get(f"/requirements/{created['id']}")
        assert page.status_code == 200 and "Fairness in automated hiring" in page.text
        assert client.get("/requirements").status_code == 200


def test_a_requirement_is_set_and_changed_through_its_pages(
    world: World, database_url: str
) -> None:
    scope, goal, measured = _government_goal(world)
    with make_client(database_url) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "email": "outsider@example.com",
                "password": "a-long-password",
                "csrf_token": csrf_of(page),
            },
        )
        tab = client.get(f"/scopes/{scope}/requirements")
        assert f"/scopes/{scope}/requirements/new" in tab.text
        form = client.get(f"/scopes/{scope}/requirements/new")
        assert form.status_code == 200
        fields = {
            "title": "Fairness in automated hiring",
            "applies_to": "Hiring platforms",
            "effective_from": "2025-04-01",
            "goal_ids": str(goal),
            "indicator_ids": str(measured),
            "report_every_months": "12",
            "period_starts_month": "4",
            "report_due_business_days": "60",
            "items": "overview | Overview of the business\nrisks | Risks | What could go wrong",
            "csrf_token": csrf_of(form),
        }
        created = client.post(f"/scopes/{scope}/requirements", data=fields, follow_redirects=False)
        assert created.status_code == 303, created.text
        path = created.headers["location"]
        shown = client.get(path)
        assert shown.status_code == 200 and "What could go wrong" in shown.text
        # Saving the form as it is shown keeps the items.
        item_lines = re.search(r'name="items"[^>]*>([^<]*)</textarea>', shown.text)
        assert item_lines is not None
        again = fields | {"items": html.unescape(item_lines.group(1)), "title": "Renamed"}
        assert client.post(path, data=again, follow_redirects=False).status_code == 303
        requirement_id = int(path.rsplit("/", 1)[1])
        kept = service.get_requirement(world.uow, world.outsider, requirement_id)
        assert kept.title == "Renamed"
        assert [item["key"] for item in kept.items] == ["overview", "risks"]
        bad = fields | {"items": "Bad Key | x"}
        refused = client.post(f"/scopes/{scope}/requirements", data=bad)
        assert refused.status_code == 422
