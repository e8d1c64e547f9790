"""A framework's catalogue as the library holds it, whatever file it came from.

A catalogue is one version of a framework: its requirement tree in document
order (a parent before its children), each node with the official identifier
(``ref_id``), a key unique within the version, its parent's key, its name and
description, whether it is assessable, and the actor it applies to where the
framework tells developers, providers and users apart. A mapping set relates
the requirements of two catalogues, each mapping with its relationship in
OSCAL's vocabulary and where it comes from.

The importers (``library.ciso``, ``library.oscal``) read files into these
shapes and the exporters write them back; a round trip keeps every node, its
parent, its order and every mapping. This module is pure: no database, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Relationship(StrEnum):
    """How a source requirement relates to a target one (OSCAL's mapping vocabulary)."""

    equivalent_to = "equivalent-to"
    subset_of = "subset-of"
    superset_of = "superset-of"
    intersects_with = "intersects-with"
    no_relationship = "no-relationship"


class Actor(StrEnum):
    """Whom a requirement addresses, where the framework tells them apart
    (the AI Guidelines for Business: developers, providers, business users)."""

    developer = "developer"
    provider = "provider"
    business_user = "business_user"


class CatalogueError(ValueError):
    """A file that cannot be imported: names the file, the node and the problem."""

    def __init__(self, file: str, node: str | None, problem: str) -> None:
        self.file, self.node, self.problem = file, node, problem
        where = f"{file}: {node}: " if node else f"{file}: "
        super().__init__(where + problem)


@dataclass(frozen=True)
class Translation:
    """A name and description in another language than the file's own."""

    name: str
    description: str = ""


# By language tag ("ja"): the file's own language is the catalogue's fields.
Translations = dict[str, Translation]


@dataclass(frozen=True)
class Requirement:
    key: str
    ref_id: str | None
    name: str
    description: str = ""
    parent: str | None = None
    assessable: bool = False
    actor: Actor | None = None
    # From when it binds, where the framework dates its obligations apart
    # (the EU AI Act's Article 113); None: from the version's effective date.
    applies_from: date | None = None
    translations: Translations = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Catalogue:
    """One version of a framework."""

    framework: str  # a short, stable identifier: "nist-csf", "aigb"
    version: str
    name: str
    description: str = ""
    published: date | None = None
    effective: date | None = None
    source_url: str | None = None
    licence: str | None = None
    provider: str | None = None
    requirements: tuple[Requirement, ...] = ()
    translations: Translations = field(default_factory=dict, hash=False)

    @property
    def ref(self) -> str:
        """``framework@version``, as commands and the API name a version."""
        return f"{self.framework}@{self.version}"


@dataclass(frozen=True)
class Mapping:
    source: str  # a requirement's key in the source catalogue
    target: str  # … in the target catalogue
    relationship: Relationship
    rationale: str = ""


@dataclass(frozen=True)
class MappingSet:
    """How the requirements of one version relate to another's (a crosswalk, or
    a framework's mapping from its previous version), and whose work it is."""

    key: str
    name: str
    source: str  # framework@version
    target: str  # framework@version
    provider: str | None = None
    source_url: str | None = None
    mappings: tuple[Mapping, ...] = field(default=())


def check_tree(catalogue: Catalogue, file: str) -> None:
    """Refuse a tree whose keys repeat, or whose parents are unknown or come
    after their children (a cycle cannot then occur)."""
    seen: set[str] = set()
    for requirement in catalogue.requirements:
        if not requirement.key:
            raise CatalogueError(file, requirement.ref_id, "a requirement has no key")
        if requirement.key in seen:
            raise CatalogueError(file, requirement.key, "this key appears twice")
        if requirement.parent is not None and requirement.parent not in seen:
            raise CatalogueError(
                file, requirement.key, f"its parent {requirement.parent!r} is not before it"
            )
        if not requirement.name and not requirement.ref_id:
            raise CatalogueError(file, requirement.key, "a requirement has neither name nor id")
        seen.add(requirement.key)
