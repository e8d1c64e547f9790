"""Sign-in waits through HTTP, on SQLite and PostgreSQL: 429 with Retry-After
and no password checked while waiting, guessing that cannot lock the owner
out, counts shared by every server process on the database, and forwarding
headers believed only from a trusted proxy."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from agilegov import clock
from agilegov.app import create_app
from agilegov.organizations import service
from agilegov.organizations.delays import ACCOUNT, PAIR
from agilegov.settings import Settings
from api_helpers import PASSWORD, assert_unchanged, snapshot
from builders import World
from web_helpers import csrf_of

EMAIL = "editor@example.com"
HOME = "198.51.100.7"
GUESSER = "203.0.113.66"
PROXY = "10.0.0.5"
# Near today, so that a session started then is still open when its page is read.
START = datetime.now(UTC).replace(microsecond=0)


class Clock:
    """The time the app reads, standing still until the test moves it."""

    def __init__(self) -> None:
        self.at = START
        self._frozen = clock.frozen_at(self.at)
        self._frozen.__enter__()

    def move(self, seconds: float) -> None:
        self.stop()
        self.at += timedelta(seconds=seconds)
        self._frozen = clock.frozen_at(self.at)
        self._frozen.__enter__()

    def stop(self) -> None:
        self._frozen.__exit__(None, None, None)


@pytest.fixture
def now() -> Iterator[Clock]:
    moving = Clock()
    yield moving
    moving.stop()


def app_of(database_url: str, **settings: Any) -> Any:
    return create_app(Settings(database_url=database_url, tick_interval_seconds=0, **settings))


def browser(app: Any, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


def log_in(
    client: TestClient,
    password: str = "guess",
    headers: dict[str, str] | None = None,
    email: str = EMAIL,
) -> Response:
    token = csrf_of(client.get("/login"))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def statuses(client: TestClient, count: int, **kwargs: Any) -> list[int]:
    return [log_in(client, **kwargs).status_code for _ in range(count)]


def test_a_wait_is_a_429_with_retry_after_that_checks_no_password(
    database_url: str, engine: Engine, world: World, now: Clock, monkeypatch: Any
) -> None:
    checked = []
    check = service.verify_password
    monkeypatch.setattr(
        service, "verify_password", lambda *given: checked.append(1) or check(*given)
    )
    guesser = browser(app_of(database_url), GUESSER)
    assert statuses(guesser, PAIR.free + 1) == [422] * (PAIR.free + 1)
    before, checks = snapshot(engine), len(checked)
    for _ in range(3):
        paused = log_in(guesser, PASSWORD)
        assert paused.status_code == 429 and paused.headers["Retry-After"] == "1"
        assert "Too many failed sign-ins: try again in 1 second." in paused.text
    assert len(checked) == checks and "agilegov_session" not in guesser.cookies
    assert_unchanged(before, engine)
    now.move(1)
    assert log_in(guesser).status_code == 422
    paused = log_in(guesser, PASSWORD)
    assert paused.status_code == 429 and paused.headers["Retry-After"] == "2"
    now.move(2)
    assert log_in(guesser, PASSWORD).status_code == 303  # and the counts start again
    assert statuses(guesser, PAIR.free + 1) == [422] * (PAIR.free + 1)


def test_forged_addresses_do_not_lock_the_owner_out(
    database_url: str, world: World, now: Clock
) -> None:
    app = app_of(database_url)  # trusting no proxy
    owner = browser(app, HOME)
    assert log_in(owner, PASSWORD).status_code == 303
    owner.cookies.clear()
    guesser = browser(app, GUESSER)
    got = []
    for number in range(100):
        forged = {"X-Forwarded-For": f"192.0.2.{number + 1}", "X-Forwarded-Proto": "https"}
        response = log_in(guesser, headers=forged)
        got.append(response.status_code)
        if response.status_code == 429:
            now.move(int(response.headers["Retry-After"]))
    # Every guess was counted under the guesser's own address: refused in turn.
    assert got[: PAIR.free + 1] == [422] * (PAIR.free + 1)
    assert got.count(429) == got.count(422) - (PAIR.free + 1)
    # Waiting out every refusal, the guesser reached the account's longest wait…
    assert log_in(browser(app, "192.0.2.200"), PASSWORD).headers["Retry-After"] == str(
        int(ACCOUNT.cap.total_seconds())
    )
    # …and the owner signs in from home at once, and reads their pages.
    assert log_in(owner, PASSWORD).status_code == 303
    assert "Sign out" in owner.get("/").text


def test_server_processes_on_one_database_share_the_counts(
    database_url: str, world: World, now: Clock
) -> None:
    first = browser(app_of(database_url), GUESSER)
    second = browser(app_of(database_url), GUESSER)
    assert statuses(first, PAIR.free) == [422] * PAIR.free
    assert log_in(second).status_code == 422
    assert log_in(first).status_code == 429
    assert log_in(second).status_code == 429


def test_forwarded_addresses_are_believed_from_a_trusted_proxy_only(
    database_url: str, world: World, now: Clock
) -> None:
    app = app_of(database_url, trusted_proxies=PROXY)
    proxy, stranger = browser(app, PROXY), browser(app, "10.0.0.6")
    # Through the proxy, each guess comes from its own client: none waits.
    got = [
        log_in(proxy, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(1, PAIR.free + 3)
    ]
    assert got == [422] * (PAIR.free + 2)
    # The same headers from anyone else are the sender's own guesses (at
    # another account, whose own count is still low).
    viewer = "viewer@example.com"
    got = [
        log_in(stranger, headers={"X-Forwarded-For": f"192.0.2.{n}"}, email=viewer).status_code
        for n in range(100, 100 + PAIR.free + 2)
    ]
    assert got == [422] * (PAIR.free + 1) + [429]
    # And the proxy's word on the client's address waits where that client waits.
    forwarded = {"X-Forwarded-For": "10.0.0.6"}
    assert log_in(proxy, PASSWORD, headers=forwarded, email=viewer).status_code == 429


def test_cookies_are_secure_when_a_trusted_proxy_says_https(
    database_url: str, world: World
) -> None:
    app = app_of(database_url, trusted_proxies=PROXY)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": HOME}
    for address, secure in ((PROXY, True), ("10.0.0.6", False)):
        signed_in = log_in(browser(app, address), PASSWORD, headers=https)
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"]
        assert cookie.startswith("agilegov_session=")
        assert ("; secure" in cookie.lower()) is secure
