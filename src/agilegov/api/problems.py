"""RFC 9457 problem details for every error the API returns."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from agilegov.db import is_write_conflict
from agilegov.errors import DomainError, TooManyRequests

PROBLEM_JSON = "application/problem+json"
WRITE_CONFLICT = "Conflicting change"
WRITE_CONFLICT_DETAIL = (
    "another change to the same data was being made at the same moment, and nothing "
    "of this request was stored: send it again"
)
WRITE_CONFLICT_PAGE_DETAIL = (
    "Another change to the same data was being made at the same moment, and nothing "
    "was saved. Go back and submit it again."
)

log = logging.getLogger("agilegov")


def problem(
    status: int, title: str, detail: str, instance: str, errors: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "goals", 0, "title") -> "goals[0].title"; the "body"/"query" prefix is kept
    # out of the name but said in the message.
    parts = [p for p in location[1:] if p not in ("function-after", "function-before")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or str(location[0])


def _validation_errors(error: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        location = tuple(item["loc"])
        if item["type"] == "json_invalid":
            # The location holds the character position, not a field: the body is at fault.
            reason = (item.get("ctx") or {}).get("error", "")
            message = f"{message} at character {location[-1]}: {reason}".rstrip(": ")
            location = location[:1]
        errors.append({"field": _field_name(location), "in": str(location[0]), "message": message})
    return errors


# An error on a page (not under the API) as a page: status, title, detail.
PageError = Callable[[Request, int, str, str], Response]


def install(app: FastAPI, api_prefix: str, page_error: PageError) -> None:
    """Errors under ``api_prefix`` as problem+json, elsewhere as ``page_error`` pages."""

    def is_page(request: Request) -> bool:
        return not request.url.path.startswith(api_prefix + "/")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if is_page(request):
            response = page_error(request, exc.status, exc.title, str(exc))
        else:
            errors = [{"field": p.field, "message": p.message} for p in exc.problems]
            response = problem(exc.status, exc.title, exc.detail, request.url.path, errors)
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if is_page(request):
            return page_error(request, 422, "Invalid input", detail)
        return problem(422, "Invalid input", detail, request.url.path, errors)

    @app.exception_handler(DBAPIError)
    async def write_conflict(request: Request, exc: DBAPIError) -> Response:
        """A write that clashed with a concurrent one (the services serialize the
        clashes they foresee; this answers the rest): 409, never a server error."""
        if not is_write_conflict(exc):
            raise exc
        log.warning("%s %s: %s", request.method, request.url.path, exc.orig)
        if is_page(request):
            return page_error(request, 409, WRITE_CONFLICT, WRITE_CONFLICT_PAGE_DETAIL)
        return problem(409, WRITE_CONFLICT, WRITE_CONFLICT_DETAIL, request.url.path)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
        title = titles.get(exc.status_code, "Invalid input" if exc.status_code == 422 else "Error")
        if is_page(request) and not request.url.path.startswith("/static/"):
            return page_error(request, exc.status_code, title, str(exc.detail))
        # A body refused while read (``limits.InvalidBody``) names its fields.
        errors = getattr(exc, "errors", None)
        response = problem(exc.status_code, title, str(exc.detail), request.url.path, errors)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response
