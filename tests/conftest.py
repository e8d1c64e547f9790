"""Fixtures: every service test runs on SQLite and on PostgreSQL, for real.

PostgreSQL: a new database is created for the test run on the server named by
AGILEGOV_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432) and dropped at
the end. Where no server answers, the PostgreSQL variants are skipped, unless
AGILEGOV_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.

What costs to make is made once per run and engine, then copied for each test:
the empty tables (a SQLite file; on PostgreSQL the run's database, emptied
before each test), the cast of ``world`` (its rows put back) and the seeded
world of ``shared`` (a copy per module).
"""

import copy
import functools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

# Cheap password hashes (set before agilegov, which hashes one on import): every
# test world signs several people up. Hashes name their own cost, so ones made
# at production strength still verify.
os.environ.setdefault("AGILEGOV_PASSWORD_HASH_COST", "16")
os.environ.setdefault("AGILEGOV_INSECURE_PASSWORD_HASHING_FOR_TESTS", "1")
# The command line speaks English in the tests, whatever the machine's locale
# (tests of its Japanese ask for it).
os.environ["AGILEGOV_LANGUAGE"] = "en"

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url

from agilegov.db import make_engine, make_session_factory
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from api_helpers import World as ApiWorld
from api_helpers import new_postgres_database, seeded_world, shared_world
from builders import World, build_cast, new_scope

# The log's signing key of every app and command the tests start lives here,
# never in the working tree.
_KEYS = tempfile.mkdtemp(prefix="agilegov-keys-")
os.environ.setdefault("AGILEGOV_LOG_KEY_FILE", os.path.join(_KEYS, "log.key"))
os.environ.setdefault("AGILEGOV_ASSESSOR_KEY_DIR", os.path.join(_KEYS, "assessors"))
os.environ.setdefault("AGILEGOV_WEBHOOK_KEY_FILE", os.path.join(_KEYS, "webhook.key"))
# Mails of apps started without an SMTP server are written here, never into the tree.
os.environ.setdefault("AGILEGOV_MAIL_DIR", os.path.join(_KEYS, "mail"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_database: str) -> Iterator[Engine]:
    engine = make_engine(postgres_database)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


# The tables that have pages (rows, or rows deleted or rolled back), and whether
# a trigger of their own guards them, in one query.
_USED_TABLE = (
    "SELECT '{name}', EXISTS (SELECT FROM pg_trigger"
    " WHERE tgrelid = '\"{name}\"'::regclass AND NOT tgisinternal)"
    " WHERE pg_relation_size('\"{name}\"') > 0"
)
_USED_TABLES = " UNION ALL ".join(
    _USED_TABLE.format(name=table.name) for table in metadata.sorted_tables
)
# The sequences that have handed out a value, and the last one.
_MOVED_SEQUENCES = (
    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
    " WHERE last_value IS NOT NULL"
)


@functools.cache
def _superuser(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT current_setting('is_superuser')")) == "on"


def _empty_postgres(engine: Engine) -> None:
    """Leave every table as TRUNCATE of them all with RESTART IDENTITY would: no
    rows and no pages (so that rows come back in the order they went in, as from
    a new table, where a query does not say ORDER BY), every sequence at its
    start. That TRUNCATE makes new files for some 200 tables and indexes (half a
    second); a test uses few tables, so their rows are deleted and VACUUM gives
    their pages back (a twentieth of that).

    A superuser (as the default server's postgres) deletes with no trigger
    firing: neither the events' append-only guard nor the foreign keys' checks,
    which find nothing dangling once every used table is empty. Otherwise the
    tables go children first, and a table whose trigger refuses DELETE is
    truncated."""
    superuser = _superuser(engine)
    with engine.begin() as connection:
        if superuser:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        used = dict(connection.execute(text(_USED_TABLES)).all())
        for table in reversed(metadata.sorted_tables):
            if table.name not in used:
                continue
            if used[table.name] and not superuser:
                connection.execute(text(f'TRUNCATE "{table.name}"'))
            else:
                connection.execute(table.delete())
        # A sequence moves even when its insert is rolled back, so check them all.
        for sequence in connection.scalars(text(_MOVED_SEQUENCES)).all():
            connection.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})
    if not used:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM " + ", ".join(f'"{name}"' for name in used)))
        # VACUUM leaves pages where it cannot take the lock or remove every row
        # (an old snapshot): unlikely, but then what TRUNCATE does is done here.
        if left := [name for name, _ in connection.execute(text(_USED_TABLES))]:
            names = ", ".join(f'"{name}"' for name in left)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))


@dataclass(frozen=True)
class SavedRows:
    """A database's rows and, on PostgreSQL, where its sequences stand: to put
    into an empty database of the same engine, exactly as they were.

    On SQLite the rows are the driver's own values, since the record writes some
    columns itself in a form the column types would not give back (compact JSON);
    on PostgreSQL they go through the column types (JSONB keeps no form anyway).
    """

    rows: dict[str, list[Any]]
    sequences: dict[str, int]

    @classmethod
    def of(cls, engine: Engine) -> "SavedRows":
        rows: dict[str, list[Any]] = {}
        sequences: dict[str, int] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                if engine.dialect.name == "sqlite":
                    query = f'SELECT * FROM "{table.name}"'  # noqa: S608 - our metadata
                    found = [tuple(row) for row in connection.exec_driver_sql(query)]
                else:
                    found = [dict(row._mapping) for row in connection.execute(select(table))]
                if found:
                    rows[table.name] = found
            if engine.dialect.name == "postgresql":
                sequences = dict(connection.execute(text(_MOVED_SEQUENCES)).all())
        return cls(rows, sequences)

    def put_into(self, engine: Engine) -> None:
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                rows = self.rows.get(table.name)
                if not rows:
                    continue
                if engine.dialect.name == "sqlite":
                    marks = ", ".join("?" for _ in table.columns)
                    statement = f'INSERT INTO "{table.name}" VALUES ({marks})'  # noqa: S608
                    connection.exec_driver_sql(statement, rows)
                else:
                    connection.execute(insert(table), rows)
            for sequence, value in self.sequences.items():
                connection.execute(
                    text("SELECT setval(:sequence, :value)"), {"sequence": sequence, "value": value}
                )


@dataclass(frozen=True)
class SavedCast:
    """build_cast's world, built once per engine: its rows and what it returned."""

    rows: SavedRows
    world: World

    @classmethod
    def build(cls, engine: Engine) -> "SavedCast":
        world = build_cast(UnitOfWork(make_session_factory(engine)))
        return cls(SavedRows.of(engine), world)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully created SQLite database, copied for each test (creating
    the tables anew costs more than the copy)."""
    path = tmp_path_factory.mktemp("template") / "agilegov.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def cast_on_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> SavedCast:
    path = tmp_path_factory.mktemp("cast") / "agilegov.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        return SavedCast.build(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def cast_on_postgresql(postgres_engine: Engine) -> SavedCast:
    """Built in the run's database before any test uses it (see ``database_url``)."""
    cast = SavedCast.build(postgres_engine)
    _empty_postgres(postgres_engine)
    return cast


@pytest.fixture(scope="session")
def sqlite_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the tests' SQLite databases live: in memory-backed /dev/shm when it
    has room, since SQLite flushes every commit to disk (synchronous=FULL) and a
    test database needs no durability; else in the run's temporary directory."""
    memory = Path("/dev/shm")
    if memory.is_dir() and os.access(memory, os.W_OK) and shutil.disk_usage(memory).free > 2**28:
        directory = Path(tempfile.mkdtemp(prefix="agilegov-tests-", dir=memory))
        yield directory
        shutil.rmtree(directory, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("databases")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to an empty, fully created database of each engine."""
    if request.param == "sqlite":
        directory = Path(tempfile.mkdtemp(dir=request.getfixturevalue("sqlite_directory")))
        path = directory / "agilegov.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        shutil.rmtree(directory)  # with its WAL: in memory, all of them would add up
    else:
        engine = request.getfixturevalue("postgres_engine")
        # Its cast is built in this same database, so before this test empties it.
        request.getfixturevalue("cast_on_postgresql")
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
def world(request: pytest.FixtureRequest, engine: Engine, uow: UnitOfWork) -> World:
    """build_cast's world in this test's database: its rows, saved once per
    engine, put back (building it through the services costs over ten times more)."""
    cast: SavedCast = request.getfixturevalue(f"cast_on_{engine.dialect.name}")
    cast.rows.put_into(engine)
    # A copy of its own for each test, holding this test's unit of work.
    return copy.deepcopy(cast.world, memo={id(cast.world.uow): uow})


@pytest.fixture
def assessor(world: World, tmp_path: Path) -> tuple[Any, int, int, Path]:
    """An assessor organization owned by the outsider, and the business's published scope."""
    organization = create_organization(
        world.uow,
        world.outsider,
        OrganizationCreate(slug="fairbench", name="FairBench Assurance", kind="assessor"),
    )
    scope = new_scope(world.uow, world.owner, world.business_id, "Screening", "public")
    return world.refresh("outsider"), organization.id, scope, tmp_path / "assessor-keys"


@pytest.fixture(scope="session")
def shared_on_sqlite(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ApiWorld]:
    """The seeded world of ``shared``, once per run: its database file and what it is."""
    path = tmp_path_factory.mktemp("shared") / "agilegov.db"
    shutil.copyfile(sqlite_template, path)
    return path, seeded_world(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def shared_on_postgresql() -> Iterator[tuple[str, ApiWorld]]:
    """The seeded world of ``shared``, once per run: its database (a template,
    never used by a test itself) and what it is."""
    with new_postgres_database() as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield make_url(url).database or "", seeded_world(url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiWorld]:
    """One API world per test module and engine, for tests whose requests must
    change nothing (so they need no fresh database each): a copy of one seeded
    once per run."""
    template, seeded = request.getfixturevalue(f"shared_on_{request.param}")
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "agilegov.db"
        shutil.copyfile(template, path)
        yield from shared_world(f"sqlite:///{path}", seeded)
    else:
        with new_postgres_database(template=template) as url:
            yield from shared_world(url, seeded)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What a test reported of itself (its "summary" property: e.g. how many
    requests it sent), after the run; also from xdist's workers."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "summary":
                    terminalreporter.write_line(f"{report.nodeid}: {value}")


class ReceivedMails:
    """The mails a real SMTP server on 127.0.0.1 has received, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(envelope.content))
        )
        return "250 OK"


@dataclass
class LocalSmtp:
    url: str
    received: ReceivedMails

    @property
    def messages(self) -> list[EmailMessage]:
        return self.received.messages


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtp]:
    """An aiosmtpd server on a free port of 127.0.0.1, for the test's mails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = ReceivedMails()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield LocalSmtp(f"smtp://127.0.0.1:{port}", received)
    finally:
        controller.stop()
