"""The framework library: catalogues imported from the files teams already
hold (CISO Assistant YAML, OSCAL JSON) and exported back, public to read.

Importing is the site's operator's (or the command line's): a catalogue is
shared by every organization that follows it. A file is read whole before
anything is stored, so a bad one imports nothing; each import is an event.
"""

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal
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
from agilegov.library.difference import difference
from agilegov.library.models import (
    Framework,
    FrameworkVersion,
    Requirement,
    RequirementMapping,
)
from agilegov.library.models import MappingSet as StoredMappingSet
from agilegov.library.schemas import (
    DifferenceRead,
    FrameworkRead,
    Imported,
    RequirementRead,
    VersionRead,
)
from agilegov.record.service import record_event
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
        session = uow.session
        if isinstance(found, Catalogue):
            imported = _store_catalogue(session, found, file)
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
        uow.commit()
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


def _store_catalogue(session: Session, catalogue: Catalogue, file: str) -> Imported:
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
    # Two bulk statements, not one per node: the rows, then each one's parent.
    inserted = session.execute(
        insert(Requirement).returning(Requirement.id, sort_by_parameter_order=True),
        [
            {
                "version_id": version.id,
                "key": node.key,
                "ref_id": node.ref_id,
                "name": node.name,
                "description": node.description,
                "position": position,
                "assessable": node.assessable,
                "actor": node.actor.value if node.actor is not None else None,
                "applies_from": node.applies_from,
                "translations": _translations_in(node.translations),
            }
            for position, node in enumerate(catalogue.requirements)
        ],
    )
    ids = {
        node.key: id_ for node, id_ in zip(catalogue.requirements, inserted.scalars(), strict=True)
    }
    parents = [
        {"id": ids[node.key], "parent_id": ids[node.parent]}
        for node in catalogue.requirements
        if node.parent is not None
    ]
    if parents:
        session.execute(update(Requirement), parents)
    return Imported(kind="framework", ref=catalogue.ref, requirements=len(ids))


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
        session = uow.session
        version = _found(session, ref)
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
