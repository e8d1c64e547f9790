"""What a server counts for its operators, served at ``/metrics`` in Prometheus's
text format: observations ingested, evaluations, periodic jobs, webhook
deliveries and HTTP requests, and gauges read from the database at each scrape.

The counters and histograms live in this module's own registry (``REGISTRY``),
not the client library's global one, and count what this process did since it
started. The gauges are worked out when ``/metrics`` is read, by *readers*:
functions given a database session that yield metric families. The periodic
jobs' gauges are the periodic toolkit's; a part adds its own with its ``metrics``
hook (the cycle's open triggers). A reader adds a gauge in a few lines with
:func:`gauge`.

Nothing here is per organization, per scope or per user: the labels are a fixed
set of names (an entry point, a loop, a job, a route's template), so a scrape
tells nothing about anyone and its size does not grow with the data.
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, ParamSpec, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

log = logging.getLogger("agilegov")

REGISTRY = CollectorRegistry(auto_describe=True)

# A gauge read at each scrape: given a session, the metric families it makes.
Reader = Callable[[Any], Iterable[Metric]]

# Where a batch of observations came in: the API, a page's form, a Prometheus
# scrape, the ``agilegov ingest`` commands, a regulator's sector summary (its
# figures feed the regulator's own indicators), the demo's feed.
IngestSource = Literal["api", "form", "scrape", "cli", "sector", "demo"]
INGEST_SOURCES: tuple[IngestSource, ...] = ("api", "form", "scrape", "cli", "sector", "demo")
# What set an evaluation of a scope off: the periodic job (every active scope),
# observations arriving (the indicators they touched, from the queue), someone
# asking for it (the API, "Evaluate now"), a sector summary, the demo's feed.
EvaluationTrigger = Literal["scheduled", "queued", "manual", "sector", "demo"]
EVALUATION_TRIGGERS: tuple[EvaluationTrigger, ...] = (
    "scheduled",
    "queued",
    "manual",
    "sector",
    "demo",
)

# Seconds: a batch of up to 100,000 rows, a scope's evaluation, a periodic job
# (an open-data cut can take minutes), a request.
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_SLOW = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

OBSERVATIONS_INGESTED = Counter(
    "agilegov_observations_ingested",
    "Observations stored (new ones; duplicates aside), by where their batch came in.",
    ["source"],
    registry=REGISTRY,
)
OBSERVATIONS_DUPLICATE = Counter(
    "agilegov_observations_duplicate",
    "Observations received that were stored already (same indicator, time and source).",
    ["source"],
    registry=REGISTRY,
)
INGEST_SECONDS = Histogram(
    "agilegov_ingest_batch_duration_seconds",
    "Time to store a batch of observations, by where it came in (stored batches only).",
    ["source"],
    buckets=_FAST,
    registry=REGISTRY,
)
INGEST_REJECTED = Counter(
    "agilegov_ingest_batches_rejected",
    "Batches of observations refused whole (nothing stored), by where they came in.",
    ["source"],
    registry=REGISTRY,
)
EVALUATION_SECONDS = Histogram(
    "agilegov_evaluation_duration_seconds",
    "Time to evaluate every indicator of one scope, by what set the evaluation off.",
    ["trigger"],
    buckets=_FAST,
    registry=REGISTRY,
)
PERIODIC_RUNS = Counter(
    "agilegov_periodic_job_runs",
    "Runs of a periodic job by this process, failed ones included.",
    ["job"],
    registry=REGISTRY,
)
PERIODIC_FAILURES = Counter(
    "agilegov_periodic_job_failures",
    "Runs of a periodic job by this process that failed.",
    ["job"],
    registry=REGISTRY,
)
PERIODIC_SECONDS = Histogram(
    "agilegov_periodic_job_duration_seconds",
    "Time a run of a periodic job took in this process.",
    ["job"],
    buckets=_SLOW,
    registry=REGISTRY,
)
WEBHOOKS_SENT = Counter(
    "agilegov_webhook_deliveries_sent",
    "Webhook deliveries a receiver accepted (answered 2xx).",
    registry=REGISTRY,
)
WEBHOOK_ATTEMPTS_FAILED = Counter(
    "agilegov_webhook_attempts_failed",
    "Attempts to deliver a webhook that got no answer or no 2xx (tried again later, "
    "unless it was the last).",
    registry=REGISTRY,
)
WEBHOOKS_FAILED = Counter(
    "agilegov_webhook_deliveries_failed",
    "Webhook deliveries given up after their last attempt failed.",
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "agilegov_http_requests",
    "HTTP requests answered, by method, route template and status class (2xx, 4xx, ...).",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "agilegov_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=_FAST,
    registry=REGISTRY,
)

# Every known label value from zero, so that a rate is there from the first scrape.
for _source in INGEST_SOURCES:
    for _counter in (OBSERVATIONS_INGESTED, OBSERVATIONS_DUPLICATE, INGEST_REJECTED):
        _counter.labels(_source)
for _trigger in EVALUATION_TRIGGERS:
    EVALUATION_SECONDS.labels(_trigger)


# ---------------------------------------------------------------- observing


class Batch(Protocol):
    """What storing a batch of observations tells (``monitor.schemas.BatchResult``)."""

    @property
    def stored(self) -> int: ...

    @property
    def duplicates(self) -> int: ...


StoredBatch = TypeVar("StoredBatch", bound=Batch)


def ingest_batch(source: IngestSource, rows: int, store: Callable[[], StoredBatch]) -> StoredBatch:
    """Run ``store`` (storing a batch of ``rows`` observations, all or nothing),
    count what it stored and how long it took, and log it; a batch it refuses
    (any error) is counted as rejected and the error raised again."""
    started = time.perf_counter()
    try:
        result = store()
    except Exception as problem:
        seconds = time.perf_counter() - started
        INGEST_REJECTED.labels(source).inc()
        log.info(
            "ingest: a batch of %d observations from %s refused (%s)",
            rows,
            source,
            type(problem).__name__,
            extra={
                "event": "ingest",
                "source": source,
                "rows": rows,
                "rejected": True,
                "error": type(problem).__name__,
                "duration_seconds": round(seconds, 6),
            },
        )
        raise
    seconds = time.perf_counter() - started
    INGEST_SECONDS.labels(source).observe(seconds)
    OBSERVATIONS_INGESTED.labels(source).inc(result.stored)
    OBSERVATIONS_DUPLICATE.labels(source).inc(result.duplicates)
    log.info(
        "ingest: %d observations from %s, %d stored, %d duplicates, in %.3f s",
        rows,
        source,
        result.stored,
        result.duplicates,
        seconds,
        extra={
            "event": "ingest",
            "source": source,
            "rows": rows,
            "stored": result.stored,
            "duplicates": result.duplicates,
            "rejected": False,
            "duration_seconds": round(seconds, 6),
        },
    )
    return result


Evaluated = TypeVar("Evaluated")
Arguments = ParamSpec("Arguments")


def timed_evaluation(
    trigger: EvaluationTrigger,
    evaluate: Callable[Arguments, Evaluated],
    *args: Arguments.args,
    **kwargs: Arguments.kwargs,
) -> Evaluated:
    """Run ``evaluate(*args, **kwargs)`` (one scope's evaluation) and observe how
    long it took, under ``trigger``; an evaluation that fails is not observed."""
    started = time.perf_counter()
    result = evaluate(*args, **kwargs)
    EVALUATION_SECONDS.labels(trigger).observe(time.perf_counter() - started)
    return result


def periodic_run(job: str, seconds: float, failed: bool) -> None:
    """Count one run of the periodic job ``job`` by this process."""
    PERIODIC_RUNS.labels(job).inc()
    PERIODIC_SECONDS.labels(job).observe(seconds)
    if failed:
        PERIODIC_FAILURES.labels(job).inc()
    else:
        # Present from the first run, so that a rate of failures is there too.
        PERIODIC_FAILURES.labels(job)


# ---------------------------------------------------------------- at scrape time


def gauge(
    name: str,
    documentation: str,
    values: float | Mapping[tuple[str, ...], float],
    labels: Sequence[str] = (),
) -> GaugeMetricFamily:
    """A gauge for a reader to yield: one value, or one per tuple of label values."""
    if not labels:
        assert not isinstance(values, Mapping)
        return GaugeMetricFamily(name, documentation, value=values)
    assert isinstance(values, Mapping)
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for label_values, value in values.items():
        family.add_metric(list(label_values), value)
    return family


class _Scrape:
    """What one scrape serves: this process's counters, then each reader's gauges."""

    def __init__(self, session: Any, readers: Iterable[Reader]) -> None:
        self.session = session
        self.readers = readers

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        for read in self.readers:
            yield from read(self.session)


def exposition(session: Any, readers: Iterable[Reader]) -> bytes:
    """Every metric in Prometheus's text format (version 0.0.4), the readers'
    gauges read with ``session``."""
    return generate_latest(_Scrape(session, readers))  # type: ignore[arg-type]
