"""How far a scope's work covers the frameworks it follows, and others.

For each version the scope follows: its assessable requirements, those the
scope has decided do not apply, those its measures, goals or indicators address
(cite), and the gaps (applicable, not addressed), in document order. Through the
crosswalks in the library, what the addressed requirements reach of another
version: a requirement is *covered* when an addressed one is equivalent to it
or includes it, *partly* when an addressed one is included in it or only
intersects it.

Pure: no database, no I/O.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from agilegov.library.catalogue import Relationship

# What addressing the source of a mapping does for its target, and the reverse.
_FORWARD = {
    Relationship.equivalent_to: "covered",
    Relationship.superset_of: "covered",
    Relationship.subset_of: "partly",
    Relationship.intersects_with: "partly",
}
_BACKWARD = {
    Relationship.equivalent_to: "covered",
    Relationship.subset_of: "covered",
    Relationship.superset_of: "partly",
    Relationship.intersects_with: "partly",
}


@dataclass(frozen=True)
class Followed:
    version: str  # framework@version
    assessable: tuple[int, ...]  # requirement ids, in document order
    not_applicable: frozenset[int] = frozenset()
    addressed: frozenset[int] = frozenset()

    @property
    def applicable(self) -> int:
        return len([r for r in self.assessable if r not in self.not_applicable])

    @property
    def gaps(self) -> tuple[int, ...]:
        return tuple(
            r for r in self.assessable if r not in self.not_applicable and r not in self.addressed
        )

    @property
    def met(self) -> int:
        return self.applicable - len(self.gaps)


@dataclass(frozen=True)
class Reached:
    """What the scope's work reaches of a version it does not follow (or does)."""

    version: str
    assessable: tuple[int, ...]
    covered: tuple[int, ...] = ()
    partly: tuple[int, ...] = ()
    # The addressed requirements that reach each one.
    through: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def not_reached(self) -> tuple[int, ...]:
        done = set(self.covered) | set(self.partly)
        return tuple(r for r in self.assessable if r not in done)


def reach(
    addressed: Iterable[int],
    mappings: Iterable[tuple[int, int, Relationship]],
    versions: Mapping[str, Sequence[int]],
) -> list[Reached]:
    """What ``addressed`` requirements reach of each of ``versions`` (assessable
    requirement ids by version, in document order) through ``mappings``
    (source id, target id, relationship), both ways; one step, not chained."""
    done = set(addressed)
    best: dict[int, str] = {}
    through: dict[int, list[int]] = {}

    def note(target: int, how: str, source: int) -> None:
        if best.get(target) != "covered":
            best[target] = how if best.get(target) is None or how == "covered" else best[target]
        through.setdefault(target, [])
        if source not in through[target]:
            through[target].append(source)

    for source, target, relationship in mappings:
        if source in done and relationship in _FORWARD:
            note(target, _FORWARD[relationship], source)
        if target in done and relationship in _BACKWARD:
            note(source, _BACKWARD[relationship], target)
    found = []
    for version, assessable in versions.items():
        found.append(
            Reached(
                version=version,
                assessable=tuple(assessable),
                covered=tuple(r for r in assessable if best.get(r) == "covered"),
                partly=tuple(r for r in assessable if best.get(r) == "partly"),
                through={r: tuple(through[r]) for r in assessable if r in through},
            )
        )
    return found
