"""Trust anchors through the services and the API, on SQLite and PostgreSQL:
the site's operator appoints a verified accreditation body; the body makes a
scheme and accredits a verified assessor's key for it, suspends, reinstates
and withdraws; each change publishes the next signed version of the trust
list with its hash on the record; every refusal leaves everything unchanged."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from agilegov import clock
from agilegov.assurance.schemas import AttestationIssue
from agilegov.assurance.service import create_assessment, issue_attestation, published_status_list
from agilegov.auth import SYSTEM, Principal
from agilegov.cli import app
from agilegov.errors import Conflict, Forbidden, InvalidInput
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import did_key, generate_key, sign, verification_method
from agilegov.record.models import Event
from agilegov.record.status_lists import StatusPurpose
from agilegov.record.trust_lists import accreditation_finding, check_trust_list
from agilegov.signing_keys import assessor_key
from agilegov.tenancy import Scope
from agilegov.trust import service
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationChangeReason,
    AccreditationCreate,
    SchemeCreate,
)
from api_helpers import assert_unchanged, make_client, snapshot
from builders import (
    World,
    accepted_engagement,
    assessment_input,
    complete,
    completed_assessment,
    scope_goal,
    site_operator,
    vouch_for,
)


@dataclass
class Trust:
    world: World
    operator: Principal
    body: int
    body_owner: Principal
    assessor: int
    assessor_owner: Principal
    key_dir: Path


@pytest.fixture
def trust(world: World, assessor: tuple[Any, int, int, Path]) -> Trust:
    """A verified body (owned by the viewer) and the verified FairBench."""
    uow = world.uow
    body = create_organization(
        uow,
        world.viewer,
        OrganizationCreate(
            slug="council",
            name="AI Assurance Accreditation Council",
            kind="infrastructure_operator",
        ),
    )
    vouch_for(uow, body.id)
    vouch_for(uow, assessor[1])
    return Trust(
        world,
        site_operator(uow),
        body.id,
        world.refresh("viewer"),
        assessor[1],
        assessor[0],
        assessor[3],
    )


def _appointed(trust: Trust) -> int:
    """The body appointed, with one scheme: the scheme's id."""
    uow = trust.world.uow
    service.appoint_accreditation_body(
        uow, trust.operator, AccreditationBodyAppoint(organization_id=trust.body)
    )
    scheme = service.create_scheme(
        uow,
        trust.body_owner,
        SchemeCreate(
            accreditation_body_id=trust.body,
            slug="aigb-third-party",
            name="AI Guidelines for Business — third-party assessment",
        ),
    )
    return scheme.id


def _accredit(trust: Trust, scheme_id: int, **fields: Any) -> Any:
    values = {"valid_until": clock.now() + timedelta(days=365), **fields}
    return service.accredit(
        trust.world.uow,
        trust.body_owner,
        AccreditationCreate(scheme_id=scheme_id, assessor_organization_id=trust.assessor, **values),
        trust.key_dir,
    )


def test_an_accreditation_publishes_a_signed_list_its_hash_on_the_record(
    trust: Trust, engine: Engine
) -> None:
    scheme_id = _appointed(trust)
    made = _accredit(trust, scheme_id)
    assert made.status == "granted"
    assert made.issuer_did == did_key(assessor_key(trust.key_dir, trust.assessor).public_key())
    listed = service.current_trust_list(trust.world.uow)
    anchor = service.trust_anchor(trust.key_dir)
    check_trust_list(listed, anchor=anchor, at=clock.now())
    (entry,) = listed["credentialSubject"]["accreditations"]
    assert entry["issuer"] == made.issuer_did
    assert entry["scheme"] == "urn:agilegov:scheme:aigb-third-party"
    assert entry["accreditedBy"]["name"] == "AI Assurance Accreditation Council"
    with trust.world.uow as uow:
        event = uow.session.scalars(
            select(Event).where(Event.type == "trust_list.published").order_by(Event.id.desc())
        ).first()
        assert event is not None
        assert event.payload["version"] == listed["credentialSubject"]["version"] == 1
        assert event.payload["sha256"] == hashlib.sha256(canonical_json(listed)).hexdigest()


def test_suspension_reinstatement_and_withdrawal_each_publish_the_next_version(
    trust: Trust,
) -> None:
    uow = trust.world.uow
    made = _accredit(trust, _appointed(trust))
    issued_at = clock.now() + timedelta(hours=1)  # a credential issued an hour after the grant
    anchor = service.trust_anchor(trust.key_dir)
    reason = AccreditationChangeReason(reason="surveillance audit overdue")

    def finding() -> Any:
        listed = service.current_trust_list(uow)
        check_trust_list(listed, anchor=anchor, at=clock.now())
        return accreditation_finding(
            listed,
            issuer=made.issuer_did,
            scheme="urn:agilegov:scheme:aigb-third-party",
            issued_at=issued_at,
            at=clock.now(),
        )

    def on_day(day: int, action: str) -> Any:
        with clock.frozen_at(issued_at + timedelta(days=day)):
            changed = service.change_accreditation(
                uow, trust.body_owner, made.id, action, reason, trust.key_dir
            )
            return changed, finding()

    with clock.frozen_at(issued_at + timedelta(minutes=1)):
        assert finding().accredited
    _, found = on_day(1, "suspend")
    assert not found.accredited and "suspended since" in found.reason
    _, found = on_day(2, "reinstate")
    assert found.accredited
    withdrawn, found = on_day(3, "withdraw")
    assert withdrawn.status == "withdrawn"
    assert not found.accredited and "withdrawn since" in found.reason
    versions = service.trust_list_versions(uow)
    assert [v.version for v in versions] == [4, 3, 2, 1]
    assert service.trust_list_version(uow, 2)["credentialSubject"]["version"] == 2


def test_only_the_site_operator_appoints_and_only_a_verified_organization(
    trust: Trust, engine: Engine, world: World
) -> None:
    uow = world.uow
    before = snapshot(engine)
    with pytest.raises(Forbidden):
        service.appoint_accreditation_body(
            uow, trust.body_owner, AccreditationBodyAppoint(organization_id=trust.body)
        )
    unverified = create_organization(
        uow, world.owner, OrganizationCreate(slug="lookalike", name="Council", kind="assessor")
    )
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as refused:
        service.appoint_accreditation_body(
            uow, trust.operator, AccreditationBodyAppoint(organization_id=unverified.id)
        )
    assert refused.value.problems[0].field == "organization_id"
    assert_unchanged(before, engine)


def test_accreditations_refused_leave_everything_unchanged(
    trust: Trust, engine: Engine, world: World
) -> None:
    uow = world.uow
    scheme_id = _appointed(trust)
    unverified = create_organization(
        uow,
        world.owner,
        OrganizationCreate(slug="fairbench-jp", name="FairBench Assurance", kind="assessor"),
    ).id
    later = clock.now() + timedelta(days=365)
    cases = [
        (trust.world.owner, {}, Forbidden),  # not a member of the body
        (trust.body_owner, {"assessor_organization_id": unverified}, InvalidInput),
        (trust.body_owner, {"assessor_organization_id": world.business_id}, InvalidInput),
        (trust.body_owner, {"assessor_organization_id": trust.body}, InvalidInput),
        (trust.body_owner, {"valid_until": clock.now() + timedelta(days=6 * 366)}, InvalidInput),
        (trust.body_owner, {"valid_until": clock.now() - timedelta(days=1)}, InvalidInput),
        (trust.body_owner, {"scheme_id": 999}, InvalidInput),
    ]
    before = snapshot(engine)
    for actor, change, problem in cases:
        values = {
            "scheme_id": scheme_id,
            "assessor_organization_id": trust.assessor,
            "valid_until": later,
            **change,
        }
        with pytest.raises(problem):
            service.accredit(uow, actor, AccreditationCreate(**values), trust.key_dir)
    assert_unchanged(before, engine)
    made = _accredit(trust, scheme_id)
    before = snapshot(engine)
    with pytest.raises(Conflict):
        _accredit(trust, scheme_id)  # holds one already
    reason = AccreditationChangeReason(reason="x")
    with pytest.raises(Conflict):
        service.change_accreditation(
            uow, trust.body_owner, made.id, "reinstate", reason, trust.key_dir
        )
    with pytest.raises(Forbidden):
        service.change_accreditation(
            uow, trust.assessor_owner, made.id, "withdraw", reason, trust.key_dir
        )
    assert_unchanged(before, engine)


def test_a_withdrawn_accreditation_stays_withdrawn_and_ending_a_body_withdraws_its_own(
    trust: Trust, engine: Engine
) -> None:
    uow = trust.world.uow
    made = _accredit(trust, _appointed(trust))
    service.end_accreditation_body(uow, trust.operator, trust.body, trust.key_dir)
    assert service.get_accreditation(uow, made.id).status == "withdrawn"
    reason = AccreditationChangeReason(reason="x")
    before = snapshot(engine)
    with pytest.raises(Conflict):
        service.change_accreditation(
            uow, trust.body_owner, made.id, "reinstate", reason, trust.key_dir
        )
    assert_unchanged(before, engine)


def test_the_job_publishes_before_the_list_lapses(trust: Trust) -> None:
    uow = trust.world.uow
    assert not service.refresh_trust_list(uow, SYSTEM, trust.key_dir)  # nothing to list yet
    _accredit(trust, _appointed(trust))
    assert not service.refresh_trust_list(uow, SYSTEM, trust.key_dir)  # fresh
    with clock.frozen_at(clock.now() + service.TRUST_LIST_VALIDITY - timedelta(days=6)):
        assert service.refresh_trust_list(uow, SYSTEM, trust.key_dir)
    assert service.trust_list_versions(uow)[0].version == 2


# ---------------------------------------------------------------- credentials under a scheme


def _issued(trust: Trust, scheme_id: int | None) -> Any:
    """An attestation on a completed assessment: a certification under the
    scheme when one is named, else an expert declaration."""
    uow, world = trust.world.uow, trust.world
    method = "expert_declaration" if scheme_id is None else "third_party_certification"
    assessment = completed_assessment(
        uow,
        trust.assessor_owner,
        world.owner,
        trust.assessor,
        assessor_scope(trust),
        method=method,
        scheme_id=scheme_id,
    )
    return issue_attestation(
        uow,
        trust.assessor_owner,
        assessment.id,
        AttestationIssue(valid_until=clock.now() + timedelta(days=365)),
        trust.key_dir,
    )


def assessor_scope(trust: Trust) -> int:
    with trust.world.uow as uow:
        return uow.session.scalar(select(Scope.id).where(Scope.name == "Screening"))


def _verify(tmp_path: Path, trust: Trust, credential: dict, *, anchor: str | None = None) -> Any:
    """verify offline, with the issuer's status lists and the current trust list."""
    files = {"credential": credential, "trust": service.current_trust_list(trust.world.uow)}
    for purpose in StatusPurpose:
        files[purpose.value] = published_status_list(
            trust.world.uow, trust.assessor, purpose, trust.key_dir
        )
    for name, document in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    arguments = ["credential", "verify", str(tmp_path / "credential.json")]
    for purpose in StatusPurpose:
        arguments += ["--status-list", str(tmp_path / f"{purpose.value}.json")]
    arguments += ["--trust-list", str(tmp_path / "trust.json")]
    arguments += ["--trust-anchor", anchor or service.trust_anchor(trust.key_dir)]
    return CliRunner().invoke(app, arguments)


def test_a_credential_under_a_scheme_verifies_against_the_trust_list(
    trust: Trust, tmp_path: Path
) -> None:
    scheme_id = _appointed(trust)
    made = _accredit(trust, scheme_id)
    attestation = _issued(trust, scheme_id)
    subject = attestation.credential["credentialSubject"]
    assert subject["scheme"] == {
        "id": "urn:agilegov:scheme:aigb-third-party",
        "name": "AI Guidelines for Business — third-party assessment",
    }
    ok = _verify(tmp_path, trust, attestation.credential)
    assert ok.exit_code == 0, ok.output
    assert "by AI Assurance Accreditation Council" in " ".join(ok.output.split())

    # A list signed by another key than the pinned anchor is refused, never trusted.
    other = did_key(generate_key().public_key())
    refused = _verify(tmp_path, trust, attestation.credential, anchor=other)
    assert refused.exit_code == 6 and "trust anchor" in " ".join(refused.output.split())

    # Withdrawn since: the issuer is no longer accredited, and the next list says so.
    service.change_accreditation(
        trust.world.uow,
        trust.body_owner,
        made.id,
        "withdraw",
        AccreditationChangeReason(reason="failed surveillance audit"),
        trust.key_dir,
    )
    withdrawn = _verify(tmp_path, trust, attestation.credential)
    assert withdrawn.exit_code == 2, withdrawn.output
    assert "the issuer is not accredited" in " ".join(withdrawn.output.split())


def test_a_forged_issuer_and_an_unaccredited_one_exit_2(trust: Trust, tmp_path: Path) -> None:
    scheme_id = _appointed(trust)
    _accredit(trust, scheme_id)
    genuine = _issued(trust, scheme_id).credential
    # A fresh key signs the same claims, naming itself FairBench Assurance: its
    # proof holds, but its key is on no trust list.
    forger = generate_key()
    forged = {k: v for k, v in genuine.items() if k != "proof"}
    forged["issuer"] = {"id": did_key(forger.public_key()), "name": "FairBench Assurance"}
    forged = sign(forged, forger, verification_method=verification_method(forger.public_key()))
    result = _verify(tmp_path, trust, forged)
    assert result.exit_code in (2, 6), result.output
    # Its status lists are the genuine issuer's, signed by another key: refused
    # (6) before the trust list is read; with no status named it reaches the list.
    del forged["proof"]
    forged.pop("credentialStatus")
    forged = sign(forged, forger, verification_method=verification_method(forger.public_key()))
    result = _verify(tmp_path, trust, forged)
    assert result.exit_code == 2 and "not on the trust list" in " ".join(result.output.split())
    # An accredited assessor's credential under no scheme: not accredited for it.
    unschemed = _issued(trust, None).credential
    result = _verify(tmp_path, trust, unschemed)
    assert result.exit_code == 2 and "names no scheme" in " ".join(result.output.split())


def test_an_assessment_or_credential_under_a_scheme_not_in_force_is_refused(
    trust: Trust, engine: Engine
) -> None:
    uow, world = trust.world.uow, trust.world
    scheme_id = _appointed(trust)
    scope = assessor_scope(trust)
    engagement = accepted_engagement(uow, trust.assessor_owner, world.owner, trust.assessor, scope)
    certification = assessment_input(
        trust.assessor,
        scope,
        [{"goal_id": scope_goal(uow, world.owner, scope)}],
        method="third_party_certification",
        engagement_id=engagement,
        scheme_id=scheme_id,
    )
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as refused:
        create_assessment(uow, trust.assessor_owner, certification)
    assert refused.value.problems[0].field == "scheme_id"
    assert_unchanged(before, engine)
    made = _accredit(trust, scheme_id)
    assessment = complete(
        uow, trust.assessor_owner, create_assessment(uow, trust.assessor_owner, certification)
    )
    service.change_accreditation(
        uow,
        trust.body_owner,
        made.id,
        "suspend",
        AccreditationChangeReason(reason="review"),
        trust.key_dir,
    )
    before = snapshot(engine)
    with pytest.raises(Conflict, match="not in force"):
        issue_attestation(
            uow,
            trust.assessor_owner,
            assessment.id,
            AttestationIssue(valid_until=clock.now() + timedelta(days=30)),
            trust.key_dir,
        )
    assert_unchanged(before, engine)


def test_the_attestation_page_says_whether_its_issuer_is_verified_and_accredited(
    trust: Trust, database_url: str
) -> None:
    scheme_id = _appointed(trust)
    _accredit(trust, scheme_id)
    accredited = _issued(trust, scheme_id)
    unschemed = _issued(trust, None)
    client = make_client(database_url, assessor_key_dir=trust.key_dir)
    page = " ".join(client.get(f"/assessments/{accredited.assessment_id}").text.split())
    assert "Accredited for AI Guidelines for Business — third-party assessment by AI Assurance" in (
        page
    )
    assert "issuer not verified" not in page
    page = client.get(f"/assessments/{unschemed.assessment_id}").text
    assert "issuer not accredited" in page and "names no scheme" in page
    japanese = client.get(
        f"/assessments/{accredited.assessment_id}", headers={"Accept-Language": "ja"}
    ).text
    assert "認定" in japanese


def test_an_unverified_issuers_attestation_says_so(
    world: World, assessor: tuple[Any, int, int, Path], database_url: str
) -> None:
    actor, organization_id, scope, key_dir = assessor
    assessment = completed_assessment(world.uow, actor, world.owner, organization_id, scope)
    issue_attestation(
        world.uow,
        actor,
        assessment.id,
        AttestationIssue(valid_until=clock.now() + timedelta(days=30)),
        key_dir,
    )
    client = make_client(database_url, assessor_key_dir=key_dir)
    page = " ".join(client.get(f"/assessments/{assessment.id}").text.split())
    assert "issuer not verified" in page
    assert "No verifier vouches for the identity of FairBench Assurance" in page
    assert "No trust list is published" in page
