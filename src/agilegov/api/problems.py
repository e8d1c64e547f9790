"""RFC 9457 problem details for every error the API returns, and the API's
OpenAPI schema saying so for each operation."""

import copy
import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from agilegov.db import is_write_conflict
from agilegov.errors import DomainError, TooManyRequests
from agilegov.i18n import Lazy, catalogs, negotiate, speaking
from agilegov.web import viewer as page_language
from agilegov.web.input_problems import bounds_of, problem_text

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

# What ``problem`` sends, for the OpenAPI schema.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem: what went wrong, and which fields are at fault.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "Always about:blank: the status says it."},
        "title": {"type": "string", "description": "The status's short name."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The request's path."},
        "errors": {
            "type": "array",
            "description": "Each field at fault and its problem.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "e.g. goals[0].title"},
                    "in": {
                        "type": "string",
                        "description": "Where the field was sent: body, query, path or header.",
                    },
                    "message": {"type": "string"},
                },
            },
        },
    },
}

# The problems an operation can answer, each with what it means.
PROBLEM_STATUSES = {
    401: "No valid bearer token, where the operation needs one (or a token that is unknown "
    "or revoked).",
    403: "The caller's role does not allow this.",
    404: "What the path names does not exist, or the caller may not see it.",
    409: "The current state forbids the change (an archived scope, a closed consultation, a "
    "name that is taken, ...).",
    413: "The request body is larger than the server accepts.",
    422: "The input is invalid: ``errors`` names each field and its problem.",
    429: "Too many requests of this kind for now; try again later.",
    503: "The mail could not be handed over to the mail server: what was asked is done, "
    "and asking again sends a new mail.",
}


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


def language_of(request: Request) -> str:
    """The language the caller asks for (``Accept-Language``), else the site's."""
    default = request.app.state.settings.default_language
    return negotiate(request.headers.get("accept-language"), default)


def _in(language: str, text: "str | Lazy") -> str:
    return text.in_language(language) if isinstance(text, Lazy) else text


def _body_shape(request: Request) -> type[BaseModel] | None:
    """The model the route reads its body as, if it reads one whole."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    shape = getattr(getattr(body_field, "field_info", None), "annotation", None)
    return shape if isinstance(shape, type) and issubclass(shape, BaseModel) else None


def _validation_errors(
    error: RequestValidationError, language: str, shape: type[BaseModel] | None
) -> list[dict[str, str]]:
    errors = []
    for item in error.errors():
        location = tuple(item["loc"])
        # A top-level field of the body: its model says the whole range it allows.
        on_body_field = len(location) == 2 and location[0] == "body"
        bounds = bounds_of(shape, str(location[1])) if on_body_field else None
        message = _in(language, problem_text(item, bounds))
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
    """Errors under ``api_prefix`` as problem+json, elsewhere as ``page_error``
    pages; and the OpenAPI schema documents them."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = documented(FastAPI.openapi(app), api_prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def is_page(request: Request) -> bool:
        return not request.url.path.startswith(api_prefix + "/")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if is_page(request):
            with speaking(page_language.language_of(request)):
                detail = str(exc)
            response = page_error(request, exc.status, exc.title, detail)
        else:
            language = language_of(request)
            with speaking(language):
                errors = [{"field": p.field, "message": str(p.message)} for p in exc.problems]
                detail = str(exc.detail)
            title = catalogs.gettext(language, exc.title)
            response = problem(exc.status, title, detail, request.url.path, errors)
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        language = page_language.language_of(request) if is_page(request) else language_of(request)
        errors = _validation_errors(exc, language, _body_shape(request))
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if is_page(request):
            return page_error(request, 422, "Invalid input", detail)
        title = catalogs.gettext(language, "Invalid input")
        return problem(422, title, detail, request.url.path, errors)

    @app.exception_handler(DBAPIError)
    async def write_conflict(request: Request, exc: DBAPIError) -> Response:
        """A write that clashed with a concurrent one (the services serialize the
        clashes they foresee; this answers the rest): 409, never a server error."""
        if not is_write_conflict(exc):
            raise exc
        log.warning("%s %s: %s", request.method, request.url.path, exc.orig)
        if is_page(request):
            return page_error(request, 409, WRITE_CONFLICT, WRITE_CONFLICT_PAGE_DETAIL)
        title = catalogs.gettext(language_of(request), WRITE_CONFLICT)
        return problem(409, title, WRITE_CONFLICT_DETAIL, request.url.path)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and not is_page(request):
            # FastAPI's answer to a body it cannot read at all (not UTF-8, a broken
            # form); malformed JSON is invalid input naming the body, and so is this.
            message = "cannot be read (not UTF-8 JSON, or a malformed form)"
            errors = [{"field": "body", "in": "body", "message": message}]
            title = catalogs.gettext(language_of(request), "Invalid input")
            return problem(422, title, f"body: {message}", request.url.path, errors)
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
        title = titles.get(exc.status_code, "Invalid input" if exc.status_code == 422 else "Error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and is_page(request) and request.method in ("GET", "HEAD"):
            # The address of a form's answer, reloaded (a refused form, shown
            # at the address it was sent to): the page to fill it in again.
            target = page_to_read(app, request.url.path)
            if target is not None:
                return RedirectResponse(target, status_code=303)
        if is_page(request) and not request.url.path.startswith("/static/"):
            response = page_error(request, exc.status_code, title, str(exc.detail))
        else:
            if exc.status_code == 405:
                named = allowed_methods(app.openapi(), request.url.path)
                headers["Allow"] = named or headers.get("Allow", "")
            # A body refused while read (``limits.InvalidBody``) names its fields.
            errors = getattr(exc, "errors", None)
            title = catalogs.gettext(language_of(request), title)
            response = problem(exc.status_code, title, str(exc.detail), request.url.path, errors)
        for name, value in headers.items():
            response.headers[name] = value
        return response


def page_to_read(app: FastAPI, path: str) -> str | None:
    """The page to show for a GET at ``path``, where only a form is answered:
    its form (``path/new``) where there is one, else the nearest page above it
    (``/scopes/1/risks/5/delete`` -> ``/scopes/1/risks/5``)."""
    segments = path.rstrip("/").split("/")
    candidates = [path.rstrip("/") + "/new"]
    candidates += ["/".join(segments[:end]) or "/" for end in range(len(segments) - 1, 0, -1)]
    for candidate in candidates:
        scope = {"type": "http", "path": candidate, "root_path": "", "method": "GET"}
        # Static files are no page to go back to.
        for route in app.routes:
            if not isinstance(route, Mount) and route.matches(scope)[0] == Match.FULL:
                return candidate
    return None


def allowed_methods(schema: dict[str, Any], path: str) -> str:
    """Every method the schema has at ``path`` (Starlette's 405 names only those of
    the first route whose path matches), HEAD with GET. Where templates with fewer
    parameters match (``/scopes/import`` before ``/scopes/{scope_id}``), only theirs."""
    matches: dict[int, set[str]] = {}
    for template, operations in schema.get("paths", {}).items():
        pattern, parameters = re.subn(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            matches.setdefault(parameters, set()).update(m.upper() for m in operations)
    methods = matches[min(matches)] if matches else set()
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For a route's ``responses=``: the problems it answers beyond those its
    parameters and dependencies imply (see ``documented``)."""
    return {status: {"description": PROBLEM_STATUSES[status]} for status in statuses}


def implied_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The problems an operation of the API can answer, from its OpenAPI form:
    a caller (a bearer token) can be refused or unknown, a path can name nothing,
    a change can conflict with what is there, a body can be too large, and any
    input can be invalid."""
    statuses: set[int] = set()
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    if "security" in operation:
        statuses |= {401, 403}
        if method != "get":
            statuses.add(409)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if has_body:
        statuses.add(413)
    if has_body or parameters:
        statuses.add(422)
    return statuses


def documented(schema: dict[str, Any], api_prefix: str) -> dict[str, Any]:
    """``schema`` with every problem each operation under ``api_prefix`` can answer,
    as problem+json. The bearer token is optional everywhere (an anonymous caller
    reads what is public; the operation says 401 where it needs one)."""
    schema = copy.deepcopy(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(api_prefix + "/"):
            continue
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            declared = {int(status) for status in answers if status.startswith("4")}
            for status in sorted(declared | implied_statuses(method, operation)):
                answers[str(status)] = {
                    "description": PROBLEM_STATUSES[status],
                    "content": content,
                }
            if "security" in operation and {} not in operation["security"]:
                operation["security"].append({})
            operation["responses"] = dict(sorted(answers.items()))
    return schema
