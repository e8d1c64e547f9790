"""The pictures' geometry, alone: the double loop, the heat map, a trend."""

from datetime import UTC, datetime, timedelta

import pytest

from agilegov.analysis.heat_map import heat_map
from agilegov.cycle.diagram import loop_diagram
from agilegov.web.charts import trend


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
