"""The analysis part's pages: its kinds' forms, and the scope page's tabs of
stakeholders and impacts, conditions (with their review-by dates) and risks
(with the likelihood x severity heat map)."""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agilegov.analysis.heat_map import heat_map
from agilegov.analysis.models import Condition, Impact, Risk, Stakeholder
from agilegov.analysis.risk_matrix import risk_level
from agilegov.analysis.schemas import ConditionCategory, StakeholderCategory, Treatment
from agilegov.analysis.service import KINDS
from agilegov.clock import now
from agilegov.i18n import N_
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.crud import kind_pages
from agilegov.web.lists import Column, Listing, choice_label, read
from agilegov.web.render import when_text

routers = [kind_pages(kind) for kind in KINDS]


LEVELS = tuple(str(level) for level in range(1, 6))

STAKEHOLDERS = Listing(
    Stakeholder,
    (
        Column("name", N_("Stakeholder"), Stakeholder.name, lambda s: s.name, searched=True),
        Column(
            "category",
            N_("Category"),
            Stakeholder.category,
            lambda s: choice_label(s.category),
            choices=tuple(StakeholderCategory),
        ),
        Column("interests", N_("Interests"), Stakeholder.interests, lambda s: s.interests, True),
        Column(
            "description",
            N_("Description"),
            Stakeholder.description,
            lambda s: s.description,
            searched=True,
            sortable=False,
        ),
    ),
)

CONDITIONS = Listing(
    Condition,
    (
        Column("title", N_("Condition"), Condition.title, lambda c: c.title, searched=True),
        Column(
            "category",
            N_("Category"),
            Condition.category,
            lambda c: choice_label(c.category),
            choices=tuple(ConditionCategory),
        ),
        Column("source", N_("Source"), Condition.source, lambda c: c.source, searched=True),
        Column("review_by", N_("Review by"), Condition.review_by, lambda c: when_text(c.review_by)),
        Column(
            "description",
            N_("Description"),
            Condition.description,
            lambda c: c.description,
            searched=True,
            shown=False,
        ),
    ),
    order=(Condition.review_by,),
)


def _score(likelihood: int, severity: int) -> str:
    return f"{likelihood}\u00d7{severity} {choice_label(risk_level(likelihood, severity).value)}"


RISKS = Listing(
    Risk,
    (
        Column("title", N_("Risk"), Risk.title, lambda r: r.title, searched=True),
        Column(
            "inherent",
            N_("Inherent"),
            Risk.inherent_likelihood * Risk.inherent_severity,
            lambda r: _score(r.inherent_likelihood, r.inherent_severity),
        ),
        Column(
            "residual",
            N_("Residual"),
            Risk.residual_likelihood * Risk.residual_severity,
            lambda r: _score(r.residual_likelihood, r.residual_severity),
        ),
        Column(
            "treatment",
            N_("Treatment"),
            Risk.treatment,
            lambda r: choice_label(r.treatment),
            choices=tuple(Treatment),
        ),
        Column(
            "likelihood",
            N_("Likelihood"),
            Risk.inherent_likelihood,
            lambda r: r.inherent_likelihood,
            choices=LEVELS,
            shown=False,
            value=int,
        ),
        Column(
            "severity",
            N_("Severity"),
            Risk.inherent_severity,
            lambda r: r.inherent_severity,
            choices=LEVELS,
            shown=False,
            value=int,
        ),
        Column(
            "description",
            N_("Description"),
            Risk.description,
            lambda r: r.description,
            searched=True,
            shown=False,
        ),
    ),
)


def _stakeholders(
    session: Session, scope: Scope, query: dict[str, str], **_: Any
) -> dict[str, Any]:
    listed = read(session, STAKEHOLDERS, [Stakeholder.scope_id == scope.id], query)
    impacts: dict[int, list[Impact]] = defaultdict(list)
    shown = [s.id for s in listed.rows]
    for impact in session.scalars(
        select(Impact).where(Impact.stakeholder_id.in_(shown)).order_by(Impact.id)
    ):
        impacts[impact.stakeholder_id].append(impact)
    return {"stakeholders": listed, "impacts": impacts}


def _conditions(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    return {
        "conditions": read(session, CONDITIONS, [Condition.scope_id == scope.id], query),
        "today": now().date(),
    }


def _risks(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    listed = read(session, RISKS, [Risk.scope_id == scope.id], query, [selectinload(Risk.impacts)])
    every_risk = session.execute(
        select(
            Risk.inherent_likelihood,
            Risk.inherent_severity,
            Risk.residual_likelihood,
            Risk.residual_severity,
        ).where(Risk.scope_id == scope.id)
    )
    cells = heat_map((row[0], row[1], row[2], row[3]) for row in every_risk)
    return {"risks": listed, "heat": cells}


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
