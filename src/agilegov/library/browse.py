"""Reading the library for people: the frameworks and their versions, a
version's requirement tree (searched and filtered), what changed from one
version to another with each requirement's names, and the crosswalks.

Each read is a fixed number of queries, whatever the size of the tree: the
rows of a version are read at once and the tree is built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from agilegov import clock
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.library import service
from agilegov.library.catalogue import Actor
from agilegov.library.models import (
    Framework,
    FrameworkVersion,
    MappingSet,
    Requirement,
    RequirementMapping,
)
from agilegov.library.schemas import (
    CrosswalkMappingRead,
    CrosswalkRead,
    CrosswalkWithMappings,
    DifferenceRead,
    RequirementRead,
)
from agilegov.uow import UnitOfWork

# The longest search accepted, in characters.
MAX_QUERY = 200
# The language a catalogue's translations are read in, besides its own.
OTHER_LANGUAGE = "ja"


# ---------------------------------------------------------------- input


def search_text(q: str | None) -> str:
    """The search asked for, trimmed; refused when too long."""
    text = (q or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput.on("q", lazy("at most %(count)s characters", count=MAX_QUERY))
    return text


def actor_filter(actor: str | None) -> str | None:
    """The actor asked for, or None for every one; refused when unknown."""
    if not actor:
        return None
    if actor not in {member.value for member in Actor}:
        raise InvalidInput.on(
            "actor", lazy("one of %(actors)s", actors=", ".join(member.value for member in Actor))
        )
    return actor


# ---------------------------------------------------------------- names


def names_in(
    name: str, translations: dict[str, dict[str, str]] | None, language: str
) -> tuple[str, str]:
    """``(name shown, the other language's name)``: the translation in the
    reader's language where there is one, else the original; the other is ""
    where it is missing or the same."""
    translated = ((translations or {}).get(OTHER_LANGUAGE) or {}).get("name", "")
    if language == OTHER_LANGUAGE and translated:
        shown, other = translated, name
    else:
        shown, other = name, translated
    return shown, ("" if other == shown else other)


def _description_in(
    description: str, translations: dict[str, dict[str, str]] | None, language: str
) -> str:
    translated = ((translations or {}).get(OTHER_LANGUAGE) or {}).get("description", "")
    return translated if language == OTHER_LANGUAGE and translated else description


def _matches(row: Requirement, needle: str) -> bool:
    """Whether the search ``needle`` (casefolded) is in the requirement's
    identifier, or its name or description in any language."""
    texts = [row.ref_id or "", row.name, row.description]
    for texts_in in (row.translations or {}).values():
        texts.extend((texts_in.get("name", ""), texts_in.get("description", "")))
    return any(needle in text.casefold() for text in texts if text)


# ---------------------------------------------------------------- frameworks


@dataclass(frozen=True)
class VersionSummary:
    ref: str
    version: str
    name: str
    other_name: str
    published: date | None
    effective: date | None
    upcoming: bool  # its effective date is still to come


@dataclass(frozen=True)
class FrameworkSummary:
    key: str
    name: str
    provider: str | None
    versions: list[VersionSummary]


def _order(version: FrameworkVersion) -> tuple[date, int]:
    """A framework's versions in the order they were published (imports of
    unknown date in the order they came)."""
    return (version.published or date.min, version.id)


def frameworks(uow: UnitOfWork, language: str) -> list[FrameworkSummary]:
    """Every framework, with its versions in the order they were published."""
    today = clock.now().date()
    with uow:
        session = uow.session
        by_framework: dict[int, list[FrameworkVersion]] = {}
        for version in session.scalars(select(FrameworkVersion)):
            by_framework.setdefault(version.framework_id, []).append(version)
        found = []
        for framework in session.scalars(select(Framework).order_by(Framework.key)):
            versions = sorted(by_framework.get(framework.id, []), key=_order)
            found.append(
                FrameworkSummary(
                    key=framework.key,
                    name=names_in(framework.name, versions[-1].translations, language)[0]
                    if versions
                    else framework.name,
                    provider=framework.provider,
                    versions=[
                        VersionSummary(
                            ref=f"{framework.key}@{v.version}",
                            version=v.version,
                            name=names_in(v.name, v.translations, language)[0],
                            other_name=names_in(v.name, v.translations, language)[1],
                            published=v.published,
                            effective=v.effective,
                            upcoming=v.effective is not None and v.effective > today,
                        )
                        for v in versions
                    ],
                )
            )
        return found


# ---------------------------------------------------------------- a version's tree


@dataclass
class Node:
    id: int
    key: str
    ref_id: str | None
    name: str  # in the reader's language
    other_name: str  # in the other, where it differs
    description: str
    actor: str | None
    applies_from: date | None
    assessable: bool
    matched: bool  # found by the search and filters itself (not only an ancestor)
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class CrosswalkLink:
    id: int
    name: str
    source: str
    target: str


@dataclass(frozen=True)
class VersionPage:
    ref: str
    framework: str
    version: str
    name: str
    other_name: str
    description: str
    published: date | None
    effective: date | None
    upcoming: bool
    source_url: str | None
    licence: str | None
    provider: str | None
    total: int  # requirements in the version
    shown: int  # requirements found by the search and filters
    roots: list[Node]
    actors: list[str]  # the actors its requirements name
    previous: str | None  # the version before it, for the difference
    crosswalks: list[CrosswalkLink]


def _version_or_404(session: Session, ref: str) -> tuple[Framework, FrameworkVersion]:
    framework_key, at, version_name = ref.partition("@")
    found = (
        session.execute(
            select(Framework, FrameworkVersion)
            .join(FrameworkVersion, FrameworkVersion.framework_id == Framework.id)
            .where(Framework.key == framework_key, FrameworkVersion.version == version_name)
        ).first()
        if at
        else None
    )
    if found is None:
        raise NotFound(lazy("%(ref)s is not in the library", ref=ref))
    return found[0], found[1]


def _rows(session: Session, version_id: int) -> list[Requirement]:
    return list(
        session.scalars(
            select(Requirement)
            .where(Requirement.version_id == version_id)
            .order_by(Requirement.position)
        )
    )


def kept(
    rows: Sequence[Requirement], q: str = "", actor: str | None = None, assessable: bool = False
) -> tuple[list[Requirement], set[int]]:
    """The rows found by the search and filters, with their ancestors, in
    document order; and the ids of those found themselves."""
    needle = q.casefold()
    parent = {row.id: row.parent_id for row in rows}
    found = {
        row.id
        for row in rows
        if (not needle or _matches(row, needle))
        and (actor is None or row.actor == actor)
        and (not assessable or row.assessable)
    }
    keep = set(found)
    for id_ in found:
        up = parent.get(id_)
        while up is not None and up not in keep:
            keep.add(up)
            up = parent.get(up)
    return [row for row in rows if row.id in keep], found


def _tree(rows: Iterable[Requirement], found: set[int], language: str) -> list[Node]:
    """The rows (parents before their children) as a tree."""
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for row in rows:
        name, other = names_in(row.name, row.translations, language)
        node = Node(
            id=row.id,
            key=row.key,
            ref_id=row.ref_id,
            name=name,
            other_name=other,
            description=_description_in(row.description, row.translations, language),
            actor=row.actor,
            applies_from=row.applies_from,
            assessable=row.assessable,
            matched=row.id in found,
        )
        nodes[row.id] = node
        above = nodes.get(row.parent_id) if row.parent_id is not None else None
        (above.children if above is not None else roots).append(node)
    return roots


def version_page(
    uow: UnitOfWork,
    ref: str,
    language: str,
    q: str = "",
    actor: str | None = None,
    assessable: bool = False,
) -> VersionPage:
    """A version's facts and its requirement tree, searched and filtered."""
    today = clock.now().date()
    with uow:
        session = uow.session
        framework, version = _version_or_404(session, ref)
        rows = _rows(session, version.id)
        shown, found = kept(rows, q, actor, assessable)
        siblings = sorted(
            session.scalars(
                select(FrameworkVersion).where(FrameworkVersion.framework_id == framework.id)
            ),
            key=_order,
        )
        place = [v.id for v in siblings].index(version.id)
        links = _crosswalk_links(session, version.id)
        name, other = names_in(version.name, version.translations, language)
        return VersionPage(
            ref=f"{framework.key}@{version.version}",
            framework=framework.key,
            version=version.version,
            name=name,
            other_name=other,
            description=_description_in(version.description, version.translations, language),
            published=version.published,
            effective=version.effective,
            upcoming=version.effective is not None and version.effective > today,
            source_url=version.source_url,
            licence=version.licence,
            provider=framework.provider,
            total=len(rows),
            shown=len(found),
            roots=_tree(shown, found, language),
            actors=sorted({row.actor for row in rows if row.actor}),
            previous=f"{framework.key}@{siblings[place - 1].version}" if place > 0 else None,
            crosswalks=links,
        )


def requirements(uow: UnitOfWork, ref: str, q: str = "") -> list[RequirementRead]:
    """The version's requirements in document order; with ``q``, those it finds
    and their ancestors."""
    with uow:
        session = uow.session
        _, version = _version_or_404(session, ref)
        rows = _rows(session, version.id)
        shown, _ = kept(rows, q)
        keys = {row.id: row.key for row in rows}
        return [
            RequirementRead(
                id=row.id,
                key=row.key,
                ref_id=row.ref_id,
                name=row.name,
                description=row.description,
                parent=keys.get(row.parent_id) if row.parent_id is not None else None,
                position=row.position,
                assessable=row.assessable,
                actor=row.actor,
                applies_from=row.applies_from,
                translations=row.translations or {},
            )
            for row in shown
        ]


# ---------------------------------------------------------------- what changed


@dataclass(frozen=True)
class Named:
    """A requirement as a list shows it."""

    key: str
    ref_id: str | None
    name: str
    other_name: str


@dataclass(frozen=True)
class Went:
    """Where an old requirement went."""

    to: Named
    relationship: str
    carried: bool


@dataclass(frozen=True)
class Fate:
    requirement: Named
    successors: list[Went]


@dataclass(frozen=True)
class DifferencePage:
    old: str
    new: str
    old_name: str
    new_name: str
    by_mapping: bool
    counts: dict[str, int]
    added: list[Named]
    removed: list[Fate]
    changed: list[Fate]
    unchanged: list[Fate]


def previous_version(uow: UnitOfWork, ref: str) -> str:
    """The version of the same framework published before ``ref``."""
    with uow:
        session = uow.session
        framework, version = _version_or_404(session, ref)
        siblings = sorted(
            session.scalars(
                select(FrameworkVersion).where(FrameworkVersion.framework_id == framework.id)
            ),
            key=_order,
        )
        place = [v.id for v in siblings].index(version.id)
        if place == 0:
            raise InvalidInput.on(
                "from",
                lazy("%(ref)s is the first version in the library: name another", ref=ref),
            )
        return f"{framework.key}@{siblings[place - 1].version}"


def _named(session: Session, ref: str, language: str) -> tuple[str, dict[str, Named]]:
    """A version's name and its requirements by key."""
    _, version = _version_or_404(session, ref)
    named = {}
    for row in _rows(session, version.id):
        name, other = names_in(row.name, row.translations, language)
        named[row.key] = Named(row.key, row.ref_id, name, other)
    return names_in(version.name, version.translations, language)[0], named


def difference_page(uow: UnitOfWork, old_ref: str, new_ref: str, language: str) -> DifferencePage:
    found: DifferenceRead = service.version_difference(uow, old_ref, new_ref)
    with uow:
        session = uow.session
        old_name, old = _named(session, old_ref, language)
        new_name, new = _named(session, new_ref, language)

    def fates(change: str) -> list[Fate]:
        return [
            Fate(
                old[key],
                [
                    Went(new[s.key], s.relationship, s.carried)
                    for s in found.successors.get(key, [])
                    if s.key in new
                ],
            )
            for key, fate in found.changes.items()
            if fate == change and key in old
        ]

    return DifferencePage(
        old=found.old,
        new=found.new,
        old_name=old_name,
        new_name=new_name,
        by_mapping=found.by_mapping,
        counts=found.counts,
        added=[new[key] for key in found.added if key in new],
        removed=fates("removed"),
        changed=fates("changed"),
        unchanged=fates("unchanged"),
    )


# ---------------------------------------------------------------- crosswalks


def _refs(session: Session, version_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """``{version id: (framework@version, its name)}``."""
    return {
        version_id: (f"{key}@{version}", name)
        for version_id, key, version, name in session.execute(
            select(
                FrameworkVersion.id,
                Framework.key,
                FrameworkVersion.version,
                FrameworkVersion.name,
            )
            .join(Framework, Framework.id == FrameworkVersion.framework_id)
            .where(FrameworkVersion.id.in_(set(version_ids)))
        )
    }


def _crosswalk_links(session: Session, version_id: int) -> list[CrosswalkLink]:
    """The mapping sets that start or end at a version."""
    sets = list(
        session.scalars(
            select(MappingSet)
            .where(
                or_(
                    MappingSet.source_version_id == version_id,
                    MappingSet.target_version_id == version_id,
                )
            )
            .order_by(MappingSet.key)
        )
    )
    refs = _refs(session, [v for s in sets for v in (s.source_version_id, s.target_version_id)])
    return [
        CrosswalkLink(s.id, s.name, refs[s.source_version_id][0], refs[s.target_version_id][0])
        for s in sets
    ]


def crosswalks(uow: UnitOfWork) -> list[CrosswalkRead]:
    """Every mapping set, with the versions it relates and how many mappings it holds."""
    with uow:
        session = uow.session
        sets = list(session.scalars(select(MappingSet).order_by(MappingSet.key)))
        counts = dict(
            session.execute(
                select(RequirementMapping.mapping_set_id, func.count()).group_by(
                    RequirementMapping.mapping_set_id
                )
            ).all()
        )
        refs = _refs(session, [v for s in sets for v in (s.source_version_id, s.target_version_id)])
        return [_crosswalk_read(s, refs, counts.get(s.id, 0)) for s in sets]


def _crosswalk_read(
    stored: MappingSet, refs: dict[int, tuple[str, str]], count: int
) -> CrosswalkRead:
    return CrosswalkRead(
        id=stored.id,
        key=stored.key,
        name=stored.name,
        source_version=refs[stored.source_version_id][0],
        source_name=refs[stored.source_version_id][1],
        target_version=refs[stored.target_version_id][0],
        target_name=refs[stored.target_version_id][1],
        provider=stored.provider,
        source_url=stored.source_url,
        count=count,
    )


def crosswalk(uow: UnitOfWork, crosswalk_id: int, q: str = "") -> CrosswalkWithMappings:
    """A mapping set and its mappings, in the source's document order (then the
    target's); with ``q``, those whose source or target requirement it finds."""
    source, target = aliased(Requirement), aliased(Requirement)
    needle = q.casefold()
    with uow:
        session = uow.session
        stored = session.get(MappingSet, crosswalk_id)
        if stored is None:
            raise NotFound(lazy("no crosswalk %(id)s", id=crosswalk_id))
        rows = session.execute(
            select(RequirementMapping, source, target)
            .join(source, source.id == RequirementMapping.source_id)
            .join(target, target.id == RequirementMapping.target_id)
            .where(RequirementMapping.mapping_set_id == stored.id)
            .order_by(source.position, target.position, RequirementMapping.id)
        ).all()
        refs = _refs(session, (stored.source_version_id, stored.target_version_id))
        total = len(rows)
        mappings = [
            CrosswalkMappingRead(
                source_key=from_.key,
                source_ref_id=from_.ref_id,
                source_name=from_.name,
                source_translations=from_.translations or {},
                target_key=to.key,
                target_ref_id=to.ref_id,
                target_name=to.name,
                target_translations=to.translations or {},
                relationship=mapping.relationship,
                rationale=mapping.rationale,
            )
            for mapping, from_, to in rows
            if not needle or _matches(from_, needle) or _matches(to, needle)
        ]
        return CrosswalkWithMappings(
            **_crosswalk_read(stored, refs, total).model_dump(), mappings=mappings
        )


@dataclass(frozen=True)
class Pair:
    relationship: str
    rationale: str
    target: Named


@dataclass(frozen=True)
class Group:
    source: Named
    pairs: list[Pair]


def grouped(mappings: Sequence[CrosswalkMappingRead], language: str) -> list[Group]:
    """The mappings by source requirement, in the order given."""
    groups: list[Group] = []
    for m in mappings:
        if not groups or groups[-1].source.key != m.source_key:
            name, other = names_in(m.source_name, m.source_translations, language)
            groups.append(Group(Named(m.source_key, m.source_ref_id, name, other), []))
        name, other = names_in(m.target_name, m.target_translations, language)
        groups[-1].pairs.append(
            Pair(m.relationship, m.rationale, Named(m.target_key, m.target_ref_id, name, other))
        )
    return groups


# ---------------------------------------------------------------- a scope's frameworks


@dataclass(frozen=True)
class Followed:
    """A version a scope follows, and the later versions of its framework the
    library holds (``(framework@version, name, translations)``, newest last);
    the page shows the names in its reader's language."""

    ref: str
    name: str
    translations: dict[str, dict[str, str]]
    newer: list[tuple[str, str, dict[str, dict[str, str]]]]


@dataclass(frozen=True)
class Pending:
    """A framework change due on a scope: from one version to the next."""

    old: str
    new: str
    due: date
    trigger_id: int | None


def scope_frameworks(session: Session, scope_id: int) -> tuple[list[Followed], list[Pending]]:
    """What a scope follows, with what it could move to, and its framework
    changes (a fixed number of queries)."""
    followed = service.followed_versions(session, scope_id)
    changes = service.pending_changes(session, scope_id)
    frameworks = {version.framework_id for version in followed}
    siblings = (
        session.scalars(
            select(FrameworkVersion).where(FrameworkVersion.framework_id.in_(frameworks))
        ).all()
        if frameworks
        else []
    )
    ids = {v.id for v in siblings} | {c.version_id for c in changes}
    ids |= {c.previous_version_id for c in changes}
    refs = _refs(session, ids)
    shown = []
    for version in followed:
        later = sorted(
            (
                v
                for v in siblings
                if v.framework_id == version.framework_id and _order(v) > _order(version)
            ),
            key=_order,
        )
        shown.append(
            Followed(
                ref=refs[version.id][0],
                name=version.name,
                translations=version.translations or {},
                newer=[(refs[v.id][0], v.name, v.translations or {}) for v in later],
            )
        )
    pending = [
        Pending(
            old=refs[c.previous_version_id][0],
            new=refs[c.version_id][0],
            due=c.due,
            trigger_id=c.trigger_id,
        )
        for c in changes
    ]
    return shown, pending
