"""The scopes part's open data: published scopes."""

from agilegov.open_tables import PublicTable
from agilegov.tenancy import Scope

TABLES = [
    PublicTable("scopes", Scope, [Scope.visibility == "public"], Scope.organization_id, "scope")
]
