"""Analysis of conditions and risks (report 4.1 and 4.6): the kinds and their rules."""

from typing import Any

from sqlalchemy.orm import Session

from agilegov.analysis.models import Condition, Impact, Risk, Stakeholder
from agilegov.analysis.schemas import (
    ConditionCreate,
    ConditionRead,
    ConditionUpdate,
    ImpactCreate,
    ImpactRead,
    ImpactUpdate,
    RiskCreate,
    RiskRead,
    RiskUpdate,
    StakeholderCreate,
    StakeholderRead,
    StakeholderUpdate,
)
from agilegov.errors import InvalidInput
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_exists
from agilegov.scoped import Kind
from agilegov.tenancy import Scope


def require_organization(session: Session, field: str, organization_id: int | None) -> None:
    if organization_id is not None and not organization_exists(session, organization_id):
        raise InvalidInput.on(
            field, lazy("no organization %(organization_id)s", organization_id=organization_id)
        )


def _stakeholder_rules(session: Session, scope: Scope, stakeholder: Any) -> None:
    require_organization(session, "organization_id", stakeholder.organization_id)


STAKEHOLDER = Kind(
    name="stakeholder",
    plural="stakeholders",
    label=N_("stakeholder"),
    tab="stakeholders",
    label_column="name",
    model=Stakeholder,
    create=StakeholderCreate,
    update=StakeholderUpdate,
    read=StakeholderRead,
    rules=_stakeholder_rules,
)

IMPACT = Kind(
    name="impact",
    plural="impacts",
    label=N_("impact"),
    # Listed under their stakeholders.
    tab="stakeholders",
    label_column="title",
    model=Impact,
    create=ImpactCreate,
    update=ImpactUpdate,
    read=ImpactRead,
    refs=(STAKEHOLDER.ref("stakeholder_id"),),
)

CONDITION = Kind(
    name="condition",
    plural="conditions",
    label=N_("condition"),
    tab="conditions",
    label_column="title",
    model=Condition,
    create=ConditionCreate,
    update=ConditionUpdate,
    read=ConditionRead,
)

RISK = Kind(
    name="risk",
    plural="risks",
    label=N_("risk"),
    tab="risks",
    label_column="title",
    model=Risk,
    create=RiskCreate,
    update=RiskUpdate,
    read=RiskRead,
    links=(
        IMPACT.link("impact_ids", "impacts"),
        CONDITION.link("condition_ids", "conditions"),
    ),
)

KINDS = (STAKEHOLDER, IMPACT, CONDITION, RISK)
