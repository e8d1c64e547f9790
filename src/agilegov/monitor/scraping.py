"""Prometheus endpoints scraped into observations. The only writer of scrape targets.

Editors of a scope's organization register targets: a URL, a YAML map of the
samples that feed the scope's indicators (as ``agilegov ingest prometheus
--map`` reads it) and an interval. ``scrape_due`` fetches every active target
whose interval has passed, outside any transaction (a slow endpoint must not
hold the database), then stores what the map selects through
:func:`agilegov.monitor.service.ingest`, all or nothing, and records the
scrape on the target with its record event, in one transaction. A failed
scrape stores nothing and leaves its reason in ``last_error``; it does not
stop the other targets.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agilegov import __version__, clock, metrics
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.db import hold
from agilegov.errors import DomainError, InvalidInput, NotFound
from agilegov.goals.service import known_indicator_keys
from agilegov.i18n import lazy
from agilegov.monitor import prometheus
from agilegov.monitor.ingest import MAX_SOURCE, IngestError, Row, read_exposition
from agilegov.monitor.models import ScrapeTarget
from agilegov.monitor.schemas import (
    SCRAPE_INTERVAL_MIN,
    ScrapeResult,
    ScrapeTargetCreate,
    ScrapeTargetRead,
)
from agilegov.monitor.service import ingest
from agilegov.notify.schemas import url_problem
from agilegov.paging import paginate
from agilegov.record.service import record_event
from agilegov.schemas import Input, Page
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork

FETCH_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
ERROR_MAX = 1000
ACCEPT = "text/plain;version=0.0.4"
log = logging.getLogger("agilegov")

# url -> the body as text; raises ScrapeError when there is no usable answer.
Fetcher = Callable[[str], str]


class ScrapeError(Exception):
    """No usable answer from a target: the message says why."""


# ---------------------------------------------------------------- fetching


def _size(limit: int) -> str:
    mebibyte = 1024 * 1024
    return f"{limit // mebibyte} MiB" if limit % mebibyte == 0 else f"{limit:,} bytes"


def http_get(url: str) -> str:
    """The body of a GET of ``url``: a 2xx answer only, redirects not followed,
    at most 10 MiB (decoded), within 10 seconds, UTF-8."""
    import httpx  # only the scraper needs it

    deadline = time.monotonic() + FETCH_TIMEOUT_SECONDS
    too_large = f"the response is larger than {_size(MAX_RESPONSE_BYTES)}"
    late = f"no complete answer within {FETCH_TIMEOUT_SECONDS:g} seconds"
    headers = {"Accept": ACCEPT, "User-Agent": f"agilegov/{__version__}"}
    try:
        with httpx.stream(
            "GET", url, headers=headers, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False
        ) as response:
            if not response.is_success:
                reason = f"HTTP {response.status_code} {response.reason_phrase or 'error'}"
                hint = " (redirects are not followed)" if response.is_redirect else ""
                raise ScrapeError(reason.rstrip() + hint)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise ScrapeError(too_large)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_RESPONSE_BYTES:
                    raise ScrapeError(too_large)
                if time.monotonic() > deadline:
                    raise ScrapeError(late)
    except httpx.TimeoutException:
        raise ScrapeError(late) from None
    except (httpx.HTTPError, httpx.InvalidURL) as problem:
        raise ScrapeError(f"{type(problem).__name__}: {problem}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise ScrapeError(f"the response is not UTF-8 text (byte {problem.start})") from None


# ---------------------------------------------------------------- the map


class _YamlError(ValueError):
    pass


def _yaml(text: str) -> Any:
    """The document ``yaml.safe_load`` reads from ``text``."""
    import yaml  # PyYAML: the map's only reader

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        reason = getattr(problem, "problem", None) or str(problem)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise _YamlError(f"not YAML: {where}{reason}") from None


def default_source(url: str) -> str:
    """``prometheus:<host>`` (with the port if the URL names one)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address, as URLs write it
    if parts.port is not None:
        host += f":{parts.port}"
    return f"{prometheus.DEFAULT_SOURCE}:{host}"[:MAX_SOURCE]


def _load_map(text: str, source: str | None = None) -> prometheus.MetricMap:
    """The map in ``text``; ``source`` is the default for a map that names none.
    Raises ``_YamlError`` or ``prometheus.MapError``."""
    document = _yaml(text)
    if source is not None and isinstance(document, Mapping) and document.get("source") is None:
        document = {**document, "source": source}
    return prometheus.load_map(document)


def _checked_map(session: Session, scope_id: int, text: str) -> prometheus.MetricMap:
    """The map, refused unless it is valid and every indicator it names is in the scope."""
    try:
        metric_map = _load_map(text)
    except (_YamlError, prometheus.MapError) as problem:
        raise InvalidInput.on("metric_map", str(problem)) from None
    keys = {entry.indicator for entry in metric_map.entries}
    known = known_indicator_keys(session, scope_id, keys)
    for number, entry in enumerate(metric_map.entries):
        if entry.indicator not in known:
            raise InvalidInput.on(
                "metric_map",
                lazy(
                    "indicators[%(number)s].indicator: no indicator %(indicator)s in this scope",
                    number=number,
                    indicator=repr(entry.indicator),
                ),
            )
    return metric_map


def _check_url(url: str) -> None:
    problem = url_problem(url)
    if problem is not None:
        raise InvalidInput.on("url", problem)


# ---------------------------------------------------------------- targets


def _readable(session: Session, actor: Principal, scope_id: int) -> Scope:
    """A scope whose targets the caller may see: its organization's members only,
    even where the scope is published (a target's URL names inner systems)."""
    scope = readable_scope(session, actor, scope_id)
    actor.require(scope.organization_id, Role.viewer)
    return scope


def _target(session: Session, scope: Scope, target_id: int) -> ScrapeTarget:
    target = session.get(ScrapeTarget, target_id)
    if target is None or target.scope_id != scope.id:
        raise NotFound(
            lazy(
                "scrape target %(target_id)s not found in scope %(scope_id)s",
                target_id=target_id,
                scope_id=scope.id,
            )
        )
    return target


def _event(
    session: Session,
    actor: Principal,
    type: str,
    scope: Scope,
    target_id: int,
    payload: dict[str, Any],
) -> None:
    # URLs and errors name inner systems: the payload enters the log as a commitment.
    record_event(session, actor, type, target_id, payload, scope=scope, private=True)


def _settings(target: ScrapeTarget) -> dict[str, Any]:
    return ScrapeTargetRead.model_validate(target).model_dump(
        mode="json", include={"id", "scope_id", "url", "metric_map", "interval_seconds", "active"}
    )


def create_target(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: ScrapeTargetCreate
) -> ScrapeTargetRead:
    """Register a target; its map must name indicators of the scope only."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        _check_url(data.url)
        _checked_map(session, scope.id, data.metric_map)
        now = clock.now()
        target = ScrapeTarget(
            scope_id=scope.id,
            url=data.url,
            metric_map=data.metric_map,
            interval_seconds=data.interval_seconds,
            active=data.active,
            created_at=now,
            updated_at=now,
        )
        session.add(target)
        session.flush()
        _event(session, actor, "scrape_target.created", scope, target.id, _settings(target))
        uow.commit()
        return ScrapeTargetRead.model_validate(target)


def list_targets(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[ScrapeTargetRead]:
    with uow:
        scope = _readable(uow.session, actor, scope_id)
        where = [ScrapeTarget.scope_id == scope.id]
        return paginate(uow.session, ScrapeTarget, where, ScrapeTargetRead, limit, offset)


def get_target(
    uow: UnitOfWork, actor: Principal, scope_id: int, target_id: int
) -> ScrapeTargetRead:
    with uow:
        scope = _readable(uow.session, actor, scope_id)
        return ScrapeTargetRead.model_validate(_target(uow.session, scope, target_id))


def update_target(
    uow: UnitOfWork, actor: Principal, scope_id: int, target_id: int, data: Input
) -> ScrapeTargetRead:
    """Change a target's URL, map, interval or activity."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        target = _target(session, scope, target_id)
        # Changes of one target take turns, each recording the state it leaves.
        hold(session, target)
        changes = data.model_dump(exclude_unset=True)
        if "url" in changes:
            _check_url(changes["url"])
        if "metric_map" in changes:
            _checked_map(session, scope.id, changes["metric_map"])
        changed = {name: value for name, value in changes.items() if getattr(target, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(target, name, value)
            target.updated_at = clock.now()
            session.flush()
            payload = {**_settings(target), "changed": sorted(changed)}
            _event(session, actor, "scrape_target.updated", scope, target.id, payload)
        uow.commit()
        return ScrapeTargetRead.model_validate(target)


def delete_target(uow: UnitOfWork, actor: Principal, scope_id: int, target_id: int) -> None:
    """Remove a target; the observations it brought stay."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        target = _target(session, scope, target_id)
        payload = _settings(target)
        session.delete(target)
        session.flush()
        _event(session, actor, "scrape_target.deleted", scope, target_id, payload)
        uow.commit()


# ---------------------------------------------------------------- scraping


@dataclass(frozen=True)
class _Job:
    """What scraping one target needs, read before any request is made."""

    target_id: int
    scope_id: int
    url: str
    metric_map: str


def _rows(job: _Job, text: str, scraped_at: datetime) -> list[Row]:
    """The observations the map selects from the exposition; raises ScrapeError."""
    try:
        metric_map = _load_map(job.metric_map, default_source(job.url))
    except (_YamlError, prometheus.MapError) as problem:
        raise ScrapeError(f"metric_map: {problem}") from None
    try:
        rows = read_exposition(text, metric_map, scraped_at)
    except (prometheus.PrometheusError, IngestError) as problem:
        raise ScrapeError(f"exposition: {problem}") from None
    if not rows:
        raise ScrapeError("no sample in the exposition matches the metric map")
    return rows


def _short(error: str) -> str:
    return error if len(error) <= ERROR_MAX else error[: ERROR_MAX - 1] + "…"


def _mark(session: Session, actor: Principal, target: ScrapeTarget, result: ScrapeResult) -> None:
    """Note the scrape on the target, with its record event, in the caller's transaction."""
    target.last_scraped_at = result.scraped_at
    target.last_error = result.error
    session.flush()
    scope = session.get(Scope, target.scope_id)
    assert scope is not None
    payload = result.model_dump(mode="json")
    _event(session, actor, "scrape_target.scraped", scope, target.id, payload)


def _scrape(
    uow: UnitOfWork, actor: Principal, job: _Job, now: datetime, fetch: Fetcher
) -> ScrapeResult | None:
    """Fetch, then store and note the scrape in one transaction; a failure is noted
    in a transaction of its own. None if the target was deleted meanwhile."""
    started = time.monotonic()
    try:
        text = fetch(job.url)
        # Samples without a timestamp are dated when their answer came.
        rows = _rows(job, text, now + timedelta(seconds=time.monotonic() - started))
        with uow:
            target = uow.session.get(ScrapeTarget, job.target_id, with_for_update=True)
            if target is None:
                return None
            batch = metrics.ingest_batch(
                "scrape", len(rows), lambda: ingest(uow, actor, rows, scope_id=job.scope_id)
            )
            result = ScrapeResult(
                target_id=job.target_id,
                scraped_at=now,
                stored=batch.stored,
                duplicates=batch.duplicates,
                error=None,
            )
            _mark(uow.session, actor, target, result)
            uow.commit()
            return result
    except ScrapeError as problem:
        error = _short(str(problem))
    except DomainError as problem:  # the batch refused, or the scope no longer writable
        error = _short(str(problem.detail))
    except Exception as problem:  # one broken target must not stop the others
        log.exception("scraping target %d failed", job.target_id)
        error = _short(f"{type(problem).__name__}: {problem}")
    with uow:
        target = uow.session.get(ScrapeTarget, job.target_id, with_for_update=True)
        if target is None:
            return None
        result = ScrapeResult(
            target_id=job.target_id, scraped_at=now, stored=0, duplicates=0, error=error
        )
        _mark(uow.session, actor, target, result)
        uow.commit()
        return result


def _job(target: ScrapeTarget) -> _Job:
    return _Job(target.id, target.scope_id, target.url, target.metric_map)


def _due(uow: UnitOfWork, now: datetime) -> list[_Job]:
    """Active targets of active scopes never scraped, or scraped an interval or more ago."""
    with uow:
        candidates = uow.session.scalars(
            select(ScrapeTarget)
            .join(Scope, Scope.id == ScrapeTarget.scope_id)
            .where(
                ScrapeTarget.active.is_(True),
                Scope.status == "active",
                or_(
                    ScrapeTarget.last_scraped_at.is_(None),
                    ScrapeTarget.last_scraped_at <= now - timedelta(seconds=SCRAPE_INTERVAL_MIN),
                ),
            )
            .order_by(ScrapeTarget.id)
        )
        return [
            _job(target)
            for target in candidates
            if target.last_scraped_at is None
            or now - target.last_scraped_at >= timedelta(seconds=target.interval_seconds)
        ]


def scrape_due(uow: UnitOfWork, now: datetime, fetch: Fetcher = http_get) -> list[ScrapeResult]:
    """Scrape, as the system and in order of id, every active target of an active
    scope whose interval has passed at ``now``; return each scrape's result.

    Each target's ``last_scraped_at`` becomes ``now``, so that the next pass an
    interval later finds it due again however long this one took."""
    results = []
    for job in _due(uow, now):
        try:
            result = _scrape(uow, SYSTEM, job, now, fetch)
        except Exception:  # not even the failure could be noted: go on with the others
            log.exception("noting the scrape of target %d failed", job.target_id)
            continue
        if result is not None:
            results.append(result)
    return results


def scrape_target(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    target_id: int,
    fetch: Fetcher = http_get,
) -> ScrapeResult:
    """Scrape one target now, active or not, as the caller (an editor)."""
    with uow:
        scope = writable_scope(uow.session, actor, scope_id, Role.editor)
        job = _job(_target(uow.session, scope, target_id))
    result = _scrape(uow, actor, job, clock.now(), fetch)
    if result is None:
        raise NotFound(
            lazy(
                "scrape target %(target_id)s not found in scope %(scope_id)s",
                target_id=target_id,
                scope_id=scope_id,
            )
        )
    return result
