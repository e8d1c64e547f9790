"""The risk heat map: how many risks sit in each cell of the 5 x 5 matrix,
before and after treatment, as plain numbers for the template. No I/O."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from agilegov.analysis.risk_matrix import RiskLevel, risk_level


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    severity: int
    level: RiskLevel
    inherent: int  # how many risks sit here before treatment
    residual: int  # and after


def heat_map(risks: Iterable[tuple[int, int, int, int]]) -> list[list[HeatCell]]:
    """Rows from severity 5 down to 1, columns likelihood 1 to 5, counting each
    risk ``(inherent_l, inherent_s, residual_l, residual_s)`` in two cells."""
    inherent: Counter[tuple[int, int]] = Counter()
    residual: Counter[tuple[int, int]] = Counter()
    for il, isev, rl, rsev in risks:
        inherent[(il, isev)] += 1
        residual[(rl, rsev)] += 1
    return [
        [
            HeatCell(l, s, risk_level(l, s), inherent[(l, s)], residual[(l, s)])
            for l in range(1, 6)  # noqa: E741 - l is the matrix's own letter
        ]
        for s in range(5, 0, -1)
    ]
