"""The library's public pages: the frameworks and their versions, a version's
requirement tree, what changed from one version to another, and the crosswalks;
and a scope's tab of frameworks: what it follows and may move to, its coverage,
its statement of applicability and the citations nothing matched."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import N_, lazy
from agilegov.library import browse, service
from agilegov.library.models import ScopeFramework
from agilegov.library.schemas import ApplicabilityDecision, ApplicabilityRead
from agilegov.part import Tab
from agilegov.schemas import Input
from agilegov.tenancy import Scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.render import confirm_page, confirmed, redirect, render, submit_form
from agilegov.web.scope_page import scope_page
from agilegov.web.signin import Form, Visitor, VisitorDep
from agilegov.web.viewer import language_of

router = APIRouter(include_in_schema=False)

# Checked by browse.search_text, which names the field when it refuses.
Search = Annotated[str | None, Query()]


@router.get("/frameworks")
def frameworks(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return render(
        request,
        "library/frameworks.html",
        visitor=visitor,
        frameworks=browse.frameworks(uow, language_of(request)),
        crosswalks=browse.crosswalks(uow),
    )


@router.get("/frameworks/{ref}")
def framework_version(
    request: Request,
    ref: str,
    uow: Uow,
    visitor: VisitorDep,
    q: Search = None,
    actor: Annotated[str | None, Query()] = None,
    assessable: Annotated[str | None, Query()] = None,
) -> Response:
    search = browse.search_text(q)
    chosen = browse.actor_filter(actor)
    only_assessable = assessable not in (None, "", "0")
    page = browse.version_page(uow, ref, language_of(request), search, chosen, only_assessable)
    return render(
        request,
        "library/version.html",
        visitor=visitor,
        page=page,
        q=search,
        actor=chosen,
        assessable=only_assessable,
        filtered=bool(search or chosen or only_assessable),
    )


@router.get("/frameworks/{ref}/difference")
def framework_difference(
    request: Request,
    ref: str,
    uow: Uow,
    visitor: VisitorDep,
    since: Annotated[str | None, Query(alias="from", max_length=160)] = None,
) -> Response:
    old = since or browse.previous_version(uow, ref)
    return render(
        request,
        "library/difference.html",
        visitor=visitor,
        page=browse.difference_page(uow, old, ref, language_of(request)),
    )


@router.get("/crosswalks")
def crosswalks(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return render(
        request, "library/crosswalks.html", visitor=visitor, crosswalks=browse.crosswalks(uow)
    )


@router.get("/crosswalks/{crosswalk_id}")
def crosswalk(
    request: Request, crosswalk_id: int, uow: Uow, visitor: VisitorDep, q: Search = None
) -> Response:
    search = browse.search_text(q)
    found = browse.crosswalk(uow, crosswalk_id, search)
    return render(
        request,
        "library/crosswalk.html",
        visitor=visitor,
        crosswalk=found,
        groups=browse.grouped(found.mappings, language_of(request)),
        q=search,
    )


# ---------------------------------------------------------------- a scope's frameworks

FRAMEWORKS = "frameworks"
# What the statement of applicability shows: its gaps first.
SHOWN = ("gaps", "all", "not_applicable")


def followed_count(scope_id: Any) -> Any:
    """How many versions a scope follows (the tab's badge)."""
    return (
        select(func.count()).select_from(ScopeFramework).where(ScopeFramework.scope_id == scope_id)
    )


def _shown(query: dict[str, str]) -> str:
    show = query.get("show") or SHOWN[0]
    if show not in SHOWN:
        raise InvalidInput.on("show", lazy("one of %(choices)s", choices=", ".join(SHOWN)))
    return show


def _kept(line: ApplicabilityRead, show: str) -> bool:
    if show == "gaps":
        return line.applicable and not line.addressed
    if show == "not_applicable":
        return not line.applicable
    return True


def _frameworks(
    session: Session,
    scope: Scope,
    visitor: Visitor,
    uow: UnitOfWork,
    query: dict[str, str],
    **_: Any,
) -> dict[str, Any]:
    show = _shown(query)
    actor = visitor.principal
    followed, pending = browse.scope_frameworks(session, scope.id)
    statement = service.statement_of_applicability(uow, actor, scope.id)
    return {
        "followed": followed,
        "pending": pending,
        "coverage": service.scope_coverage(uow, actor, scope.id),
        "statement": [
            (version, [line for line in version.requirements if _kept(line, show)])
            for version in statement
        ],
        "show": show,
        "unresolved": service.unresolved(uow, actor, scope.id),
    }


TABS = (
    Tab(
        FRAMEWORKS,
        N_("Frameworks"),
        75,
        "scope/frameworks.html",
        _frameworks,
        badge="frameworks",
    ),
)


def _editor(uow: UnitOfWork, visitor: Visitor, scope_id: int) -> None:
    """Only an editor of the scope goes further (refused before any work)."""
    with uow:
        writable_scope(uow.session, visitor.principal, scope_id, Role.editor)


@router.post("/scopes/{scope_id:int}/frameworks/applicability")
def decide(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _editor(uow, visitor, scope_id)
    tab = f"/scopes/{scope_id}/{FRAMEWORKS}"

    def done(line: ApplicabilityRead) -> str:
        return f"{tab}#req-{line.requirement_id}" if line.applicable else f"{tab}?show=all"

    return submit_form(
        ApplicabilityDecision,
        form,
        lambda data: service.decide_applicability(uow, visitor.principal, scope_id, data),
        refused=lambda values, problems: scope_page(
            request,
            uow,
            visitor,
            scope_id,
            FRAMEWORKS,
            decision_errors=problems,
            decision_values=values,
        ),
        done=done,
        message=lambda line: (
            lazy("%(ref)s applies to this scope", ref=line.ref)
            if line.applicable
            else lazy("%(ref)s marked not applicable", ref=line.ref)
        ),
    )


class MoveForm(Input):
    """Moving a scope from a version it follows to another of the framework."""

    version: str = Field(min_length=3, max_length=160)
    to: str = Field(min_length=3, max_length=160)


@router.post("/scopes/{scope_id:int}/frameworks/move")
def move(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _editor(uow, visitor, scope_id)
    tab = f"/scopes/{scope_id}/{FRAMEWORKS}"

    def ask(data: MoveForm) -> Response:
        return confirm_page(
            request,
            question=lazy("Move from %(old)s to %(new)s?", old=data.version, new=data.to),
            detail=lazy(
                "Citations of requirements with an equivalent in the new version follow "
                "it; the others are marked to review. The scope cannot move back on its own."
            ),
            action=f"{tab}/move",
            submit=lazy("Move"),
            cancel=tab,
            carried=form,
        )

    return submit_form(
        MoveForm,
        form,
        lambda data: service.move_scope(uow, visitor.principal, scope_id, data.version, data.to),
        refused=lambda values, problems: scope_page(
            request, uow, visitor, scope_id, FRAMEWORKS, move_errors=problems, move_values=values
        ),
        done=tab,
        message=lambda moved: lazy(
            "Moved: %(carried)s citations carried, %(review)s to review",
            carried=moved["carried"],
            review=moved["to_review"],
        ),
        confirm=ask,
    )


@router.post("/scopes/{scope_id:int}/frameworks/unresolved/{item_id:int}/dismiss")
def dismiss(
    request: Request, scope_id: int, item_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    _editor(uow, visitor, scope_id)
    tab = f"/scopes/{scope_id}/{FRAMEWORKS}"
    if not confirmed(form):
        if not any(u.id == item_id for u in service.unresolved(uow, visitor.principal, scope_id)):
            raise NotFound(lazy("unresolved citation %(id)s not found", id=item_id))
        return confirm_page(
            request,
            question=lazy("Dismiss unresolved citation #%(id)s?", id=item_id),
            detail=lazy("Its text is no longer kept to be matched against the library."),
            action=f"{tab}/unresolved/{item_id}/dismiss",
            submit=lazy("Dismiss"),
            cancel=f"{tab}#unresolved",
        )
    service.dismiss_unresolved(uow, visitor.principal, scope_id, item_id)
    return redirect(
        f"{tab}#unresolved", message=lazy("Unresolved citation #%(id)s dismissed", id=item_id)
    )
