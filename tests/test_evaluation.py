"""Evaluation of indicators over windows (agilegov.monitor.evaluation).

The vectorised evaluation is checked against a plain per-rule Python reference on random
data (NaN, ±Inf, empty windows, single samples, counter resets, duplicate times, unsorted
input), and against hand-worked tables for status, ratios, rates and the errors.
"""

import itertools
import math

import numpy as np
import pytest

from agilegov.monitor import evaluation
from agilegov.monitor.evaluation import (
    AGGREGATES,
    BREACH,
    NO_DATA,
    OK,
    STATUS_NAMES,
    WARNING,
    Evaluation,
    Rule,
    evaluate,
)

HIGHER = "higher_is_better"
LOWER = "lower_is_better"
NAN = math.nan
INF = math.inf


def rule(
    aggregate: str,
    window: float = 100.0,
    direction: str = HIGHER,
    acceptable: float = 0.0,
    target: float | None = None,
    numerator: int | None = None,
    denominator: int | None = None,
) -> Rule:
    return Rule(aggregate, window, direction, acceptable, target, numerator, denominator)


def run(
    rules: list[Rule],
    rows: list[tuple[int, float, float]],
    at: float = 1000.0,
    ids: list[int] | None = None,
) -> Evaluation:
    """Evaluate observations given as (indicator, time, value) rows."""
    ind = np.array([r[0] for r in rows], dtype=np.int64)
    tim = np.array([r[1] for r in rows], dtype=np.float64)
    val = np.array([r[2] for r in rows], dtype=np.float64)
    return evaluate(rules, ind, tim, val, at, None if ids is None else np.array(ids))


# --- The reference: one rule at a time, one observation at a time. ----------------------


def reference_window(
    ind: np.ndarray, tim: np.ndarray, g: int, at: float, width: float
) -> list[int]:
    rows = np.flatnonzero((ind == g) & (tim > at - width) & (tim <= at)).tolist()
    return sorted(rows, key=lambda k: tim[k])  # stable: input order among equal times


def reference_aggregate(kind: str, rows: list[int], tim: np.ndarray, val: np.ndarray) -> float:
    if not rows:
        return NAN
    if kind == "count":
        return float(len(rows))
    kept = [k for k in rows if not math.isnan(val[k])]
    v = [float(val[k]) for k in kept]
    t = [float(tim[k]) for k in kept]
    if not v:
        return NAN
    with np.errstate(invalid="ignore", over="ignore"):
        if kind == "last":
            return v[-1]
        if kind == "mean":
            return float(np.mean(v))
        if kind == "min":
            return min(v)
        if kind == "max":
            return max(v)
        if kind == "sum":
            return float(np.sum(v))
        if kind == "p95":
            finite = [x for x in v if math.isfinite(x)]
            return float(np.percentile(finite, 95)) if finite else NAN
    assert kind == "rate"
    if len(v) < 2 or t[-1] - t[0] <= 0:
        return NAN
    increase = 0.0
    for before, after in itertools.pairwise(v):
        rise = after - before  # Inf - Inf is NaN: no value
        increase += after if rise < 0 else rise
    return increase / (t[-1] - t[0])


def reference_status(r: Rule, value: float) -> str:
    if math.isnan(value):
        return "no_data"
    if r.direction == HIGHER:
        if value < r.acceptable_level:
            return "breach"
        if r.target is not None and value < r.target:
            return "warning"
        return "ok"
    if value > r.acceptable_level:
        return "breach"
    if r.target is not None and value > r.target:
        return "warning"
    return "ok"


def reference(
    rules: list[Rule],
    ind: np.ndarray,
    tim: np.ndarray,
    val: np.ndarray,
    at: float,
    ids: np.ndarray | None,
) -> dict[str, list]:
    out: dict[str, list] = {
        k: [] for k in ("value", "status", "count", "first_time", "last_time", "first_id")
    }
    out["last_id"] = []
    for r in rules:
        if r.aggregate == "ratio":
            assert r.numerator is not None and r.denominator is not None
            parts = [
                (rules[p].aggregate, reference_window(ind, tim, p, at, r.window_seconds))
                for p in (r.numerator, r.denominator)
            ]
            top = reference_aggregate(parts[0][0], parts[0][1], tim, val)
            bottom = reference_aggregate(parts[1][0], parts[1][1], tim, val)
            with np.errstate(invalid="ignore"):
                value = NAN if math.isnan(bottom) or bottom == 0 else top / bottom
            rows = parts[0][1] + parts[1][1]
        else:
            rows = reference_window(ind, tim, rules.index(r), at, r.window_seconds)
            value = reference_aggregate(r.aggregate, rows, tim, val)
        out["value"].append(value)
        out["status"].append(reference_status(r, value))
        out["count"].append(len(rows))
        out["first_time"].append(min((tim[k] for k in rows), default=NAN))
        out["last_time"].append(max((tim[k] for k in rows), default=NAN))
        present = [] if ids is None else [int(ids[k]) for k in rows]
        out["first_id"].append(min(present, default=-1))
        out["last_id"].append(max(present, default=-1))
    return out


def random_case(
    seed: int,
) -> tuple[list[Rule], np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Rules of every kind and messy observations for them, in random order."""
    rng = np.random.default_rng(seed)
    at = 1000.0
    kinds = [k for k in AGGREGATES if k != "ratio"]
    rules: list[Rule] = []
    for g in range(96):
        low, high = sorted(rng.normal(5, 40, 2))
        direction = HIGHER if rng.random() < 0.5 else LOWER
        acceptable, target = (low, high) if direction == HIGHER else (high, low)
        width = float(rng.choice([3.0, 30.0, 100.0, 400.0, 5000.0]))
        target_or_none = float(target) if rng.random() < 0.7 else None
        rules.append(
            rule(kinds[g % len(kinds)], width, direction, float(acceptable), target_or_none)
        )
    plain = len(rules)
    for _ in range(16):
        top, bottom = (int(x) for x in rng.integers(0, plain, 2))
        width = float(rng.choice([10.0, 100.0, 700.0]))
        rules.append(rule("ratio", width, numerator=top, denominator=bottom))
    ind, tim, val = [], [], []
    for g in range(len(rules)):  # ratio indicators get (ignored) observations too
        size = int(rng.choice([0, 1, 2, 3, int(rng.integers(4, 300))], p=[0.1] * 4 + [0.6]))
        # Whole seconds from 400 to 1100: equal times are common, some lie after `at`.
        times = at - rng.integers(-100, 600, size).astype(np.float64)
        if rules[g].aggregate == "rate":
            times.sort()
            values = np.cumsum(rng.exponential(5.0, size))
            for k in np.flatnonzero(rng.random(size) < 0.05):  # a reset: start again low
                values[k:] -= values[k] - rng.exponential(2.0)
            order = rng.permutation(size)
            times, values = times[order], values[order]
        else:
            values = rng.normal(10, 40, size)
        if rng.random() < 0.5:
            values[rng.random(size) < 0.05] = NAN
        if rng.random() < 0.25 and size:
            values[rng.integers(0, size, 2)] = rng.choice([INF, -INF], 2)
        ind += [g] * size
        tim += list(times)
        val += list(values)
    order = rng.permutation(len(ind))
    ids = rng.choice(10**12, size=len(ind), replace=False).astype(np.int64)
    return (
        rules,
        np.array(ind, dtype=np.int64)[order],
        np.array(tim)[order],
        np.array(val)[order],
        ids,
        at,
    )


def assert_matches(got: Evaluation, want: dict[str, list], rules: list[Rule]) -> None:
    exact = [k for k, r in enumerate(rules) if r.aggregate in ("last", "min", "max", "count")]
    exact += [k for k, r in enumerate(rules) if r.aggregate == "p95"]
    np.testing.assert_array_equal(got.value[exact], np.array(want["value"])[exact])
    np.testing.assert_allclose(got.value, want["value"], rtol=1e-9, atol=1e-9)
    assert list(got.status_names()) == want["status"]
    np.testing.assert_array_equal(got.count, want["count"])
    np.testing.assert_array_equal(got.first_time, want["first_time"])
    np.testing.assert_array_equal(got.last_time, want["last_time"])
    np.testing.assert_array_equal(got.first_id, want["first_id"])
    np.testing.assert_array_equal(got.last_id, want["last_id"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_aggregate_matches_the_reference_on_messy_data(seed: int) -> None:
    rules, ind, tim, val, ids, at = random_case(seed)
    want = reference(rules, ind, tim, val, at, ids)
    got = evaluate(rules, ind, tim, val, at, ids)
    assert_matches(got, want, rules)
    # The data exercise what they are meant to: values of every kind, gaps, every status.
    kinds = np.array([r.aggregate for r in rules])
    for kind in AGGREGATES:
        assert np.isfinite(got.value[kinds == kind]).sum() >= 2, kind
    assert set(got.status_names()) == set(STATUS_NAMES)
    assert (got.count == 0).any() and (got.count == 1).any()
    np.testing.assert_array_equal(got.window_start, [at - r.window_seconds for r in rules])
    np.testing.assert_array_equal(got.window_end, np.full(len(rules), at))


@pytest.mark.parametrize("seed", [4, 5])
def test_sorted_input_gives_the_same_result_as_shuffled_input(seed: int) -> None:
    rules, ind, tim, val, ids, at = random_case(seed)
    order = np.lexsort((tim, ind))  # keeps the shuffled order among equal times
    shuffled = evaluate(rules, ind, tim, val, at, ids)
    in_order = evaluate(rules, ind[order], tim[order], val[order], at, ids[order])
    for name in ("value", "status", "count", "first_time", "last_time", "first_id", "last_id"):
        np.testing.assert_array_equal(getattr(in_order, name), getattr(shuffled, name))
    assert_matches(in_order, reference(rules, ind, tim, val, at, ids), rules)


def test_without_ids_every_id_is_minus_one() -> None:
    rules, ind, tim, val, _, at = random_case(6)
    got = evaluate(rules, ind, tim, val, at)
    assert (got.first_id == -1).all() and (got.last_id == -1).all()
    assert (got.count > 0).any()


def test_is_sorted_ignores_time_order_across_indicators() -> None:
    ind = np.array([0, 0, 1, 1, 3])
    assert evaluation._is_sorted(ind, np.array([5.0, 6.0, 1.0, 1.0, 0.0]), 4)
    assert not evaluation._is_sorted(ind, np.array([5.0, 4.0, 1.0, 1.0, 0.0]), 4)
    assert not evaluation._is_sorted(np.array([1, 0]), np.array([0.0, 1.0]), 2)
    assert not evaluation._is_sorted(np.array([0, 0]), np.array([NAN, 1.0]), 1)


# --- Hand-worked cases. ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "acceptable", "target", "value", "expected"),
    [
        (HIGHER, 10.0, 20.0, 5.0, "breach"),
        (HIGHER, 10.0, 20.0, 10.0, "warning"),  # at the line is acceptable
        (HIGHER, 10.0, 20.0, 15.0, "warning"),
        (HIGHER, 10.0, 20.0, 20.0, "ok"),
        (HIGHER, 10.0, 20.0, INF, "ok"),
        (HIGHER, 10.0, 20.0, -INF, "breach"),
        (HIGHER, 10.0, None, 10.0, "ok"),
        (HIGHER, 10.0, None, 9.5, "breach"),
        (HIGHER, 10.0, None, 1e9, "ok"),
        (LOWER, 10.0, 2.0, 11.0, "breach"),
        (LOWER, 10.0, 2.0, 10.0, "warning"),
        (LOWER, 10.0, 2.0, 5.0, "warning"),
        (LOWER, 10.0, 2.0, 2.0, "ok"),
        (LOWER, 10.0, 2.0, -3.0, "ok"),
        (LOWER, 10.0, 2.0, INF, "breach"),
        (LOWER, 10.0, None, 10.0, "ok"),
        (LOWER, 10.0, None, 10.5, "breach"),
        (LOWER, 10.0, None, -1e9, "ok"),
        (HIGHER, 10.0, 20.0, NAN, "no_data"),  # the only observation has no value
        (LOWER, 10.0, None, NAN, "no_data"),
    ],
)
def test_status_table(
    direction: str, acceptable: float, target: float | None, value: float, expected: str
) -> None:
    got = run([rule("last", 100.0, direction, acceptable, target)], [(0, 990.0, value)])
    assert got.status_names().tolist() == [expected]
    assert STATUS_NAMES[int(got.status[0])] == expected
    assert got.count.tolist() == [1]


def test_status_codes_are_small_integers_named_by_status_names() -> None:
    got = run(
        [*[rule("last", acceptable=5, target=8)] * 3, rule("last", acceptable=5)],
        [(0, 999.0, 9.0), (1, 999.0, 6.0), (2, 999.0, 1.0)],
    )
    assert got.status.dtype == np.int8
    assert got.status.tolist() == [OK, WARNING, BREACH, NO_DATA]
    assert (OK, WARNING, BREACH, NO_DATA) == (0, 1, 2, 3)
    assert STATUS_NAMES == ("ok", "warning", "breach", "no_data")


def test_window_is_open_at_the_start_and_closed_at_the_end() -> None:
    rows = [(0, 900.0, 1.0), (0, 900.5, 2.0), (0, 1000.0, 4.0), (0, 1000.5, 8.0)]
    got = run([rule("sum", 100.0), rule("count", 100.0)], [*rows, (1, 900.0, 1.0)])
    assert got.value[0] == 6.0 and np.isnan(got.value[1])
    assert got.count.tolist() == [2, 0]
    assert got.first_time[0] == 900.5 and got.last_time[0] == 1000.0
    assert got.status_names().tolist() == ["ok", "no_data"]


def test_each_aggregate_by_hand() -> None:
    rows = [(0, 910.0 + 10 * k, float(v)) for k, v in enumerate([4, 1, 7, 3, NAN, 5])]
    kinds = ["last", "mean", "min", "max", "sum", "count", "p95"]
    got = run([rule(k) for k in kinds], [(g, t, v) for g in range(len(kinds)) for _, t, v in rows])
    # Finite values 4 1 7 3 5: p95 at virtual index 3.8 of 1 3 4 5 7 -> 5 + 0.8 * 2.
    assert got.value[:6].tolist() == [5.0, 4.0, 1.0, 7.0, 20.0, 6.0]
    assert got.value[6] == pytest.approx(6.6, abs=1e-12)
    assert got.value[6] == np.percentile([4, 1, 7, 3, 5], 95)
    assert got.count.tolist() == [6] * 7


def test_last_skips_nan_and_breaks_ties_by_input_order() -> None:
    got = run(
        [rule("last"), rule("last"), rule("last")],
        [
            (0, 950.0, 1.0),
            (0, 960.0, 2.0),
            (0, 960.0, 3.0),  # same time, later in the input: the last one
            (1, 950.0, 1.0),
            (1, 960.0, NAN),
            (2, 960.0, NAN),
        ],
    )
    assert got.value[:2].tolist() == [3.0, 1.0]
    assert np.isnan(got.value[2])
    assert got.count.tolist() == [3, 2, 1]
    assert got.status_names().tolist() == ["ok", "ok", "no_data"]


def test_nan_counts_for_count_but_for_nothing_else() -> None:
    rows = [(0, 950.0, NAN), (0, 960.0, NAN)]
    got = run(
        [rule("count"), rule("mean"), rule("max")],
        [(g, t, v) for g in range(3) for _, t, v in rows],
    )
    assert got.value[0] == 2.0
    assert np.isnan(got.value[1:]).all()
    assert got.count.tolist() == [2, 2, 2]
    assert got.first_time.tolist() == [950.0] * 3


def test_infinities_take_part() -> None:
    got = run(
        [rule("max"), rule("min"), rule("mean"), rule("sum"), rule("p95")],
        [(g, 990.0, v) for g in range(5) for v in (1.0, INF, 3.0)] + [(3, 991.0, -INF)],
    )
    assert got.value[:3].tolist() == [INF, 1.0, INF]
    assert np.isnan(got.value[3])  # Inf + -Inf
    assert got.value[4] == np.percentile([1.0, 3.0], 95)  # over the finite values only
    assert got.status_names().tolist() == ["ok", "ok", "ok", "no_data", "ok"]


def test_rate_counts_resets_from_zero() -> None:
    counter = [(0.0, 0.0), (10.0, 10.0), (20.0, 15.0), (30.0, 3.0), (40.0, 8.0)]
    rows = [(0, 900.0 + t, v) for t, v in counter]
    rows += [(1, 990.0, 5.0)]  # one sample
    rows += [(2, 990.0, 5.0), (2, 990.0, 9.0)]  # no time span
    rows += [(3, 990.0, 5.0), (3, 995.0, NAN), (3, 1000.0, 2.0)]  # NaN skipped; a reset
    got = run([rule("rate", 200.0)] * 4, rows)
    assert got.value[0] == pytest.approx((10 + 5 + 3 + 5) / 40)
    assert np.isnan(got.value[1]) and np.isnan(got.value[2])
    assert got.value[3] == pytest.approx(2.0 / 10)
    assert got.count.tolist() == [5, 1, 2, 3]


def test_rate_uses_only_the_window() -> None:
    rows = [(0, 100.0, 0.0), (0, 950.0, 100.0), (0, 960.0, 130.0), (0, 1000.0, 150.0)]
    got = run([rule("rate", 60.0)], rows)
    assert got.value[0] == pytest.approx(50.0 / 50.0)


def test_ratio_uses_each_operands_aggregate_over_the_ratios_window() -> None:
    rows = [(0, t, 1.0) for t in (500.0, 960.0, 980.0)]  # errors: sum
    rows += [(1, t, 10.0) for t in (400.0, 950.0, 990.0, 995.0)]  # requests: count
    rows += [(2, 990.0, 123.0)]  # the ratio indicator's own observation is not used
    rules = [
        rule("sum", 1000.0),
        rule("count", 1000.0),
        rule("ratio", 100.0, LOWER, 0.5, 0.2, numerator=0, denominator=1),
        rule("ratio", 1000.0, LOWER, 0.5, 0.2, numerator=0, denominator=1),
    ]
    got = run(rules, rows, ids=[7, 8, 9, 1, 2, 3, 40, 99])
    assert got.value.tolist() == [3.0, 4.0, 2.0 / 3.0, 3.0 / 4.0]
    assert got.status_names().tolist() == ["ok", "ok", "breach", "breach"]
    assert got.count.tolist() == [3, 4, 5, 7]
    assert got.first_time.tolist() == [500.0, 400.0, 950.0, 400.0]
    assert got.last_time.tolist() == [980.0, 995.0, 995.0, 995.0]
    assert got.first_id.tolist() == [7, 1, 2, 1]
    assert got.last_id.tolist() == [9, 40, 40, 40]


def test_ratio_without_a_usable_denominator_has_no_data() -> None:
    rules = [
        rule("sum"),
        rule("sum"),
        rule("sum"),
        rule("ratio", numerator=0, denominator=1),  # denominator sums to zero
        rule("ratio", numerator=0, denominator=2),  # denominator has no observations
        rule("ratio", numerator=2, denominator=0),  # numerator has none
        rule("ratio", numerator=1, denominator=0),  # zero over something: a value
    ]
    got = run(rules, [(0, 990.0, 4.0), (1, 990.0, 2.0), (1, 991.0, -2.0)], ids=[5, 6, 7])
    assert np.isnan(got.value[3:6]).all()
    assert got.value[6] == 0.0
    assert got.status_names().tolist()[3:] == ["no_data", "no_data", "no_data", "ok"]
    assert got.count.tolist()[3:] == [3, 1, 1, 3]
    assert got.first_id.tolist()[3:] == [5, 5, 5, 5]
    assert got.last_id.tolist()[3:] == [7, 5, 5, 7]


def test_windows_that_end_at_the_last_row() -> None:
    # Several windows of the last indicator end at the very last row, one of them holding
    # only that row: the edge the segment reduction treats specially.
    rows = [(0, 995.0, 1.0), (1, 900.0, 2.0), (1, 950.0, 3.0), (1, 999.0, 4.0), (1, 1000.0, 5.0)]
    rules = [
        rule("sum", 10.0),
        rule("sum", 200.0),
        rule("ratio", 0.5, numerator=1, denominator=0),  # operand window: 1000 only
        rule("ratio", 30.0, numerator=1, denominator=0),  # operand window: 999, 1000
    ]
    got = run(rules, rows, ids=[1, 2, 3, 4, 5])
    assert got.value[:2].tolist() == [1.0, 14.0]
    assert np.isnan(got.value[2])  # the denominator's 0.5 s window is empty
    assert got.value[3] == 9.0
    assert got.first_id.tolist() == [1, 2, 5, 1]


def test_segment_reduce_matches_slices() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=50)
    start = np.array([0, 49, 48, 10, 10, 30, 0, 20])
    end = np.array([50, 50, 50, 11, 40, 31, 1, 25])
    for ufunc, fold in ((np.add, np.sum), (np.minimum, np.min), (np.maximum, np.max)):
        got = evaluation._segment_reduce(ufunc, a, start, end)
        want = [fold(a[s:e]) for s, e in zip(start, end, strict=True)]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_p95_with_widely_spread_window_lengths() -> None:
    rng = np.random.default_rng(8)
    sizes = [1, 2, 3, 5, 17, 64, 65, 1000]
    rows = [(g, float(t), float(rng.normal())) for g, n in enumerate(sizes) for t in range(n)]
    got = run([rule("p95", 2000.0)] * len(sizes), rows)
    want = [np.percentile([v for g2, _, v in rows if g2 == g], 95) for g in range(len(sizes))]
    np.testing.assert_array_equal(got.value, want)


def test_observations_after_at_are_ignored() -> None:
    got = run([rule("max", 1e9), rule("count", 1e9)], [(0, 1000.0, 1.0), (0, 1000.001, 9.0)])
    assert got.value[0] == 1.0
    assert got.count.tolist() == [1, 0]


def test_no_rules_and_no_observations() -> None:
    empty = run([], [])
    assert empty.value.shape == empty.status.shape == empty.count.shape == (0,)
    got = run([rule("sum"), rule("count")], [])
    assert np.isnan(got.value).all()
    assert got.status.tolist() == [NO_DATA, NO_DATA]
    assert got.count.tolist() == [0, 0]
    assert np.isnan(got.first_time).all() and got.last_id.tolist() == [-1, -1]
    got = evaluate([rule("last")], np.array([]), np.array([]), np.array([]), 1000.0)
    assert got.status.tolist() == [NO_DATA]


def test_infinite_window_covers_all_history() -> None:
    got = run([rule("sum", INF)], [(0, -1e12, 1.0), (0, 0.0, 2.0), (0, 1000.0, 4.0)])
    assert got.value.tolist() == [7.0]
    assert got.window_start.tolist() == [-INF]


# --- Errors. -----------------------------------------------------------------------------


def test_ratio_of_a_ratio_is_an_error_naming_the_rule() -> None:
    rules = [
        rule("sum"),
        rule("ratio", numerator=0, denominator=0),
        rule("ratio", numerator=0, denominator=1),
    ]
    with pytest.raises(ValueError, match=r"rule 2: denominator 1 is itself a ratio"):
        run(rules, [])
    with pytest.raises(ValueError, match=r"rule 0: numerator 0 is itself a ratio"):
        run([rule("ratio", numerator=0, denominator=0)], [])


@pytest.mark.parametrize("position", [-1, 2, 10])
def test_ratio_operand_out_of_range(position: int) -> None:
    rules = [rule("sum"), rule("ratio", numerator=0, denominator=position)]
    with pytest.raises(ValueError, match=rf"rule 1: denominator {position} is not a rule"):
        run(rules, [])


@pytest.mark.parametrize("bad", [-1, 2])
def test_observation_of_an_unknown_indicator(bad: int) -> None:
    with pytest.raises(ValueError, match=rf"indicator {bad} is not a rule position"):
        run([rule("sum"), rule("sum")], [(0, 990.0, 1.0), (bad, 991.0, 1.0)])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"aggregate": "median"}, "unknown aggregate"),
        ({"direction": "sideways"}, "unknown direction"),
        ({"window_seconds": 0.0}, "window_seconds must be positive"),
        ({"window_seconds": NAN}, "window_seconds must be positive"),
        ({"acceptable_level": NAN}, "acceptable_level"),
        ({"target": NAN}, "target"),
        ({"aggregate": "ratio"}, "needs both numerator and denominator"),
        ({"aggregate": "ratio", "numerator": 0}, "needs both numerator and denominator"),
        ({"numerator": 0, "denominator": 1}, "ratio rules only"),
    ],
)
def test_invalid_rules(fields: dict, message: str) -> None:
    values = {
        "aggregate": "sum",
        "window_seconds": 10.0,
        "direction": HIGHER,
        "acceptable_level": 1.0,
        "target": None,
    } | fields
    with pytest.raises(ValueError, match=message):
        Rule(**values)


def test_invalid_arrays_and_time() -> None:
    rules = [rule("sum")]
    one = np.array([1.0])
    with pytest.raises(ValueError, match="same length"):
        evaluate(rules, np.array([0, 0]), one, one, 1000.0)
    with pytest.raises(ValueError, match="same length"):
        evaluate(rules, np.array([0]), one, one, 1000.0, ids=np.array([1, 2]))
    with pytest.raises(ValueError, match="indicator must be an integer"):
        evaluate(rules, np.array([0.0]), one, one, 1000.0)
    with pytest.raises(ValueError, match="ids must be an integer"):
        evaluate(rules, np.array([0]), one, one, 1000.0, ids=np.array([1.5]))
    with pytest.raises(ValueError, match="at must be finite"):
        evaluate(rules, np.array([0]), one, one, NAN)


@pytest.mark.parametrize(
    ("direction", "acceptable", "target", "values", "expected"),
    [
        (
            HIGHER,
            0.8,
            0.9,
            [0.95, 0.9, 0.85, 0.8, 0.79],
            ["ok", "ok", "warning", "warning", "breach"],
        ),
        (
            LOWER,
            10.0,
            5.0,
            [3.0, 5.0, 7.0, 10.0, 12.0],
            ["ok", "ok", "warning", "warning", "breach"],
        ),
        (HIGHER, 0.8, None, [0.8, 0.7], ["ok", "breach"]),
        (LOWER, 10.0, None, [math.inf, -math.inf, NAN], ["breach", "ok", "no_data"]),
    ],
)
def test_a_value_alone_stands_against_the_levels_as_an_evaluation_would(
    direction: str,
    acceptable: float,
    target: float | None,
    values: list[float],
    expected: list[str],
) -> None:
    codes = evaluation.value_statuses(np.array(values), direction, acceptable, target)
    assert [STATUS_NAMES[code] for code in codes] == expected
    # The same as an evaluation of a window holding only that value.
    for value, name in zip(values, expected, strict=True):
        got = run([rule("last", 100.0, direction, acceptable, target)], [(0, 990.0, value)])
        assert got.status_names().tolist() == [name]
