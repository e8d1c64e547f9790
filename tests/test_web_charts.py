"""The pictures' geometry, alone: the double loop, the heat map, a trend, an
indicator's full chart."""

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from agilegov.analysis.heat_map import heat_map
from agilegov.cycle.diagram import loop_diagram
from agilegov.web.charts import (
    IndicatorChart,
    indicator_chart,
    thin,
    time_ticks,
    trend,
    value_ticks,
)


@pytest.mark.parametrize(
    ("stage", "last_loop", "lit"),
    [
        ("analysis", None, "analysis"),
        ("goals", None, "goals"),
        ("design", None, "design"),
        ("design", "outer", "design"),
        ("design", "inner", "improvement"),
        ("operation", "inner", "operation"),
        ("evaluation", None, "evaluation"),
    ],
)
def test_the_loop_lights_exactly_the_current_step(
    stage: str, last_loop: str | None, lit: str
) -> None:
    diagram = loop_diagram(stage, 2, 1, last_loop)
    assert [node.key for node in diagram.nodes if node.current] == [lit]
    assert len(diagram.nodes) == 6
    assert diagram.current.key == lit
    assert (diagram.inner_iterations, diagram.outer_iterations) == (2, 1)


def test_the_loop_refuses_an_unknown_stage() -> None:
    with pytest.raises(ValueError):
        loop_diagram("improvising", 0, 0, None)


def test_the_loops_nodes_do_not_overlap() -> None:
    nodes = loop_diagram("analysis", 0, 0, None).nodes
    for a in nodes:
        for b in nodes:
            if a is b:
                continue
            apart = abs(a.x - b.x) >= a.width or abs(a.y - b.y) >= a.height
            assert apart, (a.key, b.key)


def test_the_heat_map_counts_each_risk_before_and_after_treatment() -> None:
    cells = heat_map([(5, 5, 2, 3), (5, 5, 1, 1), (1, 2, 1, 1)])
    by_position = {(c.likelihood, c.severity): c for row in cells for c in row}
    assert [row[0].severity for row in cells] == [5, 4, 3, 2, 1]
    assert [c.likelihood for c in cells[0]] == [1, 2, 3, 4, 5]
    assert by_position[(5, 5)].inherent == 2 and by_position[(5, 5)].residual == 0
    assert by_position[(1, 1)].residual == 2 and by_position[(2, 3)].residual == 1
    assert by_position[(1, 2)].inherent == 1
    assert by_position[(5, 5)].level == "critical" and by_position[(1, 1)].level == "low"
    assert sum(c.inherent for c in by_position.values()) == 3


START = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_trend_fits_values_and_levels_into_the_frame() -> None:
    points = [(START + timedelta(days=i), v) for i, v in enumerate([0.7, 0.9, 0.8])]
    line = trend(points, acceptable_level=0.6, target=1.0, width=100, height=50)
    assert line.count == 3 and line.low == 0.6 and line.high == 1.0
    xy = [tuple(map(float, pair.split(","))) for pair in line.points.split()]
    assert xy[0][0] < xy[1][0] < xy[2][0]
    assert all(0 <= x <= 100 and 0 <= y <= 50 for x, y in xy)
    # The acceptable level is the lowest value (bottom), the target the highest (top).
    assert line.acceptable_y is not None and line.target_y is not None
    assert line.acceptable_y > xy[1][1] > line.target_y
    assert line.last_value == 0.8 and line.last == START + timedelta(days=2)


def test_a_trend_leaves_out_missing_and_infinite_values() -> None:
    values = [1.0, None, float("inf"), float("nan"), 2.0]
    points = [(START + timedelta(hours=i), v) for i, v in enumerate(values)]
    line = trend(points, acceptable_level=None, target=None)
    assert line.count == 2 and len(line.points.split()) == 2


def test_a_long_trend_is_thinned_keeping_the_newest() -> None:
    points = [(START + timedelta(minutes=i), float(i)) for i in range(1000)]
    line = trend(points, acceptable_level=10.0, target=None, max_points=50)
    assert line.count == 50 and line.last_value == 999.0


def test_an_empty_trend_draws_only_its_levels() -> None:
    line = trend([], acceptable_level=5.0, target=None)
    assert line.points == "" and line.count == 0 and line.acceptable_y is not None
    assert trend([], None, None).acceptable_y is None


@pytest.mark.parametrize(
    "points",
    [
        [-1.7976931348623157e308, 1.7976931348623157e308],
        [1.7976931348623157e308, 1.7976931348623157e308],
        [-1.7976931348623157e308, 0.0, 5e-324],
    ],
)
def test_a_trend_of_the_largest_doubles_stays_in_the_frame(points: list[float]) -> None:
    first, last = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)
    moments = [first, datetime(2025, 1, 1, tzinfo=UTC), last][-len(points) :]
    moments[0] = first
    line = trend(list(zip(moments, points, strict=True)), -1.7976931348623157e308, None)
    coordinates = [float(c) for point in line.points.split() for c in point.split(",")]
    assert len(coordinates) == 2 * len(points)
    assert all(0 <= c <= line.width for c in coordinates[0::2])
    assert all(0 <= c <= line.height for c in coordinates[1::2])
    assert line.acceptable_y is not None and 0 <= line.acceptable_y <= line.height


# ---------------------------------------------------------------- an indicator's full chart

LARGEST = 1.7976931348623157e308


def _inside(chart: IndicatorChart) -> None:
    """Everything drawn lies in the plot's box."""
    for point in chart.points:
        assert chart.left <= point.x <= chart.right and chart.top <= point.y <= chart.bottom
    for line in chart.lines:
        for pair in line.split():
            x, y = map(float, pair.split(","))
            assert chart.left <= x <= chart.right and chart.top <= y <= chart.bottom
    for y, _ in chart.y_ticks:
        assert chart.top <= y <= chart.bottom
    for x, _ in chart.x_ticks:
        assert chart.left <= x <= chart.right
    for level in (chart.acceptable, chart.target):
        assert level is None or chart.top <= level.y <= chart.bottom
    for band in chart.bands:
        assert chart.left <= band.x <= chart.right


@pytest.mark.parametrize(
    ("values", "acceptable", "target", "drawn", "lines", "gaps"),
    [
        ([], 0.8, 0.9, 0, 0, 0),
        ([0.7], 0.8, 0.9, 1, 1, 0),
        ([5.0, 5.0, 5.0], None, None, 3, 1, 0),
        ([1.0, math.nan, 2.0, 3.0, math.inf, None, 4.0], None, None, 4, 3, 3),
        ([-LARGEST, LARGEST], -LARGEST, None, 2, 1, 0),
        ([LARGEST, LARGEST], LARGEST, LARGEST, 2, 1, 0),
        ([-LARGEST, 0.0, 5e-324], 0.0, 5e-324, 3, 1, 0),
        ([math.nan, -math.inf], 1.0, None, 0, 0, 2),
    ],
)
def test_an_indicator_chart_fits_every_case_into_its_box(
    values: list[float | None],
    acceptable: float | None,
    target: float | None,
    drawn: int,
    lines: int,
    gaps: int,
) -> None:
    points = [(START + timedelta(hours=i), v) for i, v in enumerate(values)]
    chart = indicator_chart(
        points, direction="higher_is_better", acceptable_level=acceptable, target=target
    )
    assert (len(chart.points), len(chart.lines), chart.gaps) == (drawn, lines, gaps)
    assert chart.count == drawn and not chart.thinned
    assert len(chart.y_ticks) >= 1 and all(text for _, text in chart.y_ticks)
    assert (chart.acceptable is None) == (acceptable is None)
    _inside(chart)


def test_the_breach_side_follows_the_direction() -> None:
    points = [(START, 0.5), (START + timedelta(days=1), 0.95)]
    higher = indicator_chart(points, direction="higher_is_better", acceptable_level=0.8, target=0.9)
    lower = indicator_chart(points, direction="lower_is_better", acceptable_level=0.8, target=0.6)
    for chart in (higher, lower):
        assert chart.acceptable is not None and chart.breach_zone is not None
    # Higher is better: the breach is below the line (larger y), down to the bottom.
    assert higher.breach_zone == (
        higher.acceptable.y,
        round(higher.bottom - higher.acceptable.y, 1),
    )
    # Lower is better: above it, from the top.
    assert lower.breach_zone == (lower.top, round(lower.acceptable.y - lower.top, 1))
    assert higher.target is not None and higher.target.y < higher.acceptable.y
    assert lower.target is not None and lower.target.y > lower.acceptable.y


def test_breach_episodes_are_bands_and_an_open_one_runs_to_the_right_edge() -> None:
    points = [(START + timedelta(days=d), 0.5) for d in range(10)]
    episodes = [
        (START - timedelta(days=30), START - timedelta(days=20)),  # before the values: left out
        (START + timedelta(days=2), START + timedelta(days=4)),
        (START + timedelta(days=7), None),
    ]
    chart = indicator_chart(
        points, direction="higher_is_better", acceptable_level=0.8, target=None, episodes=episodes
    )
    closed, ongoing = chart.bands
    assert not closed.open and ongoing.open
    day = chart.plot_width / 9
    assert closed.x == pytest.approx(chart.left + 2 * day, abs=0.1)
    assert closed.width == pytest.approx(2 * day, abs=0.1)
    assert ongoing.x + ongoing.width == pytest.approx(chart.right, abs=0.1)


def test_an_episode_found_after_the_last_value_widens_the_axis_to_show_it() -> None:
    points = [(START + timedelta(days=d), 0.5) for d in range(3)]
    opened = START + timedelta(days=3)
    chart = indicator_chart(
        points,
        direction="higher_is_better",
        acceptable_level=0.8,
        target=None,
        episodes=[(opened, None)],
    )
    [band] = chart.bands
    assert band.x == pytest.approx(chart.right, abs=0.1) and band.x + band.width >= chart.right
    assert max(p.x for p in chart.points) < chart.right


def test_thinning_keeps_each_spans_lowest_and_highest() -> None:
    seconds = np.arange(10_000, dtype=float)
    values = np.zeros(10_000)
    values[4321], values[8765] = 99.0, -99.0  # a spike each way
    kept = thin(seconds, values, buckets=100)
    assert len(kept) <= 200 and 4321 in kept and 8765 in kept
    assert list(kept) == sorted(kept)
    assert list(thin(seconds[:50], values[:50], buckets=100)) == list(range(50))


def test_a_long_series_is_thinned_and_each_point_keeps_its_status() -> None:
    points = [(START + timedelta(minutes=m), float(m % 7)) for m in range(10_000)]
    statuses = ["breach" if v < 3 else "ok" for _, v in points]
    chart = indicator_chart(
        points,
        direction="higher_is_better",
        acceptable_level=3.0,
        target=None,
        statuses=statuses,
        buckets=50,
    )
    assert chart.thinned and chart.count == 10_000 and len(chart.points) <= 100
    assert all((p.status == "breach") == (p.value < 3) for p in chart.points)
    assert {p.value for p in chart.points} == {0.0, 6.0}  # each span's lowest and highest
    _inside(chart)


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (0.55, 0.97, [0.6, 0.7, 0.8, 0.9]),
        (-3.0, 17.0, [0.0, 5.0, 10.0, 15.0]),
        (4.0, 4.0, [4.0]),
        (-LARGEST, LARGEST, [-1e308, 0.0, 1e308]),
    ],
)
def test_value_ticks_are_round(low: float, high: float, ticks: list[float]) -> None:
    assert value_ticks(low, high) == pytest.approx(ticks)


def test_value_ticks_of_the_tiniest_span_stay_within_it() -> None:
    ticks = value_ticks(0.0, 5e-324)
    assert ticks[0] == 0.0 and ticks[-1] == 5e-324 and all(0 <= t <= 5e-324 for t in ticks)


def test_time_ticks_fall_on_the_zones_round_times() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    first = datetime(2026, 4, 1, 3, 0, tzinfo=UTC).timestamp()  # 12:00 in Tokyo
    ticks = time_ticks(first, first + 10 * 86_400, tokyo)
    # Daily steps at or over two days: each at midnight in Tokyo, labelled by its date.
    assert [text for _, text in ticks][:2] == ["2026-04-03", "2026-04-05"]
    for seconds, _ in ticks:
        assert datetime.fromtimestamp(seconds, tokyo).hour == 0
    hours = time_ticks(first, first + 5 * 3_600, tokyo)
    assert hours[0][1] == "04-01 12:00"
    assert time_ticks(first, first, tokyo) == [(first, "2026-04-01 12:00")]


def test_time_ticks_span_the_whole_calendar() -> None:
    first = datetime(1, 1, 2, tzinfo=UTC).timestamp()
    last = datetime(9999, 12, 30, tzinfo=UTC).timestamp()
    ticks = time_ticks(first, last, ZoneInfo("Pacific/Kiritimati"))
    assert 2 <= len(ticks) <= 6 and all(first <= s <= last for s, _ in ticks)
