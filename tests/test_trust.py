"""Trust anchors through the services and the API, on SQLite and PostgreSQL:
the site's operator appoints a verified accreditation body; the body makes a
scheme and accredits a verified assessor's key for it, suspends, reinstates
and withdraws; each change publishes the next signed version of the trust
list with its hash on the record; every refusal leaves everything unchanged."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agilegov import clock
from agilegov.auth import SYSTEM, Principal
from agilegov.errors import Conflict, Forbidden, InvalidInput
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import did_key
from agilegov.record.models import Event
from agilegov.record.trust_lists import accreditation_finding, check_trust_list
from agilegov.signing_keys import assessor_key
from agilegov.trust import service
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationChangeReason,
    AccreditationCreate,
    SchemeCreate,
)
from api_helpers import assert_unchanged, snapshot
from builders import World, site_operator, vouch_for


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
