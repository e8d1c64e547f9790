"""The goals part's open data: the goals and indicators of published scopes."""

from agilegov.goals.models import Goal, Indicator
from agilegov.open_tables import PublicTable, in_public_scope, scope_organization

TABLES = [
    PublicTable("goals", Goal, in_public_scope(Goal), scope_organization(Goal), "goal"),
    PublicTable(
        "indicators",
        Indicator,
        in_public_scope(Indicator),
        scope_organization(Indicator),
        "indicator",
    ),
]
