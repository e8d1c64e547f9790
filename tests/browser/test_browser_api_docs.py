"""The API's docs page (the vendored Swagger UI) works under the site's
Content-Security-Policy: its operations are listed and nothing is refused."""

import base64
import hashlib
import re

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, expect

from browser.browsing import Site


def test_the_api_docs_list_the_operations_with_no_csp_violation(context: BrowserContext) -> None:
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: _keep(messages, message))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    # The whole API's document is read and drawn first: slow on a busy machine.
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=30_000)
    # Swagger UI draws what is in view: scroll down to an operation further on.
    upload = page.locator(".opblock-summary-path", has_text="/consultations/import")
    for _ in range(100):
        if upload.count():
            break
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(50)
    expect(upload).to_be_visible()
    assert messages == []


def test_the_policy_allows_exactly_the_docs_inline_script(site: Site) -> None:
    answer = httpx.get(f"{site.url}/api/v1/docs")
    scripts = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = answer.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def _keep(messages: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        messages.append(f"{message.type}: {message.text}")
