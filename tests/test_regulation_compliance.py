"""Compliance with a required indicator: the adopter's latest value against the
level the requirement sets."""

import math

import pytest

from agilegov.regulation.compliance import Compliance, compliance

HIGHER = "higher_is_better"
LOWER = "lower_is_better"


@pytest.mark.parametrize(
    ("value", "level", "direction", "has_indicator", "expected"),
    [
        (0.9, 0.8, HIGHER, True, Compliance.meets),
        (0.8, 0.8, HIGHER, True, Compliance.meets),  # reaching the level exactly meets it
        (0.79, 0.8, HIGHER, True, Compliance.below),
        (0.05, 0.1, LOWER, True, Compliance.meets),
        (0.1, 0.1, LOWER, True, Compliance.meets),
        (0.11, 0.1, LOWER, True, Compliance.below),
        (None, 0.8, HIGHER, True, Compliance.no_data),
        (math.nan, 0.8, HIGHER, True, Compliance.no_data),
        (math.inf, 0.8, HIGHER, True, Compliance.meets),
        (-math.inf, 0.8, HIGHER, True, Compliance.below),
        (0.9, 0.8, HIGHER, False, Compliance.no_indicator),
        (None, 0.8, HIGHER, False, Compliance.no_indicator),
    ],
)
def test_compliance_table(
    value: float | None, level: float, direction: str, has_indicator: bool, expected: Compliance
) -> None:
    assert compliance(value, level, direction, has_indicator=has_indicator) == expected


def test_an_adopters_stricter_level_does_not_count() -> None:
    # The adopter's own goal asks 0.85; 0.82 misses it but meets the required 0.8.
    assert compliance(0.82, 0.8, HIGHER) == Compliance.meets


def test_an_unknown_direction_is_a_bug() -> None:
    with pytest.raises(ValueError, match="direction"):
        compliance(0.5, 0.8, "sideways")
