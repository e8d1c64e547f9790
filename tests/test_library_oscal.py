"""OSCAL catalogs and mapping collections in and out: NIST's example catalog
reads as the file has it, every catalogue and mapping set reads back as it was
written, exports are stable, and a file that cannot be imported is refused with
its name, the node and the problem."""

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from agilegov.library.catalogue import (
    Actor,
    Catalogue,
    CatalogueError,
    Mapping,
    MappingSet,
    Relationship,
    Requirement,
)
from agilegov.library.oscal import (
    MAX_BYTES,
    NS,
    read_catalog,
    read_mapping,
    write_catalog,
    write_mapping,
)

FRAMEWORKS = Path(__file__).parents[1].parent / "shared" / "data" / "frameworks"
BASIC = FRAMEWORKS / "oscal" / "basic-catalog.json"


def _bytes(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _basic() -> bytes:
    if not BASIC.exists():
        pytest.skip(f"{BASIC} is not here")
    return BASIC.read_bytes()


def test_nist_example_catalog_reads_as_the_file_has_it() -> None:
    catalogue = read_catalog(_basic(), "basic-catalog.json")
    assert catalogue.framework == "sample-security-catalog-for-demonstration-and-testing"
    assert catalogue.version == "1.1"
    assert catalogue.name == "Sample Security Catalog *for Demonstration* and Testing"
    assert catalogue.published == date(2023, 10, 12)
    assert "ISO/IEC 27002:2013" in catalogue.description
    keys = [r.key for r in catalogue.requirements]
    assert keys == ["s1", "s1.1", "s1.1.1", "s1.1.2", "s2", "s2.1", "s2.1.1", "s2.1.2"]
    groups = [r for r in catalogue.requirements if not r.assessable]
    controls = [r for r in catalogue.requirements if r.assessable]
    assert (len(groups), len(controls)) == (4, 4)
    by_key = {r.key: r for r in catalogue.requirements}
    assert (by_key["s1"].parent, by_key["s1"].ref_id) == (None, "1")
    assert (by_key["s1.1"].parent, by_key["s1.1"].ref_id) == ("s1", "s1.1")  # no label
    control = by_key["s1.1.1"]
    assert (control.parent, control.ref_id, control.assessable) == ("s1.1", "1.1.1", True)
    assert control.name == "Information security roles and responsibilities"
    # The statement's prose only (not the overview or guidance), params as written.
    assert control.description.startswith("All information security responsibilities")
    assert "{{ insert: param, s1.1.1-prm1 }}" in control.description
    assert "management framework" not in control.description
    assert by_key["s2.1.2"].parent == "s2.1"


def test_nist_example_catalog_round_trips() -> None:
    catalogue = read_catalog(_basic(), "basic-catalog.json")
    exported = write_catalog(catalogue)
    assert exported["catalog"]["metadata"]["oscal-version"] == "1.1.2"
    again = read_catalog(_bytes(exported), "export.json")
    assert again.requirements == catalogue.requirements
    assert again == catalogue


def _catalogue() -> Catalogue:
    return Catalogue(
        framework="aigb",
        version="1.1",
        name="AI事業者ガイドライン",
        description="AIの開発・提供・利用に関する指針",
        published=date(2025, 3, 28),
        effective=date(2025, 4, 1),
        source_url="https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/",
        licence="CC BY 4.0",
        provider="経済産業省",
        requirements=(
            Requirement("part-2", "第2部", "AIにより目指すべき社会と各主体が取り組む事項"),
            Requirement("part-2.c", "C", "共通の指針", "各主体が共通して取り組む事項", "part-2"),
            Requirement("c-1", "C-1", "人間中心", "人間の尊厳と自律を尊重する", "part-2.c", True),
            Requirement("c-1-1", "C-1-1", "偽情報等への対策", "", "c-1", True, Actor.developer),
            Requirement("c-1-note", "注", "補足", "評価しない注記", "c-1"),
            Requirement("c-2", "C-2", "安全性", "", "part-2.c", True, Actor.business_user),
            Requirement("part-3", None, "AI開発者に関する事項", "", None),
            Requirement("urn:aigb:d-1", "D-1", "データの適正管理", "", "part-3", True),
        ),
    )


def test_a_built_catalogue_round_trips() -> None:
    catalogue = _catalogue()
    exported = write_catalog(catalogue)
    body = exported["catalog"]
    assert [g["id"] for g in body["groups"]] == ["part-2", "part-3"]
    enhancement = body["groups"][0]["groups"][0]["controls"][0]["controls"][0]
    assert enhancement["id"] == "c-1-1"
    assert {"name": "label", "value": "C-1-1"} in enhancement["props"]
    # A key that is not an OSCAL token gets one, and keeps itself in a prop.
    d1 = body["groups"][1]["controls"][0]
    assert d1["id"] == "urn_aigb_d-1"
    again = read_catalog(_bytes(exported), "aigb.json")
    expected = [
        r if r.ref_id is not None else Requirement(**{**vars(r), "ref_id": r.key})
        for r in catalogue.requirements
    ]
    # Without a label OSCAL's id is the reference: the only thing a round trip fills in.
    assert again.requirements == tuple(expected)
    assert again == Catalogue(**{**vars(catalogue), "requirements": tuple(expected)})


def test_exports_are_deterministic() -> None:
    catalogue = _catalogue()
    assert json.dumps(write_catalog(catalogue)) == json.dumps(write_catalog(_catalogue()))
    first = write_catalog(catalogue)["catalog"]
    assert first["metadata"]["last-modified"] == "2025-03-28T00:00:00Z"
    changed = Catalogue(**{**vars(catalogue), "version": "1.2"})
    assert write_catalog(changed)["catalog"]["uuid"] != first["uuid"]
    mapping_set = _mapping_set()
    assert json.dumps(write_mapping(mapping_set)) == json.dumps(write_mapping(_mapping_set()))


def _mapping_set() -> MappingSet:
    return MappingSet(
        key="aigb-to-nist-ai-rmf",
        name="AI事業者ガイドラインからNIST AI RMFへ",
        source="aigb@1.1",
        target="nist-ai-rmf@1.0",
        provider="AISI Japan",
        source_url="https://aisi.go.jp/",
        mappings=(
            *(
                Mapping(f"c-{index}", f"GOVERN-{index}", relationship, f"理由 {index}")
                for index, relationship in enumerate(Relationship, 1)
            ),
            Mapping("c-1", "MAP-1", Relationship.subset_of),
        ),
    )


def test_a_mapping_set_round_trips_with_every_relationship() -> None:
    mapping_set = _mapping_set()
    exported = write_mapping(mapping_set)
    collection = exported["mapping-collection"]
    assert collection["mappings"][0]["source-resource"]["href"] == "#aigb@1.1"
    assert collection["mappings"][0]["target-resource"]["href"] == "#nist-ai-rmf@1.0"
    assert collection["provenance"]["mapping-description"] == mapping_set.name
    again = read_mapping(_bytes(exported), "crosswalk.json")
    assert again == mapping_set
    assert {m.relationship for m in again.mappings} == set(Relationship)


def test_a_map_with_several_sources_and_targets_gives_one_mapping_per_pair() -> None:
    exported = write_mapping(_mapping_set())
    entry = exported["mapping-collection"]["mappings"][0]
    entry["maps"] = [entry["maps"][0]]
    entry["maps"][0]["sources"].append({"type": "control", "id-ref": "c-9"})
    entry["maps"][0]["targets"].append({"type": "statement", "id-ref": "GOVERN-9"})
    pairs = [(m.source, m.target) for m in read_mapping(_bytes(exported), "m.json").mappings]
    assert pairs == [
        ("c-1", "GOVERN-1"),
        ("c-1", "GOVERN-9"),
        ("c-9", "GOVERN-1"),
        ("c-9", "GOVERN-9"),
    ]


def _refused(call: Callable[[bytes, str], object], data: bytes, *words: str) -> CatalogueError:
    with pytest.raises(CatalogueError) as raised:
        call(data, "bad.json")
    message = str(raised.value)
    assert message.startswith("bad.json: ")
    for word in words:
        assert word in message
    return raised.value


def _catalog_with(*controls: dict) -> bytes:
    return _bytes(
        {
            "catalog": {
                "uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724",
                "metadata": {"title": "T", "version": "1"},
                "groups": [{"id": "g", "title": "G", "controls": list(controls)}],
            }
        }
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{not json", ["not JSON"]),
        (b"\xff\xfe", ["not JSON"]),
        (b"[1, 2]", ["not a JSON object"]),
        (b'{"profile": {}}', ["no 'catalog'"]),
        (b'{"catalog": {"metadata": {"version": "1"}}}', ["metadata", "no title"]),
        (b'{"catalog": {"metadata": {"title": "T"}}}', ["metadata", "no version"]),
        (_catalog_with({"title": "no id"}), ["g control 1", "has no id"]),
        (_catalog_with({"id": "c1"}), ["c1", "has no title"]),
        (_catalog_with({"id": "c1", "title": "A"}, {"id": "c1", "title": "B"}), ["c1", "twice"]),
        (_catalog_with({"id": "c1", "title": "A", "groups": [{"id": "x"}]}), ["c1", "group"]),
        (_catalog_with({"id": "c1", "title": "A", "props": "x"}), ["c1", "'props'"]),
        (
            _catalog_with(
                {"id": "c1", "title": "A", "props": [{"name": "actor", "ns": NS, "value": "robot"}]}
            ),
            ["c1", "unknown actor 'robot'"],
        ),
    ],
)
def test_a_catalog_that_cannot_be_imported_is_refused(data: bytes, words: list[str]) -> None:
    error = _refused(read_catalog, data, *words)
    assert error.file == "bad.json" and error.problem


def test_a_file_over_the_cap_is_refused_before_parsing() -> None:
    error = _refused(read_catalog, b" " * (MAX_BYTES + 1), "larger than")
    assert error.node is None
    _refused(read_mapping, b" " * (MAX_BYTES + 1), "larger than")


def _mapping_with(change: Callable[[dict], object]) -> bytes:
    exported = write_mapping(_mapping_set())
    change(exported["mapping-collection"]["mappings"][0])
    return _bytes(exported)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m["maps"][1].update(relationship="equal-to"), ["mapping 1 map 2", "'equal-to'"]),
        (lambda m: m["maps"][0].update(relationship=None), ["mapping 1 map 1", "relationship"]),
        (lambda m: m["maps"][2].update(sources=[]), ["mapping 1 map 3", "no source"]),
        (lambda m: m["maps"][0].pop("targets"), ["mapping 1 map 1", "no target"]),
        (
            lambda m: m["maps"][0]["targets"].append({"type": "control"}),
            ["mapping 1 map 1", "no target"],
        ),
        (lambda m: m.pop("source-resource"), ["mapping 1", "no source-resource"]),
        (
            lambda m: m["target-resource"].update(href="", props=[]),
            ["mapping 1", "target-resource names no catalogue"],
        ),
    ],
)
def test_a_mapping_that_cannot_be_imported_is_refused(
    change: Callable[[dict], object], words: list[str]
) -> None:
    _refused(read_mapping, _mapping_with(change), *words)


def test_a_mapping_collection_without_collection_or_mappings_is_refused() -> None:
    _refused(read_mapping, b'{"catalog": {}}', "no 'mapping-collection'")
    exported = write_mapping(_mapping_set())
    exported["mapping-collection"]["mappings"] = []
    _refused(read_mapping, _bytes(exported), "mapping-collection", "no mapping")
    second = write_mapping(MappingSet("k", "n", "a@1", "c@1"))["mapping-collection"]["mappings"]
    exported = write_mapping(_mapping_set())
    exported["mapping-collection"]["mappings"] += second
    _refused(read_mapping, _bytes(exported), "mapping 2", "more than one pair")


def test_a_statement_reads_with_its_items_after_their_labels() -> None:
    statement = {
        "id": "c1_smt",
        "name": "statement",
        "prose": "The organization:",
        "parts": [
            {
                "id": "c1_smt.a",
                "name": "item",
                "props": [{"name": "label", "value": "a."}],
                "prose": "Defines {{ insert: param, c1_prm_1 }};",
            },
            {"id": "c1_smt.b", "name": "item", "prose": "Reviews it."},
        ],
    }
    guidance = {"id": "c1_gdn", "name": "guidance", "prose": "Not part of the requirement."}
    control = {"id": "c1", "title": "Policy", "parts": [guidance, statement]}
    catalogue = read_catalog(_catalog_with(control), "c.json")
    assert catalogue.requirements[1].description == (
        "The organization:\n\na. Defines {{ insert: param, c1_prm_1 }};\n\nReviews it."
    )
