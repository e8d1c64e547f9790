"""The transparency reports' API: draft, list, read, explain, publish,
supersede, and the published document with its JSON Schema."""

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from agilegov.api.deps import Actor, Uow
from agilegov.disclosure import reports
from agilegov.disclosure.report_schemas import ReportCreate, ReportRead, TransparencyDocument
from agilegov.schemas import LongText

router = APIRouter(tags=["disclosure"])

SCHEMA_ID = "/api/v1/schemas/transparency-report.json"


@router.post("/transparency-reports", response_model=ReportRead, status_code=201)
def create_report(body: ReportCreate, uow: Uow, actor: Actor) -> Any:
    """Draft a scope's report of a period, composed by the template from what
    the platform holds."""
    return reports.create_report(uow, actor, body)


@router.get("/scopes/{scope_id}/transparency-reports", response_model=list[ReportRead])
def list_reports(scope_id: int, uow: Uow, actor: Actor) -> Any:
    return reports.list_reports(uow, actor, scope_id)


@router.get("/transparency-reports/{report_id}", response_model=ReportRead)
def get_report(report_id: int, uow: Uow, actor: Actor) -> Any:
    return reports.get_report(uow, actor, report_id)


@router.put("/transparency-reports/{report_id}/explanations", response_model=ReportRead)
def set_explanations(
    report_id: int,
    uow: Uow,
    actor: Actor,
    body: dict[str, LongText] = Body(max_length=1000),
) -> Any:
    """The author's texts by section or item key; those not named are kept.
    Figures are the platform's and are not edited."""
    return reports.set_explanations(uow, actor, report_id, body)


@router.post("/transparency-reports/{report_id}/publish", response_model=ReportRead)
def publish_report(report_id: int, request: Request, uow: Uow, actor: Actor) -> Any:
    """Publish the draft for good, signed with the organization's key."""
    key_dir = request.app.state.settings.assessor_key_dir
    return reports.publish_report(uow, actor, report_id, key_dir)


@router.post(
    "/transparency-reports/{report_id}/supersede", response_model=ReportRead, status_code=201
)
def supersede_report(report_id: int, uow: Uow, actor: Actor) -> Any:
    """Draft the next version of a published report."""
    return reports.supersede_report(uow, actor, report_id)


@router.get(
    "/transparency-reports/{report_id}/document",
    response_model=None,
    responses={200: {"model": TransparencyDocument}},
)
def get_document(report_id: int, uow: Uow, actor: Actor) -> JSONResponse:
    """The report as published: the signed content (its canonical JSON, RFC 8785,
    is what the SHA-256 and the Ed25519 signature cover), and each figure
    beside the previous period's published value."""
    return JSONResponse(reports.document(uow, actor, report_id))


def document_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **TransparencyDocument.model_json_schema(),
    }


@router.get(
    "/schemas/transparency-report.json",
    response_model=None,
    responses={200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}}},
)
def get_schema() -> JSONResponse:
    """The JSON Schema of a transparency report's document."""
    return JSONResponse(document_schema(), media_type="application/schema+json")
