import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.record import checkpoints
from agilegov.record.notes import verifier_key
from agilegov.record.schemas import EventRead
from agilegov.record.service import list_events
from agilegov.schemas import Page

router = APIRouter(tags=["record"])
# Leaf indexes and tree sizes stay far below this; larger numbers name nothing.
MAX_INDEX = 2**62


@router.get("/events", response_model=Page[EventRead])
def events(
    uow: Uow,
    actor: Actor,
    page: Paging,
    scope_id: Annotated[int | None, Query()] = None,
    organization_id: Annotated[int | None, Query()] = None,
) -> Page[EventRead]:
    return list_events(uow, actor, page.limit, page.offset, scope_id, organization_id)


@router.get("/record/key", response_class=PlainTextResponse)
def record_key(request: Request) -> str:
    """The log's verifier key, as a signed-note verifier line: name+keyid+key."""
    return verifier_key(request.app.state.signer) + "\n"


@router.get("/record/checkpoint", response_class=PlainTextResponse)
def record_checkpoint(request: Request, uow: Uow) -> str:
    """The latest checkpoint as a signed note (C2SP tlog-checkpoint)."""
    settings = request.app.state.settings
    return checkpoints.latest_checkpoint(uow, request.app.state.signer, settings.log_origin).note


@router.get("/record/entries/{index}")
def record_entry(
    index: Annotated[int, Path(ge=0, le=MAX_INDEX)], uow: Uow, actor: Actor
) -> dict[str, Any]:
    """One entry: its exact leaf bytes, and the event when the caller may read it."""
    entry = checkpoints.get_entry(uow, actor, index)
    return {
        "index": entry.index,
        "leaf": base64.b64encode(entry.leaf).decode(),
        "event": entry.event.model_dump(mode="json") if entry.event else None,
        "payload_salt": base64.b64encode(entry.salt).decode() if entry.salt else None,
    }


@router.get("/record/proof/inclusion")
def inclusion_proof(
    uow: Uow,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> dict[str, Any]:
    return checkpoints.inclusion(uow, index, size)


@router.get("/record/proof/consistency")
def consistency_proof(
    uow: Uow,
    old_size: Annotated[int, Query(alias="from", ge=1, le=MAX_INDEX)],
    new_size: Annotated[int, Query(alias="to", ge=1, le=MAX_INDEX)],
) -> dict[str, Any]:
    return checkpoints.consistency(uow, old_size, new_size)


@router.get("/record/receipts/{index}")
def record_receipt(
    index: Annotated[int, Path(ge=0, le=MAX_INDEX)], request: Request, uow: Uow, actor: Actor
) -> dict[str, Any]:
    """The event's receipt: leaf, inclusion proof and signed checkpoint, for
    ``agilegov record verify --receipt``."""
    settings = request.app.state.settings
    return checkpoints.receipt(uow, actor, index, request.app.state.signer, settings.log_origin)


routers = [router]
