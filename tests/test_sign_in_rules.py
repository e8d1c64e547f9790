"""The pure rules behind sign-in delays and the client's address, alone: how long
a key waits after so many failures, how addresses are grouped, and whom the
forwarding headers are believed from."""

from datetime import timedelta
from ipaddress import ip_network

import pytest

from agilegov.organizations.delays import ACCOUNT, ADDRESS, PAIR, Backoff, SignInKeys
from agilegov.settings import Settings
from agilegov.web.client import Client, resolve_client

S = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("policy", "failures", "wait"),
    [
        (PAIR, 0, 0 * S),
        (PAIR, 5, 0 * S),  # five free
        (PAIR, 6, 1 * S),
        (PAIR, 7, 2 * S),
        (PAIR, 8, 4 * S),
        (PAIR, 16, 1024 * S),
        (PAIR, 17, 2048 * S),
        (PAIR, 18, HOUR),  # 4096 s, capped
        (PAIR, 100, HOUR),
        (PAIR, 10**9, HOUR),  # no overflow however long the guessing
        (ADDRESS, 20, 0 * S),
        (ADDRESS, 21, 1 * S),
        (ADDRESS, 25, 16 * S),
        (ACCOUNT, 10, 0 * S),
        (ACCOUNT, 11, 1 * S),
        (ACCOUNT, 20, 512 * S),
        (ACCOUNT, 21, 900 * S),  # 1024 s, capped at a quarter of an hour
        (Backoff(free=0, cap=HOUR, forget_after=HOUR, base=30 * S), 1, 30 * S),
        (Backoff(free=0, cap=HOUR, forget_after=HOUR, base=30 * S), 3, 120 * S),
    ],
)
def test_the_wait_doubles_past_the_free_failures_up_to_its_cap(
    policy: Backoff, failures: int, wait: timedelta
) -> None:
    assert policy.wait_after(failures) == wait


def test_every_count_is_kept_longer_than_its_longest_wait() -> None:
    # Else waiting out the cap would also forget the count, and the free failures return.
    for policy in (PAIR, ADDRESS, ACCOUNT):
        assert policy.forget_after > policy.cap


def test_the_account_is_gentler_than_a_single_address_on_it() -> None:
    assert ACCOUNT.free > PAIR.free and ACCOUNT.cap < PAIR.cap


@pytest.mark.parametrize(
    ("email", "address", "pair", "grouped"),
    [
        ("Owner@Example.com ", "192.0.2.7", "pair owner@example.com 192.0.2.7", "192.0.2.7"),
        ("a@b.c", "2001:db8:1:2:aaaa::1", "pair a@b.c 2001:db8:1:2::/64", "2001:db8:1:2::/64"),
        ("a@b.c", "2001:db8:1:2:ffff::9", "pair a@b.c 2001:db8:1:2::/64", "2001:db8:1:2::/64"),
        ("a@b.c", "testclient", "pair a@b.c testclient", "testclient"),
    ],
)
def test_keys_name_the_account_and_the_address_group(
    email: str, address: str, pair: str, grouped: str
) -> None:
    keys = SignInKeys.of(email, address)
    assert keys.pair == pair
    assert keys.address == f"address {grouped}"
    assert keys.account == f"account {email.strip().lower()}"


PROXY = [ip_network("10.0.0.0/24"), ip_network("2001:db8::/32")]


@pytest.mark.parametrize(
    ("peer", "scheme", "forwarded_for", "forwarded_proto", "proxies", "client"),
    [
        # Nobody trusted (the default): the headers change nothing.
        ("203.0.113.9", "http", ["1.2.3.4"], ["https"], [], Client("203.0.113.9", "http")),
        ("10.0.0.5", "http", ["1.2.3.4"], ["https"], [], Client("10.0.0.5", "http")),
        # A trusted proxy: its word is taken, one hop.
        ("10.0.0.5", "http", ["198.51.100.1"], ["https"], PROXY, Client("198.51.100.1", "https")),
        # An untrusted peer forging the headers is itself the client.
        ("203.0.113.9", "http", ["10.0.0.1"], ["https"], PROXY, Client("203.0.113.9", "http")),
        # A forged start of the chain, appended to by the trusted proxy: the
        # right-most untrusted address is the client, not what it claimed.
        (
            "10.0.0.5",
            "http",
            ["6.6.6.6, 10.0.0.7", "198.51.100.1"],
            ["https"],
            PROXY,
            Client("198.51.100.1", "https"),
        ),
        # Two trusted proxies in a row.
        (
            "10.0.0.5",
            "http",
            ["198.51.100.1, 10.0.0.6"],
            ["https, http"],
            PROXY,
            Client("198.51.100.1", "https"),
        ),
        # Every address trusted: the left-most is as far as anyone can tell.
        ("10.0.0.5", "http", ["10.0.0.8, 10.0.0.6"], [], PROXY, Client("10.0.0.8", "http")),
        # Ports, brackets and IPv6, written the ways proxies write them.
        ("10.0.0.5", "http", ["198.51.100.1:4711"], [], PROXY, Client("198.51.100.1", "http")),
        (
            "2001:db8::1",
            "http",
            ["[2001:db8:ffff::2]:443"],
            [],
            [ip_network("2001:db8::1/128")],
            Client("2001:db8:ffff::2", "http"),
        ),
        # A trusted proxy that does not know its client: the proxy is the client.
        ("10.0.0.5", "http", ["unknown"], ["https"], PROXY, Client("10.0.0.5", "https")),
        # Only the scheme, from a trusted proxy; a scheme that is not one is ignored.
        ("10.0.0.5", "http", [], ["HTTPS"], PROXY, Client("10.0.0.5", "https")),
        ("10.0.0.5", "http", [], ["gopher"], PROXY, Client("10.0.0.5", "http")),
        # What is not an address (a test client's name) is never trusted.
        ("testclient", "http", ["1.2.3.4"], ["https"], PROXY, Client("testclient", "http")),
    ],
)
def test_forwarding_headers_are_believed_only_from_trusted_proxies(
    peer: str,
    scheme: str,
    forwarded_for: list[str],
    forwarded_proto: list[str],
    proxies: list,
    client: Client,
) -> None:
    assert resolve_client(peer, scheme, forwarded_for, forwarded_proto, proxies) == client


def test_trusted_proxies_are_read_as_addresses_and_networks() -> None:
    settings = Settings(trusted_proxies="10.0.0.1, 192.168.0.0/16 ::1")  # type: ignore[arg-type]
    assert settings.trusted_proxies == [
        ip_network("10.0.0.1/32"),
        ip_network("192.168.0.0/16"),
        ip_network("::1/128"),
    ]
    assert Settings().trusted_proxies == []
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        Settings(trusted_proxies="localhost")  # type: ignore[arg-type]


def test_the_server_leaves_forwarding_headers_to_the_application(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    import agilegov.app
    from agilegov import cli

    started: dict[str, object] = {}
    monkeypatch.setattr(cli, "_upgrade", lambda: None)
    monkeypatch.setattr(agilegov.app, "create_app", lambda: "the app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))
    cli.serve(host="127.0.0.1", port=8000)
    # Uvicorn's own handling would believe X-Forwarded-For from 127.0.0.1.
    assert started["proxy_headers"] is False
