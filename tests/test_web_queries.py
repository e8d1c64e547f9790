"""Each main page reads what it shows in a fixed number of SQL statements.

The statements a page issues are counted on the app's own engine (a
``before_cursor_execute`` listener), signed in as an organization's owner: once
on a scope with one or two entities of every kind, then again after many more of
every kind (and more organizations and scopes) were added. A page whose count
grows with what it shows has an N+1 query; a count above the page's bound in
BOUNDS is a page that got heavier. Both run on SQLite and on PostgreSQL.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from agilegov import clock, part
from agilegov.analysis.service import RISK
from agilegov.auth import ANONYMOUS, Principal
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import raise_trigger
from agilegov.design.service import MEASURE
from agilegov.dialogue.access import Voice
from agilegov.dialogue.lifecycle import create_consultation, respond
from agilegov.dialogue.participation import add_comment, cast_vote
from agilegov.dialogue.reads import statements
from agilegov.dialogue.schemas import CommentCreate, ConsultationCreate, ResponseCreate, VoteCreate
from agilegov.goals.service import ALLOCATION, GOAL, TRADE_OFF
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.notify.schemas import WebhookCreate
from agilegov.notify.service import create_webhook
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork
from api_helpers import World as ApiWorld
from api_helpers import world_from_fixture
from builders import (
    World,
    add,
    change,
    condition,
    impact,
    indicator,
    measure,
    move,
    new_scope,
    review,
    specific_goal,
    stakeholder,
)
from web_helpers import sign_in

# The most statements each page may issue, the sign-in lookup included (two: the
# session's user, then their memberships); BEGIN is not counted (see
# statement_counts). Raise one deliberately, with the reason.
BOUNDS: dict[str, int] = {
    # Sign-in (2), organizations, scopes, triggers, breaches, reviews due (one per
    # kind with a review-by date: 2), consultations to answer, assessments in progress
    # (of any organization the visitor edits for), improvement actions overdue.
    "dashboard": 12,
    # Searchable lists (web/lists.py) count what matches, then read one page of it;
    # the organizations' list reads every organization's mark too (one statement,
    # organizations.service.organization_marks).
    "organizations": 5,
    "assessments": 4,
    # Its mark (1), its verifications (1), the verifiers the visitor edits for (1),
    # and the challenge shown to members and verifiers.
    "organization profile": 9,
    # The checkpoint, then the entries the visitor may read.
    "record": 6,
    # 9 on SQLite: there the proof's nodes are read through the driver's own cursor
    # (agilegov.record.log), which the engine's listener does not see.
    "record, an entry looked up": 10,
    "new scope form": 4,
    "scope edit form": 6,
    "scope overview": 14,
    # Searchable lists (web/lists.py: these, the measures, indicators, reviews,
    # triggers, the history's moves and consultations) count what matches, then read
    # one page of it. Each tab's header marks the owning organization (1).
    "stakeholders tab": 10,
    "conditions tab": 9,
    "risks tab": 11,
    "goals tab": 11,
    "indicators tab": 11,
    "trade-offs tab": 9,
    "allocations tab": 10,
    "measures tab": 12,
    # 9 with no area; with areas, their risks and their plans add one each. The
    # assurance summary reads the areas, plans and owner again, then the completed
    # assessments (4), and with any, their attestations, assessors, criteria, actions
    # and the robustness table (5); the scope's requirements others adopt (2).
    "trust tab": 22,
    # The versions followed and their changes (3), then the library service's
    # statement, coverage (the statement again, the crosswalks) and unresolved
    # citations, each checking the scope's reader itself.
    "frameworks tab": 23,
    # The scope's requirements (a government's) or its reports (an adopter's): one list.
    "requirements tab": 8,
    "reports tab": 8,
    "reviews tab": 12,
    "triggers tab": 9,
    "consultations tab": 11,
    # The period's figures (the organization, the scope, the complaints), then for
    # members the ADR route, the bodies (counted, then read) and their names, the
    # rule measures, the cluster rule, the clusters and their complaints, the desk.
    "complaints tab": 16,
    # For members: the incidents, the subscription and the signals.
    "incidents tab": 13,
    # The scope's disclosures, or its transparency reports: one list each.
    "disclosures tab": 8,
    "transparency tab": 8,
    "history tab": 11,
    # A goal's form offers the goals of other organizations it may adopt (1).
    "goal page": 9,
    # Sign-in (2), its scope twice (the history's check, then the page's), the
    # indicator with its goal, observations, evaluations, episodes, their counts.
    "indicator page": 9,
    "risk page": 9,
    "measure page": 11,
    "goal versions": 7,
    "measure versions": 9,
    "new stakeholder form": 4,
    "new impact form": 4,
    "new condition form": 3,
    "new risk form": 5,
    "new goal form": 6,
    "new indicator form": 6,
    "new trade-off form": 4,
    "new allocation form": 5,
    "new measure form": 6,
    # The scope, its versions, open triggers and the register's risks.
    "new review form": 7,
    "new trigger form": 3,
    # The kinds of the person's notifications, then the list.
    "notifications": 5,
    # Its breadcrumb marks the organization (1).
    "webhooks": 10,
    "consultation": 15,
    "consultation vote": 15,
    # The snapshot every consultation page reads, then the list of its comments.
    "consultation responses": 17,
    "consultation, own input": 15,
}

# Every tab of the scope page, as the app lists them: a new tab needs a bound here.
TABS = [tab.path for tab in part.tabs() if tab.path]
KINDS = (
    ("stakeholder", "stakeholders"),
    ("impact", "impacts"),
    ("condition", "conditions"),
    ("risk", "risks"),
    ("goal", "goals"),
    ("indicator", "indicators"),
    ("trade-off", "trade-offs"),
    ("allocation", "allocations"),
    ("measure", "measures"),
)
PAGES: dict[str, str] = {
    "dashboard": "/",
    "organizations": "/organizations",
    "assessments": "/assessments",
    "organization profile": "/organizations/{business}",
    "record": "/record",
    "record, an entry looked up": "/record?index={entry}",
    "new scope form": "/scopes/new?organization_id={business}",
    "scope edit form": "/scopes/{scope}/edit",
    "scope overview": "/scopes/{scope}",
    **{f"{tab} tab": f"/scopes/{{scope}}/{tab}" for tab in TABS},
    "goal page": "/scopes/{scope}/goals/{goal}",
    "indicator page": "/scopes/{scope}/indicators/{indicator}/monitoring",
    "risk page": "/scopes/{scope}/risks/{risk}",
    "measure page": "/scopes/{scope}/measures/{measure}",
    "goal versions": "/scopes/{scope}/goals/{goal}/versions",
    "measure versions": "/scopes/{scope}/measures/{measure}/versions",
    **{f"new {name} form": f"/scopes/{{scope}}/{plural}/new" for name, plural in KINDS},
    "new review form": "/scopes/{scope}/reviews/new",
    "new trigger form": "/scopes/{scope}/cycle/triggers/new",
    "notifications": "/notifications",
    "webhooks": "/organizations/{business}/webhooks",
    "consultation": "/consultations/{consultation}",
    "consultation vote": "/consultations/{consultation}/vote",
    "consultation responses": "/consultations/{consultation}/responses",
    "consultation, own input": "/consultations/{consultation}/mine",
}


# ---------------------------------------------------------------- building the scope


def grow(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    count: int,
    tag: str,
    organization_id: int,
) -> dict[str, Any]:
    """``count`` more of every kind in the scope, linked as a real register is: impacts
    on stakeholders, risks on impacts and conditions, specific goals under a new core
    value with an indicator each and observations (one in five indicators in breach),
    measures on risks and goals, trade-offs, allocations to another organization."""
    core = add(uow, actor, scope_id, GOAL, title=f"Core value {tag}", level="core_value")
    goals, risks, measures, keys, indicators = [core], [], [], [], []
    for n in range(count):
        holder = stakeholder(uow, actor, scope_id, name=f"Group {tag}{n}")
        hurts = [
            impact(uow, actor, scope_id, holder.id, title=f"Impact {tag}{n}.{m}") for m in range(2)
        ]
        premise = condition(uow, actor, scope_id, title=f"Condition {tag}{n}")
        risks.append(
            add(
                uow,
                actor,
                scope_id,
                RISK,
                title=f"Risk {tag}{n}",
                inherent_likelihood=4,
                inherent_severity=3 + n % 3,
                residual_likelihood=2,
                residual_severity=1 + n % 3,
                treatment="mitigate",
                impact_ids=[i.id for i in hurts],
                condition_ids=[premise.id],
            )
        )
        goal = specific_goal(
            uow, actor, scope_id, title=f"Specific goal {tag}{n}", parent_id=core.id, target=0.9
        )
        key = f"g{tag}{n}.ratio"
        indicators.append(
            indicator(uow, actor, scope_id, goal.id, key=key, name=f"Indicator {tag}{n}").id
        )
        keys.append(key)
        measures.append(
            measure(
                uow,
                actor,
                scope_id,
                title=f"Measure {tag}{n}",
                risk_ids=[risks[-1].id],
                goal_ids=[goal.id, goals[-1].id],
            )
        )
        add(
            uow,
            actor,
            scope_id,
            TRADE_OFF,
            goal_a_id=goals[-1].id,
            goal_b_id=goal.id,
            balance=f"Balance {tag}{n}",
        )
        add(
            uow,
            actor,
            scope_id,
            ALLOCATION,
            goal_id=goal.id,
            layer="voluntary",
            responsible_organization_id=organization_id,
        )
        goals.append(goal)
    now = clock.now()
    rows = [
        Row(
            key,
            now - timedelta(hours=6 * step + 1),
            0.5 if number % 5 == 1 else 0.85 + step / 100,
            "tests",
            f"{key}[{step}]",
        )
        for number, key in enumerate(keys)
        for step in range(5)
    ]
    ingest(uow, actor, rows, scope_id=scope_id)
    return {
        "goal": goals[1].id,
        "indicator": indicators[0],
        "risk": risks[0].id,
        "measure": measures[0].id,
    }


def consult(uow: UnitOfWork, world: World, scope_id: int, tag: str, people: int) -> int:
    """A consultation of the scope with ``people`` voters in two camps, each also
    commenting; the owner answers half the comments and hides one; a webhook."""
    now = clock.now()
    consultation = create_consultation(
        uow,
        world.owner,
        scope_id,
        ConsultationCreate(
            title=f"Consultation {tag}",
            subject="goals",
            draft="First paragraph.\n\nSecond paragraph.",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10),
            statements=[f"Statement {tag}{n}" for n in range(8)],
        ),
    )
    return consultation.id


def take_part(uow: UnitOfWork, world: World, consultation_id: int, people: int) -> None:
    statement_ids = [s.id for s in statements(uow, world.owner, consultation_id)]
    for person in range(people):
        voice = Voice(ANONYMOUS)
        for number, statement in enumerate(statement_ids):
            agree = (number % 2 == 0) == (person % 2 == 0)
            spoken = cast_vote(
                uow,
                voice,
                consultation_id,
                VoteCreate(statement_id=statement, vote="agree" if agree else "disagree"),
            )
            voice = Voice(ANONYMOUS, spoken.new_secret or voice.secret)
        comment = add_comment(
            uow,
            voice,
            consultation_id,
            CommentCreate(paragraph=1 + person % 2, body=f"Comment {person}"),
        ).result
        if person % 2:
            respond(
                uow,
                world.owner,
                consultation_id,
                ResponseCreate(
                    target_kind="comment", target_id=comment.id, decision="rejected", reason="No."
                ),
            )
    create_webhook(
        uow,
        world.owner,
        world.business_id,
        WebhookCreate(url="https://hooks.example.org/agilegov"),
        get_settings().webhook_key_file,
    )


def complain(uow: UnitOfWork, actor: Principal, scope_id: int, cause: str) -> int:
    return raise_trigger(
        uow, actor, scope_id, TriggerCreate(kind="complaint_cluster", cause=cause)
    ).id


# ---------------------------------------------------------------- counting


def statement_counts(client: TestClient, engine: Engine, ids: dict[str, int]) -> dict[str, int]:
    """The statements each page issues, and a check that it was served."""
    counted = [0]

    def count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # SQLite's BEGIN IMMEDIATE goes through a cursor, PostgreSQL's BEGIN does not:
        # leaving it out makes the counts the same on both engines.
        if not statement.startswith("BEGIN"):
            counted[0] += 1

    unbounded = set(PAGES) - set(BOUNDS)
    assert not unbounded, f"give these pages a bound in BOUNDS: {sorted(unbounded)}"
    counts = {}
    for name, path in PAGES.items():
        url = path.format(**ids)
        # Unmeasured first: the record page signs and stores a checkpoint once the log
        # has grown, a write the next visitor does not repeat.
        assert client.get(url).status_code == 200, url
        event.listen(engine, "before_cursor_execute", count)
        try:
            counted[0] = 0
            answer = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:500]}"
        counts[name] = counted[0]
    return counts


@pytest.fixture
def site(database_url: str, engine: Engine, world: World) -> Iterator[ApiWorld]:
    pages = world_from_fixture(database_url, engine, world)
    with pages.client:
        yield pages


def test_pages_issue_a_fixed_number_of_statements(
    site: ApiWorld, world: World, uow: UnitOfWork
) -> None:
    owner = world.owner
    scope_id = new_scope(uow, owner, world.business_id, visibility="public")
    ids = {"business": world.business_id, "scope": scope_id, "entry": 3}
    ids |= grow(uow, owner, scope_id, 2, "a", world.regulator_id)
    ids["consultation"] = consult(uow, world, scope_id, "a", 4)
    take_part(uow, world, ids["consultation"], 14)
    change(uow, owner, scope_id, GOAL, ids["goal"], description="Reworded.")
    move(uow, owner, scope_id, "goals", "design", "operation")
    # A breach: a trigger, the owner told, and the cycle moved on to evaluation.
    evaluate_scope(uow, owner, scope_id)
    review(
        uow,
        owner,
        scope_id,
        changes=[{"kind": "goal", "id": ids["goal"], "version": 2}],
        resolves=[complain(uow, owner, scope_id, "Complaints")],
    )
    complain(uow, owner, scope_id, "More complaints")

    client = sign_in(site, "owner")
    engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    small = statement_counts(client, engine, ids)

    # Many more of every kind, in this scope and around it.
    grow(uow, owner, scope_id, 30, "b", world.regulator_id)
    take_part(uow, world, ids["consultation"], 30)
    consult(uow, world, scope_id, "b", 3)
    for number in range(5):
        goal = change(uow, owner, scope_id, GOAL, ids["goal"], description=f"Reworded {number}.")
        done = change(uow, owner, scope_id, MEASURE, ids["measure"], title=f"Renamed {number}")
        versions = [
            {"kind": "goal", "id": goal.id, "version": goal.version},
            {"kind": "measure", "id": done.id, "version": done.version},
        ]
        review(uow, owner, scope_id, summary=f"Review {number}", changes=versions)
    move(uow, owner, scope_id, "design", "operation")  # round the inner loop
    evaluate_scope(uow, owner, scope_id)
    for number in range(10):
        complain(uow, owner, scope_id, f"Complaints, week {number}")
    for number in range(3):
        create_organization(
            uow,
            owner,
            OrganizationCreate(slug=f"partner-{number}", name=f"Partner {number}", kind="business"),
        )
        other = new_scope(uow, owner, world.business_id, f"Other scope {number}", "public")
        specific_goal(uow, owner, other, title=f"Published goal {number}")
        complain(uow, owner, other, "Elsewhere")
    new_scope(uow, world.outsider, world.regulator_id, "Ministry rules", "public")
    large = statement_counts(client, engine, ids)

    # The new entities are on the pages counted: the second count is not of the first.
    goals = client.get(f"/scopes/{scope_id}/goals").text
    assert "Specific goal b29" in goals and "Indicator b29" in goals
    assert "Risk b29" in client.get(f"/scopes/{scope_id}/risks").text
    assert "Partner 2" in client.get("/").text

    table = "\n".join(
        f"{name:28} {small[name]:4} {large[name]:4} {BOUNDS[name]:6}" for name in PAGES
    )
    report = f"statements a page issues\n{'page':28} {'few':>4} {'many':>4} {'bound':>6}\n{table}"
    grew = [name for name in PAGES if large[name] != small[name]]
    assert not grew, f"these pages issue more statements as the scope grows: {grew}\n{report}"
    over = [name for name in PAGES if large[name] > BOUNDS[name]]
    assert not over, f"these pages issue more statements than their bound: {over}\n{report}"
