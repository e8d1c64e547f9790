"""The API against its own OpenAPI schema, with Schemathesis: every phase (the
schema's examples, the coverage of each parameter's edges, fuzzing, and stateful
sequences that follow the links between operations) as the demo's governance lead
(an owner), with a fixed seed and a bounded number of examples.

No answer may be a server error, and every answer must be one the schema declares:
its status, its content type, its headers and its body. Input the schema refuses
must be refused. (Input the schema allows may still be refused, with a 422 naming
the field: what a reference must point at, or which stage the cycle may move to,
is not a thing JSON Schema can say; so ``positive_data_acceptance`` is off.)
"""

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from agilegov.app import API_PREFIX, create_app
from agilegov.db import make_engine, make_session_factory
from agilegov.demo.scenario import load_demo
from agilegov.settings import Settings
from agilegov.tables import metadata
from agilegov.uow import UnitOfWork
from api_helpers import new_postgres_database

SCHEMA_PATH = f"{API_PREFIX}/openapi.json"
TODAY = date(2025, 6, 30)

# What bounds the run: Hypothesis derandomized from this seed, with no example
# database, one worker (so that the requests come in the same order each time),
# and nothing kept from an earlier run (Schemathesis's cache).
CONFIG = {
    "seed": 20250630,
    "cache": {"enabled": False},
    "workers": 1,
    "suppress-health-check": ["all"],
    "generation": {"max-examples": 5, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"max-steps": 20, "generation": {"max-examples": 30}}},
    "operations": [
        # PATCH /scopes/import is PATCH /scopes/{scope_id} with the id "import":
        # invalid (422 naming scope_id) rather than a method the path lacks (405).
        {
            "include-path": f"{API_PREFIX}/scopes/import",
            "checks": {"unsupported_method": {"enabled": False}},
        },
        # Only an assessor organization has a DID document: another, however
        # new, answers 404.
        {
            "include-path": f"{API_PREFIX}/organizations/{{organization_id}}/did",
            "checks": {"ensure_resource_availability": {"enabled": False}},
        },
    ],
    "checks": {
        # See the module's docstring.
        "positive_data_acceptance": {"enabled": False},
        # A body over the size limit is refused before it is read.
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "422", "429"]
        },
    },
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, sqlite_template: Path, sqlite_directory: Path
) -> Iterator[tuple[str, str]]:
    """A database holding the demo, and its governance lead's API token."""
    if request.param == "sqlite":
        path = Path(tempfile.mkdtemp(dir=sqlite_directory)) / "agilegov.db"
        shutil.copyfile(sqlite_template, path)
        yield from _told(f"sqlite:///{path}")
    else:
        with new_postgres_database() as url:
            engine = make_engine(url)
            metadata.create_all(engine)
            engine.dispose()
            yield from _told(url)


def _told(url: str) -> Iterator[tuple[str, str]]:
    engine = make_engine(url)
    try:
        accounts = load_demo(UnitOfWork(make_session_factory(engine)), today=TODAY)
    finally:
        engine.dispose()
    yield url, next(account["token"] for account in accounts if account["role"] == "owner")


class StatusCounter:
    """The app, counting the status of every answer to a request under the API."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["path"] != SCHEMA_PATH:
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counted)


def _refuse_network(*args: Any, **kwargs: Any) -> Any:
    raise httpx.ConnectError("the tests reach no network")


def _failure(label: str, check: Any, interaction: Any) -> str:
    failure = check.failure_info.failure
    message = "\n    ".join(failure.message.splitlines())
    line = f"{label}: {check.name}: {failure.title}\n    {message}"
    if interaction is not None:
        request, response = interaction.request, interaction.response
        line += f"\n    {request.method} {request.uri}"
        if request.body:
            line += f"\n    body: {request.body[:300]!r}"
        if response is not None:
            line += f"\n    -> {response.status_code}: {(response.content or b'')[:300]!r}"
    return line


def test_the_api_answers_as_its_schema_says(
    demo: tuple[str, str], monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    url, token = demo
    # A scrape or a webhook delivery the run sets up goes nowhere.
    monkeypatch.setattr(httpx, "stream", _refuse_network)
    app = StatusCounter(create_app(Settings(database_url=url, tick_interval_seconds=0)))
    config = schemathesis.Config.from_dict(
        {**CONFIG, "headers": {"Authorization": f"Bearer {token}"}}
    )
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app, config=config)

    failures: dict[tuple[str, str, str], str] = {}
    errors = []
    by_phase: Counter[str] = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            by_phase[event.phase.value] += len(recorder.interactions)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    key = (recorder.label, check.name, check.failure_info.failure.title)
                    interaction = recorder.interactions.get(case_id)
                    failures.setdefault(key, _failure(recorder.label, check, interaction))
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            errors.extend(f"after the run: {failure!r}" for failure in event.failures)

    statuses = app.statuses
    summary = (
        f"{statuses.total()} requests; "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        + "; by phase: "
        + ", ".join(f"{phase} {count}" for phase, count in by_phase.items())
    )
    print(summary)
    record_property("summary", summary)
    assert not errors, "\n".join(errors)
    assert not failures, f"{summary}\n" + "\n".join(failures.values())
    assert not [status for status in statuses if status >= 500], summary
    # The run went deep enough to mean something: it created things and read them,
    # and followed links from one operation to the next.
    assert statuses[201] and statuses[200] > 100, summary
    assert by_phase["stateful"], summary
