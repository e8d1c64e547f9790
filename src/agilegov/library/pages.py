"""The library's public pages: the frameworks and their versions, a version's
requirement tree, what changed from one version to another, and the crosswalks."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.library import browse
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep
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
