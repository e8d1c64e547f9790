"""A consultation in the browser: a visitor votes one statement at a time under a
pseudonym and finds their votes again; anyone reads what was heard and done."""

import re

from playwright.sync_api import BrowserContext, expect

from browser.browsing import TALENTBRIDGE_SCOPE, Site, snap


def _consultation(site: Site) -> int:
    with site.api() as api:
        listed = api.get(f"/scopes/{TALENTBRIDGE_SCOPE}/consultations").json()
    return int(listed[0]["id"])


def _votes(site: Site, consultation: int) -> int:
    with site.api() as api:
        statements = api.get(f"/consultations/{consultation}/statements").json()
    return sum(s["agrees"] + s["disagrees"] + s["passes"] for s in statements)


def test_a_visitor_votes_statement_by_statement(context: BrowserContext, site: Site) -> None:
    consultation = _consultation(site)
    before = _votes(site, consultation)
    page = context.new_page()
    page.goto(f"/consultations/{consultation}")
    page.get_by_role("link", name="Vote", exact=True).click()
    expect(page).to_have_url(re.compile(f"/consultations/{consultation}/vote$"))
    seen = []
    for choice in ("Agree", "Disagree", "Pass / unsure"):
        heading = page.get_by_role("heading", name=re.compile(r"^Statement #\d+$"))
        expect(heading).to_be_visible()
        number = heading.inner_text()
        assert number not in seen, f"{number} was shown twice"
        seen.append(number)
        snap(page, f"vote-{len(seen)}")
        page.get_by_role("button", name=choice, exact=True).click()
        # Exact: "Statement #1" must not match the next one, "Statement #12".
        expect(page.get_by_role("heading", name=number, exact=True)).to_have_count(0)
    assert _votes(site, consultation) == before + 3
    page.get_by_role("link", name="Your input").click()
    expect(page.get_by_role("heading", name="Your votes")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="disagree")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"You take part as Participant \d+"))).to_be_visible()
    snap(page, "vote-mine")


def test_anyone_reads_what_was_heard_and_what_was_done(context: BrowserContext, site: Site) -> None:
    consultation = _consultation(site)
    page = context.new_page()
    page.goto(f"/consultations/{consultation}")
    page.get_by_role("link", name="What we heard and what we did").click()
    expect(page).to_have_url(re.compile(f"/consultations/{consultation}/responses$"))
    expect(page.get_by_role("heading", name="What the opinion groups stand for")).to_be_visible()
    # The opinion groups, each with what sets it apart.
    groups = page.get_by_role("heading", name=re.compile(r"^Group [A-E] \(\d+ people\)$"))
    assert groups.count() >= 2
    # The community's comment, answered, with the version it changed.
    answered = page.locator("tr, article").filter(has_text="Thirty days is too short")
    expect(answered.locator(".badge")).to_have_text("partly")
    expect(answered).to_contain_text("Reviewers can now overturn a ranking")
    # The spam is not repeated; only why it was hidden.
    expect(page.get_by_text("Earn money from home")).to_have_count(0)
    expect(page.get_by_text("Advertising, not about the draft")).to_be_visible()
    snap(page, "responses")
    answered.get_by_role("link", name=re.compile(r"^measure #\d+, version \d+$")).click()
    expect(page).to_have_url(re.compile(r"/measures/\d+/versions$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Versions of measure"))
