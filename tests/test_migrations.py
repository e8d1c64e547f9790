"""The migrations build the schema the models describe, on both engines."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, bindparam, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from agilegov.auth import SYSTEM
from agilegov.cli import app
from agilegov.db import JSONType, make_engine, make_session_factory
from agilegov.library.service import citations_of, install_shipped, unresolved
from agilegov.migrations import alembic_config, current_revision, upgrade
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import Observation
from agilegov.monitor.service import ingest
from agilegov.record.log import NewEvent, append
from agilegov.record.models import Event
from agilegov.scopes.service import get_scope
from agilegov.settings import get_settings
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from builders import build_cast, indicator, measure, new_scope, specific_goal

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


def test_0006_keeps_every_observation_time_exactly(empty_database: str) -> None:
    """Observation times go from text to whole microseconds on SQLite and back."""
    upgrade(empty_database)
    engine = make_engine(empty_database)
    uow = UnitOfWork(make_session_factory(engine))
    world = build_cast(uow)
    scope_id = new_scope(uow, world.editor, world.business_id)
    goal = specific_goal(uow, world.editor, scope_id)
    measured = indicator(uow, world.editor, scope_id, goal.id)
    times = [
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(1969, 7, 20, 20, 17, 40, 123_456, tzinfo=UTC),
        datetime(2200, 3, 1, 12, 0, 0, 999_999, tzinfo=UTC),
    ]
    rows = [Row(measured.key, t, 0.9, "test", f"observations[{n}]") for n, t in enumerate(times)]
    ingest(uow, world.editor, rows, scope_id=scope_id)

    def stored() -> list[Any]:
        with engine.connect() as connection:
            return [
                r[0] for r in connection.execute(text("SELECT time FROM observations ORDER BY id"))
            ]

    as_numbers = stored()
    command.downgrade(alembic_config(empty_database), "0005")
    as_before = stored()
    upgrade(empty_database)
    assert stored() == as_numbers
    with uow:
        read = uow.session.scalars(select(Observation.time).order_by(Observation.id)).all()
    assert list(read) == times
    if engine.dialect.name == "sqlite":
        assert as_numbers[0] == 1_735_689_600_000_000
        assert as_before[:2] == ["2025-01-01 00:00:00.000000", "2025-01-01 00:00:00.000001"]
    engine.dispose()


def test_0022_turns_free_text_into_links_and_keeps_what_it_cannot_match(
    empty_database: str,
) -> None:
    """Frameworks and citations written as text become links where the library
    names them; the rest are kept, to be matched or linked by a person."""
    upgrade(empty_database)
    engine = make_engine(empty_database)
    uow = UnitOfWork(make_session_factory(engine))
    world = build_cast(uow)
    install_shipped(uow, SYSTEM)
    scope_id = new_scope(uow, world.editor, world.business_id)
    cited = measure(uow, world.editor, scope_id)
    command.downgrade(alembic_config(empty_database), "0021")
    frameworks = [
        {"name": "AI Guidelines for Business", "version": "1.0"},
        {"name": "Employment Security Act", "version": "2024"},
    ]
    citations = [
        "AI Guidelines for Business 1.0, C-3) ① (bias in the model)",
        "AI事業者ガイドライン 1.0 人間の尊厳と個人の自律",
        "Employment Security Act, art. 5-5",
    ]
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE scopes SET frameworks = :value WHERE id = :id").bindparams(
                bindparam("value", type_=JSONType)
            ),
            {"value": frameworks, "id": scope_id},
        )
        connection.execute(
            text("UPDATE measures SET citations = :value WHERE id = :id").bindparams(
                bindparam("value", type_=JSONType)
            ),
            {"value": citations, "id": cited.id},
        )
    upgrade(empty_database)
    assert get_scope(uow, world.editor, scope_id).frameworks == ["aigb@1.0"]
    with uow:
        linked = citations_of(uow.session, "measure", [cited.id])[cited.id]
    assert sorted(linked) == ["aigb@1.0#C-1) ①", "aigb@1.0#C-3) ①"]
    left = unresolved(uow, world.editor, scope_id)
    assert sorted((row.subject_kind, row.text) for row in left) == [
        ("measure", "Employment Security Act, art. 5-5"),
        ("scope", "Employment Security Act 2024"),
    ]
    engine.dispose()
