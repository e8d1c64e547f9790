"""The next statement's priority, alone (Pol.is's importance x novelty, squared)."""

from collections import Counter

import pytest

from agilegov.dialogue.priority import Tally, importance, next_statement, priority


def test_importance_follows_the_smoothed_rates() -> None:
    # 3 agree, 1 disagree, 0 pass: p = 1/6, a = 4/6; no extremity.
    assert importance(Tally(3, 1, 0), 0.0) == pytest.approx((1 - 1 / 6) * 1 * (4 / 6))
    assert importance(Tally(3, 1, 0), 1.0) == pytest.approx(2 * importance(Tally(3, 1, 0), 0.0))


def test_new_statements_come_first_and_passed_ones_last() -> None:
    fresh, seen = priority(Tally(0, 0, 0), 0.0), priority(Tally(20, 20, 0), 0.0)
    assert fresh > seen
    assert priority(Tally(0, 0, 0), 0.0) == pytest.approx(((0.5 * 0.5) * 9) ** 2)
    assert priority(Tally(2, 2, 10), 0.0) < priority(Tally(6, 6, 2), 0.0)


def test_divisive_statements_outrank_settled_ones() -> None:
    assert priority(Tally(10, 10, 0), 2.0) > priority(Tally(10, 10, 0), 0.1)


def test_the_draw_is_among_the_unvoted_and_repeatable() -> None:
    tallies = {1: Tally(50, 50, 0), 2: Tally(0, 0, 0), 3: Tally(0, 0, 40)}
    assert next_statement([], tallies, {}, seed=1) is None
    assert next_statement([3], tallies, {}, seed=1) == 3
    draws = Counter(next_statement([1, 2, 3], tallies, {}, seed=seed) for seed in range(400))
    assert set(draws) <= {1, 2, 3}
    assert draws[2] > draws[1] and draws[2] > draws[3]
    assert next_statement([1, 2, 3], tallies, {}, seed=7) == next_statement(
        [1, 2, 3], tallies, {}, seed=7
    )
