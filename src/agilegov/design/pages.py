"""The design part's pages: the measures' forms, and the scope page's tab of
measures (technology, rules and organization, each with the risks and goals it
addresses)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agilegov.design.models import Measure
from agilegov.design.service import KINDS
from agilegov.i18n import N_
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.web.crud import kind_pages

routers = [kind_pages(kind) for kind in KINDS]


def _measures(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    measures = list(
        session.scalars(
            select(Measure)
            .where(Measure.scope_id == scope.id)
            .order_by(Measure.kind, Measure.id)
            .options(selectinload(Measure.risks), selectinload(Measure.goals))
        )
    )
    return {"measures": measures}


TABS = (Tab("measures", N_("Measures"), 70, "scope/measures.html", _measures, badge="measures"),)
