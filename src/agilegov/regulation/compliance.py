"""An adopter's compliance with one required indicator. Pure: no I/O.

The comparison is with the level the requirement sets (the regulator's), not
with the adopter's own, which may be stricter: a value between the two is a
miss of the adopter's own goal but meets the requirement.
"""

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, TypeVar


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


class Measured(Protocol):
    key: str
    unit: str
    direction: str


M = TypeVar("M", bound=Measured)


def match(required: Measured, candidates: Sequence[M]) -> M | None:
    """The adopter's indicator answering a required one, among those of the
    adopting goal: the one of the same key; else the only one in the same unit
    and direction; else none (two alike would be a guess)."""
    for candidate in candidates:
        if candidate.key == required.key:
            return candidate
    alike = [c for c in candidates if (c.unit, c.direction) == (required.unit, required.direction)]
    return alike[0] if len(alike) == 1 else None
