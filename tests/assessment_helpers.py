"""An assessment made quickly through the service, for the page tests: opened
against one goal of the scope, its finding recorded, and completed."""

from datetime import date
from typing import Any

from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentCreate,
    AssessmentRead,
    FindingSet,
)
from agilegov.assurance.service import complete_assessment, create_assessment, set_finding
from agilegov.auth import Principal
from agilegov.uow import UnitOfWork
from builders import accepted_engagement, specific_goal

# The methods by which the scope's own organization assesses itself (no engagement).
OWN_METHODS = {"self_declaration", "internal_audit"}


def open_assessment(
    uow: UnitOfWork,
    actor: Principal,
    owner: Principal,
    assessor_id: int,
    scope_id: int,
    *,
    method: str = "peer_review",
    goal_id: int | None = None,
    **fields: Any,
) -> AssessmentRead:
    """An open assessment of the scope against one of its goals (made if none is
    given); another organization's on an engagement ``owner`` accepts."""
    if goal_id is None:
        goal_id = specific_goal(uow, owner, scope_id).id
    engagement = (
        None
        if method in OWN_METHODS
        else accepted_engagement(uow, actor, owner, assessor_id, scope_id)
    )
    values: dict[str, Any] = {
        "assessor_organization_id": assessor_id,
        "scope_id": scope_id,
        "method": method,
        "engagement_id": engagement,
        "coverage": "The screening model and its monitoring",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 6, 30),
        "independence": "No ties to the assessed organization",
        "criteria": [{"goal_id": goal_id}],
    }
    return create_assessment(uow, actor, AssessmentCreate.model_validate(values | fields))


def completed_assessment(
    uow: UnitOfWork,
    actor: Principal,
    owner: Principal,
    assessor_id: int,
    scope_id: int,
    *,
    result: str = "Meets the criteria",
    finding: str = "conforms",
    cause: str | None = None,
    **fields: Any,
) -> AssessmentRead:
    """An assessment as ``open_assessment`` makes it, its one finding recorded and completed."""
    opened = open_assessment(uow, actor, owner, assessor_id, scope_id, **fields)
    found = FindingSet.model_validate({"finding": finding, "cause": cause})
    set_finding(uow, actor, opened.id, opened.criteria[0].id, found)
    return complete_assessment(uow, actor, opened.id, AssessmentComplete(result=result))
