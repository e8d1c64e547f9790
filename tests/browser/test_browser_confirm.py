"""Deleting asks first, in the browser's own dialog where scripts run and on a
page of its own where they do not; either way the page after it says what was
done, in a status box read out once."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Dialog, StorageState, expect

from browser.browsing import BROWSER_LOCALE, TALENTBRIDGE_SCOPE, Site, Words, snap

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


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _consultation(site: Site) -> int:
    with site.api() as api:
        listed = api.get(f"/scopes/{TALENTBRIDGE_SCOPE}/consultations").json()
    return int(listed[0]["id"])


# Each irreversible action the governance lead can reach: where, the button's
# words, what to fill in first, and what the JSON API shows unchanged after "no".
def _actions(site: Site) -> dict[str, tuple[str, str, dict[str, str], str]]:
    risk = site.first_id(TALENTBRIDGE_SCOPE, "risks")
    consultation = _consultation(site)
    return {
        "delete a risk": (
            f"/scopes/{TALENTBRIDGE_SCOPE}/risks/{risk}",
            "Delete",
            {},
            f"/scopes/{TALENTBRIDGE_SCOPE}/risks",
        ),
        "remove a member": ("/organizations/1/members", "Remove", {}, "/organizations/1/members"),
        "revoke a token": ("/account", "Revoke", {}, "/tokens"),
        "close a consultation": (
            f"/consultations/{consultation}",
            "Close the consultation",
            {},
            f"/consultations/{consultation}",
        ),
        "hide a statement": (
            f"/consultations/{consultation}",
            "Hide",
            {"input[name=reason]": "off topic"},
            f"/consultations/{consultation}/statements",
        ),
    }


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
@pytest.mark.parametrize(
    "action",
    [
        "delete a risk",
        "remove a member",
        "revoke a token",
        "close a consultation",
        "hide a statement",
    ],
)
def test_every_irreversible_action_asks_and_no_changes_nothing(
    action: str,
    scripts: bool,
    language: str,
    open_context: Callable[..., BrowserContext],
    site: Site,
    lead_state: StorageState,
) -> None:
    t = Words(language)
    where, button, fill, evidence = _actions(site)[action]
    with site.api() as api:
        before = api.get(evidence).text
    page = open_context(
        storage_state=lead_state, java_script_enabled=scripts, locale=BROWSER_LOCALE[language]
    ).new_page()
    page.goto(where)
    for selector, value in fill.items():
        page.locator(selector).last.fill(value)
    pressed = page.get_by_role("button", name=t(button), exact=True).last
    if scripts:
        asked: list[str] = []

        def answer_no(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", answer_no)
        pressed.click()
        expect(page).to_have_url(re.compile(re.escape(where) + "$"))
        assert len(asked) == 1 and asked[0].strip()
        question = asked[0]
    else:
        pressed.click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(re.compile("[?\uff1f]$"))
        question = heading.inner_text()
        snap(page, f"confirm-{action.replace(' ', '-')}-{language}")
        page.get_by_role("link", name=t("Cancel"), exact=True).click()
        expect(page).to_have_url(re.compile(re.escape(where.split("#")[0]) + "(#.*)?$"))
    assert bool(JAPANESE.search(question)) == (language == "ja"), question
    with site.api() as api:
        assert api.get(evidence).text == before
