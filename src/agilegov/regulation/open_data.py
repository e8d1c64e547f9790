"""The regulation part's open data: published requirements and the
evaluations of reports."""

from sqlalchemy import literal, select

from agilegov.open_tables import PublicTable, scope_organization
from agilegov.regulation.models import RegulatoryReport, RegulatoryRequirement, ReportEvaluation
from agilegov.tenancy import Scope

# The organization whose requirement an evaluated report answered.
_REQUIREMENT_ORGANIZATION = (
    select(Scope.organization_id)
    .join(RegulatoryRequirement, RegulatoryRequirement.scope_id == Scope.id)
    .join(RegulatoryReport, RegulatoryReport.requirement_id == RegulatoryRequirement.id)
    .where(RegulatoryReport.id == ReportEvaluation.report_id)
    .correlate(ReportEvaluation)
    .scalar_subquery()
)

TABLES = [
    PublicTable(
        "regulatory_requirements",
        RegulatoryRequirement,
        [RegulatoryRequirement.status == "published"],
        scope_organization(RegulatoryRequirement),
        "requirement",
    ),
    PublicTable(
        "report_evaluations",
        ReportEvaluation,
        [literal(True)],
        _REQUIREMENT_ORGANIZATION,
        "report_evaluation",
    ),
]
