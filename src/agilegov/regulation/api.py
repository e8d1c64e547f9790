from typing import Any

from fastapi import APIRouter

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.regulation import programmes
from agilegov.regulation.schemas import (
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammePublic,
    ProgrammeRead,
)
from agilegov.schemas import Page

router = APIRouter(tags=["regulation"])

# ---------------------------------------------------------------- programmes


@router.get("/programmes", response_model=Page[ProgrammeRead | ProgrammePublic])
def list_programmes(uow: Uow, actor: Actor, page: Paging) -> Any:
    """The caller's organizations' programmes, whole, and the public view of the
    others: answered inquiries' summaries, decided sandboxes and special measures."""
    return programmes.list_programmes(uow, actor, page.limit, page.offset)


@router.post("/programmes", response_model=ProgrammeRead, status_code=201)
def apply(body: ProgrammeCreate, uow: Uow, actor: Actor) -> Any:
    """The applicant's editors apply to a government organization."""
    return programmes.apply(uow, actor, body)


@router.get("/programmes/{programme_id}", response_model=ProgrammeRead | ProgrammePublic)
def get_programme(programme_id: int, uow: Uow, actor: Actor) -> Any:
    return programmes.get_programme(uow, actor, programme_id)


@router.post("/programmes/{programme_id}/approve", response_model=ProgrammeRead)
def approve(programme_id: int, body: ProgrammeDecision, uow: Uow, actor: Actor) -> Any:
    return programmes.decide(uow, actor, programme_id, True, body)


@router.post("/programmes/{programme_id}/refuse", response_model=ProgrammeRead)
def refuse(programme_id: int, body: ProgrammeDecision, uow: Uow, actor: Actor) -> Any:
    return programmes.decide(uow, actor, programme_id, False, body)


@router.post("/programmes/{programme_id}/answer", response_model=ProgrammeRead)
def answer(programme_id: int, body: ProgrammeAnswer, uow: Uow, actor: Actor) -> Any:
    """Answer an inquiry; its summary is published."""
    return programmes.answer(uow, actor, programme_id, body)


@router.post("/programmes/{programme_id}/exit", response_model=ProgrammeRead)
def exit_programme(programme_id: int, body: ProgrammeExit, uow: Uow, actor: Actor) -> Any:
    return programmes.exit_programme(uow, actor, programme_id, body)


@router.post("/programmes/{programme_id}/conclude", response_model=ProgrammeRead)
def conclude(programme_id: int, body: ProgrammeConclusion, uow: Uow, actor: Actor) -> Any:
    """Conclude with an outcome; a sandbox's opens a trigger on the regulator's scope."""
    return programmes.conclude(uow, actor, programme_id, body)


routers = [router]
