"""The demo's live feed: TalentBridge's monitoring keeps sending values while the
demo serves (or `agilegov simulate` runs), and each step evaluates the scope.

The values stay near where the story left them until the retention job stops
(step ``FAILURE_STEP``): records past their retention period pile up, the
indicator breaches, and the evaluation opens a trigger for the cycle, which a
newcomer then sees on the scope.
"""

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from agilegov import clock, metrics
from agilegov.demo.data import screening_series
from agilegov.demo.story import ACCOUNTS, DEMO_SLUG
from agilegov.goals.models import Indicator
from agilegov.i18n import N_, gettext, lazy
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.organizations.models import Organization, User
from agilegov.organizations.service import principal_for_user
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork

SOURCE = "talentbridge-monitoring"
RETENTION = "privacy.retention_overdue_records"
FAILURE_STEP = 3
# The weekly panel is not part of a feed that sends every few seconds.
DAILY_KEYS = (
    "fairness.selection_rate_ratio",
    "transparency.explanation_share",
    "remedy.complaints_resolved_30d",
    RETENTION,
    "efficiency.median_days_to_decision",
)


@dataclass
class Step:
    number: int
    scope_id: int
    at: datetime
    stored: int
    counts: dict[str, int]
    opened: list[int] = field(default_factory=list)  # trigger ids


def _value(key: str, last: float, step: int, rng: random.Random) -> float:
    if key == RETENTION:
        # The deletion job stops at FAILURE_STEP: a day's expired records each step.
        return float(0 if step < FAILURE_STEP else 37 + 12 * (step - FAILURE_STEP))
    # Where the story left each indicator, with a little noise that never crosses a line.
    return round(last + rng.uniform(-0.2, 0.2) * abs(last) * 0.01, 4)


def _screening(uow: UnitOfWork) -> tuple[int, int]:
    """The demo's screening scope and its analyst's user id."""
    session = uow.session
    scope_id = session.scalar(
        select(Scope.id)
        .join(Organization, Organization.id == Scope.organization_id)
        .join(Indicator, Indicator.scope_id == Scope.id)
        .where(Organization.slug == DEMO_SLUG, Indicator.key == RETENTION)
    )
    analyst = next(account for account in ACCOUNTS if account.key == "analyst")
    user_id = session.scalar(select(User.id).where(User.email == analyst.email))
    if scope_id is None or user_id is None:
        raise RuntimeError(lazy("the demo is not loaded here: run 'agilegov demo' first"))
    return scope_id, user_id


def feed_step(uow: UnitOfWork, number: int, at: datetime | None = None) -> Step:
    """Send one value of each daily indicator at ``at`` (now), then evaluate."""
    at = at or clock.now()
    with uow:
        scope_id, user_id = _screening(uow)
        analyst = principal_for_user(uow.session, user_id)
    rng = random.Random(f"{DEMO_SLUG}:feed:{number}")
    history = screening_series()
    rows = [
        Row(key, at, _value(key, history[key][max(history[key])], number, rng), SOURCE, key)
        for key in DAILY_KEYS
    ]
    stored = metrics.ingest_batch(
        "demo", len(rows), lambda: ingest(uow, analyst, rows, scope_id=scope_id)
    ).stored
    run = metrics.timed_evaluation("demo", evaluate_scope, uow, analyst, scope_id, at=at)
    return Step(number, scope_id, at, stored, run.counts, run.opened)


def run_feed(
    uow: UnitOfWork,
    interval: float,
    steps: int | None = None,
    report: Callable[[Step], None] = lambda step: None,
    stop: threading.Event | None = None,
) -> None:
    """Feed every ``interval`` seconds, ``steps`` times (or until ``stop`` is set)."""
    stop = stop or threading.Event()
    number = 0
    while steps is None or number < steps:
        report(feed_step(uow, number))
        number += 1
        if stop.wait(interval) if steps is None or number < steps else False:
            return


# The indicators' statuses as the feed tells them.
STATUSES = {"ok": N_("ok"), "warning": N_("warning"), "breach": N_("breach")}


def describe(step: Step) -> str:
    """One step of the feed, for a person, in the current language."""
    counts = ", ".join(
        gettext("%(count)s %(status)s", count=n, status=gettext(STATUSES.get(status, status)))
        for status, n in step.counts.items()
        if n
    )
    at = step.at.strftime("%H:%M:%S")
    line = gettext(
        "step %(number)s: %(stored)s values at %(time)s; %(counts)s",
        number=step.number,
        stored=step.stored,
        time=at,
        counts=counts,
    )
    if step.opened:
        triggers = ", ".join(f"#{trigger}" for trigger in step.opened)
        request = f"GET /api/v1/scopes/{step.scope_id}/cycle"
        line += gettext(
            "; trigger %(triggers)s opened: %(request)s", triggers=triggers, request=request
        )
    return line
