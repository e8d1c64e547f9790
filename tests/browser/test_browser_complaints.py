"""A complaint in the browser: a visitor without an account files one about a
published scope from its complaints tab, keeps the follow link shown once,
follows the complaint by it, and sees the provider's acknowledgement and the
next deadline."""

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, StorageState, expect

from browser.browsing import (
    BROWSER_LOCALE,
    TALENTBRIDGE_SCOPE,
    Site,
    assert_accessible,
    field,
    snap,
)


def test_a_visitor_files_a_complaint_and_follows_it(
    open_context: Callable[..., BrowserContext], site: Site, lead_state: StorageState
) -> None:
    # The axe checks inject a script, which the pages' own CSP would refuse.
    visitor = open_context(bypass_csp=True).new_page()
    visitor.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/complaints")
    visitor.get_by_role("link", name="File a complaint").click()
    expect(visitor).to_have_url(re.compile(f"/scopes/{TALENTBRIDGE_SCOPE}/complaints/new$"))
    expect(visitor.get_by_text("it is the only way to follow your complaint")).to_be_visible()
    field(visitor, "Category").select_option("decision")
    field(visitor, "What happened").fill("The screening model rejected me within a minute.")
    field(visitor, "Remedy sought").fill("A person to review my application.")
    assert_accessible(visitor, "the filing form")
    snap(visitor, "complaint-form")
    visitor.get_by_role("button", name="File the complaint").click()

    expect(
        visitor.get_by_text("Keep this link: it is the only way to follow your complaint.")
    ).to_be_visible()
    link = visitor.locator("#follow-link")
    follow = str(link.get_attribute("href"))
    assert re.fullmatch(r"/complaints/follow/agr_[A-Za-z0-9_-]{20,}", follow), follow
    snap(visitor, "complaint-filed")
    visitor.get_by_role("link", name="Follow your complaint").click()
    heading = visitor.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Complaint #\d+"))
    number = re.search(r"#(\d+)", heading.inner_text()).group(1)  # type: ignore[union-attr]
    expect(visitor.locator("dd").filter(has_text="business days")).not_to_have_count(0)
    assert_accessible(visitor, "a followed complaint")

    # The provider's lead acknowledges it through its form.
    provider = open_context(storage_state=lead_state).new_page()
    provider.goto(f"/complaints/{number}")
    provider.get_by_role("textbox", name="Note").first.fill("Received; a person will look at it.")
    provider.get_by_role("button", name="Acknowledge").click()
    expect(provider.locator("p.notice[role=status]")).to_contain_text(f"Complaint #{number}")

    provider.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/complaints")
    expect(provider.get_by_role("heading", name="ADR route")).to_be_visible()
    snap(provider, "complaints-tab")

    visitor.goto(follow)
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Acknowledged")
    expect(visitor.get_by_text("Received; a person will look at it.")).to_be_visible()
    snap(visitor, "complaint-followed")

    # In Japanese, as a browser set to it asks.
    japanese = open_context(locale=BROWSER_LOCALE["ja"]).new_page()
    japanese.goto(follow)
    expect(japanese.get_by_role("heading", level=1)).to_contain_text(f"苦情 #{number}")
    expect(japanese.get_by_text("いまの段階")).to_be_visible()
    snap(japanese, "complaint-followed-ja")
