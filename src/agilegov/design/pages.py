"""The design part's pages: the measures' forms, and the scope page's tab of
measures (technology, rules and organization, each with the risks and goals it
addresses)."""

from typing import Any

from sqlalchemy.orm import Session, selectinload

from agilegov.design.models import Measure
from agilegov.design.schemas import MeasureKind, MeasureStatus, RuleLayer
from agilegov.design.service import KINDS
from agilegov.i18n import N_
from agilegov.library.service import citations_of
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.crud import kind_pages
from agilegov.web.lists import Column, Listing, choice_label, read

routers = [kind_pages(kind) for kind in KINDS]


def _kind_text(measure: Measure) -> str:
    kind = choice_label(measure.kind)
    return f"{kind} ({choice_label(measure.rule_layer)})" if measure.rule_layer else kind


MEASURES = Listing(
    Measure,
    (
        Column("title", N_("Measure"), Measure.title, lambda m: m.title, searched=True),
        Column(
            "kind",
            N_("Kind"),
            Measure.kind,
            _kind_text,
            choices=tuple(MeasureKind),
        ),
        Column(
            "status",
            N_("Status"),
            Measure.status,
            lambda m: choice_label(m.status),
            choices=tuple(MeasureStatus),
        ),
        Column(
            "addresses",
            N_("Addresses"),
            Measure.id,
            lambda m: ", ".join([*(r.title for r in m.risks), *(g.title for g in m.goals)]),
            sortable=False,
        ),
        Column("version", N_("Version"), Measure.version, lambda m: m.version),
        Column(
            "rule_layer",
            N_("Rule layer"),
            Measure.rule_layer,
            lambda m: m.rule_layer,
            choices=tuple(RuleLayer),
            shown=False,
        ),
        Column(
            "description",
            N_("Description"),
            Measure.description,
            lambda m: m.description,
            searched=True,
            shown=False,
        ),
    ),
    order=(Measure.kind,),
)


def _measures(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    loads = [selectinload(Measure.risks), selectinload(Measure.goals)]
    measures = read(session, MEASURES, [Measure.scope_id == scope.id], query, loads)
    cited = citations_of(session, "measure", [m.id for m in measures.rows])
    return {"measures": measures, "cited": cited}


TABS = (Tab("measures", N_("Measures"), 70, "scope/measures.html", _measures, badge="measures"),)
