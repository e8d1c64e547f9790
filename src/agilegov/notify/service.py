"""Owners notified in the app and by webhook. The only writer of these tables.

Another service that has news for an organization calls ``notify_owners`` in
its own transaction: each owner gets a notification, and each active webhook
that wants the kind gets a delivery queued. ``deliver_due`` sends what is due,
outside any transaction (a slow receiver must not hold the database), then
records each attempt with its record event; a failed attempt is tried again
after 30 s, 2, 8, 32 and 128 minutes, and the delivery fails after the sixth.

Delivery is at least once: receivers tell repeats apart by ``event_id`` in the
body (shared by a redelivery) and the ``Agilegov-Delivery`` header.
"""

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from agilegov import __version__, clock
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.db import hold
from agilegov.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from agilegov.i18n import Lazy, as_data, from_data, lazy, speaking
from agilegov.notify.keys import new_nonce, webhook_key, webhook_secret
from agilegov.notify.models import Notification, Webhook, WebhookAttempt, WebhookDelivery
from agilegov.notify.schemas import (
    DeliveryRead,
    NotificationRead,
    Notified,
    WebhookCreate,
    WebhookIssued,
    WebhookRead,
    url_problem,
)
from agilegov.notify.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from agilegov.notify.transport import Poster, http_post
from agilegov.organizations.service import organization_exists, owners_of
from agilegov.paging import paginate
from agilegov.record.canonical import canonical_json
from agilegov.record.service import record_event
from agilegov.schemas import Input, Page
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

KIND = re.compile(r"^[a-z_]+\.[a-z_]+$")
TITLE_MAX = 200
LINK_MAX = 500
ERROR_MAX = 1000

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_FACTOR = 4


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s * 4 ** (attempts - 1)."""
    return timedelta(seconds=BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** (attempts - 1))


def wants(events: list[str], kind: str) -> bool:
    """Whether a webhook subscribed to ``events`` (kind prefixes) receives ``kind``."""
    return not events or any(kind == prefix or kind.startswith(prefix + ".") for prefix in events)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- notifying


def notify_owners(
    session: Session,
    actor: Principal,
    organization_id: int,
    kind: str,
    title: str | Lazy,
    body: str | Lazy,
    link: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Notified:
    """Tell every owner of the organization, and queue a delivery for each of its
    active webhooks that wants ``kind``, in the caller's transaction (no commit).

    ``kind`` is of the form ``subject.what`` (``indicator.breach``); ``link`` a
    path in this application. A bad one is the caller's bug: ``ValueError``.
    A lazy ``title`` or ``body`` is stored in English (as webhooks and the API
    send it) and as a text each owner reads in their own language on the page."""
    if not KIND.match(kind) or len(kind) > 64:
        raise ValueError(f"notification kind {kind!r} is not of the form 'subject.what'")
    if link is not None and (not link.startswith("/") or len(link) > LINK_MAX):
        raise ValueError(f"a notification's link is a path of at most {LINK_MAX} characters")
    if not organization_exists(session, organization_id):
        raise NotFound(
            lazy("organization %(organization_id)s not found", organization_id=organization_id)
        )
    texts = None
    if isinstance(title, Lazy) or isinstance(body, Lazy):
        texts = {"title": as_data(title), "body": as_data(body)}
    with speaking("en"):
        title, body = _shortened(str(title)), str(body)
    data = dict(payload or {})
    now = clock.now()
    event_id = uuid.uuid4().hex
    document = {
        "event_id": event_id,
        "kind": kind,
        "organization_id": organization_id,
        "created_at": _iso(now),
        "title": title,
        "body": body,
        "link": link,
        "payload": data,
    }
    canonical_json(document)  # a payload without a JSON form fails here, not when sent
    owners = owners_of(session, organization_id)
    notifications = [
        Notification(
            organization_id=organization_id,
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            payload=data,
            texts=texts,
            created_at=now,
        )
        for user_id in owners
    ]
    webhooks = session.scalars(
        select(Webhook)
        .where(Webhook.organization_id == organization_id, Webhook.active.is_(True))
        .order_by(Webhook.id)
    ).all()
    deliveries = [
        WebhookDelivery(
            webhook_id=webhook.id,
            organization_id=organization_id,
            kind=kind,
            payload=document,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            attempt_log=[],
        )
        for webhook in webhooks
        if wants(webhook.events, kind)
    ]
    session.add_all([*notifications, *deliveries])
    session.flush()
    record_event(
        session,
        actor,
        "notification.sent",
        None,
        {
            "event_id": event_id,
            "kind": kind,
            "title": title,
            "link": link,
            "recipient_ids": list(owners),
            "notification_ids": [n.id for n in notifications],
            "delivery_ids": [d.id for d in deliveries],
        },
        organization_id=organization_id,
        private=True,
    )
    return Notified(
        notifications=[NotificationRead.model_validate(n) for n in notifications],
        deliveries=[DeliveryRead.model_validate(d) for d in deliveries],
    )


def _shortened(title: str) -> str:
    return title[: TITLE_MAX - 1] + "…" if len(title) > TITLE_MAX else title


def readable(notification: Notification) -> tuple[str | Lazy, str | Lazy]:
    """A notification's title and body in the reader's language where it keeps
    its texts, else as stored (English, as its webhook said)."""
    texts = notification.texts
    if isinstance(texts, dict):  # none kept: JSON null, or SQL NULL before 0014
        title, body = from_data(texts.get("title")), from_data(texts.get("body"))
        if title is not None and body is not None:
            return title, body
    return notification.title, notification.body


def list_notifications(
    uow: UnitOfWork, actor: Principal, limit: int, offset: int, unread: bool | None = None
) -> Page[NotificationRead]:
    """The caller's own notifications, newest first."""
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    where = [Notification.user_id == actor.user_id]
    if unread is not None:
        read_at = Notification.read_at
        where.append(read_at.is_(None) if unread else read_at.is_not(None))
    newest_first = [Notification.created_at.desc(), Notification.id.desc()]
    with uow:
        return paginate(
            uow.session, Notification, where, NotificationRead, limit, offset, order_by=newest_first
        )


def mark_read(uow: UnitOfWork, actor: Principal, notification_id: int) -> NotificationRead:
    """Mark one of the caller's notifications read; anyone else's does not exist."""
    with uow:
        session = uow.session
        notification = session.get(Notification, notification_id)
        if notification is None or actor.user_id is None or notification.user_id != actor.user_id:
            raise NotFound(
                lazy("notification %(notification_id)s not found", notification_id=notification_id)
            )
        if notification.read_at is None:
            notification.read_at = clock.now()
            session.flush()
            record_event(
                session,
                actor,
                "notification.read",
                notification.id,
                {"id": notification.id, "read_at": _iso(notification.read_at)},
                organization_id=notification.organization_id,
                private=True,
            )
        uow.commit()
        return NotificationRead.model_validate(notification)


# ---------------------------------------------------------------- webhooks


def _require_owner(session: Session, actor: Principal, organization_id: int) -> None:
    if not organization_exists(session, organization_id):
        raise NotFound(
            lazy("organization %(organization_id)s not found", organization_id=organization_id)
        )
    actor.require(organization_id, Role.owner)


def _webhook(session: Session, actor: Principal, organization_id: int, webhook_id: int) -> Webhook:
    _require_owner(session, actor, organization_id)
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.organization_id != organization_id:
        raise NotFound(lazy("webhook %(webhook_id)s not found", webhook_id=webhook_id))
    return webhook


def _check_url(url: str) -> None:
    problem = url_problem(url)
    if problem is not None:
        raise InvalidInput.on("url", problem)


def _webhook_event(session: Session, actor: Principal, type: str, webhook: Webhook) -> None:
    # The secret's nonce stays out of the record; the URL and filters are private.
    record_event(
        session,
        actor,
        type,
        webhook.id,
        WebhookRead.model_validate(webhook),
        organization_id=webhook.organization_id,
        private=True,
    )


def create_webhook(
    uow: UnitOfWork, actor: Principal, organization_id: int, data: WebhookCreate, key_file: Path
) -> WebhookIssued:
    """Register a webhook; its signing secret is in the answer, and only there."""
    with uow:
        session = uow.session
        _require_owner(session, actor, organization_id)
        _check_url(data.url)
        key = webhook_key(key_file)
        now = clock.now()
        webhook = Webhook(
            organization_id=organization_id,
            url=data.url,
            events=list(data.events),
            active=data.active,
            secret_nonce=new_nonce(),
            created_at=now,
            updated_at=now,
        )
        session.add(webhook)
        session.flush()
        _webhook_event(session, actor, "webhook.created", webhook)
        uow.commit()
        return WebhookIssued(
            **WebhookRead.model_validate(webhook).model_dump(),
            secret=webhook_secret(key, webhook.id, webhook.secret_nonce),
        )


def list_webhooks(
    uow: UnitOfWork, actor: Principal, organization_id: int, limit: int, offset: int
) -> Page[WebhookRead]:
    with uow:
        _require_owner(uow.session, actor, organization_id)
        where = [Webhook.organization_id == organization_id]
        return paginate(uow.session, Webhook, where, WebhookRead, limit, offset)


def get_webhook(
    uow: UnitOfWork, actor: Principal, organization_id: int, webhook_id: int
) -> WebhookRead:
    with uow:
        return WebhookRead.model_validate(_webhook(uow.session, actor, organization_id, webhook_id))


def update_webhook(
    uow: UnitOfWork, actor: Principal, organization_id: int, webhook_id: int, data: Input
) -> WebhookRead:
    """Change a webhook's URL, kinds or activity (not its secret: rotate that)."""
    with uow:
        session = uow.session
        webhook = _webhook(session, actor, organization_id, webhook_id)
        # Changes of one webhook take turns, each recording the state it leaves.
        hold(session, webhook)
        changes = data.model_dump(exclude_unset=True)
        if "url" in changes:
            _check_url(changes["url"])
        changed = {
            name: value for name, value in changes.items() if getattr(webhook, name) != value
        }
        if changed:
            for name, value in changed.items():
                setattr(webhook, name, value)
            webhook.updated_at = clock.now()
            session.flush()
            _webhook_event(session, actor, "webhook.updated", webhook)
        uow.commit()
        return WebhookRead.model_validate(webhook)


def delete_webhook(
    uow: UnitOfWork, actor: Principal, organization_id: int, webhook_id: int
) -> None:
    """Remove a webhook with its deliveries and their attempts (the record keeps
    what happened to them)."""
    with uow:
        session = uow.session
        webhook = _webhook(session, actor, organization_id, webhook_id)
        read = WebhookRead.model_validate(webhook)
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == webhook.id)
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
        session.delete(webhook)
        session.flush()
        record_event(
            session,
            actor,
            "webhook.deleted",
            read.id,
            read,
            organization_id=organization_id,
            private=True,
        )
        uow.commit()


def rotate_secret(
    uow: UnitOfWork, actor: Principal, organization_id: int, webhook_id: int, key_file: Path
) -> WebhookIssued:
    """A new signing secret, shown once; the old one signs nothing from now on,
    including the retries of deliveries already queued."""
    with uow:
        session = uow.session
        webhook = _webhook(session, actor, organization_id, webhook_id)
        key = webhook_key(key_file)
        webhook.secret_nonce = new_nonce()
        webhook.updated_at = clock.now()
        session.flush()
        _webhook_event(session, actor, "webhook.secret_rotated", webhook)
        uow.commit()
        return WebhookIssued(
            **WebhookRead.model_validate(webhook).model_dump(),
            secret=webhook_secret(key, webhook.id, webhook.secret_nonce),
        )


# ---------------------------------------------------------------- deliveries


def list_deliveries(
    uow: UnitOfWork,
    actor: Principal,
    organization_id: int,
    webhook_id: int,
    limit: int,
    offset: int,
) -> Page[DeliveryRead]:
    """A webhook's deliveries, newest first, each with its attempts."""
    with uow:
        webhook = _webhook(uow.session, actor, organization_id, webhook_id)
        where = [WebhookDelivery.webhook_id == webhook.id]
        return paginate(
            uow.session,
            WebhookDelivery,
            where,
            DeliveryRead,
            limit,
            offset,
            order_by=[WebhookDelivery.id.desc()],
        )


def latest_deliveries(
    uow: UnitOfWork, actor: Principal, organization_id: int, per_webhook: int
) -> dict[int, list[DeliveryRead]]:
    """The newest deliveries of each of an organization's webhooks, in one query."""
    with uow:
        _require_owner(uow.session, actor, organization_id)
        newness = (
            func.row_number()
            .over(partition_by=WebhookDelivery.webhook_id, order_by=WebhookDelivery.id.desc())
            .label("newness")
        )
        ranked = (
            select(WebhookDelivery.id, newness)
            .where(WebhookDelivery.organization_id == organization_id)
            .subquery()
        )
        rows = uow.session.scalars(
            select(WebhookDelivery)
            .join(ranked, ranked.c.id == WebhookDelivery.id)
            .where(ranked.c.newness <= per_webhook)
            .order_by(WebhookDelivery.webhook_id, WebhookDelivery.id.desc())
        )
        latest: dict[int, list[DeliveryRead]] = {}
        for row in rows:
            latest.setdefault(row.webhook_id, []).append(DeliveryRead.model_validate(row))
        return latest


def redeliver(
    uow: UnitOfWork, actor: Principal, organization_id: int, webhook_id: int, delivery_id: int
) -> DeliveryRead:
    """Queue a delivered or failed delivery's body again, as a new delivery due now."""
    with uow:
        session = uow.session
        webhook = _webhook(session, actor, organization_id, webhook_id)
        original = session.get(WebhookDelivery, delivery_id)
        if original is None or original.webhook_id != webhook.id:
            raise NotFound(lazy("delivery %(delivery_id)s not found", delivery_id=delivery_id))
        if original.status == PENDING:
            raise Conflict(
                lazy("delivery %(delivery_id)s is still pending", delivery_id=delivery_id)
            )
        if not webhook.active:
            raise Conflict(
                lazy("webhook %(webhook_id)s is inactive; activate it first", webhook_id=webhook.id)
            )
        now = clock.now()
        again = WebhookDelivery(
            webhook_id=webhook.id,
            organization_id=organization_id,
            kind=original.kind,
            payload=original.payload,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            attempt_log=[],
        )
        session.add(again)
        session.flush()
        record_event(
            session,
            actor,
            "webhook_delivery.queued",
            again.id,
            {
                "id": again.id,
                "webhook_id": webhook.id,
                "kind": again.kind,
                "redelivery_of": original.id,
            },
            organization_id=organization_id,
            private=True,
        )
        uow.commit()
        return DeliveryRead.model_validate(again)


@dataclass(frozen=True)
class _Job:
    """What sending one delivery needs, read before any request is made."""

    delivery_id: int
    attempts: int
    kind: str
    url: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class _Outcome:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _due(uow: UnitOfWork, now: datetime, key_file: Path, limit: int) -> list[_Job]:
    with uow:
        rows = uow.session.execute(
            select(WebhookDelivery, Webhook)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                Webhook.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        ).all()
        if not rows:
            return []
        key = webhook_key(key_file)
        return [
            _Job(
                delivery_id=delivery.id,
                attempts=delivery.attempts,
                kind=delivery.kind,
                url=webhook.url,
                secret=webhook_secret(key, webhook.id, webhook.secret_nonce),
                body=canonical_json(delivery.payload),
            )
            for delivery, webhook in rows
        ]


def _send(job: _Job, attempted_at: datetime, post: Poster) -> _Outcome:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"agilegov/{__version__}",
        SIGNATURE_HEADER: sign(job.secret, int(attempted_at.timestamp()), job.body),
        EVENT_HEADER: job.kind,
        DELIVERY_HEADER: str(job.delivery_id),
    }
    started = time.monotonic()
    status_code: int | None = None
    try:
        status_code = post(job.url, job.body, headers)
    except Exception as problem:  # any failure to get an answer is a failed attempt
        error: str | None = f"{type(problem).__name__}: {problem}"
    else:
        error = None if 200 <= status_code < 300 else f"answered HTTP {status_code}"
    duration_ms = round((time.monotonic() - started) * 1000)
    if error is not None and len(error) > ERROR_MAX:
        error = error[: ERROR_MAX - 1] + "…"
    return _Outcome(attempted_at, status_code, error, duration_ms)


def _record(uow: UnitOfWork, job: _Job, outcome: _Outcome) -> DeliveryRead | None:
    """Log one attempt and the delivery's new state with its record event."""
    with uow:
        session = uow.session
        delivery = session.get(WebhookDelivery, job.delivery_id, with_for_update=True)
        if delivery is None or delivery.status != PENDING or delivery.attempts != job.attempts:
            return None  # deleted, or recorded by another deliverer, meanwhile
        number = delivery.attempts + 1
        delivery.attempt_log.append(
            WebhookAttempt(
                number=number,
                attempted_at=outcome.attempted_at,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        delivery.attempts = number
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.status = DELIVERED
            delivery.delivered_at = outcome.attempted_at
            delivery.next_attempt_at = None
        elif number >= MAX_ATTEMPTS:
            delivery.status = FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = outcome.attempted_at + backoff(number)
        session.flush()
        record_event(
            session,
            SYSTEM,
            "webhook_delivery.attempted",
            delivery.id,
            {
                "id": delivery.id,
                "webhook_id": delivery.webhook_id,
                "attempt": number,
                "status_code": outcome.status_code,
                "error": outcome.error,
                "status": delivery.status,
                "next_attempt_at": (
                    _iso(delivery.next_attempt_at) if delivery.next_attempt_at else None
                ),
            },
            organization_id=delivery.organization_id,
            private=True,
        )
        uow.commit()
        return DeliveryRead.model_validate(delivery)


def deliver_due(
    uow: UnitOfWork,
    now: datetime,
    post: Poster = http_post,
    *,
    key_file: Path | None = None,
    limit: int = 100,
) -> list[DeliveryRead]:
    """Send every pending delivery due at ``now`` (up to ``limit``, oldest due
    first) to its active webhook; return the deliveries as they now stand.

    Each request is made outside any transaction; each attempt is then logged,
    with its record event, in a transaction of its own. An attempt is dated
    ``now`` plus the time this call has taken so far, and so is its signature."""
    key_file = key_file or get_settings().webhook_key_file
    jobs = _due(uow, now, key_file, limit)
    started = time.monotonic()
    results = []
    for job in jobs:
        attempted_at = now + timedelta(seconds=time.monotonic() - started)
        read = _record(uow, job, _send(job, attempted_at, post))
        if read is not None:
            results.append(read)
    return results
