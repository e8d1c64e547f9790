"""The monitoring part's section of a scope's exchange document: the observations
of its indicators."""

from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select

from agilegov.errors import InvalidInput
from agilegov.exchange import Importer, Refs, Section, iso
from agilegov.i18n import lazy
from agilegov.monitor.models import Observation
from agilegov.schemas import FiniteFloat, Input, StoredDatetime
from agilegov.tenancy import Scope


class ObservationFields(Input):
    indicator: str
    time: StoredDatetime
    value: FiniteFloat
    source: str = Field(min_length=1, max_length=200)
    recorded_at: StoredDatetime


def _export(session: Any, scope: Scope, refs: Refs) -> dict[str, Any]:
    indicator_ids = list(refs.by_id.get("indicator", {}))
    observations = (
        session.scalars(
            select(Observation)
            .where(Observation.indicator_id.in_(indicator_ids))
            .order_by(Observation.indicator_id, Observation.time, Observation.source)
        )
        if indicator_ids
        else []
    )
    return {
        "observations": [
            {
                "indicator": refs.of("indicator", o.indicator_id),
                "time": iso(o.time),
                "value": o.value,
                "source": o.source,
                "recorded_at": iso(o.recorded_at),
            }
            for o in observations
        ]
    }


def _load(importer: Importer, document: Any) -> None:
    seen: set[tuple[int, datetime, str]] = set()
    for index, o in enumerate(document.observations):
        path = f"observations[{index}]"
        indicator_id = importer.resolve(f"{path}.indicator", o.indicator, "indicator")
        if (indicator_id, o.time, o.source) in seen:
            raise InvalidInput.on(
                path, lazy("repeats an observation (same indicator, time, source)")
            )
        seen.add((indicator_id, o.time, o.source))
        importer.session.add(
            Observation(
                indicator_id=indicator_id,
                time=o.time,
                value=o.value,
                source=o.source,
                recorded_at=o.recorded_at,
            )
        )
    importer.session.flush()


SECTION = Section(
    fields={"observations": (list[ObservationFields], Field(default_factory=list))},
    export=_export,
    load=_load,
)
