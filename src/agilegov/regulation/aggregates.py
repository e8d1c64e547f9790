"""A channel's risk reports counted, as a pure function of the reports: what
the channel's owner reads at a glance."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agilegov.regulation.schemas import RiskAggregates, Severity


@dataclass(frozen=True)
class Filed:
    """What the counts read of one report."""

    severity: str
    organization_id: int
    filed_at: datetime
    late: bool


def aggregate(reports: Iterable[Filed]) -> RiskAggregates:
    """Counts per severity (every severity, zero included), per organization,
    per month filed (UTC), and the share of late reports (None without any)."""
    by_severity = {severity.value: 0 for severity in Severity}
    by_organization: Counter[int] = Counter()
    by_month: Counter[str] = Counter()
    total = late = 0
    for report in reports:
        total += 1
        by_severity[report.severity] += 1
        by_organization[report.organization_id] += 1
        by_month[report.filed_at.strftime("%Y-%m")] += 1
        late += report.late
    return RiskAggregates(
        total=total,
        by_severity=by_severity,
        by_organization=dict(sorted(by_organization.items())),
        by_month=dict(sorted(by_month.items())),
        late=late,
        late_share=late / total if total else None,
    )
