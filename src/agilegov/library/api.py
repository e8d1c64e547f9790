from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from agilegov.api.deps import Actor, Uow
from agilegov.api.uploads import read_upload, upload_body
from agilegov.library import browse, service
from agilegov.library.schemas import (
    CrosswalkRead,
    CrosswalkWithMappings,
    DifferenceRead,
    FrameworkRead,
    Imported,
    RequirementRead,
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
