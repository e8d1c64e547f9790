from datetime import datetime
from typing import Any

from agilegov.schemas import Output


class EventRead(Output):
    id: int
    leaf_index: int
    time: datetime
    actor_id: int | None
    organization_id: int | None
    scope_id: int | None
    type: str
    subject_type: str
    subject_id: int | None
    payload: dict[str, Any]
