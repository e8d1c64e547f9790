"""The geometry of the pictures the pages draw (the double loop, the risk heat
map, an indicator's trend), as plain numbers for the templates: no I/O."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

import numpy as np

from agilegov.analysis.risk_matrix import RiskLevel, risk_level
from agilegov.cycle.rules import Stage

# ---------------------------------------------------------------- the double loop


@dataclass(frozen=True)
class LoopNode:
    key: str
    label: str
    note: str
    x: int
    y: int
    loop: str  # "outer", "inner" or "both": the colour it is drawn in
    current: bool

    width: int = 132
    height: int = 50

    @property
    def left(self) -> int:
        return self.x - self.width // 2

    @property
    def top(self) -> int:
        return self.y - self.height // 2


# The six steps of the guide's cycle, where they sit in a 640 x 360 picture.
# "improvement" is no stage of its own: it is the inner loop's way back from
# evaluation to design, lit while a redesign it started is under way.
_STEPS: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("analysis", "Analysis", "conditions and risks", 96, 180, "outer"),
    ("goals", "Goals", "acceptable levels", 250, 52, "outer"),
    ("design", "Design", "measures", 430, 52, "both"),
    ("operation", "Operation", "monitoring", 560, 180, "inner"),
    ("evaluation", "Evaluation", "review, evidence", 430, 308, "both"),
    ("improvement", "Improvement", "inner loop", 330, 180, "inner"),
)


@dataclass(frozen=True)
class LoopDiagram:
    nodes: tuple[LoopNode, ...]
    stage: str
    inner_iterations: int
    outer_iterations: int

    @property
    def description(self) -> str:
        current = next(node for node in self.nodes if node.current)
        return (
            f"The cycle is at {current.label.lower()} ({current.note}); "
            f"{self.inner_iterations} inner and {self.outer_iterations} outer "
            "iterations completed."
        )


def loop_diagram(
    stage: Stage | str, inner_iterations: int, outer_iterations: int, last_loop: str | None
) -> LoopDiagram:
    """The double loop with the current stage lit. ``last_loop`` is the loop the
    last completed move closed (None for a step within one pass): a design
    stage reached by the inner loop shows as improvement."""
    stage = Stage(stage)
    lit = "improvement" if stage is Stage.design and last_loop == "inner" else stage.value
    nodes = tuple(
        LoopNode(key, label, note, x, y, loop, current=(key == lit))
        for key, label, note, x, y, loop in _STEPS
    )
    return LoopDiagram(nodes, stage.value, inner_iterations, outer_iterations)


# ---------------------------------------------------------------- the risk heat map


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


# ---------------------------------------------------------------- indicator trends


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    points: str  # an SVG polyline's points
    count: int
    acceptable_y: float | None
    target_y: float | None
    low: float
    high: float
    first: datetime | None
    last: datetime | None
    last_value: float | None


_PAD = 6.0


def _y(value: float, low: float, high: float, height: int) -> float:
    span = high - low or 1.0
    return round(height - _PAD - (value - low) / span * (height - 2 * _PAD), 1)


def trend(
    observations: Sequence[tuple[datetime, float | None]],
    acceptable_level: float | None,
    target: float | None,
    *,
    width: int = 320,
    height: int = 96,
    max_points: int = 160,
) -> Trend:
    """A line of an indicator's values in time order, scaled so the values, the
    acceptable level and the target all fit; non-finite values are gaps left out."""
    finite = [(t, v) for t, v in observations if v is not None and math.isfinite(v)]
    if len(finite) > max_points:  # evenly thinned, keeping the newest
        step = len(finite) / max_points
        finite = [
            finite[min(len(finite) - 1, round((i + 1) * step) - 1)] for i in range(max_points)
        ]
    levels = [v for v in (acceptable_level, target) if v is not None]
    values = [v for _, v in finite] + levels
    if not values:
        return Trend(width, height, "", 0, None, None, 0.0, 0.0, None, None, None)
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1.0, high + 1.0
    seconds = np.array([t.timestamp() for t, _ in finite])
    ys = np.array([v for _, v in finite], dtype=float)
    duration = float(seconds[-1] - seconds[0]) if len(seconds) else 0.0
    xs = _PAD + (seconds - (seconds[0] if len(seconds) else 0.0)) / (duration or 1.0) * (
        width - 2 * _PAD
    )
    ys = height - _PAD - (ys - low) / (high - low) * (height - 2 * _PAD)
    points = " ".join(map("{:.1f},{:.1f}".format, xs.tolist(), ys.tolist()))
    return Trend(
        width=width,
        height=height,
        points=points,
        count=len(finite),
        acceptable_y=None if acceptable_level is None else _y(acceptable_level, low, high, height),
        target_y=None if target is None else _y(target, low, high, height),
        low=low,
        high=high,
        first=finite[0][0] if finite else None,
        last=finite[-1][0] if finite else None,
        last_value=finite[-1][1] if finite else None,
    )


def trend_svg(line: Trend, label: str) -> str:
    """The trend drawn as SVG markup, with ``label`` as its accessible name.

    Written here rather than in a template: a goal tree may draw hundreds."""
    parts = [
        f'<svg class="trend" viewBox="0 0 {line.width} {line.height}" width="{line.width}" '
        f'height="{line.height}" role="img" aria-label="{escape(label)}">',
        f'<rect class="frame" x="0.5" y="0.5" width="{line.width - 1}" '
        f'height="{line.height - 1}"/>',
    ]
    for name, y in (("acceptable", line.acceptable_y), ("target", line.target_y)):
        if y is not None:
            parts.append(f'<line class="{name}" x1="0" x2="{line.width}" y1="{y}" y2="{y}"/>')
    if line.points:
        parts.append(f'<polyline class="line" points="{line.points}"/>')
    parts.append("</svg>")
    return "".join(parts)
