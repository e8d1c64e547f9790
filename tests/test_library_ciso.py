"""CISO Assistant library YAML, pure: the shared NIST CSF libraries and NIST's
mapping from 1.1 to 2.0 read, written and read again with every node, parent,
order and mapping kept; bad files refused with the file, the node and the
problem named."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from agilegov.library.catalogue import (
    Catalogue,
    CatalogueError,
    Mapping,
    MappingSet,
    Relationship,
    Requirement,
)
from agilegov.library.ciso import (
    RELATIONSHIPS,
    framework_ref,
    read_library,
    write_framework,
    write_mapping_set,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "frameworks" / "ciso-assistant"


def _shared(name: str) -> bytes:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data)")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "ref", "nodes", "assessable"),
    [
        ("nist-csf-1.1.yaml", "nist-csf@1.1", 136, 108),
        ("nist-csf-2.0.yaml", "nist-csf@2.0", 134, 106),
    ],
)
def test_the_nist_csf_libraries_round_trip(
    name: str, ref: str, nodes: int, assessable: int
) -> None:
    data = _shared(name)
    catalogue = read_library(data, name)
    assert isinstance(catalogue, Catalogue)
    assert catalogue.ref == ref and catalogue.provider == "NIST"
    assert len(catalogue.requirements) == nodes
    assert sum(r.assessable for r in catalogue.requirements) == assessable
    # The file's own order, parents and identifiers.
    source = yaml.safe_load(data)["objects"]["framework"]["requirement_nodes"]
    assert [r.key for r in catalogue.requirements] == [n["urn"] for n in source]
    assert [r.parent for r in catalogue.requirements] == [n.get("parent_urn") for n in source]
    assert [r.ref_id for r in catalogue.requirements] == [n.get("ref_id") for n in source]
    again = read_library(write_framework(catalogue).encode(), "exported.yaml")
    assert isinstance(again, Catalogue)
    assert again.requirements == catalogue.requirements
    assert (again.framework, again.version, again.name, again.published) == (
        catalogue.framework,
        catalogue.version,
        catalogue.name,
        catalogue.published,
    )


def test_nists_mapping_from_1_1_to_2_0_round_trips() -> None:
    name = "map-nist-csf-1.1-nist-csf-2.0.yaml"
    mapping_set = read_library(_shared(name), name)
    assert isinstance(mapping_set, MappingSet)
    assert (mapping_set.source, mapping_set.target) == ("nist-csf@1.1", "nist-csf@2.0")
    assert len(mapping_set.mappings) == 185
    assert {m.relationship for m in mapping_set.mappings} == {Relationship.intersects_with}
    old = read_library(_shared("nist-csf-1.1.yaml"), "1.1")
    new = read_library(_shared("nist-csf-2.0.yaml"), "2.0")
    assert isinstance(old, Catalogue) and isinstance(new, Catalogue)
    old_keys, new_keys = {r.key for r in old.requirements}, {r.key for r in new.requirements}
    assert all(m.source in old_keys and m.target in new_keys for m in mapping_set.mappings)
    again = read_library(write_mapping_set(mapping_set).encode(), "exported.yaml")
    assert isinstance(again, MappingSet)
    assert again.mappings == mapping_set.mappings
    assert (again.source, again.target) == (mapping_set.source, mapping_set.target)


def test_a_catalogue_of_our_own_round_trips_with_every_relationship() -> None:
    catalogue = Catalogue(
        framework="aigb",
        version="1.1",
        name="AI事業者ガイドライン",
        published=date(2025, 3, 28),
        requirements=(
            Requirement("c", "C", "共通の指針"),
            Requirement("c-1", "C-1", "人間中心", "人間の尊厳と自律を尊重する。", "c", True),
            Requirement("d", "D", "AI開発者"),
            Requirement("d-1", "D-1", "データの適正な収集", "", "d", True),
        ),
    )
    again = read_library(write_framework(catalogue).encode(), "own.yaml")
    assert isinstance(again, Catalogue)
    assert [(r.ref_id, r.name, r.description, r.assessable) for r in again.requirements] == [
        (r.ref_id, r.name, r.description, r.assessable) for r in catalogue.requirements
    ]
    assert [r.parent is None for r in again.requirements] == [True, False, True, False]
    mapping_set = MappingSet(
        key="urn:agilegov:risk:requirement_mapping_set:aigb-1.1-to-eu-ai-act-2024",
        name="AI Guidelines 1.1 to the EU AI Act",
        source="aigb@1.1",
        target="eu-ai-act@2024",
        mappings=tuple(
            Mapping(f"urn:a:{number}", f"urn:b:{number}", relationship)
            for number, relationship in enumerate(Relationship)
        ),
    )
    back = read_library(write_mapping_set(mapping_set).encode(), "map.yaml")
    assert isinstance(back, MappingSet) and back.mappings == mapping_set.mappings
    assert set(RELATIONSHIPS.values()) == set(Relationship)


@pytest.mark.parametrize(
    ("urn", "ref"),
    [
        ("urn:intuitem:risk:framework:nist-csf-2.0", ("nist-csf", "2.0")),
        ("urn:intuitem:risk:framework:iso27001-2022", ("iso27001", "2022")),
        ("urn:intuitem:risk:framework:nist-ai-rmf-v1.0", ("nist-ai-rmf", "1.0")),
        ("urn:intuitem:risk:framework:gdpr", ("gdpr", "1")),
    ],
)
def test_a_frameworks_version_comes_from_its_urn(urn: str, ref: tuple[str, str]) -> None:
    assert framework_ref(urn, "f.yaml") == ref


FRAMEWORK = """
urn: urn:x:risk:library:f-1.0
objects:
  framework:
    urn: urn:x:risk:framework:f-1.0
    name: F
    requirement_nodes:
{nodes}
"""


@pytest.mark.parametrize(
    ("nodes", "node", "problem"),
    [
        ("    - {urn: a, name: A}\n    - {urn: a, name: B}", "a", "appears twice"),
        ("    - {urn: b, name: B, parent_urn: a}", "b", "parent 'a' is not before it"),
        ("    - {name: A}", "requirement_nodes[1]", "has no urn"),
        ("    - {urn: a, name: A, assessable: maybe}", "a", "assessable"),
        ("    - {urn: a}", "a", "neither name nor id"),
        ("    []", "urn:x:risk:framework:f-1.0", "no requirement_nodes"),
    ],
)
def test_a_bad_framework_is_refused_naming_the_node(nodes: str, node: str, problem: str) -> None:
    text = (
        FRAMEWORK.format(nodes=nodes)
        if nodes.strip() != "[]"
        else FRAMEWORK.format(nodes="").replace("requirement_nodes:", "requirement_nodes: []")
    )
    with pytest.raises(CatalogueError) as refused:
        read_library(text.encode(), "bad.yaml")
    assert refused.value.file == "bad.yaml" and refused.value.node == node
    assert problem in refused.value.problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"key: [unclosed", "not YAML"),
        (b"- a list", "no objects"),
        (b"objects: {other: 1}", "no framework and no mapping set"),
        (b"objects: {framework: {urn: 'not a urn'}}", "not a framework urn"),
    ],
)
def test_a_file_that_is_no_library_is_refused(text: bytes, problem: str) -> None:
    with pytest.raises(CatalogueError, match=problem) as refused:
        read_library(text, "bad.yaml")
    assert str(refused.value).startswith("bad.yaml: ")


def test_a_mapping_with_an_unknown_relationship_is_refused() -> None:
    text = b"""
objects:
  requirement_mapping_set:
    source_framework_urn: urn:x:risk:framework:a-1
    target_framework_urn: urn:x:risk:framework:b-2
    requirement_mappings:
    - {source_requirement_urn: s, target_requirement_urn: t, relationship: equal}
    - {source_requirement_urn: s, target_requirement_urn: t, relationship: cousin}
"""
    with pytest.raises(CatalogueError, match="unknown relationship 'cousin'") as refused:
        read_library(text, "map.yaml")
    assert refused.value.node == "requirement_mappings[2]"
