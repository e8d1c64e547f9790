"""Refuse request bodies over the configured size before reading them whole (by
their declared length at once, and by counting what arrives: a chunked body
declares none), and JSON bodies writing a number beyond a double, which JSON
parsers read as infinity."""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agilegov import values


class InvalidBody(HTTPException):
    """A body refused while it is read, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, f"{field}: {message}")
        self.errors = [{"field": field, "in": "body", "message": message}]


class BodySizeLimit:
    """At most ``max_bytes`` of body, or ``max_upload_bytes`` for an upload (a
    multipart/form-data body)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.max_upload_bytes if upload else self.max_bytes
        detail = f"the {'upload' if upload else 'request body'} exceeds {limit} bytes"
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, send, detail)
            return
        received = 0
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        chunks: list[bytes] | None = [] if content_type.endswith(b"json") else None

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                # Raised inside the route's body reading, where the API's
                # handlers turn them into problem responses.
                if received > limit:
                    raise HTTPException(413, detail)
                if chunks is not None:
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        where = values.number_too_large(b"".join(chunks))
                        if where is not None:
                            raise InvalidBody(where, values.NUMBER_RANGE)
            return message

        await self.app(scope, limited_receive, send)


async def _refuse(scope: Scope, send: Send, detail: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request too large",
            "status": 413,
            "detail": detail,
            "instance": scope.get("path", ""),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
