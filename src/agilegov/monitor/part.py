"""Operation and monitoring (運用): observations of indicators, evaluations against
the goals, breach episodes that open triggers, and Prometheus scrape targets."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agilegov import clock
from agilegov.metrics import gauge
from agilegov.monitor import api, models, pages
from agilegov.monitor.cli import ingest_app
from agilegov.monitor.exchange import SECTION
from agilegov.monitor.open_data import TABLES as OPEN_TABLES
from agilegov.monitor.scraping import scrape_due
from agilegov.monitor.service import evaluate_all, evaluate_queued, queue_state
from agilegov.notify.service import deliver_due
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork

log = logging.getLogger("agilegov")


def _scrapes(uow: UnitOfWork, settings: Settings) -> None:
    for result in scrape_due(uow, clock.now()):
        if result.error is not None:
            log.warning("scrape target %d: %s", result.target_id, result.error)


def _evaluations(uow: UnitOfWork, settings: Settings) -> None:
    evaluate_all(uow)  # which times each scope's evaluation as "scheduled"


def _queued_evaluations(uow: UnitOfWork, settings: Settings) -> None:
    runs = evaluate_queued(uow)
    # What they opened or closed is sent now, not at the next webhook delivery.
    if any(run.opened or run.recovered for run in runs):
        deliver_due(uow, clock.now(), key_file=settings.webhook_key_file)


def _queue(session: Any) -> Iterator[Any]:
    count, oldest = queue_state(session)
    yield gauge(
        "agilegov_evaluations_queued",
        "Indicators new observations were stored for, waiting to be evaluated.",
        count,
    )
    waited = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    yield gauge(
        "agilegov_evaluations_queued_oldest_seconds",
        "How long the indicator waiting longest to be evaluated has waited (0: none waits).",
        max(waited, 0.0),
    )


PART = Part(
    name="monitor",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    commands=[ingest_app],
    jobs=[
        Job("scrape", 20, lambda settings: settings.poll_interval_seconds, _scrapes),
        Job("evaluation", 30, lambda settings: settings.evaluation_interval_seconds, _evaluations),
        Job(
            "queued evaluations",
            31,
            lambda settings: settings.queued_evaluation_interval_seconds,
            _queued_evaluations,
        ),
    ],
    exchange=[SECTION],
    open_data=OPEN_TABLES,
    metrics=[_queue],
)
