"""The 5 x 5 risk matrix: likelihood x severity -> score and level."""

from enum import StrEnum


class RiskLevel(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


# Upper bounds of each level's score band (score = likelihood x severity, 1..25).
LEVEL_BANDS: tuple[tuple[int, RiskLevel], ...] = (
    (4, RiskLevel.low),
    (9, RiskLevel.medium),
    (14, RiskLevel.high),
    (25, RiskLevel.critical),
)


def risk_score(likelihood: int, severity: int) -> int:
    for name, value in (("likelihood", likelihood), ("severity", severity)):
        if not 1 <= value <= 5:
            raise ValueError(f"{name} must be 1..5, got {value}")
    return likelihood * severity


def risk_level(likelihood: int, severity: int) -> RiskLevel:
    score = risk_score(likelihood, severity)
    return next(level for bound, level in LEVEL_BANDS if score <= bound)
