"""Disclosures to named audiences on both engines: withheld items need a reason
of the vocabulary; a private scope's goal disclosed to a regulator reaches the
regulator's members and nobody else; a public disclosure reaches anyone;
withdrawal keeps it readable, marked; the snapshot keeps what the goal said;
and each step is in the record."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agilegov import clock
from agilegov.auth import ANONYMOUS, Principal
from agilegov.disclosure import audiences as service
from agilegov.disclosure.audience_schemas import DisclosureCreate, Withdrawal
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.goals.service import GOAL
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import Evaluation
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.notify.models import Notification
from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import create_organization, create_user, principal_for_user
from agilegov.record.models import Event
from api_helpers import API, ok, world_from_fixture
from builders import (
    World,
    change,
    indicator,
    new_scope,
    review,
    row_counts,
    specific_goal,
    stakeholder,
)


def _stranger(world: World, name: str = "stranger") -> Principal:
    user = create_user(
        world.uow,
        UserCreate(email=f"{name}@example.com", name=name.title(), password="a-long-password"),
    )
    with world.uow:
        return principal_for_user(world.uow.session, user.id)


def _disclose(world: World, scope_id: int, **fields: Any) -> Any:
    body = {"title": "Fairness of shortlisting", "audience": "public"} | fields
    return service.create_disclosure(
        world.uow, world.editor, scope_id, DisclosureCreate.model_validate(body)
    )


def _events(world: World, disclosure_id: int) -> list[tuple[str, bool, int | None, int | None]]:
    """Each event about the disclosure: its type, whether private, its scope and actor."""
    with world.uow:
        rows = world.uow.session.execute(
            select(Event.type, Event.payload_salt, Event.scope_id, Event.actor_id)
            .where(Event.subject_type == "disclosure", Event.subject_id == disclosure_id)
            .order_by(Event.id)
        )
        return [(type_, salt is not None, scope, actor) for type_, salt, scope, actor in rows]


def _private_goal(world: World) -> tuple[int, int]:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    goal = specific_goal(world.uow, world.owner, scope_id)
    return scope_id, goal.id


UNAVAILABLE = {"reason": "information_unavailable", "steps": "survey running"}


@pytest.mark.parametrize(
    ("withheld", "field"),
    [
        ({"reason": "trade_secret", "explanation": "ours"}, "withheld[0].reason"),
        ({"reason": "confidentiality"}, "withheld[0].explanation"),
        ({"reason": "legal_prohibition", "explanation": " "}, "withheld[0].explanation"),
        (UNAVAILABLE, "withheld[0].expected_on"),
        ({"reason": "information_unavailable", "expected_on": "2099-01-01"}, "withheld[0].steps"),
        ({"reason": "not_applicable", "explanation": "x", "kind": "rumour"}, "withheld[0].kind"),
        ({"reason": "not_applicable", "explanation": "x", "id": 999_999}, "withheld[0].id"),
    ],
)
def test_a_withheld_item_without_a_reason_that_holds_is_refused_and_nothing_stored(
    world: World, withheld: dict[str, Any], field: str
) -> None:
    scope_id, goal_id = _private_goal(world)
    second = specific_goal(world.uow, world.owner, scope_id, title="Explained rejections").id
    row = {"kind": "goal", "id": second} | withheld
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        _disclose(world, scope_id, items=[{"kind": "goal", "id": goal_id}], withheld=[row])
    assert [problem.field for problem in refused.value.problems] == [field]
    assert row_counts(world.uow) == before


def test_the_third_withheld_row_is_named_when_it_is_the_one_wrong(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    others = [specific_goal(world.uow, world.owner, scope_id, title=f"G{n}").id for n in range(2)]
    rows = [
        {"kind": "goal", "id": goal_id, "reason": "not_applicable", "explanation": "none"},
        {"kind": "goal", "id": others[0], "reason": "confidentiality", "explanation": "contract"},
        {"kind": "goal", "id": others[1], **UNAVAILABLE},
    ]
    with pytest.raises(InvalidInput) as refused:
        _disclose(world, scope_id, withheld=rows)
    assert refused.value.problems[0].field == "withheld[2].expected_on"


def test_an_item_is_not_both_shown_and_withheld(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    row = {"kind": "goal", "id": goal_id, "reason": "confidentiality", "explanation": "contract"}
    with pytest.raises(InvalidInput) as refused:
        _disclose(world, scope_id, items=[{"kind": "goal", "id": goal_id}], withheld=[row])
    assert refused.value.problems[0].field == "withheld[0]"


@pytest.mark.parametrize(
    ("audience", "field"),
    [
        ({"audience": "regulator"}, "audience_organization_id"),
        (
            {"audience": "assessor", "audience_organization_id": "regulator"},
            "audience_organization_id",
        ),
        (
            {"audience": "public", "audience_organization_id": "regulator"},
            "audience_organization_id",
        ),
        (
            {"audience": "organization", "audience_organization_id": 999_999},
            "audience_organization_id",
        ),
        ({"audience": "stakeholders"}, "stakeholder_ids"),
        ({"audience": "stakeholders", "stakeholder_ids": [999_999]}, "stakeholder_ids[0].id"),
    ],
)
def test_an_audience_that_is_not_what_it_says_is_refused(
    world: World, audience: dict[str, Any], field: str
) -> None:
    scope_id, _ = _private_goal(world)
    if audience.get("audience_organization_id") == "regulator":
        audience = audience | {"audience_organization_id": world.regulator_id}
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        _disclose(world, scope_id, **audience)
    assert refused.value.problems[0].field == field
    assert row_counts(world.uow) == before


def test_a_private_goal_disclosed_to_the_regulator_reaches_its_members_only(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    withheld = {
        "kind": "goal",
        "id": specific_goal(world.uow, world.owner, scope_id, title="Wage parity").id,
        "reason": "information_unavailable",
        "steps": "payroll audit under way",
        "expected_on": "2099-03-31",
    }
    draft = _disclose(
        world,
        scope_id,
        audience="regulator",
        audience_organization_id=world.regulator_id,
        items=[{"kind": "goal", "id": goal_id}],
        withheld=[withheld],
    )
    assert draft.status == "draft"
    # A draft is its organization's alone.
    with pytest.raises(NotFound):
        service.get_disclosure(world.uow, world.outsider, draft.id)

    published = service.publish_disclosure(world.uow, world.editor, draft.id)
    assert published.reader_organization_ids == [world.regulator_id]

    seen = service.get_disclosure(world.uow, world.outsider, draft.id)  # the regulator's owner
    assert [(item.kind, item.id, item.title) for item in seen.items] == [
        ("goal", goal_id, "Fair shortlisting")
    ]
    assert seen.items[0].snapshot["acceptable_level"] == 0.8
    assert seen.withheld[0].reason == "information_unavailable"
    assert seen.withheld[0].steps == "payroll audit under way"
    assert service.get_disclosure(world.uow, world.viewer, draft.id).id == draft.id

    for nobody in (_stranger(world), ANONYMOUS):
        with pytest.raises(NotFound):
            service.get_disclosure(world.uow, nobody, draft.id)
    received = service.received_disclosures(world.uow, world.outsider, world.regulator_id)
    assert [summary.id for summary in received] == [draft.id]
    with pytest.raises(Forbidden):
        service.received_disclosures(world.uow, _stranger(world, "other"), world.regulator_id)

    with world.uow:
        told = world.uow.session.scalars(
            select(Notification.user_id).where(Notification.kind == "disclosure.received")
        ).all()
    assert told == [world.outsider.user_id]


def test_a_public_disclosure_of_a_private_scope_is_read_by_anyone(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    draft = _disclose(world, scope_id, items=[{"kind": "goal", "id": goal_id}])
    service.publish_disclosure(world.uow, world.editor, draft.id)
    for anyone in (_stranger(world), ANONYMOUS, world.outsider):
        assert service.get_disclosure(world.uow, anyone, draft.id).items[0].id == goal_id
    # In the open record, payload and all.
    assert _events(world, draft.id)[-1][:2] == ("disclosure.published", False)


def test_stakeholders_read_through_their_linked_organizations(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    community = create_organization(
        world.uow,
        world.outsider,
        OrganizationCreate(slug="applicants-union", name="Applicants' Union", kind="community"),
    )
    linked = stakeholder(world.uow, world.owner, scope_id, organization_id=community.id)
    unlinked = stakeholder(world.uow, world.owner, scope_id, name="Recruiters")
    draft = _disclose(
        world,
        scope_id,
        audience="stakeholders",
        stakeholder_ids=[linked.id, unlinked.id],
        items=[{"kind": "goal", "id": goal_id}],
    )
    published = service.publish_disclosure(world.uow, world.editor, draft.id)
    assert published.reader_organization_ids == [community.id]
    outsider = world.refresh("outsider")  # now also the union's owner
    assert service.get_disclosure(world.uow, outsider, draft.id).title == draft.title
    with pytest.raises(NotFound):
        service.get_disclosure(world.uow, _stranger(world), draft.id)


def test_withdrawal_keeps_it_readable_to_its_audience_marked(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    draft = _disclose(
        world,
        scope_id,
        audience="organization",
        audience_organization_id=world.regulator_id,
        items=[{"kind": "goal", "id": goal_id}],
    )
    with pytest.raises(Conflict):
        service.withdraw_disclosure(world.uow, world.editor, draft.id, Withdrawal(reason="x"))
    service.publish_disclosure(world.uow, world.editor, draft.id)
    with pytest.raises(Forbidden):
        service.withdraw_disclosure(world.uow, world.viewer, draft.id, Withdrawal(reason="x"))
    with pytest.raises(NotFound):
        service.withdraw_disclosure(world.uow, world.outsider, draft.id, Withdrawal(reason="x"))
    service.withdraw_disclosure(
        world.uow, world.editor, draft.id, Withdrawal(reason="The figures were miscounted")
    )
    seen = service.get_disclosure(world.uow, world.outsider, draft.id)
    assert seen.status == "withdrawn"
    assert seen.withdrawal_reason == "The figures were miscounted"
    assert seen.withdrawn_at is not None
    with pytest.raises(Conflict):
        service.publish_disclosure(world.uow, world.editor, draft.id)


def test_the_snapshot_keeps_what_the_goal_said_when_published(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    draft = _disclose(world, scope_id, items=[{"kind": "goal", "id": goal_id}])
    change(world.uow, world.owner, scope_id, GOAL, goal_id, title="Fair and fast shortlisting")
    published = service.publish_disclosure(world.uow, world.editor, draft.id)
    assert published.items[0].title == "Fair and fast shortlisting"
    change(
        world.uow,
        world.owner,
        scope_id,
        GOAL,
        goal_id,
        title="Fast shortlisting",
        acceptable_level=0.5,
    )
    seen = service.get_disclosure(world.uow, ANONYMOUS, draft.id)
    assert seen.items[0].title == "Fair and fast shortlisting"
    assert seen.items[0].snapshot["title"] == "Fair and fast shortlisting"
    assert seen.items[0].snapshot["acceptable_level"] == 0.8


def test_each_step_is_in_the_record_private_unless_public(world: World) -> None:
    scope_id, goal_id = _private_goal(world)
    draft = _disclose(
        world,
        scope_id,
        audience="regulator",
        audience_organization_id=world.regulator_id,
        items=[{"kind": "goal", "id": goal_id}],
    )
    service.publish_disclosure(world.uow, world.editor, draft.id)
    service.withdraw_disclosure(world.uow, world.editor, draft.id, Withdrawal(reason="superseded"))
    actor = world.editor.user_id
    assert _events(world, draft.id) == [
        ("disclosure.drafted", True, scope_id, actor),
        ("disclosure.published", True, scope_id, actor),
        ("disclosure.withdrawn", True, scope_id, actor),
    ]


def test_only_the_scopes_editors_draft_and_publish(world: World) -> None:
    scope_id, _ = _private_goal(world)
    body = DisclosureCreate(title="T", audience="public")
    with pytest.raises(Forbidden):
        service.create_disclosure(world.uow, world.viewer, scope_id, body)
    with pytest.raises(NotFound):
        service.create_disclosure(world.uow, world.outsider, scope_id, body)
    draft = _disclose(world, scope_id)
    with pytest.raises(Forbidden):
        service.publish_disclosure(world.uow, world.viewer, draft.id)
    listed = service.scope_disclosures(world.uow, world.viewer, scope_id)
    assert [summary.id for summary in listed] == [draft.id]
    with pytest.raises(NotFound):
        service.scope_disclosures(world.uow, world.outsider, scope_id)


def test_through_the_api_the_audience_reads_and_others_find_nothing(
    database_url: str, engine: Engine, world: World
) -> None:
    api = world_from_fixture(database_url, engine, world)
    scope_id, goal_id = _private_goal(world)
    base = f"{API}/scopes/{scope_id}/disclosures"
    body = {
        "title": "Fairness of shortlisting",
        "audience": "regulator",
        "audience_organization_id": world.regulator_id,
        "items": [{"kind": "goal", "id": goal_id}],
        "withheld": [{"kind": "goal", "id": goal_id + 1_000, "reason": "not_applicable"}],
    }
    before = row_counts(world.uow)
    refused = api.client.post(base, json=body, headers=api.auth("editor"))
    assert refused.status_code == 422
    assert [problem["field"] for problem in refused.json()["errors"]] == ["withheld[0].explanation"]
    assert row_counts(world.uow) == before

    del body["withheld"]
    draft = ok(api.client.post(base, json=body, headers=api.auth("editor")), 201)
    path = f"{API}/disclosures/{draft['id']}"
    ok(api.client.post(f"{path}/publish", headers=api.auth("editor")))
    assert ok(api.client.get(path, headers=api.auth("outsider")))["items"][0]["id"] == goal_id
    assert api.client.get(path).status_code == 404
    received = ok(
        api.client.get(
            f"{API}/organizations/{world.regulator_id}/disclosures-received",
            headers=api.auth("outsider"),
        )
    )
    assert [summary["id"] for summary in received] == [draft["id"]]


def test_a_review_and_an_evaluation_of_a_private_scope_are_disclosed_item_by_item(
    world: World,
) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    goal = specific_goal(world.uow, world.owner, scope_id, acceptable_level=0.8)
    indicator(world.uow, world.owner, scope_id, goal.id, name="Selection ratio")
    at = datetime(2026, 4, 12, 3, tzinfo=UTC)
    rows = [Row("selection.ratio", at - timedelta(hours=1), 0.6, "test", "observations[0]")]
    ingest(world.uow, world.owner, rows, scope_id=scope_id)
    with clock.frozen_at(at):
        evaluate_scope(world.uow, world.owner, scope_id, at=at)
    decided = review(world.uow, world.owner, scope_id, summary="Ratio below the line\nmore")
    with world.uow:
        evaluation_id = world.uow.session.scalars(
            select(Evaluation.id).where(Evaluation.scope_id == scope_id)
        ).one()
    choices = dict(service.item_choices(world.uow, world.editor, scope_id))
    assert f"review:{decided.id}" in choices and f"evaluation:{evaluation_id}" in choices
    assert "Selection ratio 2026-04-12: breach 0.6" in choices[f"evaluation:{evaluation_id}"]

    other_scope = new_scope(world.uow, world.owner, world.business_id)
    with pytest.raises(InvalidInput) as refused:
        _disclose(world, other_scope, items=[{"kind": "evaluation", "id": evaluation_id}])
    assert [problem.field for problem in refused.value.problems] == ["items[0].id"]

    draft = _disclose(
        world,
        scope_id,
        audience="regulator",
        audience_organization_id=world.regulator_id,
        items=[{"kind": "evaluation", "id": evaluation_id}],
        withheld=[
            {
                "kind": "review",
                "id": decided.id,
                "reason": "confidentiality",
                "explanation": "It names the vendor under negotiation.",
            }
        ],
    )
    service.publish_disclosure(world.uow, world.editor, draft.id)
    seen = service.get_disclosure(world.uow, world.outsider, draft.id)
    snapshot = seen.items[0].snapshot
    assert (snapshot["indicator"], snapshot["status"], snapshot["value"]) == (
        "Selection ratio",
        "breach",
        0.6,
    )
    assert seen.withheld[0].kind == "review"
    assert seen.withheld[0].title.endswith("Ratio below the line")
    for nobody in (_stranger(world), ANONYMOUS):
        with pytest.raises(NotFound):
            service.get_disclosure(world.uow, nobody, draft.id)
