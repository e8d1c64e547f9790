"""The pages of disclosures to named audiences, on SQLite and PostgreSQL: a
withheld row without what its reason needs is refused next to its field and
stores nothing, as is a form without its token; a draft published through its
page reaches the regulator's owner and nobody else; withdrawal is asked for a
reason; the received page lists it; and the pages read in Japanese."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agilegov.disclosure.audience_pages import _form_name
from api_helpers import World, assert_unchanged, snapshot, world_from_fixture
from builders import World as Cast
from builders import new_scope, specific_goal
from web_helpers import browser, csrf_of, field_error, post_form, sign_in

ID = re.compile(r"/disclosures/(\d+)$")


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> tuple[World, Cast, int, list[int]]:
    """Pages of the cast's app, and a private scope of the business with two goals."""
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    goals = [
        specific_goal(world.uow, world.owner, scope_id, title=title).id
        for title in ("Fair shortlisting", "Wage parity")
    ]
    return world_from_fixture(database_url, engine, world), world, scope_id, goals


def _values(pages: World, goals: list[int], **changes: Any) -> dict[str, Any]:
    return {
        "title": "Fairness of shortlisting",
        "message": "As asked in your letter of 1 December.",
        "audience": "regulator",
        "audience_organization_id": str(pages.regulator_id),
        "items": f"goal:{goals[0]}",
        **changes,
    }


def _submit(client: TestClient, scope_id: int, values: dict[str, Any]) -> Any:
    return post_form(
        client, f"/scopes/{scope_id}/disclosures/new", f"/scopes/{scope_id}/disclosures", values
    )


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"withheld_2_reason": "confidentiality"}, "withheld_2_explanation"),
        (
            {
                "withheld_2_reason": "information_unavailable",
                "withheld_2_expected_on": "2099-01-01",
            },
            "withheld_2_steps",
        ),
        (
            {"withheld_2_reason": "information_unavailable", "withheld_2_steps": "audit"},
            "withheld_2_expected_on",
        ),
        ({"withheld_2_explanation": "no reason given"}, "withheld_2_reason"),
    ],
)
def test_a_withheld_row_is_refused_next_to_its_field(
    site: tuple[World, Cast, int, list[int]], row: dict[str, str], field: str
) -> None:
    pages, _, scope_id, goals = site
    editor = sign_in(pages, "editor")
    before = snapshot(pages.engine)
    refused = _submit(
        editor, scope_id, _values(pages, goals, withheld_2_item=f"goal:{goals[1]}", **row)
    )
    assert refused.status_code == 422, refused.text[-2000:]
    assert field_error(refused, field), refused.text[-4000:]
    assert "Nothing was saved" in refused.text
    assert_unchanged(before, pages.engine)


def test_a_form_without_its_token_is_refused(site: tuple[World, Cast, int, list[int]]) -> None:
    pages, _, scope_id, goals = site
    editor = sign_in(pages, "editor")
    editor.get(f"/scopes/{scope_id}/disclosures/new")
    before = snapshot(pages.engine)
    refused = editor.post(
        f"/scopes/{scope_id}/disclosures",
        data={**_values(pages, goals), "csrf_token": "not-the-token"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert_unchanged(before, pages.engine)


def test_published_through_its_page_it_reaches_the_regulator_only(
    site: tuple[World, Cast, int, list[int]],
) -> None:
    pages, _, scope_id, goals = site
    editor = sign_in(pages, "editor")
    values = _values(
        pages,
        goals,
        withheld_1_item=f"goal:{goals[1]}",
        withheld_1_reason="information_unavailable",
        withheld_1_steps="Payroll audit under way",
        withheld_1_expected_on="2099-03-31",
    )
    done = _submit(editor, scope_id, values)
    assert done.status_code == 303, done.text[-3000:]
    found = ID.search(done.headers["location"])
    assert found
    page = f"/disclosures/{found.group(1)}"

    regulator = sign_in(pages, "outsider")
    assert regulator.get(page).status_code == 404  # a draft
    published = post_form(editor, page, f"{page}/publish", {})
    assert published.status_code == 303

    shown = regulator.get(page)
    assert shown.status_code == 200
    assert "Fair shortlisting" in shown.text and "Payroll audit under way" in shown.text
    assert "Wage parity" in shown.text  # named as withheld, not shown
    received = regulator.get(f"/organizations/{pages.regulator_id}/disclosures-received")
    assert received.status_code == 200 and page in received.text
    assert browser(pages).get(page).status_code == 404
    tab = editor.get(f"/scopes/{scope_id}/disclosures")
    assert tab.status_code == 200 and page in tab.text

    refused = post_form(editor, page, f"{page}/withdraw", {"reason": ""})
    assert refused.status_code == 422 and field_error(refused, "reason")
    form = editor.get(page).text.split(f'action="{page}/withdraw"', 1)
    assert "hx-confirm=" in form[1].split(">", 1)[0]
    asked = post_form(editor, page, f"{page}/withdraw", {"reason": "Miscounted"})
    assert asked.status_code == 200 and "Withdraw this disclosure?" in asked.text
    assert "Withdrawn" not in regulator.get(page).text
    done = editor.post(
        f"{page}/withdraw",
        data={"reason": "Miscounted", "confirmed": "yes", "csrf_token": csrf_of(asked)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    withdrawn = regulator.get(page)
    assert "Withdrawn" in withdrawn.text and "Miscounted" in withdrawn.text

    japanese = {"Accept-Language": "ja"}
    assert "開示" in regulator.get(page, headers=japanese).text
    form = editor.get(f"/scopes/{scope_id}/disclosures/new", headers=japanese)
    assert "非開示の理由" in form.text and "Reason for withholding" not in form.text
    assert "開示" in editor.get(f"/scopes/{scope_id}/disclosures", headers=japanese).text


@pytest.mark.parametrize(
    ("field", "rows", "named"),
    [
        ("withheld[0].reason", [2], "withheld_2_reason"),
        ("withheld[1].id", [1, 3], "withheld_3_item"),
        ("withheld[0]", [3], "withheld_3_item"),
        ("items[1].id", [], "items"),
        ("stakeholder_ids[0].id", [], "stakeholder_ids"),
        ("title", [], "title"),
    ],
)
def test_a_service_problem_is_shown_at_the_forms_field(
    field: str, rows: list[int], named: str
) -> None:
    assert _form_name(field, rows) == named
