"""The geometry of an indicator's trend as the pages draw it, as plain numbers
and SVG for the templates: no I/O."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

import numpy as np

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


def _fraction(value: Any, low: float, high: float) -> Any:
    """Where ``value`` (a number or an array) lies from ``low`` (0) to ``high`` (1).
    Halved first: the span of two doubles far apart overflows a double."""
    span = high / 2 - low / 2
    if not span:  # every value the same, and too large to widen the range around
        return np.full_like(value, 0.5, dtype=float) if isinstance(value, np.ndarray) else 0.5
    return (value / 2 - low / 2) / span


def _y(value: float, low: float, high: float, height: int) -> float:
    return round(height - _PAD - _fraction(value, low, high) * (height - 2 * _PAD), 1)


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
    ys = height - _PAD - _fraction(ys, low, high) * (height - 2 * _PAD)
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
