"""Uploaded files, read only once the caller is known to be allowed to send them.

A route that takes a file does not declare it as a parameter (FastAPI would read
and parse the body before any check); it checks the caller, then calls
``read_upload``, and describes the body with ``upload_body`` for the API's
document. ``BodySizeLimit`` bounds the body (``max_upload_bytes``) either way.
"""

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from agilegov.errors import InvalidInput

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
        raise InvalidInput.on(field, "send the file as multipart/form-data")
    try:
        async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
            upload = form.get(field)
            if not isinstance(upload, UploadFile):
                raise InvalidInput.on(field, "is required: a file")
            return await upload.read()
    except HTTPException as problem:
        if problem.status_code != 400:
            raise  # the body's size limit, answered as it is
        raise InvalidInput.on(field, f"the form could not be read: {problem.detail}") from None
