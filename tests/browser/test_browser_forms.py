"""A form given a bad value says what is wrong next to that field, keeps what
was typed, and stores nothing: not the item, not an event on the record."""

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page, StorageState, expect

from browser.browsing import TALENTBRIDGE_SCOPE, Site, assert_accessible, field, snap


@dataclass(frozen=True)
class Refusal:
    kind: str  # the scope's list the form adds to
    fill: Callable[[Page], None]
    submit: str
    field: str  # the label of the field the error belongs to
    error: re.Pattern[str]
    kept: tuple[str, str]  # a label and the value it still shows


def _risk(page: Page) -> None:
    field(page, "Title").fill("Ranking leaks applicants' names")
    # The likelihood left unchosen: the scales are selects, 9 cannot be picked.
    field(page, "Inherent severity").select_option(label="3 — moderate")
    field(page, "Residual likelihood").select_option(label="2 — unlikely")
    field(page, "Residual severity").select_option(label="2 — minor")
    field(page, "Treatment").select_option(label="Mitigate")


def _goal(page: Page) -> None:
    field(page, "Title").fill("Every rejection names its reason")
    field(page, "Level").select_option(label="Specific")
    field(page, "Direction").select_option(label="Higher is better")


def _stakeholder(page: Page) -> None:
    field(page, "Name").fill("   ")
    field(page, "Category").select_option(label="Employee")
    field(page, "Interests").fill("Fair workload")


CASES = {
    "risk-without-likelihood": Refusal(
        "risks",
        _risk,
        "Create risk",
        "Inherent likelihood",
        re.compile("This field is required"),
        ("Title", "Ranking leaks applicants' names"),
    ),
    "specific-goal-without-acceptable-level": Refusal(
        "goals",
        _goal,
        "Create goal",
        "Acceptable level",
        re.compile("needs an acceptable level"),
        ("Title", "Every rejection names its reason"),
    ),
    "stakeholder-without-name": Refusal(
        "stakeholders",
        _stakeholder,
        "Create stakeholder",
        "Name",
        re.compile("This field is required"),
        ("Interests", "Fair workload"),
    ),
}


def _events(site: Site) -> int:
    with sqlite3.connect(f"file:{site.database}?mode=ro", uri=True) as database:
        return int(database.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_refused_form_shows_the_error_at_its_field_and_stores_nothing(
    case: str,
    open_context: Callable[..., BrowserContext],
    site: Site,
    lead_state: StorageState,
) -> None:
    refusal = CASES[case]
    scope = TALENTBRIDGE_SCOPE
    page = open_context(storage_state=lead_state, bypass_csp=True).new_page()
    page.goto(f"/scopes/{scope}/{refusal.kind}/new")
    items, events = site.count(scope, refusal.kind), _events(site)

    refusal.fill(page)
    page.get_by_role("button", name=refusal.submit).click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    control = field(page, refusal.field)
    expect(control).to_have_attribute("aria-invalid", "true")
    # The message sits in the field's own box, and is read out with the field.
    box = page.locator(".field.has-error", has=control)
    expect(box.locator(".error")).to_have_text(refusal.error)
    expect(control).to_have_accessible_description(refusal.error)
    expect(page.locator(".field.has-error")).to_have_count(1)
    label, value = refusal.kept
    expect(field(page, label)).to_have_value(value)
    snap(page, f"refused-{case}")
    assert_accessible(page, f"the refused {refusal.kind} form")

    assert site.count(scope, refusal.kind) == items
    assert _events(site) == events


def test_a_date_and_time_is_picked_and_a_long_list_narrowed_from_the_keyboard(
    open_context: Callable[..., BrowserContext], lead_state: StorageState
) -> None:
    # With the site's own policy: the filter box's script is a static file, not inline.
    page = open_context(storage_state=lead_state).new_page()
    page.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/consultations/new")
    opens = field(page, "Opens at")
    expect(opens).to_have_attribute("type", "datetime-local")
    opens.fill("2026-04-01T09:30")
    expect(opens).to_have_value("2026-04-01T09:30")
    expect(opens).to_have_accessible_description(re.compile(r"^In your time zone, UTC\."))

    page.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/reviews/new")
    changes = field(page, "Changes")
    options = changes.locator("option")
    total = options.count()
    assert total > 8, "the demo's review form offers many versions"
    wanted = options.first.inner_text()
    # The versions' list has its box; the risks' list has another.
    box = page.get_by_role("searchbox", name="Type to narrow the list").and_(
        page.locator("[aria-controls=f-changes]")
    )
    box.focus()
    page.keyboard.type(wanted.split(" ", 1)[1][:12])
    shown = changes.locator("option:not([hidden])")
    expect(shown.first).to_have_text(wanted)
    assert shown.count() < total
    page.keyboard.press("ArrowDown")
    expect(changes).to_be_focused()
    snap(page, "review-changes-narrowed")
    # The checker is injected inline, which the site's policy rightly refuses.
    checked = open_context(storage_state=lead_state, bypass_csp=True).new_page()
    checked.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/reviews/new")
    expect(checked.locator("[aria-controls=f-changes]")).to_be_visible()
    assert_accessible(checked, "the review form with its filter box")
