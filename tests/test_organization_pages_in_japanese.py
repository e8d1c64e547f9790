"""The pages of organizations, the record and notifications in Japanese for a
browser that asks for it, on SQLite and PostgreSQL: headings, the kinds and
roles, the refusals of a form, and the record's verification."""

from fastapi.testclient import TestClient

from api_helpers import World
from web_helpers import browser, csrf_of, sign_in

JAPANESE = {"Accept-Language": "ja"}


def _in_japanese(client: TestClient) -> TestClient:
    client.headers.update(JAPANESE)
    return client


def test_organizations_their_kinds_and_the_visitors_role(shared: World) -> None:
    owner = _in_japanese(sign_in(shared, "owner"))
    listing = owner.get("/organizations")
    assert "<h1>組織</h1>" in listing.text
    assert "<td>企業</td>" in listing.text and "<td>行政機関</td>" in listing.text
    profile = owner.get(f"/organizations/{shared.business_id}")
    assert "あなたの役割" in profile.text and "オーナー</span>" in profile.text
    assert "公開しているゴールと要件" in profile.text and "(高いほど良い)" in profile.text
    members = owner.get(f"/organizations/{shared.business_id}/members")
    assert "<td>閲覧者</td>" in members.text and "メンバーの追加" in members.text
    assert "のメンバーから外しますか" in members.text


def test_the_sign_in_form_refuses_in_japanese(shared: World) -> None:
    client = _in_japanese(browser(shared))
    form = client.get("/login")
    assert "<h1>ログイン</h1>" in form.text
    page = client.post(
        "/login",
        data={"email": "owner@example.com", "password": "", "csrf_token": csrf_of(form)},
    )
    assert page.status_code == 422
    assert "パスワードを入力してください。" in page.text


def test_the_record_lookup_in_japanese(shared: World) -> None:
    client = _in_japanese(browser(shared))
    refused = client.get("/record", params={"index": "abc"})
    assert refused.status_code == 422
    assert "0以上の整数を入力してください。" in refused.text
    found = client.get("/record", params={"index": "0"})
    assert found.status_code == 200
    assert '<span class="verified">検証済み。</span>' in found.text
    assert "包含証明" in found.text


def test_notifications_and_webhooks_in_japanese(shared: World) -> None:
    owner = _in_japanese(sign_in(shared, "owner"))
    assert "<h1>通知</h1>" in owner.get("/notifications").text
    hooks = owner.get(f"/organizations/{shared.business_id}/webhooks")
    assert "Webhookの追加" in hooks.text and "のWebhook</h1>" in hooks.text


def test_a_browser_asking_for_english_still_gets_english(shared: World) -> None:
    page = browser(shared).get("/record", params={"index": "abc"})
    assert "Index: enter a whole number, 0 or more." in page.text
    assert "<h1>Organizations</h1>" in browser(shared).get("/organizations").text
