"""An adopter's compliance with one required indicator. Pure: no I/O.

The comparison is with the level the requirement sets (the regulator's), not
with the adopter's own, which may be stricter: a value between the two is a
miss of the adopter's own goal but meets the requirement.
"""

import math
from enum import StrEnum


class Compliance(StrEnum):
    meets = "meets"
    below = "below"
    no_data = "no_data"
    no_indicator = "no_indicator"


def compliance(
    value: float | None, required_level: float, direction: str, *, has_indicator: bool = True
) -> Compliance:
    """Whether ``value`` (the adopter's latest evaluated value) meets the
    required level in ``direction`` (``higher_is_better`` or ``lower_is_better``);
    a level reached exactly meets it."""
    if not has_indicator:
        return Compliance.no_indicator
    if value is None or math.isnan(value):
        return Compliance.no_data
    if direction == "higher_is_better":
        return Compliance.meets if value >= required_level else Compliance.below
    if direction == "lower_is_better":
        return Compliance.meets if value <= required_level else Compliance.below
    raise ValueError(f"unknown direction {direction!r}")
