"""Accounts by e-mail: the mail toolkit, single-use expiring e-mail tokens, and the
flows built on them, with mails sent to a real SMTP server (aiosmtpd) and read back."""

import hashlib
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.db import make_session_factory
from agilegov.errors import Forbidden
from agilegov.mail import Mail, Mailer, SmtpServer, mails_in
from agilegov.organizations.models import EmailToken, Membership, User, WebSession
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import (
    create_organization,
    get_user_by_email,
    principal_for_user,
    verify_email,
)
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    PASSWORD,
    assert_problem,
    assert_unchanged,
    make_client,
    ok,
    snapshot,
    world_from_fixture,
)
from api_helpers import World as ApiWorld
from conftest import LocalSmtp
from web_helpers import browser, field_error, post_form
from web_helpers import sign_in as web_sign_in


def test_a_mail_goes_through_the_smtp_server(smtp_server: LocalSmtp) -> None:
    mailer = Mailer(Settings(smtp_url=smtp_server.url, mail_from="site <site@example.org>"))
    mailer.send(Mail(to="ana@example.org", subject="パスワード", body="本文 — body"))
    [message] = smtp_server.messages
    assert message["To"] == "ana@example.org"
    assert message["From"] == "site <site@example.org>"
    assert message["Subject"] == "パスワード"
    assert message.get_content().strip() == "本文 — body"


def test_without_an_smtp_url_mails_are_written_to_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    mailer = Mailer(Settings(smtp_url=None, mail_dir=folder))
    assert mailer.where() == str(folder)
    mailer.send(Mail(to="ana@example.org", subject="Hello", body="Body"))
    [path] = mails_in(folder)
    assert "To: ana@example.org" in path.read_text()
    assert path.stat().st_mode & 0o077 == 0


def test_the_smtp_url_names_the_server_its_tls_and_its_account() -> None:
    assert SmtpServer.of("smtps://me%40x:p%3Ass@mail.example.org") == SmtpServer(
        "mail.example.org", 465, implicit_tls=True, starttls=False, user="me@x", password="p:ss"
    )
    assert SmtpServer.of("smtp://mail.example.org:587?starttls=1").starttls
    assert SmtpServer.of("smtp://localhost").port == 25
    assert Mailer(Settings(smtp_url="smtp://u:secret@h:2525")).where() == "smtp://h:2525"


# ---------------------------------------------------------------- the flows, through the API


def link_in(message: EmailMessage, path: str) -> str:
    """The token of the link to ``path`` in a received mail."""
    found = re.search(rf"{re.escape(SITE)}{re.escape(path)}\?token=(\S+)", message.get_content())
    assert found, f"no link to {path} in: {message.get_content()}"
    return unquote(found.group(1))


SITE = "https://agilegov.example.org"


@pytest.fixture
def api(
    database_url: str, engine: Engine, world: Any, smtp_server: LocalSmtp
) -> Iterator[tuple[TestClient, ApiWorld]]:
    client = make_client(database_url, smtp_url=smtp_server.url, public_url=SITE, signup="open")
    with client:
        # The world's own client is this one: every browser of the test shares its mail.
        yield client, replace(world_from_fixture(database_url, engine, world), client=client)


def sign_up(client: TestClient, email: str, **more: Any) -> Response:
    body = {"email": email, "name": "Ana", "password": PASSWORD, **more}
    return client.post(f"{API}/signup", json=body)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the page (the client keeps the session's cookie)."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_open_sign_up_sends_a_link_that_verifies_the_address(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, _world = api
    assert ok(sign_up(client, "Ana@Example.org"), 202)["detail"]
    [mail] = smtp_server.messages
    assert mail["To"] == "ana@example.org"
    token = link_in(mail, "/verify-email")
    with engine.connect() as connection:
        stored = connection.execute(
            select(EmailToken.token_hash, User.email_verified_at).join(User)
        ).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.email_verified_at is None
    user = ok(client.post(f"{API}/verify-email", json={"token": token}))
    assert user["email"] == "ana@example.org"
    with engine.connect() as connection:
        assert connection.scalar(select(User.email_verified_at).where(User.id == user["id"]))


def test_signing_up_again_with_a_known_address_says_nothing_new(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, _world = api
    first = ok(sign_up(client, "owner@example.com"), 202)
    assert first == ok(sign_up(client, "new@example.com"), 202)
    known, new = smtp_server.messages
    assert "has an account already" in known.get_content()
    assert "/verify-email?token=" in new.get_content()


def test_a_used_or_expired_or_other_link_is_refused_and_changes_nothing(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, _world = api
    ok(sign_up(client, "ana@example.org"), 202)
    token = link_in(smtp_server.messages[-1], "/verify-email")
    # A link of another purpose does not verify.
    ok(client.post(f"{API}/password/forgot", json={"email": "ana@example.org"}), 202)
    reset = link_in(smtp_server.messages[-1], "/password/reset")
    before = snapshot(engine)
    assert_problem(client.post(f"{API}/verify-email", json={"token": reset}), 422, "token")
    assert_problem(client.post(f"{API}/verify-email", json={"token": "agt_nothing"}), 422, "token")
    with clock.frozen_at(datetime.now(UTC) + timedelta(hours=25)):
        expired = client.post(f"{API}/verify-email", json={"token": token})
    assert "expired" in assert_problem(expired, 422, "token")["detail"]
    assert_unchanged(before, engine)
    ok(client.post(f"{API}/verify-email", json={"token": token}))
    before = snapshot(engine)
    reused = client.post(f"{API}/verify-email", json={"token": token})
    assert "used" in assert_problem(reused, 422, "token")["detail"]
    assert_unchanged(before, engine)


def test_sign_up_by_invitation_only_is_refused_without_one(
    database_url: str, engine: Engine, world: Any, smtp_server: LocalSmtp
) -> None:
    client = make_client(database_url, smtp_url=smtp_server.url, public_url=SITE)
    before = snapshot(engine)
    assert_problem(sign_up(client, "ana@example.org"), 403)
    assert_problem(sign_up(client, "ana@example.org", invitation="agt_guess"), 422, "token")
    assert_unchanged(before, engine)
    assert smtp_server.messages == []


def test_an_invitation_signs_up_a_verified_member_of_its_address_only(
    database_url: str, engine: Engine, world: Any, smtp_server: LocalSmtp
) -> None:
    client = make_client(database_url, smtp_url=smtp_server.url, public_url=SITE)
    w = world_from_fixture(database_url, engine, world)
    invitation = ok(
        client.post(
            f"{API}/organizations/{w.business_id}/invitations",
            json={"email": "new@example.org", "role": "editor"},
            headers=w.auth("owner"),
        ),
        201,
    )
    assert invitation["role"] == "editor"
    [mail] = smtp_server.messages
    assert mail["To"] == "new@example.org" and "HireRight" in mail["Subject"]
    token = link_in(mail, "/invitations/accept")
    # Only an owner invites.
    assert_problem(
        client.post(
            f"{API}/organizations/{w.business_id}/invitations",
            json={"email": "x@example.org", "role": "owner"},
            headers=w.auth("editor"),
        ),
        403,
    )
    before = snapshot(engine)
    other = sign_up(client, "someone@example.org", invitation=token)
    assert_problem(other, 422, "email")
    assert_unchanged(before, engine)
    user = ok(sign_up(client, "new@example.org", invitation=token), 201)
    with engine.connect() as connection:
        role = connection.scalar(
            select(Membership.role).where(
                Membership.user_id == user["id"], Membership.organization_id == w.business_id
            )
        )
        assert role == "editor"
        assert connection.scalar(select(User.email_verified_at).where(User.id == user["id"]))
    before = snapshot(engine)
    assert_problem(sign_up(client, "new@example.org", invitation=token), 422, "token")
    assert_unchanged(before, engine)


def test_an_account_accepts_an_invitation_to_its_own_address(
    database_url: str, engine: Engine, world: Any, smtp_server: LocalSmtp
) -> None:
    client = make_client(database_url, smtp_url=smtp_server.url, public_url=SITE)
    w = world_from_fixture(database_url, engine, world)
    ok(
        client.post(
            f"{API}/organizations/{w.business_id}/invitations",
            json={"email": "outsider@example.com", "role": "viewer"},
            headers=w.auth("owner"),
        ),
        201,
    )
    token = link_in(smtp_server.messages[-1], "/invitations/accept")
    before = snapshot(engine)
    body = {"token": token}
    wrong = client.post(f"{API}/invitations/accept", json=body, headers=w.auth("editor"))
    assert_problem(wrong, 403)
    assert_unchanged(before, engine)
    joined = ok(
        client.post(f"{API}/invitations/accept", json=body, headers=w.auth("outsider")), 201
    )
    assert joined["organization_id"] == w.business_id and joined["role"] == "viewer"


def test_a_password_reset_sets_the_password_and_ends_the_sessions(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, _world = api
    unknown = ok(client.post(f"{API}/password/forgot", json={"email": "nobody@example.org"}), 202)
    assert smtp_server.messages == []
    known = ok(client.post(f"{API}/password/forgot", json={"email": "owner@example.com"}), 202)
    assert known == unknown
    first = link_in(smtp_server.messages[-1], "/password/reset")
    ok(client.post(f"{API}/password/forgot", json={"email": "owner@example.com"}), 202)
    token = link_in(smtp_server.messages[-1], "/password/reset")
    sign_in(client, "owner@example.com")
    before = snapshot(engine)
    # Asking again made the first link stop working.
    old = client.post(
        f"{API}/password/reset", json={"token": first, "password": "another-password"}
    )
    assert_problem(old, 422, "token")
    short = client.post(f"{API}/password/reset", json={"token": token, "password": "short"})
    assert_problem(short, 422, "password")
    assert_unchanged(before, engine)
    ok(
        client.post(f"{API}/password/reset", json={"token": token, "password": "another-password"}),
        204,
    )
    with engine.connect() as connection:
        open_sessions = connection.scalar(
            select(func.count()).select_from(WebSession).where(WebSession.ended_at.is_(None))
        )
    assert open_sessions == 0
    assert client.get("/account", follow_redirects=False).status_code != 200
    sign_in(client, "owner@example.com", "another-password")


def test_an_address_changes_once_the_new_one_confirms_and_the_old_one_is_told(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, world = api
    headers = world.auth("viewer")
    taken = client.post(f"{API}/me/email", json={"new_email": "owner@example.com"}, headers=headers)
    assert_problem(taken, 422, "new_email")
    ok(client.post(f"{API}/me/email", json={"new_email": "Mine@Example.org"}, headers=headers), 202)
    [mail] = smtp_server.messages
    assert mail["To"] == "mine@example.org"
    with engine.connect() as connection:
        email = select(User.email).where(User.id == world.user_ids["viewer"])
        assert connection.scalar(email) == "viewer@example.com"
    token = link_in(mail, "/account/email/confirm")
    ok(client.post(f"{API}/me/email/confirm", json={"token": token}))
    with engine.connect() as connection:
        assert connection.scalar(email) == "mine@example.org"
    notice = smtp_server.messages[-1]
    assert notice["To"] == "viewer@example.com" and "mine@example.org" in notice.get_content()


def test_an_unverified_account_acts_for_no_organization(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, world = api
    ok(sign_up(client, "ana@example.org"), 202)
    ok(
        client.post(
            f"{API}/organizations/{world.business_id}/members",
            json={"email": "ana@example.org", "role": "owner"},
            headers=world.auth("owner"),
        ),
        201,
    )
    uow = UnitOfWork(make_session_factory(engine))
    user_id = get_user_by_email(uow, "ana@example.org").id
    with uow:
        assert principal_for_user(uow.session, user_id).roles == {}
    with pytest.raises(Forbidden):
        create_organization(
            uow,
            Principal(user_id=user_id),
            OrganizationCreate(slug="ana", name="Ana", kind="community"),
        )
    verify_email(uow, link_in(smtp_server.messages[-1], "/verify-email"))
    with uow:
        assert principal_for_user(uow.session, user_id).roles == {world.business_id: Role.owner}


def test_a_japanese_reader_gets_the_mail_in_japanese(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp
) -> None:
    client, _world = api
    ok(
        client.post(
            f"{API}/signup",
            json={"email": "hana@example.jp", "name": "Hana", "password": PASSWORD},
            headers={"Accept-Language": "ja"},
        ),
        202,
    )
    [mail] = smtp_server.messages
    assert mail["Subject"] == "メールアドレスの確認"
    assert "24 時間" in mail.get_content()


def test_a_mail_that_cannot_be_sent_is_said_and_asking_again_works(
    database_url: str, engine: Engine, world: Any, smtp_server: LocalSmtp
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = probe.getsockname()[1]
    down = make_client(database_url, smtp_url=f"smtp://127.0.0.1:{nobody}", signup="open")
    assert_problem(sign_up(down, "ana@example.org"), 503)
    up = make_client(database_url, smtp_url=smtp_server.url, public_url=SITE, signup="open")
    ok(up.post(f"{API}/password/forgot", json={"email": "ana@example.org"}), 202)
    token = link_in(smtp_server.messages[-1], "/password/reset")
    ok(up.post(f"{API}/password/reset", json={"token": token, "password": "another-password"}), 204)


def test_without_an_smtp_server_the_mails_are_in_the_folder(
    database_url: str, engine: Engine, world: Any, tmp_path: Path
) -> None:
    client = make_client(database_url, mail_dir=tmp_path, public_url=SITE, signup="open")
    ok(sign_up(client, "ana@example.org"), 202)
    [path] = mails_in(tmp_path)
    assert f"{SITE}/verify-email?token=" in path.read_text()


# ---------------------------------------------------------------- the pages


def path_of(message: EmailMessage, path: str) -> str:
    """The link to ``path`` in a received mail, as a path on the site."""
    return f"{path}?{urlencode({'token': link_in(message, path)})}"


def test_the_pages_sign_up_confirm_and_reset_a_password(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    client, _world = api
    page = client.get("/login")
    assert 'href="/signup"' in page.text and 'href="/password/forgot"' in page.text
    short = post_form(
        client, "/signup", "/signup", {"email": "ana@example.org", "name": "Ana", "password": "x"}
    )
    assert short.status_code == 422 and field_error(short, "password")
    signed_up = post_form(
        client,
        "/signup",
        "/signup",
        {"email": "ana@example.org", "name": "Ana", "password": PASSWORD},
    )
    assert signed_up.status_code == 303
    confirm = path_of(smtp_server.messages[-1], "/verify-email")
    question = client.get(confirm)
    assert "ana@example.org" in question.text
    # Opening the link used nothing: the button does.
    token = link_in(smtp_server.messages[-1], "/verify-email")
    assert post_form(client, confirm, "/verify-email", {"token": token}).status_code == 303
    with engine.connect() as connection:
        verified = select(User.email_verified_at).where(User.email == "ana@example.org")
        assert connection.scalar(verified)
    assert client.get(confirm).status_code == 422

    asked = post_form(client, "/password/forgot", "/password/forgot", {"email": "ana@example.org"})
    assert asked.status_code == 303
    reset = path_of(smtp_server.messages[-1], "/password/reset")
    assert 'type="password"' in client.get(reset).text
    assert post_form(client, reset, reset, {"password": "a-new-password"}).status_code == 303
    sign_in(client, "ana@example.org", "a-new-password")
    assert client.get(reset).status_code == 422


def test_adding_a_member_without_an_account_sends_an_invitation(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    _client, world = api
    owner = web_sign_in(world, "owner")
    members = f"/organizations/{world.business_id}/members"
    sent = post_form(owner, members, members, {"email": "new@example.org", "role": "reviewer"})
    assert sent.status_code == 303
    [mail] = smtp_server.messages
    accept = path_of(mail, "/invitations/accept")
    stranger = browser(world)
    to_signup = stranger.get(accept, follow_redirects=False)
    assert to_signup.status_code == 303 and to_signup.headers["location"].startswith("/signup?")
    form = stranger.get(to_signup.headers["location"])
    assert 'value="new@example.org"' in form.text
    created = post_form(
        stranger,
        to_signup.headers["location"],
        to_signup.headers["location"],
        {"email": "new@example.org", "name": "New", "password": PASSWORD},
    )
    assert created.status_code == 303
    with engine.connect() as connection:
        role = connection.scalar(
            select(Membership.role).join(User).where(User.email == "new@example.org")
        )
    assert role == "reviewer"


def test_the_account_page_changes_the_address_through_a_link(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine
) -> None:
    _client, world = api
    viewer = web_sign_in(world, "viewer")
    assert 'href="/account/email"' in viewer.get("/account").text
    asked = post_form(viewer, "/account/email", "/account/email", {"new_email": "v@example.org"})
    assert asked.status_code == 303
    confirm = path_of(smtp_server.messages[-1], "/account/email/confirm")
    token = link_in(smtp_server.messages[-1], "/account/email/confirm")
    done = post_form(viewer, confirm, "/account/email/confirm", {"token": token})
    assert done.status_code == 303
    with engine.connect() as connection:
        email = select(User.email).where(User.id == world.user_ids["viewer"])
        assert connection.scalar(email) == "v@example.org"


def test_a_japanese_user_is_mailed_in_japanese_whatever_the_request_asks(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp
) -> None:
    client, world = api
    chosen = client.patch(
        f"{API}/me/preferences", json={"language": "ja"}, headers=world.auth("viewer")
    )
    ok(chosen)
    english = {"Accept-Language": "en"}
    asked = client.post(
        f"{API}/password/forgot", json={"email": "viewer@example.com"}, headers=english
    )
    assert ok(asked, 202)["detail"].startswith("If an account")
    [mail] = smtp_server.messages
    assert mail["Subject"] == "パスワードの再設定"
    assert "1 時間以内" in mail.get_content()


def test_the_sign_up_page_is_closed_without_an_invitation(
    database_url: str, engine: Engine, world: Any
) -> None:
    client = make_client(database_url)
    assert client.get("/signup").status_code == 403
    assert 'href="/signup"' not in client.get("/login").text
    before = snapshot(engine)
    # Without the page's form too: the post is refused, and nothing is stored.
    refused = post_form(
        client, "/login", "/signup", {"email": "a@example.org", "name": "A", "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert_unchanged(before, engine)


@pytest.mark.parametrize("email", ["owner@example.com", "nobody@example.org"])
def test_asking_for_many_reset_links_waits_alike_for_known_and_unknown_addresses(
    api: tuple[TestClient, ApiWorld], smtp_server: LocalSmtp, engine: Engine, email: str
) -> None:
    client, _ = api
    with clock.frozen_at(datetime.now(UTC)):
        for _ in range(4):
            ok(client.post(f"{API}/password/forgot", json={"email": email}), 202)
        before = snapshot(engine)
        waiting = client.post(f"{API}/password/forgot", json={"email": email})
        assert_problem(waiting, 429)
        assert waiting.headers["Retry-After"] == "1"
        assert_unchanged(before, engine)
    # Another address is not held up.
    ok(client.post(f"{API}/password/forgot", json={"email": "other@example.org"}), 202)
