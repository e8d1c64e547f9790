from datetime import datetime
from math import isfinite

from pydantic import AwareDatetime, Field, field_validator

from agilegov.schemas import Input, Output


class ObservationIn(Input):
    indicator: str = Field(min_length=1, max_length=100, description="The indicator's key.")
    time: AwareDatetime
    value: float
    source: str = Field(default="api", min_length=1, max_length=200)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not isfinite(value):
            raise ValueError("must be a finite number")
        return value


class ObservationBatch(Input):
    observations: list[ObservationIn] = Field(min_length=1, max_length=10_000)


class ObservationRead(Output):
    id: int
    indicator_id: int
    time: datetime
    value: float
    source: str
    recorded_at: datetime


class BatchResult(Output):
    stored: int
    duplicates: int
