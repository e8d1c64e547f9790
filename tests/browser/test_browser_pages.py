"""Every kind of page, in Japanese and in English, passes axe-core with no
serious or critical violation, on a desk and on a 375 px phone, where the page
itself never scrolls sideways."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from browser.browsing import (
    DESK,
    NARROW,
    TALENTBRIDGE_SCOPE,
    Site,
    assert_accessible,
    assert_fits,
    snap,
)

SCOPE = f"/scopes/{TALENTBRIDGE_SCOPE}"


@dataclass(frozen=True)
class Shown:
    path: str  # {risk} and {goal} stand for items of the demo scope
    signed_in: bool = True  # as the governance lead, who is offered every control
    status: int = 200


PAGES = {
    "start": Shown("/", signed_in=False),
    "dashboard": Shown("/"),
    "organizations": Shown("/organizations"),
    "organization": Shown("/organizations/1"),
    "record": Shown("/record", signed_in=False),
    "record-lookup": Shown("/record?index=0", signed_in=False),
    "record-lookup-refused": Shown("/record?index=x", signed_in=False, status=422),
    "record-browsed": Shown("/record?q=scope&sort=index", signed_in=False),
    "assessments": Shown("/assessments"),
    "assessment": Shown("/assessments/{assessment}"),
    "assessment-published": Shown("/assessments/{assessment}", signed_in=False),
    "form-assessment": Shown(f"/assessments/new?scope_id={TALENTBRIDGE_SCOPE}"),
    "requirement-assurance": Shown("/goals/{requirement}/assurance", signed_in=False),
    "login": Shown("/login", signed_in=False),
    "error": Shown("/scopes/999999", signed_in=False, status=404),
    "scope-overview": Shown(SCOPE),
    "scope-published": Shown(SCOPE, signed_in=False),
    **{
        f"scope-{tab}": Shown(f"{SCOPE}/{tab}")
        for tab in (
            "stakeholders",
            "conditions",
            "risks",
            "goals",
            "indicators",
            "trade-offs",
            "allocations",
            "measures",
            "reviews",
            "consultations",
            "triggers",
            "history",
            "trust",
        )
    },
    "scope-trust-published": Shown(f"{SCOPE}/trust", signed_in=False),
    "scope-risks-searched": Shown(f"{SCOPE}/risks?q=a&treatment=mitigate&sort=-inherent"),
    "scope-measures-refused": Shown(f"{SCOPE}/measures?status=active&sort=x", status=400),
    "scope-goals-searched": Shown(f"{SCOPE}/goals?level=specific&sort=-title"),
    "form": Shown(f"{SCOPE}/risks/new"),
    "form-scope": Shown("/scopes/new"),
    "form-review": Shown(f"{SCOPE}/reviews/new"),
    "item": Shown(f"{SCOPE}/risks/{{risk}}"),
    "item-goal": Shown(f"{SCOPE}/goals/{{goal}}"),
    "versions": Shown(f"{SCOPE}/goals/{{goal}}/versions"),
    "indicator": Shown(f"{SCOPE}/indicators/{{indicator}}/monitoring"),
    "indicator-published": Shown(f"{SCOPE}/indicators/{{indicator}}/monitoring", signed_in=False),
    "account": Shown("/account"),
    "notifications": Shown("/notifications"),
    "members": Shown("/organizations/1/members"),
    "webhooks": Shown("/organizations/1/webhooks"),
    "scrape-targets": Shown(f"{SCOPE}/scrape-targets"),
    "observation-form": Shown(f"{SCOPE}/observations/new"),
    "consultation": Shown("/consultations/{consultation}"),
    "consultation-published": Shown("/consultations/{consultation}", signed_in=False),
    "consultation-vote": Shown("/consultations/{consultation}/vote", signed_in=False),
    "consultation-responses": Shown("/consultations/{consultation}/responses", signed_in=False),
    "consultation-mine": Shown("/consultations/{consultation}/mine"),
    "consultation-form": Shown(f"{SCOPE}/consultations/new"),
}


@pytest.fixture(scope="module")
def items(site: Site) -> dict[str, int]:
    """A risk of the demo scope, its goal with the most versions (to compare), the
    indicator of its latest breach episode (the chart with a band), its
    consultation, its assessment, and the requirement its goal adopts."""
    with site.api() as api:
        goals = api.get(f"/scopes/{TALENTBRIDGE_SCOPE}/goals", params={"limit": 500}).json()
        assessments = api.get("/assessments", params={"scope_id": TALENTBRIDGE_SCOPE}).json()
        consultations = api.get(f"/scopes/{TALENTBRIDGE_SCOPE}/consultations").json()
        episodes = api.get(f"/scopes/{TALENTBRIDGE_SCOPE}/breach-episodes").json()
    revised = max(goals["items"], key=lambda goal: goal["version"])
    assert revised["version"] > 1
    return {
        "risk": site.first_id(TALENTBRIDGE_SCOPE, "risks"),
        "goal": revised["id"],
        "indicator": episodes["items"][0]["indicator_id"],
        "consultation": consultations[0]["id"],
        "assessment": assessments["items"][0]["id"],
        "requirement": next(g["derives_from_id"] for g in goals["items"] if g["derives_from_id"]),
    }


# The browser's language (its Accept-Language), and what its pages then say.
LANGUAGES = {"ja": ("ja-JP", "ログアウト"), "en": ("en-GB", "Sign out")}


@pytest.fixture(scope="module")
def tabs(
    chromium: Browser, site: Site, lead_state: StorageState
) -> Iterator[dict[tuple[bool, str], Page]]:
    """A page signed out and one signed in as the lead, in each language, shared
    by the checks (a context per page would cost more than the checks themselves)."""
    contexts = {
        (signed_in, language): chromium.new_context(
            base_url=site.url,
            storage_state=lead_state if signed_in else None,
            locale=LANGUAGES[language][0],
            bypass_csp=True,  # axe is injected as an inline script
        )
        for signed_in in (False, True)
        for language in LANGUAGES
    }
    for context in contexts.values():
        context.set_default_timeout(10_000)
    yield {key: context.new_page() for key, context in contexts.items()}
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("name", list(PAGES), ids=list(PAGES))
def test_the_page_is_accessible_and_fits_a_phone(
    name: str, language: str, tabs: dict[tuple[bool, str], Page], items: dict[str, int]
) -> None:
    shown = PAGES[name]
    page = tabs[shown.signed_in, language]
    what = f"{name} ({language})"
    page.set_viewport_size(DESK)
    response = page.goto(shown.path.format(**items))
    assert response is not None and response.status == shown.status, response
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Signed in as meant: a lapsed session would check the wrong page.
    sign_out = LANGUAGES[language][1]
    expect(page.get_by_role("button", name=sign_out)).to_have_count(int(shown.signed_in))
    assert_accessible(page, what)
    snap(page, f"page-{name}-{language}")

    page.set_viewport_size(NARROW)
    assert_fits(page, what)
    assert_accessible(page, f"{what} at {NARROW['width']} px")
    snap(page, f"page-{name}-{language}-375")
