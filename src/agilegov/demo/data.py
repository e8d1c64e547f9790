"""The monitoring data of the demo: each indicator's daily value comes from a level
that tells the story plus seeded noise, so the data is the same on every load.

The value of day ``d`` is stamped at midnight and measures the day that ended then
(day ``d - 1``): what happens on a day of the story shows from the next day's value.
"""

import random
from collections.abc import Callable

from agilegov.demo.story import (
    BORDERLINE_REVIEW,
    CALIBRATION_LIVE,
    CLIENT_DRIFT,
    DEMO_SLUG,
    GO_LIVE,
    HOTFIX,
    LAST_DAY,
    TEMPLATE_CHANGE,
    Series,
)


def _daily(key: str, days: range, value: Callable[[int, random.Random], float]) -> Series:
    rng = random.Random(f"{DEMO_SLUG}:{key}")
    return {day: value(day, rng) for day in days}


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _selection_rate_ratio(day: int, rng: random.Random) -> float:
    if day < CLIENT_DRIFT:
        level = 0.90
    elif day < CLIENT_DRIFT + 6:  # the new client's volume ramps up
        level = 0.90 - 0.08 * (day - CLIENT_DRIFT) / 6
    elif day <= BORDERLINE_REVIEW:
        level = 0.82
    elif day <= CALIBRATION_LIVE:  # people restore borderline applicants of clients on alert
        level = 0.86
    elif day <= CALIBRATION_LIVE + 7:  # the recalibrated model rolls out
        level = 0.86 + 0.06 * (day - CALIBRATION_LIVE) / 7
    else:
        level = 0.92
    # Even at its worst the service stays above the ministry's 0.80.
    return round(_clip(level + rng.gauss(0, 0.008), 0.805, 0.99), 3)


def _explanation_share(day: int, rng: random.Random) -> float:
    if TEMPLATE_CHANGE < day <= HOTFIX + 1:  # the hotfix went out in the afternoon
        return round(_clip(0.955 + rng.gauss(0, 0.008), 0.93, 0.975), 4)
    if day <= TEMPLATE_CHANGE:
        return round(_clip(0.997 + rng.gauss(0, 0.001), 0.993, 1.0), 4)
    # After the hotfix, above even the later, stricter 0.995.
    return round(_clip(0.998 + rng.gauss(0, 0.001), 0.996, 1.0), 4)


def _median_days_to_decision(day: int, rng: random.Random) -> float:
    # Reviewing the borderline band by hand costs time: the trade-off in action.
    level = 2.4 if day <= BORDERLINE_REVIEW else 3.1
    return round(_clip(level + rng.gauss(0, 0.25), 1.5, 4.5), 1)


def _complaints_resolved(day: int, rng: random.Random) -> float:
    # The complaints about missing reasons take the desk a few weeks to work through.
    if HOTFIX < day <= HOTFIX + 22:
        return round(_clip(0.958 + rng.gauss(0, 0.004), 0.951, 0.97), 3)
    return round(_clip(0.975 + rng.gauss(0, 0.008), 0.955, 1.0), 3)


def _panel_agreement(day: int, rng: random.Random) -> float:
    # Calibration for fairness costs a little agreement with the human panel.
    level = 0.86 if day <= CALIBRATION_LIVE else 0.845
    return round(_clip(level + rng.gauss(0, 0.01), 0.81, 0.9), 3)


def screening_series() -> dict[str, Series]:
    """Daily values of TalentBridge's indicators, from the first full day of operation."""
    days = range(GO_LIVE + 1, LAST_DAY + 1)
    weekly = range(GO_LIVE + 7, LAST_DAY + 1, 7)
    return {
        "fairness.selection_rate_ratio": _daily("ratio", days, _selection_rate_ratio),
        "transparency.explanation_share": _daily("explanations", days, _explanation_share),
        "efficiency.median_days_to_decision": _daily("speed", days, _median_days_to_decision),
        "remedy.complaints_resolved_30d": _daily("complaints", days, _complaints_resolved),
        "privacy.retention_overdue_records": dict.fromkeys(days, 0.0),
        "quality.panel_agreement": _daily("panel", weekly, _panel_agreement),
    }


def ministry_series() -> dict[str, Series]:
    """The lowest ratio in providers' monthly reports (TalentBridge's dip shows at day 120)."""
    return {"sector.lowest_reported_ratio": {30: 0.83, 60: 0.84, 90: 0.84, 120: 0.82, 150: 0.85}}


def provider_series(slug: str) -> dict[str, Series]:
    """Weekly selection-rate ratios of the two other providers, from day 58:
    HireSense keeps a margin; Hokuriku Staffing sits at the line."""
    base, swing = {"hiresense": (0.86, 0.02), "hokuriku-staffing": (0.815, 0.015)}[slug]
    return {
        "fairness.selection_rate_ratio": {
            day: round(base + swing * ((day // 7) % 3 - 1), 3) for day in range(58, LAST_DAY + 1, 7)
        }
    }
