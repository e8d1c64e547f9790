"""Attestations' status as a W3C Bitstring Status List: each credential names a
bit in its issuer's published, signed list; revoking sets the bit; the command
line checks it offline or online and says which check failed."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import update
from typer.testing import CliRunner

from agilegov.assurance import cli as credential_cli
from agilegov.assurance.models import Attestation
from agilegov.assurance.schemas import AttestationIssue, AttestationRevoke
from agilegov.assurance.service import (
    issue_attestation,
    published_status_list,
    revoke_attestation,
)
from agilegov.cli import app
from agilegov.record.credentials import CredentialError, generate_key, sign, verification_method
from agilegov.record.credentials import verify as verify_proof
from agilegov.record.status_lists import StatusPurpose, checked_status, decode_list, get_bit
from agilegov.settings import Settings, get_settings
from agilegov.signing_keys import assessor_key
from agilegov.trust.service import trust_anchor
from api_helpers import make_client
from builders import accredited_scheme, completed_assessment

NOW = datetime.now(UTC).replace(microsecond=0)
REVOCATION = StatusPurpose.revocation
SUSPENSION = StatusPurpose.suspension


def _issue(world, assessor, scheme_id=None, **times):
    """An attestation on a completed assessment: a certification under the
    scheme when one is named, else an expert declaration."""
    actor, organization_id, scope_id, key_dir = assessor
    method = "expert_declaration" if scheme_id is None else "third_party_certification"
    assessment = completed_assessment(
        world.uow, actor, world.owner, organization_id, scope_id, method=method, scheme_id=scheme_id
    )
    issue = AttestationIssue(**(times or {"valid_until": NOW + timedelta(days=365)}))
    return issue_attestation(world.uow, actor, assessment.id, issue, key_dir)


def _revoke(world, assessor, attestation_id):
    actor = assessor[0]
    revoke_attestation(world.uow, actor, attestation_id, AttestationRevoke(reason="Lapsed"))


def _listed(world, assessor, purpose=REVOCATION):
    return published_status_list(world.uow, assessor[1], purpose, assessor[3])


def _both(world, assessor):
    """The issuer's two lists, as a credential issued now names them."""
    return [_listed(world, assessor), _listed(world, assessor, SUSPENSION)]


def _verify(tmp_path, credential, *options, status_list=None, env=None):
    """``status_list``: one list, or several, each given with its own option."""
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential))
    arguments = ["credential", "verify", str(path), *options]
    lists = status_list if isinstance(status_list, list) else [status_list]
    for number, listed in enumerate(item for item in lists if item is not None):
        (tmp_path / f"list-{number}.json").write_text(json.dumps(listed))
        arguments += ["--status-list", str(tmp_path / f"list-{number}.json")]
    return CliRunner().invoke(app, arguments, env=env)


def test_each_attestation_names_its_own_bit_never_reused(world, assessor):
    first, second = _issue(world, assessor), _issue(world, assessor)
    entries = [first.credential["credentialStatus"], second.credential["credentialStatus"]]
    assert [[entry["statusListIndex"] for entry in pair] for pair in entries] == [
        ["0", "0"],
        ["1", "1"],
    ]
    base = f"{get_settings().public_url}/api/v1/status-lists/{assessor[1]}"
    assert entries[0] == [
        {
            "id": f"{base}/{purpose}#0",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": "0",
            "statusListCredential": f"{base}/{purpose}",
        }
        for purpose in ("revocation", "suspension")
    ]
    _revoke(world, assessor, first.id)
    third = _issue(world, assessor).credential["credentialStatus"]
    assert [entry["statusListIndex"] for entry in third] == ["2", "2"]


def test_revoking_sets_the_credentials_bit_in_the_signed_list(world, assessor):
    attestation = _issue(world, assessor)
    before = _listed(world, assessor)
    verify_proof(before)
    assert before["proof"]["verificationMethod"].startswith(attestation.issuer_did)
    assert before["credentialSubject"]["statusPurpose"] == "revocation"
    now = datetime.now(UTC)
    assert checked_status(attestation.credential, before, at=now) == (REVOCATION, False)
    _revoke(world, assessor, attestation.id)
    after = _listed(world, assessor)
    later = datetime.now(UTC)
    assert checked_status(attestation.credential, after, at=later) == (REVOCATION, True)
    assert not get_bit(decode_list(after["credentialSubject"]["encodedList"]), 1)


def test_the_revoked_credential_fails_offline_with_the_published_list(world, assessor, tmp_path):
    attestation = _issue(world, assessor)
    credential = attestation.credential
    ok = _verify(tmp_path, credential, status_list=_both(world, assessor))
    # Its status checked, not its issuer (no trust list given): not every check made.
    assert ok.exit_code == 5, ok.output
    assert "valid, issuer not checked" in ok.output and "Not revoked or suspended" in ok.output
    unchecked = _verify(tmp_path, credential)
    assert unchecked.exit_code == 5 and "valid, status not checked" in unchecked.output
    # Each list the credential names must be given: one alone leaves the other unknown.
    one = _verify(tmp_path, credential, status_list=_listed(world, assessor))
    assert one.exit_code == 6 and "/suspension" in " ".join(one.output.split()), one.output
    _revoke(world, assessor, attestation.id)
    revoked = _verify(tmp_path, credential, status_list=_both(world, assessor))
    assert revoked.exit_code == 3, revoked.output
    assert "revoked or suspended: revoked" in " ".join(revoked.output.split())
    japanese = {"AGILEGOV_LANGUAGE": "ja"}
    in_japanese = _verify(tmp_path, credential, status_list=_both(world, assessor), env=japanese)
    assert in_japanese.exit_code == 3 and "失効または一時停止されています" in in_japanese.output


def test_a_status_list_not_signed_by_the_issuer_is_refused(world, assessor, tmp_path):
    attestation = _issue(world, assessor)
    _revoke(world, assessor, attestation.id)
    published = _listed(world, assessor)
    # Someone else's key signs a list that says the credential stands.
    forger = generate_key()
    unsigned = {key: value for key, value in published.items() if key != "proof"}
    unsigned["credentialSubject"] = {
        **unsigned["credentialSubject"],
        "encodedList": _listed_clear(world, assessor)["credentialSubject"]["encodedList"],
    }
    forged = sign(unsigned, forger, verification_method=verification_method(forger.public_key()))
    refused = _verify(tmp_path, attestation.credential, status_list=forged)
    assert refused.exit_code == 6, refused.output
    assert "status list refused" in refused.output and "signed by" in " ".join(
        refused.output.split()
    )
    # Changing the bits of the issuer's own list breaks its proof.
    tampered = {**published, "credentialSubject": forged["credentialSubject"]}
    refused = _verify(tmp_path, attestation.credential, status_list=tampered)
    assert refused.exit_code == 6 and "proof fails" in refused.output
    with pytest.raises(CredentialError, match="signed by"):
        checked_status(attestation.credential, forged, at=datetime.now(UTC))


def _listed_clear(world, assessor):
    """An assessor's list with no bit set: that of a fresh assessor."""
    with world.uow:
        world.uow.session.execute(update(Attestation).values(revoked_at=None))
        world.uow.commit()
    return _listed(world, assessor)


def test_an_out_of_date_status_list_is_refused(world, assessor, tmp_path):
    attestation = _issue(world, assessor)
    stale = _listed(world, assessor)
    stale["validUntil"] = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = assessor_key(assessor[3], assessor[1])
    stale = sign(
        {k: v for k, v in stale.items() if k != "proof"},
        key,
        verification_method=verification_method(key.public_key()),
    )
    refused = _verify(tmp_path, attestation.credential, status_list=stale)
    assert refused.exit_code == 6 and "out of date" in refused.output


def test_an_expired_credential_exits_4_and_a_tampered_one_1(world, assessor, tmp_path):
    expired = _issue(
        world,
        assessor,
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW - timedelta(days=1),
    ).credential
    result = _verify(tmp_path, expired, status_list=_both(world, assessor))
    assert result.exit_code == 4 and "expired" in result.output
    tampered = json.loads(json.dumps(expired))
    tampered["credentialStatus"][1]["statusListIndex"] = "99"
    result = _verify(tmp_path, tampered, status_list=_both(world, assessor))
    assert result.exit_code == 1 and "invalid credential" in result.output


def test_a_credential_without_status_is_reported_as_such(world, assessor, tmp_path):
    """An attestation issued before status lists: still valid, said to have none."""
    key_dir = assessor[3]
    attestation = _issue(world, assessor)
    old = {
        k: v for k, v in attestation.credential.items() if k not in ("proof", "credentialStatus")
    }
    key = assessor_key(key_dir, assessor[1])
    old = sign(old, key, verification_method=verification_method(key.public_key()))
    result = _verify(tmp_path, old, status_list=_listed(world, assessor))
    assert result.exit_code == 5 and "valid, no status" in result.output


def test_the_api_publishes_the_list_and_the_cli_checks_it_online(
    world, assessor, database_url, tmp_path, monkeypatch
):
    _, organization_id, _, key_dir = assessor
    scheme = accredited_scheme(world.uow, world.viewer, organization_id, key_dir)
    attestation = _issue(world, assessor, scheme)
    client = make_client(database_url, assessor_key_dir=key_dir)
    for entry in attestation.credential["credentialStatus"]:
        response = client.get(entry["statusListCredential"])
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "public, max-age=300"
        verify_proof(response.json())
        assert response.json()["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
    assert client.get(f"/api/v1/status-lists/{organization_id}/other").status_code == 422
    business = world.business_id
    assert client.get(f"/api/v1/status-lists/{business}/revocation").status_code == 404

    page = client.get(f"/assessments/{attestation.assessment_id}")
    assert page.status_code == 200
    assert "Valid: in force, checked on this platform, its bit is clear" in page.text
    assert f'href="/api/v1/status-lists/{organization_id}/revocation">Status list, position 0' in (
        page.text
    )

    monkeypatch.setattr(
        credential_cli, "http_client", lambda: make_client(database_url, assessor_key_dir=key_dir)
    )
    pinned = {"AGILEGOV_TRUST_ANCHOR": trust_anchor(key_dir)}
    ok = _verify(tmp_path, attestation.credential, "--online", env=pinned)
    assert ok.exit_code == 0, ok.output
    assert "Issuer accredited for AI Guidelines for Business" in " ".join(ok.output.split())
    _revoke(world, assessor, attestation.id)
    revoked = _verify(tmp_path, attestation.credential, "--online")
    assert revoked.exit_code == 3, revoked.output
    page = client.get(
        f"/assessments/{attestation.assessment_id}", headers={"Accept-Language": "ja"}
    )
    assert "失効: 発行者が公開するステータスリストでこの証明のビットが立っています" in page.text
    # A platform answering with a list another key signed (here: the assessor's
    # key replaced) is refused, never taken as clear.
    other_keys = tmp_path / "other-keys"
    monkeypatch.setattr(
        credential_cli,
        "http_client",
        lambda: make_client(database_url, assessor_key_dir=other_keys),
    )
    result = _verify(tmp_path, attestation.credential, "--online")
    assert result.exit_code == 6 and "signed by" in result.output


@pytest.mark.parametrize(
    ("value", "kept"),
    [("https://gov.example/", "https://gov.example"), ("http://h:8000/agilegov", None)],
)
def test_the_public_url_is_an_http_address(value, kept):
    assert Settings(public_url=value).public_url == (kept or value)


@pytest.mark.parametrize("value", ["gov.example", "ftp://gov.example", "https://gov.example/?a=1"])
def test_a_public_url_that_is_not_an_http_address_is_refused(value):
    with pytest.raises(ValidationError, match="public_url"):
        Settings(public_url=value)
