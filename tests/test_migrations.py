"""The migrations build the schema the models describe, on both engines."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from agilegov.cli import app
from agilegov.db import make_engine, make_session_factory
from agilegov.migrations import alembic_config, current_revision, upgrade
from agilegov.record.log import NewEvent, append
from agilegov.record.models import Event
from agilegov.settings import get_settings
from agilegov.tables import metadata

POSTGRES_SERVER = os.environ.get(
    "AGILEGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of a database with no tables at all, of each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    # Reuses the run's server check: skipped, or failed, as conftest decides.
    request.getfixturevalue("postgres_database")
    name = f"agilegov_migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated(empty_database: str) -> Iterator[Engine]:
    upgrade(empty_database)
    engine = make_engine(empty_database)
    yield engine
    engine.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_the_migrated_schema_is_the_models_schema(migrated: Engine) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_table_is_created(migrated: Engine) -> None:
    created = set(inspect(migrated).get_table_names()) - {"alembic_version"}
    assert created == set(metadata.tables)


def test_the_database_is_at_the_head_revision(empty_database: str, migrated: Engine) -> None:
    assert current_revision(empty_database) == _head()


def test_upgrading_twice_changes_nothing(empty_database: str, migrated: Engine) -> None:
    tables = set(inspect(migrated).get_table_names())
    upgrade(empty_database)
    assert set(inspect(migrated).get_table_names()) == tables
    assert current_revision(empty_database) == _head()


def _one_event(engine: Engine) -> int:
    """Append one event the only way events are written: through the log."""
    session = make_session_factory(engine)()
    try:
        [index] = append(
            session,
            [
                NewEvent(
                    time=datetime(2030, 1, 1, tzinfo=UTC),
                    type="test.written",
                    subject_type="test",
                    subject_id=None,
                    actor_id=None,
                    organization_id=None,
                    scope_id=None,
                    payload={},
                    private=False,
                )
            ],
        )
        session.commit()
        return session.scalars(select(Event.id).where(Event.leaf_index == index)).one()
    finally:
        session.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'test.rewritten' WHERE id = :id",
        "UPDATE events SET payload = '{\"forged\": true}' WHERE id = :id",
        "DELETE FROM events WHERE id = :id",
    ],
    ids=["update type", "update payload", "delete"],
)
def test_the_events_table_is_append_only(migrated: Engine, statement: str) -> None:
    event_id = _one_event(migrated)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as connection:
        connection.execute(text(statement), {"id": event_id})
    with migrated.connect() as connection:
        row = connection.execute(
            text("SELECT type FROM events WHERE id = :id"), {"id": event_id}
        ).one()
    assert row.type == "test.written"


def test_the_test_schema_is_append_only_too(engine: Engine) -> None:
    """The schema the other tests run on (created from the models) has the guard."""
    event_id = _one_event(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE id = :id"), {"id": event_id})


def test_the_cli_upgrades_the_database(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"revision {_head()}" in result.stdout
        assert current_revision(url) == _head()
        engine = make_engine(url)
        try:
            created = set(inspect(engine).get_table_names()) - {"alembic_version"}
            assert created == set(metadata.tables)
        finally:
            engine.dispose()
        again = CliRunner().invoke(app, ["db", "upgrade"])
        assert again.exit_code == 0, again.output
    finally:
        get_settings.cache_clear()
