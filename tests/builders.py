"""Small builders for service tests: a scope, its goals, indicators and measures,
a walk round the cycle, and counts of what the database holds."""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from agilegov import clock, scoped
from agilegov.analysis.service import CONDITION, IMPACT, STAKEHOLDER
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentCreate,
    AssessmentRead,
    EngagementAccept,
    EngagementCreate,
    FindingSet,
)
from agilegov.assurance.service import (
    accept_engagement,
    complete_assessment,
    create_assessment,
    request_engagement,
    set_finding,
)
from agilegov.auth import Principal
from agilegov.cycle import service as cycle
from agilegov.cycle.models import Cycle
from agilegov.cycle.rules import Stage
from agilegov.cycle.schemas import ReviewCreate, TransitionCreate
from agilegov.design.service import MEASURE
from agilegov.goals.service import GOAL, INDICATOR
from agilegov.organizations.models import User
from agilegov.organizations.schemas import (
    MemberAdd,
    OrganizationCreate,
    UserCreate,
    VerificationCreate,
)
from agilegov.organizations.service import (
    add_member,
    create_organization,
    create_user,
    issue_token,
    principal_for_user,
    set_site_admin,
    verify_organization,
)
from agilegov.record.models import Event
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from agilegov.tables import metadata
from agilegov.trust.schemas import AccreditationBodyAppoint, AccreditationCreate, SchemeCreate
from agilegov.trust.service import accredit, appoint_accreditation_body, create_scheme
from agilegov.uow import UnitOfWork


def new_scope(
    uow: UnitOfWork,
    actor: Principal,
    organization_id: int,
    name: str = "Candidate screening model",
    visibility: str = "private",
) -> int:
    data = ScopeCreate(
        organization_id=organization_id, name=name, kind="ai_system", visibility=visibility
    )
    return create_scope(uow, actor, data).id


def add(
    uow: UnitOfWork, actor: Principal, scope_id: int, kind: scoped.Kind, /, **fields: Any
) -> Any:
    """Create an entity of ``kind`` through the one generic service."""
    return scoped.create_item(uow, actor, scope_id, kind, kind.create(**fields))


def change(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    kind: scoped.Kind,
    item_id: int,
    /,
    **fields: Any,
) -> Any:
    return scoped.update_item(uow, actor, scope_id, kind, item_id, kind.update(**fields))


def specific_goal(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Fair shortlisting",
        "level": "specific",
        "direction": "higher_is_better",
        "unit": "ratio",
        "acceptable_level": 0.8,
    }
    return add(uow, actor, scope_id, GOAL, **(values | fields))


def indicator(uow: UnitOfWork, actor: Principal, scope_id: int, goal_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "goal_id": goal_id,
        "key": "selection.ratio",
        "name": "Selection-rate ratio",
        "data_source": "weekly shortlisting export",
    }
    return add(uow, actor, scope_id, INDICATOR, **(values | fields))


def measure(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "kind": "technology",
        "title": "Re-weighting of training data",
        "status": "implemented",
    }
    return add(uow, actor, scope_id, MEASURE, **(values | fields))


def stakeholder(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {"name": "Applicants", "category": "user"}
    return add(uow, actor, scope_id, STAKEHOLDER, **(values | fields))


def impact(
    uow: UnitOfWork, actor: Principal, scope_id: int, stakeholder_id: int, **fields: Any
) -> Any:
    values: dict[str, Any] = {
        "stakeholder_id": stakeholder_id,
        "title": "Unfair rejection",
        "nature": "negative",
        "area": "fairness",
        "magnitude": 4,
    }
    return add(uow, actor, scope_id, IMPACT, **(values | fields))


def condition(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Employment equality act in force",
        "category": "regulation",
        "source": "official gazette",
        "review_by": date(2031, 1, 1),
    }
    return add(uow, actor, scope_id, CONDITION, **(values | fields))


def ready_for_operation(uow: UnitOfWork, actor: Principal, scope_id: int) -> dict[str, Any]:
    """What the guard of operation asks for: a goal with an indicator, a measure in place."""
    goal = specific_goal(uow, actor, scope_id)
    return {
        "goal": goal,
        "indicator": indicator(uow, actor, scope_id, goal.id),
        "measure": measure(uow, actor, scope_id, goal_ids=[goal.id]),
    }


def move(uow: UnitOfWork, actor: Principal, scope_id: int, *stages: str) -> Any:
    """Advance through ``stages`` in order; return the cycle after the last move."""
    read = None
    for stage in stages:
        read = cycle.advance(uow, actor, scope_id, TransitionCreate(to=stage, reason=f"to {stage}"))
    return read


def to_operation(uow: UnitOfWork, actor: Principal, scope_id: int) -> dict[str, Any]:
    """From a new scope at analysis, one full pass to operation."""
    built = ready_for_operation(uow, actor, scope_id)
    move(uow, actor, scope_id, Stage.goals, Stage.design, Stage.operation)
    return built


def review(uow: UnitOfWork, actor: Principal, scope_id: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "summary": "Selection ratio below the line for two weeks",
        "decisions": ["retrain with re-weighted data"],
        "evidence": ["indicator selection.ratio, weeks 12-13"],
    }
    return cycle.record_review(uow, actor, scope_id, ReviewCreate(**(values | fields)))


def accepted_engagement(
    uow: UnitOfWork, assessor: Principal, owner: Principal, assessor_id: int, scope_id: int
) -> int:
    """An engagement the assessor asked for and the scope's owner accepted: what
    an assessment of the scope needs."""
    engagement = request_engagement(
        uow,
        assessor,
        EngagementCreate(
            assessor_organization_id=assessor_id, scope_id=scope_id, scheme="ISO/IEC 42001"
        ),
    )
    return accept_engagement(uow, owner, engagement.id, EngagementAccept()).id


def scope_goal(uow: UnitOfWork, owner: Principal, scope_id: int) -> int:
    """A goal of the scope to assess against: its first, else one made now."""
    with uow:
        found = uow.session.scalar(
            select(GOAL.model.id).where(GOAL.model.scope_id == scope_id).order_by(GOAL.model.id)
        )
    return found if found is not None else specific_goal(uow, owner, scope_id).id


def assessment_input(
    assessor_id: int, scope_id: int, criteria: list[dict[str, Any]], /, **fields: Any
) -> AssessmentCreate:
    """What opening an assessment of the scope by the assessor asks for; by
    default an expert declaration (another organization, on an engagement)."""
    values: dict[str, Any] = {
        "assessor_organization_id": assessor_id,
        "scope_id": scope_id,
        "method": "expert_declaration",
        "coverage": "Monitoring of the selection-rate ratio",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 6, 30),
        "independence": "No other work for the assessed organization",
        "criteria": criteria,
    }
    return AssessmentCreate(**(values | fields))


def complete(
    uow: UnitOfWork,
    actor: Principal,
    assessment: AssessmentRead,
    findings: dict[int, FindingSet] | None = None,
    result: str = "Meets the criteria",
) -> AssessmentRead:
    """Record a finding against every criterion (by position in ``findings``,
    else conforms), then complete the assessment."""
    for criterion in assessment.criteria:
        found = (findings or {}).get(criterion.position, FindingSet(finding="conforms"))
        set_finding(uow, actor, assessment.id, criterion.id, found)
    return complete_assessment(uow, actor, assessment.id, AssessmentComplete(result=result))


# The methods by which the scope's own organization assesses itself (no engagement).
OWN_METHODS = {"self_declaration", "internal_audit"}


def open_assessment(
    uow: UnitOfWork,
    actor: Principal,
    owner: Principal,
    assessor_id: int,
    scope_id: int,
    /,
    *,
    goal_id: int | None = None,
    **fields: Any,
) -> AssessmentRead:
    """An open assessment of one goal of the scope (``scope_goal`` unless
    ``goal_id``); another organization's on an engagement the owner accepts
    unless ``engagement_id`` is given."""
    goal_id = goal_id if goal_id is not None else scope_goal(uow, owner, scope_id)
    method = fields.get("method", "expert_declaration")
    if "engagement_id" not in fields and method not in OWN_METHODS:
        fields["engagement_id"] = accepted_engagement(uow, actor, owner, assessor_id, scope_id)
    data = assessment_input(assessor_id, scope_id, [{"goal_id": goal_id}], **fields)
    return create_assessment(uow, actor, data)


def completed_assessment(
    uow: UnitOfWork,
    actor: Principal,
    owner: Principal,
    assessor_id: int,
    scope_id: int,
    /,
    *,
    finding: str = "conforms",
    cause: str | None = None,
    result: str = "Meets the criteria",
    **fields: Any,
) -> AssessmentRead:
    """An assessment as ``open_assessment`` makes it, its one criterion found
    ``finding`` (with ``cause``), completed: what an attestation rests on."""
    opened = open_assessment(uow, actor, owner, assessor_id, scope_id, **fields)
    found = FindingSet.model_validate({"finding": finding, "cause": cause})
    return complete(uow, actor, opened, {0: found}, result)


def event_count(uow: UnitOfWork) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(Event)) or 0


def row_counts(uow: UnitOfWork) -> dict[str, int]:
    """Rows in every table, to show that a refused call stored nothing."""
    with uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables
        }


def cycle_row(uow: UnitOfWork, scope_id: int) -> dict[str, Any]:
    with uow:
        row = uow.session.get(Cycle, scope_id)
        assert row is not None
        return {column.name: getattr(row, column.name) for column in Cycle.__table__.columns}


@dataclass
class World:
    """Two organizations and people with every role, as principals and tokens."""

    uow: UnitOfWork
    business_id: int
    regulator_id: int
    owner: Principal
    editor: Principal
    reviewer: Principal
    viewer: Principal
    outsider: Principal  # owner of the regulator, nobody at the business
    tokens: dict[str, str]

    def refresh(self, name: str) -> Principal:
        principal = getattr(self, name)
        with self.uow:
            return principal_for_user(self.uow.session, principal.user_id)


def _person(uow: UnitOfWork, name: str) -> Principal:
    user = create_user(
        uow, UserCreate(email=f"{name}@example.com", name=name.title(), password="a-long-password")
    )
    with uow:
        return principal_for_user(uow.session, user.id)


SITE_OPERATOR = "site@example.com"


def site_operator(uow: UnitOfWork) -> Principal:
    """The site's operator (made on first use)."""
    with uow:
        known = uow.session.scalar(select(User.id).where(User.email == SITE_OPERATOR))
    if known is None:
        known = create_user(
            uow, UserCreate(email=SITE_OPERATOR, name="Site", password="a-long-password")
        ).id
        set_site_admin(uow, SITE_OPERATOR, True)
    with uow:
        return principal_for_user(uow.session, known)


def vouch_for(uow: UnitOfWork, organization_id: int) -> None:
    """Verify an organization as the site's operator: a government publishes
    only once verified."""
    entry = VerificationCreate(method="registry_entry", evidence="Test registry, entry 1")
    verify_organization(uow, site_operator(uow), organization_id, entry)


def build_cast(uow: UnitOfWork) -> World:
    """Two organizations (a business, a regulator) and a person of every role."""
    people = {
        name: _person(uow, name) for name in ("owner", "editor", "reviewer", "viewer", "outsider")
    }
    business = create_organization(
        uow,
        people["owner"],
        OrganizationCreate(slug="hireright", name="HireRight", kind="business"),
    )
    regulator = create_organization(
        uow,
        people["outsider"],
        OrganizationCreate(slug="ministry", name="Ministry", kind="government"),
    )
    vouch_for(uow, regulator.id)
    with uow:
        owner = principal_for_user(uow.session, people["owner"].user_id)
    for role in ("editor", "reviewer", "viewer"):
        add_member(uow, owner, business.id, MemberAdd(email=f"{role}@example.com", role=role))
    principals = {}
    with uow:
        for name, person in people.items():
            principals[name] = principal_for_user(uow.session, person.user_id)
    tokens = {name: issue_token(uow, p, "tests").token for name, p in principals.items()}
    return World(
        uow=uow, business_id=business.id, regulator_id=regulator.id, tokens=tokens, **principals
    )


def accredited_scheme(uow: UnitOfWork, owner: Principal, assessor_id: int, key_dir: Path) -> int:
    """The assessor verified and accredited, by a verified accreditation body
    that ``owner`` founds, for a scheme: the scheme's id."""
    body = create_organization(
        uow,
        owner,
        OrganizationCreate(
            slug="accreditation-council",
            name="AI Assurance Accreditation Council",
            kind="infrastructure_operator",
        ),
    )
    vouch_for(uow, body.id)
    vouch_for(uow, assessor_id)
    appoint_accreditation_body(
        uow, site_operator(uow), AccreditationBodyAppoint(organization_id=body.id)
    )
    with uow:
        founder = principal_for_user(uow.session, owner.user_id)
    scheme = create_scheme(
        uow,
        founder,
        SchemeCreate(
            accreditation_body_id=body.id,
            slug="aigb-third-party",
            name="AI Guidelines for Business — third-party assessment",
        ),
    )
    accredit(
        uow,
        founder,
        AccreditationCreate(
            scheme_id=scheme.id,
            assessor_organization_id=assessor_id,
            valid_until=clock.now() + timedelta(days=3 * 365),
        ),
        key_dir,
    )
    return scheme.id
