"""The design part's open data: the measures of published scopes."""

from agilegov.design.models import Measure
from agilegov.open_tables import PublicTable, in_public_scope, scope_organization

TABLES = [
    PublicTable(
        "measures", Measure, in_public_scope(Measure), scope_organization(Measure), "measure"
    )
]
