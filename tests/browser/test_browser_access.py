"""Who sees what: a viewer reads a scope but is offered no edit control and is
refused a write; a signed-out visitor reads what is published and is sent to
sign in (or told nothing exists) for the rest."""

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from browser.browsing import TALENTBRIDGE_SCOPE, VIEWER, Site, sign_in, snap

TABS = (
    "",
    "stakeholders",
    "conditions",
    "risks",
    "goals",
    "trade-offs",
    "allocations",
    "measures",
    "reviews",
    "history",
)
# What an editor is offered on the scope's pages and a viewer must not be.
EDIT_LINKS = re.compile(r"^(Add (a|an) |Edit scope$|New scope$|Open a trigger$|Record a review$)")
EDIT_BUTTONS = re.compile(r"^(Move the cycle|Save changes|Retire|Delete|Create )")


def _no_edit_controls(page: Page) -> None:
    expect(page.get_by_role("link", name=EDIT_LINKS)).to_have_count(0)
    expect(page.get_by_role("button", name=EDIT_BUTTONS)).to_have_count(0)
    expect(page.get_by_role("form", name="Move the cycle")).to_have_count(0)
    # Signing out and choosing the language are not edits.
    edits = "form[method=post]:not([action='/logout']):not([action='/language'])"
    expect(page.locator(edits)).to_have_count(0)


@pytest.fixture(scope="module")
def private_scope(site: Site) -> Iterator[tuple[int, str]]:
    """A scope TalentBridge has not published."""
    name = "Internal interview scheduling"
    with site.api() as api:
        created = api.post("/scopes", json={"organization_id": 1, "name": name, "kind": "service"})
    assert created.status_code == 201, created.text
    assert created.json()["visibility"] == "private"
    yield created.json()["id"], name


def test_a_viewer_sees_no_edit_controls_and_a_write_is_refused(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    sign_in(page, VIEWER, site.password(VIEWER))
    scope = TALENTBRIDGE_SCOPE
    for tab in TABS:
        response = page.goto(f"/scopes/{scope}/{tab}".rstrip("/"))
        assert response is not None and response.status == 200
        # The scope is shown (so what is missing is withheld, not an error page).
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("TalentBridge"))
        expect(page.locator("nav.tabs [aria-current=page]")).to_have_count(1)
        _no_edit_controls(page)
        snap(page, f"viewer-scope-{tab or 'overview'}")
    risk = site.first_id(scope, "risks")
    page.goto(f"/scopes/{scope}/risks/{risk}")
    expect(page.get_by_role("heading", name="As recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="Change it")).to_have_count(0)
    _no_edit_controls(page)
    snap(page, "viewer-risk")
    refused = page.goto(f"/scopes/{scope}/stakeholders/new")
    assert refused is not None and refused.status == 403
    snap(page, "viewer-form-refused")

    # A write with the viewer's own, valid CSRF token is refused for the role.
    page.goto(f"/scopes/{scope}/stakeholders")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    before = site.count(scope, "stakeholders")
    response = page.request.post(
        f"/scopes/{scope}/stakeholders",
        form={"csrf_token": token, "name": "Planted stakeholder", "category": "other"},
        max_redirects=0,
    )
    assert response.status == 403, response.status
    # Refused for the role, not for the token.
    assert "needs the editor role" in response.text()
    assert "form has expired" not in response.text()
    assert site.count(scope, "stakeholders") == before


def test_a_signed_out_visitor_reads_what_is_published_and_nothing_else(
    context: BrowserContext, site: Site, private_scope: tuple[int, str]
) -> None:
    private_id, private_name = private_scope
    page = context.new_page()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agile governance, on a verifiable record"
    )
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    published = page.get_by_role("table")
    expect(published.get_by_role("link", name=re.compile("TalentBridge Screening"))).to_be_visible()
    expect(published).not_to_contain_text(private_name)
    snap(page, "visitor-start")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Organizations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    # One published scope counted; the private one is not.
    talentbridge = page.get_by_role("row", name=re.compile("TalentBridge K.K."))
    expect(talentbridge.get_by_role("cell").last).to_have_text("1")
    snap(page, "visitor-organizations")
    page.get_by_role("link", name="TalentBridge K.K.").click()
    # The name, with its verification mark.
    expect(page.get_by_role("heading", level=1)).to_contain_text("TalentBridge K.K.")
    expect(page.get_by_role("heading", name="Published scopes")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(private_name)
    expect(page.get_by_role("link", name="New scope")).to_have_count(0)
    snap(page, "visitor-organization")

    page.get_by_role("link", name=re.compile("TalentBridge Screening")).first.click()
    expect(page).to_have_url(re.compile(rf"/scopes/{TALENTBRIDGE_SCOPE}$"))
    expect(page.get_by_role("img", name=re.compile("The double loop of"))).to_be_visible()
    _no_edit_controls(page)
    snap(page, "visitor-scope")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Record").click()
    expect(page.get_by_role("heading", name="Latest checkpoint")).to_be_visible()
    page.get_by_label("Entry index").fill("0")
    page.get_by_role("button", name="Look up and verify").click()
    expect(page).to_have_url(re.compile(r"/record\?index=0$"))
    # The lookup's status (the list of entries below has its own: how many it shows).
    expect(page.locator("#entry-heading ~ [role=status]")).to_contain_text("Verified.")
    snap(page, "visitor-record-0")

    # Private pages: sign in first; a private scope does not exist for a stranger.
    page.goto("/scopes/new")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert unquote(page.url).endswith("next=/scopes/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    snap(page, "visitor-new-scope")
    page.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/risks/new")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    for path in (f"/scopes/{private_id}", f"/scopes/{private_id}/goals"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_role("main")).not_to_contain_text(private_name)
    snap(page, "visitor-private-scope")
    # The dashboard's address shows a stranger the public start page.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agile governance, on a verifiable record"
    )
    expect(page.get_by_role("heading", name="Open triggers")).to_have_count(0)
