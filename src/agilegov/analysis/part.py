"""The analysis of conditions and risks (環境・リスク分析): stakeholders, impacts,
conditions and risks."""

from pathlib import Path

from agilegov.analysis import api, models, pages
from agilegov.analysis.models import Condition, Risk, Stakeholder
from agilegov.analysis.risk_matrix import risk_level
from agilegov.analysis.service import KINDS
from agilegov.exchange import kinds_section
from agilegov.part import Part, ReviewDates
from agilegov.scoped import count_in_scope

PART = Part(
    name="analysis",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=pages.routers,
    tabs=pages.TABS,
    counts={
        "stakeholders": count_in_scope(Stakeholder),
        "conditions": count_in_scope(Condition),
        "risks": count_in_scope(Risk),
    },
    trigger_subjects={kind.name: kind.model for kind in KINDS},
    review_dates=[ReviewDates("condition_review_due", "condition", Condition)],
    exchange=[kinds_section(*KINDS)],
    template_globals={"risk_level": risk_level},
)
