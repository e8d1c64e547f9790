from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from agilegov.api.deps import Actor, Uow
from agilegov.api.uploads import read_upload, upload_body
from agilegov.library import browse, service
from agilegov.library.schemas import (
    ApplicabilityDecision,
    ApplicabilityRead,
    ApplicabilityVersion,
    CoverageRead,
    CrosswalkRead,
    CrosswalkWithMappings,
    DifferenceRead,
    FrameworkMove,
    FrameworkRead,
    Imported,
    RequirementRead,
    UnresolvedRead,
    VersionRead,
)

router = APIRouter(tags=["library"])


@router.get("/frameworks", response_model=list[FrameworkRead])
def frameworks(uow: Uow) -> Any:
    """The catalogues in the library: public."""
    return service.list_frameworks(uow)


@router.get("/frameworks/{ref}", response_model=VersionRead)
def framework_version(ref: str, uow: Uow) -> Any:
    return service.get_version(uow, ref)


# Its length is checked by browse.search_text, which names the field when it refuses.
Search = Annotated[
    str | None,
    Query(
        description="Text to find in an identifier, or a name or description in any "
        f"language (at most {browse.MAX_QUERY} characters)"
    ),
]


@router.get("/frameworks/{ref}/requirements", response_model=list[RequirementRead])
def framework_requirements(ref: str, uow: Uow, q: Search = None) -> Any:
    """The version's requirement tree in document order, each with its parent's
    key; with ``q``, the requirements it finds and their ancestors."""
    return browse.requirements(uow, ref, browse.search_text(q))


@router.get("/frameworks/{ref}/difference", response_model=DifferenceRead)
def framework_difference(
    ref: str,
    uow: Uow,
    since: Annotated[str, Query(alias="from", max_length=160, description="FRAMEWORK@VERSION")],
) -> Any:
    """What changed from the version ``from`` to this one."""
    return service.version_difference(uow, since, ref)


@router.get("/frameworks/{ref}/export")
def export_framework(
    ref: str, uow: Uow, form: Annotated[Literal["oscal", "ciso"], Query(alias="format")] = "oscal"
) -> Response:
    text, media_type = service.export_version(uow, ref, form)
    extension = "json" if form == "oscal" else "yaml"
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{ref}.{extension}"'},
    )


@router.post(
    "/frameworks/import",
    response_model=Imported,
    status_code=201,
    openapi_extra=upload_body("file", "A framework's version or a mapping set."),
)
async def import_framework(
    request: Request,
    uow: Uow,
    actor: Actor,
    form: Annotated[Literal["oscal", "ciso"], Query(alias="format")],
) -> Any:
    """A catalogue or mapping file, as the file ``file`` of a multipart body, in
    the format named: CISO Assistant YAML or OSCAL JSON (the site's operator
    only; the caller is checked before the file is read)."""
    actor.require_site_admin()
    data = await read_upload(request, "file")
    name = "upload.yaml" if form == "ciso" else "upload.json"
    return await run_in_threadpool(service.import_file, uow, actor, data, name)


# ---------------------------------------------------------------- a scope's frameworks


@router.get("/scopes/{scope_id}/frameworks", response_model=list[ApplicabilityVersion])
def scope_frameworks(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """The statement of applicability: every assessable requirement of the
    versions the scope follows, whether it applies (and why not), and the
    measures, goals and indicators that address it."""
    return service.statement_of_applicability(uow, actor, scope_id)


@router.put("/scopes/{scope_id}/frameworks/applicability", response_model=ApplicabilityRead)
def scope_applicability(scope_id: int, data: ApplicabilityDecision, uow: Uow, actor: Actor) -> Any:
    """Decide whether a requirement applies to the scope (a reason when it does not)."""
    return service.decide_applicability(uow, actor, scope_id, data)


@router.get("/scopes/{scope_id}/frameworks/coverage", response_model=CoverageRead)
def scope_coverage(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """Gaps first: what the scope's work meets of each followed version, then
    what it reaches of other versions through the library's crosswalks."""
    return service.scope_coverage(uow, actor, scope_id)


@router.post("/scopes/{scope_id}/frameworks/move", response_model=dict[str, int])
def scope_move(scope_id: int, data: FrameworkMove, uow: Uow, actor: Actor) -> Any:
    """Move the scope from one version of a framework to another: citations carried
    where the difference says equivalent, marked for review otherwise."""
    return service.move_scope(uow, actor, scope_id, data.from_, data.to)


@router.get("/scopes/{scope_id}/frameworks/unresolved", response_model=list[UnresolvedRead])
def scope_unresolved(scope_id: int, uow: Uow, actor: Actor) -> Any:
    """Frameworks and citations written as text that no library entry matched yet."""
    return service.unresolved(uow, actor, scope_id)


@router.delete("/scopes/{scope_id}/frameworks/unresolved/{item_id}", status_code=204)
def scope_dismiss_unresolved(scope_id: int, item_id: int, uow: Uow, actor: Actor) -> Response:
    service.dismiss_unresolved(uow, actor, scope_id, item_id)
    return Response(status_code=204)


@router.get("/crosswalks", response_model=list[CrosswalkRead])
def crosswalks(uow: Uow) -> Any:
    """The mapping sets in the library, each relating one version to another: public."""
    return browse.crosswalks(uow)


@router.get("/crosswalks/{crosswalk_id}", response_model=CrosswalkWithMappings)
def crosswalk(crosswalk_id: int, uow: Uow, q: Search = None) -> Any:
    """A mapping set and its mappings in the source's document order; with ``q``,
    the mappings whose source or target requirement it finds."""
    return browse.crosswalk(uow, crosswalk_id, browse.search_text(q))


routers = [router]
