"""The toolkit of a scope's exchange document: each part's section of it.

A part declares its ``Section``: the document keys it owns (with their shapes),
how it writes them from a scope and how it reads them back. Entities refer to
each other by document-local refs ("goal-3": the third goal in the document),
numbered in id order per kind, so a document moves between databases and an
export of an imported scope equals the document it came from. The scopes part
puts the sections of the installed parts together (``scopes.exchange``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from agilegov.auth import Principal
from agilegov.errors import FieldProblem, InvalidInput
from agilegov.i18n import lazy
from agilegov.schemas import StorableObject, StoredDatetime
from agilegov.scoped import Kind, apply_values, read_item
from agilegov.tenancy import Scope
from agilegov.versioning import EntityVersion, versions_of

_META = ("ref", "created_at", "updated_at")
_VERSIONED_META = ("status", "version", "versions")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class Refs:
    """Document refs for database ids, numbered in id order per kind."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[int, str]] = {}
        self.kinds: dict[Any, str] = {}  # a kind's name by its model

    def number(self, name: str, ids: Sequence[int]) -> None:
        self.by_id[name] = {id_: f"{name}-{n}" for n, id_ in enumerate(sorted(ids), start=1)}

    def of(self, name: str, id_: int | None) -> str | None:
        return None if id_ is None else self.by_id[name][id_]


def prefixed(path: str, problem: InvalidInput) -> InvalidInput:
    problems = [FieldProblem(f"{path}.{p.field}", p.message) for p in problem.problems]
    return InvalidInput.of(problems)


def located(path: str, loc: Sequence[int | str]) -> str:
    """``path`` and a pydantic location in document notation: ``risks[0].citations[1]``."""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def from_validation(path: str, error: ValidationError) -> InvalidInput:
    problems = [
        FieldProblem(located(path, item["loc"]), item["msg"].removeprefix("Value error, "))
        for item in error.errors()
    ]
    return InvalidInput.of(problems)


class _Stamps(BaseModel):
    created_at: StoredDatetime
    updated_at: StoredDatetime


class _Version(BaseModel):
    model_config = {"extra": "forbid"}
    version: int = Field(ge=1)
    data: StorableObject
    note: str
    created_at: StoredDatetime


class _VersionMeta(BaseModel):
    status: str = Field(pattern="^(active|retired|planned|in_progress|implemented)$")
    version: int = Field(ge=1)
    versions: list[_Version] = Field(min_length=1)


class Importer:
    def __init__(self, session: Any, actor: Principal, scope: Scope) -> None:
        self.session = session
        self.actor = actor
        self.scope = scope
        self.ids: dict[str, int] = {}
        self.kinds: dict[Any, str] = {}  # a kind's name by its model

    def resolve(self, path: str, ref: Any, expected: str) -> int:
        if not isinstance(ref, str) or not ref.startswith(expected + "-") or ref not in self.ids:
            raise InvalidInput.on(
                path,
                lazy(
                    "no %(expected)s with ref %(ref)s in the document",
                    expected=expected,
                    ref=repr(ref),
                ),
            )
        return self.ids[ref]

    def remember(self, path: str, ref: Any, id_: int) -> None:
        if not isinstance(ref, str) or not ref:
            raise InvalidInput.on(f"{path}.ref", lazy("is required"))
        if ref in self.ids:
            raise InvalidInput.on(f"{path}.ref", lazy("%(ref)s is used twice", ref=repr(ref)))
        self.ids[ref] = id_

    def entity(self, kind: Kind, path: str, item: dict[str, Any]) -> Any:
        allowed = (
            set(kind.create.model_fields)
            | set(_META)
            | (set(_VERSIONED_META) if kind.versioned else set())
        )
        for name in item:
            if name not in allowed:
                raise InvalidInput.on(
                    f"{path}.{name}", lazy("is not a field of a %(kind)s", kind=kind.name)
                )
        values = {k: v for k, v in item.items() if k in kind.create.model_fields}
        # A reference to the kind itself is set once the whole section is read.
        deferred = None
        for ref in kind.refs:
            if ref.model is kind.model:
                if values.get(ref.field) is not None:
                    deferred = (ref.field, values.pop(ref.field))
            elif values.get(ref.field) is not None:
                target = self.kinds[ref.model]
                values[ref.field] = self.resolve(f"{path}.{ref.field}", values[ref.field], target)
        for link in kind.links:
            target = self.kinds[link.model]
            values[link.field] = [
                self.resolve(f"{path}.{link.field}[{n}]", ref, target)
                for n, ref in enumerate(values.get(link.field) or [])
            ]
        try:
            data = kind.create.model_validate(values)
            stamps = _Stamps.model_validate({k: item.get(k) for k in ("created_at", "updated_at")})
        except ValidationError as error:
            raise from_validation(path, error) from None
        obj: Any = kind.model(
            scope_id=self.scope.id, created_at=stamps.created_at, updated_at=stamps.updated_at
        )
        try:
            apply_values(
                self.session, self.scope, kind, obj, data.model_dump(exclude={"change_note"})
            )
        except InvalidInput as problem:
            raise prefixed(path, problem) from None
        if kind.versioned:
            self._versions(kind, path, obj, item)
        self.session.add(obj)
        self.session.flush()
        self.remember(path, item.get("ref"), obj.id)
        if kind.versioned:
            for version in item.get("versions", []):
                self.session.add(
                    EntityVersion(
                        kind=kind.name,
                        entity_id=obj.id,
                        version=version["version"],
                        data=version["data"],
                        note=version["note"],
                        created_at=version["created_at"],
                        actor_id=None,
                    )
                )
        return obj, deferred

    def _versions(self, kind: Kind, path: str, obj: Any, item: dict[str, Any]) -> None:
        try:
            meta = _VersionMeta.model_validate({k: item.get(k) for k in _VERSIONED_META})
        except ValidationError as error:
            raise from_validation(path, error) from None
        numbers = [v.version for v in meta.versions]
        if meta.version != len(numbers) or numbers != list(range(1, len(numbers) + 1)):
            raise InvalidInput.on(
                f"{path}.versions",
                lazy("must hold versions 1 to %(version)s", version=meta.version),
            )
        statuses = kind.read.model_fields["status"].annotation
        if meta.status not in {status.value for status in statuses}:  # type: ignore[union-attr]
            raise InvalidInput.on(
                f"{path}.status",
                lazy(
                    "%(status)s is not a %(kind)s status", status=repr(meta.status), kind=kind.name
                ),
            )
        obj.status, obj.version = meta.status, meta.version
        item["versions"] = [v.model_dump() for v in meta.versions]


@dataclass(frozen=True)
class Section:
    """A part's section of the document: its keys with their pydantic shapes
    and defaults, how it writes them (``export(session, scope, refs)``, after
    numbering its rows in ``refs``) and how it reads them back
    (``load(importer, document)``, after the sections before it)."""

    fields: dict[str, tuple[Any, Any]]
    export: Callable[[Any, Scope, Refs], dict[str, Any]]
    load: Callable[[Importer, Any], None]


def _section(kind: Kind) -> str:
    return kind.plural.replace("-", "_")


def _export_entity(kind: Kind, obj: Any, refs: Refs, session: Any) -> dict[str, Any]:
    read = read_item(session, kind, obj).model_dump(mode="json")
    ref_kinds = {ref.field: refs.kinds[ref.model] for ref in kind.refs}
    link_kinds = {link.field: refs.kinds[link.model] for link in kind.links}
    item: dict[str, Any] = {"ref": refs.of(kind.name, obj.id)}
    for field in kind.create.model_fields:
        if field == "change_note":
            continue
        value = read[field]
        if field in ref_kinds:
            value = refs.of(ref_kinds[field], value)
        elif field in link_kinds:
            value = [refs.of(link_kinds[field], v) for v in value]
        item[field] = value
    item["created_at"], item["updated_at"] = read["created_at"], read["updated_at"]
    if kind.versioned:
        item["status"], item["version"] = read["status"], read["version"]
        item["versions"] = [
            {"version": v.version, "data": v.data, "note": v.note, "created_at": iso(v.created_at)}
            for v in versions_of(session, kind.name, obj.id)
        ]
    return item


def kinds_section(*kinds: Kind) -> Section:
    """The section of a part's scoped kinds, in creation order: every kind after
    the kinds it refers to; a reference to the kind itself (a goal's parent) is
    set once all of that kind is read."""

    def export(session: Any, scope: Scope, refs: Refs) -> dict[str, Any]:
        refs.kinds.update({kind.model: kind.name for kind in kinds})
        rows = {}
        for kind in kinds:
            model: Any = kind.model
            rows[kind.name] = list(
                session.scalars(select(model).where(model.scope_id == scope.id).order_by(model.id))
            )
            refs.number(kind.name, [row.id for row in rows[kind.name]])
        return {
            _section(kind): [_export_entity(kind, obj, refs, session) for obj in rows[kind.name]]
            for kind in kinds
        }

    def load(importer: Importer, document: Any) -> None:
        importer.kinds.update({kind.model: kind.name for kind in kinds})
        for kind in kinds:
            section = _section(kind)
            if getattr(document, section):
                # What only an owner creates one by one, only an owner imports.
                importer.actor.require(importer.scope.organization_id, kind.role)
            deferred = []
            for index, item in enumerate(getattr(document, section)):
                obj, parent = importer.entity(kind, f"{section}[{index}]", item)
                if parent is not None:
                    deferred.append((index, obj, parent))
            for index, obj, (field, ref) in deferred:
                path = f"{section}[{index}]"
                target = importer.resolve(f"{path}.{field}", ref, kind.name)
                try:
                    apply_values(importer.session, importer.scope, kind, obj, {field: target})
                except InvalidInput as problem:
                    raise prefixed(path, problem) from None
            importer.session.flush()

    return Section(
        fields={
            _section(kind): (list[dict[str, Any]], Field(default_factory=list)) for kind in kinds
        },
        export=export,
        load=load,
    )
