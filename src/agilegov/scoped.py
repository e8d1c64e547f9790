"""The one way entities under a scope are listed, read, created, changed and
deleted. Each part declares its kinds (a ``Kind``) with its own rules; this
module does the access checks, reference checks, versions and record events
the same way for all of them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.db import Base, ScopedEntity, Versioned, hold
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.paging import page_of, paginate
from agilegov.record.service import record_event
from agilegov.schemas import Input, Output, Page, VersionRead
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import keep_version, versions_of


@dataclass(frozen=True)
class Ref:
    """A field holding the id of another entity in the same scope, made by that
    kind's ``ref``; a kind referring to itself writes its own out."""

    field: str
    model: type[ScopedEntity]
    label: str
    label_column: str


@dataclass(frozen=True)
class Link:
    """A field holding a list of ids of entities in the same scope (see ``Ref``)."""

    field: str
    attribute: str
    model: type[ScopedEntity]
    label: str
    label_column: str


@dataclass(frozen=True)
class Cites:
    """A field of references to requirements outside the scope
    (``framework@version#id``), which the kind's rows cite: the library part
    stores and reads them through these functions, in the same transaction."""

    field: str
    # (session, scope, kind name, entity id, references, field) -> None; refuses naming the field
    store: Callable[[Session, Scope, str, int, list[str], str], None]
    # (session, kind name, entity ids) -> references by id
    read: Callable[[Session, str, list[int]], dict[int, list[str]]]
    # (session, scope) -> (reference, label) the forms offer
    choices: Callable[[Session, Scope], list[tuple[str, str]]]


Rules = Callable[[Session, Scope, Any], None]
# Entities beyond the scope a kind's fields may name (a goal adopted from
# another organization's), as (id, name) per field, for its forms to offer.
OtherChoices = Callable[[Session, Scope], dict[str, list[tuple[int, str]]]]
# Consequences of a change for other entities (e.g. goals derived from this
# one), run in the same transaction with the state before the change.
AfterChange = Callable[[Session, Scope, Any, dict[str, Any]], None]


@dataclass(frozen=True)
class Kind:
    """A kind of entity under a scope. It is versioned (kept version by version,
    retired rather than deleted) when its model is ``Versioned``."""

    name: str
    plural: str
    model: type[ScopedEntity]
    create: type[Input]
    update: type[Input]
    read: type[Output]
    # What its pages and messages call one ("trade-off"), the tab of the scope's
    # page that lists it, and the column that names one where one is chosen.
    label: str
    tab: str
    label_column: str
    refs: tuple[Ref, ...] = ()
    links: tuple[Link, ...] = ()
    # Domain rules checked on the entity after its fields are set, before it is
    # stored; they raise InvalidInput naming the field.
    rules: Rules | None = None
    after_change: AfterChange | None = None
    other_choices: OtherChoices | None = None
    cites: Cites | None = None
    # The least role in the scope's organization that creates, changes and
    # deletes one (a trust area's robustness is the owner's to decide).
    role: Role = Role.editor

    def __post_init__(self) -> None:
        if self.label_column not in self.model.__table__.c:
            raise ValueError(f"{self.name}: {self.label_column!r} is not a column of its table")
        # A kind referring to itself spells the reference out: it must agree.
        targets: list[Ref | Link] = [*self.refs, *self.links]
        for target in targets:
            named = (target.label, target.label_column)
            if target.model is self.model and named != (self.label, self.label_column):
                raise ValueError(f"{self.name}: {target.field} names a {self.name} otherwise")

    @property
    def versioned(self) -> bool:
        return issubclass(self.model, Versioned)

    def ref(self, field: str) -> Ref:
        """A field of another kind holding the id of one of this kind."""
        return Ref(field, self.model, self.label, self.label_column)

    def link(self, field: str, attribute: str) -> Link:
        """A field of another kind holding ids of this kind (its relationship ``attribute``)."""
        return Link(field, attribute, self.model, self.label, self.label_column)


def count_in_scope(model: Any, *where: Any) -> Callable[[Any], Any]:
    """A count of ``model``'s rows in a scope (matching ``where``), for a part's
    ``counts`` or ``cycle_facts``."""
    return lambda scope_id: (
        select(func.count()).select_from(model).where(model.scope_id == scope_id, *where)
    )


def _entity(
    session: Session, scope: Scope, kind: Kind, item_id: int, *, to_change: bool = False
) -> ScopedEntity:
    """The entity, or NotFound; held until the transaction ends ``to_change`` it,
    so that concurrent changes take turns: each starts from what the one before
    it left (and keeps the version after the one it kept)."""
    obj = session.get(kind.model, item_id)
    if obj is None or obj.scope_id != scope.id:
        raise NotFound(
            lazy(
                "%(kind)s %(item_id)s not found in scope %(scope_id)s",
                kind=kind.name,
                item_id=item_id,
                scope_id=scope.id,
            )
        )
    if to_change:
        hold(session, obj)
    return obj


def _in_scope(
    session: Session, scope: Scope, model: type[ScopedEntity], ids: list[int]
) -> list[ScopedEntity]:
    if not ids:
        return []
    rows = session.scalars(select(model).where(model.id.in_(ids), model.scope_id == scope.id)).all()
    found = {row.id for row in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise LookupError(missing)
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in dict.fromkeys(ids)]


def apply_values(
    session: Session, scope: Scope, kind: Kind, obj: ScopedEntity, values: dict[str, Any]
) -> None:
    """Set fields, resolving references and links within the scope."""
    cited = values.pop(kind.cites.field, None) if kind.cites is not None else None
    # No flush mid-way: a half-set entity must not reach the database before
    # the rules have had their say.
    with session.no_autoflush:
        _set_values(session, scope, kind, obj, values)
        if kind.rules is not None:
            kind.rules(session, scope, obj)
    if cited is not None and kind.cites is not None:
        if obj.id is None:
            session.add(obj)
            session.flush()
        kind.cites.store(session, scope, kind.name, obj.id, cited, kind.cites.field)


def with_citations(session: Session, kind: Kind, reads: list[Any]) -> list[Any]:
    """``reads`` with what each cites filled in (one query for all)."""
    if kind.cites is None or not reads:
        return reads
    cited = kind.cites.read(session, kind.name, [read.id for read in reads])
    field = kind.cites.field
    return [read.model_copy(update={field: cited.get(read.id, [])}) for read in reads]


def _set_values(
    session: Session, scope: Scope, kind: Kind, obj: ScopedEntity, values: dict[str, Any]
) -> None:
    links = {link.field: link for link in kind.links}
    refs = {ref.field: ref for ref in kind.refs}
    for name, value in values.items():
        if name in links:
            link = links[name]
            try:
                setattr(obj, link.attribute, _in_scope(session, scope, link.model, value))
            except LookupError as missing:
                ids = ", ".join(str(i) for i in missing.args[0])
                raise InvalidInput.on(
                    name, lazy("no %(link)s %(ids)s in this scope", link=link.label, ids=ids)
                ) from None
            continue
        if name in refs and value is not None:
            try:
                _in_scope(session, scope, refs[name].model, [value])
            except LookupError:
                raise InvalidInput.on(
                    name,
                    lazy(
                        "no %(label)s %(value)s in this scope", label=refs[name].label, value=value
                    ),
                ) from None
        setattr(obj, name, value)


def read_item(session: Session, kind: Kind, obj: ScopedEntity) -> Any:
    """The entity as its kind reads, citations included."""
    return with_citations(session, kind, [kind.read.model_validate(obj)])[0]


def _dump(session: Session, kind: Kind, obj: ScopedEntity) -> tuple[Output, dict[str, Any]]:
    read = read_item(session, kind, obj)
    return read, read.model_dump(mode="json")


def list_items(
    uow: UnitOfWork, actor: Principal, scope_id: int, kind: Kind, limit: int, offset: int
) -> Page[Any]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        model = kind.model
        links = [selectinload(getattr(model, link.attribute)) for link in kind.links]
        where = [model.scope_id == scope.id]
        page = paginate(uow.session, model, where, kind.read, limit, offset, links)
        return page.model_copy(update={"items": with_citations(uow.session, kind, page.items)})


def get_item(uow: UnitOfWork, actor: Principal, scope_id: int, kind: Kind, item_id: int) -> Any:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return read_item(uow.session, kind, _entity(uow.session, scope, kind, item_id))


def add_item(
    session: Session, actor: Principal, scope: Scope, kind: Kind, data: Input
) -> tuple[ScopedEntity, Output]:
    """Create within an open transaction (used by the services and the importer)."""
    values = data.model_dump(exclude={"change_note"})
    now = clock.now()
    obj = kind.model(scope_id=scope.id, created_at=now, updated_at=now)
    apply_values(session, scope, kind, obj, values)
    session.add(obj)
    session.flush()
    read, payload = _dump(session, kind, obj)
    if isinstance(obj, Versioned):
        note = getattr(data, "change_note", "") or "created"
        keep_version(session, kind.name, obj.id, obj.version, payload, note, actor.user_id)
    record_event(session, actor, f"{kind.name}.created", obj.id, payload, scope=scope)
    return obj, read


def create_item(uow: UnitOfWork, actor: Principal, scope_id: int, kind: Kind, data: Input) -> Any:
    with uow:
        scope = writable_scope(uow.session, actor, scope_id, kind.role)
        _, read = add_item(uow.session, actor, scope, kind, data)
        uow.commit()
        return read


def update_item(
    uow: UnitOfWork, actor: Principal, scope_id: int, kind: Kind, item_id: int, data: Input
) -> Any:
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, kind.role)
        obj = _entity(session, scope, kind, item_id, to_change=True)
        _, before = _dump(session, kind, obj)
        values = data.model_dump(exclude_unset=True, exclude={"change_note"})
        apply_values(session, scope, kind, obj, values)
        read, after = _dump(session, kind, obj)
        changed = sorted(k for k in after if after[k] != before[k] and k != "updated_at")
        if not changed:
            return read
        obj.updated_at = clock.now()
        if isinstance(obj, Versioned):
            obj.version += 1
        session.flush()
        read, after = _dump(session, kind, obj)
        if isinstance(obj, Versioned):
            note = getattr(data, "change_note", None) or "updated " + ", ".join(changed)
            keep_version(session, kind.name, obj.id, obj.version, after, note, actor.user_id)
        payload = {"changed": changed, "after": after}
        record_event(session, actor, f"{kind.name}.updated", obj.id, payload, scope=scope)
        if kind.after_change is not None:
            kind.after_change(session, scope, obj, before)
        uow.commit()
        return read


def _references_to(session: Session, kind: Kind, item_id: int) -> list[str]:
    """Rows elsewhere that point at this entity, links and evidence included:
    deleting it would change them without their own record, so it is refused."""
    # The entity's own links go with it; its deletion event lists them.
    own_links = {getattr(kind.model, link.attribute).property.secondary for link in kind.links}
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == "events" or table in own_links:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is not kind.model.__table__:
                continue
            # Name the referring rows by their id, or a link row by its other end.
            label = (
                table.c.id
                if "id" in table.c
                else next(column for column in table.c if column is not fk.parent)
            )
            ids = session.scalars(
                select(label).where(fk.parent == item_id).order_by(label).limit(5)
            ).all()
            if ids:
                name = table.name if "id" in table.c else label.name.removesuffix("_id") + "s"
                found.append(f"{name} {', '.join(str(i) for i in ids)}")
    return found


def delete_item(uow: UnitOfWork, actor: Principal, scope_id: int, kind: Kind, item_id: int) -> None:
    """Delete an entity. A versioned one is retired instead, its versions kept."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, kind.role)
        obj = _entity(session, scope, kind, item_id, to_change=True)
        if isinstance(obj, Versioned):
            if obj.status == "retired":
                return
            _, before = _dump(session, kind, obj)
            obj.status = "retired"
            obj.version += 1
            obj.updated_at = clock.now()
            session.flush()
            _, after = _dump(session, kind, obj)
            keep_version(session, kind.name, obj.id, obj.version, after, "retired", actor.user_id)
            record_event(session, actor, f"{kind.name}.retired", obj.id, after, scope=scope)
            if kind.after_change is not None:
                kind.after_change(session, scope, obj, before)
        else:
            references = _references_to(session, kind, item_id)
            if references:
                raise Conflict(
                    lazy(
                        "%(kind)s %(item_id)s is still referenced by %(references)s",
                        kind=kind.name,
                        item_id=item_id,
                        references="; ".join(references),
                    )
                )
            _, before = _dump(session, kind, obj)
            if kind.cites is not None:
                kind.cites.store(session, scope, kind.name, obj.id, [], kind.cites.field)
            session.delete(obj)
            session.flush()
            record_event(session, actor, f"{kind.name}.deleted", obj.id, before, scope=scope)
        uow.commit()


def list_versions(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    kind: Kind,
    item_id: int,
    limit: int,
    offset: int,
) -> Page[VersionRead]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        _entity(uow.session, scope, kind, item_id)
        rows = versions_of(uow.session, kind.name, item_id)
        return page_of([VersionRead.model_validate(row) for row in rows], limit, offset)
