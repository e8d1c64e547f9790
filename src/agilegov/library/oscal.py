"""OSCAL catalogs and mapping collections, read into the library's shapes and
written back out (JSON, OSCAL 1.1 catalogs, OSCAL 1.2 mapping collections).

A catalog's groups and controls become requirements in document order (a
group's children in the order its ``controls`` and ``groups`` arrays come in
the file); groups are not assessable, controls are. A mapping collection's maps
become mappings, one per source and target pair. What OSCAL has no field for
(the framework's short identifier, its effective date, licence, provider, a
requirement's actor and the date it applies from, a key that is not an OSCAL
token, names and descriptions in other languages as ``title-<lang>`` and
``description-<lang>``) travels as props in the ``urn:agilegov:oscal``
namespace, so an export reads back as it was.

Pure: no database, no I/O besides parsing the bytes given. Problems are
``CatalogueError`` in English, naming the file, the node and the problem.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from agilegov.library.catalogue import (
    Actor,
    Catalogue,
    CatalogueError,
    Mapping,
    MappingSet,
    Relationship,
    Requirement,
    Translation,
    Translations,
    check_tree,
)

MAX_BYTES = 20 * 1024 * 1024
CATALOG_OSCAL_VERSION = "1.1.2"
MAPPING_OSCAL_VERSION = "1.2.0"
NS = "urn:agilegov:oscal"
# The namespace of the uuid5 identifiers, so the same catalogue always exports
# with the same uuids.
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
EPOCH = "1970-01-01T00:00:00Z"
# Where the file says nothing of its mapping's method, ours is a person's reading.
PROVENANCE = {"method": "human", "matching-rationale": "semantic", "status": "complete"}

Json = dict[str, Any]


# -- reading ----------------------------------------------------------------


def _load(data: bytes, file: str, root: str) -> Json:
    if len(data) > MAX_BYTES:
        raise CatalogueError(file, None, f"the file is larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueError(file, None, f"not JSON: {error}") from None
    except RecursionError:
        raise CatalogueError(file, None, "not JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise CatalogueError(file, None, "not a JSON object")
    body = document.get(root)
    if not isinstance(body, dict):
        raise CatalogueError(file, None, f"no {root!r} object")
    return body


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(node: Json, name: str, file: str, where: str) -> list[Json]:
    value = node.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CatalogueError(file, where, f"{name!r} is not a list of objects")
    return value


def _props(node: Json, file: str, where: str, *, ours: bool = False) -> dict[str, str]:
    """A node's props by name (the first of each name): whatever their
    namespace, or only those in ours."""
    found: dict[str, str] = {}
    for prop in _list(node, "props", file, where):
        name, value = prop.get("name"), prop.get("value")
        if isinstance(name, str) and isinstance(value, str) and (not ours or prop.get("ns") == NS):
            found.setdefault(name, value)
    return found


def _date(value: object, file: str, where: str) -> date | None:
    if value is None:
        return None
    try:
        # The date as the file writes it, whatever its time zone.
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise CatalogueError(file, where, f"{value!r} is not a date") from None


def _prose(part: Json, file: str, where: str) -> Iterator[str]:
    """A part's prose, then its sub-parts' (each after its label), in document order."""
    label = _props(part, file, where).get("label")
    prose = _text(part.get("prose"))
    if prose or label:
        yield f"{label} {prose}".strip() if label else prose
    for sub in _list(part, "parts", file, where):
        yield from _prose(sub, file, where)


def _description(control: Json, file: str, where: str) -> str:
    for part in _list(control, "parts", file, where):
        if part.get("name") == "statement":
            return "\n\n".join(text for text in _prose(part, file, where) if text)
    return ""


def _requirement(
    node: Json, kind: str, parent: str | None, position: str, file: str
) -> Requirement:
    key, title = _text(node.get("id")), _text(node.get("title"))
    if not key:
        raise CatalogueError(file, position, f"a {kind} has no id")
    if not title:
        raise CatalogueError(file, key, f"the {kind} has no title")
    props = _props(node, file, key, ours=True)
    actor = props.get("actor")
    if actor is not None and actor not in Actor.__members__.values():
        raise CatalogueError(file, key, f"unknown actor {actor!r}")
    return Requirement(
        key=props.get("key", key),
        ref_id=_props(node, file, key).get("label", key),
        name=title,
        description=_description(node, file, key),
        parent=parent,
        assessable=kind == "control" and props.get("assessable") != "false",
        actor=Actor(actor) if actor is not None else None,
        applies_from=_date(props.get("applies-from"), file, key),
        translations=_translations(props),
    )


def _translations(props: dict[str, str]) -> Translations:
    """``title-<lang>`` and ``description-<lang>`` props, by language."""
    return {
        name.removeprefix("title-"): Translation(
            value, props.get("description-" + name.removeprefix("title-"), "")
        )
        for name, value in props.items()
        if name.startswith("title-")
    }


def _translation_props(translations: Translations) -> list[Json]:
    props = []
    for language, text in translations.items():
        props.append(_prop(f"title-{language}", text.name))
        if text.description:
            props.append(_prop(f"description-{language}", text.description))
    return props


def _children(node: Json, file: str, where: str) -> list[tuple[str, Json]]:
    """A node's groups and controls, each array where the file puts it."""
    children: list[tuple[str, Json]] = []
    for name in node:
        if name in ("groups", "controls"):
            kind = name[:-1]
            children += [(kind, child) for child in _list(node, name, file, where)]
    return children


def read_catalog(data: bytes, file: str) -> Catalogue:
    """The catalogue an OSCAL catalog (JSON) holds."""
    catalog = _load(data, file, "catalog")
    metadata = catalog.get("metadata")
    if not isinstance(metadata, dict):
        raise CatalogueError(file, "metadata", "the catalog has no metadata")
    title, version = _text(metadata.get("title")), _text(metadata.get("version"))
    if not title:
        raise CatalogueError(file, "metadata", "the catalog has no title")
    if not version:
        raise CatalogueError(file, "metadata", "the catalog has no version")
    props = _props(metadata, file, "metadata")
    framework = props.get("framework") or _slug(title)
    if not framework:
        raise CatalogueError(file, "metadata", "no framework identifier can be made of the title")
    links = _list(metadata, "links", file, "metadata")
    # The canonical link, else the first to a web address (not to back matter).
    web = [link for link in links if str(link.get("href", "")).startswith(("https:", "http:"))]
    source_url = next(
        (link.get("href") for link in web if link.get("rel") == "canonical"),
        web[0].get("href") if web else None,
    )
    requirements: list[Requirement] = []
    # Depth first with a stack, not recursion, so a deep file cannot exhaust
    # Python's stack; children are pushed reversed to come out in order.
    stack: list[tuple[str, Json, str | None, str]] = [
        (kind, node, None, f"catalog {kind} {index + 1}")
        for index, (kind, node) in reversed(list(enumerate(_children(catalog, file, "catalog"))))
    ]
    while stack:
        kind, node, parent, position = stack.pop()
        requirement = _requirement(node, kind, parent, position, file)
        requirements.append(requirement)
        children = _children(node, file, requirement.key)
        if kind == "control" and any(child_kind == "group" for child_kind, _ in children):
            raise CatalogueError(file, requirement.key, "a control holds a group")
        stack += [
            (child_kind, child, requirement.key, f"{requirement.key} {child_kind} {index + 1}")
            for index, (child_kind, child) in reversed(list(enumerate(children)))
        ]
    catalogue = Catalogue(
        framework=framework,
        version=version,
        name=title,
        description=_text(metadata.get("remarks")),
        published=_date(metadata.get("published"), file, "metadata"),
        effective=_date(props.get("effective"), file, "metadata"),
        source_url=source_url if isinstance(source_url, str) and source_url else None,
        licence=props.get("licence"),
        provider=props.get("provider"),
        requirements=tuple(requirements),
        translations=_translations(_props(metadata, file, "metadata", ours=True)),
    )
    check_tree(catalogue, file)
    return catalogue


def _slug(title: str) -> str:
    return re.sub(r"[\W_]+", "-", title.lower()).strip("-")[:64].strip("-")


def _resource(mapping: Json, name: str, file: str, where: str) -> str:
    """The framework@version a mapping's source or target resource names: our
    ``catalogue`` prop, else the href's fragment, else the href."""
    resource = mapping.get(name)
    if not isinstance(resource, dict):
        raise CatalogueError(file, where, f"the mapping has no {name}")
    named = _props(resource, file, where).get("catalogue")
    href = _text(resource.get("href"))
    found = named or (href[1:] if href.startswith("#") else href)
    if not found:
        raise CatalogueError(file, where, f"the {name} names no catalogue")
    return found


def _items(entry: Json, name: str, file: str, where: str) -> list[str]:
    refs = [_text(item.get("id-ref")) for item in _list(entry, name, file, where)]
    if not refs or not all(refs):
        raise CatalogueError(file, where, f"the map names no {name[:-1]}")
    return refs


def read_mapping(data: bytes, file: str) -> MappingSet:
    """The mapping set an OSCAL mapping collection (JSON) holds; a map with
    several sources or targets becomes one mapping per pair."""
    collection = _load(data, file, "mapping-collection")
    metadata = collection.get("metadata")
    if not isinstance(metadata, dict) or not _text(metadata.get("title")):
        raise CatalogueError(file, "metadata", "the mapping collection has no title")
    title = _text(metadata["title"])
    props = _props(metadata, file, "metadata")
    links = _list(metadata, "links", file, "metadata")
    source_url = next((link.get("href") for link in links if link.get("rel") == "canonical"), None)
    entries = _list(collection, "mappings", file, "mapping-collection")
    if not entries:
        raise CatalogueError(file, "mapping-collection", "the collection holds no mapping")
    source = target = ""
    mappings: list[Mapping] = []
    for number, entry in enumerate(entries, 1):
        where = f"mapping {number}"
        pair = (
            _resource(entry, "source-resource", file, where),
            _resource(entry, "target-resource", file, where),
        )
        if source and pair != (source, target):
            raise CatalogueError(
                file, where, "the collection maps more than one pair of catalogues"
            )
        source, target = pair
        for index, entry_map in enumerate(_list(entry, "maps", file, where), 1):
            at = f"{where} map {index}"
            relationship = entry_map.get("relationship")
            if relationship not in Relationship.__members__.values():
                raise CatalogueError(file, at, f"unknown relationship {relationship!r}")
            rationale = _text(entry_map.get("remarks"))
            for source_key in _items(entry_map, "sources", file, at):
                for target_key in _items(entry_map, "targets", file, at):
                    mappings.append(
                        Mapping(source_key, target_key, Relationship(relationship), rationale)
                    )
    return MappingSet(
        key=props.get("mapping-set") or _slug(title),
        name=title,
        source=source,
        target=target,
        provider=props.get("provider"),
        source_url=source_url if isinstance(source_url, str) and source_url else None,
        mappings=tuple(mappings),
    )


# -- writing ----------------------------------------------------------------


def _prop(name: str, value: str, *, ours: bool = True) -> Json:
    return {"name": name, "ns": NS, "value": value} if ours else {"name": name, "value": value}


def _token(key: str, taken: set[str]) -> str:
    """An OSCAL token (a letter or ``_`` first, then letters, digits, ``.``,
    ``-``, ``_``) for a key, unique in the catalog."""
    token = "".join(c if c.isalnum() or c in "._-" else "_" for c in key)
    if not (token[:1].isalpha() or token[:1] == "_"):
        token = "_" + token
    unique, number = token, 1
    while unique in taken:
        number += 1
        unique = f"{token}_{number}"
    taken.add(unique)
    return unique


def _timestamp(day: date | None) -> str:
    return f"{day.isoformat()}T00:00:00Z" if day else EPOCH


def write_catalog(catalogue: Catalogue) -> Json:
    """The catalogue as an OSCAL 1.1 catalog: groups for the nodes that are not
    assessable (outside a control), controls for the others, each description
    in a statement part."""
    check_tree(catalogue, catalogue.ref)
    nodes: dict[str, Json] = {}
    is_control: dict[str, bool] = {}
    taken: set[str] = set()
    body: Json = {}
    for requirement in catalogue.requirements:
        parent_is_control = requirement.parent is not None and is_control[requirement.parent]
        control = requirement.assessable or parent_is_control
        is_control[requirement.key] = control
        token = _token(requirement.key, taken)
        props: list[Json] = []
        if requirement.ref_id is not None:
            props.append(_prop("label", requirement.ref_id, ours=False))
        if token != requirement.key:
            props.append(_prop("key", requirement.key))
        if control and not requirement.assessable:
            props.append(_prop("assessable", "false"))
        if requirement.actor is not None:
            props.append(_prop("actor", requirement.actor.value))
        if requirement.applies_from is not None:
            props.append(_prop("applies-from", requirement.applies_from.isoformat()))
        props += _translation_props(requirement.translations)
        node: Json = {"id": token, "title": requirement.name}
        if props:
            node["props"] = props
        if requirement.description:
            node["parts"] = [
                {"id": f"{token}_smt", "name": "statement", "prose": requirement.description}
            ]
        nodes[requirement.key] = node
        holder = nodes[requirement.parent] if requirement.parent is not None else body
        holder.setdefault("controls" if control else "groups", []).append(node)
    metadata: Json = {
        "title": catalogue.name,
        "published": _timestamp(catalogue.published),
        "last-modified": _timestamp(catalogue.published),
        "version": catalogue.version,
        "oscal-version": CATALOG_OSCAL_VERSION,
        "props": _metadata_props(
            framework=catalogue.framework,
            effective=catalogue.effective.isoformat() if catalogue.effective else None,
            licence=catalogue.licence,
            provider=catalogue.provider,
        )
        + _translation_props(catalogue.translations),
    }
    if catalogue.published is None:
        del metadata["published"]
    if catalogue.source_url:
        metadata["links"] = [{"href": catalogue.source_url, "rel": "canonical"}]
    if catalogue.description:
        metadata["remarks"] = catalogue.description
    identity = "\n".join([catalogue.ref, *(r.key for r in catalogue.requirements)])
    return {
        "catalog": {
            "uuid": str(uuid.uuid5(UUID_NAMESPACE, "catalog\n" + identity)),
            "metadata": metadata,
            **body,
        }
    }


def _metadata_props(**values: str | None) -> list[Json]:
    return [_prop(name, value) for name, value in values.items() if value]


def _resource_reference(ref: str) -> Json:
    return {"type": "catalog", "href": f"#{ref}", "props": [_prop("catalogue", ref)]}


def write_mapping(mapping_set: MappingSet) -> Json:
    """The mapping set as an OSCAL 1.2 mapping collection: one mapping from the
    source catalogue to the target, one map per mapping, its rationale in the
    map's remarks."""
    identity = f"{mapping_set.key}\n{mapping_set.source}\n{mapping_set.target}"

    def uuid_of(name: str) -> str:
        return str(uuid.uuid5(UUID_NAMESPACE, f"{name}\n{identity}"))

    maps = []
    for index, mapping in enumerate(mapping_set.mappings):
        entry: Json = {
            "uuid": uuid_of(f"map {index} {mapping.source}\n{mapping.target}"),
            "relationship": mapping.relationship.value,
            "sources": [{"type": "control", "id-ref": mapping.source}],
            "targets": [{"type": "control", "id-ref": mapping.target}],
        }
        if mapping.rationale:
            entry["remarks"] = mapping.rationale
        maps.append(entry)
    metadata: Json = {
        "title": mapping_set.name,
        "last-modified": EPOCH,
        "version": "1",
        "oscal-version": MAPPING_OSCAL_VERSION,
        "props": _metadata_props(
            **{"mapping-set": mapping_set.key, "provider": mapping_set.provider}
        ),
    }
    if mapping_set.source_url:
        metadata["links"] = [{"href": mapping_set.source_url, "rel": "canonical"}]
    return {
        "mapping-collection": {
            "uuid": uuid_of("mapping-collection"),
            "metadata": metadata,
            "provenance": {**PROVENANCE, "mapping-description": mapping_set.name},
            "mappings": [
                {
                    "uuid": uuid_of("mapping"),
                    "source-resource": _resource_reference(mapping_set.source),
                    "target-resource": _resource_reference(mapping_set.target),
                    "maps": maps,
                }
            ],
        }
    }
