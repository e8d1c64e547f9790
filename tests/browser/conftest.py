"""Fixtures of the browser tests: the real app served by uvicorn on a free port,
on a fresh SQLite file holding the demo, and Debian's Chromium driven by
Playwright (never a downloaded browser).

Without /usr/bin/chromium the tests skip, except in CI (CI=true), where a
missing browser is a failure.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Playwright, StorageState, sync_playwright

from agilegov.app import create_app
from agilegov.db import make_engine, make_session_factory
from agilegov.demo.scenario import load_demo
from agilegov.migrations import upgrade
from agilegov.settings import Settings
from agilegov.uow import UnitOfWork
from browser.browsing import DESK, LEAD, Site, sign_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on 127.0.0.1, serving a migrated SQLite database with the demo."""
    database = tmp_path_factory.mktemp("browser") / "agilegov.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url)
    try:
        accounts = load_demo(UnitOfWork(make_session_factory(engine)))
    finally:
        engine.dispose()

    # The socket is bound here, so no other process can take the port meanwhile.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(Settings(database_url=url, tick_interval_seconds=0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start")
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/healthz").status_code == 200
    try:
        yield Site(base, database, {account["email"]: account for account in accounts})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        assert not thread.is_alive(), "the app did not shut down"


# Package scope: Playwright holds the main thread's asyncio loop while it runs,
# so it must stop before the rest of the suite (which runs its own loops).
@pytest.fixture(scope="package")
def driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests: {reason}")
        pytest.skip(reason)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def chromium(driver: Playwright) -> Iterator[Browser]:
    browser = driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def open_context(chromium: Browser, site: Site) -> Iterator[Callable[..., BrowserContext]]:
    """Opens fresh visitors' contexts (a desk-sized window unless told), closed afterwards."""
    opened: list[BrowserContext] = []

    def open_one(**options: Any) -> BrowserContext:
        options.setdefault("viewport", DESK)
        context = chromium.new_context(base_url=site.url, **options)
        # Fail in seconds, not Playwright's default half minute, when a page lacks something.
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


@pytest.fixture
def context(open_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A fresh visitor: no cookies, the pages' own CSP."""
    return open_context()


@pytest.fixture(scope="package")
def lead_state(chromium: Browser, site: Site) -> StorageState:
    """The governance lead's signed-in cookies, to open pages without signing in again."""
    context = chromium.new_context(base_url=site.url)
    try:
        page = context.new_page()
        sign_in(page, LEAD, site.password(LEAD))
        return context.storage_state()
    finally:
        context.close()
