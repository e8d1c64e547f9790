"""What a person sees after using a page's form, through HTTP on SQLite and
PostgreSQL, in English and Japanese: a message saying what was done, shown
once; the form again (never "Method not allowed") when the address a form
was sent to is reloaded; and a question before anything irreversible, asked
by a page when no script asks it, with nothing changed until it is answered."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agilegov.analysis.models import Risk
from agilegov.i18n import lazy
from agilegov.web.render import FLASH_COOKIE, flash_cookie, read_flash
from api_helpers import World, assert_unchanged, snapshot
from web_helpers import csrf_of, post_form, sign_in

JAPANESE = {"Accept-Language": "ja"}
RISK = {
    "title": "Unfair rejections",
    "inherent_likelihood": "3",
    "inherent_severity": "4",
    "residual_likelihood": "2",
    "residual_severity": "4",
    "treatment": "mitigate",
}


def _status(page_text: str) -> str:
    """The text of the page's status message, or '' when it shows none."""
    start = page_text.find('role="status">')
    if start < 0:
        return ""
    return page_text[start + len('role="status">') :].split("</p>", 1)[0]


def _client(world: World, who: str, language: str) -> TestClient:
    client = sign_in(world, who)
    if language == "ja":
        client.headers.update(JAPANESE)
    return client


def _new_scope(world: World, client: TestClient) -> str:
    created = post_form(
        client,
        "/scopes/new",
        "/scopes",
        {"organization_id": str(world.business_id), "name": "Loan screening", "kind": "service"},
    )
    assert created.status_code == 303
    return str(created.headers["location"])


@pytest.mark.parametrize(
    ("language", "created", "saved", "deleted", "moved"),
    [
        ("en", "Risk #{id} created", "Risk #{id} saved", "Risk #{id} deleted", "moved to Goals"),
        (
            "ja",
            "リスク #{id} を作成しました",
            "リスク #{id} を保存しました",
            "リスク #{id} を削除しました",
            "サイクルがゴール設定に進みました",
        ),
    ],
)
def test_every_change_says_what_was_done_once(
    shared: World, language: str, created: str, saved: str, deleted: str, moved: str
) -> None:
    client = _client(shared, "owner", language)
    scope = _new_scope(shared, client)
    answer = post_form(client, f"{scope}/risks/new", f"{scope}/risks", RISK)
    assert answer.status_code == 303 and FLASH_COOKIE in answer.headers["set-cookie"]
    item = answer.headers["location"]
    risk_id = item.rsplit("/", 1)[1]
    shown = client.get(item)
    assert _status(shown.text) == created.format(id=risk_id)
    # Once: the page after it says nothing.
    assert FLASH_COOKIE not in client.cookies
    assert _status(client.get(item).text) == ""

    post_form(client, item, item, {**RISK, "residual_severity": "3"})
    assert _status(client.get(item).text) == saved.format(id=risk_id)

    post_form(client, item, f"{item}/delete", {"confirmed": "yes"})
    assert _status(client.get(f"{scope}/risks").text) == deleted.format(id=risk_id)

    post_form(client, scope, f"{scope}/cycle/transitions", {"to": "goals", "reason": "done"})
    assert moved in _status(client.get(scope).text)


def test_a_refused_form_leaves_no_message(shared: World) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]["id"]
    page = post_form(client, f"/scopes/{scope}/risks/new", f"/scopes/{scope}/risks", {})
    assert page.status_code == 422
    assert FLASH_COOKIE not in page.headers.get("set-cookie", "")
    assert _status(page.text) == ""


def test_a_message_cookie_shows_only_texts_the_pages_say() -> None:
    message = lazy("%(kind)s #%(id)s saved", kind=lazy("Risk"), id=7)
    assert str(read_flash(flash_cookie(message))) == "Risk #7 saved"
    made_up = flash_cookie(lazy("Your account is locked: call %(n)s", n="555"))
    unfilled = flash_cookie(lazy("%(kind)s #%(id)s saved", kind="Risk"))
    for cookie in (made_up, "not base64!", unfilled, ""):
        assert read_flash(cookie) is None


@pytest.mark.parametrize("language", ["en", "ja"])
def test_reloading_where_a_form_was_sent_shows_the_form(shared: World, language: str) -> None:
    client = _client(shared, "editor", language)
    scope = shared.scopes["private"]["id"]
    risk = shared.scopes["private"]["ids"]["risk"]
    for sent_to, form_at in (
        (f"/scopes/{scope}/cycle/transitions", f"/scopes/{scope}"),
        (f"/scopes/{scope}/risks/{risk}/delete", f"/scopes/{scope}/risks/{risk}"),
        ("/account/tokens", "/account"),
    ):
        reloaded = client.get(sent_to, follow_redirects=False)
        assert reloaded.status_code == 303, sent_to
        assert reloaded.headers["location"] == form_at
        page = client.get(sent_to)
        assert page.status_code == 200
        assert "Method not allowed" not in page.text
    # The API still says which methods a path has.
    api = client.get(f"/api/v1/scopes/{scope}/cycle/transitions/1")
    assert api.status_code in (404, 405)


@pytest.mark.parametrize(
    ("language", "question", "button"),
    [("en", "Delete risk #{id}?", "Delete"), ("ja", "リスク #{id} を削除しますか\uff1f", "削除")],
)
def test_a_delete_without_its_answer_asks_first_and_changes_nothing(
    shared: World, language: str, question: str, button: str
) -> None:
    client = _client(shared, "editor", language)
    scope = shared.scopes["private"]["id"]
    risk = shared.scopes["private"]["ids"]["risk"]
    item = f"/scopes/{scope}/risks/{risk}"
    before = snapshot(shared.engine)
    asked = post_form(client, item, f"{item}/delete", {})
    assert asked.status_code == 200
    assert f"<h1>{question.format(id=risk)}</h1>" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert f'action="{item}/delete"' in asked.text and f'href="{item}"' in asked.text
    assert f">{button}</button>" in asked.text
    assert_unchanged(before, shared.engine)
    # With scripts, the button's dialog asks and its answer comes with the form.
    page = client.get(item)
    assert "hx-confirm=" in page.text and 'hx-vals=\'{"confirmed": "yes"}\'' in page.text


def test_a_viewer_is_not_even_asked(shared: World) -> None:
    client = sign_in(shared, "viewer")
    scope = shared.scopes["private"]["id"]
    risk = shared.scopes["private"]["ids"]["risk"]
    token = csrf_of(client.get(f"/scopes/{scope}"))
    response = client.post(f"/scopes/{scope}/risks/{risk}/delete", data={"csrf_token": token})
    assert response.status_code == 403


def test_the_answered_question_deletes(shared: World) -> None:
    client = sign_in(shared, "owner")
    scope = _new_scope(shared, client)
    item = post_form(client, f"{scope}/risks/new", f"{scope}/risks", RISK).headers["location"]
    asked = post_form(client, item, f"{item}/delete", {})
    token = csrf_of(asked)
    done = client.post(
        f"{item}/delete", data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    with Session(shared.engine) as session:
        assert session.get(Risk, int(item.rsplit("/", 1)[1])) is None


@pytest.mark.parametrize(
    ("language", "question", "revoked"),
    [
        ("en", "Revoke token #{id}?", "Token #{id} revoked"),
        ("ja", "トークン #{id} を失効させますか\uff1f", "トークン #{id} を失効させました"),
    ],
)
def test_a_token_is_revoked_once_the_question_is_answered(
    shared: World, language: str, question: str, revoked: str
) -> None:
    client = _client(shared, "reviewer", language)
    assert post_form(client, "/account", "/account/tokens", {"name": "nightly"}).status_code == 201
    found = re.findall(r'action="/account/tokens/(\d+)/revoke"', client.get("/account").text)
    token_id = found[-1]
    action = f"/account/tokens/{token_id}/revoke"
    before = snapshot(shared.engine)
    asked = post_form(client, "/account", action, {})
    assert asked.status_code == 200
    assert f"<h1>{question.format(id=token_id)}</h1>" in asked.text
    assert_unchanged(before, shared.engine)
    done = post_form(client, "/account", action, {"confirmed": "yes"})
    assert done.status_code == 303
    assert _status(client.get("/account").text) == revoked.format(id=token_id)


@pytest.mark.parametrize(
    ("language", "question", "deleted"),
    [
        ("en", "Delete webhook #{id}?", "Webhook #{id} deleted"),
        ("ja", "Webhook #{id} を削除しますか\uff1f", "Webhook #{id} を削除しました"),
    ],
)
def test_a_webhook_is_deleted_once_the_question_is_answered(
    shared: World, language: str, question: str, deleted: str
) -> None:
    listing = f"/organizations/{shared.business_id}/webhooks"
    created = shared.client.post(
        f"/api/v1{listing}",
        json={"url": "https://hooks.example.com/in"},
        headers=shared.auth("owner"),
    )
    assert created.status_code == 201, created.text
    hook = created.json()["id"]
    client = _client(shared, "owner", language)
    action = f"{listing}/{hook}/delete"
    before = snapshot(shared.engine)
    asked = post_form(client, listing, action, {})
    assert asked.status_code == 200
    assert f"<h1>{question.format(id=hook)}</h1>" in asked.text
    assert_unchanged(before, shared.engine)
    done = post_form(client, listing, action, {"confirmed": "yes"})
    assert done.status_code == 303
    assert _status(client.get(listing).text) == deleted.format(id=hook)
