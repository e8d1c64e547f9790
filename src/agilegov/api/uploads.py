"""Uploads (a file, or a document to import), read only once the caller is
known to be allowed to send them.

A route that takes one does not declare it as a parameter (FastAPI would read,
parse and validate the body before any check); it checks the caller, then calls
``read_upload`` or ``read_document``, and describes the body for the API's
document with ``upload_body`` or ``document_body``. ``BodySizeLimit`` bounds the
body either way (``max_upload_bytes``, ``max_body_bytes``).
"""

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from agilegov.errors import InvalidInput
from agilegov.i18n import lazy

Model = TypeVar("Model", bound=BaseModel)

# The file and a few form fields at most: nothing else is spooled.
MAX_FORM_FIELDS = 8


def upload_body(field: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` of a route that takes one file as ``field``."""
    schema = {
        "type": "object",
        "required": [field],
        "properties": {
            field: {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": description,
            }
        },
    }
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


async def read_upload(request: Request, field: str) -> bytes:
    """The bytes of the file sent as ``field`` of a multipart/form-data body."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("multipart/form-data"):
        raise InvalidInput.on(field, lazy("send the file as multipart/form-data"))
    try:
        async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
            upload = form.get(field)
            if not isinstance(upload, UploadFile):
                raise InvalidInput.on(field, lazy("is required: a file"))
            return await upload.read()
    except HTTPException as problem:
        if problem.status_code != 400:
            raise  # the body's size limit, answered as it is
        raise InvalidInput.on(
            field, lazy("the form could not be read: %(detail)s", detail=problem.detail)
        ) from None


def document_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` of a route that takes a JSON document of ``model``, whose
    schema the API's document holds (another route answers with it)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def read_document(request: Request, model: type[Model]) -> Model:
    """The JSON body as ``model``; refused as FastAPI refuses a declared body."""
    body = await request.body()
    try:
        data = json.loads(body)
    except ValueError as problem:
        position = getattr(problem, "pos", 0)
        reason = getattr(problem, "msg", "not UTF-8 text")
        error = {"type": "json_invalid", "loc": ("body", position), "msg": "JSON decode error"}
        raise RequestValidationError([{**error, "input": {}, "ctx": {"error": reason}}]) from None
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in problem.errors()]
        raise RequestValidationError(errors) from None
