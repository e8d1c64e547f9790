"""Every response carries the security headers: each route of the app (pages,
the API, static files, the docs, the health check) and every kind of error,
with and without AGILEGOV_HTTPS; with it, HSTS too and every cookie is Secure."""

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from starlette.routing import Mount

from agilegov.web.headers import secure_cookie
from api_helpers import API, PASSWORD, World, assert_problem, make_client, names_for
from web_helpers import csrf_of

HSTS = "max-age=63072000; includeSubDomains"
EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def assert_secured(response: Response, https: bool) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, where
    assert "unsafe-inline" not in policy, where
    assert "camera=()" in headers.get("permissions-policy", ""), where
    assert headers.get("strict-transport-security") == (HSTS if https else None), where


@pytest.fixture(params=[False, True], ids=["http", "https"])
def site(request: pytest.FixtureRequest, shared: World) -> Iterator[World]:
    """The shared world's database served with AGILEGOV_HTTPS off or on."""
    url = shared.engine.url.render_as_string(hide_password=False)
    client = make_client(url, https=request.param)
    with client:
        yield replace(shared, client=client)


def _https(site: World) -> bool:
    return site.client.app.state.settings.https


def _filled(path: str, names: dict[str, object]) -> str:
    """``path`` with each parameter replaced by a real id of the shared world
    (an item's by the kind its list names)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        kind = before.removesuffix("s").replace("-", "_")
        found = {
            "scope_id": names["scope"],
            "organization_id": names["business"],
            "membership_id": names["membership"],
            "item_id": names.get(kind, 1),
            "kind": "goals",
            "index": 0,
        }.get(name, 1)
        return str(found)

    return re.sub(r"{([^}]+)}", value, path)


def test_every_route_answers_with_the_headers(site: World) -> None:
    names = names_for(site)
    owner = site.auth("owner")
    routes = list(iter_route_contexts(site.client.app.routes))
    assert len(routes) > 200
    answered = 0
    for route in routes:
        if isinstance(route.route, Mount):
            assert_secured(site.client.get(f"{route.path}/app.css"), _https(site))
            answered += 1
            continue
        path = _filled(route.path, names)
        for method in sorted(route.methods - {"HEAD"}):
            # Reads as the owner; changes unauthenticated and empty, so refused.
            if method == "GET":
                response = site.client.get(path, headers=owner, follow_redirects=False)
            else:
                response = site.client.request(method, path, follow_redirects=False)
            assert response.status_code < 500, f"{method} {path}: {response.text[:200]}"
            assert_secured(response, _https(site))
            answered += 1
    assert answered >= len(routes)


def test_errors_carry_the_headers(site: World) -> None:
    client, https = site.client, _https(site)
    limit = client.app.state.settings.max_body_bytes
    answers = [
        (404, client.get(f"{API}/no-such-thing")),
        (404, client.get("/no-such-page")),
        (404, client.get("/static/no-such-file.css")),
        (405, client.delete("/healthz")),
        (401, client.get(f"{API}/me")),
        (422, client.get(f"{API}/scopes?limit=x")),
        (
            413,
            client.post(
                f"{API}/scopes", content=b"x" * (limit + 1), headers={"Content-Type": "text/plain"}
            ),
        ),
        (
            413,
            client.post(
                f"{API}/scopes",
                content=iter([b"x" * 65536] * (limit // 65536 + 2)),
                headers={**site.auth("owner"), "Content-Type": "application/json"},
            ),
        ),
    ]
    for status, response in answers:
        assert response.status_code == status, response.request.url
        assert_secured(response, https)
    assert "content-length" not in answers[-1][1].request.headers
    assert_problem(answers[-1][1], 413)


def test_a_server_error_carries_the_headers(shared: World) -> None:
    for https in (False, True):
        client = make_client(shared.engine.url.render_as_string(hide_password=False), https=https)

        @client.app.get("/fails")
        def fails() -> None:
            raise RuntimeError("a bug")

        with client:
            response = client.get("/fails")
        assert response.status_code == 500
        assert_secured(response, https)


def test_the_docs_and_the_api_document_carry_the_headers(site: World) -> None:
    for path in (f"{API}/docs", f"{API}/openapi.json", "/healthz", "/login", "/"):
        response = site.client.get(path)
        assert response.status_code == 200, path
        assert_secured(response, _https(site))


# ---------------------------------------------------------------- cookies


def _cookies(response: Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def test_cookies_are_secure_with_https(shared: World) -> None:
    url = shared.engine.url.render_as_string(hide_password=False)
    # Served over https behind a proxy that says nothing: the setting alone decides.
    client = make_client(url, https=True)
    with client:
        page = client.get("/login")
        _keep_over_http(client)
        signed_in = client.post(
            "/login",
            data={
                "email": "viewer@example.com",
                "password": PASSWORD,
                "csrf_token": csrf_of(page),
            },
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        _keep_over_http(client)
        left = client.post(
            "/logout", data={"csrf_token": csrf_of(client.get("/"))}, follow_redirects=False
        )
        assert left.status_code == 303, left.text
    cookies = _cookies(page) + _cookies(signed_in) + _cookies(left)
    names = {cookie.split("=")[0] for cookie in cookies}
    assert names == {"agilegov_visit", "agilegov_session"}, cookies
    assert all(secure_cookie(cookie) == cookie for cookie in cookies), cookies


def _keep_over_http(client: TestClient) -> None:
    """The client's cookies, kept without their Secure flag: the test client
    speaks http and would not send them back otherwise."""
    kept = {cookie.name: cookie.value for cookie in client.cookies.jar}
    client.cookies.clear()
    for name, value in kept.items():
        client.cookies.set(name, value)


def test_cookies_are_not_secure_over_plain_http_without_the_setting(shared: World) -> None:
    cookies = _cookies(shared.client.get("/login"))
    assert cookies and not any("secure" in c.lower() for c in cookies)


def test_secure_cookie() -> None:
    assert secure_cookie("a=1; Path=/") == "a=1; Path=/; Secure"
    assert secure_cookie("a=1; Path=/; secure") == "a=1; Path=/; secure"
    assert secure_cookie("secure=1") == "secure=1; Secure"
