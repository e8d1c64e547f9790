"""The HTTP application: the pages, the JSON API under /api/v1 and the health check."""

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from agilegov import __version__
from agilegov.api import problems
from agilegov.api.deps import ids_in_range
from agilegov.api.limits import BodySizeLimit
from agilegov.db import make_engine, make_session_factory
from agilegov.organizations.service import principal_for_token, session_user
from agilegov.part import Job
from agilegov.parts import PARTS
from agilegov.record.notes import load_or_create_signer
from agilegov.settings import Settings, get_settings
from agilegov.uow import UnitOfWork
from agilegov.web.render import compile_templates, error_page, use_parts
from agilegov.web.scope_page import tab_router
from agilegov.web.throttle import FailedSignIns

API_PREFIX = "/api/v1"
STATIC = Path(__file__).parent / "web" / "static"
log = logging.getLogger("agilegov")


@dataclass(frozen=True)
class PeriodicStep:
    """Work the server does every ``every`` seconds."""

    name: str
    every: float
    run: Callable[[], Any]


async def run_periodically(steps: Sequence[PeriodicStep]) -> None:
    """Run each step when its time has come, in the order given, each in a worker
    thread; a step that fails is logged and run again at its next turn, and the
    others go on (one failed pass must not stop the server's clock)."""
    due = [0.0] * len(steps)
    while True:
        for number, step in enumerate(steps):
            if time.monotonic() < due[number]:
                continue
            due[number] = time.monotonic() + step.every
            try:
                await asyncio.to_thread(step.run)
            except Exception:
                log.exception("periodic %s failed", step.name)
        await asyncio.sleep(max(0.0, min(due) - time.monotonic()))


def periodic_steps(app: FastAPI, settings: Settings) -> list[PeriodicStep]:
    """Every part's jobs, in their order (review-by checks, scrapes, evaluations,
    then webhook deliveries: what a check or an evaluation has to tell is sent in
    the same pass); a job whose interval is 0 never runs."""

    def step(job: Job) -> PeriodicStep:
        def run() -> None:
            job.run(UnitOfWork(app.state.session_factory), settings)

        return PeriodicStep(job.name, job.every(settings), run)

    jobs = sorted((job for part in PARTS for job in part.jobs), key=lambda job: job.order)
    return [step(job) for job in jobs if job.every(settings) > 0]


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
            task = asyncio.create_task(run_periodically(periodic_steps(app, settings)))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        engine.dispose()

    app = FastAPI(
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
    # Who a token or a sign-in session belongs to: the API and the pages ask
    # through these, so that the toolkits need not know the organizations part.
    app.state.principal_for_token = principal_for_token
    app.state.session_user = session_user
    use_parts()
    app.state.session_factory = make_session_factory(engine)
    app.state.signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    # Ten wrong passwords for an email, or from an address, in 15 minutes: a pause.
    app.state.failed_sign_ins = FailedSignIns(most=10, within_seconds=15 * 60)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    problems.install(app, API_PREFIX, error_page)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(ids_in_range)])
    for part in PARTS:
        for router in part.api_routers:
            api.include_router(router if isinstance(router, APIRouter) else router())
    app.include_router(api)
    # The scope page's tabs first: a tab's path is also its kind's list path.
    pages = [tab_router(), *(router for part in PARTS for router in part.page_routers)]
    for router in pages:
        app.include_router(router, dependencies=[Depends(ids_in_range)])

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        swagger = "/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title="agilegov API",
            swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
            swagger_css_url=f"{swagger}/swagger-ui.css",
            swagger_favicon_url=f"{swagger}/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
