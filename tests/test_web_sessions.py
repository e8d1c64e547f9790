"""Web sessions at the service: hashed, expiring, ended by signing out, each
start and end on the record; a wrong password stores nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agilegov import clock
from agilegov.auth import hash_token
from agilegov.errors import Unauthenticated
from agilegov.organizations.models import WebSession
from agilegov.organizations.service import SESSION_LIFETIME, session_user, sign_in, sign_out
from agilegov.record.models import Event
from agilegov.uow import UnitOfWork
from builders import World

PASSWORD = "a-long-password"
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_a_session_lasts_its_lifetime_and_no_longer(uow: UnitOfWork, world: World) -> None:
    with clock.frozen_at(START):
        secret = sign_in(uow, "Editor@Example.com ", PASSWORD)
    with clock.frozen_at(START + SESSION_LIFETIME - timedelta(seconds=1)):
        found = session_user(uow, secret)
        assert found is not None
        principal, name = found
        assert principal.user_id == world.editor.user_id and name == "Editor"
        assert principal.roles == world.editor.roles
    with clock.frozen_at(START + SESSION_LIFETIME):
        assert session_user(uow, secret) is None


def test_only_the_hash_is_stored_and_the_start_and_end_are_recorded(
    uow: UnitOfWork, world: World
) -> None:
    secret = sign_in(uow, "viewer@example.com", PASSWORD)
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
        sign_in(uow, email, password)
    with uow:
        assert uow.session.scalars(select(WebSession)).all() == []
        assert len(uow.session.scalars(select(Event.id)).all()) == events_before


def test_an_unknown_session_signs_nobody_in(uow: UnitOfWork, world: World) -> None:
    assert session_user(uow, "agt_not-a-session") is None
