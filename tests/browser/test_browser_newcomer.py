"""A newcomer's first session, through the pages alone, in Japanese and in
English: sign in, register a scope, analyse it, set a goal with an indicator,
design a measure, and move the cycle to operation while the drawn double loop
follows. The words looked for are the catalogs' (a word missing from them fails)."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from browser.browsing import (
    BROWSER_LOCALE,
    LEAD,
    Site,
    Words,
    current_stage,
    field,
    scope_id_of,
    snap,
)


def _tab(page: Page, t: Words, name: str) -> None:
    name = t(name)
    # Within the tabs: a list's column header may read the same ("リスク").
    tabs = page.get_by_role("navigation", name=t("Parts of the scope's governance"))
    tabs.get_by_role("link", name=name, exact=True).click()
    expect(tabs.get_by_role("link", name=name, exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def _crumb(page: Page, t: Words, name: str) -> None:
    page.get_by_role("navigation", name=t("Breadcrumb")).get_by_role(
        "link", name=name, exact=True
    ).click()


def _back_to_scope(page: Page, t: Words, scope_name: str) -> None:
    _crumb(page, t, scope_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(scope_name)


def _created(page: Page, t: Words, kind: str, title: str) -> int:
    """The item page a create form leads to: its heading names the new item."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^{re.escape(t(kind))} #\d+: {re.escape(title)}$"))
    found = re.search(rf"/{kind.lower()}s/(\d+)$", page.url)
    assert found, page.url
    return int(found.group(1))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_newcomer_governs_a_new_scope_from_analysis_to_operation(
    open_context: Callable[..., BrowserContext], site: Site, language: str
) -> None:
    t = Words(language)
    page = open_context(locale=BROWSER_LOCALE[language]).new_page()
    page.goto("/login")
    snap(page, f"{language}-newcomer-01-login")
    field(page, t("Email")).fill(LEAD)
    field(page, t("Password")).fill(site.password(LEAD))
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Dashboard"))
    snap(page, f"{language}-newcomer-02-dashboard")

    # The scope: registered from the dashboard, under the lead's organization.
    talentbridge = page.locator("section", has=page.get_by_role("heading", name="TalentBridge"))
    talentbridge.get_by_role("link", name=t("New scope")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("New scope"))
    expect(field(page, t("Organization"))).to_have_value("1")
    scope_name = "Chat assistant for job seekers"
    field(page, t("Name")).fill(scope_name)
    field(page, t("Kind")).select_option(label=t("Ai system"))
    field(page, t("Description")).fill("Answers job seekers' questions about applications.")
    snap(page, f"{language}-newcomer-03-new-scope")
    page.get_by_role("button", name=t("Create scope")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(scope_name)
    expect(page).to_have_url(re.compile(r"/scopes/\d+$"))
    scope_id = scope_id_of(page)
    assert current_stage(page) == "analysis"
    snap(page, f"{language}-newcomer-04-scope")

    # Analysis: a stakeholder, an impact on it, a risk that impact carries.
    _tab(page, t, "Stakeholders and impacts")
    page.get_by_role("link", name=t("Add a stakeholder")).click()
    field(page, t("Name")).fill("Job seekers")
    field(page, t("Category")).select_option(label=t("User"))
    field(page, t("Interests")).fill("Accurate, fair answers")
    snap(page, f"{language}-newcomer-05-new-stakeholder")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("stakeholder"))).click()
    _created(page, t, "Stakeholder", "Job seekers")
    snap(page, f"{language}-newcomer-06-stakeholder")

    _crumb(page, t, t("Stakeholders and impacts"))
    expect(page.get_by_role("heading", level=3, name="Job seekers")).to_be_visible()
    page.get_by_role("link", name=t("Add an impact on %(name)s", name="Job seekers")).click()
    expect(field(page, t("Stakeholder"))).to_have_value(re.compile(r"^\d+$"))
    field(page, t("Title")).fill("Wrong advice on deadlines")
    field(page, t("Nature")).select_option(label=t("Negative"))
    field(page, t("Area")).select_option(label=t("Safety"))
    field(page, t("Magnitude")).select_option("3")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("impact"))).click()
    impact_id = _created(page, t, "Impact", "Wrong advice on deadlines")
    snap(page, f"{language}-newcomer-07-impact")

    _back_to_scope(page, t, scope_name)
    _tab(page, t, "Risks")
    page.get_by_role("link", name=t("Add a risk")).click()
    field(page, t("Title")).fill("The assistant invents deadlines")
    field(page, t("Inherent likelihood")).select_option("4")
    field(page, t("Inherent severity")).select_option("4")
    field(page, t("Residual likelihood")).select_option("2")
    field(page, t("Residual severity")).select_option("2")
    field(page, t("Treatment")).select_option(label=t("Mitigate"))
    field(page, t("Impacts")).select_option(label=f"#{impact_id} Wrong advice on deadlines")
    snap(page, f"{language}-newcomer-08-new-risk")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("risk"))).click()
    _created(page, t, "Risk", "The assistant invents deadlines")
    _crumb(page, t, t("Risks"))
    # The register shows the risk with its level before and after treatment.
    row = page.get_by_role("row", name=re.compile("The assistant invents deadlines"))
    expect(row).to_contain_text(f"4\u00d74 {t('critical')}")
    expect(row).to_contain_text(f"2\u00d72 {t('low')}")
    expect(page.locator('td[data-likelihood="4"][data-severity="4"]')).to_have_attribute(
        "data-inherent", "1"
    )
    snap(page, f"{language}-newcomer-09-risks")

    # Goals: a specific goal with its acceptable level, and an indicator for it.
    _tab(page, t, "Goals and indicators")
    page.get_by_role("link", name=t("Add a goal")).click()
    field(page, t("Title")).fill("Answers about deadlines are correct")
    field(page, t("Level")).select_option(label=t("Specific"))
    field(page, t("Direction")).select_option(label=t("Higher is better"))
    field(page, t("Unit")).fill("ratio")
    field(page, t("Acceptable level")).fill("0.95")
    field(page, t("Target")).fill("0.99")
    snap(page, f"{language}-newcomer-10-new-goal")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("goal"))).click()
    goal_id = _created(page, t, "Goal", "Answers about deadlines are correct")

    _crumb(page, t, t("Goals and indicators"))
    goal = page.locator(f"#goal-{goal_id}")
    acceptable = t(
        "Acceptable level: <strong>%(level)s %(unit)s</strong> (%(direction)s), target %(target)s",
        level="0.95",
        unit="ratio",
        direction=t("Higher is better"),
        target="0.99",
    )
    expect(goal).to_contain_text(re.sub(r"<[^>]+>", "", acceptable))
    goal.get_by_role("link", name=t("add an indicator")).click()
    expect(field(page, t("Goal"))).to_have_value(str(goal_id))
    field(page, t("Key")).fill("deadline.accuracy")
    field(page, t("Name")).fill("Correct deadline answers")
    field(page, t("Data source")).fill("weekly sample graded by the support team")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("indicator"))).click()
    _created(page, t, "Indicator", "Correct deadline answers")
    _crumb(page, t, t("Goals and indicators"))
    expect(goal.get_by_role("link", name="Correct deadline answers")).to_be_visible()
    snap(page, f"{language}-newcomer-11-goals")

    # Design: a measure, already implemented, for the goal.
    _tab(page, t, "Measures")
    page.get_by_role("link", name=t("Add a measure")).click()
    field(page, t("Kind")).select_option(label=t("Technology"))
    field(page, t("Title")).fill("Deadlines quoted from the employer's posting")
    field(page, t("Status")).select_option(label=t("Implemented"))
    field(page, t("Goals")).select_option(label=f"#{goal_id} Answers about deadlines are correct")
    page.get_by_role("button", name=t("Create %(noun)s", noun=t("measure"))).click()
    _created(page, t, "Measure", "Deadlines quoted from the employer's posting")
    _crumb(page, t, t("Measures"))
    row = page.get_by_role("row", name=re.compile("Deadlines quoted"))
    expect(row).to_contain_text(t("Implemented"))
    expect(row).to_contain_text("Answers about deadlines are correct")
    snap(page, f"{language}-newcomer-12-measures")

    # The cycle: each move lights the next stage of the drawn loop, and only it.
    _tab(page, t, "Overview")
    previous = current_stage(page)
    assert previous == "analysis"
    for stage, label in (("goals", "Goals"), ("design", "Design"), ("operation", "Operation")):
        move = page.get_by_role("form", name=t("Move the cycle"))
        field(move, t("Next stage")).select_option(label=t.stage(label))
        field(move, t("Reason")).fill(f"ready for {stage}")
        move.get_by_role("button", name=t("Move the cycle")).click()
        expect(page.locator(f'svg.loop g.node[data-stage="{stage}"]')).to_have_class(
            re.compile(r"\bcurrent\b")
        )
        assert current_stage(page) == stage
        expect(page.locator(f'svg.loop g.node[data-stage="{previous}"]')).not_to_have_attribute(
            "aria-current", "step"
        )
        expect(page.locator("p.toolbar")).to_contain_text(
            re.sub(r"<[^>]+>", "", t("Stage: <strong>%(stage)s</strong>", stage=t.stage(label)))
        )
        expect(page.locator("ol.history li").first).to_contain_text(f"→ {t.stage(label)}")
        snap(page, f"{language}-newcomer-13-cycle-{stage}")
        previous = stage
    assert page.url.endswith(f"/scopes/{scope_id}")

    # What the pages stored is what the API reads.
    with site.api() as api:
        cycle = api.get(f"/scopes/{scope_id}/cycle").json()
        counts = {
            kind: api.get(f"/scopes/{scope_id}/{kind}").json()["total"]
            for kind in ("stakeholders", "impacts", "risks", "goals", "indicators", "measures")
        }
    assert cycle["stage"] == "operation"
    assert counts == dict.fromkeys(counts, 1)
