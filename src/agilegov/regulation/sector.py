"""A sector summary's figures, computed from one period's reports. Pure: no I/O.

A report's facts hold the required indicators' results for its period under
``"indicators"``: ``{key: {"value", "required_level", "direction"}}`` (a value
of None where the period had none). Per key the figures are how many reports
gave a value, the lowest (and whose), the median, the highest (and whose), how
many meet the required level, and the worst value: the lowest where higher is
better, the highest where lower is better.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import Any


@dataclass(frozen=True)
class ReportFacts:
    """What the figures need of one report."""

    scope_id: int
    late: bool
    corrected: bool
    facts: Mapping[str, Any]


def _values(facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each required indicator's value in a report, by key: the worst of the
    period (what the regulator's "lowest reported" figures ask), with the
    required level and direction."""
    indicators = facts.get("indicators")
    if not isinstance(indicators, list):
        return {}
    return {
        entry["key"]: {**entry, "value": entry["worst_value"]}
        for entry in indicators
        if isinstance(entry, Mapping)
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("worst_value"), int | float)
    }


def meets(value: float, required: float | None, direction: str) -> bool:
    """Whether ``value`` is at the required level or better (no level: it meets)."""
    if required is None:
        return True
    return value >= required if direction != "lower_is_better" else value <= required


def figures(reports: Iterable[ReportFacts]) -> dict[str, Any]:
    """The figures of one period: ``{"reports": {...}, "indicators": {key: {...}}}``."""
    reports = list(reports)
    seen: dict[str, list[tuple[float, int, Mapping[str, Any]]]] = {}
    for report in reports:
        for key, entry in _values(report.facts).items():
            seen.setdefault(key, []).append((float(entry["value"]), report.scope_id, entry))
    indicators: dict[str, Any] = {}
    for key in sorted(seen):
        # Ties go to the lower scope id, so the figures do not depend on order.
        given = sorted(seen[key], key=lambda seen_value: (seen_value[0], seen_value[1]))
        lowest, highest = given[0], max(given, key=lambda v: (v[0], -v[1]))
        direction = str(given[0][2].get("direction") or "higher_is_better")
        required = given[0][2].get("required_level")
        worst = highest if direction == "lower_is_better" else lowest
        indicators[key] = {
            "count": len(given),
            "lowest": lowest[0],
            "lowest_scope_id": lowest[1],
            "median": median(value for value, _, _ in given),
            "highest": highest[0],
            "highest_scope_id": highest[1],
            "direction": direction,
            "required_level": required,
            "meeting": sum(meets(value, required, direction) for value, _, _ in given),
            "worst": worst[0],
            "worst_scope_id": worst[1],
        }
    return {
        "reports": {
            "submitted": len(reports),
            "late": sum(report.late for report in reports),
            "corrected": sum(report.corrected for report in reports),
        },
        "indicators": indicators,
    }
