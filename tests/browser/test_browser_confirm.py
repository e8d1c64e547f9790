"""Deleting asks first, in the browser's own dialog where scripts run and on a
page of its own where they do not; either way the page after it says what was
done, in a status box read out once."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Dialog, StorageState, expect

from browser.browsing import TALENTBRIDGE_SCOPE, Site

RISK = {
    "title": "Scores drift after retraining",
    "inherent_likelihood": 3,
    "inherent_severity": 3,
    "residual_likelihood": 2,
    "residual_severity": 2,
    "treatment": "mitigate",
}


def _new_risk(site: Site) -> int:
    with site.api() as api:
        response = api.post(f"/scopes/{TALENTBRIDGE_SCOPE}/risks", json=RISK)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
def test_deleting_asks_first_and_then_says_it_is_done(
    scripts: bool,
    open_context: Callable[..., BrowserContext],
    site: Site,
    lead_state: StorageState,
) -> None:
    risk = _new_risk(site)
    page = open_context(storage_state=lead_state, java_script_enabled=scripts).new_page()
    page.goto(f"/scopes/{TALENTBRIDGE_SCOPE}/risks/{risk}")
    count = site.count(TALENTBRIDGE_SCOPE, "risks")
    # The message a change leaves (the list's own count is a status too).
    notice = page.locator("p.notice[role=status]")
    if scripts:
        asked: list[str] = []

        def answer(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.once("dialog", answer)
        page.get_by_role("button", name="Delete").click()
        expect(notice).to_have_text(f"Risk #{risk} deleted")
        assert asked == ["Delete this risk?"]
    else:
        page.get_by_role("button", name="Delete").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete risk #{risk}?")
        assert site.count(TALENTBRIDGE_SCOPE, "risks") == count
        page.get_by_role("button", name="Delete").click()
        expect(notice).to_have_text(f"Risk #{risk} deleted")
    assert site.count(TALENTBRIDGE_SCOPE, "risks") == count - 1
    page.reload()
    expect(notice).to_have_count(0)
