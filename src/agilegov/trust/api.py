from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from agilegov.api.deps import Actor, Uow
from agilegov.api.problems import responses
from agilegov.schemas import MAX_INT
from agilegov.trust import service
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationBodyRead,
    AccreditationChangeReason,
    AccreditationCreate,
    AccreditationRead,
    SchemeCreate,
    SchemeRead,
    TrustListVersionRead,
)

router = APIRouter(tags=["trust"])


def _key_dir(request: Request) -> Any:
    return request.app.state.settings.assessor_key_dir


@router.get("/accreditation-bodies", response_model=list[AccreditationBodyRead])
def accreditation_bodies(uow: Uow) -> Any:
    return service.list_accreditation_bodies(uow)


@router.post("/accreditation-bodies", response_model=AccreditationBodyRead, status_code=201)
def appoint_accreditation_body(body: AccreditationBodyAppoint, uow: Uow, actor: Actor) -> Any:
    return service.appoint_accreditation_body(uow, actor, body)


@router.post("/accreditation-bodies/{organization_id}/end", response_model=AccreditationBodyRead)
def end_accreditation_body(organization_id: int, request: Request, uow: Uow, actor: Actor) -> Any:
    return service.end_accreditation_body(uow, actor, organization_id, _key_dir(request))


@router.get("/schemes", response_model=list[SchemeRead])
def schemes(uow: Uow) -> Any:
    return service.list_schemes(uow)


@router.post("/schemes", response_model=SchemeRead, status_code=201)
def create_scheme(body: SchemeCreate, uow: Uow, actor: Actor) -> Any:
    return service.create_scheme(uow, actor, body)


@router.get("/schemes/{scheme_id}", response_model=SchemeRead)
def scheme(scheme_id: int, uow: Uow) -> Any:
    return service.get_scheme(uow, scheme_id)


@router.get("/accreditations", response_model=list[AccreditationRead])
def accreditations(
    uow: Uow,
    scheme_id: Annotated[int | None, Query()] = None,
    assessor_organization_id: Annotated[int | None, Query()] = None,
) -> Any:
    return service.list_accreditations(uow, scheme_id, assessor_organization_id)


@router.post("/accreditations", response_model=AccreditationRead, status_code=201)
def accredit(body: AccreditationCreate, request: Request, uow: Uow, actor: Actor) -> Any:
    return service.accredit(uow, actor, body, _key_dir(request))


@router.get("/accreditations/{accreditation_id}", response_model=AccreditationRead)
def accreditation(accreditation_id: int, uow: Uow) -> Any:
    return service.get_accreditation(uow, accreditation_id)


@router.post("/accreditations/{accreditation_id}/{action}", response_model=AccreditationRead)
def change_accreditation(
    accreditation_id: int,
    action: Literal["suspend", "reinstate", "withdraw"],
    body: AccreditationChangeReason,
    request: Request,
    uow: Uow,
    actor: Actor,
) -> Any:
    return service.change_accreditation(
        uow, actor, accreditation_id, action, body, _key_dir(request)
    )


@router.get("/trust-anchor")
def trust_anchor(request: Request) -> dict[str, str]:
    """The platform's did:key, which signs the trust list: pin it to check the list."""
    return {"did": service.trust_anchor(_key_dir(request))}


@router.get("/trust-list", responses=responses(404))  # none published yet
def trust_list(response: Response, uow: Uow) -> dict[str, Any]:
    """The latest signed trust list: which issuer keys are accredited for which
    scheme, and their statuses over time. Public, cached briefly."""
    response.headers["Cache-Control"] = f"public, max-age={service.TRUST_LIST_CACHE_SECONDS}"
    return service.current_trust_list(uow)


@router.get("/trust-list/versions", response_model=list[TrustListVersionRead])
def trust_list_versions(uow: Uow) -> Any:
    return service.trust_list_versions(uow)


@router.get("/trust-list/versions/{version}")
def trust_list_version(version: Annotated[int, Path(ge=1, le=MAX_INT)], uow: Uow) -> dict[str, Any]:
    return service.trust_list_version(uow, version)


routers = [router]
