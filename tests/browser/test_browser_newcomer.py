"""A newcomer's first session, through the pages alone: sign in, register a
scope, analyse it, set a goal with an indicator, design a measure, and move the
cycle to operation while the drawn double loop follows."""

import re

from playwright.sync_api import BrowserContext, Page, expect

from browser.browsing import LEAD, Site, current_stage, field, scope_id_of, snap


def _tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Parts of the scope's governance").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def _crumb(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=name, exact=True
    ).click()


def _back_to_scope(page: Page, scope_name: str) -> None:
    _crumb(page, scope_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(scope_name)


def _created(page: Page, kind: str, title: str) -> int:
    """The item page a create form leads to: its heading names the new item."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^{kind} #\d+: {re.escape(title)}$"))
    found = re.search(rf"/{kind.lower()}s/(\d+)$", page.url)
    assert found, page.url
    return int(found.group(1))


def test_a_newcomer_governs_a_new_scope_from_analysis_to_operation(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto("/login")
    snap(page, "newcomer-01-login")
    field(page, "Email").fill(LEAD)
    field(page, "Password").fill(site.password(LEAD))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    snap(page, "newcomer-02-dashboard")

    # The scope: registered from the dashboard, under the lead's organization.
    talentbridge = page.locator("section", has=page.get_by_role("heading", name="TalentBridge"))
    talentbridge.get_by_role("link", name="New scope").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New scope")
    expect(field(page, "Organization")).to_have_value("1")
    scope_name = "Chat assistant for job seekers"
    field(page, "Name").fill(scope_name)
    field(page, "Kind").select_option(label="Ai system")
    field(page, "Description").fill("Answers job seekers' questions about applications.")
    snap(page, "newcomer-03-new-scope")
    page.get_by_role("button", name="Create scope").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(scope_name)
    expect(page).to_have_url(re.compile(r"/scopes/\d+$"))
    scope_id = scope_id_of(page)
    assert current_stage(page) == "analysis"
    snap(page, "newcomer-04-scope")

    # Analysis: a stakeholder, an impact on it, a risk that impact carries.
    _tab(page, "Stakeholders and impacts")
    page.get_by_role("link", name="Add a stakeholder").click()
    field(page, "Name").fill("Job seekers")
    field(page, "Category").select_option(label="User")
    field(page, "Interests").fill("Accurate, fair answers")
    snap(page, "newcomer-05-new-stakeholder")
    page.get_by_role("button", name="Create stakeholder").click()
    _created(page, "Stakeholder", "Job seekers")
    snap(page, "newcomer-06-stakeholder")

    _crumb(page, "Stakeholders")
    expect(page.get_by_role("heading", level=3, name="Job seekers")).to_be_visible()
    page.get_by_role("link", name="Add an impact on Job seekers").click()
    expect(field(page, "Stakeholder")).to_have_value(re.compile(r"^\d+$"))
    field(page, "Title").fill("Wrong advice on deadlines")
    field(page, "Nature").select_option(label="Negative")
    field(page, "Area").select_option(label="Safety")
    field(page, "Magnitude").fill("3")
    page.get_by_role("button", name="Create impact").click()
    impact_id = _created(page, "Impact", "Wrong advice on deadlines")
    snap(page, "newcomer-07-impact")

    _back_to_scope(page, scope_name)
    _tab(page, "Risks")
    page.get_by_role("link", name="Add a risk").click()
    field(page, "Title").fill("The assistant invents deadlines")
    field(page, "Inherent likelihood").fill("4")
    field(page, "Inherent severity").fill("4")
    field(page, "Residual likelihood").fill("2")
    field(page, "Residual severity").fill("2")
    field(page, "Treatment").select_option(label="Mitigate")
    field(page, "Impacts").select_option(label=f"Wrong advice on deadlines (#{impact_id})")
    snap(page, "newcomer-08-new-risk")
    page.get_by_role("button", name="Create risk").click()
    _created(page, "Risk", "The assistant invents deadlines")
    _crumb(page, "Risks")
    # The register shows the risk with its level before and after treatment.
    row = page.get_by_role("row", name=re.compile("The assistant invents deadlines"))
    expect(row).to_contain_text("4\u00d74 critical")
    expect(row).to_contain_text("2\u00d72 low")
    expect(page.locator('td[data-likelihood="4"][data-severity="4"]')).to_have_attribute(
        "data-inherent", "1"
    )
    snap(page, "newcomer-09-risks")

    # Goals: a specific goal with its acceptable level, and an indicator for it.
    _tab(page, "Goals and indicators")
    page.get_by_role("link", name="Add a goal").click()
    field(page, "Title").fill("Answers about deadlines are correct")
    field(page, "Level").select_option(label="Specific")
    field(page, "Direction").select_option(label="Higher is better")
    field(page, "Unit").fill("ratio")
    field(page, "Acceptable level").fill("0.95")
    field(page, "Target").fill("0.99")
    snap(page, "newcomer-10-new-goal")
    page.get_by_role("button", name="Create goal").click()
    goal_id = _created(page, "Goal", "Answers about deadlines are correct")

    _crumb(page, "Goals")
    goal = page.locator(f"#goal-{goal_id}")
    expect(goal).to_contain_text("Acceptable level: 0.95 ratio (Higher is better)")
    goal.get_by_role("link", name="add an indicator").click()
    expect(field(page, "Goal")).to_have_value(str(goal_id))
    field(page, "Key").fill("deadline.accuracy")
    field(page, "Name").fill("Correct deadline answers")
    field(page, "Data source").fill("weekly sample graded by the support team")
    page.get_by_role("button", name="Create indicator").click()
    _created(page, "Indicator", "Correct deadline answers")
    _crumb(page, "Goals")
    expect(goal.get_by_role("link", name="Correct deadline answers")).to_be_visible()
    snap(page, "newcomer-11-goals")

    # Design: a measure, already implemented, for the goal.
    _tab(page, "Measures")
    page.get_by_role("link", name="Add a measure").click()
    field(page, "Kind").select_option(label="Technology")
    field(page, "Title").fill("Deadlines quoted from the employer's posting")
    field(page, "Status").select_option(label="Implemented")
    field(page, "Goals").select_option(label=f"Answers about deadlines are correct (#{goal_id})")
    page.get_by_role("button", name="Create measure").click()
    _created(page, "Measure", "Deadlines quoted from the employer's posting")
    _crumb(page, "Measures")
    row = page.get_by_role("row", name=re.compile("Deadlines quoted"))
    expect(row).to_contain_text("Implemented")
    expect(row).to_contain_text("Answers about deadlines are correct")
    snap(page, "newcomer-12-measures")

    # The cycle: each move lights the next stage of the drawn loop, and only it.
    _tab(page, "Overview")
    previous = current_stage(page)
    assert previous == "analysis"
    for stage, label in (("goals", "Goals"), ("design", "Design"), ("operation", "Operation")):
        move = page.get_by_role("form", name="Move the cycle")
        field(move, "Next stage").select_option(label=label)
        field(move, "Reason").fill(f"ready for {stage}")
        move.get_by_role("button", name="Move the cycle").click()
        expect(page.locator(f'svg.loop g.node[data-stage="{stage}"]')).to_have_class(
            re.compile(r"\bcurrent\b")
        )
        assert current_stage(page) == stage
        expect(page.locator(f'svg.loop g.node[data-stage="{previous}"]')).not_to_have_attribute(
            "aria-current", "step"
        )
        expect(page.locator("p.toolbar")).to_contain_text(f"Stage: {label}")
        expect(page.locator("ol.history li").first).to_contain_text(f"→ {label}")
        snap(page, f"newcomer-13-cycle-{stage}")
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
