"""The geometry of an indicator's trend as the pages draw it, as plain numbers
and SVG for the templates: no I/O."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
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
    # Plain floats, not arrays: a sparkline has at most ``max_points``, and a goal
    # tree draws hundreds, where an array's set-up costs more than its arithmetic.
    seconds = [t.timestamp() for t, _ in finite]
    start = seconds[0] if seconds else 0.0
    duration = (seconds[-1] - start) or 1.0 if seconds else 1.0
    points = " ".join(
        f"{_PAD + (second - start) / duration * (width - 2 * _PAD):.1f},"
        f"{height - _PAD - _fraction(value, low, high) * (height - 2 * _PAD):.1f}"
        for second, (_, value) in zip(seconds, finite, strict=True)
    )
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


# ---------------------------------------------------------------- an indicator's full chart

_LARGEST = 1.7976931348623157e308
_MINUTE, _HOUR, _DAY = 60.0, 3_600.0, 86_400.0
# Steps between time ticks, each with the form of its labels (shorter as the steps grow).
_TIME_STEPS: tuple[tuple[float, str], ...] = (
    (_MINUTE, "%m-%d %H:%M"),
    (5 * _MINUTE, "%m-%d %H:%M"),
    (15 * _MINUTE, "%m-%d %H:%M"),
    (30 * _MINUTE, "%m-%d %H:%M"),
    (_HOUR, "%m-%d %H:%M"),
    (3 * _HOUR, "%m-%d %H:%M"),
    (6 * _HOUR, "%m-%d %H:%M"),
    (12 * _HOUR, "%m-%d %H:%M"),
    (_DAY, "%Y-%m-%d"),
    (2 * _DAY, "%Y-%m-%d"),
    (3 * _DAY, "%Y-%m-%d"),
    (7 * _DAY, "%Y-%m-%d"),
    (14 * _DAY, "%Y-%m-%d"),
    (30 * _DAY, "%Y-%m"),
    (91 * _DAY, "%Y-%m"),
    (182 * _DAY, "%Y-%m"),
    *((years * 365.25 * _DAY, "%Y") for years in (1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500)),
)
_NICE = ((1.5, 1.0), (2.25, 2.0), (3.5, 2.5), (7.5, 5.0))
_FIRST_SECOND = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LAST_SECOND = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    time: datetime
    value: float
    status: str | None  # where the value alone stands against the levels, if known


@dataclass(frozen=True)
class Band:
    """A breach episode across the time axis; ``open`` when it has not recovered."""

    x: float
    width: float
    open: bool


@dataclass(frozen=True)
class ChartLevel:
    y: float
    value: float


@dataclass(frozen=True)
class IndicatorChart:
    width: int
    height: int
    left: float  # the plot's box inside the axes' labels
    top: float
    right: float
    bottom: float
    x_ticks: list[tuple[float, str]]  # position, label in the zone given
    y_ticks: list[tuple[float, str]]
    acceptable: ChartLevel | None
    target: ChartLevel | None
    breach_zone: tuple[float, float] | None  # y and height of the side beyond the acceptable level
    bands: list[Band]
    lines: list[str]  # SVG polylines' points, one per run of finite values
    points: list[ChartPoint]
    count: int  # the finite values the chart is drawn from
    gaps: int  # the non-finite values left out
    thinned: bool  # fewer points drawn than values, keeping each bucket's lowest and highest

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top


def tick_text(value: float) -> str:
    """A tick's value, short: six significant digits, an exponent when very large or small."""
    return f"{value:.6g}"


def value_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values from ``low`` to ``high`` (1, 2, 2.5 or 5 times a
    power of ten apart), or evenly spaced ones where no round step fits a double."""
    if not low < high:
        return [low]
    raw = (high / 2 - low / 2) / (count - 1) * 2  # halved first: the span may overflow
    if raw > 0 and math.isfinite(raw):
        magnitude = 10.0 ** math.floor(math.log10(raw))
        # The round multiple nearest the raw step (Heckbert's "nice numbers").
        fraction = raw / magnitude if magnitude > 0 else 0.0
        multiple = next((m for bound, m in _NICE if fraction < bound), 10.0)
        step = multiple * magnitude
        if 0 < step < math.inf and magnitude > 0:
            first, last = math.ceil(low / step), math.floor(high / step)
            ticks = [k * step for k in range(first, last + 1)]
            if 2 <= len(ticks) <= 2 * count and all(math.isfinite(t) for t in ticks):
                return ticks
    # Interpolated, never beyond either end: low·(1-f) + high·f cannot overflow.
    return [low * (1 - i / (count - 1)) + high * (i / (count - 1)) for i in range(count)]


def _padded(low: float, high: float) -> tuple[float, float]:
    """The values' range widened a little (or around a single value), within the doubles."""
    # A twentieth of the span each side (halved first: the span may overflow).
    pad = max(abs(low) / 10, 1.0) if low == high else (high / 2 - low / 2) / 10
    return max(low - pad, -_LARGEST), min(high + pad, _LARGEST)


def time_ticks(first: float, last: float, zone: tzinfo, count: int = 4) -> list[tuple[float, str]]:
    """Ticks on a time axis from ``first`` to ``last`` (seconds since 1970), at
    round steps of the zone's clock, each labelled as briefly as its step allows."""
    if not first < last:
        moment = datetime.fromtimestamp(first, UTC).astimezone(zone)
        return [(first, f"{moment:%Y-%m-%d %H:%M}")]
    wanted = (last - first) / count
    # The first step not much shorter than wanted: about count to 1.5 times count ticks.
    step, form = next(
        ((s, f) for s, f in _TIME_STEPS if s * 1.5 >= wanted),
        (_TIME_STEPS[-1][0], _TIME_STEPS[-1][1]),
    )
    offset = datetime.fromtimestamp(first, UTC).astimezone(zone).utcoffset()
    shift = offset.total_seconds() if offset else 0.0
    ticks = []
    tick = math.ceil((first + shift) / step) * step - shift
    while tick <= last:
        if _FIRST_SECOND <= tick <= _LAST_SECOND:
            moment = datetime.fromtimestamp(tick, UTC).astimezone(zone)
            ticks.append((tick, f"{moment:{form}}"))
        tick += step
    return ticks


def thin(seconds: np.ndarray, values: np.ndarray, buckets: int) -> np.ndarray:
    """The positions of the values to draw: all of them when there are at most
    ``2 * buckets``, else the lowest and the highest of each of ``buckets`` equal
    spans of time, so a spike is never thinned away. ``values`` are finite."""
    if len(values) <= 2 * buckets:
        return np.arange(len(values))
    duration = seconds[-1] - seconds[0]
    bucket = np.minimum(((seconds - seconds[0]) / duration * buckets).astype(np.int64), buckets - 1)
    order = np.lexsort((values, bucket))  # by bucket, then by value
    ends = np.flatnonzero(np.diff(bucket[order])) + 1
    lowest = order[np.concatenate(([0], ends))]
    highest = order[np.concatenate((ends - 1, [len(order) - 1]))]
    return np.unique(np.concatenate((lowest, highest)))


def indicator_chart(
    observations: Sequence[tuple[datetime, float | None]],
    *,
    direction: str,
    acceptable_level: float | None,
    target: float | None,
    episodes: Sequence[tuple[datetime, datetime | None]] = (),
    statuses: Sequence[str | None] | None = None,
    zone: tzinfo = UTC,
    width: int = 600,
    height: int = 300,
    buckets: int = 200,
) -> IndicatorChart:
    """An indicator's observations (in time order) drawn on axes with its levels,
    the side beyond its acceptable level and its breach episodes shaded (the time
    axis runs from the first value to the last value or episode's moment).

    Non-finite values (None, NaN, ±Inf) are gaps: the line breaks there. The
    side beyond the acceptable level is below it when higher is better, above it
    when lower is better. ``statuses`` (one per observation) colour the points."""
    left, top, right, bottom = 64.0, 16.0, width - 12.0, height - 28.0
    times = np.array([t.timestamp() for t, _ in observations], dtype=float)
    values = np.array([np.nan if v is None else v for _, v in observations], dtype=float)
    finite = np.isfinite(values)
    # A run of finite values is broken by each non-finite one.
    runs = np.cumsum(~finite)[finite]
    kept_at = np.flatnonzero(finite)
    seconds, shown = times[finite], values[finite]
    kept = thin(seconds, shown, buckets) if len(shown) else np.arange(0)

    levels = [v for v in (acceptable_level, target) if v is not None]
    ranged = [*levels, *([float(shown.min()), float(shown.max())] if len(shown) else [])]
    low, high = _padded(min(ranged), max(ranged)) if ranged else (0.0, 1.0)

    if len(times):
        first, last = float(times.min()), float(times.max())
        # An episode opens when an evaluation finds it, after the values it found:
        # the axis runs on to the latest moment an episode shows.
        marks = [m.timestamp() for episode in episodes for m in episode if m is not None]
        last = max([last, *(m for m in marks if m > first)])
    else:
        first = last = 0.0
    span = last - first

    def x_of(moment: Any) -> Any:
        if not span:
            return (left + right) / 2 + moment * 0
        return left + (moment - first) / span * (right - left)

    def y_of(value: Any) -> Any:
        return bottom - _fraction(value, low, high) * (bottom - top)

    xs, ys = x_of(seconds[kept]), y_of(shown[kept])
    lines = []
    for run in np.unique(runs[kept]) if len(kept) else []:
        members = runs[kept] == run
        lines.append(
            " ".join(map("{:.1f},{:.1f}".format, xs[members].tolist(), ys[members].tolist()))
        )
    points = [
        ChartPoint(
            x=round(float(x), 1),
            y=round(float(y), 1),
            time=observations[kept_at[i]][0],
            value=float(shown[i]),
            status=statuses[kept_at[i]] if statuses is not None else None,
        )
        for i, x, y in zip(kept.tolist(), xs.tolist(), ys.tolist(), strict=True)
    ]

    def level(value: float | None) -> ChartLevel | None:
        return None if value is None else ChartLevel(round(float(y_of(value)), 1), value)

    acceptable = level(acceptable_level)
    breach_zone = None
    if acceptable is not None:
        if direction == "lower_is_better":  # worse is higher: above the line
            breach_zone = (top, round(acceptable.y - top, 1))
        else:
            breach_zone = (acceptable.y, round(bottom - acceptable.y, 1))

    bands = []
    for opened, recovered in episodes:
        start = opened.timestamp()
        end = last if recovered is None else recovered.timestamp()
        if not len(times) or end < first or start > last:
            continue
        x1, x2 = float(x_of(max(start, first))), float(x_of(min(max(end, start), last)))
        bands.append(Band(round(x1, 1), round(max(x2 - x1, 4.0), 1), recovered is None))

    return IndicatorChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=[(round(float(x_of(t)), 1), text) for t, text in time_ticks(first, last, zone)]
        if len(times)
        else [],
        y_ticks=[(round(float(y_of(v)), 1), tick_text(v)) for v in value_ticks(low, high)],
        acceptable=acceptable,
        target=level(target),
        breach_zone=breach_zone,
        bands=bands,
        lines=lines,
        points=points,
        count=len(shown),
        gaps=int((~finite).sum()),
        thinned=len(kept) < len(shown),
    )
