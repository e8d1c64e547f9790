"""Fixtures: every service test runs on SQLite and on PostgreSQL, for real.

PostgreSQL: a new database is created for the test run on the server named by
AGILEGOV_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432) and dropped at
the end. Where no server answers, the PostgreSQL variants are skipped, unless
AGILEGOV_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator

# Cheap password hashes (set before agilegov, which hashes one on import): every
# test world signs several people up. Hashes name their own cost, so ones made
# at production strength still verify.
os.environ.setdefault("AGILEGOV_PASSWORD_HASH_COST", "16")
os.environ.setdefault("AGILEGOV_INSECURE_PASSWORD_HASHING_FOR_TESTS", "1")

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from agilegov.db import make_engine, make_session_factory
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from api_helpers import World as ApiWorld
from api_helpers import database_for_module, shared_world
from builders import World, build_cast

# The log's signing key of every app and command the tests start lives here,
# never in the working tree.
_KEYS = tempfile.mkdtemp(prefix="agilegov-keys-")
os.environ.setdefault("AGILEGOV_LOG_KEY_FILE", os.path.join(_KEYS, "log.key"))
os.environ.setdefault("AGILEGOV_ASSESSOR_KEY_DIR", os.path.join(_KEYS, "assessors"))
os.environ.setdefault("AGILEGOV_WEBHOOK_KEY_FILE", os.path.join(_KEYS, "webhook.key"))

POSTGRES_SERVER = os.environ.get(
    "AGILEGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("AGILEGOV_REQUIRE_POSTGRES") == "1"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    name = f"agilegov_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but did not answer: {problem}")
        pytest.skip(f"no PostgreSQL server: {problem}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    yield url
    with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_engine(postgres_database: str) -> Iterator[Engine]:
    engine = make_engine(postgres_database)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _empty_postgres(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL to an empty, fully created database of each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agilegov.db'}"
        engine = make_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url
    else:
        engine = request.getfixturevalue("postgres_engine")
        _empty_postgres(engine)
        yield engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine))


@pytest.fixture
def world(uow: UnitOfWork) -> World:
    return build_cast(uow)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiWorld]:
    """One API world per test module and engine, for tests whose requests must
    change nothing (so they need no fresh database each)."""
    for url in database_for_module(request.param, tmp_path_factory):
        yield from shared_world(url)
