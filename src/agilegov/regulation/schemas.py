from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output, StoredDatetime

# ---------------------------------------------------------------- risk reporting


class ChannelStatus(StrEnum):
    open = "open"
    closed = "closed"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ReportingChannelCreate(Input):
    organization_id: int = Field(description=N_("The government organization receiving reports."))
    title: Name
    what: LongText = Field(min_length=1, description=N_("What must be reported."))
    who: LongText = Field(min_length=1, description=N_("Who must report it."))
    hours_to_report: int = Field(
        ge=1, le=720, description=N_("Within how many hours of becoming aware a report is due.")
    )


class ReportingChannelRead(Output):
    id: int
    organization_id: int
    title: str
    what: str
    who: str
    hours_to_report: int
    status: ChannelStatus
    created_at: datetime


class RiskReportCreate(Input):
    organization_id: int = Field(description=N_("The business filing the report."))
    title: Name
    description: LongText = Field(min_length=1, description=N_("What happened or was found."))
    severity: Severity
    became_aware_at: StoredDatetime = Field(
        description=N_("When the business became aware of it; not in the future.")
    )
    scope_id: int | None = Field(
        default=None, description=N_("The business's own scope it concerns, if one.")
    )


class RiskReportRead(Output):
    id: int
    channel_id: int
    organization_id: int
    scope_id: int | None
    title: str
    description: str
    severity: Severity
    became_aware_at: datetime
    filed_at: datetime
    filed_by: int | None
    late: bool


class RiskAggregates(Output):
    """A channel's reports counted: per severity, per filing organization, per
    month filed (YYYY-MM), and how many were late."""

    total: int
    by_severity: dict[str, int]
    by_organization: dict[int, int]
    by_month: dict[str, int]
    late: int
    late_share: float | None = Field(description=N_("Late reports over all; none without reports."))
