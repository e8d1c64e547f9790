import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from agilegov.api.deps import Actor, Uow
from agilegov.api.problems import responses
from agilegov.api.uploads import read_upload, upload_body
from agilegov.auth import Principal
from agilegov.dialogue import archive, lifecycle, participation, polis, polis_exchange, reads
from agilegov.dialogue.access import Voice
from agilegov.dialogue.schemas import (
    CommentCreate,
    CommentRead,
    ConsultationCreate,
    ConsultationRead,
    Moderation,
    ParagraphRead,
    ResponseCreate,
    ResponseRead,
    StatementCreate,
    StatementRead,
    VoteCreate,
    VoteRead,
)
from agilegov.dialogue.views import OpinionMapView, opinion_map
from agilegov.errors import InvalidInput, NotFound, TooLarge
from agilegov.i18n import lazy
from agilegov.schemas import StoredDatetime
from agilegov.uow import UnitOfWork

router = APIRouter(tags=["consultations"])

# A pseudonymous participant sends the secret it was given on its first
# contribution; a new one comes back in the same header.
SECRET_HEADER = "X-Participant-Secret"
Secret = Annotated[str | None, Header(alias=SECRET_HEADER, max_length=100)]


def _spoken(spoken: participation.Spoken, response: Response) -> Any:
    if spoken.new_secret:
        response.headers[SECRET_HEADER] = spoken.new_secret
    return spoken.result


@router.get("/scopes/{scope_id}/consultations", response_model=list[ConsultationRead])
def list_consultations(scope_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.list_consultations(uow, actor, scope_id)


@router.post("/scopes/{scope_id}/consultations", response_model=ConsultationRead, status_code=201)
def create_consultation(scope_id: int, body: ConsultationCreate, uow: Uow, actor: Actor) -> Any:
    return lifecycle.create_consultation(uow, actor, scope_id, body)


@router.get("/consultations/{consultation_id}", response_model=ConsultationRead)
def get_consultation(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.get_consultation(uow, actor, consultation_id)


@router.get("/consultations/{consultation_id}/paragraphs", response_model=list[ParagraphRead])
def list_paragraphs(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.paragraphs(uow, actor, consultation_id)


@router.get("/consultations/{consultation_id}/comments", response_model=list[CommentRead])
def list_comments(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.comments(uow, actor, consultation_id)


@router.post(
    "/consultations/{consultation_id}/comments",
    response_model=CommentRead,
    status_code=201,
    responses=responses(429),
)
def add_comment(
    consultation_id: int,
    body: CommentCreate,
    uow: Uow,
    actor: Actor,
    response: Response,
    secret: Secret = None,
) -> Any:
    voice = Voice(actor, secret)
    return _spoken(participation.add_comment(uow, voice, consultation_id, body), response)


@router.get("/consultations/{consultation_id}/statements", response_model=list[StatementRead])
def list_statements(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.statements(uow, actor, consultation_id)


@router.post(
    "/consultations/{consultation_id}/statements",
    response_model=StatementRead,
    status_code=201,
    responses=responses(429),
)
def add_statement(
    consultation_id: int,
    body: StatementCreate,
    uow: Uow,
    actor: Actor,
    response: Response,
    secret: Secret = None,
) -> Any:
    voice = Voice(actor, secret)
    return _spoken(participation.add_statement(uow, voice, consultation_id, body), response)


@router.post(
    "/consultations/{consultation_id}/votes",
    response_model=VoteRead,
    status_code=201,
    responses=responses(429),
)
def cast_vote(
    consultation_id: int,
    body: VoteCreate,
    uow: Uow,
    actor: Actor,
    response: Response,
    secret: Secret = None,
) -> Any:
    """One vote per participant and statement: a later vote replaces the earlier one."""
    voice = Voice(actor, secret)
    return _spoken(participation.cast_vote(uow, voice, consultation_id, body), response)


@router.post("/consultations/{consultation_id}/{kind}/{item_id}/hide", status_code=204)
def hide(
    consultation_id: int, kind: str, item_id: int, body: Moderation, uow: Uow, actor: Actor
) -> Response:
    """Moderation: hide a comment or statement with a reason (kept on the record)."""
    singular = {"comments": "comment", "statements": "statement"}.get(kind)
    if singular is None:
        raise NotFound(lazy("no %(kind)s here: comments or statements", kind=kind))
    lifecycle.hide(uow, actor, consultation_id, singular, item_id, body)
    return Response(status_code=204)


@router.get("/consultations/{consultation_id}/responses", response_model=list[ResponseRead])
def list_responses(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return reads.responses(uow, actor, consultation_id)


@router.post(
    "/consultations/{consultation_id}/responses", response_model=ResponseRead, status_code=201
)
def respond(consultation_id: int, body: ResponseCreate, uow: Uow, actor: Actor) -> Any:
    return lifecycle.respond(uow, actor, consultation_id, body)


@router.get("/consultations/{consultation_id}/opinion-map", response_model=OpinionMapView)
def get_opinion_map(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    return opinion_map(uow, actor, consultation_id)


@router.post("/consultations/{consultation_id}/close", response_model=ConsultationRead)
def close(consultation_id: int, uow: Uow, actor: Actor) -> Any:
    """Close it now; the opinion map is kept, and accepted input that changed
    goals (or measures) opens a trigger on the scope's cycle."""
    return lifecycle.close_consultation(
        uow,
        actor,
        consultation_id,
        opinion_map(uow, actor, consultation_id).model_dump(mode="json"),
    )


@router.get(
    "/consultations/{consultation_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_polis(consultation_id: int, uow: Uow, actor: Actor) -> Response:
    """The consultation as a Pol.is export folder (votes.csv, comments.csv,
    participants-votes.csv, summary.csv), zipped."""
    conversation = polis_exchange.export_polis(uow, actor, consultation_id)
    with tempfile.TemporaryDirectory() as folder:
        polis.write_export(Path(folder), conversation)
        data = archive.pack(Path(folder))
    name = f"consultation-{consultation_id}-polis.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/scopes/{scope_id}/consultations/import",
    response_model=ConsultationRead,
    status_code=201,
    openapi_extra=upload_body("export", "A Pol.is export folder, zipped."),
)
async def import_polis(
    scope_id: int,
    request: Request,
    uow: Uow,
    actor: Actor,
    open_until: Annotated[
        StoredDatetime | None, Query(description="Keep it open for more votes until then.")
    ] = None,
) -> Any:
    """A Pol.is conversation as a consultation of the scope. The caller is checked
    before the upload is read; the archive may unpack to ``max_unpacked_bytes``
    and each file hold ``max_import_rows`` rows."""
    await run_in_threadpool(polis_exchange.check_import, uow, actor, scope_id)
    data = await read_upload(request, "export")
    limits = polis.ImportLimits.of(request.app.state.settings)
    return await run_in_threadpool(_import_archive, uow, actor, scope_id, data, limits, open_until)


def _import_archive(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    data: bytes,
    limits: polis.ImportLimits,
    open_until: datetime | None,
) -> ConsultationRead:
    with tempfile.TemporaryDirectory() as folder:
        try:
            archive.unpack(data, Path(folder), limits.max_bytes)
            conversation = polis.read_export(Path(folder), limits)
        except polis.ExportTooLarge as problem:
            raise TooLarge.on("export", str(problem)) from None
        except (archive.ArchiveError, polis.PolisExportError) as problem:
            raise InvalidInput.on("export", str(problem)) from None
    return polis_exchange.import_polis(uow, actor, scope_id, conversation, open_until)


routers = [router]
