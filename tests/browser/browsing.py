"""Helpers of the browser tests: who signs in, how, what the JSON API counts,
the accessibility and width checks, and the screenshots kept as artifacts."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, ViewportSize, expect

from agilegov import i18n, part
from agilegov.parts import PARTS  # noqa: F401 (installs the parts)
from agilegov.web.render import MESSAGES

LEAD = "lead@talentbridge.example.com"  # owner of TalentBridge
VIEWER = "clients@talentbridge.example.com"  # viewer of TalentBridge
TALENTBRIDGE_SCOPE = 2  # the demo's published TalentBridge scope
DESK: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 375, "height": 800}

BROWSER_LOCALE = {"ja": "ja-JP", "en": "en-GB"}
_CATALOGS = i18n.Catalogs()
_CATALOGS.load([MESSAGES, *part.message_folders()])


class Words:
    """The pages' words in one language: ``t("Risks")`` is what a page shows."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str, **values: Any) -> str:
        shown = _CATALOGS.gettext(self.language, text)
        assert self.language == "en" or shown != text, f"no Japanese for {text!r}"
        return shown % values if values else shown

    def stage(self, name: str) -> str:
        """A cycle stage's name, which reads apart from the noun it shares."""
        shown = _CATALOGS.pgettext(self.language, "stage", name)
        assert self.language == "en" or shown != name, f"no Japanese for the stage {name!r}"
        return shown


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Violations of these impacts fail a page; minor and moderate ones are reported only.
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Site:
    url: str
    database: Path
    accounts: dict[str, dict[str, str]]  # the demo's accounts by email

    def password(self, email: str) -> str:
        return self.accounts[email]["password"]

    def api(self, email: str = LEAD) -> httpx.Client:
        token = self.accounts[email]["token"]
        return httpx.Client(
            base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
        )

    def count(self, scope_id: int, kind: str) -> int:
        """How many ``kind`` the scope holds, as the JSON API says."""
        with self.api() as api:
            response = api.get(f"/scopes/{scope_id}/{kind}", params={"limit": 1})
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    def first_id(self, scope_id: int, kind: str) -> int:
        with self.api() as api:
            response = api.get(f"/scopes/{scope_id}/{kind}", params={"limit": 1})
        assert response.status_code == 200, response.text
        return int(response.json()["items"][0]["id"])


def artifacts() -> Path:
    folder = Path(os.environ.get("AGILEGOV_TEST_ARTIFACTS", "test-artifacts")) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(page: Page, name: str) -> None:
    """Keep a full-page screenshot, to see what a failing (or passing) run showed."""
    page.screenshot(path=artifacts() / f"{name}.png", full_page=True)


def field(where: Page | Locator, label: str) -> Locator:
    """The form control labelled ``label``; a required field's label reads "Label *"."""
    return where.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the form, as a person does."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (the context must
    bypass the page's CSP, which forbids the injected script)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )


def assert_accessible(page: Page, what: str) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    listed = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; at {', '.join(v['targets'][:8])}"
        for v in blocking
    )
    assert not blocking, f"{what} ({page.url}): serious/critical axe violations:\n{listed}"


def assert_fits(page: Page, what: str, width: int = NARROW["width"]) -> None:
    """The page itself never scrolls sideways (wide tables scroll in their own box)."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 6)
                .map(e => [e.tagName.toLowerCase(), ...e.classList].join("."))""",
            width,
        )
        raise AssertionError(
            f"{what} ({page.url}) is {scroll_width}px wide at {width}px; too wide: {wide}"
        )


def current_stage(page: Page) -> str:
    """The stage the drawn double loop lights (exactly one node is current)."""
    lit = page.locator("svg.loop g.node.current")
    expect(lit).to_have_count(1)
    expect(lit).to_have_attribute("aria-current", "step")
    expect(page.locator('svg.loop g.node[aria-current="step"]')).to_have_count(1)
    return str(lit.get_attribute("data-stage"))


def scope_id_of(page: Page) -> int:
    found = re.search(r"/scopes/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))
