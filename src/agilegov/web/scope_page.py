"""A scope's page: its head (what every installed part adds), a tab per part's
contribution, and the overview's panels. The tabs, panels and counts come from
the installed parts (``agilegov.part``); this module knows none of them.

Every tab reads what it shows in a fixed number of queries, however many
entities the scope holds (a test counts them): the scope, its counts and the
reader's right to see it come in one statement.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agilegov import part
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web import lists
from agilegov.web.render import render
from agilegov.web.signin import Visitor, VisitorDep

OVERVIEW = ""


def _scope_and_counts(session: Session, visitor: Visitor, scope_id: int) -> tuple[Scope, dict]:
    """The scope with every part's counts, in one statement that finds the scope
    only where the visitor may read it (so nothing is counted for anyone else)."""
    counts = part.counts()
    readers = [Scope.visibility == "public"]
    member_of = [org for org in visitor.principal.roles if visitor.can(org, Role.viewer)]
    if member_of:
        readers.append(Scope.organization_id.in_(member_of))
    columns = [count(Scope.id).scalar_subquery().label(name) for name, count in counts.items()]
    row = session.execute(
        select(Scope, *columns).where(Scope.id == scope_id, or_(*readers))
    ).first()
    if row is None:
        raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
    return row[0], {name: row._mapping[name] or 0 for name in counts}


def _header(session: Session, visitor: Visitor, scope_id: int) -> dict[str, Any]:
    scope, counts = _scope_and_counts(session, visitor, scope_id)
    active = scope.status == "active"
    header: dict[str, Any] = {
        "scope": scope,
        "counts": counts,
        "can_edit": active and visitor.can(scope.organization_id, Role.editor),
        "can_review": active and visitor.can(scope.organization_id, Role.reviewer),
        "tabs": [(tab.path, tab.label, counts.get(tab.badge or "")) for tab in part.tabs()],
    }
    for contribute in part.scope_headers():
        header.update(contribute(session, scope))
    return header


def scope_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    tab: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    """A tab of the scope page (``extra`` carries a refused form back to it)."""
    shown = next(t for t in part.tabs() if t.path == tab)
    with uow:
        session = uow.session
        header = _header(session, visitor, scope_id)
        scope = header["scope"]
        context = {
            "visitor": visitor,
            "uow": uow,
            "query": dict(request.query_params),
        }
        content = shown.content(session, scope, **context)
        listed = next((v for v in content.values() if isinstance(v, lists.Page)), None)
        if listed is not None and listed.request.problems:
            status = 400
        elif listed is not None and listed.request.csv:
            return lists.download(request, listed, f"scope-{scope.id}-{tab}.csv")
        if tab == OVERVIEW:
            content["panels"] = part.panels()
            for panel in content["panels"]:
                content.update(panel.content(session, scope, **context))
        return render(
            request,
            shown.template,
            status=status,
            visitor=visitor,
            tab=tab,
            **header,
            **content,
            **extra,
        )


def _tab_page(tab: str) -> Any:
    def tab_page(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
        return scope_page(request, uow, visitor, scope_id, tab)

    return tab_page


def tab_router() -> APIRouter:
    """The routes of every installed tab. Included before the parts' own pages:
    a tab's path is also the path of the list of its kind."""
    router = APIRouter(include_in_schema=False)
    for tab in part.tabs():
        # Digits only: /scopes/new is not a scope.
        path = "/scopes/{scope_id:int}" + (f"/{tab.path}" if tab.path else "")
        router.add_api_route(
            path, _tab_page(tab.path), methods=["GET"], name=f"scope {tab.path or 'page'}"
        )
    return router
