"""What changed between two versions of a framework.

With a mapping from the old version to the new (as NIST publishes for CSF 1.1
to 2.0), each old requirement goes where the mapping sends it: to a new one it
is equivalent to (carried over, or changed if its words moved), to new ones it
only relates to (changed: whatever cited it is to be reviewed), or nowhere
(removed). Without one, requirements are matched by their official identifier
(``ref_id``), else their key. New requirements nothing leads to are added.

Pure: no database, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from agilegov.library.catalogue import Catalogue, MappingSet, Relationship, Requirement


class Change(StrEnum):
    added = "added"
    removed = "removed"
    changed = "changed"
    unchanged = "unchanged"


@dataclass(frozen=True)
class Successor:
    """Where an old requirement goes in the new version, and whether what cited
    it can simply follow (``carried``) or must be reviewed."""

    key: str
    relationship: Relationship

    @property
    def carried(self) -> bool:
        return self.relationship is Relationship.equivalent_to


@dataclass(frozen=True)
class Difference:
    old: str  # framework@version
    new: str
    by_mapping: bool  # from a published mapping (else matched by identifier)
    # Each old requirement's fate, by its key; the new ones nothing leads to.
    changes: dict[str, Change] = field(default_factory=dict)
    added: tuple[str, ...] = ()
    successors: dict[str, tuple[Successor, ...]] = field(default_factory=dict)

    def keys(self, change: Change) -> list[str]:
        if change is Change.added:
            return list(self.added)
        return [key for key, found in self.changes.items() if found is change]

    @property
    def counts(self) -> dict[str, int]:
        return {change.value: len(self.keys(change)) for change in Change}


def _same_words(old: Requirement, new: Requirement) -> bool:
    return (old.name, old.description, old.assessable) == (
        new.name,
        new.description,
        new.assessable,
    )


def difference(old: Catalogue, new: Catalogue, mapping: MappingSet | None = None) -> Difference:
    """The difference from ``old`` to ``new``; ``mapping`` (old → new), where
    published, says where each old requirement went."""
    if mapping is not None and (mapping.source, mapping.target) != (old.ref, new.ref):
        raise ValueError(f"the mapping relates {mapping.source} to {mapping.target}")
    new_by_key = {r.key: r for r in new.requirements}
    successors: dict[str, list[Successor]] = defaultdict(list)
    if mapping is not None:
        for each in mapping.mappings:
            if each.relationship is not Relationship.no_relationship:
                successors[each.source].append(Successor(each.target, each.relationship))
    else:
        by_id = {r.ref_id or r.key: r.key for r in new.requirements}
        for requirement in old.requirements:
            found = by_id.get(requirement.ref_id or requirement.key)
            if found is not None:
                successors[requirement.key].append(Successor(found, Relationship.equivalent_to))
    changes: dict[str, Change] = {}
    reached: set[str] = set()
    for requirement in old.requirements:
        targets = successors.get(requirement.key, [])
        reached.update(target.key for target in targets)
        if not targets:
            changes[requirement.key] = Change.removed
        elif len(targets) == 1 and targets[0].carried and targets[0].key in new_by_key:
            same = _same_words(requirement, new_by_key[targets[0].key])
            changes[requirement.key] = Change.unchanged if same else Change.changed
        else:
            changes[requirement.key] = Change.changed
    return Difference(
        old=old.ref,
        new=new.ref,
        by_mapping=mapping is not None,
        changes=changes,
        added=tuple(r.key for r in new.requirements if r.key not in reached),
        successors={key: tuple(found) for key, found in successors.items()},
    )
