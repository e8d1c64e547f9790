"""A scope's tab of frameworks, on SQLite and PostgreSQL, in English and
Japanese: what the scope follows and may move to, its coverage with the gaps
first, its statement of applicability decided on the page, a move to a newer
version carrying its citations, and unresolved citations dismissed; only an
editor changes anything, and a refused form stores nothing."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from agilegov.library import service
from agilegov.library.models import Applicability, Citation, UnresolvedCitation
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from api_helpers import World, assert_unchanged, snapshot, world_from_fixture
from builders import World as Cast
from builders import measure, site_operator
from web_helpers import csrf_of, sign_in

FW_1 = """
urn: urn:test:risk:library:fw-1
name: Test framework
objects:
  framework:
    urn: urn:test:risk:framework:fw-1
    name: Test framework
    translations: {ja: {name: 試験の枠組み}}
    requirement_nodes:
      - urn: urn:test:req:fw1:a
        ref_id: A
        name: Governance
      - urn: urn:test:req:fw1:a1
        parent_urn: urn:test:req:fw1:a
        ref_id: A.1
        name: Accountability
        assessable: true
        translations: {ja: {name: 説明責任}}
      - urn: urn:test:req:fw1:a2
        parent_urn: urn:test:req:fw1:a
        ref_id: A.2
        name: Transparency
        assessable: true
        actor: provider
        translations: {ja: {name: 透明性}}
      - urn: urn:test:req:fw1:a3
        parent_urn: urn:test:req:fw1:a
        ref_id: A.3
        name: Paper archives
        assessable: true
        translations: {ja: {name: 紙の記録}}
"""

FW_2 = """
urn: urn:test:risk:library:fw-2
name: Test framework
objects:
  framework:
    urn: urn:test:risk:framework:fw-2
    name: Test framework
    translations: {ja: {name: 試験の枠組み}}
    requirement_nodes:
      - urn: urn:test:req:fw2:a
        ref_id: A
        name: Governance
      - urn: urn:test:req:fw2:a1
        parent_urn: urn:test:req:fw2:a
        ref_id: A.1
        name: Accountability
        assessable: true
        translations: {ja: {name: 説明責任}}
      - urn: urn:test:req:fw2:a2
        parent_urn: urn:test:req:fw2:a
        ref_id: A.2
        name: Openness to users
        assessable: true
        translations: {ja: {name: 利用者への公開}}
"""

MAPPING = """
urn: urn:test:risk:library:fw-1-to-2
name: Test framework 1 to 2
objects:
  requirement_mapping_set:
    urn: urn:test:risk:req_mapping_set:fw-1-to-2
    name: Test framework 1 to 2
    source_framework_urn: urn:test:risk:framework:fw-1
    target_framework_urn: urn:test:risk:framework:fw-2
    requirement_mappings:
      - source_requirement_urn: urn:test:req:fw1:a1
        target_requirement_urn: urn:test:req:fw2:a1
        relationship: equal
      - source_requirement_urn: urn:test:req:fw1:a2
        target_requirement_urn: urn:test:req:fw2:a2
        relationship: intersect
"""


@dataclass
class Site:
    pages: World
    cast: Cast
    scope: int
    tab: str
    unresolved: int


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> Site:
    """A private scope following fw@1, one measure citing A.1 and one citing
    A.2, and a citation text nothing matched."""
    uow = world.uow
    operator = site_operator(uow)
    for name, text in (("fw-1.yaml", FW_1), ("fw-2.yaml", FW_2), ("map.yaml", MAPPING)):
        service.import_file(uow, operator, text.encode(), name)
    scope = create_scope(
        uow,
        world.owner,
        ScopeCreate(
            organization_id=world.business_id,
            name="Screening",
            kind="ai_system",
            frameworks=["fw@1"],
        ),
    ).id
    measure(uow, world.editor, scope, title="Named owner", requirements=["fw@1#A.1"])
    measure(uow, world.editor, scope, title="Model cards", requirements=["fw@1#A.2"])
    with uow:
        row = UnresolvedCitation(
            scope_id=scope, subject_kind="scope", subject_id=scope, text="ISO 99999 clause 4"
        )
        uow.session.add(row)
        uow.session.flush()
        unresolved = row.id
        uow.commit()
    pages = world_from_fixture(database_url, engine, world)
    return Site(pages, world, scope, f"/scopes/{scope}/frameworks", unresolved)


def _rows(text: str, table: str) -> list[str]:
    """The rows of the first table of that class, as text."""
    body = text.split(f'<table class="{table}">', 1)[1].split("</table>", 1)[0]
    rows = [row.split(">", 1)[1] for row in body.split("<tr")[2:]]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_the_tab_shows_what_is_followed_and_the_gaps_first(site: Site) -> None:
    client = sign_in(site.pages, "editor")
    page = client.get(site.tab)
    assert page.status_code == 200
    text = page.text
    assert 'href="/frameworks/fw@1"' in text
    assert "Move to fw@2" in text
    # Coverage comes before the statement; A.3 is the one requirement nothing addresses.
    assert text.index('id="coverage"') < text.index('id="applicability"')
    assert _rows(text, "gaps") == ["A.3 Paper archives —"]
    assert "2 of 3 applicable requirements addressed" in text
    # The statement shows its gaps by default; all of it on asking.
    assert [r.split(" ")[0] for r in _rows(text, "applicability")] == ["A.3"]
    every = client.get(site.tab, params={"show": "all"}).text
    rows = _rows(every, "applicability")
    assert [r.split(" ")[0] for r in rows] == ["A.1", "A.2", "A.3"]
    assert f'href="/scopes/{site.scope}/measures/' in every
    assert client.get(site.tab, params={"show": "nonsense"}).status_code in (400, 422)
    # The tab's badge counts the versions followed.
    assert re.search(r'/frameworks"[^>]*>Frameworks</a> <span class="tab-count">1</span>', text)
    # Unresolved citations, with their dismiss button.
    assert "ISO 99999 clause 4" in text
    assert f"/frameworks/unresolved/{site.unresolved}/dismiss" in text


def test_the_japanese_page_shows_japanese_names(site: Site) -> None:
    client = sign_in(site.pages, "editor")
    client.headers["Accept-Language"] = "ja"
    text = client.get(site.tab, params={"show": "all"}).text
    assert "試験の枠組み" in text
    assert "説明責任" in text and "紙の記録" in text
    assert "Paper archives" not in text


def test_not_applicable_needs_a_reason_then_leaves_the_gaps(site: Site) -> None:
    client = sign_in(site.pages, "editor")
    token = csrf_of(client.get(site.tab))
    action = f"{site.tab}/applicability"
    form = {"csrf_token": token, "requirement": "fw@1#A.3", "applicable": "false"}
    before = snapshot(site.pages.engine)
    refused = client.post(action, data={**form, "reason": " "}, follow_redirects=False)
    assert refused.status_code == 422
    assert 'name="reason"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "say why the requirement does not apply" in refused.text
    assert_unchanged(before, site.pages.engine)
    done = client.post(action, data={**form, "reason": "We keep no paper"}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(site.tab).text
    assert '<table class="gaps">' not in page and "no gaps" in page
    excluded = client.get(site.tab, params={"show": "not_applicable"}).text
    assert "We keep no paper" in excluded and "Applies again" in excluded
    # And applicable again.
    again = client.post(
        action,
        data={"csrf_token": token, "requirement": "fw@1#A.3", "applicable": "true"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert _rows(client.get(site.tab).text, "gaps") == ["A.3 Paper archives —"]


def test_moving_asks_first_then_carries_the_equivalent_citation(site: Site) -> None:
    client = sign_in(site.pages, "editor")
    token = csrf_of(client.get(site.tab))
    action = f"{site.tab}/move"
    form = {"csrf_token": token, "version": "fw@1", "to": "fw@2"}
    before = snapshot(site.pages.engine)
    asked = client.post(action, data=form, follow_redirects=False)
    assert asked.status_code == 200
    assert "Move from fw@1 to fw@2?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert '<input type="hidden" name="to" value="fw@2">' in asked.text
    assert_unchanged(before, site.pages.engine)
    wrong = client.post(
        action, data={**form, "to": "fw@9", "confirmed": "yes"}, follow_redirects=False
    )
    assert wrong.status_code == 422 and "fw@9 is not in the library" in wrong.text
    assert_unchanged(before, site.pages.engine)
    moved = client.post(action, data={**form, "confirmed": "yes"}, follow_redirects=False)
    assert moved.status_code == 303
    page = client.get(moved.headers["location"])
    assert "1 citations carried, 1 to review" in page.text
    assert 'href="/frameworks/fw@2"' in page.text and "Move to" not in page.text
    every = client.get(site.tab, params={"show": "all"}).text
    rows = _rows(every, "applicability")
    assert rows[0].startswith("A.1 Accountability yes — Named owner")
    assert "to review" not in rows[0]
    assert rows[1].startswith("A.2 Openness to users") and "Model cards to review" in rows[1]
    with site.cast.uow as uow:
        statuses = sorted(c.status for c in uow.session.query(Citation))
    assert statuses == ["current", "review"]
    # The change opened its trigger, linked from the tab.
    assert "#trigger-" in every


def test_a_viewer_sees_no_controls_and_is_refused(site: Site) -> None:
    viewer = sign_in(site.pages, "viewer")
    page = viewer.get(site.tab, params={"show": "all"})
    assert page.status_code == 200
    for control in ("/applicability", "/move", "/dismiss"):
        assert control not in page.text
    token = csrf_of(page)
    before = snapshot(site.pages.engine)
    for action, data in (
        ("applicability", {"requirement": "fw@1#A.3", "applicable": "false", "reason": "x"}),
        ("move", {"version": "fw@1", "to": "fw@2", "confirmed": "yes"}),
        (f"unresolved/{site.unresolved}/dismiss", {"confirmed": "yes"}),
    ):
        refused = viewer.post(
            f"{site.tab}/{action}", data={"csrf_token": token, **data}, follow_redirects=False
        )
        assert refused.status_code == 403, action
    assert_unchanged(before, site.pages.engine)
    # Outside the organization, the private scope's tab is not there at all.
    outsider = sign_in(site.pages, "outsider")
    assert outsider.get(site.tab).status_code == 404
    assert site.pages.client.get(site.tab).status_code in (303, 404)


def test_an_unresolved_citation_is_dismissed_once_asked(site: Site, tmp_path: Path) -> None:
    client = sign_in(site.pages, "editor")
    token = csrf_of(client.get(site.tab))
    action = f"{site.tab}/unresolved/{site.unresolved}/dismiss"
    before = snapshot(site.pages.engine)
    asked = client.post(action, data={"csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 200
    assert f"Dismiss unresolved citation #{site.unresolved}?" in asked.text
    assert_unchanged(before, site.pages.engine)
    done = client.post(
        action, data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "ISO 99999 clause 4" not in client.get(site.tab).text
    with site.cast.uow as uow:
        assert uow.session.query(UnresolvedCitation).count() == 0
        assert uow.session.query(Applicability).count() == 0
    gone = client.post(
        action, data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert gone.status_code == 404
