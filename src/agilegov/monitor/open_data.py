"""The monitor part's open data: observations and evaluations of published scopes."""

from agilegov.goals.service import INDICATOR
from agilegov.monitor.models import Evaluation, Observation
from agilegov.open_tables import PublicTable, in_public_scope, public_scopes, scope_organization

Indicator = INDICATOR.model

TABLES = [
    PublicTable(
        "observations",
        Observation,
        [Indicator.scope_id.in_(public_scopes())],
        scope_organization(Indicator),
        None,
        joins=[(Indicator, Indicator.id == Observation.indicator_id)],
    ),
    PublicTable(
        "evaluations",
        Evaluation,
        in_public_scope(Evaluation),
        scope_organization(Evaluation),
        None,
        leave_out=["leaf_index"],
    ),
]
