"""Assurance: where trust is needed and how robust it must be, assessments by
assessors and the attestations they issue."""

from pathlib import Path

from agilegov.assurance import api, models, pages
from agilegov.assurance.cli import assurance_app, credential_app
from agilegov.assurance.models import Assessment, TrustArea
from agilegov.assurance.open_data import TABLES as OPEN_TABLES
from agilegov.assurance.service import KINDS
from agilegov.exchange import kinds_section
from agilegov.part import Part
from agilegov.scoped import count_in_scope

PART = Part(
    name="assurance",
    templates=Path(__file__).parent / "templates",
    messages=Path(__file__).parent / "locale",
    tables=[models],
    api_routers=api.routers,
    page_routers=[pages.router, *pages.KIND_PAGES],
    tabs=pages.TABS,
    panels=pages.PANELS,
    counts={"trust_areas": count_in_scope(TrustArea)},
    # A major nonconformity opens a trigger about its assessment.
    trigger_subjects={"assessment": Assessment},
    commands=[credential_app, assurance_app],
    exchange=[kinds_section(*KINDS)],
    open_data=OPEN_TABLES,
)
