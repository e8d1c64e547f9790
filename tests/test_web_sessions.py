"""Web sessions at the service: hashed, expiring, ended by signing out, each
start and end on the record; a wrong password starts nothing and is counted,
and the counts make later attempts wait (``organizations.delays``)."""

import math
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import hash_token
from agilegov.db import make_session_factory
from agilegov.errors import TooManyRequests, Unauthenticated
from agilegov.organizations import service
from agilegov.organizations.delays import ACCOUNT, ADDRESS, PAIR
from agilegov.organizations.models import SignInThrottle, WebSession
from agilegov.organizations.service import (
    SESSION_LIFETIME,
    forget_old_sign_in_failures,
    session_user,
    sign_in,
    sign_out,
)
from agilegov.record.models import Event
from agilegov.uow import UnitOfWork
from builders import World

PASSWORD = "a-long-password"
START = datetime(2026, 3, 1, 9, tzinfo=UTC)
HOME = "198.51.100.7"


def test_a_session_lasts_its_lifetime_and_no_longer(uow: UnitOfWork, world: World) -> None:
    with clock.frozen_at(START):
        secret = sign_in(uow, "Editor@Example.com ", PASSWORD, HOME)
    with clock.frozen_at(START + SESSION_LIFETIME - timedelta(seconds=1)):
        found = session_user(uow, secret)
        assert found is not None
        assert found.principal.user_id == world.editor.user_id and found.name == "Editor"
        assert found.principal.roles == world.editor.roles
        assert (found.language, found.time_zone) == (None, None)
    with clock.frozen_at(START + SESSION_LIFETIME):
        assert session_user(uow, secret) is None


def test_only_the_hash_is_stored_and_the_start_and_end_are_recorded(
    uow: UnitOfWork, world: World
) -> None:
    secret = sign_in(uow, "viewer@example.com", PASSWORD, HOME)
    with uow:
        row = uow.session.scalars(select(WebSession)).one()
        assert row.session_hash == hash_token(secret) and secret not in row.session_hash
    sign_out(uow, secret)
    sign_out(uow, secret)  # a second time does nothing
    assert session_user(uow, secret) is None
    with uow:
        events = uow.session.scalars(
            select(Event).where(Event.subject_type == "web_session").order_by(Event.id)
        ).all()
        assert [e.type for e in events] == ["web_session.started", "web_session.ended"]
        # About a person: private, as the log keeps user events.
        assert all(e.payload_salt is not None for e in events)


@pytest.mark.parametrize(
    ("email", "password"),
    [("viewer@example.com", "wrong-password"), ("ghost@example.com", PASSWORD)],
)
def test_wrong_credentials_start_nothing(
    uow: UnitOfWork, world: World, email: str, password: str
) -> None:
    with uow:
        events_before = len(uow.session.scalars(select(Event.id)).all())
    with pytest.raises(Unauthenticated):
        sign_in(uow, email, password, HOME)
    with uow:
        assert uow.session.scalars(select(WebSession)).all() == []
        assert len(uow.session.scalars(select(Event.id)).all()) == events_before
        # Counted under the account from the address, the address and the account.
        counts = uow.session.scalars(select(SignInThrottle.failures)).all()
        assert counts == [1, 1, 1]


def test_an_unknown_session_signs_nobody_in(uow: UnitOfWork, world: World) -> None:
    assert session_user(uow, "agt_not-a-session") is None


# ---------------------------------------------------------------- waits after failures
EMAIL = "editor@example.com"


class PasswordChecks:
    """Counts the passwords the service checks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        check = service.verify_password

        def counted(password: str, stored: str) -> bool:
            self.count += 1
            return check(password, stored)

        monkeypatch.setattr(service, "verify_password", counted)


def attempt(uow: UnitOfWork, at: datetime, address: str, password: str = "guess") -> str:
    """What one attempt at ``at`` came to: "in", "wrong" or "wait N"."""
    with clock.frozen_at(at):
        try:
            sign_in(uow, EMAIL, password, address)
        except Unauthenticated:
            return "wrong"
        except TooManyRequests as waiting:
            return f"wait {waiting.retry_after}"
    return "in"


def test_waits_double_past_the_free_failures_and_refusals_check_no_password(
    uow: UnitOfWork, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = PasswordChecks(monkeypatch)
    at = START
    assert [attempt(uow, at, HOME) for _ in range(PAIR.free)] == ["wrong"] * PAIR.free
    for wait in (1, 2, 4, 8, 16):
        assert attempt(uow, at, HOME) == "wrong"
        checked = checks.count
        # During the wait even the right password is refused, unchecked, and
        # asking again does not lengthen the wait.
        assert attempt(uow, at, HOME, PASSWORD) == f"wait {wait}"
        half = at + timedelta(seconds=wait / 2)
        assert attempt(uow, half, HOME, PASSWORD) == f"wait {math.ceil(wait / 2)}"
        assert checks.count == checked
        at += timedelta(seconds=wait)
    assert checks.count == PAIR.free + 5
    # Past the wait, the right password signs in and the account's counts are forgotten.
    assert attempt(uow, at, HOME, PASSWORD) == "in"
    assert [attempt(uow, at, HOME) for _ in range(PAIR.free)] == ["wrong"] * PAIR.free
    assert attempt(uow, at, HOME) == "wrong"
    assert attempt(uow, at, HOME) == "wait 1"


def test_guessing_from_many_addresses_never_locks_the_owner_out_of_their_own(
    uow: UnitOfWork, world: World
) -> None:
    at = START
    assert attempt(uow, at, HOME, PASSWORD) == "in"  # the owner's address, known
    # 200 guesses, each from a new address: the account's wait grows for new
    # addresses, to a quarter of an hour at most.
    outcomes = []
    for number in range(200):
        address = f"203.0.{number // 250}.{number % 250 + 1}"
        outcome = attempt(uow, at, address)
        if outcome.startswith("wait"):
            waited = int(outcome.split()[1])
            assert waited <= ACCOUNT.cap.total_seconds()
            at += timedelta(seconds=waited)
            outcome = attempt(uow, at, address)
        outcomes.append(outcome)
    assert outcomes == ["wrong"] * 200
    assert attempt(uow, at, "192.0.2.99", PASSWORD) == f"wait {int(ACCOUNT.cap.total_seconds())}"
    # The owner, from home, at once.
    assert attempt(uow, at, HOME, PASSWORD) == "in"
    # Which forgave the account: the next new address needs no wait either.
    assert attempt(uow, at, "192.0.2.99", PASSWORD) == "in"


def test_one_address_guessing_at_many_accounts_waits(uow: UnitOfWork, world: World) -> None:
    guesser = "203.0.113.66"
    with clock.frozen_at(START):
        for number in range(ADDRESS.free + 1):
            with pytest.raises(Unauthenticated):
                sign_in(uow, f"person{number}@example.com", "guess", guesser)
        with pytest.raises(TooManyRequests) as waiting:
            sign_in(uow, "owner@example.com", PASSWORD, guesser)
        assert waiting.value.retry_after == 1
        # Nobody else is held up by it.
        sign_in(uow, "owner@example.com", PASSWORD, HOME)


def test_failures_at_the_same_moment_are_all_counted(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each attempt checks its password at the same moment, as from several processes.
    together = threading.Barrier(PAIR.free, timeout=10)
    check = service.verify_password

    def slow_check(password: str, stored: str) -> bool:
        together.wait()
        return check(password, stored)

    monkeypatch.setattr(service, "verify_password", slow_check)
    failed: list[str] = []

    def guess() -> None:
        own = UnitOfWork(make_session_factory(engine))
        failed.append(attempt(own, START, HOME))

    if engine.dialect.name == "sqlite":
        # SQLite takes the write lock when the transaction begins: attempts queue.
        monkeypatch.setattr(service, "verify_password", check)
    threads = [threading.Thread(target=guess) for _ in range(PAIR.free)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == ["wrong"] * PAIR.free
    with Session(engine) as session:
        counts = session.scalars(select(SignInThrottle.failures)).all()
    assert counts == [PAIR.free] * 3


def test_old_counts_are_forgotten_and_known_addresses_kept(uow: UnitOfWork, world: World) -> None:
    assert attempt(uow, START, HOME, PASSWORD) == "in"
    assert attempt(uow, START, "203.0.113.5") == "wrong"
    with clock.frozen_at(START + timedelta(days=29)):
        assert forget_old_sign_in_failures(uow) == 0
    with clock.frozen_at(START + timedelta(days=31)):
        # The guess's three counts go; the owner's known address stays.
        assert forget_old_sign_in_failures(uow) == 3
    with clock.frozen_at(START + timedelta(days=91)):
        assert forget_old_sign_in_failures(uow) == 1
    with uow:
        assert uow.session.scalars(select(SignInThrottle)).all() == []
