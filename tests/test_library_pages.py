"""The library's public pages and its browsing API, on SQLite and PostgreSQL, in
English and Japanese: the frameworks and their versions, a version's tree
searched in either language and filtered, what changed between two versions,
and a crosswalk's mappings side by side; bad input is refused by name."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from agilegov.db import make_session_factory
from agilegov.library import service
from agilegov.uow import UnitOfWork
from api_helpers import API, World, assert_problem, ok
from builders import site_operator
from web_helpers import browser

# A small guideline in two versions, with Japanese names; the second adds a
# requirement, drops one, and binds one of its own from a later date.
GUIDE_1 = """
urn: urn:test:risk:library:guide-1.0
name: Guide
provider: Test Ministry
objects:
  framework:
    urn: urn:test:risk:framework:guide-1.0
    name: AI Guide
    translations: {ja: {name: AIガイド}}
    requirement_nodes:
      - urn: urn:test:req:g1:common
        ref_id: C
        name: Common guidance
        translations: {ja: {name: 共通の指針}}
      - urn: urn:test:req:g1:safety
        parent_urn: urn:test:req:g1:common
        ref_id: C-1
        name: Safety
        description: Avoid harm to life and property.
        assessable: true
        translations: {ja: {name: 安全性, description: 生命と財産への危害を避ける。}}
      - urn: urn:test:req:g1:fairness
        parent_urn: urn:test:req:g1:common
        ref_id: C-2
        name: Fairness
        assessable: true
        translations: {ja: {name: 公平性}}
      - urn: urn:test:req:g1:retired
        parent_urn: urn:test:req:g1:common
        ref_id: C-9
        name: Paper records
        assessable: true
"""

GUIDE_2 = """
urn: urn:test:risk:library:guide-2.0
name: Guide
provider: Test Ministry
source_url: https://example.org/guide-2.0
copyright: Public domain
effective_date: 2999-04-01
objects:
  framework:
    urn: urn:test:risk:framework:guide-2.0
    name: AI Guide
    translations: {ja: {name: AIガイド}}
    requirement_nodes:
      - urn: urn:test:req:g2:common
        ref_id: C
        name: Common guidance
        translations: {ja: {name: 共通の指針}}
      - urn: urn:test:req:g2:safety
        parent_urn: urn:test:req:g2:common
        ref_id: C-1
        name: Safety
        description: Avoid harm to life and property.
        assessable: true
        translations: {ja: {name: 安全性, description: 生命と財産への危害を避ける。}}
      - urn: urn:test:req:g2:fairness
        parent_urn: urn:test:req:g2:common
        ref_id: C-2
        name: Fairness
        assessable: true
        translations: {ja: {name: 公平性}}
      - urn: urn:test:req:g2:developers
        ref_id: D
        name: For developers
        translations: {ja: {name: AI開発者に関する事項}}
      - urn: urn:test:req:g2:data
        parent_urn: urn:test:req:g2:developers
        ref_id: D-1
        name: Appropriate data
        description: Train on data gathered lawfully.
        assessable: true
        actor: developer
        applies_from: 2999-08-02
        translations: {ja: {name: 適正なデータ, description: 適法に収集したデータで学習する。}}
      - urn: urn:test:req:g2:notice
        parent_urn: urn:test:req:g2:developers
        ref_id: D-2
        name: Notice to users
        assessable: true
        actor: provider
        translations: {ja: {name: 利用者への通知}}
"""

CONTROLS = """
urn: urn:test:risk:library:controls-1
name: Controls
objects:
  framework:
    urn: urn:test:risk:framework:controls-1
    name: Controls
    requirement_nodes:
      - urn: urn:test:req:k:a
        ref_id: K.A
        name: Harm review
      - urn: urn:test:req:k:b
        ref_id: K.B
        name: Bias testing
"""

CROSSWALK = """
urn: urn:test:risk:library:guide-to-controls
name: Guide to controls
provider: Test Institute
source_url: https://example.org/crosswalk
objects:
  requirement_mapping_set:
    urn: urn:test:risk:req_mapping_set:guide-to-controls
    name: Guide 2.0 to controls
    source_framework_urn: urn:test:risk:framework:guide-2.0
    target_framework_urn: urn:test:risk:framework:controls-1
    requirement_mappings:
      - source_requirement_urn: urn:test:req:g2:fairness
        target_requirement_urn: urn:test:req:k:b
        relationship: intersect
        rationale: Bias is one part of fairness.
      - source_requirement_urn: urn:test:req:g2:safety
        target_requirement_urn: urn:test:req:k:a
        relationship: equal
      - source_requirement_urn: urn:test:req:g2:safety
        target_requirement_urn: urn:test:req:k:b
        relationship: subset
"""


@dataclass
class Library:
    world: World
    crosswalk_id: int

    @property
    def client(self) -> TestClient:
        return browser(self.world)

    def japanese(self) -> TestClient:
        client = browser(self.world)
        client.headers["Accept-Language"] = "ja"
        return client


@pytest.fixture(scope="module")
def library(shared: World) -> Iterator[Library]:
    """The shared world with two versions of a guide, a catalogue of controls
    and a crosswalk from the guide's second version to the controls."""
    uow = UnitOfWork(make_session_factory(shared.engine))
    operator = site_operator(uow)
    for name, text in (
        ("guide-1.yaml", GUIDE_1),
        ("guide-2.yaml", GUIDE_2),
        ("controls.yaml", CONTROLS),
        ("crosswalk.yaml", CROSSWALK),
    ):
        service.import_file(uow, operator, text.encode(), name)
    crosswalks = ok(shared.client.get(f"{API}/crosswalks"))
    yield Library(shared, crosswalks[0]["id"])


def _tree(text: str) -> str:
    return text.split('<ul class="tree">', 1)[1].split("</main>", 1)[0]


def test_the_frameworks_and_their_versions_are_public(library: Library) -> None:
    page = library.client.get("/frameworks")
    assert page.status_code == 200
    assert 'href="/frameworks/guide@1.0"' in page.text
    assert 'href="/frameworks/guide@2.0"' in page.text
    assert "applies from 2999-04-01" in page.text
    assert 'href="/frameworks"' in library.client.get("/trust").text


def test_the_tree_shows_each_node_in_order_under_its_parent(library: Library) -> None:
    page = library.client.get("/frameworks/guide@2.0")
    assert page.status_code == 200
    assert "https://example.org/guide-2.0" in page.text and "Public domain" in page.text
    assert "Test Ministry" in page.text
    tree = _tree(page.text)
    order = [tree.index(f"<code>{ref}</code>") for ref in ("C", "C-1", "C-2", "D", "D-1", "D-2")]
    assert order == sorted(order)
    # C-1 is nested inside C's list item, D-1 inside D's.
    common = tree.split("<code>D</code>", 1)[0]
    assert "<code>C-1</code>" in common and "<code>D-1</code>" not in common
    assert "applies from 2999-08-02" in tree
    assert "Developer" in tree and "Provider" in tree
    assert "共通の指針" in tree  # the other language's name, beneath
    assert "/crosswalks/" in page.text  # the crosswalk that starts here
    assert "guide@2.0/difference?from=guide%401.0" in page.text


def test_a_search_in_japanese_keeps_the_ancestors(library: Library) -> None:
    tree = _tree(library.client.get("/frameworks/guide@2.0", params={"q": "適正な"}).text)
    assert "<code>D-1</code>" in tree and "<code>D</code>" in tree
    assert "<code>C-1</code>" not in tree and "<code>D-2</code>" not in tree
    found = library.client.get("/frameworks/guide@2.0", params={"q": "LAWFULLY"}).text
    assert "<code>D-1</code>" in _tree(found)


def test_the_actor_and_assessable_filters(library: Library) -> None:
    tree = _tree(library.client.get("/frameworks/guide@2.0", params={"actor": "provider"}).text)
    assert "<code>D-2</code>" in tree and "<code>D</code>" in tree
    assert "<code>D-1</code>" not in tree and "<code>C</code>" not in tree
    assessable = _tree(library.client.get("/frameworks/guide@2.0?assessable=1").text)
    assert "<code>C-1</code>" in assessable and "<code>D-2</code>" in assessable
    nothing = library.client.get("/frameworks/guide@2.0", params={"q": "no such words"})
    assert "No requirement matches." in nothing.text
    refused = library.client.get("/frameworks/guide@2.0", params={"actor": "robot"})
    assert refused.status_code == 422 and "actor" in refused.text


def test_the_japanese_page_shows_the_japanese_names(library: Library) -> None:
    page = library.japanese().get("/frameworks/guide@2.0")
    assert page.status_code == 200
    tree = _tree(page.text)
    assert "<strong>適正なデータ</strong>" in tree
    assert "Appropriate data" in tree  # the original, beneath
    assert "AI開発者" in tree  # the actor's badge
    assert "<h1>AIガイド" in page.text
    assert "<h1>フレームワーク</h1>" in library.japanese().get("/frameworks").text


def test_the_difference_lists_added_and_removed(library: Library) -> None:
    page = library.client.get("/frameworks/guide@2.0/difference")
    assert page.status_code == 200
    added = page.text.split('id="added"', 1)[1].split('id="removed"', 1)[0]
    assert "<code>D-1</code>" in added and "<code>D-2</code>" in added
    removed = page.text.split('id="removed"', 1)[1].split('id="changed"', 1)[0]
    assert "Paper records" in removed and "No successor" in removed
    unchanged = page.text.split('id="unchanged"', 1)[1]
    assert "<code>C-1</code>" in unchanged and "carried" in unchanged
    first = library.client.get("/frameworks/guide@1.0/difference")
    assert first.status_code == 422 and "from" in first.text


def test_the_crosswalk_pairs_the_right_requirements(library: Library) -> None:
    listing = library.client.get("/crosswalks")
    assert "Guide 2.0 to controls" in listing.text
    assert "https://example.org/crosswalk" in listing.text
    page = library.client.get(f"/crosswalks/{library.crosswalk_id}")
    assert page.status_code == 200
    rows = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    # Safety (C-1) comes before Fairness (C-2): the source's document order.
    assert "<code>C-1</code>" in rows[0] and "<code>K.A</code>" in rows[0]
    assert "Equivalent-to" in rows[0]
    assert "<code>K.B</code>" in rows[1] and "Subset-of" in rows[1]
    assert "<code>C-2</code>" in rows[2] and "<code>K.B</code>" in rows[2]
    assert "Intersects-with" in rows[2] and "Bias is one part of fairness." in rows[2]
    found = library.japanese().get(f"/crosswalks/{library.crosswalk_id}", params={"q": "公平"})
    assert "<code>C-2</code>" in found.text and "<code>C-1</code>" not in found.text


def test_unknown_references_are_not_found(library: Library) -> None:
    for path in (
        "/frameworks/nothing@1.0",
        "/frameworks/guide",
        "/frameworks/guide@9.9/difference",
        "/crosswalks/999999",
        "/crosswalks/99999999999999999999",
    ):
        page = library.client.get(path)
        assert page.status_code == 404, path
        assert "<!doctype html>" in page.text
    long = library.client.get("/frameworks/guide@2.0", params={"q": "x" * 201})
    assert long.status_code == 422 and "q" in long.text


def test_the_api_searches_and_lists_crosswalks(library: Library) -> None:
    client = library.world.client
    found = ok(client.get(f"{API}/frameworks/guide@2.0/requirements", params={"q": "通知"}))
    assert [r["ref_id"] for r in found] == ["D", "D-2"]
    assert found[1]["parent"] == "urn:test:req:g2:developers"
    every = ok(client.get(f"{API}/frameworks/guide@2.0/requirements"))
    assert len(every) == 6
    listed = ok(client.get(f"{API}/crosswalks"))
    assert [(c["source_version"], c["target_version"], c["count"]) for c in listed] == [
        ("guide@2.0", "controls@1", 3)
    ]
    one = ok(client.get(f"{API}/crosswalks/{library.crosswalk_id}", params={"q": "bias"}))
    assert {(m["source_ref_id"], m["target_ref_id"]) for m in one["mappings"]} == {
        ("C-1", "K.B"),
        ("C-2", "K.B"),
    }
    assert one["mappings"][0]["source_key"] == "urn:test:req:g2:safety"
    assert one["mappings"][0]["target_name"] == "Bias testing"


def test_the_api_refuses_bad_input_by_name(library: Library) -> None:
    client = library.world.client
    long = client.get(f"{API}/frameworks/guide@2.0/requirements", params={"q": "x" * 201})
    assert_problem(long, 422, "q")
    assert_problem(client.get(f"{API}/crosswalks/{library.crosswalk_id}?q={'y' * 201}"), 422, "q")
    assert client.get(f"{API}/frameworks/nothing@1/requirements").status_code == 404
    assert client.get(f"{API}/crosswalks/999999").status_code == 404
    assert client.get(f"{API}/crosswalks/99999999999999999999").status_code == 404
    assert_problem(client.get(f"{API}/crosswalks/abc"), 422, "crosswalk_id")
