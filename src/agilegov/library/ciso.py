"""CISO Assistant's library YAML, in and out.

A library holds either a framework (``objects.framework.requirement_nodes``:
each node with its ``urn``, ``parent_urn``, ``depth``, ``ref_id``, ``name``,
``description``, ``assessable``) or a mapping set
(``objects.requirement_mapping_set.requirement_mappings``: ``source_requirement_urn``,
``target_requirement_urn``, ``relationship``). A node's ``urn`` is its key; a
framework's version comes from its urn (``…:framework:nist-csf-2.0`` is
``nist-csf@2.0``). Translations (``translations: {ja: {name, description}}``
on the library, the framework and each node) are read and written; scores and
reference controls are not read.

agilegov's catalogues add a few keys other tools ignore: the library's
``source_url`` (the official text) and ``effective_date`` (from when it
applies), and a node's ``actor`` (``developer``, ``provider``,
``business_user``) and ``applies_from`` (the date its obligation binds).

Pure: parses and writes the text given.
"""

import re
from datetime import date
from typing import Any

import yaml

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

# Refused before parsing: the largest shipped library is well under 1 MB.
MAX_FILE_BYTES = 20 * 1_048_576

# CISO Assistant's relationships, and OSCAL's words for them.
RELATIONSHIPS = {
    "equal": Relationship.equivalent_to,
    "subset": Relationship.subset_of,
    "superset": Relationship.superset_of,
    "intersect": Relationship.intersects_with,
    "not_related": Relationship.no_relationship,
}
_CISO_WORDS = {ours: theirs for theirs, ours in RELATIONSHIPS.items()}

_FRAMEWORK_URN = re.compile(r"^urn:[^:]+:[^:]+:framework:(?P<tail>[\w.\-]+)$")
_VERSIONED = re.compile(r"^(?P<framework>.+?)-v?(?P<version>\d+(?:\.\d+)*)$")

try:  # the C loader where PyYAML was built with libyaml
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the build
    _Loader = yaml.SafeLoader


def framework_ref(urn: str, file: str, fallback_version: str = "1") -> tuple[str, str]:
    """``(framework, version)`` of a framework's urn."""
    found = _FRAMEWORK_URN.match(urn) if isinstance(urn, str) else None
    if found is None:
        raise CatalogueError(file, str(urn), "not a framework urn (urn:…:framework:<name>)")
    tail = found["tail"]
    versioned = _VERSIONED.match(tail)
    if versioned is None:
        return tail, fallback_version
    return versioned["framework"], versioned["version"]


def _load(data: bytes, file: str) -> dict[str, Any]:
    if len(data) > MAX_FILE_BYTES:
        raise CatalogueError(file, None, f"larger than {MAX_FILE_BYTES // 1_048_576} MB")
    try:
        loaded = yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as problem:
        raise CatalogueError(file, None, f"not YAML: {problem}") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("objects"), dict):
        raise CatalogueError(file, None, "not a CISO Assistant library (no objects)")
    return loaded


def _text(value: object, file: str, node: str, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise CatalogueError(file, node, f"{what} is not text")
    return str(value)


def _date(value: object, file: str, node: str, what: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CatalogueError(file, node, f"{what} is not a date (YYYY-MM-DD)")


def _translations(value: object, file: str, node: str) -> Translations:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CatalogueError(file, node, "translations is not a mapping of languages")
    found = {}
    for language, texts in value.items():
        if not isinstance(language, str) or not isinstance(texts, dict):
            raise CatalogueError(file, node, f"translation {language!r} is not a mapping")
        found[language] = Translation(
            name=_text(texts.get("name"), file, node, f"translations.{language}.name"),
            description=_text(
                texts.get("description"), file, node, f"translations.{language}.description"
            ),
        )
    return found


def _actor(value: object, file: str, node: str) -> Actor | None:
    if value is None:
        return None
    if value not in Actor.__members__.values():
        known = ", ".join(Actor)
        raise CatalogueError(file, node, f"unknown actor {value!r}; one of: {known}")
    return Actor(value)


def read_library(data: bytes, file: str) -> Catalogue | MappingSet:
    """The framework or the mapping set a library holds."""
    library = _load(data, file)
    objects = library["objects"]
    if "framework" in objects:
        return _framework(library, objects["framework"], file)
    if "requirement_mapping_set" in objects:
        return _mapping_set(library, objects["requirement_mapping_set"], file)
    raise CatalogueError(file, None, "the library holds no framework and no mapping set")


def _framework(library: dict[str, Any], framework: Any, file: str) -> Catalogue:
    if not isinstance(framework, dict):
        raise CatalogueError(file, "framework", "not a mapping")
    name, version = framework_ref(framework.get("urn", ""), file, str(library.get("version", 1)))
    nodes = framework.get("requirement_nodes")
    if not isinstance(nodes, list) or not nodes:
        raise CatalogueError(file, framework.get("urn"), "no requirement_nodes")
    requirements = []
    for position, node in enumerate(nodes, 1):
        where = f"requirement_nodes[{position}]"
        if not isinstance(node, dict):
            raise CatalogueError(file, where, "not a mapping")
        key = node.get("urn")
        if not isinstance(key, str) or not key:
            raise CatalogueError(file, where, "has no urn")
        assessable = node.get("assessable", False)
        if not isinstance(assessable, bool):
            raise CatalogueError(file, key, "assessable is not true or false")
        parent = node.get("parent_urn")
        if parent is not None and not isinstance(parent, str):
            raise CatalogueError(file, key, "parent_urn is not a urn")
        ref_id = node.get("ref_id")
        requirements.append(
            Requirement(
                key=key,
                ref_id=None if ref_id is None else _text(ref_id, file, key, "ref_id"),
                name=_text(node.get("name"), file, key, "name"),
                description=_text(node.get("description"), file, key, "description"),
                parent=parent,
                assessable=assessable,
                actor=_actor(node.get("actor"), file, key),
                applies_from=_date(node.get("applies_from"), file, key, "applies_from"),
                translations=_translations(node.get("translations"), file, key),
            )
        )
    published = library.get("publication_date")
    source_url = _text(library.get("source_url"), file, "library", "source_url") or None
    catalogue = Catalogue(
        framework=name,
        version=version,
        name=_text(framework.get("name") or library.get("name"), file, "framework", "name"),
        description=_text(framework.get("description"), file, "framework", "description"),
        published=published if isinstance(published, date) else None,
        effective=_date(library.get("effective_date"), file, "library", "effective_date"),
        source_url=source_url,
        translations=_translations(
            framework.get("translations") or library.get("translations"), file, "framework"
        ),
        licence=_text(library.get("copyright"), file, "library", "copyright") or None,
        provider=_text(library.get("provider"), file, "library", "provider") or None,
        requirements=tuple(requirements),
    )
    check_tree(catalogue, file)
    return catalogue


def _mapping_set(library: dict[str, Any], found: Any, file: str) -> MappingSet:
    if not isinstance(found, dict):
        raise CatalogueError(file, "requirement_mapping_set", "not a mapping")
    source = "@".join(framework_ref(found.get("source_framework_urn", ""), file))
    target = "@".join(framework_ref(found.get("target_framework_urn", ""), file))
    rows = found.get("requirement_mappings")
    if not isinstance(rows, list):
        raise CatalogueError(file, found.get("urn"), "no requirement_mappings")
    mappings = []
    for position, row in enumerate(rows, 1):
        where = f"requirement_mappings[{position}]"
        if not isinstance(row, dict):
            raise CatalogueError(file, where, "not a mapping")
        source_urn, target_urn = (
            row.get("source_requirement_urn"),
            row.get("target_requirement_urn"),
        )
        if not isinstance(source_urn, str) or not isinstance(target_urn, str):
            raise CatalogueError(file, where, "names no source or no target requirement")
        relationship = RELATIONSHIPS.get(row.get("relationship"))  # type: ignore[arg-type]
        if relationship is None:
            known = ", ".join(RELATIONSHIPS)
            raise CatalogueError(
                file, where, f"unknown relationship {row.get('relationship')!r}; one of: {known}"
            )
        mappings.append(
            Mapping(
                source=source_urn,
                target=target_urn,
                relationship=relationship,
                rationale=_text(row.get("rationale"), file, where, "rationale"),
            )
        )
    return MappingSet(
        key=_text(found.get("urn") or library.get("urn"), file, "mapping set", "urn"),
        name=_text(found.get("name") or library.get("name"), file, "mapping set", "name"),
        source=source,
        target=target,
        provider=_text(library.get("provider"), file, "library", "provider") or None,
        source_url=_text(library.get("source_url"), file, "library", "source_url") or None,
        mappings=tuple(mappings),
    )


# ---------------------------------------------------------------- out


def _slug(catalogue_ref: str) -> str:
    framework, _, version = catalogue_ref.partition("@")
    return f"{framework}-{version}"


def node_urn(catalogue: Catalogue, key: str) -> str:
    """A node's urn: its key where it is one, else one in agilegov's namespace."""
    if key.startswith("urn:"):
        return key
    return f"urn:agilegov:risk:req_node:{_slug(catalogue.ref)}:{key.lower()}"


def _translations_out(translations: Translations) -> dict[str, dict[str, str]]:
    return {
        language: {"name": text.name, "description": text.description}
        if text.description
        else {"name": text.name}
        for language, text in translations.items()
    }


def write_framework(catalogue: Catalogue) -> str:
    """The catalogue as a CISO Assistant framework library (YAML)."""
    slug = _slug(catalogue.ref)
    depth: dict[str, int] = {}
    nodes = []
    for requirement in catalogue.requirements:
        depth[requirement.key] = 1 if requirement.parent is None else depth[requirement.parent] + 1
        node: dict[str, Any] = {
            "urn": node_urn(catalogue, requirement.key),
            "assessable": requirement.assessable,
            "depth": depth[requirement.key],
        }
        if requirement.parent is not None:
            node["parent_urn"] = node_urn(catalogue, requirement.parent)
        if requirement.ref_id is not None:
            node["ref_id"] = requirement.ref_id
        if requirement.name:
            node["name"] = requirement.name
        if requirement.description:
            node["description"] = requirement.description
        if requirement.actor is not None:
            node["actor"] = requirement.actor.value
        if requirement.applies_from is not None:
            node["applies_from"] = requirement.applies_from
        if requirement.translations:
            node["translations"] = _translations_out(requirement.translations)
        nodes.append(node)
    library: dict[str, Any] = {
        "urn": f"urn:agilegov:risk:library:{slug}",
        "locale": "en",
        "ref_id": slug,
        "name": catalogue.name,
        "description": catalogue.description,
        "copyright": catalogue.licence or "",
        "version": 1,
        "provider": catalogue.provider or "",
        "packager": "agilegov",
        "objects": {
            "framework": {
                "urn": f"urn:agilegov:risk:framework:{slug}",
                "ref_id": slug,
                "name": catalogue.name,
                "description": catalogue.description,
                "requirement_nodes": nodes,
            }
        },
    }
    if catalogue.published is not None:
        library["publication_date"] = catalogue.published
    if catalogue.effective is not None:
        library["effective_date"] = catalogue.effective
    if catalogue.source_url is not None:
        library["source_url"] = catalogue.source_url
    if catalogue.translations:
        library["objects"]["framework"]["translations"] = _translations_out(catalogue.translations)
    return yaml.safe_dump(library, allow_unicode=True, sort_keys=False, width=100)


def write_mapping_set(mapping_set: MappingSet) -> str:
    """The mapping set as a CISO Assistant mapping library (YAML)."""
    source, target = _slug(mapping_set.source), _slug(mapping_set.target)
    library = {
        "urn": f"urn:agilegov:risk:library:map-{source}-{target}",
        "locale": "en",
        "ref_id": f"map-{source}-{target}",
        "name": mapping_set.name,
        "description": mapping_set.name,
        "version": 1,
        "provider": mapping_set.provider or "",
        "packager": "agilegov",
        **({"source_url": mapping_set.source_url} if mapping_set.source_url else {}),
        "objects": {
            "requirement_mapping_set": {
                "urn": mapping_set.key,
                "ref_id": f"mapping-{source}-{target}",
                "name": mapping_set.name,
                "source_framework_urn": f"urn:agilegov:risk:framework:{source}",
                "target_framework_urn": f"urn:agilegov:risk:framework:{target}",
                "requirement_mappings": [
                    {
                        "source_requirement_urn": mapping.source,
                        "target_requirement_urn": mapping.target,
                        "relationship": _CISO_WORDS[mapping.relationship],
                        "rationale": mapping.rationale,
                    }
                    for mapping in mapping_set.mappings
                ],
            }
        },
    }
    return yaml.safe_dump(library, allow_unicode=True, sort_keys=False, width=100)
