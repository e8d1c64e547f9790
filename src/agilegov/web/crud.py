"""Pages for a kind of entity under a scope, the same shape for every kind (as
``api/crud.py`` is for the API): a form to create one, its page with the form
to change it, deleting it, and its versions side by side where it keeps them.

Every write is the kind's own service call (``scoped``); a refused form is
shown again with each problem next to its field, and nothing is stored.
"""

from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from agilegov import part, scoped
from agilegov.api.deps import Uow
from agilegov.i18n import lazy
from agilegov.scoped import Kind, Link, Ref
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import versions_of
from agilegov.web.forms import (
    Choice,
    FormState,
    form_fields,
    named,
    reference_label,
    scale_options,
)
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
)
from agilegov.web.signin import Form, Visitor, VisitorDep

# Fields naming an organization anywhere (not only in this scope), chosen from
# every organization's public name.
_ORGANIZATION_FIELDS = ("organization_id", "responsible_organization_id")
_ORGANIZATIONS = table("organizations", column("id"), column("name"))


@dataclass(frozen=True)
class ScopeName:
    """What a kind's pages show of its scope, kept past the unit of work."""

    id: int
    name: str

    @classmethod
    def of(cls, scope: Scope) -> "ScopeName":
        return cls(scope.id, scope.name)


def in_scope(session: Session, model: Any, scope: Scope, *order: Any) -> list[Any]:
    """Every row of ``model`` in the scope, in ``order`` (by id if none is given)."""
    query = select(model).where(model.scope_id == scope.id).order_by(*(order or [model.id]))
    return list(session.scalars(query))


def scope_choices(session: Session, scope: Scope, kind: Kind) -> dict[str, list[Choice]]:
    """The entities each reference field of ``kind`` may name, as select options:
    one query per referenced kind, and the kind's ``other_choices``."""
    choices: dict[str, list[Choice]] = {}
    targets: list[Ref | Link] = [*kind.refs, *kind.links]
    cache: dict[Any, list[Choice]] = {}
    for target in targets:
        model = target.model
        if model not in cache:
            label = getattr(model, target.label_column)
            rows = session.execute(
                select(model.id, label).where(model.scope_id == scope.id).order_by(model.id)
            )
            cache[model] = [(str(row[0]), reference_label(row[0], row[1])) for row in rows]
        choices[target.field] = cache[model]
    if kind.other_choices is not None:
        for field, named_rows in kind.other_choices(session, scope).items():
            choices[field] = [(str(id_), reference_label(id_, name)) for id_, name in named_rows]
    if kind.cites is not None:
        # The requirements of the framework versions the scope follows.
        choices[kind.cites.field] = kind.cites.choices(session, scope)
    if any(field in kind.create.model_fields for field in _ORGANIZATION_FIELDS):
        organizations = [
            (str(row.id), row.name)
            for row in session.execute(
                select(_ORGANIZATIONS.c.id, _ORGANIZATIONS.c.name).order_by(_ORGANIZATIONS.c.name)
            )
        ]
        for field in _ORGANIZATION_FIELDS:
            if field in kind.create.model_fields:
                choices[field] = organizations
    return choices


def _scope_crumbs(scope: ScopeName, kind: Kind) -> list[tuple[str, str]]:
    """The scope, then the tab that lists the kind, by the tab's own label."""
    labels = {tab.path: tab.label for tab in part.tabs()}
    return [
        (f"/scopes/{scope.id}", scope.name),
        (f"/scopes/{scope.id}/{kind.tab}", labels.get(kind.tab, kind.tab)),
    ]


def kind_pages(kind: Kind) -> APIRouter:
    router = APIRouter(prefix="/scopes/{scope_id}/" + kind.plural, include_in_schema=False)
    title = kind.label.capitalize()
    noun = kind.label

    def kind_form(
        request: Request,
        uow: UnitOfWork,
        visitor: Visitor,
        scope_id: int,
        *,
        item: Any = None,
        values: Any = None,
        problems: dict[str, str] | None = None,
    ) -> Response:
        with uow:
            found = writable_scope(uow.session, visitor.principal, scope_id, kind.role)
            choices = scope_choices(uow.session, found, kind)
            scope = ScopeName.of(found)
        state = FormState.of(kind.create, values, problems, choices=choices)
        base = f"/scopes/{scope_id}/{kind.plural}"
        return form_page(
            request,
            heading=lazy("Change %(noun)s #%(id)s", noun=lazy(noun), id=item)
            if item
            else lazy("New %(noun)s", noun=lazy(noun)),
            breadcrumbs=_scope_crumbs(scope, kind),
            state=state,
            action=f"{base}/{item}" if item else base,
            submit=lazy("Save changes") if item else lazy("Create %(noun)s", noun=lazy(noun)),
            cancel=f"{base}/{item}" if item else f"/scopes/{scope_id}/{kind.tab}",
        )

    if kind.tab != kind.plural:
        # Listed in another kind's tab (impacts with stakeholders, indicators with goals).
        @router.get("")
        def list_page(scope_id: int) -> Response:
            return redirect(f"/scopes/{scope_id}/{kind.tab}#{kind.plural}")

    @router.get("/new")
    def new_page(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
        # Defaults may come from the link that led here (a goal's "add indicator").
        preset = {k: v for k, v in request.query_params.items() if k in kind.create.model_fields}
        return kind_form(request, uow, visitor, scope_id, values=preset)

    @router.post("")
    def create(
        request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        return submit_form(
            kind.create,
            form,
            lambda data: scoped.create_item(uow, visitor.principal, scope_id, kind, data),
            refused=partial(kind_form, request, uow, visitor, scope_id),
            done=lambda created: f"/scopes/{scope_id}/{kind.plural}/{created.id}",
            message=lambda created: lazy(
                "%(kind)s #%(id)s created", kind=lazy(title), id=created.id
            ),
        )

    @router.get("/{item_id}")
    def item_page(
        request: Request, scope_id: int, item_id: int, uow: Uow, visitor: VisitorDep
    ) -> Response:
        item = scoped.get_item(uow, visitor.principal, scope_id, kind, item_id)
        with uow:
            found = readable_scope(uow.session, visitor.principal, scope_id)
            editable = found.status == "active" and visitor.can(found.organization_id, kind.role)
            # Also what the page shows for the ids it holds: names, not numbers.
            choices = scope_choices(uow.session, found, kind)
            scope = ScopeName.of(found)
        state = FormState(form_fields(kind.create, item, choices=choices)) if editable else None
        return render(
            request,
            "item.html",
            visitor=visitor,
            kind=kind,
            title=title,
            scope=scope,
            item=item,
            facts=named(item.model_dump(), {**choices, **scale_options(kind.create)}),
            state=state,
            breadcrumbs=_scope_crumbs(scope, kind),
        )

    @router.post("/{item_id}")
    def update(
        request: Request, scope_id: int, item_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        return submit_form(
            kind.update,
            form,
            lambda data: scoped.update_item(uow, visitor.principal, scope_id, kind, item_id, data),
            refused=partial(kind_form, request, uow, visitor, scope_id, item=item_id),
            done=f"/scopes/{scope_id}/{kind.plural}/{item_id}",
            message=lazy("%(kind)s #%(id)s saved", kind=lazy(title), id=item_id),
        )

    @router.post("/{item_id}/delete")
    def delete(
        request: Request, scope_id: int, item_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        if not confirmed(form):
            item = scoped.get_item(uow, visitor.principal, scope_id, kind, item_id)
            with uow:
                writable_scope(uow.session, visitor.principal, scope_id, kind.role)
            retire = kind.versioned
            return confirm_page(
                request,
                question=lazy("Retire %(kind)s #%(id)s?", kind=lazy(noun), id=item.id)
                if retire
                else lazy("Delete %(kind)s #%(id)s?", kind=lazy(noun), id=item.id),
                action=f"/scopes/{scope_id}/{kind.plural}/{item_id}/delete",
                submit=lazy("Retire") if retire else lazy("Delete"),
                cancel=f"/scopes/{scope_id}/{kind.plural}/{item_id}",
            )
        scoped.delete_item(uow, visitor.principal, scope_id, kind, item_id)
        return redirect(
            f"/scopes/{scope_id}/{kind.tab}",
            message=lazy("%(kind)s #%(id)s retired", kind=lazy(title), id=item_id)
            if kind.versioned
            else lazy("%(kind)s #%(id)s deleted", kind=lazy(title), id=item_id),
        )

    if kind.versioned:

        @router.get("/{item_id}/versions")
        def versions_page(
            request: Request, scope_id: int, item_id: int, uow: Uow, visitor: VisitorDep
        ) -> Response:
            item = scoped.get_item(uow, visitor.principal, scope_id, kind, item_id)
            with uow:
                scope = ScopeName.of(readable_scope(uow.session, visitor.principal, scope_id))
                versions = versions_of(uow.session, kind.name, item_id)
                columns = compare_versions([(v.version, v.note, v.data) for v in versions])
                times = {v.version: v.created_at for v in versions}
            return render(
                request,
                "versions.html",
                visitor=visitor,
                kind=kind,
                title=title,
                scope=scope,
                item=item,
                comparison=columns,
                times=times,
                breadcrumbs=_scope_crumbs(scope, kind),
            )

    return router


# Fields that change with every version and say nothing about its content.
_BOOKKEEPING = frozenset({"id", "scope_id", "version", "created_at", "updated_at"})


def compare_versions(
    versions: list[tuple[int, str, dict[str, Any]]],
) -> dict[str, Any]:
    """Versions side by side: the fields as rows, the versions as columns, and
    for each cell whether it differs from the version before."""
    names: list[str] = []
    for _, _, data in versions:
        names.extend(name for name in data if name not in _BOOKKEEPING and name not in names)
    rows = []
    for name in names:
        cells = []
        previous: Any = None
        for position, (_, _, data) in enumerate(versions):
            value = data.get(name)
            cells.append({"value": value, "changed": position > 0 and value != previous})
            previous = value
        rows.append(
            {"name": name, "cells": cells, "ever_changed": any(c["changed"] for c in cells)}
        )
    return {
        "versions": [(number, note) for number, note, _ in versions],
        "rows": rows,
    }
