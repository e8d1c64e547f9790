"""System design (システムデザイン): measures of technology, rules and organization."""

from pathlib import Path

from agilegov.design import api, models, pages
from agilegov.design.models import Measure
from agilegov.design.open_data import TABLES as OPEN_TABLES
from agilegov.design.service import KINDS
from agilegov.exchange import kinds_section
from agilegov.part import Part
from agilegov.scoped import count_in_scope

PART = Part(
    name="design",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=pages.routers,
    tabs=pages.TABS,
    counts={"measures": count_in_scope(Measure)},
    trigger_subjects={kind.name: kind.model for kind in KINDS},
    cycle_facts={"implemented_measures": count_in_scope(Measure, Measure.status == "implemented")},
    exchange=[kinds_section(*KINDS)],
    open_data=OPEN_TABLES,
)
