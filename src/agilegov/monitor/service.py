"""Monitoring: observations stored once, each batch all-or-nothing, and the
evidence of every batch in the record."""

import functools
import hashlib
import math
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    BigInteger,
    Connection,
    Dialect,
    Float,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agilegov import clock, metrics
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.cycle.rules import Loop, TriggerKind, loop_for
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger
from agilegov.db import hold
from agilegov.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from agilegov.goals.service import (
    INDICATOR,
    ActiveIndicator,
    IndicatorOfGoal,
    active_indicators,
    indicator_ids,
    indicator_in_scope,
    indicator_names,
    indicator_of_goal,
    indicator_scope_ids,
    indicators_keyed,
)
from agilegov.i18n import N_, joined, lazy
from agilegov.monitor.evaluation import STATUS_NAMES, Rule, evaluate
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import BreachEpisode, Evaluation, Observation, QueuedEvaluation
from agilegov.monitor.schemas import (
    BatchResult,
    BreachEpisodeRead,
    EvaluationRead,
    ObservationRead,
)
from agilegov.notify.service import notify_owners
from agilegov.paging import paginate
from agilegov.part import RequiredLevelMissed, required_level_listeners
from agilegov.record.service import append_events, record_event
from agilegov.schemas import Page
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.timetext import epoch_microseconds
from agilegov.uow import UnitOfWork

MAX_BATCH = 100_000
DEFAULT_SOURCE = "api"


@dataclass(frozen=True)
class _Target:
    indicator_id: int
    scope_id: int
    allow_non_finite: bool


def _targets(
    session: Session, actor: Principal, keys: set[str], scope_id: int | None
) -> dict[str, list[_Target]]:
    """The indicators each key may name for this caller: in the given scope, or
    in any active scope the caller may write to."""
    scopes: int | Select[tuple[int]]
    if scope_id is not None:
        writable_scope(session, actor, scope_id, Role.editor)
        scopes = scope_id
    else:
        scopes = select(Scope.id).where(Scope.status == "active")
        if not actor.is_system:
            organizations = [org for org in actor.roles if actor.can(org, Role.editor)]
            scopes = scopes.where(Scope.organization_id.in_(organizations))
    found: dict[str, list[_Target]] = defaultdict(list)
    for key, indicator_id, in_scope, allow in indicators_keyed(session, keys, scopes):
        found[key].append(_Target(indicator_id, in_scope, allow))
    return found


def check_ingest(uow: UnitOfWork, actor: Principal, scope_id: int | None) -> None:
    """Refuse a caller who may not store observations (in ``scope_id``, or in any
    scope), before a batch is read: a batch is up to a megabyte of work."""
    with uow:
        if scope_id is not None:
            writable_scope(uow.session, actor, scope_id, Role.editor)
        elif not actor.authenticated:
            raise Unauthenticated(lazy("sign in or send a bearer token"))
        elif not any(actor.can(org, Role.editor) for org in actor.roles) and not actor.is_system:
            raise Forbidden(lazy("storing observations needs the editor role in an organization"))


def _field(row: Row, name: str) -> str:
    """``observations[3].value`` for an item of a request, ``line 7: value`` for a file."""
    return f"{row.where}.{name}" if row.where.endswith("]") else f"{row.where}: {name}"


def _resolve(
    rows: Sequence[Row], keys: set[str], found: dict[str, list[_Target]]
) -> dict[str, _Target]:
    """The indicator each key of the batch names, or the first row that names
    none (or several)."""
    targets = {key: candidates[0] for key, candidates in found.items() if len(candidates) == 1}
    if targets.keys() >= keys:
        return targets
    for row in rows:
        candidates = found.get(row.indicator, [])
        if not candidates:
            raise InvalidInput.on(
                _field(row, "indicator"),
                lazy("no indicator %(indicator)s you may write to", indicator=repr(row.indicator)),
            )
        if len(candidates) > 1:
            scopes = ", ".join(str(target.scope_id) for target in candidates)
            raise InvalidInput.on(
                _field(row, "indicator"),
                lazy(
                    "%(indicator)s is an indicator of several scopes (%(scopes)s): name the scope",
                    indicator=repr(row.indicator),
                    scopes=scopes,
                ),
            )
    raise AssertionError("unreachable")


# Columns of a batch of rows, read at C speed (a batch of 10,000 rows costs little
# more than its database work only if no Python code runs per row).
_KEYS, _TIMES, _VALUES, _SOURCES = (itemgetter(n) for n in range(4))


def _epoch_microseconds(rows: Sequence[Row]) -> np.ndarray:
    return epoch_microseconds(list(map(_TIMES, rows)))


def batch_digest(
    indicator_ids: np.ndarray, microseconds: np.ndarray, values: np.ndarray, sources: list[str]
) -> str:
    """SHA-256 of a batch as stored, in the order received: the indicator ids and
    epoch microseconds as little-endian int64, the values as little-endian
    float64, then the sources joined by newlines (UTF-8)."""
    digest = hashlib.sha256()
    digest.update(indicator_ids.astype("<i8").tobytes())
    digest.update(microseconds.astype("<i8").tobytes())
    digest.update(values.astype("<f8").tobytes())
    digest.update("\n".join(sources).encode())
    return digest.hexdigest()


def _insert_sqlite(connection: Connection, columns: list[list[Any]], recorded: Any) -> int:
    """One ``executemany`` on the driver that skips what is stored; how many it stored."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(_SQLITE_INSERT, zip(*columns, repeat(recorded), strict=False))
        return cursor.rowcount
    finally:
        cursor.close()


_SQLITE_INSERT = (
    "INSERT INTO observations (indicator_id, time, value, source, recorded_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (indicator_id, time, source) DO NOTHING"
)
_COPY = "COPY observations (indicator_id, time, value, source, recorded_at) FROM STDIN"
_COPY_BATCH = "COPY observations_batch (indicator_id, time, value, source, recorded_at) FROM STDIN"
_INSERT_BATCH = (
    "INSERT INTO observations (indicator_id, time, value, source, recorded_at) "
    "SELECT indicator_id, time, value, source, recorded_at FROM observations_batch "
    "ON CONFLICT (indicator_id, time, source) DO NOTHING"
)


def _insert_postgresql(connection: Connection, columns: list[list[Any]], recorded: Any) -> int:
    """The batch by COPY straight into the table, as fast as PostgreSQL takes rows;
    if any of them is stored already (COPY cannot skip it), the COPY is undone to
    its savepoint and the batch goes through a temporary table and one INSERT
    that skips what is stored. How many it stored."""
    import psycopg

    rows = list(zip(*columns, repeat(recorded), strict=False))
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        try:
            # A savepoint inside the caller's transaction.
            with driver.transaction(), cursor.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        except psycopg.errors.UniqueViolation:
            pass
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS observations_batch "
            "(indicator_id integer, time timestamptz, value double precision, "
            "source varchar(200), recorded_at timestamptz) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(_COPY_BATCH) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_INSERT_BATCH)
        stored = cursor.rowcount
        cursor.execute("TRUNCATE observations_batch")
        return stored


def ingest(
    uow: UnitOfWork,
    actor: Principal,
    rows: Sequence[Row],
    scope_id: int | None = None,
    default_source: str = DEFAULT_SOURCE,
) -> BatchResult:
    """Store a batch of observations, all or nothing.

    Each row names its indicator by key: in ``scope_id``, or else in any scope
    the caller may write to (a key found in several is refused). The same
    indicator, time and source twice is stored once: the result counts the
    duplicates. A non-finite value is refused unless the indicator allows it.
    Every scope the batch touched gets one ``observations.recorded`` event
    with the batch's digest (see :func:`batch_digest`).
    """
    if not rows:
        raise InvalidInput.on("observations", lazy("no observations in the batch"))
    if len(rows) > MAX_BATCH:
        raise InvalidInput.on(
            "observations",
            lazy("at most %(most)s observations per batch", most=format(MAX_BATCH, ",")),
        )
    with uow:
        session = uow.session
        keys = list(map(_KEYS, rows))
        distinct = set(keys)
        by_key = _resolve(rows, distinct, _targets(session, actor, distinct, scope_id))
        values = np.array(list(map(_VALUES, rows)), dtype=np.float64)
        for position in np.flatnonzero(~np.isfinite(values)).tolist():
            if not by_key[keys[position]].allow_non_finite:
                row = rows[position]
                raise InvalidInput.on(
                    _field(row, "value"),
                    lazy(
                        "%(value)s is not allowed: "
                        "indicator %(indicator)s takes finite values only",
                        value=row.value,
                        indicator=repr(row.indicator),
                    ),
                )
        # The batch as columns, converted once (per-row Python work is most of the cost).
        id_of = {key: target.indicator_id for key, target in by_key.items()}
        ids = np.array(list(map(id_of.__getitem__, keys)), dtype=np.int64)
        microseconds = _epoch_microseconds(rows)
        sources = list(map(_SOURCES, rows))
        if None in sources:
            sources = [source or default_source for source in sources]
        now = clock.now()
        connection = session.connection()
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            times: list[Any] = [row.time for row in rows]
            recorded: Any = now
        else:
            times = microseconds.tolist()  # as ObservationTime stores them
            recorded = now.isoformat(sep=" ", timespec="microseconds")[:26]
        # NaN is stored as NULL (see agilegov.db.FloatOrNaN).
        stored_values = values.tolist()
        if np.isnan(values).any():
            stored_values = [None if v != v else v for v in stored_values]
        scope_ids = {target.scope_id for target in by_key.values()}
        stored_in_all = 0
        for in_scope in sorted(scope_ids):
            if len(scope_ids) == 1:
                part: Any = slice(None)
                columns = [ids.tolist(), times, stored_values, sources]
            else:
                in_part = {key for key, target in by_key.items() if target.scope_id == in_scope}
                part = np.array([key in in_part for key in keys])
                where = np.flatnonzero(part).tolist()
                columns = [
                    ids[part].tolist(),
                    [times[p] for p in where],
                    [stored_values[p] for p in where],
                    [sources[p] for p in where],
                ]
            insert = _insert_postgresql if postgresql else _insert_sqlite
            stored = insert(connection, columns, recorded)
            stored_in_all += stored
            if not stored:
                continue
            scope = session.get(Scope, in_scope)
            assert scope is not None
            _queue(session, in_scope, set(columns[0]), now)
            received = len(columns[0])
            first, last = microseconds[part].min(), microseconds[part].max()
            record_event(
                session,
                actor,
                "observations.recorded",
                in_scope,
                {
                    "received": received,
                    "stored": stored,
                    "duplicates": received - stored,
                    "sha256": batch_digest(ids[part], microseconds[part], values[part], columns[3]),
                    "from": _iso(int(first)),
                    "to": _iso(int(last)),
                },
                scope=scope,
                subject_type="scope",
            )
        uow.commit()
        return BatchResult(stored=stored_in_all, duplicates=len(rows) - stored_in_all)


def _iso(microseconds: int) -> str:
    return str(np.datetime_as_string(np.datetime64(microseconds, "us"), unit="us")) + "Z"


def list_observations(
    uow: UnitOfWork, actor: Principal, scope_id: int, indicator_id: int, limit: int, offset: int
) -> Page[ObservationRead]:
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        if not indicator_in_scope(session, scope.id, indicator_id):
            raise NotFound(
                lazy(
                    "indicator %(indicator_id)s not found in scope %(scope_id)s",
                    indicator_id=indicator_id,
                    scope_id=scope.id,
                )
            )
        where = [Observation.indicator_id == indicator_id]
        newest_first = [Observation.time.desc(), Observation.id]
        return paginate(
            session, Observation, where, ObservationRead, limit, offset, order_by=newest_first
        )


# ---------------------------------------------------------------- evaluation

_DAY = 86_400.0
_READ_PART = 100_000  # observations read and converted at a time


class _Indicator(ActiveIndicator):
    """What evaluating one indicator needs, read once per run."""

    __slots__ = ()

    def misses_requirement(self, value: float | None) -> bool:
        """Whether a breach at ``value`` also fails the requirement the goal adopts.

        A goal adopted at a stricter level than required has a margin: a breach
        inside it is the adopter's to correct by its measures (inner loop); only
        a value beyond the requirement's own level makes it the other
        organization's concern too. Where the levels cannot be compared, every
        breach of an adopted goal counts as one of the requirement.
        """
        if not self.derived:
            return False
        if self.required_level is None:
            return True
        return _worse(value, self.required_level, self.row.direction)


def _indicators(session: Session, scope_id: int) -> list[_Indicator]:
    return [_Indicator(*item) for item in active_indicators(session, scope_id)]


def _rules(indicators: Sequence[_Indicator]) -> list[Rule]:
    position = {item.row.id: number for number, item in enumerate(indicators)}
    rules = []
    for item in indicators:
        row = item.row
        ratio = row.aggregate == "ratio"
        missing_part = ratio and not (
            row.numerator_id in position and row.denominator_id in position
        )
        rules.append(
            Rule(
                # A ratio whose parts are retired has nothing to divide: no data.
                aggregate="count" if missing_part else row.aggregate,
                window_seconds=row.window_days * _DAY,
                direction=row.direction,
                acceptable_level=row.acceptable_level,
                target=row.target,
                numerator=position[row.numerator_id] if ratio and not missing_part else None,
                denominator=position[row.denominator_id] if ratio and not missing_part else None,
            )
        )
    return rules


def _observations(
    session: Session, scope_id: int, since: datetime, until: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indicator ids, epoch seconds, values and observation ids of the observations
    in ``(since, until]`` of the scope's active indicators, by indicator then time."""
    sqlite = session.connection().dialect.name == "sqlite"
    if sqlite:
        after, upto = epoch_microseconds([since, until]).tolist()
    else:
        after, upto = since, until
    parameters = {"scope_id": scope_id, "after": after, "upto": upto}
    parts = []
    for rows in _in_parts(session, _observations_query(sqlite), parameters):
        ids, times, values, observation_ids = zip(*rows, strict=True)
        if sqlite:
            stamps = np.array(times, dtype=np.int64) / 1e6
        else:
            stamps = np.array(times, dtype=np.float64)
        parts.append(
            (
                np.array(ids, dtype=np.int64),
                stamps,
                np.array(values, dtype=np.float64),  # NULL (a stored NaN) becomes NaN
                np.array(observation_ids, dtype=np.int64),
            )
        )
    if not parts:
        return _empty()
    ids, stamps, values, observation_ids = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    return ids, stamps, values, observation_ids


@functools.cache
def _observations_query(sqlite: bool) -> Select[Any]:
    """The query of :func:`_observations`, its parameters ``scope_id`` and the
    window's ends ``after`` and ``upto``: built once, as every evaluation of
    every scope runs it."""
    measured = indicator_ids(bindparam("scope_id"), active_only=True)
    # Times and values as the database holds them (on SQLite whole microseconds):
    # NumPy converts a whole part at once, which costs far less than a Python
    # object per value.
    if sqlite:
        stored_time: Any = type_coerce(Observation.time, BigInteger)
        time = stored_time
    else:
        stored_time = Observation.time
        time = func.extract("epoch", Observation.time)
    return (
        select(
            Observation.indicator_id, time, type_coerce(Observation.value, Float), Observation.id
        )
        .where(
            Observation.indicator_id.in_(measured),
            stored_time > bindparam("after"),
            stored_time <= bindparam("upto"),
        )
        # The order of the unique index: read in order, never sorted.
        .order_by(Observation.indicator_id, Observation.time, Observation.source)
    )


def _in_parts(
    session: Session, query: Select[Any], parameters: dict[str, Any]
) -> Iterator[Sequence[Any]]:
    """The rows of a query whose columns need no result processing, a part at a
    time, so that a large scope's rows never all exist as Python objects at once.
    On SQLite they are the driver's own tuples, read without SQLAlchemy's rows
    (and ``parameters`` go to the driver as they are)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        result = session.execute(query, parameters, execution_options={"yield_per": _READ_PART})
        yield from result.partitions()
        return
    statement, names, constants = _driver_statement(connection.dialect, query)
    values = constants | parameters
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(statement, [values[name] for name in names])
        while rows := cursor.fetchmany(_READ_PART):
            yield rows
    finally:
        cursor.close()


@functools.lru_cache(maxsize=8)
def _driver_statement(
    dialect: Dialect, query: Select[Any]
) -> tuple[str, list[str], dict[str, Any]]:
    """A query as the driver takes it, the names of its parameters in order, and
    the values of those the query holds itself (compiling costs more than running
    it on a small scope)."""
    compiled = query.compile(dialect=dialect)
    return compiled.string, list(compiled.positiontup or []), compiled.params


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.empty(0, np.int64),
        np.empty(0, np.float64),
        np.empty(0, np.float64),
        np.empty(0, np.int64),
    )


def _moment(seconds: float) -> datetime | None:
    if not np.isfinite(seconds):
        return None
    return datetime.fromtimestamp(round(float(seconds), 6), UTC)


def _number(value: float) -> float | None:
    """A value to store: NaN (no value) as None; ±Inf kept."""
    return None if np.isnan(value) else float(value)


def _json_number(value: float | None) -> float | str | None:
    """JSON has no infinities: the record writes them as Prometheus does."""
    if value is None or math.isfinite(value):
        return value
    return "+Inf" if value > 0 else "-Inf"


@dataclass
class EvaluationRun:
    """What one evaluation of a scope found and did."""

    scope_id: int
    evaluated_at: datetime
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_NAMES, 0))
    opened: list[int] = field(default_factory=list)  # trigger ids
    recovered: list[int] = field(default_factory=list)  # episode ids


def evaluate_scope(
    uow: UnitOfWork, actor: Principal, scope_id: int, at: datetime | None = None
) -> EvaluationRun:
    """Evaluate every indicator of a scope's active goals at ``at`` (now), all at once.

    Each evaluation is stored with the window and the observations it covered,
    and appended to the record as evidence. A breach opens an episode and one
    trigger for it: inner loop, or outer where the value also misses the level of
    a requirement its goal adopts (a breach inside the adopter's stricter margin is
    its own to correct). An episode lasting ``escalate_after`` windows, or going
    past the adopted requirement's level, opens an outer-loop ``goal_failure``
    trigger; the recovery closes the episode. Owners are told of each in the app
    and by webhook.
    """
    at = at or clock.now()
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        # One evaluation of a scope at a time (every server process evaluates
        # periodically, and as observations arrive): each follows the episodes
        # the one before it left.
        hold(session, scope)
        indicators = _indicators(session, scope.id)
        observed = (
            _observations(session, scope.id, _since(indicators, at), at) if indicators else None
        )
        run = _evaluate(session, actor, scope, indicators, observed, at)
        uow.commit()
        return run


def _since(indicators: Sequence[_Indicator], at: datetime) -> datetime:
    """Where the longest window of ``indicators`` at ``at`` begins."""
    return at - timedelta(days=max(item.row.window_days for item in indicators))


def _evaluate(
    session: Session,
    actor: Principal,
    scope: Scope,
    indicators: Sequence[_Indicator],
    observed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None,
    at: datetime,
    only: Collection[int] | None = None,
) -> EvaluationRun:
    """Evaluate ``indicators`` (a ratio's parts among them) over the observations
    read for them, and store the evaluations of those ``only`` names (all if None)."""
    run = EvaluationRun(scope_id=scope.id, evaluated_at=at)
    if not indicators or observed is None:
        return run
    rules = _rules(indicators)
    position = {item.row.id: number for number, item in enumerate(indicators)}
    positions = np.array([position[i] for i in observed[0].tolist()], dtype=np.int64)
    result = evaluate(rules, positions, observed[1], observed[2], at.timestamp(), ids=observed[3])
    statuses = [STATUS_NAMES[code] for code in result.status.tolist()]
    episodes = _open_episodes(session, scope.id)
    rows = []
    evaluated = []
    for number, item in enumerate(indicators):
        if only is not None and item.row.id not in only:
            continue
        status = statuses[number]
        value = _number(result.value[number])
        episode = _follow_episode(
            session, actor, scope, item, episodes.get(item.row.id), status, value, at, run
        )
        rows.append(
            {
                "scope_id": scope.id,
                "indicator_id": item.row.id,
                "evaluated_at": at,
                "window_start": _moment(result.window_start[number]),
                "window_end": at,
                "aggregate": item.row.aggregate,
                "value": value,
                "status": status,
                "direction": item.row.direction,
                "acceptable_level": item.row.acceptable_level,
                "target": item.row.target,
                "observation_count": int(result.count[number]),
                "first_observation_id": _id(result.first_id[number]),
                "last_observation_id": _id(result.last_id[number]),
                "first_time": _moment(result.first_time[number]),
                "last_time": _moment(result.last_time[number]),
                "episode_id": episode.id if episode is not None else None,
            }
        )
        evaluated.append(item)
        run.counts[status] += 1
    if not rows:
        return run
    evidence = [(item.row.id, _evidence(row)) for item, row in zip(evaluated, rows, strict=True)]
    leaves = append_events(
        session,
        actor,
        type="evaluation.recorded",
        subject_type="indicator",
        subjects=evidence,
        organization_id=scope.organization_id,
        scope_id=scope.id,
    )
    for row, leaf in zip(rows, leaves, strict=True):
        row["leaf_index"] = leaf
    session.execute(insert(Evaluation), rows)
    return run


# ---------------------------------------------------------------- evaluation as data arrives


def _queue(session: Session, scope_id: int, indicator_ids: Collection[int], now: datetime) -> None:
    """Queue the indicators a batch stored observations of (once each: an
    indicator already waiting keeps its place)."""
    dialect = session.connection().dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(QueuedEvaluation)
    # An update that changes nothing, not "do nothing": it locks a waiting row
    # until this batch commits, so that a drain taking the row off meanwhile
    # waits for the batch, then reads its observations.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[QueuedEvaluation.indicator_id],
            set_={"queued_at": QueuedEvaluation.queued_at},
        ),
        [
            {"indicator_id": indicator_id, "scope_id": scope_id, "queued_at": now}
            for indicator_id in sorted(indicator_ids)
        ],
    )


def queue_state(session: Session) -> tuple[int, datetime | None]:
    """How many indicators wait to be evaluated, and since when the oldest has."""
    count, oldest = session.execute(
        select(func.count(), func.min(QueuedEvaluation.queued_at))
    ).one()
    return count, oldest


def evaluate_queued(uow: UnitOfWork, at: datetime | None = None) -> list[EvaluationRun]:
    """Evaluate the indicators new observations were stored for, and only those
    (with the ratios they are a part of): what the "queued evaluations" job runs
    every second, so that a breach opens its trigger moments after it is posted.

    Each scope is its own transaction, which takes its indicators off the queue:
    one that fails is rolled back alone and its indicators stay queued."""
    with uow:
        scope_ids = list(
            uow.session.scalars(
                select(QueuedEvaluation.scope_id).distinct().order_by(QueuedEvaluation.scope_id)
            )
        )
    runs = []
    failures: dict[int, Exception] = {}
    for scope_id in scope_ids:
        try:
            run = metrics.timed_evaluation(
                "queued", _evaluate_queued_in, uow, scope_id, at or clock.now()
            )
        except Exception as problem:  # reported below, after the others
            failures[scope_id] = problem
            continue
        if run is not None:
            runs.append(run)
    if failures:
        raise EvaluationsFailed(failures)
    return runs


def _evaluate_queued_in(uow: UnitOfWork, scope_id: int, at: datetime) -> EvaluationRun | None:
    with uow:
        session = uow.session
        scope = session.get(Scope, scope_id)
        assert scope is not None
        hold(session, scope)
        # Locked in the order batches lock them (by indicator), so that a drain
        # and a batch never wait for each other both ways; rows queued after
        # this read stay for the next drain.
        queued = set(
            session.scalars(
                select(QueuedEvaluation.indicator_id)
                .where(QueuedEvaluation.scope_id == scope_id)
                .order_by(QueuedEvaluation.indicator_id)
                .with_for_update()
            )
        )
        session.execute(delete(QueuedEvaluation).where(QueuedEvaluation.indicator_id.in_(queued)))
        if not queued or scope.status != "active":
            uow.commit()
            return None
        indicators = _indicators(session, scope_id)
        affected = {
            item.row.id
            for item in indicators
            if item.row.id in queued
            or (
                item.row.aggregate == "ratio"
                and (item.row.numerator_id in queued or item.row.denominator_id in queued)
            )
        }
        parts = {
            part
            for item in indicators
            if item.row.id in affected and item.row.aggregate == "ratio"
            for part in (item.row.numerator_id, item.row.denominator_id)
        }
        subset = [item for item in indicators if item.row.id in affected | parts]
        if not subset:
            uow.commit()
            return None
        ids = [item.row.id for item in subset]
        observed = _observations_of(session, ids, _since(subset, at), at)
        run = _evaluate(session, SYSTEM, scope, subset, observed, at, only=affected)
        uow.commit()
        return run


def _observations_of(
    session: Session, indicator_ids: Sequence[int], since: datetime, until: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_observations`, for the indicators ``indicator_ids`` (a few)."""
    rows = session.execute(
        select(Observation.indicator_id, Observation.time, Observation.value, Observation.id)
        .where(
            Observation.indicator_id.in_(indicator_ids),
            Observation.time > since,
            Observation.time <= until,
        )
        .order_by(Observation.indicator_id, Observation.time, Observation.source)
    ).all()
    if not rows:
        return _empty()
    ids, times, values, observation_ids = zip(*rows, strict=True)
    return (
        np.array(ids, dtype=np.int64),
        np.array([moment.timestamp() for moment in times], dtype=np.float64),
        np.array([math.nan if value is None else value for value in values], dtype=np.float64),
        np.array(observation_ids, dtype=np.int64),
    )


def _id(value: int) -> int | None:
    return int(value) if value >= 0 else None


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    """What the record keeps of an evaluation: enough to check it against the
    observations it names."""
    return {
        "at": _iso_or_none(row["evaluated_at"]),
        "window": [_iso_or_none(row["window_start"]), _iso_or_none(row["window_end"])],
        "aggregate": row["aggregate"],
        "value": _json_number(row["value"]),
        "status": row["status"],
        "acceptable_level": row["acceptable_level"],
        "target": row["target"],
        "observations": row["observation_count"],
        "observation_ids": [row["first_observation_id"], row["last_observation_id"]],
        "episode": row["episode_id"],
    }


def _iso_or_none(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _open_episodes(session: Session, scope_id: int) -> dict[int, BreachEpisode]:
    found = session.scalars(_open_episodes_query(), {"scope_id": scope_id})
    return {episode.indicator_id: episode for episode in found}


@functools.cache
def _open_episodes_query() -> Select[tuple[BreachEpisode]]:
    """The query of a scope's open episodes, its parameter ``scope_id``: built once."""
    return select(BreachEpisode).where(
        BreachEpisode.scope_id == bindparam("scope_id"), BreachEpisode.recovered_at.is_(None)
    )


def _worse(value: float | None, than: float | None, direction: str) -> bool:
    if value is None:
        return False
    if than is None:
        return True
    return value < than if direction == "higher_is_better" else value > than


def _follow_episode(
    session: Session,
    actor: Principal,
    scope: Scope,
    item: _Indicator,
    episode: BreachEpisode | None,
    status: str,
    value: float | None,
    at: datetime,
    run: EvaluationRun,
) -> BreachEpisode | None:
    """Open, extend or close the indicator's breach episode; the episode this
    evaluation belongs to, if any."""
    indicator = item.row
    if status == "breach":
        if episode is None:
            return _open_episode(session, actor, scope, item, value, at, run)
        episode.windows = 1 + int(
            (at - episode.opened_at).total_seconds() // (indicator.window_days * _DAY)
        )
        if _worse(value, episode.worst_value, indicator.direction):
            episode.worst_value = value
        if episode.escalation_trigger_id is None:
            if episode.windows >= indicator.escalate_after:
                _escalate(session, actor, scope, item, episode, run)
            elif episode.loop == Loop.inner and item.misses_requirement(value):
                # A breach that began inside the adopter's margin has gone past the
                # requirement's own level: that is for the outer loop now, not later.
                _escalate(session, actor, scope, item, episode, run, missed=value)
        return episode
    if episode is not None and status in ("ok", "warning"):
        episode.recovered_at = at
        session.flush()
        payload = {"indicator": indicator.key, "value": value, "windows": episode.windows}
        record_event(session, actor, "breach_episode.recovered", episode.id, payload, scope=scope)
        notify_owners(
            session,
            actor,
            scope.organization_id,
            "indicator.recovered",
            lazy("%(name)s is back within its acceptable level", name=indicator.name),
            lazy(
                "%(key)s = %(value)s after %(windows)s window(s) in breach.",
                key=indicator.key,
                value=value,
                windows=episode.windows,
            ),
            link=f"/scopes/{scope.id}",
            payload={"scope_id": scope.id, "indicator": indicator.key, "episode": episode.id},
        )
        run.recovered.append(episode.id)
    return None


# What a notification of a breach says after its cause.
INNER_OPENED = N_("%(cause)s; inner-loop trigger #%(trigger)s opened.")
OUTER_OPENED = N_("%(cause)s; outer-loop trigger #%(trigger)s opened.")


def _open_episode(
    session: Session,
    actor: Principal,
    scope: Scope,
    item: _Indicator,
    value: float | None,
    at: datetime,
    run: EvaluationRun,
) -> BreachEpisode:
    indicator = item.row
    facts: dict[str, Any] = {
        "derived": item.misses_requirement(value),
        "value": value,
        "acceptable_level": indicator.acceptable_level,
    }
    if item.required_level is not None:
        facts["required_level"] = item.required_level
    episode = BreachEpisode(
        scope_id=scope.id,
        indicator_id=indicator.id,
        opened_at=at,
        loop=loop_for(TriggerKind.indicator_breach, facts).value,
        windows=1,
        worst_value=value,
    )
    session.add(episode)
    session.flush()
    breached = (
        N_(
            "%(name)s (%(key)s) = %(value)s, below its acceptable level %(level)s "
            "over the last %(days)s day(s)"
        )
        if indicator.direction == "higher_is_better"
        else N_(
            "%(name)s (%(key)s) = %(value)s, above its acceptable level %(level)s "
            "over the last %(days)s day(s)"
        )
    )
    parts = [
        lazy(
            breached,
            name=indicator.name,
            key=indicator.key,
            value=value,
            level=indicator.acceptable_level,
            days=indicator.window_days,
        )
    ]
    if item.required_level is not None:
        held = (
            N_("; the level %(level)s of the requirement its goal adopts is missed too")
            if facts["derived"]
            else N_("; the level %(level)s of the requirement its goal adopts is still met")
        )
        parts.append(lazy(held, level=item.required_level))
    # The trigger keeps its cause in English; the owners read it in their language.
    told = joined(parts, "")
    cause = told.in_language("en")
    trigger = open_trigger(
        session,
        actor,
        scope,
        TriggerCreate(
            kind=TriggerKind.indicator_breach,
            cause=cause,
            subject_type="indicator",
            subject_id=indicator.id,
            facts={**facts, "episode": episode.id},
        ),
    )
    episode.trigger_id = trigger.id
    payload = {
        "indicator": indicator.key,
        "value": value,
        "loop": episode.loop,
        "trigger": trigger.id,
    }
    record_event(session, actor, "breach_episode.opened", episode.id, payload, scope=scope)
    if facts["derived"]:
        _tell_required_level_missed(session, scope, item, value, at, trigger.id)
    notify_owners(
        session,
        actor,
        scope.organization_id,
        "indicator.breach",
        lazy("%(name)s is in breach", name=indicator.name),
        lazy(
            INNER_OPENED if episode.loop == Loop.inner else OUTER_OPENED,
            cause=told,
            trigger=trigger.id,
        ),
        link=f"/scopes/{scope.id}",
        payload={"scope_id": scope.id, "indicator": indicator.key, "trigger": trigger.id},
    )
    run.opened.append(trigger.id)
    return episode


def _escalate(
    session: Session,
    actor: Principal,
    scope: Scope,
    item: _Indicator,
    episode: BreachEpisode,
    run: EvaluationRun,
    missed: float | None = None,
) -> None:
    """Open the episode's outer-loop goal_failure trigger: it has lasted too long, or
    (``missed``, the value) it has gone past the level of the requirement adopted."""
    indicator = item.row
    facts: dict[str, Any] = {
        "episode": episode.id,
        "windows": episode.windows,
        "indicator": indicator.key,
    }
    if missed is None:
        told = lazy(
            "goal '%(title)s' has been in breach for %(windows)s consecutive window(s) "
            "of %(days)s day(s) (%(key)s)",
            title=item.goal_title,
            windows=episode.windows,
            days=indicator.window_days,
            key=indicator.key,
        )
        title = lazy("Goal '%(title)s' keeps failing", title=item.goal_title)
    else:
        told = lazy(
            "goal '%(title)s' now misses the level %(level)s of the requirement it adopts "
            "(%(key)s = %(value)s)",
            title=item.goal_title,
            level=item.required_level,
            key=indicator.key,
            value=missed,
        )
        title = lazy("Goal '%(title)s' misses the requirement it adopts", title=item.goal_title)
        facts |= {"value": missed, "required_level": item.required_level}
    cause = told.in_language("en")  # the trigger keeps it in English
    trigger = open_trigger(
        session,
        actor,
        scope,
        TriggerCreate(
            kind=TriggerKind.goal_failure,
            cause=cause,
            subject_type="goal",
            subject_id=indicator.goal_id,
            facts=facts,
        ),
    )
    episode.escalation_trigger_id = trigger.id
    payload = {"indicator": indicator.key, "windows": episode.windows, "trigger": trigger.id}
    record_event(session, actor, "breach_episode.escalated", episode.id, payload, scope=scope)
    if missed is not None:
        _tell_required_level_missed(session, scope, item, missed, run.evaluated_at, trigger.id)
    notify_owners(
        session,
        actor,
        scope.organization_id,
        "goal.failure",
        title,
        lazy(OUTER_OPENED, cause=told, trigger=trigger.id),
        link=f"/scopes/{scope.id}",
        payload={"scope_id": scope.id, "goal_id": indicator.goal_id, "trigger": trigger.id},
    )
    run.opened.append(trigger.id)


def _tell_required_level_missed(
    session: Session,
    scope: Scope,
    item: _Indicator,
    value: float | None,
    at: datetime,
    trigger_id: int,
) -> None:
    """Tell the parts listening (the regulator's channel) that ``item`` has gone
    past the level of the goal its goal adopts."""
    assert item.adopts is not None
    missed = RequiredLevelMissed(
        organization_id=scope.organization_id,
        scope_id=scope.id,
        goal_id=item.row.goal_id,
        adopted_goal_id=item.adopts,
        indicator_key=item.row.key,
        indicator_name=item.row.name,
        value=value,
        required_level=item.required_level,
        at=at,
        trigger_id=trigger_id,
    )
    for listener in required_level_listeners():
        listener(session, missed)


class EvaluationsFailed(RuntimeError):
    """Some scopes could not be evaluated (the others were)."""

    def __init__(self, failures: dict[int, Exception]) -> None:
        self.failures = failures
        named = "; ".join(f"scope {scope}: {problem}" for scope, problem in failures.items())
        super().__init__(f"{len(failures)} scope(s) not evaluated: {named}")


def evaluate_all(uow: UnitOfWork, at: datetime | None = None) -> list[EvaluationRun]:
    """Evaluate every active scope that has indicators (the server's periodic tick).

    Each scope is its own transaction: one that fails is rolled back alone, the
    others are evaluated, and the failures are raised together at the end.
    """
    with uow:
        scope_ids = list(
            uow.session.scalars(
                select(Scope.id)
                .where(Scope.status == "active", Scope.id.in_(indicator_scope_ids()))
                .order_by(Scope.id)
            )
        )
    runs = []
    failures: dict[int, Exception] = {}
    for scope_id in scope_ids:
        try:
            runs.append(
                metrics.timed_evaluation("scheduled", evaluate_scope, uow, SYSTEM, scope_id, at)
            )
        except Exception as problem:  # reported below, after the others
            failures[scope_id] = problem
    if failures:
        raise EvaluationsFailed(failures)
    return runs


def list_evaluations(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    limit: int,
    offset: int,
    indicator_id: int | None = None,
    status: str | None = None,
) -> Page[EvaluationRead]:
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        where = [Evaluation.scope_id == scope.id]
        if indicator_id is not None:
            where.append(Evaluation.indicator_id == indicator_id)
        if status is not None:
            where.append(Evaluation.status == status)
        newest_first = [Evaluation.id.desc()]
        return paginate(
            session, Evaluation, where, EvaluationRead, limit, offset, order_by=newest_first
        )


class EvaluationOfIndicator(NamedTuple):
    """An evaluation with its indicator's name."""

    evaluation: EvaluationRead
    indicator_name: str


def scope_evaluation(
    session: Session, scope_id: int, evaluation_id: int
) -> EvaluationOfIndicator | None:
    """One evaluation of the scope (for another part's disclosure)."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.scope_id != scope_id:
        return None
    names = indicator_names(session, scope_id)
    return EvaluationOfIndicator(
        EvaluationRead.model_validate(evaluation), names.get(evaluation.indicator_id, "")
    )


def recent_evaluations(session: Session, scope_id: int, limit: int) -> list[EvaluationOfIndicator]:
    """The scope's latest evaluations, newest first, with their indicators' names."""
    names = indicator_names(session, scope_id)
    rows = session.scalars(
        select(Evaluation)
        .where(Evaluation.scope_id == scope_id)
        .order_by(Evaluation.id.desc())
        .limit(limit)
    )
    return [
        EvaluationOfIndicator(EvaluationRead.model_validate(row), names.get(row.indicator_id, ""))
        for row in rows
    ]


def list_episodes(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    limit: int,
    offset: int,
    open_only: bool = False,
) -> Page[BreachEpisodeRead]:
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        where = [BreachEpisode.scope_id == scope.id]
        if open_only:
            where.append(BreachEpisode.recovered_at.is_(None))
        newest_first = [BreachEpisode.id.desc()]
        return paginate(
            session, BreachEpisode, where, BreachEpisodeRead, limit, offset, order_by=newest_first
        )


# ---------------------------------------------------------------- reads for the pages


def evaluation_scope(session: Session, evaluation_id: int) -> int | None:
    """The scope whose indicator an evaluation measured, or None if there is none."""
    return session.scalar(select(Evaluation.scope_id).where(Evaluation.id == evaluation_id))


def latest_evaluations(session: Session, scope_id: int) -> dict[int, Any]:
    """Each indicator's latest evaluation in the scope, by indicator id, in one query."""
    latest = (
        select(func.max(Evaluation.id))
        .where(Evaluation.scope_id == scope_id)
        .group_by(Evaluation.indicator_id)
    )
    rows = session.execute(
        select(
            Evaluation.indicator_id,
            Evaluation.status,
            Evaluation.aggregate,
            Evaluation.value,
            Evaluation.evaluated_at,
        ).where(Evaluation.id.in_(latest))
    )
    return {row.indicator_id: row for row in rows}


def latest_status(indicator_id: Any) -> Any:
    """The status of the latest evaluation of the indicator ``indicator_id``
    names (a column), as an SQL expression a list can filter and sort by."""
    return (
        select(Evaluation.status)
        .where(Evaluation.indicator_id == indicator_id)
        .order_by(Evaluation.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def recent_series(session: Session, scope_id: int, points: int) -> dict[int, list[tuple[Any, Any]]]:
    """The newest ``points`` observations of each indicator of the scope, oldest
    first, in one query."""
    ranked = (
        select(
            Observation.indicator_id,
            Observation.time,
            Observation.value,
            func.row_number()
            .over(partition_by=Observation.indicator_id, order_by=Observation.time.desc())
            .label("newness"),
        )
        .where(Observation.indicator_id.in_(indicator_ids(scope_id)))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.indicator_id, ranked.c.time, ranked.c.value)
        .where(ranked.c.newness <= points)
        .order_by(ranked.c.indicator_id, ranked.c.time)
    )
    series: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for indicator_id, time, value in rows:
        series[indicator_id].append((time, value))
    return series


@dataclass(frozen=True)
class IndicatorHistory:
    """What one indicator's page shows: its newest observations (oldest first),
    its newest evaluations and breach episodes (newest first), and how many of
    each there are in all."""

    indicator: IndicatorOfGoal
    observations: list[tuple[datetime, float | None]]
    observation_total: int
    evaluations: list[EvaluationRead]
    evaluation_total: int
    episodes: list[BreachEpisodeRead]
    episode_total: int


def indicator_history(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    indicator_id: int,
    *,
    observations: int,
    evaluations: int,
    episodes: int,
) -> IndicatorHistory:
    """One indicator's history, for those who may read its scope (to others the
    indicator does not exist)."""
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        found = indicator_of_goal(session, scope.id, indicator_id)
        if found is None:
            raise NotFound(
                lazy(
                    "indicator %(indicator_id)s not found in scope %(scope_id)s",
                    indicator_id=indicator_id,
                    scope_id=scope.id,
                )
            )
        newest = session.execute(
            select(Observation.time, Observation.value)
            .where(Observation.indicator_id == indicator_id)
            .order_by(Observation.time.desc(), Observation.id.desc())
            .limit(observations)
        ).all()
        evaluation_rows = session.scalars(
            select(Evaluation)
            .where(Evaluation.indicator_id == indicator_id)
            .order_by(Evaluation.id.desc())
            .limit(evaluations)
        )
        episode_rows = session.scalars(
            select(BreachEpisode)
            .where(BreachEpisode.indicator_id == indicator_id)
            .order_by(BreachEpisode.opened_at.desc(), BreachEpisode.id.desc())
            .limit(episodes)
        )
        counted = [
            select(func.count()).select_from(model).where(model.indicator_id == indicator_id)
            for model in (Observation, Evaluation, BreachEpisode)
        ]
        totals = session.execute(select(*(count.scalar_subquery() for count in counted))).one()
        return IndicatorHistory(
            indicator=found,
            observations=[(row.time, row.value) for row in reversed(newest)],
            observation_total=totals[0],
            evaluations=[EvaluationRead.model_validate(row) for row in evaluation_rows],
            evaluation_total=totals[1],
            episodes=[BreachEpisodeRead.model_validate(row) for row in episode_rows],
            episode_total=totals[2],
        )


def open_breaches(session: Session, scope_ids: Collection[int]) -> list[tuple[BreachEpisode, Any]]:
    """The open breach episodes of the scopes, each with its indicator, newest first
    (one query)."""
    indicator: Any = INDICATOR.model
    rows = session.execute(
        select(BreachEpisode, indicator)
        .join(indicator, indicator.id == BreachEpisode.indicator_id)
        .where(BreachEpisode.scope_id.in_(scope_ids), BreachEpisode.recovered_at.is_(None))
        .order_by(BreachEpisode.opened_at.desc())
    )
    return [(episode, row) for episode, row in rows]


@dataclass(frozen=True)
class PeriodResults:
    """One indicator's evaluations over a period: how many, the latest, the
    worst value measured, and the breach episodes opened in it."""

    evaluations: int
    latest_value: float | None
    latest_status: str | None
    latest_at: datetime | None
    worst_value: float | None
    episodes_opened: int


def period_results(
    session: Session, indicator_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, PeriodResults]:
    """The evaluations of each indicator made at or after ``start`` and before
    ``end``, summed up by indicator id (two queries)."""
    if not indicator_ids:
        return {}
    rows = session.execute(
        select(
            Evaluation.indicator_id,
            Evaluation.value,
            Evaluation.status,
            Evaluation.direction,
            Evaluation.evaluated_at,
        )
        .where(
            Evaluation.indicator_id.in_(list(indicator_ids)),
            Evaluation.evaluated_at >= start,
            Evaluation.evaluated_at < end,
        )
        .order_by(Evaluation.indicator_id, Evaluation.id)
    ).all()
    episodes = dict(
        session.execute(
            select(BreachEpisode.indicator_id, func.count())
            .where(
                BreachEpisode.indicator_id.in_(list(indicator_ids)),
                BreachEpisode.opened_at >= start,
                BreachEpisode.opened_at < end,
            )
            .group_by(BreachEpisode.indicator_id)
        ).all()
    )
    by_indicator: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_indicator[row.indicator_id].append(row)
    results = {}
    for indicator_id in indicator_ids:
        found = by_indicator.get(indicator_id, [])
        measured = [row for row in found if row.value is not None and math.isfinite(row.value)]
        worst = None
        if measured:
            pick = min if measured[0].direction == "higher_is_better" else max
            worst = pick(row.value for row in measured)
        latest = found[-1] if found else None
        results[indicator_id] = PeriodResults(
            evaluations=len(found),
            latest_value=latest.value if latest else None,
            latest_status=latest.status if latest else None,
            latest_at=latest.evaluated_at if latest else None,
            worst_value=worst,
            episodes_opened=episodes.get(indicator_id, 0),
        )
    return results
