"""The commons part's API and commands on real databases: an incident recorded
and moved through the API, bad input refused naming its field with nothing
stored, a stranger finding nothing; a regulator's clocks; the public commons
with its STIX and AVID exports; imports by the site's operator only, checked
before the file is read; and the ``agilegov commons`` commands."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stix2
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from agilegov import clock
from agilegov.cli import app as cli
from agilegov.commons.schemas import ImportSource
from agilegov.commons.service import import_shared
from agilegov.organizations.service import issue_token
from agilegov.settings import get_settings
from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    create_scope,
    ok,
    snapshot,
    world_from_fixture,
)
from builders import site_operator

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "incidents"
INCIDENT = {
    "title": "Hidden instructions in résumés pushed candidates up the ranking",
    "description": "Résumés carried white text the summarising model followed.",
    "occurred_on": "2026-11-20",
    "discovered_on": "2026-11-26",
    "harms": [{"type": "fairness", "severity": "serious", "affected": "applicants", "count": 40}],
    "systems": [{"name": "Summariser", "kind": "llm"}],
    "techniques": ["AML.T0051.001"],
}
AVID_REPORT = {
    "data_type": "AVID",
    "data_version": "0.2",
    "metadata": {"report_id": "AVID-2099-R0001"},
    "affects": {"developer": [], "deployer": [], "artifacts": [{"type": "Model", "name": "m"}]},
    "problemtype": {
        "classof": "LLM Evaluation",
        "type": "Detection",
        "description": {"lang": "eng", "value": "Prompt injection through documents"},
    },
    "description": {"lang": "eng", "value": "Instructions hidden in documents were followed."},
    "impact": {"avid": {"risk_domain": ["Security"], "sep_view": ["S0403: Adversarial Example"]}},
    "reported_date": "2026-11-01",
}


@pytest.fixture(autouse=True)
def december() -> Any:
    with clock.frozen_at(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def api(database_url: str, engine: Engine, world: Any) -> World:
    built = world_from_fixture(database_url, engine, world)
    built.scopes["private"] = create_scope(built)
    return built


def _record(api: World, **changes: Any) -> dict[str, Any]:
    scope = api.scopes["private"]["id"]
    return ok(
        api.client.post(
            f"{API}/scopes/{scope}/incidents",
            json={**INCIDENT, **changes},
            headers=api.auth("editor"),
        ),
        201,
    )


def test_an_incident_through_the_api(api: World) -> None:
    incident = _record(api)
    assert (incident["branch"], incident["status"], incident["foreseeable"]) == (
        "unforeseeable",
        "open",
        False,
    )
    assert [step["action"] for step in incident["steps"]] == ["recorded"]
    base = f"{API}/incidents/{incident['id']}"
    assert ok(api.client.get(base, headers=api.auth("viewer")))["id"] == incident["id"]
    assert_problem(api.client.get(base, headers=api.auth("outsider")), 404)
    assert_problem(api.client.get(base), 404)
    moved = ok(api.client.post(f"{base}/cooperation", json={}, headers=api.auth("editor")))
    assert moved["status"] == "investigating"
    assert_problem(api.client.post(f"{base}/cooperation", json={}, headers=api.auth("editor")), 409)
    assert_problem(api.client.post(f"{base}/deferral", json={}, headers=api.auth("editor")), 409)
    listed = ok(
        api.client.get(
            f"{API}/scopes/{api.scopes['private']['id']}/incidents", headers=api.auth("viewer")
        )
    )
    assert listed["total"] == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**INCIDENT, "kind": "catastrophe"}, ["kind"]),
        ({**INCIDENT, "title": ""}, ["title"]),
        ({**INCIDENT, "occurred_on": "yesterday"}, ["occurred_on"]),
        ({**INCIDENT, "discovered_on": "2026-11-01"}, ["discovered_on"]),
        (
            {**INCIDENT, "discovered_on": "2026-12-24", "occurred_on": "2026-12-01"},
            ["discovered_on"],
        ),
        ({**INCIDENT, "techniques": ["T1059"]}, ["techniques[0]"]),
        ({**INCIDENT, "harms": [{"type": "fairness", "severity": "dire"}]}, ["harms[0].severity"]),
        ({**INCIDENT, "harms": [{"type": "x", "severity": "minor"}]}, ["harms[0].type"]),
        (
            {**INCIDENT, "harms": [{"type": "fairness", "severity": "minor", "count": -1}]},
            ["harms[0].count"],
        ),
        ({**INCIDENT, "systems": [{"name": "S", "kind": "Large Model!"}]}, ["systems[0].kind"]),
        ({**INCIDENT, "risk_ids": [123456]}, ["risk_ids[0]"]),
        ({**INCIDENT, "channel_id": 123456}, ["channel_id"]),
        ({**INCIDENT, "surprise": 1}, ["surprise"]),
    ],
)
def test_bad_incidents_are_refused_naming_the_field(
    api: World, body: dict[str, Any], fields: list[str]
) -> None:
    before = snapshot(api.engine)
    scope = api.scopes["private"]["id"]
    problem = assert_problem(
        api.client.post(f"{API}/scopes/{scope}/incidents", json=body, headers=api.auth("editor")),
        422,
        *fields,
    )
    assert problem["status"] == 422
    assert_unchanged(before, api.engine)


def test_a_regulator_sets_its_clocks_and_receives_reports(api: World) -> None:
    channel = ok(
        api.client.post(
            f"{API}/reporting-channels",
            json={
                "organization_id": api.regulator_id,
                "title": "AI incidents",
                "what": "Serious incidents",
                "who": "Providers",
                "hours_to_report": 72,
            },
            headers=api.auth("outsider"),
        ),
        201,
    )
    rule_url = f"{API}/reporting-channels/{channel['id']}/incident-rule"
    assert_problem(api.client.get(rule_url), 404)
    clauses = {
        "name": "Article 73",
        "clauses": [
            {"name": "general", "applies_when": "any", "initial_days": 15, "complete_days": 30},
            {"name": "wide", "applies_when": "widespread", "initial_days": 2},
        ],
    }
    assert_problem(api.client.put(rule_url, json=clauses, headers=api.auth("owner")), 403)
    bad = {"name": "x", "clauses": [{"name": "a", "applies_when": "any", "initial_days": 0}]}
    assert_problem(
        api.client.put(rule_url, json=bad, headers=api.auth("outsider")),
        422,
        "clauses[0].initial_days",
    )
    ok(api.client.put(rule_url, json=clauses, headers=api.auth("outsider")))
    assert ok(api.client.get(rule_url))["name"] == "Article 73"
    incident = _record(api, channel_id=channel["id"], widespread=True)
    assert [(r["kind"], r["due_on"], r["clause"]) for r in incident["reports"]] == [
        ("initial", "2026-11-28", "wide"),
        ("complete", "2026-12-26", "general"),
    ]
    filed = ok(
        api.client.post(
            f"{API}/incidents/{incident['id']}/reports",
            json={"kind": "initial", "description": "What we know"},
            headers=api.auth("editor"),
        )
    )
    assert filed["reports"][0]["late"] is True  # due on the 28th, filed on 1 December
    seen = ok(api.client.get(f"{API}/incidents/{incident['id']}", headers=api.auth("outsider")))
    assert seen["regulator_informed_on"] == "2026-12-01"


def test_the_commons_is_public_and_exports(api: World, uow: Any) -> None:
    incident = _record(api)
    base = f"{API}/incidents/{incident['id']}"
    proposal = ok(api.client.get(f"{base}/share-proposal", headers=api.auth("editor")))
    assert_problem(api.client.get(f"{base}/share-proposal", headers=api.auth("outsider")), 404)
    shared = ok(
        api.client.post(
            f"{base}/share",
            json={"title": proposal["title"], "description": proposal["description"]},
            headers=api.auth("owner"),
        ),
        201,
    )
    listed = ok(api.client.get(f"{API}/commons"))
    assert [item["id"] for item in listed["items"]] == [shared["id"]]
    assert listed["items"][0]["licence"] == "CC-BY-4.0"
    bundle = api.client.get(f"{API}/commons/stix")
    assert bundle.headers["content-type"].startswith("application/stix+json")
    parsed = stix2.parse(bundle.text, allow_custom=False)
    kinds = sorted(obj["type"] for obj in parsed.objects)
    assert kinds.count("incident") == 1 and "attack-pattern" in kinds
    avid = ok(api.client.get(f"{API}/commons/{shared['id']}/avid"))
    assert avid["data_type"] == "AVID"
    assert_problem(api.client.get(f"{API}/commons/999999"), 404)
    versions = ok(api.client.get(f"{API}/commons/{shared['id']}/versions"))
    assert [v["version"] for v in versions] == [1]


def test_imports_are_the_operators_and_checked_before_reading(api: World, uow: Any) -> None:
    operator = site_operator(uow)
    token = issue_token(uow, operator, "tests").token
    report = json.dumps(AVID_REPORT).encode()
    url = f"{API}/commons/imports?source=avid"
    before = snapshot(api.engine)
    assert_problem(
        api.client.post(url, files={"file": ("r.json", report)}, headers=api.auth("owner")), 403
    )
    bad = api.client.post(
        url,
        files={"file": ("r.json", b'{"data_type": "CVE"}')},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_problem(bad, 422)
    assert_unchanged(before, api.engine)
    done = ok(
        api.client.post(
            url, files={"file": ("r.json", report)}, headers={"Authorization": f"Bearer {token}"}
        ),
        201,
    )
    assert (done["added"], done["licence"]) == (1, "MIT")


def _run(url: str, *args: Any) -> Result:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            cli, [str(arg) for arg in args], env={"AGILEGOV_DATABASE_URL": url}
        )
    finally:
        get_settings.cache_clear()


def test_the_commands(api: World, database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data_type": "CVE"}')
    before = snapshot(api.engine)
    refused = _run(database_url, "commons", "import", "avid", bad)
    assert refused.exit_code == 1 and "data_type" in refused.output
    assert _run(database_url, "commons", "import", "cve", bad).exit_code == 1
    assert _run(database_url, "commons", "import", "avid", tmp_path / "none.json").exit_code == 1
    assert_unchanged(before, api.engine)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(AVID_REPORT))
    added = _run(database_url, "commons", "import", "avid", good)
    assert added.exit_code == 0 and "1 added" in added.output and "MIT" in added.output
    again = _run(database_url, "commons", "import", "avid", good)
    assert "1 unchanged" in again.output
    written = _run(database_url, "commons", "stix")
    assert written.exit_code == 0
    assert len([o for o in json.loads(written.output)["objects"] if o["type"] == "incident"]) == 1
    assert _run(database_url, "commons", "deadlines").exit_code == 0


def test_the_atlas_catalogue_through_the_command(api: World, database_url: str) -> None:
    atlas = DATA / "atlas" / "ATLAS.yaml"
    if not atlas.is_file():
        pytest.skip("../shared/data is absent")
    imported = _run(database_url, "commons", "import", "atlas", atlas)
    assert imported.exit_code == 0, imported.output
    assert "57 added" in imported.output and "Apache-2.0" in imported.output
    listed = ok(api.client.get(f"{API}/commons", params={"source": "atlas", "limit": 100}))
    assert listed["total"] == 57
    assert {item["licence"] for item in listed["items"]} == {"Apache-2.0"}


def test_similar_incidents_through_the_api_and_the_page(api: World, uow: Any) -> None:
    operator = site_operator(uow)
    reports = []
    for number, text in enumerate(
        [
            "Instructions hidden in documents were followed by the model.",
            "Hidden instructions in uploaded documents steered the model's answers.",
            "A vision model misread road signs covered in stickers.",
        ],
        start=1,
    ):
        report = json.loads(json.dumps(AVID_REPORT))
        report["metadata"]["report_id"] = f"AVID-2099-R000{number}"
        report["description"]["value"] = text
        reports.append(json.dumps(report).encode())
    import_shared(uow, operator, ImportSource.avid, reports)
    listed = ok(api.client.get(f"{API}/commons", params={"limit": 10}))
    ids = {item["description"]: item["id"] for item in listed["items"]}
    first = ids["Instructions hidden in documents were followed by the model."]
    similar = ok(api.client.get(f"{API}/commons/{first}/similar"))
    assert [s["incident"]["id"] for s in similar][:1] == [
        ids["Hidden instructions in uploaded documents steered the model's answers."]
    ]
    assert first not in [s["incident"]["id"] for s in similar]
    page = api.client.get(f"/commons/{first}")
    assert page.status_code == 200 and "Similar incidents in the commons" in page.text
    assert_problem(api.client.get(f"{API}/commons/999999/similar"), 404)
