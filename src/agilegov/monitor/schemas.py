from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from agilegov import values
from agilegov.i18n import N_
from agilegov.monitor.ingest import MAX_KEY, MAX_SOURCE, IngestError, Row, parse_time, parse_value
from agilegov.notify.schemas import url_problem
from agilegov.schemas import Input, Output, in_form_zone, partial_model


class ObservationIn(Input):
    """Read by the same rules as the files (``monitor.ingest``), so every entry
    point accepts the same times and values."""

    indicator: str = Field(min_length=1, max_length=MAX_KEY, description=N_("The indicator's key."))
    time: datetime = Field(description=N_("When the value was observed."))
    value: float = Field(
        description=N_('A JSON number, or "NaN", "+Inf", "-Inf" where the indicator allows them.')
    )
    source: str | None = Field(default=None, min_length=1, max_length=MAX_SOURCE)

    @field_validator("time", mode="before")
    @classmethod
    def _rfc3339(cls, value: object, info: ValidationInfo) -> datetime:
        if isinstance(value, datetime):  # built in Python, not read from a request
            return values.stored_time(value)
        try:
            return parse_time(in_form_zone(value, info), "time")
        except IngestError as problem:
            raise ValueError(problem.message.removeprefix("time: ")) from None

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: object) -> float:
        try:
            return parse_value(value, "value")
        except IngestError as problem:
            raise ValueError(problem.message.removeprefix("value: ")) from None


class ObservationBatch(Input):
    observations: list[ObservationIn] = Field(min_length=1, max_length=10_000)

    def rows(self) -> list[Row]:
        return [
            Row(item.indicator, item.time, item.value, item.source, f"observations[{number}]")
            for number, item in enumerate(self.observations)
        ]


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


class Status(StrEnum):
    ok = "ok"
    warning = "warning"
    breach = "breach"
    no_data = "no_data"


class EvaluationRead(Output):
    id: int
    scope_id: int
    indicator_id: int
    evaluated_at: datetime
    window_start: datetime
    window_end: datetime
    aggregate: str
    value: float | None
    status: Status
    direction: str
    acceptable_level: float
    target: float | None
    observation_count: int
    first_observation_id: int | None
    last_observation_id: int | None
    first_time: datetime | None
    last_time: datetime | None
    episode_id: int | None
    leaf_index: int


class BreachEpisodeRead(Output):
    id: int
    scope_id: int
    indicator_id: int
    opened_at: datetime
    recovered_at: datetime | None
    loop: str
    trigger_id: int | None
    escalation_trigger_id: int | None
    windows: int
    worst_value: float | None


class EvaluationRunRead(Output):
    scope_id: int
    evaluated_at: datetime
    counts: dict[str, int]
    opened: list[int]
    recovered: list[int]


# ---------------------------------------------------------------- scrape targets

SCRAPE_INTERVAL_MIN = 10
SCRAPE_INTERVAL_MAX = 86_400
METRIC_MAP_MAX = 65_536


class ScrapeTargetCreate(Input):
    url: str = Field(description=N_("The Prometheus endpoint: an http(s) URL, fetched with GET."))
    # Kept exactly as given (not stripped): YAML indentation matters.
    metric_map: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=METRIC_MAP_MAX)
    ] = Field(
        description=N_(
            "YAML: which samples feed which indicators of the scope, as for "
            "'agilegov ingest prometheus --map'; samples are sourced 'prometheus:<host>' "
            "unless the map names a source."
        )
    )
    interval_seconds: int = Field(
        default=60,
        ge=SCRAPE_INTERVAL_MIN,
        le=SCRAPE_INTERVAL_MAX,
        description=N_("Seconds between scrapes."),
    )
    active: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = url_problem(value)  # the same rules as a webhook's address
        if problem is not None:
            raise ValueError(problem)
        return value


ScrapeTargetUpdate = partial_model(ScrapeTargetCreate)


class ScrapeTargetRead(Output):
    id: int
    scope_id: int
    url: str
    metric_map: str
    interval_seconds: int
    active: bool
    last_scraped_at: datetime | None
    last_error: str | None = Field(description="Why the last scrape failed; null if it did not.")
    created_at: datetime
    updated_at: datetime = Field(description="When the target's settings last changed.")


class ScrapeResult(Output):
    """One scrape of one target: what it stored, or why it stored nothing."""

    target_id: int
    scraped_at: datetime
    stored: int
    duplicates: int
    error: str | None
