"""Complaints over HTTP: filing without an account and following with the
secret, every move's route, bad input refused naming the field with nothing
stored, the public figures, and a bundle checked by the command line."""

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from httpx import Response
from sqlalchemy import Engine
from typer.testing import CliRunner

from agilegov.cli import app as cli
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

SECRET_HEADER = "X-Complaint-Secret"


def complaint_body(scope_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "scope_id": scope_id,
        "category": "decision",
        "what_happened": "My application was rejected by the screening model.",
        "happened_on": "2026-11-30",
        "remedy_sought": "A review by a person.",
        "complainant_name": "Hanako Yamada",
        "contact_preference": "email",
        "contact": "hanako@example.jp",
        **fields,
    }


@pytest.fixture
def api(database_url: str, engine: Engine, world: Any) -> World:
    """The cast with a published scope (``public``) whose terms name the
    regulator, registered as an ADR body by its owner (the outsider), as its route."""
    built = world_from_fixture(database_url, engine, world)
    scope = create_scope(built, visibility="public")
    terms = ok(
        built.client.post(
            f"{API}/scopes/{scope['id']}/measures",
            json={"kind": "rule", "rule_layer": "provider_user", "title": "Terms of use"},
            headers=built.auth("editor"),
        ),
        201,
    )
    adr = ok(
        built.client.post(
            f"{API}/adr-providers",
            json={
                "organization_id": built.regulator_id,
                "handles": "Disputes over automated decisions",
                "fees": "Free for complainants",
                "independence": "No ties to the providers it hears",
            },
            headers=built.auth("outsider"),
        ),
        201,
    )
    ok(
        built.client.put(
            f"{API}/scopes/{scope['id']}/adr-route",
            json={"measure_id": terms["id"], "adr_provider_id": adr["id"]},
            headers=built.auth("editor"),
        )
    )
    built.scopes["public"] = scope | {"adr_id": adr["id"]}
    return built


def file(api: World, who: str | None = None, **fields: Any) -> dict[str, Any]:
    body = complaint_body(api.scopes["public"]["id"], **fields)
    return ok(api.client.post(f"{API}/complaints", json=body, headers=api.auth(who)), 201)


def move(
    api: World,
    complaint_id: int,
    path: str,
    body: dict[str, Any] | None = None,
    who: str | None = None,
    secret: str | None = None,
    **params: str,
) -> Response:
    headers = api.auth(who) | ({SECRET_HEADER: secret} if secret else {})
    return api.client.post(
        f"{API}/complaints/{complaint_id}/{path}", json=body or {}, headers=headers, params=params
    )


def test_filing_without_an_account_gives_the_secret_once(api: World) -> None:
    filed = file(api)
    complaint, secret = filed["complaint"], filed["follow_secret"]
    assert secret and complaint["status"] == "filed" and complaint["waiting_for"] == "provider"
    path = f"{API}/complaints/{complaint['id']}"
    followed = ok(api.client.get(path, headers={SECRET_HEADER: secret}))
    assert followed["id"] == complaint["id"] and "follow_secret" not in followed
    assert followed["contact"] == "hanako@example.jp"
    # Only its hash is stored.
    assert secret not in json.dumps(snapshot(api.engine), default=str)
    # Without the secret, with another, or as a stranger: no such complaint.
    for headers in ({}, {SECRET_HEADER: secret + "x"}, api.auth("outsider")):
        assert_problem(api.client.get(path, headers=headers), 404)
    # The provider reads it; signed in, the complainant gets no secret.
    assert ok(api.client.get(path, headers=api.auth("viewer")))["id"] == complaint["id"]
    assert file(api, "outsider")["follow_secret"] is None
    listed = ok(api.client.get(f"{API}/complaints", headers=api.auth("viewer")))
    assert listed["total"] == 2 and len(listed["items"]) == 2
    # A list gives summaries: whose move it is, not the history.
    assert listed["items"][0]["waiting_for"] == "provider" and "steps" not in listed["items"][0]
    assert ok(api.client.get(f"{API}/complaints", headers=api.auth("outsider")))["total"] == 1
    assert ok(api.client.get(f"{API}/complaints"))["total"] == 0
    for params, total in (
        ({"status": "filed"}, 2),
        ({"status": "answered"}, 0),
        ({"waiting_for": "provider"}, 2),
        ({"waiting_for": "complainant"}, 0),
        ({"scope_id": api.scopes["public"]["id"], "limit": 1}, 2),
    ):
        page = ok(api.client.get(f"{API}/complaints", params=params, headers=api.auth("viewer")))
        assert page["total"] == total, params
    assert len(page["items"]) == 1
    assert_problem(api.client.get(f"{API}/complaints", params={"status": "lost"}), 422, "status")


MOVES = {
    "acknowledge",
    "assess",
    "answer",
    "accept",
    "escalate",
    "adr-accept",
    "adr-refuse",
    "adr-close",
    "refer",
    "withdraw",
    "pause",
    "resume",
    "extend",
    "statements",
    "documents",
}


def test_every_moves_route(api: World) -> None:
    done: set[str] = set()

    def step(complaint_id: int, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        done.add(path)
        return ok(move(api, complaint_id, path, body, **kwargs))

    def answered() -> tuple[int, str]:
        filed = file(api)
        complaint_id = filed["complaint"]["id"]
        step(complaint_id, "acknowledge", {"note": "Received"}, who="editor")
        step(complaint_id, "assess", {"severity": "high", "urgency": "low"}, who="editor")
        reply = {"decision": "not_upheld", "reason": "The decision stands."}
        assert step(complaint_id, "answer", reply, who="editor")["status"] == "answered"
        return complaint_id, filed["follow_secret"]

    first = file(api)
    first_id = first["complaint"]["id"]
    paused = step(first_id, "pause", {"reason": "Asked for the letter"}, who="editor")
    assert paused["paused_on"] is not None
    assert step(first_id, "resume", {}, who="editor")["paused_on"] is None
    extended = step(
        first_id, "extend", {"until": "2099-01-04", "reason": "Expert needed"}, who="editor"
    )
    assert extended["due_on"] == "2099-01-04"
    assert step(first_id, "withdraw", {}, secret=first["follow_secret"])["status"] == "withdrawn"

    accepted_id, secret = answered()
    assert step(accepted_id, "accept", {}, secret=secret)["outcome"] == "resolved"

    refused_id, secret = answered()
    step(refused_id, "statements", {"text": "I disagree."}, secret=secret)
    assert step(refused_id, "escalate", {}, secret=secret)["status"] == "escalated"
    refusal = {"ground": "out_of_scope", "note": "Not ours"}
    assert step(refused_id, "adr-refuse", refusal, who="outsider")["status"] == "adr_refused"
    referral = {"court": "Tokyo District Court"}
    assert step(refused_id, "refer", referral, secret=secret)["status"] == "referred"

    heard_id, secret = answered()
    step(heard_id, "escalate", {"adr_provider_id": api.scopes["public"]["adr_id"]}, secret=secret)
    assert step(heard_id, "adr-accept", {}, who="outsider")["status"] == "adr_hearing"
    step(heard_id, "statements", {"text": "My side."}, secret=secret)
    step(heard_id, "statements", {"text": "Our side."}, who="editor", party="provider")
    document = {"name": "letter.pdf", "sha256": hashlib.sha256(b"letter").hexdigest(), "size": 6}
    with_document = step(heard_id, "documents", document, who="editor")
    assert [d["party"] for d in with_document["documents"]] == ["provider"]
    closing = {"result": "settled", "text": "A person reviews the application."}
    settled = step(heard_id, "adr-close", closing, who="outsider")
    assert (settled["status"], settled["outcome"]) == ("settled", "settled")
    assert done == MOVES


def test_refused_moves_are_problems_storing_nothing(api: World) -> None:
    filed = file(api)
    complaint_id, secret = filed["complaint"]["id"], filed["follow_secret"]
    document = {"name": "letter.pdf", "sha256": "AB" * 32, "size": 6}
    ok(move(api, complaint_id, "documents", document, secret=secret))
    before = snapshot(api.engine)
    # The same document (its hash in any case) is given once.
    given = move(api, complaint_id, "documents", document | {"name": "again.pdf"}, who="editor")
    assert_problem(given, 422, "sha256")
    in_a_folder = document | {"name": "scans/letter.pdf", "sha256": "cd" * 32}
    assert_problem(move(api, complaint_id, "documents", in_a_folder, secret=secret), 422, "name")
    bad_hash = document | {"sha256": "ab" * 31}
    assert_problem(move(api, complaint_id, "documents", bad_hash, secret=secret), 422, "sha256")
    upheld = {"decision": "upheld", "reason": "Yes"}
    assert_problem(move(api, complaint_id, "answer", upheld, who="editor"), 422, "remedy_offered")
    assert_problem(move(api, complaint_id, "acknowledge", secret=secret), 403)
    assert_problem(move(api, complaint_id, "pause", {"reason": "  "}, who="editor"), 422, "reason")
    assert_problem(move(api, complaint_id, "acknowledge", who="viewer"), 403)
    assert_problem(move(api, complaint_id, "acknowledge", who="outsider"), 404)
    reply = {"decision": "not_upheld", "reason": "No"}
    assert_problem(move(api, complaint_id, "answer", reply, who="editor"), 422, "status")
    assert_problem(move(api, complaint_id, "escalate", secret=secret), 422, "status")
    assert_problem(
        move(api, complaint_id, "extend", {"until": "2000-01-01"}, who="editor"), 422, "reason"
    )
    assert_problem(
        move(api, complaint_id, "extend", {"until": "2000-01-01", "reason": "x"}, who="editor"),
        422,
        "until",
    )
    assert_problem(move(api, complaint_id, "statements", {"text": "x"}, secret="agr_wrong"), 404)
    assert_problem(move(api, 10**6, "withdraw", secret=secret), 404)
    assert_unchanged(before, api.engine)


# ---------------------------------------------------------------- bad input, on a shared world


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"what_happened": None}, "what_happened"),
        ({"what_happened": ""}, "what_happened"),
        ({"what_happened": " \n "}, "what_happened"),
        ({"what_happened": "nul\u0000"}, "what_happened"),
        ({"what_happened": "x" * 20_001}, "what_happened"),
        ({"remedy_sought": None}, "remedy_sought"),
        ({"contact": ""}, "contact"),
        ({"contact": "not an address"}, "contact"),
        ({"contact_preference": "phone", "contact": ""}, "contact"),
        ({"subject_type": "goal"}, "subject_id"),
        ({"subject_id": "@public_goal"}, "subject_id"),
        ({"subject_type": "goal", "subject_id": "@goal"}, "subject_id"),
        ({"subject_type": "risk", "subject_id": "@public_goal"}, "subject_id"),
        ({"subject_type": "person", "subject_id": "@public_goal"}, "subject_type"),
        ({"scope_id": "@scope"}, "scope_id"),
        ({"scope_id": "@foreign_scope"}, "scope_id"),
        ({"scope_id": 10**6}, "scope_id"),
        ({"scope_id": "seven"}, "scope_id"),
        ({"happened_on": "2099-01-01"}, "happened_on"),
        ({"happened_on": "yesterday"}, "happened_on"),
        ({"category": "everything"}, "category"),
        ({"escalate_when_late": "maybe"}, "escalate_when_late"),
        ({"complainant_name": "x" * 201}, "complainant_name"),
        ({"follow_secret": "mine"}, "follow_secret"),
    ],
)
def test_bad_complaints_are_refused_naming_the_field(
    shared: World, fields: dict[str, Any], field: str
) -> None:
    scopes = shared.scopes
    names = {
        "public_goal": scopes["public"]["ids"]["goal"],
        "goal": scopes["private"]["ids"]["goal"],
        "scope": scopes["private"]["id"],
        "foreign_scope": scopes["foreign"]["id"],
    }
    resolved = {
        key: names[value[1:]] if isinstance(value, str) and value.startswith("@") else value
        for key, value in fields.items()
    }
    body = {
        key: value
        for key, value in (complaint_body(scopes["public"]["id"]) | resolved).items()
        if value is not None
    }
    before = snapshot(shared.engine)
    for who in (None, "viewer"):
        response = shared.client.post(f"{API}/complaints", json=body, headers=shared.auth(who))
        assert_problem(response, 422, field)
    assert_unchanged(before, shared.engine)


def test_a_list_of_complaints_is_not_a_complaint(shared: World) -> None:
    before = snapshot(shared.engine)
    response = shared.client.post(f"{API}/complaints", json=[complaint_body(1)])
    assert_problem(response, 422)
    assert_unchanged(before, shared.engine)


def test_statistics_are_public_for_a_published_scope(shared: World) -> None:
    path = f"{API}/organizations/{shared.business_id}/complaint-statistics"
    period = {"start": "2026-01-01", "end": "2099-12-31"}
    before = snapshot(shared.engine)
    figures = ok(
        shared.client.get(path, params=period | {"scope_id": shared.scopes["public"]["id"]})
    )
    assert (figures["cases"], figures["minimum"]) == (0, 5)
    assert_problem(
        shared.client.get(path, params=period | {"scope_id": shared.scopes["private"]["id"]}), 404
    )
    assert_problem(shared.client.get(path, params=period | {"minimum": 2}), 422, "minimum")
    assert_problem(
        shared.client.get(path, params={"start": "2026-02-01", "end": "2026-01-01"}), 422, "end"
    )
    assert_unchanged(before, shared.engine)


def test_statistics_count_the_published_complaints(api: World) -> None:
    for category in ["decision"] * 5 + ["privacy"]:
        file(api, category=category)
    path = f"{API}/organizations/{api.business_id}/complaint-statistics"
    figures = ok(api.client.get(path, params={"start": "2026-01-01", "end": "2099-12-31"}))
    assert (figures["cases"], figures["open_cases"], figures["by_stage"]["provider"]) == (6, 6, 6)
    # One privacy complaint: hidden, and the decisions with it, which would tell it.
    assert figures["by_category"]["privacy"] is None and figures["suppressed"] is True


# ---------------------------------------------------------------- evidence for a court


def _run(url: str, *args: Any) -> Result:
    """``agilegov`` on the database at ``url``, as an operator runs it."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            cli, [str(arg) for arg in args], env={"AGILEGOV_DATABASE_URL": url}
        )
    finally:
        get_settings.cache_clear()


def test_the_bundle_verifies_with_the_command_line(
    api: World, database_url: str, tmp_path: Path
) -> None:
    filed = file(api)
    complaint_id, secret = filed["complaint"]["id"], filed["follow_secret"]
    ok(move(api, complaint_id, "acknowledge", {"note": "Received"}, who="editor"))
    path = f"{API}/complaints/{complaint_id}/bundle"
    assert_problem(api.client.get(path, headers=api.auth("outsider")), 404)
    bundle = ok(api.client.get(path, headers={SECRET_HEADER: secret}))
    assert len(bundle["entries"]) == 2
    assert "hanako" not in json.dumps(bundle).lower()
    file_path = tmp_path / "bundle.json"
    file_path.write_text(json.dumps(bundle))
    key = api.client.get(f"{API}/record/key").text.strip()
    checked = _run(database_url, "record", "verify", "--bundle", file_path, "--key", key)
    assert checked.exit_code == 0, checked.output
    assert "bundle ok: 2 entries" in " ".join(checked.output.split())

    # The operator's command writes the same bundle.
    written = tmp_path / "written.json"
    made = _run(database_url, "remedy", "bundle", complaint_id, "--out", written)
    assert made.exit_code == 0, made.output
    assert _run(database_url, "record", "verify", "--bundle", written, "--key", key).exit_code == 0

    entry = bundle["entries"][-1]
    entry["event"]["payload"]["note"] = "Received late"
    file_path.write_text(json.dumps(bundle))
    refused = _run(database_url, "record", "verify", "--bundle", file_path, "--key", key)
    assert refused.exit_code == 1
    assert f"entry {entry['index']}: the event's fields do not give the leaf" in " ".join(
        refused.output.split()
    )


def test_the_commands_act_on_deadlines_and_print_figures(api: World, database_url: str) -> None:
    filed = file(api)["complaint"]
    # Half a year on, never acknowledged: its acknowledgement and its answer are late.
    later = (date.fromisoformat(filed["filed_on"]) + timedelta(days=120)).isoformat()
    acted = _run(database_url, "remedy", "deadlines", "--today", later)
    assert acted.exit_code == 0, acted.output
    assert "2 move(s) on missed deadlines" in acted.output
    assert "0 move(s)" in _run(database_url, "remedy", "deadlines", "--today", later).output
    assert _run(database_url, "remedy", "deadlines", "--today", "soon").exit_code != 0
    figures = _run(
        database_url,
        "remedy",
        "statistics",
        "--organization",
        api.business_id,
        "--from",
        filed["filed_on"],
        "--to",
        filed["filed_on"],
    )
    assert figures.exit_code == 0, figures.output
    # One complaint: every figure hidden.
    printed = json.loads(figures.output)
    assert (printed["cases"], printed["suppressed"]) == (None, True)


def test_a_providers_desk_is_public_and_set_by_its_owners(api: World) -> None:
    path = f"{API}/organizations/{api.business_id}/complaint-desk"
    assert ok(api.client.get(path))["acknowledge_business_days"] == 3
    before = snapshot(api.engine)
    for who in ("editor", "outsider"):
        assert_problem(api.client.put(path, json={}, headers=api.auth(who)), 403)
    too_long = {"answer_business_days": 251}
    assert_problem(
        api.client.put(path, json=too_long, headers=api.auth("owner")), 422, "answer_business_days"
    )
    assert_problem(api.client.get(f"{API}/organizations/{10**6}/complaint-desk"), 404)
    assert_unchanged(before, api.engine)
    set_ = ok(
        api.client.put(path, json={"acknowledge_business_days": 5}, headers=api.auth("owner"))
    )
    assert set_["acknowledge_business_days"] == 5
    assert ok(api.client.get(path))["acknowledge_business_days"] == 5


def test_adr_bodies_routes_and_cluster_rules(api: World) -> None:
    scope_id, adr_id = api.scopes["public"]["id"], api.scopes["public"]["adr_id"]
    listed = ok(api.client.get(f"{API}/adr-providers"))
    assert [body["id"] for body in listed["items"]] == [adr_id]
    assert ok(api.client.get(f"{API}/adr-providers/{adr_id}"))["refusal_grounds"] == [
        "provider_not_contacted",
        "before_court",
        "before_other_adr",
        "out_of_scope",
    ]
    assert_problem(api.client.get(f"{API}/adr-providers/{adr_id + 1}"), 404)
    technology = ok(
        api.client.post(
            f"{API}/scopes/{scope_id}/measures",
            json={"kind": "technology", "title": "Bias audit"},
            headers=api.auth("editor"),
        ),
        201,
    )
    route = f"{API}/scopes/{scope_id}/adr-route"
    rule = f"{API}/scopes/{scope_id}/complaint-clusters/rule"
    before = snapshot(api.engine)
    # A business is no ADR body; one organization registers once.
    register = {"handles": "x", "fees": "x", "independence": "x"}
    for who, organization_id, status in (
        ("owner", api.business_id, 422),
        ("outsider", api.regulator_id, 409),
    ):
        body = register | {"organization_id": organization_id}
        response = api.client.post(f"{API}/adr-providers", json=body, headers=api.auth(who))
        assert_problem(response, status)
    for body, field in (
        ({"measure_id": technology["id"], "adr_provider_id": adr_id}, "measure_id"),
        ({"measure_id": 10**6, "adr_provider_id": adr_id}, "measure_id"),
    ):
        assert_problem(api.client.put(route, json=body, headers=api.auth("editor")), 422, field)
    terms = ok(api.client.get(f"{API}/scopes/{scope_id}/measures", headers=api.auth("viewer")))
    named = {
        "measure_id": next(m["id"] for m in terms["items"] if m["kind"] == "rule"),
        "adr_provider_id": adr_id + 1,
    }
    response = api.client.put(route, json=named, headers=api.auth("editor"))
    assert_problem(response, 422, "adr_provider_id")
    assert_problem(api.client.put(route, json=named, headers=api.auth("viewer")), 403)
    for threshold in (1, 1001, "many"):
        response = api.client.put(rule, json={"threshold": threshold}, headers=api.auth("editor"))
        assert_problem(response, 422, "threshold")
    assert_problem(api.client.get(f"{API}/scopes/{scope_id}/complaint-clusters"), 404)
    clusters = api.client.get(
        f"{API}/scopes/{scope_id}/complaint-clusters", headers=api.auth("outsider")
    )
    assert_problem(clusters, 404)
    assert_unchanged(before, api.engine)
    set_rule = ok(api.client.put(rule, json={"threshold": 2}, headers=api.auth("editor")))
    assert (set_rule["threshold"], set_rule["window_days"]) == (2, 30)
    file(api)
    file(api)
    [cluster] = ok(
        api.client.get(f"{API}/scopes/{scope_id}/complaint-clusters", headers=api.auth("viewer"))
    )
    assert (cluster["key"], len(cluster["complaint_ids"])) == ("scope", 2)


def test_concurrent_filings_open_one_cluster_and_concurrent_moves_take_turns(
    api: World, database_url: str
) -> None:
    """Four complaints about one goal filed at once, past the threshold, open one
    cluster holding them all; four editors acknowledging one complaint at once
    make one move and three 422s, never a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from api_helpers import make_client

    scope_id = api.scopes["public"]["id"]
    goal = ok(
        api.client.post(
            f"{API}/scopes/{scope_id}/goals",
            json={"title": "Every rejection explained", "level": "core_value"},
            headers=api.auth("editor"),
        ),
        201,
    )
    client = make_client(database_url)
    body = complaint_body(scope_id, subject_type="goal", subject_id=goal["id"])

    def filing(_: int) -> int:
        return client.post(f"{API}/complaints", json=body).status_code

    def acknowledging(complaint_id: int) -> int:
        return client.post(
            f"{API}/complaints/{complaint_id}/acknowledge", json={}, headers=api.auth("editor")
        ).status_code

    with client, ThreadPoolExecutor(4) as pool:
        assert list(pool.map(filing, range(4))) == [201] * 4
        [cluster] = ok(
            api.client.get(
                f"{API}/scopes/{scope_id}/complaint-clusters", headers=api.auth("viewer")
            )
        )
        assert len(cluster["complaint_ids"]) == 4
        triggers = ok(
            api.client.get(f"{API}/scopes/{scope_id}/cycle/triggers", headers=api.auth("viewer"))
        )["items"]
        assert [t["kind"] for t in triggers] == ["complaint_cluster"]
        first = cluster["complaint_ids"][0]
        assert sorted(pool.map(acknowledging, [first] * 4)) == [200, 422, 422, 422]
    [acknowledged] = [
        step
        for step in ok(api.client.get(f"{API}/complaints/{first}", headers=api.auth("editor")))[
            "steps"
        ]
        if step["action"] == "acknowledge"
    ]
    assert acknowledged["party"] == "provider"
