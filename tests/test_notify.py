"""Owners notified in the app and by webhook: notifications per owner, deliveries
per webhook that wants the kind, signed POSTs to a real local HTTP server,
retries with backoff, secrets derived and never stored, and refusals that
store nothing."""

import hashlib
import hmac
import json
import os
import socket
import stat
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from agilegov import clock
from agilegov.auth import ANONYMOUS, SYSTEM
from agilegov.db import make_session_factory
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from agilegov.i18n import lazy
from agilegov.notify import service
from agilegov.notify.keys import KeyFileError, webhook_key, webhook_secret
from agilegov.notify.models import Notification, Webhook, WebhookDelivery
from agilegov.notify.schemas import WebhookCreate, WebhookUpdate, url_problem
from agilegov.notify.service import (
    backoff,
    create_webhook,
    delete_webhook,
    deliver_due,
    get_webhook,
    list_deliveries,
    list_notifications,
    list_webhooks,
    mark_read,
    notify_owners,
    redeliver,
    rotate_secret,
    update_webhook,
    wants,
)
from agilegov.notify.signing import sign, verify
from agilegov.notify.transport import http_post
from agilegov.organizations.schemas import MemberAdd, UserCreate
from agilegov.organizations.service import add_member, create_user
from agilegov.record.models import Event
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    PASSWORD,
    World,
    assert_problem,
    assert_unchanged,
    bearer,
    make_client,
    ok,
    snapshot,
)
from builders import event_count, row_counts
from web_helpers import csrf_of

KIND = "indicator.breach"
SECRET = "whsec_" + "ab" * 32


# ---------------------------------------------------------------- a real receiver


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next of
    ``statuses`` (the last one repeats), keeping what it was sent."""

    def __init__(self) -> None:
        self.statuses = [200]
        self.requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(Received(self.path, self.headers, body))
                statuses = receiver.statuses
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for the loop's next poll: half a second by default, per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/agilegov"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def key_file(tmp_path):
    return tmp_path / "keys" / "webhook.key"


class Counting:
    """The real poster, counted."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.calls.append(url)
        return http_post(url, body, headers)


def _hook(world, key_file, url, who=None, organization_id=None, **fields):
    return create_webhook(
        world.uow,
        who or world.owner,
        organization_id or world.business_id,
        WebhookCreate(url=url, **fields),
        key_file,
    )


def _notify(world, kind=KIND, organization_id=None, payload=None):
    with world.uow:
        notified = notify_owners(
            world.uow.session,
            SYSTEM,
            organization_id or world.business_id,
            kind,
            "Selection-rate ratio below 0.8",
            "Week 12: 0.74 against an acceptable level of 0.8.",
            "/scopes/1/indicators/1",
            payload if payload is not None else {"indicator": "selection.ratio", "value": 0.74},
        )
        world.uow.commit()
    return notified


def _delivery(world, delivery_id):
    with world.uow:
        row = world.uow.session.get(WebhookDelivery, delivery_id)
        return service.DeliveryRead.model_validate(row)


def _signature_fields(header: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in header.split(","))


def _events(world, type):
    with world.uow:
        return world.uow.session.execute(
            select(Event.payload_salt, Event.organization_id).where(Event.type == type)
        ).all()


# ---------------------------------------------------------------- signing (pure)


def test_a_signature_is_hmac_sha256_of_time_dot_body():
    body = b'{"kind":"indicator.breach"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1_700_000_000, body) == f"t=1700000000,v1={expected}"
    with pytest.raises(ValueError):
        sign(SECRET, -1, body)


NOW_S = 1_700_000_000
BODY = b'{"a":1}'
GOOD = sign(SECRET, NOW_S, BODY)
GOOD_V1 = _signature_fields(GOOD)["v1"]


@pytest.mark.parametrize(
    ("header", "body", "secret", "now", "valid"),
    [
        pytest.param(GOOD, BODY, SECRET, NOW_S, True, id="good"),
        pytest.param(GOOD, BODY, SECRET, datetime.fromtimestamp(NOW_S, UTC), True, id="datetime"),
        pytest.param(GOOD, BODY, SECRET, NOW_S + 300, True, id="at-tolerance"),
        pytest.param(GOOD, BODY, SECRET, NOW_S + 301, False, id="too-old"),
        pytest.param(GOOD, BODY, SECRET, NOW_S - 301, False, id="from-the-future"),
        pytest.param(GOOD, b'{"a":2}', SECRET, NOW_S, False, id="body-changed"),
        pytest.param(GOOD, BODY, "whsec_other", NOW_S, False, id="other-secret"),
        pytest.param(f"t={NOW_S + 1},v1={GOOD_V1}", BODY, SECRET, NOW_S, False, id="time-changed"),
        pytest.param(f"t={NOW_S},v1=00,v1={GOOD_V1}", BODY, SECRET, NOW_S, True, id="one-of-two"),
        pytest.param(f"{GOOD},v0=abc", BODY, SECRET, NOW_S, True, id="unknown-scheme"),
        pytest.param(f"v1={GOOD_V1}", BODY, SECRET, NOW_S, False, id="no-time"),
        pytest.param(f"t={NOW_S}", BODY, SECRET, NOW_S, False, id="no-signature"),
        pytest.param(f"t={NOW_S},t={NOW_S},v1={GOOD_V1}", BODY, SECRET, NOW_S, False, id="two-t"),
        pytest.param(f"t=-5,v1={GOOD_V1}", BODY, SECRET, NOW_S, False, id="negative-time"),
        pytest.param(f"t=\uff11,v1={GOOD_V1}", BODY, SECRET, NOW_S, False, id="non-ascii-time"),
        pytest.param(f"t={NOW_S},v1=é", BODY, SECRET, NOW_S, False, id="non-ascii-signature"),
        pytest.param("", BODY, SECRET, NOW_S, False, id="empty"),
        pytest.param("garbage", BODY, SECRET, NOW_S, False, id="garbage"),
    ],
)
def test_verify(header, body, secret, now, valid):
    assert verify(secret, header, body, now) is valid


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/agilegov", None),
        ("http://127.0.0.1:8080/x?y=1", None),
        ("ftp://example.com/hook", "http"),
        ("example.com/hook", "http"),
        ("https://", "host"),
        ("http:///path", "host"),
        ("https://user:secret@example.com/", "password"),
        ("https://example.com:99999/", "Port"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com/" + "a" * 2000, "2000"),
        ("", "http"),
    ],
)
def test_which_urls_a_webhook_may_have(url, problem):
    found = url_problem(url)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("events", "kind", "wanted"),
    [
        ([], "indicator.breach", True),
        (["indicator"], "indicator.breach", True),
        (["indicator.breach"], "indicator.breach", True),
        (["indicator.recovered"], "indicator.breach", False),
        (["indicator"], "indicators.breach", False),
        (["cycle", "indicator"], "indicator.breach", True),
    ],
)
def test_which_kinds_a_webhook_wants(events, kind, wanted):
    assert wants(events, kind) is wanted


def test_backoff_is_30_seconds_times_4_per_attempt():
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 120, 480, 1920, 7680]


def test_the_server_key_is_created_once_owner_only(key_file):
    key = webhook_key(key_file)
    assert len(key) == 32 and key_file.read_bytes() == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_file.parent).st_mode) == 0o700
    assert webhook_key(key_file) == key
    secret = webhook_secret(key, 7, "nonce")
    expected = hmac.new(key, b"agilegov-webhook:7:nonce", hashlib.sha256).hexdigest()
    assert secret == "whsec_" + expected
    assert webhook_secret(key, 7, "other") != secret
    os.chmod(key_file, 0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        webhook_key(key_file)
    os.chmod(key_file, 0o600)
    key_file.write_bytes(b"short")
    with pytest.raises(KeyFileError, match="32 bytes"):
        webhook_key(key_file)


# ---------------------------------------------------------------- notifying


def _co_owner(world):
    person = create_user(
        world.uow, UserCreate(email="coowner@example.com", name="Co", password="a-long-password")
    )
    add_member(
        world.uow, world.owner, world.business_id, MemberAdd(email=person.email, role="owner")
    )
    return person.id


def test_owners_are_notified_and_wanting_webhooks_get_a_delivery(world, key_file):
    co_owner = _co_owner(world)
    everything = _hook(world, key_file, "https://a.example.com/")
    indicators = _hook(world, key_file, "https://b.example.com/", events=["indicator"])
    cycles = _hook(world, key_file, "https://c.example.com/", events=["cycle"])
    inactive = _hook(world, key_file, "https://d.example.com/", active=False)
    foreign = _hook(world, key_file, "https://e.example.com/", world.outsider, world.regulator_id)
    notified = _notify(world)
    assert sorted(n.id for n in notified.notifications) == [1, 2]
    with world.uow:
        rows = world.uow.session.scalars(select(Notification)).all()
        assert sorted(r.user_id for r in rows) == sorted([world.owner.user_id, co_owner])
        assert {r.organization_id for r in rows} == {world.business_id}
    assert {d.webhook_id for d in notified.deliveries} == {everything.id, indicators.id}
    assert cycles.id and inactive.id and foreign.id
    [first, second] = notified.deliveries
    assert first.status == "pending" and first.attempts == 0 and first.next_attempt_at
    assert first.payload == second.payload
    assert first.payload["kind"] == KIND
    assert first.payload["payload"] == {"indicator": "selection.ratio", "value": 0.74}
    assert first.payload["link"] == "/scopes/1/indicators/1"
    [(salt, organization_id)] = _events(world, "notification.sent")
    assert salt is not None, "notifying is organization-private"
    assert organization_id == world.business_id
    # Each sees only their own.
    mine = list_notifications(world.uow, world.owner, 50, 0)
    assert mine.total == 1 and mine.items[0].kind == KIND
    assert list_notifications(world.uow, world.viewer, 50, 0).total == 0
    assert list_notifications(world.uow, world.outsider, 50, 0).total == 0
    with pytest.raises(Unauthenticated):
        list_notifications(world.uow, ANONYMOUS, 50, 0)


def test_a_notification_is_read_by_its_recipient_only(world):
    _notify(world)
    later = clock.now() + timedelta(seconds=5)
    with clock.frozen_at(later):
        _notify(world, kind="cycle.stage_changed")
    newest, oldest = list_notifications(world.uow, world.owner, 50, 0).items
    assert newest.kind == "cycle.stage_changed" and oldest.kind == KIND
    for someone in (world.viewer, world.editor, world.outsider, ANONYMOUS):
        with pytest.raises(NotFound):
            mark_read(world.uow, someone, oldest.id)
    events = event_count(world.uow)
    read = mark_read(world.uow, world.owner, oldest.id)
    assert read.read_at is not None
    assert mark_read(world.uow, world.owner, oldest.id).read_at == read.read_at
    assert event_count(world.uow) == events + 1, "marked read once, recorded once"
    unread = list_notifications(world.uow, world.owner, 50, 0, unread=True)
    assert [n.id for n in unread.items] == [newest.id]
    already = list_notifications(world.uow, world.owner, 50, 0, unread=False)
    assert [n.id for n in already.items] == [oldest.id]


def test_notifying_is_part_of_the_callers_transaction(world, key_file):
    _hook(world, key_file, "https://a.example.com/")
    before = row_counts(world.uow)
    with world.uow:
        notify_owners(world.uow.session, SYSTEM, world.business_id, KIND, "t", "b", None, {})
        # no commit: the caller's transaction is rolled back
    assert row_counts(world.uow) == before


@pytest.mark.parametrize(
    ("kind", "link", "payload"),
    [
        ("breach", None, {}),
        ("Indicator.Breach", None, {}),
        (KIND, "https://example.com/", {}),
        (KIND, None, {"value": float("nan")}),
    ],
)
def test_a_bad_notification_is_the_callers_bug(world, kind, link, payload):
    before = row_counts(world.uow)
    with world.uow, pytest.raises(ValueError):
        notify_owners(world.uow.session, SYSTEM, world.business_id, kind, "t", "b", link, payload)
    assert row_counts(world.uow) == before


# ---------------------------------------------------------------- delivering


def test_a_real_server_receives_a_signed_post(world, key_file, receiver):
    hook = _hook(world, key_file, receiver.url)
    assert hook.secret.startswith("whsec_") and len(hook.secret) == 6 + 64
    [queued] = _notify(world).deliveries
    [delivered] = deliver_due(world.uow, clock.now(), key_file=key_file)
    assert delivered.id == queued.id
    assert delivered.status == "delivered" and delivered.attempts == 1
    assert delivered.last_status_code == 200 and delivered.last_error is None
    [attempt] = delivered.attempt_log
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, None)
    assert delivered.delivered_at == attempt.attempted_at
    [request] = receiver.requests
    assert request.path == "/hooks/agilegov"
    assert request.headers["Agilegov-Event"] == KIND
    assert request.headers["Agilegov-Delivery"] == str(queued.id)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == queued.payload
    # The receiver's side: recompute the HMAC with the secret from the create answer.
    fields = _signature_fields(request.headers["Agilegov-Signature"])
    assert int(fields["t"]) == int(attempt.attempted_at.timestamp())
    expected = hmac.new(
        hook.secret.encode(), fields["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert verify(hook.secret, request.headers["Agilegov-Signature"], request.body, clock.now())
    [(salt, organization_id)] = _events(world, "webhook_delivery.attempted")
    assert salt is not None and organization_id == world.business_id
    # Nothing is due any more.
    assert deliver_due(world.uow, clock.now() + timedelta(days=1), key_file=key_file) == []


def test_failures_back_off_then_deliver(world, key_file, receiver):
    receiver.statuses = [500, 500, 200]
    _hook(world, key_file, receiver.url)
    [queued] = _notify(world).deliveries
    post = Counting()
    [first] = deliver_due(world.uow, clock.now(), post, key_file=key_file)
    assert first.status == "pending" and first.attempts == 1
    assert first.last_status_code == 500 and first.last_error == "answered HTTP 500"
    assert first.next_attempt_at == first.attempt_log[0].attempted_at + timedelta(seconds=30)
    # Not due yet: nothing is sent.
    assert deliver_due(world.uow, first.next_attempt_at - timedelta(seconds=1), post) == []
    assert len(post.calls) == 1
    [second] = deliver_due(world.uow, first.next_attempt_at, post, key_file=key_file)
    assert second.attempts == 2 and second.status == "pending"
    assert second.next_attempt_at == second.attempt_log[1].attempted_at + timedelta(seconds=120)
    [third] = deliver_due(world.uow, second.next_attempt_at, post, key_file=key_file)
    assert third.status == "delivered" and third.next_attempt_at is None
    assert third.last_status_code == 200 and third.last_error is None
    assert [(a.number, a.status_code) for a in third.attempt_log] == [(1, 500), (2, 500), (3, 200)]
    assert [a.error for a in third.attempt_log] == ["answered HTTP 500"] * 2 + [None]
    assert all(a.duration_ms >= 0 for a in third.attempt_log)
    assert len(post.calls) == len(receiver.requests) == 3
    assert _delivery(world, queued.id) == third
    assert len(_events(world, "webhook_delivery.attempted")) == 3
    # Each attempt is signed for its own time.
    times = [_signature_fields(r.headers["Agilegov-Signature"])["t"] for r in receiver.requests]
    assert times == [str(int(a.attempted_at.timestamp())) for a in third.attempt_log]


def test_a_delivery_fails_after_six_attempts(world, key_file, receiver):
    receiver.statuses = [500]
    _hook(world, key_file, receiver.url)
    [queued] = _notify(world).deliveries
    post = Counting()
    at = clock.now()
    waits = []
    for attempt in range(1, 7):
        [delivery] = deliver_due(world.uow, at, post, key_file=key_file)
        assert delivery.attempts == attempt
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - delivery.attempt_log[-1].attempted_at)
            at = delivery.next_attempt_at
    assert [w.total_seconds() for w in waits] == [30, 120, 480, 1920, 7680]
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.delivered_at is None and delivery.last_status_code == 500
    assert [a.number for a in delivery.attempt_log] == [1, 2, 3, 4, 5, 6]
    assert deliver_due(world.uow, at + timedelta(days=30), post, key_file=key_file) == []
    assert len(post.calls) == 6
    assert _delivery(world, queued.id).status == "failed"


def test_an_unreachable_receiver_is_a_failed_attempt(world, key_file):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _hook(world, key_file, f"http://127.0.0.1:{port}/")
    _notify(world)
    [delivery] = deliver_due(world.uow, clock.now(), key_file=key_file)
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert delivery.last_error and "Connect" in delivery.last_error
    assert delivery.attempt_log[0].status_code is None


def test_rotating_invalidates_the_old_secret(world, key_file, receiver):
    hook = _hook(world, key_file, receiver.url)
    rotated = rotate_secret(world.uow, world.owner, world.business_id, hook.id, key_file)
    assert rotated.secret.startswith("whsec_") and rotated.secret != hook.secret
    _notify(world)
    deliver_due(world.uow, clock.now(), key_file=key_file)
    [request] = receiver.requests
    header = request.headers["Agilegov-Signature"]
    assert verify(rotated.secret, header, request.body, clock.now())
    assert not verify(hook.secret, header, request.body, clock.now())
    # The secret is derived from the server key and the nonce, and stored nowhere.
    with world.uow:
        nonce = world.uow.session.get(Webhook, hook.id).secret_nonce
    assert webhook_secret(webhook_key(key_file), hook.id, nonce) == rotated.secret


def test_secrets_are_stored_nowhere(world, key_file, engine):
    hook = _hook(world, key_file, "https://hooks.example.com/")
    rotated = rotate_secret(world.uow, world.owner, world.business_id, hook.id, key_file)
    everything = repr(snapshot(engine))
    for secret in (hook.secret, rotated.secret):
        assert secret not in everything and secret.removeprefix("whsec_") not in everything


def test_webhooks_are_changed_deactivated_and_deleted(world, key_file, receiver):
    hook = _hook(world, key_file, receiver.url)
    same = update_webhook(world.uow, world.owner, world.business_id, hook.id, WebhookUpdate())
    assert same.updated_at == hook.updated_at, "an empty change changes nothing"
    changed = update_webhook(
        world.uow,
        world.owner,
        world.business_id,
        hook.id,
        WebhookUpdate(events=["cycle", "cycle"], active=False),
    )
    assert changed.events == ["cycle"] and not changed.active
    assert get_webhook(world.uow, world.owner, world.business_id, hook.id) == changed
    assert _notify(world, kind="cycle.stage_changed").deliveries == [], "inactive: nothing queued"
    update_webhook(world.uow, world.owner, world.business_id, hook.id, WebhookUpdate(active=True))
    [queued] = _notify(world, kind="cycle.stage_changed").deliveries
    update_webhook(world.uow, world.owner, world.business_id, hook.id, WebhookUpdate(active=False))
    assert deliver_due(world.uow, clock.now(), key_file=key_file) == [], "inactive: not sent"
    assert receiver.requests == []
    page = list_webhooks(world.uow, world.owner, world.business_id, 50, 0)
    assert [w.id for w in page.items] == [hook.id]
    assert list_deliveries(world.uow, world.owner, world.business_id, hook.id, 50, 0).total == 1
    assert len(_events(world, "webhook.updated")) == 3
    delete_webhook(world.uow, world.owner, world.business_id, hook.id)
    with pytest.raises(NotFound):
        get_webhook(world.uow, world.owner, world.business_id, hook.id)
    counts = row_counts(world.uow)
    assert counts["webhooks"] == counts["webhook_deliveries"] == 0
    assert queued.id and len(_events(world, "webhook.deleted")) == 1


def test_a_finished_delivery_is_redelivered_as_a_new_one(world, key_file, receiver):
    hook = _hook(world, key_file, receiver.url)
    [queued] = _notify(world).deliveries
    with pytest.raises(Conflict):
        redeliver(world.uow, world.owner, world.business_id, hook.id, queued.id)
    deliver_due(world.uow, clock.now(), key_file=key_file)
    again = redeliver(world.uow, world.owner, world.business_id, hook.id, queued.id)
    assert again.id != queued.id and again.status == "pending" and again.attempt_log == []
    assert again.payload == queued.payload
    [sent] = deliver_due(world.uow, clock.now(), key_file=key_file)
    assert sent.id == again.id and sent.status == "delivered"
    first, second = receiver.requests
    assert first.body == second.body, "the same body, byte for byte"
    assert second.headers["Agilegov-Delivery"] == str(again.id)
    page = list_deliveries(world.uow, world.owner, world.business_id, hook.id, 50, 0)
    assert [d.id for d in page.items] == [again.id, queued.id], "newest first"
    assert all(len(d.attempt_log) == 1 for d in page.items)


def test_only_owners_manage_webhooks(world, key_file):
    hook = _hook(world, key_file, "https://hooks.example.com/")
    foreign = _hook(
        world, key_file, "https://other.example.com/", world.outsider, world.regulator_id
    )
    [queued] = _notify(world).deliveries
    business = world.business_id
    calls = {
        "create": lambda who: _hook(world, key_file, "https://x.example.com/", who),
        "list": lambda who: list_webhooks(world.uow, who, business, 50, 0),
        "get": lambda who: get_webhook(world.uow, who, business, hook.id),
        "update": lambda who: update_webhook(
            world.uow, who, business, hook.id, WebhookUpdate(active=False)
        ),
        "delete": lambda who: delete_webhook(world.uow, who, business, hook.id),
        "rotate": lambda who: rotate_secret(world.uow, who, business, hook.id, key_file),
        "deliveries": lambda who: list_deliveries(world.uow, who, business, hook.id, 50, 0),
        "redeliver": lambda who: redeliver(world.uow, who, business, hook.id, queued.id),
    }
    before, events = row_counts(world.uow), event_count(world.uow)
    for name, call in calls.items():
        for who in (world.editor, world.reviewer, world.viewer, world.outsider):
            with pytest.raises(Forbidden):
                call(who)
        with pytest.raises(Unauthenticated):
            call(ANONYMOUS)
        assert (row_counts(world.uow), event_count(world.uow)) == (before, events), name
    # Another organization's webhook does not exist under this one, even for its owner.
    outsider = world.outsider
    for call in (
        lambda: get_webhook(world.uow, world.owner, business, foreign.id),
        lambda: get_webhook(world.uow, outsider, world.regulator_id, hook.id),
        lambda: rotate_secret(world.uow, outsider, world.regulator_id, hook.id, key_file),
        lambda: delete_webhook(world.uow, outsider, world.regulator_id, hook.id),
        lambda: list_deliveries(world.uow, outsider, world.regulator_id, hook.id, 50, 0),
        lambda: redeliver(world.uow, outsider, world.regulator_id, foreign.id, queued.id),
        lambda: get_webhook(world.uow, world.owner, 999_999, hook.id),
    ):
        with pytest.raises(NotFound):
            call()
    assert (row_counts(world.uow), event_count(world.uow)) == (before, events)


def test_bad_webhook_input_stores_nothing(world, key_file):
    hook = _hook(world, key_file, "https://hooks.example.com/")
    before, events = row_counts(world.uow), event_count(world.uow)
    for url in ("ftp://example.com/", "https://", "not a url", "https://u:p@example.com/"):
        with pytest.raises(ValidationError) as refused:
            WebhookCreate(url=url)
        assert refused.value.errors()[0]["loc"] == ("url",)
        # Past the schema, the service refuses it too, naming the field.
        for write in (
            lambda url=url: create_webhook(
                world.uow,
                world.owner,
                world.business_id,
                WebhookCreate.model_construct(url=url, events=[], active=True),
                key_file,
            ),
            lambda url=url: update_webhook(
                world.uow,
                world.owner,
                world.business_id,
                hook.id,
                WebhookUpdate.model_construct(url=url),
            ),
        ):
            with pytest.raises(InvalidInput) as refused_here:
                write()
            assert refused_here.value.problems[0].field == "url"
    for fields in ({"url": "https://a.example.com/", "secret": "mine"}, {"events": ["A.B"]}):
        with pytest.raises(ValidationError):
            WebhookCreate(**({"url": "https://a.example.com/"} | fields))
    with pytest.raises(ValidationError):
        WebhookUpdate(url=None)
    assert (row_counts(world.uow), event_count(world.uow)) == (before, events)


# ---------------------------------------------------------------- the API


def test_the_api_manages_webhooks_and_shows_deliveries(world, database_url, receiver):
    client = make_client(database_url)
    owner = bearer(world.tokens["owner"])
    base = f"{API}/organizations/{world.business_id}/webhooks"
    created = ok(
        client.post(base, headers=owner, json={"url": receiver.url, "events": ["indicator"]}), 201
    )
    assert created["secret"].startswith("whsec_")
    shown = ok(client.get(f"{base}/{created['id']}", headers=owner))
    assert "secret" not in shown and "secret_nonce" not in shown
    assert ok(client.get(base, headers=owner))["items"] == [shown]
    changed = ok(
        client.patch(
            f"{base}/{created['id']}", headers=owner, json={"events": ["indicator.breach"]}
        )
    )
    assert changed["events"] == ["indicator.breach"]
    rotated = ok(client.post(f"{base}/{created['id']}/rotate-secret", headers=owner))
    assert rotated["secret"] != created["secret"]
    _notify(world)
    key_file = client.app.state.settings.webhook_key_file
    deliver_due(world.uow, clock.now(), key_file=key_file)
    [request] = receiver.requests
    assert verify(
        rotated["secret"], request.headers["Agilegov-Signature"], request.body, clock.now()
    )
    deliveries = ok(client.get(f"{base}/{created['id']}/deliveries", headers=owner))
    [delivery] = deliveries["items"]
    assert delivery["status"] == "delivered"
    assert delivery["attempt_log"][0]["status_code"] == 200
    again = ok(
        client.post(f"{base}/{created['id']}/deliveries/{delivery['id']}/redeliver", headers=owner),
        201,
    )
    assert again["status"] == "pending" and again["payload"] == delivery["payload"]
    assert ok(client.delete(f"{base}/{created['id']}", headers=owner), 204) is None
    assert_problem(client.get(f"{base}/{created['id']}", headers=owner), 404)


def test_the_api_shows_each_their_own_notifications(world, database_url):
    client = make_client(database_url)
    _notify(world)
    with clock.frozen_at(clock.now() + timedelta(seconds=5)):
        _notify(world, kind="cycle.stage_changed")
    owner = bearer(world.tokens["owner"])
    page = ok(client.get(f"{API}/notifications", headers=owner))
    assert page["total"] == 2
    newest, oldest = page["items"]
    assert newest["kind"] == "cycle.stage_changed" and oldest["kind"] == KIND
    assert ok(client.get(f"{API}/notifications?limit=1&offset=1", headers=owner))["items"] == [
        oldest
    ]
    assert (
        ok(client.get(f"{API}/notifications", headers=bearer(world.tokens["viewer"])))["items"]
        == []
    )
    read = ok(client.post(f"{API}/notifications/{oldest['id']}/read", headers=owner))
    assert read["read_at"] is not None
    unread = ok(client.get(f"{API}/notifications?unread=true", headers=owner))
    assert [n["id"] for n in unread["items"]] == [newest["id"]]
    assert_problem(client.get(f"{API}/notifications"), 401)


# ---------------------------------------------------------------- refusals over HTTP


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str  # formatted with the fixture's names
    body: dict[str, Any] | None
    status: int
    fields: tuple[str, ...] = ()
    who: str | None = "owner"


BAD = [
    Bad("ftp-url", "POST", "{hooks}", {"url": "ftp://example.com/"}, 422, ("url",)),
    Bad("no-host", "POST", "{hooks}", {"url": "https://"}, 422, ("url",)),
    Bad("not-a-url", "POST", "{hooks}", {"url": "hooks.example.com"}, 422, ("url",)),
    Bad("credentials", "POST", "{hooks}", {"url": "https://u:p@example.com/"}, 422, ("url",)),
    Bad("no-url", "POST", "{hooks}", {"events": []}, 422, ("url",)),
    Bad("url-number", "POST", "{hooks}", {"url": 5}, 422, ("url",)),
    Bad(
        "unknown-field",
        "POST",
        "{hooks}",
        {"url": "https://a.example.com/", "secret": "mine"},
        422,
        ("secret",),
    ),
    Bad(
        "bad-prefix",
        "POST",
        "{hooks}",
        {"url": "https://a.example.com/", "events": ["Indicator!"]},
        422,
        ("events[0]",),
    ),
    Bad(
        "nul",
        "POST",
        "{hooks}",
        {"url": "https://a.example.com/\x00"},
        422,
        ("url",),
    ),
    Bad("editor-create", "POST", "{hooks}", {"url": "https://a.example.com/"}, 403, who="editor"),
    Bad("viewer-create", "POST", "{hooks}", {"url": "https://a.example.com/"}, 403, who="viewer"),
    Bad("anonymous-create", "POST", "{hooks}", {"url": "https://a.example.com/"}, 401, who=None),
    Bad("viewer-list", "GET", "{hooks}", None, 403, who="viewer"),
    Bad("editor-get", "GET", "{hook}", None, 403, who="editor"),
    Bad("outsider-get", "GET", "{hook}", None, 403, who="outsider"),
    Bad("unknown-organization", "GET", "{api}/organizations/999999/webhooks", None, 404),
    Bad("foreign-webhook", "GET", "{hooks}/{foreign}", None, 404),
    Bad("foreign-patch", "PATCH", "{hooks}/{foreign}", {"active": False}, 404),
    Bad("foreign-delete", "DELETE", "{hooks}/{foreign}", None, 404),
    Bad("foreign-rotate", "POST", "{hooks}/{foreign}/rotate-secret", None, 404),
    Bad("foreign-deliveries", "GET", "{hooks}/{foreign}/deliveries", None, 404),
    Bad("patch-bad-url", "PATCH", "{hook}", {"url": "mailto:a@example.com"}, 422, ("url",)),
    Bad("patch-null-url", "PATCH", "{hook}", {"url": None}, 422, ("url",)),
    Bad("patch-unknown", "PATCH", "{hook}", {"secret_nonce": "x"}, 422, ("secret_nonce",)),
    Bad("editor-patch", "PATCH", "{hook}", {"active": False}, 403, who="editor"),
    Bad("viewer-delete", "DELETE", "{hook}", None, 403, who="viewer"),
    Bad("editor-rotate", "POST", "{hook}/rotate-secret", None, 403, who="editor"),
    Bad("viewer-deliveries", "GET", "{hook}/deliveries", None, 403, who="viewer"),
    Bad("redeliver-pending", "POST", "{hook}/deliveries/{delivery}/redeliver", None, 409),
    Bad("redeliver-unknown", "POST", "{hook}/deliveries/999999/redeliver", None, 404),
    Bad(
        "redeliver-editor",
        "POST",
        "{hook}/deliveries/{delivery}/redeliver",
        None,
        403,
        who="editor",
    ),
    Bad("read-others", "POST", "{api}/notifications/{notification}/read", None, 404, who="viewer"),
    Bad("read-unknown", "POST", "{api}/notifications/999999/read", None, 404),
    Bad("read-anonymous", "POST", "{api}/notifications/{notification}/read", None, 404, who=None),
    Bad("list-anonymous", "GET", "{api}/notifications", None, 401, who=None),
    Bad("unread-not-bool", "GET", "{api}/notifications?unread=maybe", None, 422, ("unread",)),
]


@pytest.fixture(scope="module")
def hooked(shared: World) -> dict[str, Any]:
    """A webhook of each organization, a pending delivery, an owner's notification."""
    client, owner = shared.client, shared.auth("owner")
    hooks = f"{API}/organizations/{shared.business_id}/webhooks"
    hook = ok(client.post(hooks, headers=owner, json={"url": "https://a.example.com/"}), 201)
    foreign = ok(
        client.post(
            f"{API}/organizations/{shared.regulator_id}/webhooks",
            headers=shared.auth("outsider"),
            json={"url": "https://b.example.com/"},
        ),
        201,
    )
    uow = UnitOfWork(make_session_factory(shared.engine))
    with uow:
        notified = notify_owners(uow.session, SYSTEM, shared.business_id, KIND, "t", "b")
        uow.commit()
    return {
        "api": API,
        "hooks": hooks,
        "hook": f"{hooks}/{hook['id']}",
        "foreign": foreign["id"],
        "delivery": notified.deliveries[0].id,
        "notification": notified.notifications[0].id,
    }


@pytest.mark.parametrize("bad", [pytest.param(b, id=b.id) for b in BAD])
def test_refused_requests_store_nothing(shared: World, hooked: dict[str, Any], bad: Bad):
    before = snapshot(shared.engine)
    response = shared.client.request(
        bad.method,
        bad.path.format(**hooked),
        headers=shared.auth(bad.who),
        json=bad.body,
    )
    assert_problem(response, bad.status, *bad.fields)
    assert_unchanged(before, shared.engine)


# ---------------------------------------------------------------- in the reader's language


def test_a_notification_reads_in_its_readers_language_and_stays_english_elsewhere(
    world, database_url, key_file
):
    hook = _hook(world, key_file, "https://a.example.com/")
    with world.uow:
        notified = notify_owners(
            world.uow.session,
            SYSTEM,
            world.business_id,
            KIND,
            lazy("%(name)s is in breach", name="Selection-rate ratio"),
            lazy(
                "%(key)s = %(value)s after %(windows)s window(s) in breach.",
                key="selection.ratio",
                value=0.74,
                windows=2,
            ),
        )
        world.uow.commit()
    _notify(world)  # plain texts, as notifications made before were: shown as stored
    [delivery] = [d for d in notified.deliveries if d.webhook_id == hook.id]
    assert delivery.payload["title"] == "Selection-rate ratio is in breach"
    assert delivery.payload["body"] == "selection.ratio = 0.74 after 2 window(s) in breach."
    client = make_client(database_url)
    owner = bearer(world.tokens["owner"])
    listed = ok(client.get(f"{API}/notifications", headers={**owner, "Accept-Language": "ja"}))
    assert listed["items"][1]["title"] == "Selection-rate ratio is in breach"
    login = client.get("/login")
    signed_in = client.post(
        "/login",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": csrf_of(login)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    japanese = client.get("/notifications", headers={"Accept-Language": "ja"}).text
    assert "Selection-rate ratio が逸脱しています" in japanese
    assert "selection.ratio = 0.74 (逸脱していた期間: 2 期間)。" in japanese
    assert "Selection-rate ratio below 0.8" in japanese  # the older kind, as stored
    english = client.get("/notifications", headers={"Accept-Language": "en"}).text
    assert "Selection-rate ratio is in breach" in english
