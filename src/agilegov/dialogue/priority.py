"""Which statement a participant sees next, by Pol.is's priority: statements
that divide people, that few have passed on, and that few have seen yet come
first. Pure: tallies in, a choice out."""

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    agrees: int
    disagrees: int
    passes: int

    @property
    def seen(self) -> int:
        return self.agrees + self.disagrees + self.passes


def importance(tally: Tally, extremity: float) -> float:
    """(1 - pass rate) x (extremity + 1) x agree rate, with Laplace smoothing."""
    seen = tally.seen
    passed = (tally.passes + 1) / (seen + 2)
    agreed = (tally.agrees + 1) / (seen + 2)
    return (1 - passed) * (extremity + 1) * agreed


def priority(tally: Tally, extremity: float) -> float:
    """Importance boosted for statements few have seen (up to 9x when new),
    squared so that the order is sharp."""
    novelty = 1 + 8 * math.pow(2, -tally.seen / 5)
    return (importance(tally, extremity) * novelty) ** 2


def next_statement(
    unvoted: Sequence[int],
    tallies: Mapping[int, Tally],
    extremity: Mapping[int, float],
    seed: int,
) -> int | None:
    """One of ``unvoted``, drawn with chances in proportion to priority; the
    same seed gives the same draw."""
    if not unvoted:
        return None
    none = Tally(0, 0, 0)
    weights = [priority(tallies.get(s, none), extremity.get(s, 0.0)) for s in unvoted]
    return random.Random(seed).choices(list(unvoted), weights=weights, k=1)[0]
