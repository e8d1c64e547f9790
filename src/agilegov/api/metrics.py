"""``/metrics`` for the operators (Prometheus's text format), and the layer that
counts and times every HTTP request by its route's template.

Who may read it: with ``AGILEGOV_METRICS_TOKEN`` set, whoever sends it as
``Authorization: Bearer <token>`` (compared in constant time, as SHA-256 hashes);
without, only a client on this machine (127.0.0.1 or ::1, as ``web.client``
works the client out: a trusted proxy's word counts). Anyone else is refused with
a problem+json, 401 or 403. It is not part of the API's OpenAPI schema."""

import hashlib
import hmac
import time
from ipaddress import IPv4Address, IPv6Address

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agilegov import metrics, part, periodic
from agilegov.api.problems import language_of, problem
from agilegov.i18n import Lazy, catalogs, lazy
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork
from agilegov.web.client import client_of, parse_address

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"
# Who may read the metrics when no token is set.
LOCAL = frozenset({IPv4Address("127.0.0.1"), IPv6Address("::1")})

router = APIRouter()


def token_digest(settings: Settings) -> bytes | None:
    """The SHA-256 hash of the metrics token, or None when there is none."""
    token = settings.metrics_token.get_secret_value()
    return hashlib.sha256(token.encode()).digest() if token else None


def _local(address: str) -> bool:
    parsed = parse_address(address)
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed in LOCAL


def _refused(request: Request, status: int, title: str, detail: Lazy) -> Response:
    language = language_of(request)
    response = problem(
        status,
        catalogs.gettext(language, title),
        detail.in_language(language),
        request.url.path,
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _refusal(request: Request) -> Response | None:
    """Why the request may not read the metrics, as its answer; None if it may."""
    expected: bytes | None = request.app.state.metrics_token_digest
    if expected is None:
        if _local(client_of(request).address):
            return None
        return _refused(
            request,
            403,
            "Forbidden",
            lazy(
                "the metrics are served only to this machine (127.0.0.1, ::1) unless "
                "AGILEGOV_METRICS_TOKEN is set"
            ),
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    presented = hashlib.sha256(token.strip().encode()).digest()
    if scheme.lower() == "bearer" and hmac.compare_digest(presented, expected):
        return None
    return _refused(
        request,
        401,
        "Authentication required",
        lazy("the metrics need the metrics token: Authorization: Bearer <token>"),
    )


@router.get(PATH, include_in_schema=False)
def read_metrics(request: Request) -> Response:
    refused = _refusal(request)
    if refused is not None:
        return refused
    readers = [request.app.state.periodic_overdue, *part.metric_readers()]
    with UnitOfWork(request.app.state.session_factory) as uow:
        body = metrics.exposition(uow.session, readers)
    return Response(
        body, media_type=CONTENT_TYPE_PLAIN_0_0_4, headers={"Cache-Control": "no-store"}
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Serve ``/metrics`` in ``app``, with the token's hash and the periodic jobs'
    gauges for these settings."""
    app.state.metrics_token_digest = token_digest(settings)
    app.state.periodic_overdue = periodic.overdue_jobs(settings)
    app.include_router(router)


class RequestMetrics:
    """Counts and times each HTTP request by method, the template of the route
    that answered it (``/api/v1/scopes/{scope_id}``, never the path itself, so
    that the series are as many as the routes) and the class of its status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        root_path = scope.get("root_path", "")
        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_template(scope, root_path)
            metrics.HTTP_REQUESTS.labels(method, route, f"{status // 100}xx").inc()
            metrics.HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope, root_path: str) -> str:
    """The template of the route that answered a request, from what the router
    noted in its scope (``root_path``: the scope's own before routing).

    The route noted is the one chosen (``scope["route"]``); a router included
    under a prefix may note it with its path inside the router (as FastAPI's
    nested routers do), so the prefix is taken back from the request's path: the
    part before what the route's pattern matches. A mounted app (the static
    files) is noted by its path, or only by the root path it was given."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    if route is None:
        mounted = scope.get("root_path", "")
        if mounted != root_path and mounted.startswith(root_path):
            return f"{mounted[len(root_path) :]}/{{path}}"
        return UNMATCHED
    template = getattr(route, "path", None)
    pattern = getattr(route, "path_regex", None)
    if not template or pattern is None:
        return UNMATCHED
    path = scope.get("path", "")
    for cut in (0, *(at for at, character in enumerate(path) if character == "/" and at)):
        if pattern.match(path[cut:]):
            return path[:cut] + template
    return template
