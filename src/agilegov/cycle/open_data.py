"""The cycle's open data: the reviews of published scopes."""

from agilegov.cycle.models import Review
from agilegov.open_tables import PublicTable, in_public_scope, scope_organization

TABLES = [
    PublicTable("reviews", Review, in_public_scope(Review), scope_organization(Review), "review")
]
