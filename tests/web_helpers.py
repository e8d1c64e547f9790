"""Helpers for the page tests: a browser-like client per person (its own
cookies), signing in through the sign-in form, and the CSRF token of a page."""

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from api_helpers import PASSWORD, World

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(page: Response) -> str:
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on the page {page.request.url}"
    return found.group(1)


def browser(world: World) -> TestClient:
    """A new client of the same app: its own cookie jar, as a second browser."""
    return TestClient(world.client.app, raise_server_exceptions=False)


def sign_in(world: World, who: str) -> TestClient:
    client = browser(world)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": f"{who}@example.com", "password": PASSWORD, "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, page_path: str, action: str, data: dict[str, Any]) -> Response:
    """Submit ``data`` to ``action`` as the form on ``page_path`` would, with its token."""
    token = csrf_of(client.get(page_path))
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def field_error(page: Response, field: str) -> str:
    """The error shown next to a field, or '' when there is none."""
    found = re.search(rf'<p class="error" id="error-{re.escape(field)}">([^<]*)</p>', page.text)
    return found.group(1) if found else ""
