"""The HTTP application: the pages, the JSON API under /api/v1 and the health check."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from agilegov import __version__
from agilegov.api import metrics as operator_metrics
from agilegov.api import problems
from agilegov.api.deps import ids_in_range
from agilegov.api.limits import BodySizeLimit
from agilegov.db import make_engine, make_session_factory
from agilegov.mail import Mailer
from agilegov.organizations.service import principal_for_token, session_user, set_language
from agilegov.parts import PARTS
from agilegov.periodic import periodic_steps, run_periodically
from agilegov.record.notes import load_or_create_signer
from agilegov.settings import Settings, get_settings
from agilegov.web import language
from agilegov.web.headers import SecurityHeaders, inline_script_hashes
from agilegov.web.render import compile_templates, error_page, use_parts
from agilegov.web.scope_page import tab_router

API_PREFIX = "/api/v1"
STATIC = Path(__file__).parent / "web" / "static"
SWAGGER_UI = "/static/vendor/swagger-ui"
API_DOCS = get_swagger_ui_html(
    openapi_url=f"{API_PREFIX}/openapi.json",
    title="agilegov API",
    swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
    swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
    swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
).body.decode()


class App(FastAPI):
    """The application, with its security headers around everything but the
    count of requests: even the answer of Starlette's server-error layer (a 500)
    carries them, and is counted with its status."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = SecurityHeaders(super().build_middleware_stack(), **self.state.security_headers)
        return operator_metrics.RequestMetrics(stack)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What lives as long as the server (modules, mappers, compiled templates) is
        # moved out of the collector's sight, so that a full collection walks only
        # what requests leave behind rather than a quarter of a million objects.
        compile_templates()
        gc.collect()
        gc.freeze()
        task = None
        if settings.tick_interval_seconds > 0:
            steps = periodic_steps(app.state.session_factory, settings)
            task = asyncio.create_task(run_periodically(steps, engine))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        engine.dispose()

    app = App(
        title="agilegov",
        version=__version__,
        description="Agile governance of innovations: the double loop, on a verifiable record.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    # Its start-up script is the one inline script the site serves.
    app.state.security_headers = {
        "https": settings.https,
        "script_hashes": inline_script_hashes(API_DOCS),
    }
    # Who a token or a sign-in session belongs to: the API and the pages ask
    # through these, so that the toolkits need not know the organizations part.
    app.state.principal_for_token = principal_for_token
    app.state.session_user = session_user
    app.state.set_language = set_language
    use_parts()
    app.state.session_factory = make_session_factory(engine)
    app.state.signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    app.state.mailer = Mailer(settings)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    problems.install(app, API_PREFIX, error_page)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(ids_in_range)])
    for part in PARTS:
        for router in part.api_routers:
            api.include_router(router if isinstance(router, APIRouter) else router())
    app.include_router(api)
    # The scope page's tabs first: a tab's path is also its kind's list path.
    pages = [
        tab_router(),
        language.router,
        *(router for part in PARTS for router in part.page_routers),
    ]
    for router in pages:
        app.include_router(router, dependencies=[Depends(ids_in_range)])

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(API_DOCS)

    # For the operators, out of the API's schema.
    operator_metrics.install(app, settings)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
