"""Observations of indicators: stored once, each batch all-or-nothing."""

import hashlib
import json

from sqlalchemy import select, tuple_

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.errors import InvalidInput, NotFound
from agilegov.goals.models import Indicator
from agilegov.monitor.models import Observation
from agilegov.monitor.schemas import BatchResult, ObservationBatch, ObservationRead
from agilegov.paging import paginate
from agilegov.record.service import append_event
from agilegov.schemas import Page
from agilegov.scopes.access import readable_scope, writable_scope
from agilegov.uow import UnitOfWork


def add_observations(
    uow: UnitOfWork, actor: Principal, scope_id: int, batch: ObservationBatch
) -> BatchResult:
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        keys = {item.indicator for item in batch.observations}
        ids = dict(
            session.execute(
                select(Indicator.key, Indicator.id).where(
                    Indicator.scope_id == scope.id, Indicator.key.in_(keys)
                )
            ).all()
        )
        for index, item in enumerate(batch.observations):
            if item.indicator not in ids:
                raise InvalidInput.on(
                    f"observations[{index}].indicator", f"no indicator {item.indicator!r} here"
                )
        wanted = {
            (ids[item.indicator], item.time, item.source): item.value for item in batch.observations
        }
        stored_before = set(
            session.execute(
                select(Observation.indicator_id, Observation.time, Observation.source).where(
                    tuple_(Observation.indicator_id, Observation.time, Observation.source).in_(
                        list(wanted)
                    )
                )
            ).all()
        )
        now = clock.now()
        new = [key for key in wanted if key not in stored_before]
        session.add_all(
            Observation(indicator_id=i, time=t, value=wanted[(i, t, s)], source=s, recorded_at=now)
            for i, t, s in new
        )
        session.flush()
        rows = sorted([i, t.isoformat(), s, wanted[(i, t, s)]] for i, t, s in new)
        digest = hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()
        result = BatchResult(stored=len(new), duplicates=len(batch.observations) - len(new))
        if new:
            append_event(
                session,
                actor,
                type="observations.recorded",
                subject_type="scope",
                subject_id=scope.id,
                organization_id=scope.organization_id,
                scope_id=scope.id,
                payload={
                    "stored": len(new),
                    "sha256": digest,
                    "from": min(row[1] for row in rows),
                    "to": max(row[1] for row in rows),
                },
            )
        uow.commit()
        return result


def list_observations(
    uow: UnitOfWork, actor: Principal, scope_id: int, indicator_id: int, limit: int, offset: int
) -> Page[ObservationRead]:
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        indicator = session.get(Indicator, indicator_id)
        if indicator is None or indicator.scope_id != scope.id:
            raise NotFound(f"indicator {indicator_id} not found in scope {scope.id}")
        where = [Observation.indicator_id == indicator_id]
        newest_first = [Observation.time.desc(), Observation.id]
        return paginate(
            session, Observation, where, ObservationRead, limit, offset, order_by=newest_first
        )
