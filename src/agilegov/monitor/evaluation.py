"""Evaluate governance indicators over time windows, all indicators of a scope at once.

A pure module: NumPy arrays in, NumPy arrays out; no database, no I/O. The caller loads
the observations of a scope as parallel arrays (indicator position, time, value and
optionally the observation id) and gets one value and one status per rule.

Everything is vectorised over observations: the observations are put in (indicator, time)
order once, each window is a contiguous run of rows found by a binary search that runs over
all windows at the same time, and each aggregate is a segment reduction
(``ufunc.reduceat``) over those runs. Python loops run only over the aggregate kinds and, for
p95, over at most ~64 classes of window lengths.

Status is an ``int8`` code per rule: ``OK``, ``WARNING``, ``BREACH``, ``NO_DATA``, with
``STATUS_NAMES[code]`` the name ("ok", "warning", "breach", "no_data"). Codes keep the result
a plain numeric array (cheap to compare, count and store); ``Evaluation.status_names()``
gives the names.

Choices the rules leave open, made here:

* A NaN observation counts for "count", for ``count``, ``first_time``/``last_time`` and
  ``first_id``/``last_id`` (it is an observation in the window) but is ignored by every other
  aggregate. A NaN *time* lies in no window (no comparison with it holds).
* Every aggregate, "count" and "sum" included, gives no value (status "no_data") when the
  window holds no observation: an empty window means nothing was measured, which a monitor
  must show rather than read as zero.
* "p95" interpolates over the finite values only (±Inf left out), as
  ``np.percentile(finite_values, 95)`` does; interpolating towards an infinity is undefined.
* "rate": the increase between two consecutive samples is ``v[i] - v[i-1]``, or ``v[i]``
  when that is negative (a counter reset); an undefined increase (Inf - Inf) makes the rate
  undefined.
* A "ratio" rule describes the observations it used: ``count`` is the numerator's count plus
  the denominator's, times and ids span both. The ratio indicator's own observations are not
  used.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

AGGREGATES: tuple[str, ...] = (
    "last",
    "mean",
    "min",
    "max",
    "p95",
    "sum",
    "count",
    "rate",
    "ratio",
)
DIRECTIONS: tuple[str, ...] = ("higher_is_better", "lower_is_better")

OK = 0
WARNING = 1
BREACH = 2
NO_DATA = 3
STATUS_NAMES: tuple[str, ...] = ("ok", "warning", "breach", "no_data")

_P95 = 95 / 100  # the same float np.percentile(v, 95) computes from q=95


@dataclass(frozen=True)
class Rule:
    """How one indicator is judged: an aggregate over a trailing window and two levels."""

    aggregate: str
    window_seconds: float
    direction: str
    acceptable_level: float
    target: float | None
    numerator: int | None = None
    denominator: int | None = None

    def __post_init__(self) -> None:
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"unknown aggregate {self.aggregate!r}; expected one of {AGGREGATES}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}; expected one of {DIRECTIONS}")
        # NaN would silently empty every window; a window that is not positive holds nothing.
        if not self.window_seconds > 0:
            raise ValueError(f"window_seconds must be positive, got {self.window_seconds!r}")
        if math.isnan(self.acceptable_level):
            raise ValueError("acceptable_level must not be NaN")
        if self.target is not None and math.isnan(self.target):
            raise ValueError("target must not be NaN (use None for no warning band)")
        operands = (self.numerator, self.denominator)
        if self.aggregate == "ratio":
            if None in operands:
                raise ValueError("a ratio rule needs both numerator and denominator")
        elif operands != (None, None):
            raise ValueError("numerator and denominator belong to ratio rules only")


@dataclass(frozen=True)
class Evaluation:
    """One entry per rule, in the order of the rules given to ``evaluate``."""

    value: np.ndarray  # float64, NaN when there is no value
    status: np.ndarray  # int8 codes into STATUS_NAMES
    count: np.ndarray  # int64, observations in the window (NaN values included)
    first_time: np.ndarray  # float64, NaN when the window is empty
    last_time: np.ndarray  # float64, NaN when the window is empty
    first_id: np.ndarray  # int64, smallest id in the window; -1 when none or no ids
    last_id: np.ndarray  # int64, largest id in the window; -1 when none or no ids
    window_start: np.ndarray  # float64, exclusive
    window_end: np.ndarray  # float64, inclusive

    def status_names(self) -> np.ndarray:
        """The status of each rule as a string array."""
        return np.asarray(STATUS_NAMES)[self.status]


@dataclass(frozen=True)
class _View:
    """Observations in (indicator, time) order; rows of indicator g are group_start[g:g+2]."""

    time: np.ndarray
    value: np.ndarray
    group_start: np.ndarray


def evaluate(
    rules: Sequence[Rule],
    indicator: np.ndarray,
    time: np.ndarray,
    value: np.ndarray,
    at: float,
    ids: np.ndarray | None = None,
) -> Evaluation:
    """Evaluate every rule at time ``at`` over the window ``(at - window_seconds, at]``.

    ``indicator`` (positions into ``rules``), ``time`` (seconds since the epoch), ``value`` and
    ``ids`` are parallel arrays of observations in any order.
    """
    at = float(at)
    if not math.isfinite(at):
        raise ValueError(f"at must be finite, got {at!r}")
    n_rules = len(rules)
    ind, tim, val, oid = _as_arrays(indicator, time, value, ids)

    kinds, widths, groups, operands = _tasks(rules)
    n_tasks = kinds.size

    ind, tim, val, oid = _sorted(ind, tim, val, oid, n_rules)
    full = _View(tim, val, _group_starts(ind, n_rules))
    fs, fe = _windows(full, groups, widths, at)
    count = fe - fs
    has = count > 0

    # NaN values count as observations but carry no value: aggregate over a view without them.
    if val.size and np.isnan(val.min()):
        missing = np.isnan(val)
        keep = ~missing
        # Each indicator's rows move up by the NaN rows before it; no need to copy `ind`.
        shift = np.searchsorted(np.flatnonzero(missing), full.group_start, side="left")
        valued = _View(tim[keep], val[keep], full.group_start - shift)
        vs, ve = _windows(valued, groups, widths, at)
    else:
        valued, vs, ve = full, fs, fe

    task_value = np.full(n_tasks, np.nan)
    for code in np.unique(kinds):
        kind = AGGREGATES[code]
        sel = np.flatnonzero(kinds == code)
        if kind == "ratio":
            continue  # computed below from its operands' tasks
        if kind == "count":
            task_value[sel] = np.where(has[sel], count[sel], np.nan)
            continue
        # Inf - Inf and overflowing sums are defined outcomes here (NaN: no value; Inf).
        with np.errstate(invalid="ignore", over="ignore"):
            task_value[sel] = _aggregate(kind, valued, vs[sel], ve[sel])

    first_time = np.full(n_tasks, np.nan)
    last_time = np.full(n_tasks, np.nan)
    first_time[has] = tim[fs[has]]
    last_time[has] = tim[fe[has] - 1]
    first_id = np.full(n_tasks, -1, dtype=np.int64)
    last_id = np.full(n_tasks, -1, dtype=np.int64)
    if oid is not None and has.any():
        first_id[has] = _segment_reduce(np.minimum, oid, fs[has], fe[has])
        last_id[has] = _segment_reduce(np.maximum, oid, fs[has], fe[has])

    # Copies, so the result does not keep the operand tasks' arrays alive.
    out_value = task_value[:n_rules].copy()
    out_count = count[:n_rules].astype(np.int64)
    out_first_time = first_time[:n_rules].copy()
    out_last_time = last_time[:n_rules].copy()
    out_first_id = first_id[:n_rules].copy()
    out_last_id = last_id[:n_rules].copy()
    if operands.size:
        rule, num, den = operands[:, 0], operands[:, 1], operands[:, 2]
        out_value[rule] = _ratio(task_value[num], task_value[den])
        out_count[rule] = count[num] + count[den]
        out_first_time[rule] = np.fmin(first_time[num], first_time[den])
        out_last_time[rule] = np.fmax(last_time[num], last_time[den])
        # An empty side has no ids: take the other side's as they are.
        out_first_id[rule] = _combine(np.minimum, first_id[num], first_id[den], has[num], has[den])
        out_last_id[rule] = _combine(np.maximum, last_id[num], last_id[den], has[num], has[den])

    return Evaluation(
        value=out_value,
        status=_status(rules, out_value),
        count=out_count,
        first_time=out_first_time,
        last_time=out_last_time,
        first_id=out_first_id,
        last_id=out_last_id,
        window_start=at - widths[:n_rules],
        window_end=np.full(n_rules, at),
    )


def _as_arrays(
    indicator: np.ndarray, time: np.ndarray, value: np.ndarray, ids: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    ind = np.asarray(indicator)
    if ind.size == 0:
        ind = ind.astype(np.int64)  # np.asarray([]) is float64; an empty array has no bad ids
    if not np.issubdtype(ind.dtype, np.integer):
        raise ValueError(f"indicator must be an integer array, got {ind.dtype}")
    # One dtype for the searches on group boundaries: mixing dtypes would copy the column.
    ind = ind.astype(np.int64, copy=False)
    tim = np.asarray(time, dtype=np.float64)
    val = np.asarray(value, dtype=np.float64)
    oid = None
    if ids is not None:
        oid = np.asarray(ids)
        if oid.size and not np.issubdtype(oid.dtype, np.integer):
            raise ValueError(f"ids must be an integer array, got {oid.dtype}")
        oid = oid.astype(np.int64, copy=False)
    arrays = [ind, tim, val] + ([] if oid is None else [oid])
    if any(a.ndim != 1 for a in arrays):
        raise ValueError("observations must be one-dimensional arrays")
    if len({a.size for a in arrays}) != 1:
        raise ValueError("indicator, time, value and ids must have the same length")
    return ind, tim, val, oid


def _tasks(rules: Sequence[Rule]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What to aggregate: one task per rule, then one per operand of each ratio rule.

    Returns the aggregate code, window width and indicator of each task, and rows
    (ratio rule, numerator task, denominator task).
    """
    n = len(rules)
    kinds = [AGGREGATES.index(rule.aggregate) for rule in rules]
    widths = [float(rule.window_seconds) for rule in rules]
    groups = list(range(n))
    operands: list[tuple[int, int, int]] = []
    for position, rule in enumerate(rules):
        if rule.aggregate != "ratio":
            continue
        tasks = []
        for role, target in (("numerator", rule.numerator), ("denominator", rule.denominator)):
            if target is None or not 0 <= target < n:
                raise ValueError(f"rule {position}: {role} {target!r} is not a rule position")
            if rules[target].aggregate == "ratio":
                raise ValueError(f"rule {position}: {role} {target} is itself a ratio")
            # The operand is aggregated by its own aggregate over the ratio's window.
            tasks.append(len(kinds))
            kinds.append(AGGREGATES.index(rules[target].aggregate))
            widths.append(float(rule.window_seconds))
            groups.append(target)
        operands.append((position, tasks[0], tasks[1]))
    return (
        np.asarray(kinds, dtype=np.int64),
        np.asarray(widths, dtype=np.float64),
        np.asarray(groups, dtype=np.int64),
        np.asarray(operands, dtype=np.int64).reshape(-1, 3),
    )


def _sorted(
    ind: np.ndarray, tim: np.ndarray, val: np.ndarray, oid: np.ndarray | None, n_rules: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The observations in (indicator, time) order, input order kept among equal times."""
    if ind.size == 0:
        return ind, tim, val, oid
    if not _is_sorted(ind, tim, n_rules):
        order = np.lexsort((tim, ind))  # lexsort is stable: ties on time keep input order
        ind, tim, val = ind[order], tim[order], val[order]
        oid = None if oid is None else oid[order]
    if ind[0] < 0 or ind[-1] >= n_rules:
        bad = ind[0] if ind[0] < 0 else ind[-1]
        raise ValueError(f"indicator {bad} is not a rule position (there are {n_rules} rules)")
    return ind, tim, val, oid


def _is_sorted(ind: np.ndarray, tim: np.ndarray, n_rules: int) -> bool:
    if ind.size < 2:
        return True
    if not np.all(ind[1:] >= ind[:-1]):
        return False
    if ind[0] < 0 or ind[-1] >= n_rules:
        return True  # let the range check report it; the order no longer matters
    ascending = tim[1:] >= tim[:-1]
    # Pairs that straddle two indicators need no order; a NaN time makes this False (re-sort).
    starts = _group_starts(ind, n_rules)[1:-1]
    ascending[starts[(starts > 0) & (starts < ind.size)] - 1] = True
    return bool(ascending.all())


def _group_starts(ind: np.ndarray, n_rules: int) -> np.ndarray:
    return np.searchsorted(ind, np.arange(n_rules + 1, dtype=np.int64), side="left")


def _windows(
    view: _View, groups: np.ndarray, widths: np.ndarray, at: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows [start, end) of each task's window: at - width < time <= at within its indicator."""
    lo = view.group_start[groups]
    hi = view.group_start[groups + 1]
    end = _search_right(view.time, lo, hi, np.full(groups.size, at))
    start = _search_right(view.time, lo, end, at - widths)
    return start, end


def _search_right(time: np.ndarray, lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """For each k, the first row in [lo[k], hi[k]) with time > x[k] (time sorted in the run).

    A binary search run for all runs together: about log2(longest run) NumPy steps over the
    runs still open, instead of one Python-level searchsorted per run. A NaN time compares
    as greater than everything, matching its place at the end of a sorted run.
    """
    lo = lo.copy()
    hi = hi.copy()
    open_ = np.flatnonzero(lo < hi)
    while open_.size:
        left, right = lo[open_], hi[open_]
        mid = (left + right) >> 1
        go_right = time[mid] <= x[open_]
        lo[open_] = np.where(go_right, mid + 1, left)
        hi[open_] = np.where(go_right, right, mid)
        open_ = open_[lo[open_] < hi[open_]]
    return lo


def _aggregate(kind: str, view: _View, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``kind`` over rows [start, end) of the NaN-free view; NaN where there is no value."""
    out = np.full(start.size, np.nan)
    size = end - start
    full = size > 0
    s, e = start[full], end[full]
    if kind == "last":
        out[full] = view.value[e - 1]  # stable order: the later of equal times comes last
    elif kind in ("sum", "mean"):
        total = _segment_reduce(np.add, view.value, s, e)
        out[full] = total / size[full] if kind == "mean" else total
    elif kind == "min":
        out[full] = _segment_reduce(np.minimum, view.value, s, e)
    elif kind == "max":
        out[full] = _segment_reduce(np.maximum, view.value, s, e)
    elif kind == "p95":
        out[full] = _segment_p95(view.value, s, e)
    elif kind == "rate":
        enough = size >= 2
        out[enough] = _segment_rate(view.value, view.time, start[enough], end[enough])
    else:  # pragma: no cover - evaluate() routes "count" and "ratio" elsewhere
        raise AssertionError(kind)
    return out


def _segment_reduce(
    ufunc: np.ufunc, a: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """``ufunc`` reduced over a[start[k]:end[k]] for each k; every segment must be non-empty.

    One ``reduceat`` over interleaved (start, end) indices; the results at odd positions
    (the gaps between segments) are dropped. Windows are ordered by start so the gaps are
    walked once in total. ``reduceat`` rejects the index len(a), so a segment ending at the
    last row is reduced up to that row and the row is folded in afterwards.
    """
    if start.size == 0:
        return np.empty(0, dtype=a.dtype)
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    lo = int(s[0])
    part = a[lo : int(e.max())]
    last = part.size - 1
    indices = np.empty(2 * s.size, dtype=np.intp)
    indices[0::2] = s - lo
    indices[1::2] = np.minimum(e - lo, last)
    reduced = ufunc.reduceat(part, indices)[0::2]
    # A segment [last, last + 1) already gave part[last] (reduceat's rule for start >= end).
    cut = (e - lo > last) & (s - lo < last)
    reduced[cut] = ufunc(reduced[cut], part[last])
    result = np.empty_like(reduced)
    result[order] = reduced
    return result


def _gather(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the segments [start, end) laid end to end, and where each one begins."""
    size = end - start
    offset = np.zeros(size.size + 1, dtype=np.int64)
    np.cumsum(size, out=offset[1:])
    rows = np.arange(offset[-1], dtype=np.int64) + np.repeat(start - offset[:-1], size)
    return rows, offset


def _segment_rate(
    value: np.ndarray, time: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Per-second increase of a counter over each segment (at least two rows each)."""
    if start.size == 0:
        return np.empty(0)
    rows, offset = _gather(start, end)
    v = value[rows]
    step = np.empty_like(v)
    step[0] = 0.0
    with np.errstate(invalid="ignore"):  # Inf - Inf: an undefined increase, kept as NaN
        rise = v[1:] - v[:-1]
        step[1:] = np.where(rise < 0, v[1:], rise)  # a drop is a reset: count from zero
    step[offset[:-1]] = 0.0  # a window's first sample is its baseline, not an increase
    increase = np.add.reduceat(step, offset[:-1])
    span = time[end - 1] - time[start]
    rate = np.full(start.size, np.nan)
    positive = span > 0
    rate[positive] = increase[positive] / span[positive]
    return rate


def _segment_p95(value: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``np.percentile(finite values of the segment, 95)`` for each segment; NaN if none."""
    out = np.full(start.size, np.nan)
    if start.size == 0:
        return out
    rows, _ = _gather(start, end)
    v = value[rows]
    finite = np.isfinite(v)
    segment = np.repeat(np.arange(start.size), end - start)
    size = np.bincount(segment[finite], minlength=start.size)
    v = v[finite]
    begin = np.zeros(start.size, dtype=np.int64)
    np.cumsum(size[:-1], out=begin[1:])
    # Sort each segment as a row of a padded 2-D block. Segments are grouped by length class
    # (lengths in (2**(c-1), 2**c]) so padding at most doubles the work however the lengths
    # are spread; the loop runs over classes, not segments. +Inf pads sort after the values.
    present = np.flatnonzero(size > 0)
    length_class = np.frexp((size[present] - 1).astype(np.float64))[1]
    for c in np.unique(length_class):
        seg = present[length_class == c]
        n = size[seg]
        columns = np.arange(int(n.max()))
        pad = columns[None, :] >= n[:, None]
        block = v[np.where(pad, 0, begin[seg][:, None] + columns[None, :])]
        block[pad] = np.inf
        block.sort(axis=1)
        out[seg] = _percentile_of_sorted(block, n)
    return out


def _percentile_of_sorted(block: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The 95th percentile of each row's first n values (sorted), as np.percentile does it.

    Mirrors NumPy's "linear" method step by step (virtual index (n - 1) * q, its floor, and
    the two-sided lerp) so results are bit-identical, not just close.
    """
    virtual = (n - 1) * _P95
    below = np.floor(virtual)
    gamma = virtual - below
    previous = below.astype(np.int64)
    following = np.minimum(previous + 1, n - 1)
    rows = np.arange(n.size)
    a = block[rows, previous]
    b = block[rows, following]
    diff = b - a
    result = a + diff * gamma
    upper = gamma >= 0.5
    result[upper] = b[upper] - diff[upper] * (1 - gamma[upper])
    return result


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator; NaN when either has no value or the denominator is 0."""
    out = np.full(numerator.size, np.nan)
    usable = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator != 0)
    with np.errstate(invalid="ignore"):  # Inf / Inf is NaN: no value
        out[usable] = numerator[usable] / denominator[usable]
    return out


def _combine(
    ufunc: np.ufunc, a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray
) -> np.ndarray:
    """ufunc(a, b) where both sides have observations, else the side that has them (or b)."""
    return np.where(has_a & has_b, ufunc(a, b), np.where(has_a, a, b))


def _status(rules: Sequence[Rule], value: np.ndarray) -> np.ndarray:
    # Flip the sign for lower_is_better so both directions become "higher is better".
    sign = np.array([1.0 if r.direction == "higher_is_better" else -1.0 for r in rules])
    acceptable = np.array([r.acceptable_level for r in rules], dtype=np.float64)
    target = np.array([np.nan if r.target is None else r.target for r in rules])
    return _classify(value, sign, acceptable, target)


def value_statuses(
    values: np.ndarray, direction: str, acceptable_level: float, target: float | None
) -> np.ndarray:
    """Where each value alone stands against one indicator's levels, by the same
    rule as an evaluation's (status codes; NaN is NO_DATA, ±Inf compares as itself)."""
    sign = 1.0 if direction == "higher_is_better" else -1.0
    return _classify(
        np.asarray(values, dtype=np.float64),
        np.float64(sign),
        np.float64(acceptable_level),
        np.float64(np.nan if target is None else target),
    )


def _classify(value: np.ndarray, sign: Any, acceptable: Any, target: Any) -> np.ndarray:
    v = sign * value
    status = np.full(value.size, OK, dtype=np.int8)
    status[v < sign * target] = WARNING  # False for a NaN target: no warning band
    status[v < sign * acceptable] = BREACH
    status[np.isnan(value)] = NO_DATA
    return status
