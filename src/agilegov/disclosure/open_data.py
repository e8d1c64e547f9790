"""The disclosure part's open data: the published transparency reports of
published scopes (superseded versions too: what was said stays readable)."""

from agilegov.disclosure.report_models import TransparencyReport
from agilegov.open_tables import PublicTable, in_public_scope

TABLES = [
    PublicTable(
        "transparency_reports",
        TransparencyReport,
        [*in_public_scope(TransparencyReport), TransparencyReport.status != "draft"],
        TransparencyReport.organization_id,
        "transparency_report",
    )
]
