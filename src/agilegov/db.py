"""Engine, session, column types and columns shared by every part's tables."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, so the zone is normalised on the way in and restored
    on the way out; PostgreSQL stores ``timestamptz`` as usual.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EpochMicroseconds(TypeDecorator[datetime]):
    """A UTC time stored as whole microseconds since 1970-01-01T00:00:00Z: exact,
    eight bytes, compared as a number. For the time of high-volume rows on SQLite,
    where a time as text costs more to write, store and index than the row's value."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        return (value - _EPOCH) // _MICROSECOND

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        return None if value is None else _EPOCH + value * _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Observation times: microseconds on SQLite, timestamptz on PostgreSQL.
ObservationTime = UTCDateTime().with_variant(EpochMicroseconds(), "sqlite")


class FloatOrNaN(TypeDecorator[float]):
    """A double that may be NaN. SQLite has no NaN (it binds one as NULL), so NaN
    is stored as NULL on both engines and read back as NaN."""

    impl = Float
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Any) -> float | None:
        return None if value is None or math.isnan(value) else value

    def process_result_value(self, value: float | None, dialect: Any) -> float:
        return math.nan if value is None else value


# Where the shared columns stand in a table, as the tables were first created: id
# and scope, then the kind's own columns, then status and version, then the stamps.
_FIRST, _VERSIONING, _STAMPS = -1, 1, 2


class ScopedEntity(Base):
    """An entity under a scope: the columns every kind of ``agilegov.scoped``
    has, and which its generic list, read, change and delete rely on."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=_FIRST)
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"), index=True, sort_order=_FIRST)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, sort_order=_STAMPS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, sort_order=_STAMPS)


class Versioned:
    """A scoped entity kept version by version (``agilegov.versioning``), and
    retired rather than deleted. A kind may declare ``status`` again for a
    default of its own or its place among its columns."""

    status: Mapped[str] = mapped_column(String(16), sort_order=_VERSIONING)
    version: Mapped[int] = mapped_column(default=1, sort_order=_VERSIONING)


JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A commit is on disk when it returns: the record promises durable appends.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Transactions are begun by SQLAlchemy below, not implicitly by the driver.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock when a transaction begins, so a transaction that reads
    # the log's head and then appends can never interleave with another writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, _record)
    dbapi_connection.execute("PRAGMA query_only=ON")


def _sqlite_begin_deferred(connection: Any) -> None:
    # A reader takes no lock until it reads, and in WAL mode never blocks writers.
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for the database at ``url``.

    ``read_only`` is for long reads beside writers (the record's audit): on
    SQLite its transactions take no write lock and may not write; on
    PostgreSQL they are REPEATABLE READ READ ONLY.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        if read_only:
            event.listen(engine, "connect", _sqlite_read_only)
            event.listen(engine, "begin", _sqlite_begin_deferred)
        else:
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if read_only:
        return create_engine(
            url,
            isolation_level="REPEATABLE READ",
            execution_options={"postgresql_readonly": True},
        )
    return create_engine(url, pool_pre_ping=True)


def hold(session: Session, row: Base) -> None:
    """Read ``row`` anew and keep it locked until the transaction ends, so that
    transactions deciding what to write from it (the next version number, whether
    a participant exists yet) take turns instead of deciding alike. Rows referring
    to it may still be added meanwhile (``FOR NO KEY UPDATE``). On SQLite this is
    a plain read: its writers take turns anyway (``BEGIN IMMEDIATE``)."""
    session.refresh(row, with_for_update={"key_share": True})


# PostgreSQL's SQLSTATEs for a transaction undone because a concurrent one got
# in its way: a serialization failure, a deadlock.
_UNDONE_BY_A_CONCURRENT_ONE = frozenset({"40001", "40P01"})


def is_write_conflict(error: DBAPIError) -> bool:
    """Whether a database error is a clash with a concurrent write, after which
    nothing of the transaction is stored and the same request, sent again, may
    well succeed: a unique or other constraint broken by a row stored meanwhile,
    a serialization failure or a deadlock, or SQLite's write lock still held by
    another writer when the busy timeout ran out."""
    if isinstance(error, IntegrityError):
        return True
    if getattr(error.orig, "sqlstate", None) in _UNDONE_BY_A_CONCURRENT_ONE:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
