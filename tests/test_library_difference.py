"""A framework's version difference, pure: NIST CSF 1.1 to 2.0 through NIST's
own mapping, and versions matched by identifier where no mapping exists."""

from pathlib import Path

import pytest

from agilegov.library.catalogue import Catalogue, Mapping, MappingSet, Relationship, Requirement
from agilegov.library.ciso import read_library
from agilegov.library.difference import Change, difference

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "frameworks" / "ciso-assistant"


def _read(name: str) -> object:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data)")
    return read_library(path.read_bytes(), name)


def test_csf_1_1_to_2_0_through_nists_mapping() -> None:
    old, new = _read("nist-csf-1.1.yaml"), _read("nist-csf-2.0.yaml")
    mapping = _read("map-nist-csf-1.1-nist-csf-2.0.yaml")
    assert isinstance(old, Catalogue) and isinstance(new, Catalogue)
    assert isinstance(mapping, MappingSet)
    found = difference(old, new, mapping)
    assert found.by_mapping and (found.old, found.new) == ("nist-csf@1.1", "nist-csf@2.0")
    counts = found.counts
    # Every old node has a fate, every new one reached or added.
    assert counts["removed"] + counts["changed"] + counts["unchanged"] == len(old.requirements)
    mapped_sources = {m.source for m in mapping.mappings}
    assert counts["removed"] == len([r for r in old.requirements if r.key not in mapped_sources])
    reached = {m.target for m in mapping.mappings}
    assert set(found.added) == {r.key for r in new.requirements} - reached
    # NIST's mapping says "intersects" throughout: nothing simply carries over.
    assert counts["unchanged"] == 0
    assert all(not s.carried for targets in found.successors.values() for s in targets)
    # ID.GV (Governance) went to the new Govern function, to be reviewed.
    governance = "urn:intuitem:risk:req_node:nist-csf-1.1:id.gv"
    assert found.changes[governance] is Change.changed
    assert [s.key for s in found.successors[governance]] == [
        "urn:intuitem:risk:req_node:nist-csf-2.0:gv"
    ]


def _catalogue(version: str, *requirements: Requirement) -> Catalogue:
    return Catalogue("aigb", version, "AI Guidelines for Business", requirements=requirements)


def test_without_a_mapping_requirements_are_matched_by_identifier() -> None:
    old = _catalogue(
        "1.0",
        Requirement("c", "C", "Common guiding principles"),
        Requirement("c-1", "C-1", "Human-centric", "Respect human dignity.", "c", True),
        Requirement("c-2", "C-2", "Safety", "Avoid harm.", "c", True),
        Requirement("c-9", "C-9", "Retired item", "", "c", True),
    )
    new = _catalogue(
        "1.1",
        Requirement("c", "C", "Common guiding principles"),
        Requirement("c-1", "C-1", "Human-centric", "Respect human dignity.", "c", True),
        Requirement("c-2", "C-2", "Safety", "Avoid harm to life, body and property.", "c", True),
        Requirement("c-11", "C-11", "Innovation", "Contribute to innovation.", "c", True),
    )
    found = difference(old, new)
    assert not found.by_mapping
    assert found.changes == {
        "c": Change.unchanged,
        "c-1": Change.unchanged,
        "c-2": Change.changed,
        "c-9": Change.removed,
    }
    assert found.added == ("c-11",)
    assert found.successors["c-1"][0].carried
    assert found.counts == {"added": 1, "removed": 1, "changed": 1, "unchanged": 2}


def test_a_mapping_decides_over_identifiers() -> None:
    old = _catalogue("1.0", Requirement("a", "A", "One", "", None, True))
    new = _catalogue(
        "1.1",
        Requirement("a", "A", "One, renamed", "", None, True),
        Requirement("b", "B", "Two", "", None, True),
    )
    split = MappingSet(
        "m",
        "1.0 to 1.1",
        "aigb@1.0",
        "aigb@1.1",
        mappings=(
            Mapping("a", "a", Relationship.superset_of),
            Mapping("a", "b", Relationship.superset_of),
        ),
    )
    found = difference(old, new, split)
    assert found.changes == {"a": Change.changed} and found.added == ()
    assert [s.key for s in found.successors["a"]] == ["a", "b"]
    with pytest.raises(ValueError, match="relates"):
        difference(new, old, split)
