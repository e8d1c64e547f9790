"""Assessments: made by the parties each method allows, against criteria from
the library and the scope's goals, with findings on evidence; a major finding
sends the scope round a loop and suspends what stood on it until improvement
actions are done and the finding is closed."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from pydantic import ValidationError
from sqlalchemy import func, select

from agilegov import clock
from agilegov.assurance.models import Assessment, Criterion, ImprovementAction
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AttestationIssue,
    EngagementCreate,
    FindingClose,
    FindingSet,
    ImprovementActionCreate,
    ImprovementActionDone,
)
from agilegov.assurance.service import (
    ASSESSMENT_PLAN,
    TRUST_AREA,
    add_action,
    attestation_status,
    close_finding,
    complete_action,
    complete_assessment,
    create_assessment,
    issue_attestation,
    overdue_actions,
    published_status_list,
    reinstate_attestation,
    request_engagement,
    requirement_assurance,
    scope_assurance,
    set_finding,
)
from agilegov.auth import SYSTEM, Principal
from agilegov.cycle.models import Trigger
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from agilegov.library.service import install_shipped
from agilegov.monitor.ingest import Row
from agilegov.monitor.models import Evaluation
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import create_organization, create_user, principal_for_user
from agilegov.record.credentials import AttestationMethod
from agilegov.record.models import Event
from agilegov.record.status_lists import StatusPurpose, decode_list, get_bit
from api_helpers import bearer, make_client
from builders import (
    World,
    accepted_engagement,
    accredited_scheme,
    add,
    assessment_input,
    change,
    complete,
    event_count,
    indicator,
    measure,
    new_scope,
    review,
    row_counts,
    scope_goal,
    specific_goal,
)

AIGB = "aigb@1.1#C-2) ①"
NIST = "nist-ai-rmf@1.0#MEASURE 2.11"
SHA = "ab" * 32
YEAR = timedelta(days=365)


# ---------------------------------------------------------------- helpers


def _stored(world: World) -> tuple[dict[str, int], int]:
    return row_counts(world.uow), event_count(world.uow)


def _refused(
    world: World, call: Callable[[], Any], error: type[DomainError], field: str | None = None
) -> DomainError:
    """``call`` fails with ``error`` (naming ``field``) and stores nothing."""
    before = _stored(world)
    with pytest.raises(error) as refused:
        call()
    if field is not None:
        assert isinstance(refused.value, InvalidInput)
        assert refused.value.problems[0].field == field, refused.value.problems
    assert _stored(world) == before
    return refused.value


def _open(world: World, actor: Principal, data: Any) -> Any:
    return create_assessment(world.uow, actor, data)


def _major(cause: str, note: str = "") -> FindingSet:
    return FindingSet(finding="major", cause=cause, note=note)


class Parties:
    """FairBench (an assessor, owned by the outsider) and the business's
    published scope "Screening" with one goal, and the other parties."""

    def __init__(self, world: World, assessor: tuple[Any, int, int, Any]) -> None:
        self.world = world
        self.outsider, self.fairbench, self.scope, self.key_dir = assessor
        self.goal = scope_goal(world.uow, world.owner, self.scope)

    def engagement(self, organization_id: int | None = None) -> int:
        """An accepted engagement of the organization (FairBench by default),
        owned by the outsider, for the scope."""
        return accepted_engagement(
            self.world.uow,
            self.outsider,
            self.world.owner,
            organization_id or self.fairbench,
            self.scope,
        )

    def data(self, criteria: list[dict[str, Any]] | None = None, **fields: Any) -> Any:
        return assessment_input(
            fields.pop("assessor", self.fairbench),
            fields.pop("scope_id", self.scope),
            criteria or [{"goal_id": self.goal}],
            **fields,
        )

    def opened(self, criteria: list[dict[str, Any]] | None = None, **fields: Any) -> Any:
        """An expert declaration by FairBench, open, on a new engagement."""
        fields.setdefault("engagement_id", self.engagement())
        return _open(self.world, self.outsider, self.data(criteria, **fields))

    def issue(self, assessment_id: int) -> Any:
        return issue_attestation(
            self.world.uow,
            self.outsider,
            assessment_id,
            AttestationIssue(valid_until=clock.now() + YEAR),
            self.key_dir,
        )


@pytest.fixture
def parties(world: World, assessor: tuple[Any, int, int, Any]) -> Parties:
    return Parties(world, assessor)


@pytest.fixture
def library(world: World) -> None:
    """The two frameworks the criteria cite, from the shipped catalogues."""
    wanted = {"aigb@1.1", "nist-ai-rmf@1.0"}
    # Everything shipped but these two (leaving out an unknown version is harmless).
    others = [
        "aigb@1.0",
        "eu-ai-act@2024",
        "eu-ai-act@2026",
        "haip-reporting@2025",
        "hiroshima-coc@2023",
        "iso-iec-42001@2023",
        "oecd-ai-principles@2019",
        "oecd-ai-principles@2024",
    ]
    installed = install_shipped(world.uow, SYSTEM, leave_out=others)
    assert wanted <= {item.ref for item in installed}


def _stranger(world: World) -> Principal:
    """Someone in no organization."""
    user = create_user(
        world.uow, UserCreate(email="stranger@example.com", name="Stranger", password="a-long-one!")
    )
    with world.uow:
        return principal_for_user(world.uow.session, user.id)


# ---------------------------------------------------------------- parties


OWN_METHODS = {AttestationMethod.self_declaration, AttestationMethod.internal_audit}
OTHER_METHODS = {
    AttestationMethod.cross_check,
    AttestationMethod.peer_review,
    AttestationMethod.expert_declaration,
    AttestationMethod.user_declaration,
}
ACCREDITED_METHODS = {
    AttestationMethod.external_audit,
    AttestationMethod.third_party_certification,
    AttestationMethod.third_party_rating,
}


def test_each_method_is_made_by_the_parties_it_allows(parties: Parties) -> None:
    world = parties.world
    scheme = accredited_scheme(world.uow, world.reviewer, parties.fairbench, parties.key_dir)
    assert set(AttestationMethod) == OWN_METHODS | OTHER_METHODS | ACCREDITED_METHODS
    owner = world.refresh("owner")
    # party: (who acts, the organization, needs an engagement, scheme named,
    #         the field a refusal names for each method it may not use)
    table: dict[str, tuple[Principal, int, bool, int | None, dict[AttestationMethod, str]]] = {
        "own": (
            owner,
            world.business_id,
            False,
            None,
            dict.fromkeys(OTHER_METHODS | ACCREDITED_METHODS, "method"),
        ),
        # A government: another organization, not an assessor.
        "other": (
            parties.outsider,
            world.regulator_id,
            True,
            None,
            dict.fromkeys(OWN_METHODS, "method")
            | dict.fromkeys(ACCREDITED_METHODS, "assessor_organization_id"),
        ),
        "accredited": (
            parties.outsider,
            parties.fairbench,
            True,
            scheme,
            dict.fromkeys(OWN_METHODS, "method"),
        ),
    }
    made = 0
    for party, (actor, organization_id, engaged, scheme_id, refusals) in table.items():
        for method in AttestationMethod:
            engagement = parties.engagement(organization_id) if engaged else None
            data = parties.data(
                assessor=organization_id,
                method=method,
                engagement_id=engagement,
                scheme_id=scheme_id,
            )
            if method in refusals:
                field = refusals[method]
                _refused(world, lambda a=actor, d=data: _open(world, a, d), InvalidInput, field)
                continue
            before = _stored(world)[0]
            assessment = _open(world, actor, data)
            made += 1
            assert (assessment.method, assessment.status) == (method, "open"), party
            assert assessment.assessor_organization_id == organization_id
            assert assessment.engagement_id == engagement
            assert assessment.scheme_id == scheme_id
            after = _stored(world)[0]
            assert after["assessments"] == before["assessments"] + 1
            assert after["assessment_criteria"] == before["assessment_criteria"] + 1
    # The own organization by its two methods, another by four, the accredited by all but two.
    assert made == len(OWN_METHODS) + len(OTHER_METHODS) + len(set(AttestationMethod) - OWN_METHODS)


def test_a_party_without_standing_is_refused_on_the_field_at_fault(parties: Parties) -> None:
    world = parties.world
    scheme = accredited_scheme(world.uow, world.reviewer, parties.fairbench, parties.key_dir)
    rival = create_organization(
        world.uow, world.viewer, OrganizationCreate(slug="rival", name="Rival", kind="assessor")
    ).id
    viewer = world.refresh("viewer")
    rivals = accepted_engagement(world.uow, viewer, world.owner, rival, parties.scope)
    fairbench = parties.engagement()
    regulator = parties.engagement(world.regulator_id)
    asked = request_engagement(
        world.uow,
        parties.outsider,
        EngagementCreate(
            assessor_organization_id=world.regulator_id, scope_id=parties.scope, scheme="Peers"
        ),
    ).id
    owner = world.refresh("owner")
    cases = [
        # An assessor not accredited for the scheme it names, or naming none.
        (
            viewer,
            parties.data(
                assessor=rival, method="external_audit", engagement_id=rivals, scheme_id=scheme
            ),
            "scheme_id",
        ),
        (
            parties.outsider,
            parties.data(method="third_party_certification", engagement_id=fairbench),
            "scheme_id",
        ),
        (
            parties.outsider,
            parties.data(method="third_party_rating", engagement_id=fairbench, scheme_id=999_999),
            "scheme_id",
        ),
        # Another organization without an engagement, or one not accepted yet.
        (
            parties.outsider,
            parties.data(assessor=world.regulator_id, method="peer_review"),
            "engagement_id",
        ),
        (
            parties.outsider,
            parties.data(assessor=world.regulator_id, method="peer_review", engagement_id=asked),
            "engagement_id",
        ),
        # Another organization's engagement.
        (
            parties.outsider,
            parties.data(
                assessor=world.regulator_id, method="peer_review", engagement_id=fairbench
            ),
            "engagement_id",
        ),
        # The scope's own organization needs none.
        (
            owner,
            parties.data(
                assessor=world.business_id, method="self_declaration", engagement_id=regulator
            ),
            "engagement_id",
        ),
    ]
    for actor, data, field in cases:
        _refused(world, lambda a=actor, d=data: _open(world, a, d), InvalidInput, field)


# ---------------------------------------------------------------- criteria


def test_criteria_from_two_frameworks_and_a_goal_are_published_and_attested(
    parties: Parties, library: None
) -> None:
    world = parties.world
    assessment = parties.opened(
        [{"requirement": AIGB}, {"requirement": NIST}, {"goal_id": parties.goal}]
    )
    stored = [
        (c.position, c.source, c.reference, c.goal_id, c.title, c.level)
        for c in assessment.criteria
    ]
    assert stored == [
        (
            0,
            "requirement",
            AIGB,
            None,
            "Consideration for life, body, property, mind and the environment",
            "",
        ),
        (1, "requirement", NIST, None, "Fairness and bias", ""),
        (2, "goal", None, parties.goal, "Fair shortlisting", "≥ 0.8 ratio"),
    ]
    completed = complete(world.uow, parties.outsider, assessment)
    with world.uow:
        payload = world.uow.session.scalar(
            select(Event.payload).where(
                Event.type == "assessment.completed", Event.subject_id == assessment.id
            )
        )
    assert [c["reference"] for c in payload["criteria"]] == [AIGB, NIST, None]
    assert [c["title"] for c in payload["criteria"]] == [c.title for c in completed.criteria]
    assert payload["status"] == "completed"

    subject = parties.issue(assessment.id).credential["credentialSubject"]
    assert subject["frameworks"] == ["aigb@1.1", "nist-ai-rmf@1.0"]
    assert subject["criteria"] == [
        f"{AIGB} Consideration for life, body, property, mind and the environment",
        f"{NIST} Fairness and bias",
        "Fair shortlisting (≥ 0.8 ratio)",
    ]
    summary = scope_assurance(world.uow, world.viewer, parties.scope).assessments[0]
    assert summary.frameworks == ["aigb@1.1", "nist-ai-rmf@1.0"]
    assert summary.findings == {"conforms": 3} and summary.attestation == "standing"


def test_bad_criteria_and_periods_are_refused(parties: Parties, library: None) -> None:
    world = parties.world
    elsewhere = new_scope(world.uow, world.owner, world.business_id, "Loans", "public")
    foreign_goal = specific_goal(world.uow, world.owner, elsewhere).id
    area = add(
        world.uow,
        world.owner,
        elsewhere,
        TRUST_AREA,
        title="Lending",
        robustness="low",
        reason="Small loans",
        relied_on_by="Borrowers",
    )
    foreign_plan = add(
        world.uow,
        world.owner,
        elsewhere,
        ASSESSMENT_PLAN,
        trust_area_id=area.id,
        method="expert_declaration",
        every_months=12,
        next_due=date(2027, 1, 1),
    )
    strict = add(
        world.uow,
        world.owner,
        parties.scope,
        TRUST_AREA,
        title="Hiring",
        robustness="high",
        reason="Livelihoods at stake",
        relied_on_by="Applicants",
    )
    audited = add(
        world.uow,
        world.owner,
        parties.scope,
        ASSESSMENT_PLAN,
        trust_area_id=strict.id,
        method="external_audit",
        every_months=12,
        next_due=date(2027, 1, 1),
    )
    engagement = parties.engagement()
    goal = {"goal_id": parties.goal}
    for criteria, fields, field in [
        ([{"requirement": "aigb@1.1#Z-99"}], {}, "criteria[0].requirement"),
        ([{"requirement": "no-such-framework@1#1"}], {}, "criteria[0].requirement"),
        ([goal, {"goal_id": foreign_goal}], {}, "criteria[1].goal_id"),
        ([{"goal_id": 999_999}], {}, "criteria[0].goal_id"),
        ([goal, {"requirement": AIGB}, goal], {}, "criteria[2]"),
        ([{"requirement": NIST}, {"requirement": NIST}], {}, "criteria[1]"),
        ([{}], {}, "criteria[0]"),
        ([{"requirement": AIGB, "goal_id": parties.goal}], {}, "criteria[0]"),
        ([goal], {"period_start": date(2026, 6, 1), "period_end": date(2026, 5, 31)}, "period_end"),
        ([goal], {"plan_id": foreign_plan.id}, "plan_id"),
        ([goal], {"plan_id": 999_999}, "plan_id"),
        # An expert declaration is below the plan's high robustness.
        ([goal], {"plan_id": audited.id}, "method"),
    ]:
        data = parties.data(criteria, engagement_id=engagement, **fields)
        _refused(world, lambda d=data: _open(world, parties.outsider, d), InvalidInput, field)


def test_the_api_names_the_criterion_at_fault_and_stores_nothing(
    parties: Parties, library: None, database_url: str
) -> None:
    world = parties.world
    client = make_client(database_url)
    auth = bearer(world.tokens["outsider"])
    body = parties.data(
        [{"requirement": AIGB}, {"requirement": "aigb@1.1#nowhere"}],
        engagement_id=parties.engagement(),
    ).model_dump(mode="json")
    before = _stored(world)
    refused = client.post("/api/v1/assessments", headers=auth, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "criteria[1].requirement"
    body["criteria"] = [{"requirement": AIGB, "goal_id": parties.goal}]
    refused = client.post("/api/v1/assessments", headers=auth, json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "criteria[0]"
    assert _stored(world) == before
    body["criteria"] = [{"requirement": AIGB}, {"goal_id": parties.goal}]
    created = client.post("/api/v1/assessments", headers=auth, json=body)
    assert created.status_code == 201, created.text
    assert [c["reference"] for c in created.json()["criteria"]] == [AIGB, None]


# ---------------------------------------------------------------- findings and evidence


def _evaluation(world: World, scope_id: int) -> int:
    """An evaluation of an indicator of the scope."""
    goal = scope_goal(world.uow, world.owner, scope_id)
    measured = indicator(world.uow, world.owner, scope_id, goal, window_days=7)
    start = datetime(2030, 3, 1, tzinfo=UTC)
    rows = [
        Row(measured.key, start + timedelta(days=n), 0.9, "test", f"observations[{n}]")
        for n in range(7)
    ]
    ingest(world.uow, world.owner, rows, scope_id=scope_id)
    evaluate_scope(world.uow, world.owner, scope_id, at=start + timedelta(days=6, hours=1))
    with world.uow:
        found = world.uow.session.scalar(
            select(func.max(Evaluation.id)).where(Evaluation.scope_id == scope_id)
        )
    assert found is not None
    return found


def test_evidence_is_checked_link_by_link(parties: Parties, database_url: str) -> None:
    world = parties.world
    ours = _evaluation(world, parties.scope)
    elsewhere = new_scope(world.uow, world.owner, world.business_id, "Loans", "public")
    theirs = _evaluation(world, elsewhere)
    assessment = parties.opened()
    criterion = assessment.criteria[0].id

    def found(*evidence: dict[str, Any]) -> Callable[[], Any]:
        data = FindingSet(finding="conforms", evidence=list(evidence))
        return lambda: set_finding(world.uow, parties.outsider, assessment.id, criterion, data)

    good = {"kind": "document", "sha256": SHA, "name": "audit-report.pdf"}
    _refused(
        world, found(good, {"kind": "evaluation", "id": theirs}), InvalidInput, "evidence[1].id"
    )
    _refused(world, found({"kind": "evaluation", "id": 999_999}), InvalidInput, "evidence[0].id")
    _refused(world, found({"kind": "record", "index": 10**9}), InvalidInput, "evidence[0].index")
    for bad in (
        {"kind": "document", "sha256": "AB" * 32, "name": "report.pdf"},
        {"kind": "document", "sha256": "ab" * 31, "name": "report.pdf"},
        {"kind": "document", "sha256": SHA},
        {"kind": "record", "index": 0, "id": ours},
    ):
        with pytest.raises(ValidationError):
            FindingSet(finding="conforms", evidence=[bad])
    client = make_client(database_url)
    before = _stored(world)
    sent = client.put(
        f"/api/v1/assessments/{assessment.id}/criteria/{criterion}",
        headers=bearer(world.tokens["outsider"]),
        json={
            "finding": "conforms",
            "evidence": [{"kind": "document", "sha256": "xyz", "name": "a"}],
        },
    )
    assert sent.status_code == 422 and "sha256" in sent.json()["errors"][0]["field"], sent.text
    assert _stored(world) == before

    evidence = [good, {"kind": "evaluation", "id": ours}, {"kind": "record", "index": 0}]
    kept = found(*evidence)().criteria[0]
    assert kept.finding == "conforms"
    assert [link.model_dump(exclude_none=True) for link in kept.evidence] == evidence


def test_a_major_finding_names_its_cause_and_only_it_does(parties: Parties) -> None:
    world = parties.world
    assessment = parties.opened()
    criterion = assessment.criteria[0].id

    def found(data: FindingSet) -> Callable[[], Any]:
        return lambda: set_finding(world.uow, parties.outsider, assessment.id, criterion, data)

    _refused(world, found(FindingSet(finding="major")), InvalidInput, "cause")
    _refused(world, found(FindingSet(finding="minor", cause="measure")), InvalidInput, "cause")
    # Only the assessor's editors record findings.
    intruder = world.refresh("owner")
    _refused(
        world,
        lambda: set_finding(
            world.uow, intruder, assessment.id, criterion, FindingSet(finding="conforms")
        ),
        Forbidden,
    )
    with pytest.raises(ValidationError):
        FindingSet(finding="fine")


@pytest.mark.parametrize(
    ("causes", "loop"),
    [
        (["measure"], "inner"),
        (["measure", "measure"], "inner"),
        (["goal"], "outer"),
        (["measure", "analysis"], "outer"),
    ],
)
def test_a_major_finding_opens_the_loop_its_causes_call_for(
    parties: Parties, causes: list[str], loop: str
) -> None:
    world = parties.world
    second = specific_goal(
        world.uow, world.owner, parties.scope, title="Few wrongful rejections"
    ).id
    assessment = parties.opened(
        [{"goal_id": parties.goal}, {"goal_id": second}, {"goal_id": _third(parties)}]
    )
    findings = {n: _major(cause) for n, cause in enumerate(causes)}
    findings.setdefault(2, FindingSet(finding="minor"))
    complete(world.uow, parties.outsider, assessment, findings)
    with world.uow:
        triggers = world.uow.session.scalars(
            select(Trigger).where(Trigger.scope_id == parties.scope)
        ).all()
        assert [(t.kind, t.loop, t.subject_type, t.subject_id, t.status) for t in triggers] == [
            ("assessment_finding", loop, "assessment", assessment.id, "open")
        ]
        assert triggers[0].facts == {"measure_failed": loop == "inner"}


def _third(parties: Parties) -> int:
    return specific_goal(
        parties.world.uow, parties.world.owner, parties.scope, title="Explained rejections"
    ).id


def test_minor_findings_open_no_trigger(parties: Parties) -> None:
    world = parties.world
    complete(world.uow, parties.outsider, parties.opened(), {0: FindingSet(finding="minor")})
    with world.uow:
        assert world.uow.session.scalar(select(func.count()).select_from(Trigger)) == 0


def test_completing_needs_every_finding_and_then_none_changes(
    parties: Parties, database_url: str
) -> None:
    world = parties.world
    second = specific_goal(
        world.uow, world.owner, parties.scope, title="Few wrongful rejections"
    ).id
    assessment = parties.opened([{"goal_id": parties.goal}, {"goal_id": second}])
    first, other = (c.id for c in assessment.criteria)
    set_finding(world.uow, parties.outsider, assessment.id, first, FindingSet(finding="conforms"))
    result = AssessmentComplete(result="Meets the criteria")

    def completing() -> Any:
        return complete_assessment(world.uow, parties.outsider, assessment.id, result)

    refused = _refused(world, completing, InvalidInput, "criteria")
    assert "2" in str(refused.problems[0].message)
    set_finding(
        world.uow, parties.outsider, assessment.id, other, FindingSet(finding="observation")
    )
    done = completing()
    assert done.status == "completed" and done.completed_at is not None
    later = FindingSet(finding="major", cause="measure")
    _refused(
        world,
        lambda: set_finding(world.uow, parties.outsider, assessment.id, first, later),
        Conflict,
    )
    _refused(world, completing, Conflict)
    client = make_client(database_url)
    before = _stored(world)
    sent = client.put(
        f"/api/v1/assessments/{assessment.id}/criteria/{first}",
        headers=bearer(world.tokens["outsider"]),
        json={"finding": "major", "cause": "goal"},
    )
    assert sent.status_code == 409, sent.text
    assert _stored(world) == before


# ---------------------------------------------------------------- attestations and actions


def test_an_attestation_rests_on_a_completed_assessment_by_an_assessor(parties: Parties) -> None:
    world = parties.world
    assessment = parties.opened()
    refused = _refused(world, lambda: parties.issue(assessment.id), Conflict)
    assert "still open" in str(refused)
    complete(world.uow, parties.outsider, assessment)
    assert parties.issue(assessment.id).assessment_id == assessment.id
    # A government's peer review is an assessment, but no attestation.
    peers = _open(
        world,
        parties.outsider,
        parties.data(
            assessor=world.regulator_id,
            method="peer_review",
            engagement_id=parties.engagement(world.regulator_id),
        ),
    )
    complete(world.uow, parties.outsider, peers)
    refused = _refused(world, lambda: parties.issue(peers.id), Conflict)
    assert "not an assessor organization" in str(refused)


def _bit(parties: Parties, purpose: StatusPurpose, index: int) -> bool:
    listed = published_status_list(parties.world.uow, parties.fairbench, purpose, parties.key_dir)
    return get_bit(decode_list(listed["credentialSubject"]["encodedList"]), index)


def test_a_major_finding_suspends_until_its_actions_are_done_and_it_is_closed(
    parties: Parties,
) -> None:
    world = parties.world
    owner, editor, assessor = world.refresh("owner"), world.editor, parties.outsider
    fix = measure(world.uow, owner, parties.scope, goal_ids=[parties.goal])
    first = complete(world.uow, assessor, parties.opened())
    attestation = parties.issue(first.id)
    assert not _bit(parties, StatusPurpose.suspension, attestation.status_list_index)

    later = complete(
        world.uow, assessor, parties.opened(), {0: _major("measure", "Ratio below 0.8 for a month")}
    )
    status = attestation_status(world.uow, attestation.id)
    assert status.suspended and status.suspended_by_assessment_id == later.id
    assert not status.revoked
    assert _bit(parties, StatusPurpose.suspension, attestation.status_list_index)
    assert not _bit(parties, StatusPurpose.revocation, attestation.status_list_index)
    summary = scope_assurance(world.uow, world.viewer, parties.scope).assessments
    assert [(s.assessment_id, s.open_major, s.attestation) for s in summary] == [
        (later.id, 1, "none"),
        (first.id, 0, "suspended"),
    ]
    # Nothing is attested while the major nonconformity is open, on either assessment.
    for assessment in (first, later):
        refused = _refused(world, lambda a=assessment: parties.issue(a.id), Conflict)
        assert "major nonconformity" in str(refused)
    reinstating = lambda: reinstate_attestation(world.uow, assessor, attestation.id)  # noqa: E731
    _refused(world, reinstating, Conflict)
    criterion = later.criteria[0].id
    closing = FindingClose(note="Re-weighted", evidence=[{"kind": "record", "index": 0}])
    closing_call = lambda: close_finding(world.uow, assessor, later.id, criterion, closing)  # noqa: E731
    refused = _refused(world, closing_call, Conflict)
    assert "no improvement action" in str(refused)

    soon = clock.today() + timedelta(days=30)

    def action(**fields: Any) -> ImprovementActionCreate:
        values = {
            "criterion_id": criterion,
            "title": "Re-weight the training data",
            "owner_id": editor.user_id,
            "due": soon,
            "becomes": "measure_change",
            "measure_id": fix.id,
        }
        return ImprovementActionCreate(**(values | fields))

    elsewhere = new_scope(world.uow, owner, world.business_id, "Loans", "public")
    foreign = measure(world.uow, owner, elsewhere)
    for data, error, field in [
        (action(owner_id=assessor.user_id), InvalidInput, "owner_id"),
        (action(due=clock.today() - timedelta(days=1)), InvalidInput, "due"),
        (action(measure_id=None), InvalidInput, "measure_id"),
        (action(measure_id=foreign.id), InvalidInput, "measure_id"),
        (action(becomes="review"), InvalidInput, "measure_id"),
        (action(criterion_id=first.criteria[0].id), NotFound, None),
    ]:
        _refused(world, lambda d=data: add_action(world.uow, owner, later.id, d), error, field)
    # The assessor plans no action for the assessed organization.
    _refused(world, lambda: add_action(world.uow, assessor, later.id, action()), Forbidden)

    planned = add_action(world.uow, owner, later.id, action())
    refused = _refused(world, closing_call, Conflict)
    assert str(planned.id) in str(refused)
    # The measure's first version is older than the action.
    done = ImprovementActionDone(note="Done", measure_version=1)
    _refused(
        world,
        lambda: complete_action(world.uow, editor, planned.id, done),
        InvalidInput,
        "measure_version",
    )
    change(world.uow, owner, parties.scope, MEASURE, fix.id, title="Re-weighted training data")
    done = complete_action(
        world.uow, editor, planned.id, ImprovementActionDone(note="Done", measure_version=2)
    )
    assert done.done_at is not None and done.measure_version == 2
    _refused(world, reinstating, Conflict)
    closed = close_finding(world.uow, assessor, later.id, criterion, closing)
    assert closed.criteria[0].closed_at is not None

    status = reinstate_attestation(world.uow, assessor, attestation.id)
    assert not status.suspended and status.suspended_by_assessment_id is None
    assert not _bit(parties, StatusPurpose.suspension, attestation.status_list_index)
    assert parties.issue(later.id).assessment_id == later.id


def test_a_review_carries_out_an_action_only_if_held_here_since(parties: Parties) -> None:
    world = parties.world
    owner, editor = world.refresh("owner"), world.editor
    held_before = review(world.uow, owner, parties.scope)
    elsewhere = new_scope(world.uow, owner, world.business_id, "Loans", "public")
    later = complete(
        world.uow, parties.outsider, parties.opened(), {0: FindingSet(finding="minor")}
    )
    planned = add_action(
        world.uow,
        owner,
        later.id,
        ImprovementActionCreate(
            criterion_id=later.criteria[0].id,
            title="Reconsider the level",
            owner_id=editor.user_id,
            due=clock.today() + timedelta(days=10),
            becomes="review",
        ),
    )
    foreign = review(world.uow, owner, elsewhere)
    for data, field in [
        (ImprovementActionDone(note="Done", review_id=foreign.id), "review_id"),
        (ImprovementActionDone(note="Done", review_id=held_before.id), "review_id"),
        (ImprovementActionDone(note="Done"), "review_id"),
        (
            ImprovementActionDone(note="Done", review_id=held_before.id, measure_version=1),
            "measure_version",
        ),
    ]:
        _refused(
            world,
            lambda d=data: complete_action(world.uow, editor, planned.id, d),
            InvalidInput,
            field,
        )
    # Only its owner or an editor of the scope's organization marks it done.
    _refused(
        world,
        lambda: complete_action(
            world.uow, world.viewer, planned.id, ImprovementActionDone(note="x", review_id=1)
        ),
        Forbidden,
    )

    today = clock.today()
    with world.uow:
        assert overdue_actions(world.uow.session, editor.user_id, today) == []
        late = overdue_actions(world.uow.session, editor.user_id, today + timedelta(days=11))
        assert [(a.id, a.assessment_id, a.scope_id) for a in late] == [
            (planned.id, later.id, parties.scope)
        ]
        assert overdue_actions(world.uow.session, owner.user_id, today + timedelta(days=11)) == []
    held = review(world.uow, owner, parties.scope)
    done = complete_action(
        world.uow, editor, planned.id, ImprovementActionDone(note="Reviewed", review_id=held.id)
    )
    assert done.review_id == held.id
    with world.uow:
        assert overdue_actions(world.uow.session, editor.user_id, today + timedelta(days=11)) == []
    _refused(
        world,
        lambda: complete_action(
            world.uow, editor, planned.id, ImprovementActionDone(note="again", review_id=held.id)
        ),
        Conflict,
    )
    closed = close_finding(
        world.uow,
        parties.outsider,
        later.id,
        later.criteria[0].id,
        FindingClose(
            note="Level reconsidered",
            evidence=[{"kind": "document", "sha256": SHA, "name": "minutes.pdf"}],
        ),
    )
    assert closed.criteria[0].closing_evidence[0].sha256 == SHA


# ---------------------------------------------------------------- plans and comparison


def test_completing_the_planned_assessment_schedules_the_next(parties: Parties) -> None:
    world = parties.world
    owner = world.refresh("owner")
    area = add(
        world.uow,
        owner,
        parties.scope,
        TRUST_AREA,
        title="Hiring",
        robustness="medium",
        reason="Livelihoods",
        relied_on_by="Applicants",
    )
    plan = add(
        world.uow,
        owner,
        parties.scope,
        ASSESSMENT_PLAN,
        trust_area_id=area.id,
        method="expert_declaration",
        every_months=6,
        next_due=date(2026, 1, 31),
    )
    assessment = parties.opened(plan_id=plan.id)
    assert assessment.plan_id == plan.id
    day = datetime(2027, 8, 31, 12, tzinfo=UTC)
    with clock.frozen_at(day):
        complete(world.uow, parties.outsider, assessment)
    [area_read] = scope_assurance(world.uow, world.viewer, parties.scope).trust_areas
    [planned] = area_read.plans
    # Six months after the last of August: the last of February, a leap day.
    assert planned.next_due == date(2027, 8, 31) + relativedelta(months=6) == date(2028, 2, 29)
    with world.uow:
        assert (
            world.uow.session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.type == "assessment_plan.updated", Event.subject_id == plan.id)
            )
            == 1
        )


def test_who_sees_the_assurance_behind_a_requirements_adopters(
    parties: Parties, database_url: str
) -> None:
    world = parties.world
    regulation = new_scope(
        world.uow, parties.outsider, world.regulator_id, "Hiring rules", "public"
    )
    requirement = specific_goal(world.uow, parties.outsider, regulation, title="Selection parity")
    owner = world.refresh("owner")
    private = new_scope(world.uow, owner, world.business_id, "Internal")
    adopting = specific_goal(world.uow, owner, private, derives_from_id=requirement.id)
    own = complete(
        world.uow,
        owner,
        _open(
            world,
            owner,
            parties.data(
                [{"goal_id": adopting.id}],
                assessor=world.business_id,
                scope_id=private,
                method="self_declaration",
            ),
        ),
    )
    seen = requirement_assurance(world.uow, parties.outsider, requirement.id)
    assert [(a.scope_id, a.goal_id, a.covers_goal) for a in seen.adopters] == [
        (private, adopting.id, True)
    ]
    assurance = seen.adopters[0].assurance
    assert assurance is not None
    assert (assurance.assessment_id, assurance.method) == (own.id, "self_declaration")

    stranger = _stranger(world)
    assert requirement_assurance(world.uow, stranger, requirement.id).adopters == []
    with pytest.raises(NotFound):
        scope_assurance(world.uow, stranger, private)
    assert [s.assessment_id for s in scope_assurance(world.uow, owner, private).assessments] == [
        own.id
    ]
    client = make_client(database_url)
    assert client.get(f"/api/v1/scopes/{private}/assurance").status_code == 404
    public = client.get(f"/api/v1/goals/{requirement.id}/assurance")
    assert public.status_code == 200 and public.json()["adopters"] == []
    assert _count(world, Assessment) == 1 and _count(world, Criterion) == 1
    assert _count(world, ImprovementAction) == 0


def _count(world: World, model: Any) -> int:
    with world.uow:
        return world.uow.session.scalar(select(func.count()).select_from(model)) or 0
