"""The assurance part's open data: completed assessments of published scopes."""

from agilegov.assurance.models import Assessment
from agilegov.open_tables import PublicTable, in_public_scope

TABLES = [
    PublicTable(
        "assessments",
        Assessment,
        [*in_public_scope(Assessment), Assessment.status == "completed"],
        Assessment.assessor_organization_id,
        "assessment",
    )
]
