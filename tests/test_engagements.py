"""Engagements and suspension: an assessment follows only an engagement the
scope's owner accepted, one assessment each; an attestation may be suspended
and reinstated until it is revoked, and whoever checks the credential, online
or offline, is told so."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from agilegov.assurance import cli as credential_cli
from agilegov.assurance.schemas import (
    AttestationIssue,
    AttestationRevoke,
    AttestationSuspend,
    EngagementAccept,
    EngagementCreate,
    EngagementRefuse,
)
from agilegov.assurance.service import (
    accept_engagement,
    attestation_status,
    create_assessment,
    get_engagement,
    issue_attestation,
    published_status_list,
    refuse_engagement,
    reinstate_attestation,
    request_engagement,
    revoke_attestation,
    suspend_attestation,
    withdraw_engagement,
)
from agilegov.auth import Principal
from agilegov.cli import app
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.notify.models import Notification
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.record.credentials import sign, verification_method
from agilegov.record.models import Event
from agilegov.record.status_lists import StatusPurpose
from agilegov.signing_keys import assessor_key
from agilegov.trust.service import trust_anchor
from api_helpers import bearer, make_client, world_from_fixture
from builders import (
    accepted_engagement,
    accredited_scheme,
    assessment_input,
    complete,
    event_count,
    new_scope,
    row_counts,
    scope_goal,
)
from web_helpers import csrf_of, sign_in

NOW = datetime.now(UTC).replace(microsecond=0)


def _request(world, actor, organization_id, scope_id):
    return request_engagement(
        world.uow,
        actor,
        EngagementCreate(
            assessor_organization_id=organization_id,
            scope_id=scope_id,
            scheme="ISO/IEC 42001 audit",
            message="We would audit the monitoring.",
        ),
    )


def _assess(world, actor, organization_id, scope_id, engagement_id, scheme_id=None):
    """Open an assessment of one goal of the scope: a certification under the
    scheme when one is named, else an expert declaration."""
    goal_id = scope_goal(world.uow, world.owner, scope_id)
    method = "expert_declaration" if scheme_id is None else "third_party_certification"
    data = assessment_input(
        organization_id,
        scope_id,
        [{"goal_id": goal_id}],
        method=method,
        engagement_id=engagement_id,
        scheme_id=scheme_id,
    )
    return create_assessment(world.uow, actor, data)


def _stored(world):
    return row_counts(world.uow), event_count(world.uow)


def test_only_an_accepted_engagement_of_the_assessor_for_the_scope_allows_an_assessment(
    world, assessor
):
    actor, organization_id, scope_id, _ = assessor
    owner = world.owner
    other_scope = new_scope(world.uow, owner, world.business_id, "Loans", "public")
    rival = create_organization(
        world.uow,
        world.viewer,
        OrganizationCreate(slug="rival", name="Rival Audit", kind="assessor"),
    )
    rival_actor = world.refresh("viewer")
    requested = _request(world, actor, organization_id, scope_id).id
    refused = _request(world, actor, organization_id, other_scope).id
    refuse_engagement(world.uow, owner, refused, EngagementRefuse(note="Not this year"))
    withdrawn = _request(world, rival_actor, rival.id, scope_id).id
    withdraw_engagement(world.uow, rival_actor, withdrawn)
    rivals = accepted_engagement(world.uow, rival_actor, owner, rival.id, scope_id)
    other_scopes = accepted_engagement(world.uow, actor, owner, organization_id, other_scope)
    for each in (scope_id, other_scope):
        scope_goal(world.uow, owner, each)  # the criterion named
    before = _stored(world)
    for engagement, says in (
        (requested, "awaits the scope owner's answer"),
        (refused, "no engagement"),  # of another scope, and refused
        (withdrawn, "no engagement"),  # another assessor's
        (rivals, "no engagement"),
        (other_scopes, "no engagement"),
        (999_999, "no engagement"),
    ):
        with pytest.raises(InvalidInput) as problem:
            _assess(world, actor, organization_id, scope_id, engagement)
        assert problem.value.problems[0].field == "engagement_id"
        assert says in str(problem.value.problems[0].message)
        assert _stored(world) == before
    # Refused and withdrawn, for the right assessor and scope, say why.
    with pytest.raises(InvalidInput, match="was refused"):
        _assess(world, actor, organization_id, other_scope, refused)
    with pytest.raises(InvalidInput, match="was withdrawn"):
        _assess(world, rival_actor, rival.id, scope_id, withdrawn)
    assert _stored(world) == before

    # Accepted, it allows one assessment, linked to it; not a second.
    accept_engagement(world.uow, owner, requested, EngagementAccept(note="Welcome"))
    assessment = _assess(world, actor, organization_id, scope_id, requested)
    assert assessment.engagement_id == requested
    before = _stored(world)
    with pytest.raises(InvalidInput, match="answered already by assessment"):
        _assess(world, actor, organization_id, scope_id, requested)
    assert _stored(world) == before


def test_only_the_scopes_owner_answers_and_only_once(world, assessor):
    actor, organization_id, scope_id, _ = assessor
    engagement = _request(world, actor, organization_id, scope_id)
    assert engagement.status == "requested" and engagement.requested_by == actor.user_id
    before = _stored(world)
    for who, error in (
        (actor, Forbidden),  # the assessor does not consent for the scope
        (world.viewer, Forbidden),  # a viewer of the business may not answer
        (Principal(user_id=None), NotFound),  # nor may anyone outside see it
    ):
        with pytest.raises(error):
            accept_engagement(world.uow, who, engagement.id, EngagementAccept())
        with pytest.raises(error):
            refuse_engagement(world.uow, who, engagement.id, EngagementRefuse(note="no"))
    # Refusing needs a reason; the business's members cannot withdraw the request.
    with pytest.raises(ValueError):
        EngagementRefuse(note="")
    with pytest.raises(Forbidden):
        withdraw_engagement(world.uow, world.owner, engagement.id)
    assert _stored(world) == before

    accepted = accept_engagement(
        world.uow, world.refresh("editor"), engagement.id, EngagementAccept(note="Go ahead")
    )
    assert accepted.status == "accepted" and accepted.decision_note == "Go ahead"
    before = _stored(world)
    owner, note = world.owner, EngagementRefuse(note="x")
    for answer in (
        lambda: accept_engagement(world.uow, owner, engagement.id, EngagementAccept()),
        lambda: refuse_engagement(world.uow, owner, engagement.id, note),
        lambda: withdraw_engagement(world.uow, actor, engagement.id),
    ):
        with pytest.raises(Conflict):
            answer()
    assert _stored(world) == before
    with pytest.raises(NotFound):
        get_engagement(world.uow, Principal(user_id=None), engagement.id)


def test_each_answer_is_on_the_record_and_told(world, assessor):
    actor, organization_id, scope_id, _ = assessor
    asked = _request(world, actor, organization_id, scope_id)
    refuse_engagement(world.uow, world.owner, asked.id, EngagementRefuse(note="Too early"))
    again = _request(world, actor, organization_id, scope_id)
    with pytest.raises(Conflict):  # one pending request at a time
        _request(world, actor, organization_id, scope_id)
    withdraw_engagement(world.uow, actor, again.id)
    third = _request(world, actor, organization_id, scope_id)
    accept_engagement(world.uow, world.owner, third.id, EngagementAccept())
    with world.uow:
        session = world.uow.session
        kinds = session.scalars(
            select(Event.type).where(Event.type.like("engagement.%")).order_by(Event.id)
        ).all()
        told = session.execute(
            select(Notification.organization_id, Notification.kind).order_by(Notification.id)
        ).all()
    assert kinds == [
        "engagement.requested",
        "engagement.refused",
        "engagement.requested",
        "engagement.withdrawn",
        "engagement.requested",
        "engagement.accepted",
    ]
    business, assessor_org = world.business_id, organization_id
    assert {(business, "engagement.requested"), (business, "engagement.withdrawn")} <= set(told)
    assert {(assessor_org, "engagement.refused"), (assessor_org, "engagement.accepted")} <= set(
        told
    )


def test_the_api_requests_answers_and_lists_engagements(world, assessor, database_url):
    _, organization_id, scope_id, _ = assessor
    client = make_client(database_url)
    outsider, owner = bearer(world.tokens["outsider"]), bearer(world.tokens["owner"])
    body = {"assessor_organization_id": organization_id, "scope_id": scope_id, "scheme": "Audit"}
    asked = client.post("/api/v1/engagements", headers=outsider, json=body)
    assert asked.status_code == 201, asked.text
    engagement = asked.json()["id"]
    path = f"/api/v1/engagements/{engagement}"
    assert client.get(path, headers=owner).json()["status"] == "requested"
    assert client.get(path).status_code in (401, 404)
    listed = client.get("/api/v1/engagements", headers=owner, params={"status": "requested"})
    assert [item["id"] for item in listed.json()["items"]] == [engagement]
    assert client.get("/api/v1/engagements", params={"status": "maybe"}).status_code == 422
    refused = client.post(f"{path}/accept", headers=outsider, json={})
    assert refused.status_code == 403
    no_reason = client.post(f"{path}/refuse", headers=owner, json={"note": ""})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "note"
    withdrawn = client.post(f"{path}/withdraw", headers=outsider)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.post(f"{path}/accept", headers=owner, json={}).status_code == 409
    too_long = {**body, "scheme": "x" * 201}
    assert client.post("/api/v1/engagements", headers=outsider, json=too_long).status_code == 422


def test_the_owner_answers_from_the_engagements_page(world, assessor, database_url, engine):
    actor, organization_id, scope_id, _ = assessor
    engagement = _request(world, actor, organization_id, scope_id).id
    pages = world_from_fixture(database_url, engine, world)
    owner = sign_in(pages, "owner")
    page = owner.get(f"/engagements/{engagement}")
    assert page.status_code == 200
    assert f'action="/engagements/{engagement}/accept"' in page.text
    assert f'action="/engagements/{engagement}/refuse"' in page.text
    assert "/withdraw" not in page.text
    outsider = sign_in(pages, "outsider")
    theirs = outsider.get(f"/engagements/{engagement}")
    assert "/accept" not in theirs.text and f"/engagements/{engagement}/withdraw" in theirs.text
    overview = owner.get(f"/scopes/{scope_id}")
    assert f'href="/engagements/{engagement}"' in overview.text
    before = row_counts(world.uow)
    forbidden = outsider.post(
        f"/engagements/{engagement}/accept",
        data={"csrf_token": csrf_of(theirs)},
        follow_redirects=False,
    )
    assert forbidden.status_code == 403
    assert row_counts(world.uow) == before
    done = owner.post(
        f"/engagements/{engagement}/accept",
        data={"csrf_token": csrf_of(page), "note": "Welcome"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Record the assessment" in outsider.get(f"/engagements/{engagement}").text
    form = outsider.get(f"/assessments/new?engagement_id={engagement}").text
    assert f'<option value="{engagement}" selected' in form


# ---------------------------------------------------------------- suspension


def _attestation(world, assessor, scheme_id=None):
    actor, organization_id, scope_id, key_dir = assessor
    engagement = accepted_engagement(world.uow, actor, world.owner, organization_id, scope_id)
    assessment = _assess(world, actor, organization_id, scope_id, engagement, scheme_id)
    complete(world.uow, actor, assessment)
    return issue_attestation(
        world.uow,
        actor,
        assessment.id,
        AttestationIssue(valid_until=NOW + timedelta(days=365)),
        key_dir,
    )


def _lists(world, assessor):
    return [
        published_status_list(world.uow, assessor[1], purpose, assessor[3])
        for purpose in StatusPurpose
    ]


def _verify(tmp_path, credential, lists=(), *options):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential))
    arguments = ["credential", "verify", str(path), *options]
    for number, listed in enumerate(lists):
        (tmp_path / f"list-{number}.json").write_text(json.dumps(listed))
        arguments += ["--status-list", str(tmp_path / f"list-{number}.json")]
    return CliRunner().invoke(app, arguments)


def test_a_suspended_credential_fails_offline_until_reinstated(world, assessor, tmp_path):
    actor = assessor[0]
    attestation = _attestation(world, assessor)
    credential = attestation.credential
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    status = suspend_attestation(
        world.uow, actor, attestation.id, AttestationSuspend(reason="Under review")
    )
    assert status.suspended and status.suspension_reason == "Under review"
    assert not status.revoked
    result = _verify(tmp_path, credential, _lists(world, assessor))
    assert result.exit_code == 3, result.output
    assert "revoked or suspended: suspended" in " ".join(result.output.split())
    assert "suspension list" in " ".join(result.output.split())
    before = _stored(world)
    with pytest.raises(Conflict):
        suspend_attestation(world.uow, actor, attestation.id, AttestationSuspend(reason="again"))
    with pytest.raises(Forbidden):
        reinstate_attestation(world.uow, world.owner, attestation.id)
    assert _stored(world) == before

    reinstated = reinstate_attestation(world.uow, actor, attestation.id)
    assert not reinstated.suspended and reinstated.suspended_at is None
    ok = _verify(tmp_path, credential, _lists(world, assessor))
    # Its status is clear; its issuer was not checked (no trust list given).
    assert ok.exit_code == 5 and "valid, issuer not checked" in ok.output, ok.output
    # Any number of times.
    suspend_attestation(world.uow, actor, attestation.id, AttestationSuspend(reason="Again"))
    assert attestation_status(world.uow, attestation.id).suspended
    with world.uow:
        events = world.uow.session.execute(
            select(Event.type, Event.payload_salt)
            .where(Event.type.like("attestation.%"))
            .order_by(Event.id)
        ).all()
    assert [kind for kind, _ in events] == [
        "attestation.issued",
        "attestation.suspended",
        "attestation.reinstated",
        "attestation.suspended",
    ]
    assert all(salt is None for _, salt in events), "the status changes are public"


def test_a_revoked_attestation_is_neither_suspended_nor_reinstated(world, assessor):
    actor = assessor[0]
    attestation = _attestation(world, assessor)
    suspend_attestation(world.uow, actor, attestation.id, AttestationSuspend(reason="Review"))
    revoke_attestation(world.uow, actor, attestation.id, AttestationRevoke(reason="Failed"))
    before = _stored(world)
    with pytest.raises(Conflict, match="revoked already"):
        reinstate_attestation(world.uow, actor, attestation.id)
    with pytest.raises(Conflict, match="revoked already"):
        suspend_attestation(world.uow, actor, attestation.id, AttestationSuspend(reason="x"))
    assert _stored(world) == before
    assert attestation_status(world.uow, attestation.id).revoked


def test_suspension_online_through_the_api_and_an_older_credential(
    world, assessor, database_url, tmp_path, monkeypatch
):
    _, organization_id, _, key_dir = assessor
    scheme = accredited_scheme(world.uow, world.viewer, organization_id, key_dir)
    attestation = _attestation(world, assessor, scheme)
    pinned = ("--trust-anchor", trust_anchor(key_dir))
    client = make_client(database_url, assessor_key_dir=key_dir)
    auth = bearer(world.tokens["outsider"])
    monkeypatch.setattr(
        credential_cli, "http_client", lambda: make_client(database_url, assessor_key_dir=key_dir)
    )
    path = f"/api/v1/attestations/{attestation.id}"
    bad = client.post(f"{path}/suspend", headers=auth, json={"reason": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    suspended = client.post(f"{path}/suspend", headers=auth, json={"reason": "Under review"})
    assert suspended.status_code == 200 and suspended.json()["suspended"] is True
    assert client.get(f"{path}/status").json()["suspended_at"] is not None
    listed = client.get(f"/api/v1/status-lists/{organization_id}/suspension")
    assert listed.status_code == 200 and listed.headers["cache-control"].startswith("public")
    result = _verify(tmp_path, attestation.credential, (), "--online", *pinned)
    assert result.exit_code == 3 and "suspended" in result.output, result.output
    page = client.get(f"/assessments/{attestation.assessment_id}")
    assert "Suspended since" in page.text and "(Under review)" in page.text
    japanese = client.get(
        f"/assessments/{attestation.assessment_id}", headers={"Accept-Language": "ja"}
    )
    assert "から一時停止中 (Under review)" in japanese.text

    # An older credential naming the revocation list alone still verifies.
    key = assessor_key(key_dir, organization_id)
    older = {k: v for k, v in attestation.credential.items() if k != "proof"}
    older["credentialStatus"] = older["credentialStatus"][0]
    older = sign(older, key, verification_method=verification_method(key.public_key()))
    revocation = _lists(world, assessor)[0]
    assert _verify(tmp_path, older, [revocation]).exit_code == 5  # its issuer not checked

    reinstated = client.post(f"{path}/reinstate", headers=auth)
    assert reinstated.status_code == 200 and reinstated.json()["suspended"] is False
    assert client.post(f"{path}/reinstate", headers=auth).status_code == 409
    ok = _verify(tmp_path, attestation.credential, (), "--online", *pinned)
    assert ok.exit_code == 0, ok.output
