"""The framework library: catalogues imported from the files teams already
hold (CISO Assistant YAML, OSCAL JSON) and exported back, public to read.

Importing is the site's operator's (or the command line's): a catalogue is
shared by every organization that follows it. A file is read whole before
anything is stored, so a bad one imports nothing; each import is an event.
"""

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from agilegov import clock, part
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger
from agilegov.db import hold
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.library import ciso
from agilegov.library.catalogue import (
    Actor,
    Catalogue,
    CatalogueError,
    Mapping,
    MappingSet,
    Relationship,
    Translation,
    Translations,
)
from agilegov.library.catalogue import Requirement as Node
from agilegov.library.coverage import Followed, reach
from agilegov.library.difference import Difference, difference
from agilegov.library.matching import (
    RequirementNames,
    VersionNames,
    match_citation,
    match_version,
)
from agilegov.library.models import (
    Applicability,
    Citation,
    Framework,
    FrameworkChange,
    FrameworkVersion,
    Requirement,
    RequirementMapping,
    ScopeFramework,
    UnresolvedCitation,
)
from agilegov.library.models import MappingSet as StoredMappingSet
from agilegov.library.schemas import (
    ApplicabilityDecision,
    ApplicabilityRead,
    ApplicabilityVersion,
    CitingRead,
    CoverageRead,
    DifferenceRead,
    FollowedCoverage,
    FrameworkRead,
    Imported,
    ReachedCoverage,
    RequirementRead,
    UnresolvedRead,
    VersionRead,
)
from agilegov.record.service import record_event
from agilegov.scoped import Cites
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork

Reader = Callable[[bytes, str], Catalogue | MappingSet]


def _readers() -> dict[str, Reader]:
    """The importers, by the file's suffix."""
    from agilegov.library import oscal

    def oscal_file(data: bytes, file: str) -> Catalogue | MappingSet:
        if b'"mapping-collection"' in data[:4096]:
            return oscal.read_mapping(data, file)
        return oscal.read_catalog(data, file)

    return {".yaml": ciso.read_library, ".yml": ciso.read_library, ".json": oscal_file}


def read_file(data: bytes, file: str) -> Catalogue | MappingSet:
    """What a file holds, by its suffix; refused naming the file, the node and the problem."""
    suffix = "." + file.rsplit(".", 1)[-1].lower() if "." in file else ""
    reader = _readers().get(suffix)
    if reader is None:
        raise InvalidInput.on(
            "file",
            lazy(
                "%(file)s: not a catalogue file: CISO Assistant YAML (.yaml) or OSCAL JSON (.json)",
                file=file,
            ),
        )
    try:
        return reader(data, file)
    except CatalogueError as problem:
        raise InvalidInput.on("file", lazy("%(problem)s", problem=str(problem))) from None


def _version(session: Session, ref: str) -> FrameworkVersion | None:
    framework, _, version = ref.partition("@")
    return session.scalar(
        select(FrameworkVersion)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(Framework.key == framework, FrameworkVersion.version == version)
    )


def import_file(uow: UnitOfWork, actor: Principal, data: bytes, file: str) -> Imported:
    """Store the catalogue or the mapping set a file holds."""
    actor.require_site_admin()
    found = read_file(data, file)
    with uow:
        imported = _import(uow.session, actor, found, file)
        uow.commit()
        return imported


def _import(
    session: Session, actor: Principal, found: Catalogue | MappingSet, file: str
) -> Imported:
    """Store it and record it; a new version of a framework reaches the scopes
    that follow an earlier one."""
    version = None
    if isinstance(found, Catalogue):
        imported, version = _store_catalogue(session, found, file)
    else:
        imported = _store_mapping_set(session, found, file)
    record_event(
        session,
        actor,
        f"{imported.kind}.imported",
        None,
        {**imported.model_dump(mode="json"), "file": file},
        subject_type=imported.kind,
        private=False,
    )
    if version is not None:
        _announce(session, version)
    return imported


def _translations_in(translations: Translations) -> dict[str, dict[str, str]]:
    return {
        language: {"name": text.name, "description": text.description}
        for language, text in translations.items()
    }


def _translations_out(stored: dict[str, dict[str, str]] | None) -> Translations:
    return {
        language: Translation(texts.get("name", ""), texts.get("description", ""))
        for language, texts in (stored or {}).items()
    }


def _store_catalogue(
    session: Session, catalogue: Catalogue, file: str
) -> tuple[Imported, FrameworkVersion]:
    now = clock.now()
    if _version(session, catalogue.ref) is not None:
        raise Conflict(lazy("%(ref)s is in the library already", ref=catalogue.ref))
    framework = session.scalar(select(Framework).where(Framework.key == catalogue.framework))
    if framework is None:
        framework = Framework(
            key=catalogue.framework,
            name=catalogue.name,
            provider=catalogue.provider,
            created_at=now,
        )
        session.add(framework)
        session.flush()
    version = FrameworkVersion(
        framework_id=framework.id,
        version=catalogue.version,
        name=catalogue.name,
        description=catalogue.description,
        published=catalogue.published,
        effective=catalogue.effective,
        source_url=catalogue.source_url,
        licence=catalogue.licence,
        translations=_translations_in(catalogue.translations),
        imported_at=now,
    )
    session.add(version)
    session.flush()
    # The ids are taken first, so that each row goes in with its parent's id:
    # one statement for the ids, one for the rows (COPY on PostgreSQL).
    ids = dict(
        zip(
            (node.key for node in catalogue.requirements),
            _new_requirement_ids(session, len(catalogue.requirements)),
            strict=True,
        )
    )
    _insert_requirements(
        session,
        [
            (
                ids[node.key],
                version.id,
                node.key,
                node.ref_id,
                node.name,
                node.description,
                ids[node.parent] if node.parent is not None else None,
                position,
                node.assessable,
                node.actor.value if node.actor is not None else None,
                node.applies_from,
                _translations_in(node.translations),
            )
            for position, node in enumerate(catalogue.requirements)
        ],
    )
    return Imported(kind="framework", ref=catalogue.ref, requirements=len(ids)), version


# The columns a catalogue's rows are stored with, in the order of the tuples
# ``_insert_requirements`` takes.
_REQUIREMENT_COLUMNS = (
    "id",
    "version_id",
    "key",
    "ref_id",
    "name",
    "description",
    "parent_id",
    "position",
    "assessable",
    "actor",
    "applies_from",
    "translations",
)


def _new_requirement_ids(session: Session, count: int) -> list[int]:
    """``count`` new ids for requirements, ascending, as the table would give
    them: from its sequence on PostgreSQL (one statement); after the largest on
    SQLite, whose writers take turns (the transaction holds the write lock)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return sorted(
            session.scalars(
                select(func.nextval(func.pg_get_serial_sequence("requirements", "id"))).select_from(
                    func.generate_series(1, count)
                )
            )
        )
    largest = session.scalar(select(func.max(Requirement.id))) or 0
    return list(range(largest + 1, largest + 1 + count))


def _insert_requirements(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Store requirement rows (``_REQUIREMENT_COLUMNS``, parents before their
    children): by COPY on PostgreSQL, else by one executemany."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from psycopg.types.json import Jsonb

        driver = connection.connection.driver_connection
        columns = ", ".join(_REQUIREMENT_COLUMNS)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY requirements ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row[:-1], Jsonb(row[-1])))
        return
    connection.execute(
        insert(Requirement), [dict(zip(_REQUIREMENT_COLUMNS, row, strict=True)) for row in rows]
    )


def _store_mapping_set(session: Session, mapping_set: MappingSet, file: str) -> Imported:
    source, target = _version(session, mapping_set.source), _version(session, mapping_set.target)
    for ref, version in ((mapping_set.source, source), (mapping_set.target, target)):
        if version is None:
            raise InvalidInput.on(
                "file",
                lazy(
                    "%(file)s: %(ref)s is not in the library: import it first", file=file, ref=ref
                ),
            )
    assert source is not None and target is not None
    if session.scalar(select(StoredMappingSet.id).where(StoredMappingSet.key == mapping_set.key)):
        raise Conflict(
            lazy("the mapping set %(key)s is in the library already", key=mapping_set.key)
        )
    ids = {
        (row.version_id, row.key): row.id
        for row in session.execute(
            select(Requirement.version_id, Requirement.key, Requirement.id).where(
                Requirement.version_id.in_([source.id, target.id])
            )
        )
    }
    stored = StoredMappingSet(
        key=mapping_set.key,
        name=mapping_set.name,
        source_version_id=source.id,
        target_version_id=target.id,
        provider=mapping_set.provider,
        source_url=mapping_set.source_url,
        imported_at=clock.now(),
    )
    session.add(stored)
    session.flush()
    rows = []
    for position, mapping in enumerate(mapping_set.mappings, 1):
        source_id = ids.get((source.id, mapping.source))
        target_id = ids.get((target.id, mapping.target))
        if source_id is None or target_id is None:
            missing = mapping.source if source_id is None else mapping.target
            raise InvalidInput.on(
                "file",
                lazy(
                    "%(file)s: mapping %(position)s: %(key)s is no requirement of its version",
                    file=file,
                    position=position,
                    key=missing,
                ),
            )
        rows.append(
            RequirementMapping(
                mapping_set_id=stored.id,
                source_id=source_id,
                target_id=target_id,
                relationship=mapping.relationship.value,
                rationale=mapping.rationale,
            )
        )
    session.add_all(rows)
    session.flush()
    return Imported(kind="mapping_set", ref=mapping_set.key, mappings=len(rows))


# ---------------------------------------------------------------- reads and exports


def list_frameworks(uow: UnitOfWork) -> list[FrameworkRead]:
    with uow:
        session = uow.session
        versions: dict[int, list[str]] = {}
        for framework_id, version in session.execute(
            select(FrameworkVersion.framework_id, FrameworkVersion.version).order_by(
                FrameworkVersion.id
            )
        ):
            versions.setdefault(framework_id, []).append(version)
        return [
            FrameworkRead(
                key=row.key, name=row.name, provider=row.provider, versions=versions.get(row.id, [])
            )
            for row in session.scalars(select(Framework).order_by(Framework.key))
        ]


def _found(session: Session, ref: str) -> FrameworkVersion:
    version = _version(session, ref)
    if version is None:
        raise NotFound(lazy("%(ref)s is not in the library", ref=ref))
    return version


def get_version(uow: UnitOfWork, ref: str) -> VersionRead:
    with uow:
        session = uow.session
        version = _found(session, ref)
        count = session.scalar(
            select(func.count())
            .select_from(Requirement)
            .where(Requirement.version_id == version.id)
        )
        framework = ref.partition("@")[0]
        return VersionRead(
            framework=framework,
            version=version.version,
            ref=f"{framework}@{version.version}",
            name=version.name,
            description=version.description,
            published=version.published,
            effective=version.effective,
            source_url=version.source_url,
            licence=version.licence,
            translations=version.translations or {},
            requirements=count or 0,
            imported_at=version.imported_at,
        )


def _nodes(session: Session, version: FrameworkVersion) -> list[tuple[Requirement, str | None]]:
    rows = session.scalars(
        select(Requirement)
        .where(Requirement.version_id == version.id)
        .order_by(Requirement.position)
    ).all()
    keys = {row.id: row.key for row in rows}
    return [(row, keys.get(row.parent_id) if row.parent_id else None) for row in rows]


def requirements(uow: UnitOfWork, ref: str) -> list[RequirementRead]:
    with uow:
        session = uow.session
        return [
            RequirementRead(
                id=row.id,
                key=row.key,
                ref_id=row.ref_id,
                name=row.name,
                description=row.description,
                parent=parent,
                position=row.position,
                assessable=row.assessable,
                actor=row.actor,
                applies_from=row.applies_from,
                translations=row.translations or {},
            )
            for row, parent in _nodes(session, _found(session, ref))
        ]


def catalogue_of(uow: UnitOfWork, ref: str) -> Catalogue:
    """A stored version as the exporters take it."""
    with uow:
        return _catalogue(uow.session, _found(uow.session, ref))


def _catalogue(session: Session, version: FrameworkVersion) -> Catalogue:
    framework = session.get(Framework, version.framework_id)
    assert framework is not None
    return Catalogue(
        framework=framework.key,
        version=version.version,
        name=version.name,
        description=version.description,
        published=version.published,
        effective=version.effective,
        source_url=version.source_url,
        licence=version.licence,
        provider=framework.provider,
        translations=_translations_out(version.translations),
        requirements=tuple(
            Node(
                key=row.key,
                ref_id=row.ref_id,
                name=row.name,
                description=row.description,
                parent=parent,
                assessable=row.assessable,
                actor=Actor(row.actor) if row.actor else None,
                applies_from=row.applies_from,
                translations=_translations_out(row.translations),
            )
            for row, parent in _nodes(session, version)
        ),
    )


def _mapping_between(
    session: Session, old: FrameworkVersion, new: FrameworkVersion
) -> MappingSet | None:
    """The stored mapping from ``old`` to ``new``, if the library holds one."""
    stored = session.scalar(
        select(StoredMappingSet).where(
            StoredMappingSet.source_version_id == old.id,
            StoredMappingSet.target_version_id == new.id,
        )
    )
    if stored is None:
        return None
    keys = {
        id_: key
        for id_, key in session.execute(
            select(Requirement.id, Requirement.key).where(
                Requirement.version_id.in_([old.id, new.id])
            )
        )
    }
    rows = session.scalars(
        select(RequirementMapping)
        .where(RequirementMapping.mapping_set_id == stored.id)
        .order_by(RequirementMapping.id)
    )
    return MappingSet(
        key=stored.key,
        name=stored.name,
        source="",
        target="",
        mappings=tuple(
            Mapping(keys[row.source_id], keys[row.target_id], Relationship(row.relationship))
            for row in rows
        ),
    )


def version_difference(uow: UnitOfWork, old_ref: str, new_ref: str) -> DifferenceRead:
    """What changed from one stored version to another, through the stored
    mapping between them where there is one."""
    old, new = catalogue_of(uow, old_ref), catalogue_of(uow, new_ref)
    if old.framework != new.framework:
        raise InvalidInput.on(
            "from",
            lazy("%(old)s and %(new)s are not versions of one framework", old=old_ref, new=new_ref),
        )
    with uow:
        session = uow.session
        mapping = _mapping_between(session, _found(session, old.ref), _found(session, new.ref))
    if mapping is not None:
        mapping = replace(mapping, source=old.ref, target=new.ref)
    found = difference(old, new, mapping)
    return DifferenceRead(
        old=found.old,
        new=found.new,
        by_mapping=found.by_mapping,
        counts=found.counts,
        changes={key: change.value for key, change in found.changes.items()},
        added=list(found.added),
        successors={
            key: [
                {"key": s.key, "relationship": s.relationship.value, "carried": s.carried}
                for s in targets
            ]
            for key, targets in found.successors.items()
        },
    )


def export_version(uow: UnitOfWork, ref: str, form: str) -> tuple[str, str]:
    """A stored version as a file: ``(text, media type)``; ``form`` is ``ciso`` or ``oscal``."""
    import json

    from agilegov.library import oscal

    catalogue = catalogue_of(uow, ref)
    if form == "ciso":
        return ciso.write_framework(catalogue), "application/yaml"
    return json.dumps(oscal.write_catalog(catalogue), ensure_ascii=False, indent=2), (
        "application/json"
    )


# ---------------------------------------------------------------- requirements by reference
#
# A requirement is named ``framework@version#id``: its official identifier where
# that is unique in its version, else its key.


def _ref_map(session: Session, version_ids: Collection[int]) -> dict[int, str]:
    """Every requirement's reference in these versions, by id (two queries)."""
    if not version_ids:
        return {}
    names = {
        row.id: f"{row.key}@{row.version}"
        for row in session.execute(
            select(FrameworkVersion.id, Framework.key, FrameworkVersion.version)
            .join(Framework, Framework.id == FrameworkVersion.framework_id)
            .where(FrameworkVersion.id.in_(version_ids))
        )
    }
    rows = session.execute(
        select(Requirement.id, Requirement.version_id, Requirement.ref_id, Requirement.key).where(
            Requirement.version_id.in_(version_ids)
        )
    ).all()
    seen = Counter((row.version_id, row.ref_id) for row in rows)
    return {
        row.id: names[row.version_id]
        + "#"
        + (row.ref_id if row.ref_id and seen[(row.version_id, row.ref_id)] == 1 else row.key)
        for row in rows
    }


def requirement_refs(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The references of these requirements, by id."""
    if not ids:
        return {}
    versions = set(
        session.scalars(select(Requirement.version_id).where(Requirement.id.in_(ids))).all()
    )
    refs = _ref_map(session, versions)
    return {id_: refs[id_] for id_ in ids if id_ in refs}


def requirement_titles(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The titles of these requirements, by id: the name, else the description's
    first line (short clauses have only a description)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Requirement.id, Requirement.name, Requirement.description).where(
            Requirement.id.in_(ids)
        )
    )
    return {id_: name or description.partition("\n")[0][:300] for id_, name, description in rows}


def resolve_requirements(
    session: Session, refs: Sequence[str], field: str, versions: Collection[int] | None = None
) -> list[int]:
    """The ids of the requirements named, in order; refused naming the field and
    the reference that is not in the library (or not of ``versions``)."""
    ids: list[int] = []
    for ref in refs:
        version_ref, hash_, local = ref.partition("#")
        version = _version(session, version_ref) if hash_ and local else None
        if version is None:
            raise InvalidInput.on(
                field,
                lazy("%(ref)s: not a requirement of the library (framework@version#id)", ref=ref),
            )
        if versions is not None and version.id not in versions:
            raise InvalidInput.on(
                field,
                lazy(
                    "%(ref)s: the scope does not follow %(version)s", ref=ref, version=version_ref
                ),
            )
        found = session.scalars(
            select(Requirement.id).where(
                Requirement.version_id == version.id, Requirement.ref_id == local
            )
        ).all()
        if len(found) != 1:
            found = session.scalars(
                select(Requirement.id).where(
                    Requirement.version_id == version.id, Requirement.key == local
                )
            ).all()
        if len(found) != 1:
            raise InvalidInput.on(
                field,
                lazy("%(ref)s: %(version)s has no such requirement", ref=ref, version=version_ref),
            )
        if found[0] not in ids:
            ids.append(found[0])
    return ids


# ---------------------------------------------------------------- what scopes follow


def _order(version: FrameworkVersion) -> tuple[date, int]:
    """Versions of a framework in the order they came: by date, then by import."""
    return (version.published or version.effective or date.min, version.id)


def followed_versions(session: Session, scope_id: int) -> list[FrameworkVersion]:
    return list(
        session.scalars(
            select(FrameworkVersion)
            .join(ScopeFramework, ScopeFramework.version_id == FrameworkVersion.id)
            .where(ScopeFramework.scope_id == scope_id)
            .order_by(ScopeFramework.id)
        )
    )


def followed_refs(session: Session, scope_id: int) -> list[str]:
    """``framework@version`` of each version the scope follows."""
    return followed_by_scope(session, [scope_id])[scope_id]


def follow(
    session: Session,
    actor: Principal,
    scope: Scope,
    refs: Sequence[str],
    field: str = "frameworks",
    *,
    recorded: bool = True,
) -> None:
    """Make the scope follow exactly these versions, inside the caller's
    transaction. A framework followed at another version before moves to the
    new one (``move``); one no longer named is no longer followed. ``recorded``
    False: the caller's own event says what the scope follows (its creation)."""
    wanted: dict[int, FrameworkVersion] = {}
    for ref in dict.fromkeys(refs):
        version = _version(session, ref)
        if version is None:
            raise InvalidInput.on(
                field, lazy("%(ref)s is not in the library (framework@version)", ref=ref)
            )
        if version.framework_id in wanted:
            raise InvalidInput.on(
                field,
                lazy("%(ref)s: a scope follows one version of a framework at a time", ref=ref),
            )
        wanted[version.framework_id] = version
    current = {version.framework_id: version for version in followed_versions(session, scope.id)}
    for framework_id, version in current.items():
        if framework_id not in wanted:
            session.execute(
                delete(ScopeFramework).where(
                    ScopeFramework.scope_id == scope.id, ScopeFramework.version_id == version.id
                )
            )
            record_event(
                session,
                actor,
                "scope.framework_left",
                scope.id,
                {"version": _ref_of(session, version)},
                scope=scope,
            )
    for framework_id, version in wanted.items():
        before = current.get(framework_id)
        if before is None:
            session.add(ScopeFramework(scope_id=scope.id, version_id=version.id, since=clock.now()))
            session.flush()
            if recorded:
                record_event(
                    session,
                    actor,
                    "scope.framework_followed",
                    scope.id,
                    {"version": _ref_of(session, version)},
                    scope=scope,
                )
        elif before.id != version.id:
            _move(session, actor, scope, before, version)


def _ref_of(session: Session, version: FrameworkVersion) -> str:
    framework = session.get(Framework, version.framework_id)
    assert framework is not None
    return f"{framework.key}@{version.version}"


def _difference_of(session: Session, old: FrameworkVersion, new: FrameworkVersion) -> Difference:
    old_ref, new_ref = _ref_of(session, old), _ref_of(session, new)
    mapping = _mapping_between(session, old, new)
    if mapping is not None:
        mapping = replace(mapping, source=old_ref, target=new_ref)
    return difference(_catalogue(session, old), _catalogue(session, new), mapping)


def _evidence(session: Session, old: FrameworkVersion, new: FrameworkVersion) -> dict[str, Any]:
    """What a framework change trigger carries: the difference, by references."""
    found = _difference_of(session, old, new)
    refs = _ref_map(session, [old.id, new.id])
    named = {
        (row.version_id, row.key): refs[row.id]
        for row in session.execute(
            select(Requirement.id, Requirement.version_id, Requirement.key).where(
                Requirement.version_id.in_([old.id, new.id])
            )
        )
    }
    by_change: dict[str, list[str]] = {"removed": [], "changed": []}
    for key, change in found.changes.items():
        if change.value in by_change:
            by_change[change.value].append(named[(old.id, key)])
    return {
        "framework": found.old.partition("@")[0],
        "from": found.old,
        "to": found.new,
        "effective": new.effective.isoformat() if new.effective else None,
        "by_mapping": found.by_mapping,
        "counts": found.counts,
        "added": [named[(new.id, key)] for key in found.added],
        **by_change,
    }


def _move(
    session: Session,
    actor: Principal,
    scope: Scope,
    old: FrameworkVersion,
    new: FrameworkVersion,
) -> dict[str, int]:
    """The scope follows ``new`` instead of ``old``: each citation of an old
    requirement goes to the requirement the difference says is equivalent
    (``current``), else to every requirement it relates to, or stays where it
    was, marked ``review`` with why. The change opens the ``framework_change``
    trigger (outer loop) unless the new version's arrival opened it already."""
    found = _difference_of(session, old, new)
    new_ids = {
        key: id_
        for id_, key in session.execute(
            select(Requirement.id, Requirement.key).where(Requirement.version_id == new.id)
        )
    }
    old_keys = {
        id_: key
        for id_, key in session.execute(
            select(Requirement.id, Requirement.key).where(Requirement.version_id == old.id)
        )
    }
    refs = _ref_map(session, [old.id, new.id])
    carried = flagged = 0
    citations = session.scalars(
        select(Citation).where(Citation.scope_id == scope.id, Citation.requirement_id.in_(old_keys))
    ).all()
    for citation in citations:
        successors = found.successors.get(old_keys[citation.requirement_id], ())
        was = refs[citation.requirement_id]
        targets = [(new_ids[s.key], s) for s in successors if s.key in new_ids]
        taken = {
            requirement_id
            for requirement_id in session.scalars(
                select(Citation.requirement_id).where(
                    Citation.subject_kind == citation.subject_kind,
                    Citation.subject_id == citation.subject_id,
                )
            )
        }
        if len(targets) == 1 and targets[0][1].carried:
            if targets[0][0] in taken:
                session.delete(citation)
            else:
                citation.requirement_id, citation.status, citation.note = (
                    targets[0][0],
                    "current",
                    "",
                )
            carried += 1
            continue
        flagged += 1
        if not targets:
            citation.status = "review"
            citation.note = f"{was}: no successor in {_ref_of(session, new)}"
            continue
        for target_id, successor in targets:
            if target_id in taken:
                continue
            session.add(
                Citation(
                    scope_id=scope.id,
                    subject_kind=citation.subject_kind,
                    subject_id=citation.subject_id,
                    requirement_id=target_id,
                    status="review",
                    note=f"{was} {successor.relationship.value} {refs[target_id]}",
                )
            )
            taken.add(target_id)
        session.delete(citation)
    session.execute(
        update(ScopeFramework)
        .where(ScopeFramework.scope_id == scope.id, ScopeFramework.version_id == old.id)
        .values(version_id=new.id, since=clock.now())
    )
    # Decisions of applicability follow equivalent requirements; the rest are made again.
    for decision in session.scalars(
        select(Applicability).where(
            Applicability.scope_id == scope.id, Applicability.requirement_id.in_(old_keys)
        )
    ):
        successors = found.successors.get(old_keys[decision.requirement_id], ())
        if len(successors) == 1 and successors[0].carried and successors[0].key in new_ids:
            decision.requirement_id = new_ids[successors[0].key]
        else:
            session.delete(decision)
    session.flush()
    moved = {"carried": carried, "to_review": flagged}
    record_event(
        session,
        actor,
        "scope.framework_moved",
        scope.id,
        {"from": found.old, "to": found.new, **moved},
        scope=scope,
    )
    change = session.scalar(
        select(FrameworkChange).where(
            FrameworkChange.scope_id == scope.id, FrameworkChange.version_id == new.id
        )
    )
    if change is None:
        change = FrameworkChange(
            scope_id=scope.id, version_id=new.id, previous_version_id=old.id, due=clock.today()
        )
        session.add(change)
    # An archived scope's cycle stands still, as for review-by dates.
    if change.trigger_id is None and scope.status == "active":
        _open_change(session, scope, change, old, new)
    return moved


def _open_change(
    session: Session,
    scope: Scope,
    change: FrameworkChange,
    old: FrameworkVersion,
    new: FrameworkVersion,
) -> None:
    evidence = _evidence(session, old, new)
    counts = evidence["counts"]
    trigger = open_trigger(
        session,
        SYSTEM,
        scope,
        TriggerCreate(
            kind=TriggerKind.framework_change,
            cause=(
                f"{evidence['to']} replaces {evidence['from']}: {len(evidence['added'])} "
                f"requirements added, {counts.get('removed', 0)} removed, "
                f"{counts.get('changed', 0)} changed; the goals, risks and measures were "
                f"set against {evidence['from']}"
            ),
            facts=evidence,
        ),
    )
    change.trigger_id, change.opened_at = trigger.id, clock.now()
    session.flush()


def _announce(session: Session, new: FrameworkVersion) -> int:
    """A new version reaches every scope that follows an earlier version of its
    framework: due at once, or on its effective date when that is later."""
    due = max(new.effective or clock.today(), clock.today())
    earlier = [
        version
        for version in session.scalars(
            select(FrameworkVersion).where(
                FrameworkVersion.framework_id == new.framework_id, FrameworkVersion.id != new.id
            )
        )
        if _order(version) < _order(new)
    ]
    if not earlier:
        return 0
    reached = 0
    for following in session.scalars(
        select(ScopeFramework).where(ScopeFramework.version_id.in_([v.id for v in earlier]))
    ).all():
        exists = session.scalar(
            select(FrameworkChange.id).where(
                FrameworkChange.scope_id == following.scope_id,
                FrameworkChange.version_id == new.id,
            )
        )
        if exists is None:
            session.add(
                FrameworkChange(
                    scope_id=following.scope_id,
                    version_id=new.id,
                    previous_version_id=following.version_id,
                    due=due,
                )
            )
            reached += 1
    session.flush()
    _open_due(session)
    return reached


def _open_due(session: Session) -> int:
    """Open the trigger of every framework change that is due, on scopes still
    following the version it replaces."""
    opened = 0
    for change in session.scalars(
        select(FrameworkChange)
        .where(FrameworkChange.trigger_id.is_(None), FrameworkChange.due <= clock.today())
        .order_by(FrameworkChange.id)
    ).all():
        scope = session.get(Scope, change.scope_id)
        still = session.scalar(
            select(ScopeFramework.id).where(
                ScopeFramework.scope_id == change.scope_id,
                ScopeFramework.version_id == change.previous_version_id,
            )
        )
        if scope is None or scope.status != "active" or still is None:
            continue
        old = session.get(FrameworkVersion, change.previous_version_id)
        new = session.get(FrameworkVersion, change.version_id)
        assert old is not None and new is not None
        _open_change(session, scope, change, old, new)
        opened += 1
    return opened


def open_due_framework_changes(uow: UnitOfWork) -> int:
    """The periodic job: framework changes whose effective date has come."""
    with uow:
        opened = _open_due(uow.session)
        uow.commit()
        return opened


def pending_changes(session: Session, scope_id: int) -> list[FrameworkChange]:
    return list(
        session.scalars(
            select(FrameworkChange)
            .where(FrameworkChange.scope_id == scope_id)
            .order_by(FrameworkChange.due, FrameworkChange.id)
        )
    )


def move_scope(
    uow: UnitOfWork, actor: Principal, scope_id: int, old_ref: str, new_ref: str
) -> dict[str, int]:
    """Move a scope from one version of a framework to another (an editor's act)."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        hold(session, scope)  # moves of one scope take turns, as its edits do
        old, new = _version(session, old_ref), _version(session, new_ref)
        if old is None or old.id not in {v.id for v in followed_versions(session, scope.id)}:
            raise InvalidInput.on("from", lazy("the scope does not follow %(ref)s", ref=old_ref))
        if new is None:
            raise InvalidInput.on("to", lazy("%(ref)s is not in the library", ref=new_ref))
        if new.framework_id != old.framework_id or new.id == old.id:
            raise InvalidInput.on(
                "to", lazy("%(ref)s is not another version of the same framework", ref=new_ref)
            )
        moved = _move(session, actor, scope, old, new)
        uow.commit()
        return moved


# ---------------------------------------------------------------- citations


def cite(
    session: Session,
    scope: Scope,
    subject_kind: str,
    subject_id: int,
    refs: Sequence[str],
    field: str = "requirements",
) -> None:
    """What a measure, goal or indicator cites: requirements of the versions the
    scope follows. Citations kept keep their status; the caller records the change."""
    followed = {version.id for version in followed_versions(session, scope.id)}
    wanted = resolve_requirements(session, refs, field, followed)
    existing = {
        citation.requirement_id: citation
        for citation in session.scalars(
            select(Citation).where(
                Citation.subject_kind == subject_kind, Citation.subject_id == subject_id
            )
        )
    }
    for requirement_id, citation in existing.items():
        if requirement_id not in wanted:
            session.delete(citation)
    for requirement_id in wanted:
        if requirement_id not in existing:
            session.add(
                Citation(
                    scope_id=scope.id,
                    subject_kind=subject_kind,
                    subject_id=subject_id,
                    requirement_id=requirement_id,
                    status="current",
                    note="",
                )
            )
    session.flush()


def citations_of(
    session: Session, subject_kind: str, subject_ids: Collection[int]
) -> dict[int, list[str]]:
    """What each subject cites, as references (one query per call, plus the names)."""
    if not subject_ids:
        return {}
    rows = session.execute(
        select(Citation.subject_id, Citation.requirement_id)
        .where(Citation.subject_kind == subject_kind, Citation.subject_id.in_(subject_ids))
        .order_by(Citation.id)
    ).all()
    refs = requirement_refs(session, {row.requirement_id for row in rows})
    cited: dict[int, list[str]] = {id_: [] for id_ in subject_ids}
    for row in rows:
        cited[row.subject_id].append(refs[row.requirement_id])
    return cited


def requirement_choices(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The assessable requirements a scope's measures, goals and indicators may
    cite: ``(reference, label)`` in document order."""
    choices = []
    for version in followed_versions(session, scope.id):
        refs = _ref_map(session, [version.id])
        for row in session.execute(
            select(Requirement.id, Requirement.ref_id, Requirement.name)
            .where(Requirement.version_id == version.id, Requirement.assessable.is_(True))
            .order_by(Requirement.position)
        ):
            label = f"{refs[row.id].partition('#')[0]} {row.ref_id or ''} {row.name}".strip()
            choices.append((refs[row.id], label))
    return choices


# ---------------------------------------------------------------- statement of applicability


def _subjects(session: Session, cited: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """Each citing entity's label and status, through the kinds the parts declare."""
    models = part.trigger_subjects()
    wanted: dict[str, set[int]] = {}
    for kind, id_ in cited:
        wanted.setdefault(kind, set()).add(id_)
    found: dict[tuple[str, int], dict] = {}
    for kind, ids in wanted.items():
        model = models.get(kind)
        if model is None:
            continue
        label = model.title if hasattr(model, "title") else model.name
        status = model.status if hasattr(model, "status") else None
        columns = [model.id, label.label("label")]
        if status is not None:
            columns.append(status.label("status"))
        for row in session.execute(select(*columns).where(model.id.in_(ids))):
            found[(kind, row.id)] = {
                "kind": kind,
                "id": row.id,
                "label": row.label,
                "status": getattr(row, "status", None),
            }
    return found


def _statement(session: Session, scope: Scope) -> tuple[list[ApplicabilityVersion], list[Followed]]:
    versions = followed_versions(session, scope.id)
    ids = [version.id for version in versions]
    refs = _ref_map(session, ids)
    rows = session.execute(
        select(
            Requirement.id,
            Requirement.version_id,
            Requirement.ref_id,
            Requirement.name,
            Requirement.translations,
            Requirement.actor,
            Requirement.applies_from,
        )
        .where(Requirement.version_id.in_(ids), Requirement.assessable.is_(True))
        .order_by(Requirement.version_id, Requirement.position)
    ).all()
    decisions = {
        row.requirement_id: row
        for row in session.scalars(select(Applicability).where(Applicability.scope_id == scope.id))
    }
    citations = session.execute(
        select(Citation.requirement_id, Citation.subject_kind, Citation.subject_id, Citation.status)
        .where(Citation.scope_id == scope.id)
        .order_by(Citation.id)
    ).all()
    subjects = _subjects(session, ((c.subject_kind, c.subject_id) for c in citations))
    cited_by: dict[int, list[CitingRead]] = {}
    for citation in citations:
        subject = subjects.get((citation.subject_kind, citation.subject_id))
        if subject is None or subject["status"] == "retired":
            continue
        cited_by.setdefault(citation.requirement_id, []).append(
            CitingRead(**subject, citation=citation.status)
        )
    by_version: dict[int, list[Any]] = {version_id: [] for version_id in ids}
    for row in rows:
        by_version[row.version_id].append(row)
    statement = []
    followed = []
    for version in versions:
        lines = []
        for row in by_version[version.id]:
            decision = decisions.get(row.id)
            applicable = decision.applicable if decision is not None else True
            citing = cited_by.get(row.id, [])
            lines.append(
                ApplicabilityRead(
                    requirement_id=row.id,
                    ref=refs[row.id],
                    ref_id=row.ref_id,
                    name=row.name,
                    translations=row.translations or {},
                    actor=row.actor,
                    applies_from=row.applies_from,
                    applicable=applicable,
                    decided=decision is not None,
                    reason=decision.reason if decision is not None else "",
                    cited_by=citing,
                    addressed=any(c.citation == "current" for c in citing),
                )
            )
        ref = _ref_of(session, version)
        statement.append(
            ApplicabilityVersion(
                version=ref,
                name=version.name,
                translations=version.translations or {},
                requirements=lines,
            )
        )
        followed.append(
            Followed(
                version=ref,
                assessable=tuple(line.requirement_id for line in lines),
                not_applicable=frozenset(x.requirement_id for x in lines if not x.applicable),
                addressed=frozenset(x.requirement_id for x in lines if x.addressed),
            )
        )
    return statement, followed


def statement_of_applicability(
    uow: UnitOfWork, actor: Principal, scope_id: int
) -> list[ApplicabilityVersion]:
    """Every assessable requirement of the versions the scope follows: whether it
    applies (and why not), and what addresses it."""
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return _statement(uow.session, scope)[0]


def decide_applicability(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: ApplicabilityDecision
) -> ApplicabilityRead:
    """Record that a requirement applies to the scope or not (with the reason)."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        # Decisions of one scope take turns: two at once for one requirement
        # would both find none and both insert it.
        hold(session, scope)
        followed = {version.id for version in followed_versions(session, scope.id)}
        [requirement_id] = resolve_requirements(
            session, [data.requirement], "requirement", followed
        )
        requirement = session.get(Requirement, requirement_id)
        assert requirement is not None
        if not requirement.assessable:
            raise InvalidInput.on(
                "requirement", lazy("%(ref)s groups others: decide for them", ref=data.requirement)
            )
        if not data.applicable and not data.reason.strip():
            raise InvalidInput.on("reason", lazy("say why the requirement does not apply"))
        decision = session.scalar(
            select(Applicability).where(
                Applicability.scope_id == scope.id, Applicability.requirement_id == requirement_id
            )
        )
        if decision is None:
            decision = Applicability(scope_id=scope.id, requirement_id=requirement_id)
            session.add(decision)
        decision.applicable, decision.reason = data.applicable, data.reason.strip()
        decision.decided_at, decision.decided_by = clock.now(), actor.user_id
        session.flush()
        record_event(
            session,
            actor,
            "scope.applicability_decided",
            scope.id,
            {
                "requirement": data.requirement,
                "applicable": data.applicable,
                "reason": decision.reason,
            },
            scope=scope,
        )
        line = next(
            line
            for version in _statement(session, scope)[0]
            for line in version.requirements
            if line.requirement_id == requirement_id
        )
        uow.commit()
        return line


def scope_coverage(uow: UnitOfWork, actor: Principal, scope_id: int) -> CoverageRead:
    """The statement's counts and gaps for each followed version, then what the
    work reaches, through the library's crosswalks, of every other version."""
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        statement, followed = _statement(session, scope)
        addressed = {r for f in followed for r in f.addressed}
        followed_ids = [version.id for version in followed_versions(session, scope.id)]
        sets = session.execute(
            select(StoredMappingSet.source_version_id, StoredMappingSet.target_version_id).where(
                or_(
                    StoredMappingSet.source_version_id.in_(followed_ids),
                    StoredMappingSet.target_version_id.in_(followed_ids),
                )
            )
        ).all()
        others = {
            version_id
            for row in sets
            for version_id in (row.source_version_id, row.target_version_id)
            if version_id not in followed_ids
        }
        mappings = [
            (row.source_id, row.target_id, Relationship(row.relationship))
            for row in session.execute(
                select(
                    RequirementMapping.source_id,
                    RequirementMapping.target_id,
                    RequirementMapping.relationship,
                )
                .join(StoredMappingSet, StoredMappingSet.id == RequirementMapping.mapping_set_id)
                .where(
                    or_(
                        StoredMappingSet.source_version_id.in_(followed_ids),
                        StoredMappingSet.target_version_id.in_(followed_ids),
                    )
                )
            )
        ]
        assessable: dict[int, list[int]] = {version_id: [] for version_id in others}
        for row in session.execute(
            select(Requirement.id, Requirement.version_id)
            .where(Requirement.version_id.in_(others), Requirement.assessable.is_(True))
            .order_by(Requirement.position)
        ):
            assessable[row.version_id].append(row.id)
        refs = _ref_map(session, list(others))
        names = {
            version_id: _ref_of(session, session.get(FrameworkVersion, version_id))  # type: ignore[arg-type]
            for version_id in others
        }
        reached = reach(
            addressed, mappings, {names[v]: ids for v, ids in sorted(assessable.items())}
        )
        lines = {
            line.requirement_id: line for version in statement for line in version.requirements
        }
        return CoverageRead(
            followed=[
                FollowedCoverage(
                    version=f.version,
                    assessable=len(f.assessable),
                    not_applicable=len(f.not_applicable),
                    applicable=f.applicable,
                    addressed=f.met,
                    gaps=[lines[r] for r in f.gaps],
                )
                for f in followed
            ],
            reached=[
                ReachedCoverage(
                    version=r.version,
                    assessable=len(r.assessable),
                    covered=[refs[i] for i in r.covered],
                    partly=[refs[i] for i in r.partly],
                    not_reached=len(r.not_reached),
                )
                for r in reached
            ],
        )


# ---------------------------------------------------------------- unresolved citations


def unresolved(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[UnresolvedRead]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return [
            UnresolvedRead.model_validate(row)
            for row in uow.session.scalars(
                select(UnresolvedCitation)
                .where(UnresolvedCitation.scope_id == scope.id)
                .order_by(UnresolvedCitation.id)
            )
        ]


def dismiss_unresolved(uow: UnitOfWork, actor: Principal, scope_id: int, item_id: int) -> None:
    """A person has linked it by hand, or it names nothing the library will hold."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        row = session.get(UnresolvedCitation, item_id)
        if row is None or row.scope_id != scope.id:
            raise NotFound(lazy("unresolved citation %(id)s not found", id=item_id))
        read = UnresolvedRead.model_validate(row)
        session.delete(row)
        session.flush()
        record_event(
            session,
            actor,
            "scope.citation_dismissed",
            scope.id,
            read.model_dump(mode="json"),
            scope=scope,
        )
        uow.commit()


def _resolve_unresolved(session: Session, actor: Principal) -> int:
    """Match what was written as text against the library as it is now."""
    versions: list[VersionNames] = []
    requirements: dict[int, list[RequirementNames]] = {}
    for version, framework in session.execute(
        select(FrameworkVersion, Framework).join(
            Framework, Framework.id == FrameworkVersion.framework_id
        )
    ):
        names = [
            framework.name,
            version.name,
            *(t.get("name", "") for t in (version.translations or {}).values()),
        ]
        versions.append(VersionNames(version.id, framework.key, version.version, tuple(names)))
    for row in session.execute(
        select(
            Requirement.id,
            Requirement.version_id,
            Requirement.ref_id,
            Requirement.name,
            Requirement.translations,
        )
    ):
        requirements.setdefault(row.version_id, []).append(
            RequirementNames(
                row.id,
                row.ref_id,
                (row.name, *(t.get("name", "") for t in (row.translations or {}).values())),
            )
        )
    resolved = 0
    for row in session.scalars(select(UnresolvedCitation).order_by(UnresolvedCitation.id)).all():
        scope = session.get(Scope, row.scope_id)
        assert scope is not None
        if row.subject_kind == "scope":
            version = match_version(row.text, versions)
            if version is None:
                continue
            current = {v.framework_id: v for v in followed_versions(session, scope.id)}
            stored = session.get(FrameworkVersion, version.id)
            assert stored is not None
            if stored.framework_id not in current:
                session.add(
                    ScopeFramework(scope_id=scope.id, version_id=version.id, since=clock.now())
                )
                record_event(
                    session,
                    actor,
                    "scope.framework_followed",
                    scope.id,
                    {"version": f"{version.framework}@{version.version}", "from_text": row.text},
                    scope=scope,
                )
        else:
            found = match_citation(row.text, versions, requirements)
            if found is None:
                continue
            exists = session.scalar(
                select(Citation.id).where(
                    Citation.subject_kind == row.subject_kind,
                    Citation.subject_id == row.subject_id,
                    Citation.requirement_id == found[1].id,
                )
            )
            if exists is None:
                session.add(
                    Citation(
                        scope_id=scope.id,
                        subject_kind=row.subject_kind,
                        subject_id=row.subject_id,
                        requirement_id=found[1].id,
                        status="current",
                        note="",
                    )
                )
            record_event(
                session,
                actor,
                "scope.citation_resolved",
                scope.id,
                {
                    "subject": f"{row.subject_kind} {row.subject_id}",
                    "text": row.text,
                    "requirement": f"{found[0].framework}@{found[0].version}#{found[1].ref_id}",
                },
                scope=scope,
            )
        session.delete(row)
        resolved += 1
    session.flush()
    return resolved


# ---------------------------------------------------------------- the shipped catalogues

SHIPPED = Path(__file__).parent / "catalogues"


def shipped_file(ref: str) -> Path:
    """The file of a shipped version (``framework@version``)."""
    framework, _, version = ref.partition("@")
    return SHIPPED / f"{framework}-{version}.yaml"


def shipped_files() -> list[Path]:
    """The catalogues, then the crosswalks, the product ships."""
    files = sorted(SHIPPED.glob("*.yaml"))
    return [f for f in files if not f.name.startswith("mapping-")] + [
        f for f in files if f.name.startswith("mapping-")
    ]


def install_shipped(
    uow: UnitOfWork, actor: Principal, leave_out: Collection[str] = ()
) -> list[Imported]:
    """Import every shipped catalogue and crosswalk the library lacks (but the
    versions in ``leave_out``, and the crosswalks that need them), oldest version
    first, then match what scopes wrote as text before."""
    actor.require_site_admin()
    found = [(file, read_file(file.read_bytes(), file.name)) for file in shipped_files()]
    found = [
        (file, item)
        for file, item in found
        if not (isinstance(item, Catalogue) and item.ref in leave_out)
        and not (isinstance(item, MappingSet) and {item.source, item.target} & set(leave_out))
    ]
    catalogues = sorted(
        ((f, c) for f, c in found if isinstance(c, Catalogue)),
        key=lambda pair: (pair[1].framework, pair[1].published or date.min),  # type: ignore[union-attr]
    )
    mapping_sets = [(f, m) for f, m in found if isinstance(m, MappingSet)]
    imported = []
    with uow:
        session = uow.session
        for file, catalogue in catalogues:
            assert isinstance(catalogue, Catalogue)
            if _version(session, catalogue.ref) is None:
                imported.append(_import(session, actor, catalogue, file.name))
        for file, mapping_set in mapping_sets:
            assert isinstance(mapping_set, MappingSet)
            exists = session.scalar(
                select(StoredMappingSet.id).where(StoredMappingSet.key == mapping_set.key)
            )
            if exists is None:
                imported.append(_import(session, actor, mapping_set, file.name))
        _resolve_unresolved(session, actor)
        uow.commit()
    return imported


# How measures, goals and indicators cite requirements (see ``scoped.Cites``).
CITES = Cites("requirements", store=cite, read=citations_of, choices=requirement_choices)


def followed_by_scope(session: Session, scope_ids: Collection[int]) -> dict[int, list[str]]:
    """``framework@version`` of what each scope follows (one query)."""
    found: dict[int, list[str]] = {scope_id: [] for scope_id in scope_ids}
    if not scope_ids:
        return found
    for scope_id, key, version in session.execute(
        select(ScopeFramework.scope_id, Framework.key, FrameworkVersion.version)
        .join(FrameworkVersion, FrameworkVersion.id == ScopeFramework.version_id)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(ScopeFramework.scope_id.in_(scope_ids))
        .order_by(ScopeFramework.id)
    ):
        found[scope_id].append(f"{key}@{version}")
    return found


def version_choices(session: Session) -> list[tuple[str, str]]:
    """Every version in the library, ``(framework@version, its name)``, for forms."""
    return [
        (f"{key}@{version}", f"{name} ({key}@{version})")
        for key, version, name in session.execute(
            select(Framework.key, FrameworkVersion.version, FrameworkVersion.name)
            .join(FrameworkVersion, FrameworkVersion.framework_id == Framework.id)
            .order_by(Framework.key, FrameworkVersion.published, FrameworkVersion.id)
        )
    ]
