"""Assessments and attestations: signed credentials anyone can check offline,
issued and revoked in public on the record."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from agilegov.assurance.schemas import AttestationIssue, AttestationRevoke
from agilegov.assurance.service import (
    attestation_status,
    create_assessment,
    issue_attestation,
    revoke_attestation,
)
from agilegov.cli import app
from agilegov.errors import Conflict, Forbidden, InvalidInput
from agilegov.organizations.schemas import MemberAdd
from agilegov.organizations.service import add_member
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import CredentialError, verify_attestation
from agilegov.record.models import Event
from agilegov.settings import get_settings
from api_helpers import bearer, make_client
from builders import (
    accepted_engagement,
    assessment_input,
    completed_assessment,
    event_count,
    new_scope,
    row_counts,
    scope_goal,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def _assessment(world, actor, organization_id, scope_id, **engagement):
    """An expert declaration of one goal of the scope, completed, on an engagement
    the owner accepted (``engagement_id``, else one asked and accepted here)."""
    return completed_assessment(
        world.uow, actor, world.owner, organization_id, scope_id, **engagement
    )


def _issue(world, actor, assessment_id, key_dir):
    return issue_attestation(
        world.uow,
        actor,
        assessment_id,
        AttestationIssue(valid_until=NOW + timedelta(days=365)),
        key_dir,
    )


def test_an_attestation_verifies_offline_and_its_issuing_is_public(world, assessor):
    actor, organization_id, scope_id, key_dir = assessor
    assessment = _assessment(world, actor, organization_id, scope_id)
    attestation = _issue(world, actor, assessment.id, key_dir)
    credential = attestation.credential
    verify_attestation(credential, at=NOW + timedelta(days=1))
    assert credential["issuer"]["id"] == attestation.issuer_did.split("#")[0]
    assert credential["credentialSubject"]["id"] == "urn:agilegov:organization:hireright"
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    with world.uow:
        salt, payload = world.uow.session.execute(
            select(Event.payload_salt, Event.payload).where(Event.type == "attestation.issued")
        ).one()
    assert salt is None, "issuing is public"
    assert payload["credential_sha256"] == hashlib.sha256(canonical_json(credential)).hexdigest()
    with pytest.raises(CredentialError):
        verify_attestation(credential, at=NOW + timedelta(days=400))


def test_a_changed_credential_fails_verification(world, assessor):
    actor, organization_id, scope_id, key_dir = assessor
    credential = _issue(
        world, actor, _assessment(world, actor, organization_id, scope_id).id, key_dir
    ).credential
    forged = json.loads(json.dumps(credential))
    forged["credentialSubject"]["result"] = "Exceeds every criterion"
    with pytest.raises(CredentialError):
        verify_attestation(forged, at=NOW)


def test_revoking_is_recorded_once(world, assessor):
    actor, organization_id, scope_id, key_dir = assessor
    attestation = _issue(
        world, actor, _assessment(world, actor, organization_id, scope_id).id, key_dir
    )
    status = revoke_attestation(
        world.uow, actor, attestation.id, AttestationRevoke(reason="Monitoring was switched off")
    )
    assert status.revoked and status.revocation_reason == "Monitoring was switched off"
    assert attestation_status(world.uow, attestation.id).revoked
    with pytest.raises(Conflict):
        revoke_attestation(world.uow, actor, attestation.id, AttestationRevoke(reason="again"))


def test_refusals_store_nothing(world, assessor):
    actor, organization_id, scope_id, key_dir = assessor
    private_scope = new_scope(world.uow, world.owner, world.business_id, "Internal")
    engagement = accepted_engagement(world.uow, actor, world.owner, organization_id, scope_id)
    goal_id = scope_goal(world.uow, world.owner, scope_id)
    before, events = row_counts(world.uow), event_count(world.uow)
    cases = [
        (world.viewer, organization_id, scope_id, Forbidden),  # not the assessor's member
        # The scope's own organization, by a method that is not its own.
        (world.owner, world.business_id, scope_id, InvalidInput),
        (actor, organization_id, private_scope, InvalidInput),  # cannot see the scope
    ]
    for who, assessor_id, target, error in cases:
        data = assessment_input(
            assessor_id, target, [{"goal_id": goal_id}], engagement_id=engagement
        )
        with pytest.raises(error):
            create_assessment(world.uow, who, data)
    assert row_counts(world.uow) == before and event_count(world.uow) == events
    assessment = _assessment(world, actor, organization_id, scope_id, engagement_id=engagement)
    after = row_counts(world.uow)
    assert after["assessments"] == before["assessments"] + 1
    before, events = after, event_count(world.uow)
    with pytest.raises(InvalidInput) as refused:
        issue_attestation(
            world.uow,
            actor,
            assessment.id,
            AttestationIssue(valid_until=NOW - timedelta(days=1)),
            key_dir,
        )
    assert refused.value.problems[0].field == "valid_until"
    after = row_counts(world.uow)
    assert after == before
    assert after["attestations"] == 0
    assert event_count(world.uow) == events


def test_an_invited_assessor_assesses_a_private_scope(world, assessor):
    actor, organization_id, _, key_dir = assessor
    private_scope = new_scope(world.uow, world.owner, world.business_id, "Internal")
    owner = world.refresh("owner")
    add_member(
        world.uow, owner, world.business_id, MemberAdd(email="outsider@example.com", role="viewer")
    )
    actor = world.refresh("outsider")
    assessment = _assessment(world, actor, organization_id, private_scope)
    _issue(world, actor, assessment.id, key_dir)
    with world.uow:
        kinds = dict(
            world.uow.session.execute(
                select(Event.type, Event.payload_salt).where(Event.scope_id == private_scope)
            ).all()
        )
    assert kinds["assessment.created"] is not None, "the assessment of a private scope is private"
    assert kinds["attestation.issued"] is None, "the issuing is public"


def test_the_api_and_the_cli_carry_a_credential_end_to_end(
    world, assessor, database_url, tmp_path, monkeypatch
):
    _, organization_id, scope_id, _ = assessor
    client = make_client(database_url)
    auth = bearer(world.tokens["outsider"])
    asked = client.post(
        "/api/v1/engagements",
        headers=auth,
        json={"assessor_organization_id": organization_id, "scope_id": scope_id, "scheme": "Audit"},
    )
    assert asked.status_code == 201, asked.text
    engagement = asked.json()["id"]
    accepted = client.post(
        f"/api/v1/engagements/{engagement}/accept",
        headers=bearer(world.tokens["owner"]),
        json={"note": "Welcome"},
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    goal_id = scope_goal(world.uow, world.owner, scope_id)
    created = client.post(
        "/api/v1/assessments",
        headers=auth,
        json={
            "engagement_id": engagement,
            "assessor_organization_id": organization_id,
            "scope_id": scope_id,
            "method": "peer_review",
            "coverage": "Monitoring",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "independence": "No other work for HireRight",
            "criteria": [{"goal_id": goal_id}],
        },
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    found = client.put(
        f"/api/v1/assessments/{assessment['id']}/criteria/{assessment['criteria'][0]['id']}",
        headers=auth,
        json={"finding": "conforms"},
    )
    assert found.status_code == 200, found.text
    done = client.post(
        f"/api/v1/assessments/{assessment['id']}/complete", headers=auth, json={"result": "Pass"}
    )
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text
    issued = client.post(
        f"/api/v1/assessments/{created.json()['id']}/attestations",
        headers=auth,
        json={"valid_until": (NOW + timedelta(days=30)).isoformat()},
    )
    assert issued.status_code == 201, issued.text
    attestation = issued.json()
    did = client.get(f"/api/v1/organizations/{organization_id}/did").json()["did"]
    assert attestation["credential"]["issuer"]["id"] == did
    status = client.get(f"/api/v1/attestations/{attestation['id']}/status")
    assert status.status_code == 200 and status.json()["revoked"] is False
    bad = client.post(
        f"/api/v1/assessments/{created.json()['id']}/attestations",
        headers=auth,
        json={"valid_until": "tomorrow"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "valid_until"

    good, forged = tmp_path / "credential.json", tmp_path / "forged.json"
    good.write_text(json.dumps(attestation["credential"]))
    changed = json.loads(good.read_text())
    changed["validUntil"] = (NOW + timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
    forged.write_text(json.dumps(changed))
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        ok = runner.invoke(app, ["credential", "verify", str(good)])
        assert ok.exit_code == 5, ok.output
        assert "valid, status not checked: issued by " + did in " ".join(ok.output.split())
        refused = runner.invoke(app, ["credential", "verify", str(forged)])
        assert refused.exit_code == 1 and "invalid credential" in refused.output
        missing = runner.invoke(app, ["credential", "verify", str(tmp_path / "none.json")])
        assert missing.exit_code == 1
    finally:
        get_settings.cache_clear()
