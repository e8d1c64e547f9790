"""Helpers for the HTTP API tests: a client, problem checks, a snapshot of the
database, and a world of organizations, people and scopes built through the API.

The tests that only send requests which must change nothing share one such world
per database engine and module (see ``shared_world``); they check that promise
themselves by comparing a snapshot of every table before and after each request.
"""

import copy
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from agilegov.app import create_app
from agilegov.db import make_engine, make_session_factory
from agilegov.settings import Settings
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from builders import build_cast

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"
PEOPLE = ("owner", "editor", "reviewer", "viewer", "outsider")
PASSWORD = "a-long-password"


def make_client(database_url: str, **settings: Any) -> TestClient:
    app = create_app(Settings(database_url=database_url, tick_interval_seconds=0, **settings))
    return TestClient(app, raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: Response, status: int = 200) -> Any:
    """The JSON body of a response that must have succeeded with ``status``."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None


def assert_problem(response: Response, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 problem with ``status`` that names each of ``fields``."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and isinstance(problem["detail"], str)
    assert problem["instance"] == response.request.url.path
    named = {error["field"] for error in problem.get("errors", [])}
    for name in fields:
        assert name in named or name in problem["detail"], (
            f"{name!r} is not named by the problem: {problem}"
        )
    return problem


# ---------------------------------------------------------------- the database


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order (read through the driver:
    it is taken twice for each of several hundred requests)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        state = {}
        for table in metadata.sorted_tables:
            cursor.execute(f'SELECT * FROM "{table.name}"')  # noqa: S608 - names from our metadata
            state[table.name] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
        connection.rollback()
        return state
    finally:
        connection.close()


def assert_unchanged(
    before: dict[str, list[tuple[Any, ...]]], engine: Engine, besides: tuple[str, ...] = ()
) -> None:
    """Every table as it was ``before``, but the tables named ``besides``."""
    after = {name: rows for name, rows in snapshot(engine).items() if name not in besides}
    counts = {name: (len(before[name]), len(rows)) for name, rows in after.items()}
    changed = {name: count for name, count in counts.items() if count[0] != count[1]}
    assert not changed, f"row counts changed (before, after): {changed}"
    assert "events" in after and len(after["events"]) == len(before["events"])
    for name, rows in after.items():
        assert rows == before[name], f"rows of {name} changed"


# ---------------------------------------------------------------- people and scopes


@dataclass
class World:
    """Organizations, people with every role at the business, their tokens, and
    a client; built with the services for people and through the API for the rest."""

    client: TestClient
    engine: Engine
    business_id: int
    regulator_id: int
    user_ids: dict[str, int]
    tokens: dict[str, str]
    scopes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def auth(self, who: str | None) -> dict[str, str]:
        return bearer(self.tokens[who]) if who else {}


def world_from_fixture(database_url: str, engine: Engine, world: Any) -> World:
    """This module's World for conftest.py's ``world`` fixture."""
    return World(
        client=make_client(database_url),
        engine=engine,
        business_id=world.business_id,
        regulator_id=world.regulator_id,
        user_ids={name: getattr(world, name).user_id for name in PEOPLE},
        tokens=dict(world.tokens),
    )


def build_world(database_url: str, engine: Engine) -> World:
    """The same cast as the ``world`` fixture of conftest.py, with an API client."""
    cast = build_cast(UnitOfWork(make_session_factory(engine)))
    return world_from_fixture(database_url, engine, cast)


def create_scope(
    world: World, who: str = "owner", organization_id: int | None = None, **fields: Any
) -> dict[str, Any]:
    body = {
        "organization_id": organization_id or world.business_id,
        "name": f"Scope {uuid.uuid4().hex[:6]}",
        "kind": "ai_system",
        **fields,
    }
    return ok(world.client.post(f"{API}/scopes", json=body, headers=world.auth(who)), 201)


def seed_scope(world: World, scope_id: int, who: str = "owner") -> dict[str, int]:
    """One entity of every kind (two goals) in a scope; returns their ids."""
    base = f"{API}/scopes/{scope_id}"
    headers = world.auth(who)

    def post(plural: str, body: dict[str, Any]) -> int:
        return ok(world.client.post(f"{base}/{plural}", json=body, headers=headers), 201)["id"]

    ids: dict[str, int] = {}
    ids["stakeholder"] = post("stakeholders", {"name": "Applicants", "category": "user"})
    ids["impact"] = post(
        "impacts",
        {
            "stakeholder_id": ids["stakeholder"],
            "title": "Unfair rejection",
            "nature": "negative",
            "area": "fairness",
            "magnitude": 4,
        },
    )
    ids["condition"] = post(
        "conditions",
        {
            "title": "Equal-opportunity law",
            "category": "regulation",
            "source": "https://example.org/law",
            "review_by": "2099-01-01",
        },
    )
    ids["risk"] = post(
        "risks",
        {
            "title": "Biased model",
            "inherent_likelihood": 4,
            "inherent_severity": 4,
            "residual_likelihood": 2,
            "residual_severity": 3,
            "treatment": "mitigate",
            "impact_ids": [ids["impact"]],
            "condition_ids": [ids["condition"]],
        },
    )
    ids["core_goal"] = post("goals", {"title": "Fairness", "level": "core_value"})
    ids["goal"] = post(
        "goals",
        {
            "title": "Equal selection rates",
            "level": "specific",
            "parent_id": ids["core_goal"],
            "direction": "higher_is_better",
            "unit": "ratio",
            "acceptable_level": 0.8,
            "target": 0.9,
        },
    )
    ids["indicator"] = post(
        "indicators",
        {
            "goal_id": ids["goal"],
            "key": "selection-ratio",
            "name": "Selection ratio",
            "data_source": "hiring log",
        },
    )
    ids["trade_off"] = post(
        "trade-offs",
        {"goal_a_id": ids["core_goal"], "goal_b_id": ids["goal"], "balance": "fairness first"},
    )
    ids["allocation"] = post("allocations", {"goal_id": ids["goal"], "layer": "voluntary"})
    ids["measure"] = post(
        "measures",
        {
            "kind": "technology",
            "title": "Bias audit",
            "status": "implemented",
            "risk_ids": [ids["risk"]],
            "goal_ids": [ids["goal"]],
        },
    )
    return ids


# ---------------------------------------------------------------- a shared world


POSTGRES_SERVER = os.environ.get(
    "AGILEGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


REQUIRE_POSTGRES = os.environ.get("AGILEGOV_REQUIRE_POSTGRES") == "1"


@contextmanager
def new_postgres_database(template: str | None = None) -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped on leaving: empty, or a copy
    of the database named ``template`` (to which nobody may be connected).
    Skipped where no server answers, unless AGILEGOV_REQUIRE_POSTGRES=1 (as in CI)."""
    name = f"agilegov_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but did not answer: {problem}")
        pytest.skip(f"no PostgreSQL server: {problem}")
    with admin:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
        # A test database need not survive a crash of the server: commits then
        # return without waiting for the disk (what they see is unchanged).
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_world(world: World, scopes: tuple[str, ...] = ("private", "public", "foreign")) -> World:
    """Seeded scopes (see ``seed_scope``): the business's private one, its
    published one, and a private one of the regulator; or some of them."""
    for name, who, organization_id in (
        ("private", "owner", world.business_id),
        ("public", "owner", world.business_id),
        ("foreign", "outsider", world.regulator_id),
    ):
        if name not in scopes:
            continue
        scope = create_scope(world, who, organization_id)
        scope["ids"] = seed_scope(world, scope["id"], who)
        world.scopes[name] = scope
        if name == "public":
            ok(
                world.client.patch(
                    f"{API}/scopes/{scope['id']}",
                    json={"visibility": "public"},
                    headers=world.auth("owner"),
                )
            )
    return world


def seeded_world(database_url: str) -> World:
    """Seed a world (see ``seed_world``) into the empty database at ``database_url``
    and close every connection to it, so that it can be copied; returns the world
    (its client closed), whose ids and tokens hold for every copy."""
    engine = make_engine(database_url)
    try:
        world = build_world(database_url, engine)
        with world.client:
            return seed_world(world)
    finally:
        engine.dispose()


def shared_world(database_url: str, seeded: World) -> Iterator[World]:
    """The world ``seeded`` in a copy of its database at ``database_url``, with a
    client of its own, for a whole module."""
    engine = make_engine(database_url)
    world = replace(
        seeded,
        client=make_client(database_url),
        engine=engine,
        user_ids=dict(seeded.user_ids),
        tokens=dict(seeded.tokens),
        scopes=copy.deepcopy(seeded.scopes),
    )
    with world.client:
        yield world
    engine.dispose()


def names_for(world: World) -> dict[str, Any]:
    """Names for the ids the cases use: the private scope's entities by kind,
    ``public_<kind>`` for the business's published scope, ``foreign_<kind>`` for
    the regulator's private scope."""
    members = ok(
        world.client.get(
            f"{API}/organizations/{world.business_id}/members", headers=world.auth("owner")
        )
    )
    by_user = {m["user"]["id"]: m["id"] for m in members["items"]}
    values: dict[str, Any] = {"business": world.business_id, "regulator": world.regulator_id}
    for who in ("owner", "editor", "reviewer", "viewer"):
        values[f"membership_{who}"] = by_user[world.user_ids[who]]
    values["membership"] = values["membership_viewer"]
    for name, prefix in (("private", ""), ("public", "public_"), ("foreign", "foreign_")):
        if name not in world.scopes:
            continue
        scope = world.scopes[name]
        values[f"{prefix}scope"] = scope["id"]
        values.update({f"{prefix}{kind}": id_ for kind, id_ in scope["ids"].items()})
        values[f"{prefix}s"] = f"{API}/scopes/{scope['id']}"
    return values


def resolve(value: Any, names: dict[str, Any]) -> Any:
    """Replace "@name" strings with the ids they stand for."""
    if isinstance(value, str) and value.startswith("@"):
        return names[value[1:]]
    if isinstance(value, dict):
        return {key: resolve(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    return value
