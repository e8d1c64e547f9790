"""Three lists in each language, as a person uses them in Chromium: type a
search, sort by a column (its header says how, in ``aria-sort``), and download
the CSV, which holds exactly the rows the page shows and starts with a BOM."""

import csv
import io
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, StorageState, expect

from browser.browsing import TALENTBRIDGE_SCOPE

BROWSER_LOCALE = {"ja": "ja-JP", "en": "en-GB"}
# A list, a search that finds several of the demo's rows, and the column sorted by.
LISTS = {
    "risks": (f"/scopes/{TALENTBRIDGE_SCOPE}/risks", "the"),
    "measures": (f"/scopes/{TALENTBRIDGE_SCOPE}/measures", "a"),
    "organizations": ("/organizations", "a"),
}


def shown_first_column(page: Page) -> list[str]:
    """The first link of each row of the list's table, as the page shows it."""
    rows = page.locator("form.list-search ~ .table-wrap table tbody tr")
    return [row.locator("td").first.locator("a").first.inner_text() for row in rows.all()]


@pytest.mark.parametrize("language", list(BROWSER_LOCALE))
@pytest.mark.parametrize("name", list(LISTS))
def test_search_sort_and_download_what_is_shown(
    name: str,
    language: str,
    open_context: Callable[..., BrowserContext],
    lead_state: StorageState,
) -> None:
    path, search = LISTS[name]
    context = open_context(
        storage_state=lead_state, locale=BROWSER_LOCALE[language], accept_downloads=True
    )
    page = context.new_page()
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    every = len(shown_first_column(page))

    box = page.locator("form.list-search input[name=q]")
    box.fill(search)
    box.press("Enter")
    page.wait_for_url(f"**q={search}**")
    found = shown_first_column(page)
    assert 1 < len(found) <= every

    header = page.locator("form.list-search ~ .table-wrap table thead th").first
    expect(header).not_to_have_attribute("aria-sort", "ascending")
    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    ascending = shown_first_column(page)
    assert sorted(ascending) == sorted(found), "sorting keeps the search"
    header.locator("a").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    descending = shown_first_column(page)
    assert descending == ascending[::-1]

    with page.expect_download() as download:
        page.locator("form.list-search a[href*='format=csv']").click()
    body = download.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM, so a spreadsheet reads Japanese right"
    header_row, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    shown_header = page.locator("form.list-search ~ .table-wrap table thead th").first
    assert header_row[0] == shown_header.inner_text().rstrip(" ▲▼")
    assert [row[0] for row in rows] == descending
