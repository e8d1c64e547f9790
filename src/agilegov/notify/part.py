"""Notifications to owners in the app and by signed webhook."""

from pathlib import Path

from agilegov import clock, metrics
from agilegov.notify import api, models, pages
from agilegov.notify.service import DELIVERED, FAILED, deliver_due
from agilegov.part import Job, Part
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork


def _deliveries(uow: UnitOfWork, settings: Settings) -> None:
    # Each delivery as its attempt left it: delivered, to be tried again, or given up.
    for delivery in deliver_due(uow, clock.now(), key_file=settings.webhook_key_file):
        if delivery.status == DELIVERED:
            metrics.WEBHOOKS_SENT.inc()
            continue
        metrics.WEBHOOK_ATTEMPTS_FAILED.inc()
        if delivery.status == FAILED:
            metrics.WEBHOOKS_FAILED.inc()


PART = Part(
    name="notify",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router],
    jobs=[Job("webhook delivery", 40, lambda s: s.poll_interval_seconds, _deliveries)],
)
