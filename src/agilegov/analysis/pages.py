"""The analysis part's pages: its kinds' forms, and the scope page's tabs of
stakeholders and impacts, conditions (with their review-by dates) and risks
(with the likelihood x severity heat map)."""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agilegov.analysis.heat_map import heat_map
from agilegov.analysis.models import Condition, Impact, Risk, Stakeholder
from agilegov.analysis.service import KINDS
from agilegov.clock import now
from agilegov.i18n import N_
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.crud import in_scope, kind_pages

routers = [kind_pages(kind) for kind in KINDS]


def _stakeholders(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    impacts: dict[int, list[Impact]] = defaultdict(list)
    for impact in in_scope(session, Impact, scope):
        impacts[impact.stakeholder_id].append(impact)
    return {"stakeholders": in_scope(session, Stakeholder, scope), "impacts": impacts}


def _conditions(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    return {
        "conditions": in_scope(session, Condition, scope, Condition.review_by, Condition.id),
        "today": now().date(),
    }


def _risks(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    risks = list(
        session.scalars(
            select(Risk)
            .where(Risk.scope_id == scope.id)
            .order_by(Risk.id)
            .options(selectinload(Risk.impacts), selectinload(Risk.conditions))
        )
    )
    cells = heat_map(
        (r.inherent_likelihood, r.inherent_severity, r.residual_likelihood, r.residual_severity)
        for r in risks
    )
    return {"risks": risks, "heat": cells}


TABS = (
    Tab(
        "stakeholders",
        N_("Stakeholders and impacts"),
        10,
        "scope/stakeholders.html",
        _stakeholders,
        badge="stakeholders",
    ),
    Tab(
        "conditions", N_("Conditions"), 20, "scope/conditions.html", _conditions, badge="conditions"
    ),
    Tab("risks", N_("Risks"), 30, "scope/risks.html", _risks, badge="risks"),
)
