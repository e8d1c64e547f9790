"""Keyboard only: the first Tab stop is the skip link, which shows itself and
leads into the page; the sign-in form is filled and sent without a mouse."""

from playwright.sync_api import BrowserContext, expect

from browser.browsing import LEAD, Site, snap


def test_the_skip_link_comes_first_and_sign_in_works_by_keyboard(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto("/login")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    # Hidden off-screen until focused: a sighted keyboard user must see it.
    expect(skip).to_be_in_viewport()
    snap(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(LEAD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(site.password(LEAD))
    snap(page, "keyboard-sign-in")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    snap(page, "keyboard-signed-in")
