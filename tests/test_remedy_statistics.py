"""The transparency-act complaint figures, alone: counts, handling time,
escalation, and above all that no figure rests on fewer than the minimum."""

from datetime import date
from typing import Any

import pytest

from agilegov.remedy.statistics import (
    CATEGORIES,
    OUTCOMES,
    STAGES,
    Handled,
    Statistics,
    figure_rows,
    p90,
    quarters,
    statistics,
    suppress,
)


def handled(
    count: int,
    category: str = "decision",
    stage: str = "provider",
    outcome: str | None = "resolved",
    days: int | None = 3,
    escalated: bool = False,
) -> list[Handled]:
    return [Handled(category, stage, outcome, days, escalated)] * count


def zeros(labels: tuple[str, ...], **counts: int) -> dict[str, int | None]:
    return {label: counts.get(label, 0) for label in labels}


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        # Nothing small: every cell, zeros included, is shown.
        ({"a": 0, "b": 10, "c": 7}, {"a": 0, "b": 10, "c": 7}),
        ({"a": 5, "b": 5}, {"a": 5, "b": 5}),
        ({}, {}),
        # One small cell: the smallest other non-zero cell goes with it.
        ({"a": 3, "b": 10, "c": 7}, {"a": None, "b": 10, "c": None}),
        ({"a": 1, "b": 0, "c": 6, "d": 9}, {"a": None, "b": 0, "c": None, "d": 9}),
        # A tie for the smallest goes to the earlier cell.
        ({"a": 3, "b": 0, "c": 10, "d": 10}, {"a": None, "b": 0, "c": None, "d": 10}),
        # Two small cells hide each other; nothing more is hidden.
        ({"a": 3, "b": 2, "c": 10}, {"a": None, "b": None, "c": 10}),
        ({"a": 4, "b": 6}, {"a": None, "b": None}),
    ],
)
def test_suppress_hides_small_cells_and_what_would_give_them_away(
    counts: dict[str, int], shown: dict[str, int | None]
) -> None:
    assert suppress(counts, 5) == shown


def test_a_minimum_of_one_hides_nothing() -> None:
    assert suppress({"a": 1, "b": 9}, 1) == {"a": 1, "b": 9}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7], 7),
        # n = 5: rank ceil(4.5) = 5, the largest.
        ([13, 2, 8, 3, 5], 13),
        # n = 10: rank 9.
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9),
        # n = 11: rank ceil(9.9) = 10.
        (list(range(1, 12)), 10),
        # n = 20: rank 18; repeated values count one by one.
        ([1] * 17 + [4, 30, 40], 4),
        ([1] * 18 + [30, 40], 1),
        # n = 100: rank exactly 90 (0.9 * 100 in floating point is above 90).
        (list(range(1, 101)), 90),
    ],
)
def test_p90_is_the_nearest_rank(values: list[int], expected: int) -> None:
    assert p90(values) == expected


def test_p90_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        p90([])


def test_no_complaints_shows_zeros() -> None:
    assert statistics([]) == Statistics(
        minimum=5,
        cases=0,
        by_category=zeros(CATEGORIES),
        by_stage=zeros(STAGES),
        by_outcome=zeros(OUTCOMES),
        open_cases=0,
        mean_handling_days=None,
        p90_handling_days=None,
        escalation_rate=None,
        suppressed=False,
    )


@pytest.mark.parametrize("total", [1, 4])
def test_a_total_below_the_minimum_hides_everything(total: int) -> None:
    # An unlisted category is not named either: its name would tell it exists.
    figures = statistics(handled(total - 1) + handled(1, category="unlisted", escalated=True))
    assert figures == Statistics(
        minimum=5,
        cases=None,
        by_category=dict.fromkeys(CATEGORIES),
        by_stage=dict.fromkeys(STAGES),
        by_outcome=dict.fromkeys(OUTCOMES),
        open_cases=None,
        mean_handling_days=None,
        p90_handling_days=None,
        escalation_rate=None,
        suppressed=True,
    )


def test_a_total_at_the_minimum_is_shown_with_its_zero_cells() -> None:
    figures = statistics(handled(5, days=2, escalated=True))
    assert figures == Statistics(
        minimum=5,
        cases=5,
        by_category=zeros(CATEGORIES, decision=5),
        by_stage=zeros(STAGES, provider=5),
        by_outcome=zeros(OUTCOMES, resolved=5),
        open_cases=0,
        mean_handling_days=2.0,
        p90_handling_days=2,
        escalation_rate=1.0,
        suppressed=False,
    )


@pytest.mark.parametrize(
    ("groups", "shown"),
    [
        # Every type at 0 or at least 5: all shown.
        ({"decision": 10, "privacy": 5}, {"decision": 10, "privacy": 5}),
        # One small type: the smallest other one is hidden with it, so that
        # neither comes out of 18 - 10.
        (
            {"decision": 10, "privacy": 6, "service": 2},
            {"decision": 10, "privacy": None, "service": None},
        ),
        # Two small types hide each other.
        (
            {"decision": 10, "privacy": 3, "service": 2},
            {"decision": 10, "privacy": None, "service": None},
        ),
    ],
)
def test_types_are_counted_with_small_cells_hidden(
    groups: dict[str, int], shown: dict[str, int | None]
) -> None:
    cases = [case for category, n in groups.items() for case in handled(n, category=category)]
    figures = statistics(cases)
    assert figures.cases == sum(groups.values())
    assert figures.by_category == zeros(CATEGORIES) | shown
    assert figures.suppressed is (None in shown.values())


def test_stages_are_counted_with_small_cells_hidden() -> None:
    # provider would give adr away as 15 - 12, so both are hidden; court's 0 shows.
    figures = statistics(handled(12) + handled(3, stage="adr", escalated=True))
    assert figures.by_stage == {"provider": None, "adr": None, "court": 0}
    assert figures.suppressed


@pytest.mark.parametrize(
    ("groups", "by_outcome", "open_cases"),
    [
        ({"resolved": 20, None: 6}, {"resolved": 20}, 6),
        ({"resolved": 20, "settled": 5, None: 0}, {"resolved": 20, "settled": 5}, 0),
        # Open cases are a cell: a small outcome takes them along (10 < 20).
        ({"resolved": 20, "withdrawn": 2, None: 10}, {"resolved": 20, "withdrawn": None}, None),
        # A small number of open cases takes the smallest outcome along.
        ({"resolved": 20, "no_reply": 7, None: 1}, {"resolved": 20, "no_reply": None}, None),
    ],
)
def test_outcomes_and_open_cases_are_one_breakdown(
    groups: dict[str | None, int], by_outcome: dict[str, int | None], open_cases: int | None
) -> None:
    cases = [
        case
        for outcome, n in groups.items()
        for case in handled(n, outcome=outcome, days=None if outcome is None else 3)
    ]
    figures = statistics(cases)
    assert figures.by_outcome == {outcome: by_outcome.get(outcome, 0) for outcome in OUTCOMES}
    assert figures.open_cases == open_cases


@pytest.mark.parametrize(
    ("days", "mean", "p90_days"),
    [
        ([2, 3, 5, 8, 13], 6.2, 13),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 40], 4.0, 0),
        # 45 + 2 + 40 = 87 over 12; rank ceil(10.8) = 11 of 1, 1, 5 x 9, 40.
        ([5] * 9 + [1, 1, 40], 7.25, 5),
    ],
)
def test_handling_time_over_answered_complaints(
    days: list[int], mean: float, p90_days: int
) -> None:
    # Unanswered complaints count nowhere in the handling time.
    answered = [case for n in days for case in handled(1, days=n)]
    figures = statistics(answered + handled(5, outcome=None, days=None))
    assert figures.mean_handling_days == pytest.approx(mean)
    assert figures.p90_handling_days == p90_days


@pytest.mark.parametrize(("answered", "suppressed"), [(4, True), (1, True), (0, False)])
def test_handling_time_needs_the_minimum_of_answered_complaints(
    answered: int, suppressed: bool
) -> None:
    figures = statistics(handled(answered, days=4) + handled(10, outcome=None, days=None))
    assert figures.mean_handling_days is None
    assert figures.p90_handling_days is None
    assert figures.suppressed is suppressed


@pytest.mark.parametrize(
    ("escalated", "total", "rate"),
    [
        (5, 10, 0.5),
        (0, 10, 0.0),
        (10, 10, 1.0),
        (6, 24, 0.25),
        # The rate would give away 2 escalated complaints, or 2 that were not.
        (2, 10, None),
        (8, 10, None),
    ],
)
def test_escalation_rate(escalated: int, total: int, rate: float | None) -> None:
    cases = handled(escalated, escalated=True) + handled(total - escalated)
    figures = statistics(cases)
    assert figures.escalation_rate == rate
    assert figures.suppressed is (rate is None)


def test_unlisted_labels_follow_the_listed_ones_alphabetically() -> None:
    figures = statistics(handled(5, category="zoning") + handled(5, category="access"))
    assert list(figures.by_category) == [*CATEGORIES, "access", "zoning"]
    assert figures.by_category["access"] == figures.by_category["zoning"] == 5


def test_the_caller_lists_its_own_labels() -> None:
    lists: dict[str, Any] = {"categories": ("fee",), "stages": ("provider",), "outcomes": ()}
    figures = statistics(handled(5, category="fee"), **lists)
    assert figures.by_category == {"fee": 5}
    assert figures.by_stage == {"provider": 5}
    assert figures.by_outcome == {"resolved": 5}
    assert statistics(handled(2), **lists).by_category == {"fee": None}


@pytest.mark.parametrize("minimum", [0, -1])
def test_the_minimum_is_at_least_one(minimum: int) -> None:
    with pytest.raises(ValueError):
        statistics([], minimum)


def test_a_larger_minimum_hides_more() -> None:
    cases = handled(12) + handled(8, category="privacy")
    assert statistics(cases, 5).by_category["privacy"] == 8
    assert statistics(cases, 10).by_category["privacy"] is None
    assert statistics(cases, 10).by_category["decision"] is None
    assert statistics(cases, 21).cases is None


# ---------------------------------------------------------------- as open data


@pytest.mark.parametrize(
    ("first", "today", "periods"),
    [
        # The quarter holding today has not ended: nothing yet.
        (date(2026, 2, 10), date(2026, 3, 31), []),
        (
            date(2026, 2, 10),
            date(2026, 4, 1),
            [(date(2026, 1, 1), date(2026, 3, 31))],
        ),
        (
            date(2025, 11, 30),
            date(2026, 7, 2),
            [
                (date(2025, 10, 1), date(2025, 12, 31)),
                (date(2026, 1, 1), date(2026, 3, 31)),
                (date(2026, 4, 1), date(2026, 6, 30)),
            ],
        ),
    ],
)
def test_quarters_run_from_the_first_complaint_to_the_last_ended(
    first: date, today: date, periods: list[tuple[date, date]]
) -> None:
    assert quarters(first, today) == periods


def test_each_figure_is_one_row_and_a_hidden_one_says_so() -> None:
    cases = handled(7) + handled(2, category="privacy") + handled(5, outcome=None)
    rows = {
        (figure, label): (value, hidden)
        for figure, label, value, hidden in figure_rows(statistics(cases))
    }
    assert rows["cases", ""] == (14, False)
    assert rows["category", "privacy"] == (None, True)
    figures = statistics(cases)
    assert rows["open_cases", ""] == (figures.open_cases, figures.open_cases is None)
    assert {label for figure, label in rows if figure == "outcome"} == set(figures.by_outcome)


def test_over_no_complaints_rates_are_undefined_not_hidden() -> None:
    rows = {(f, label): (v, h) for f, label, v, h in figure_rows(statistics([]))}
    assert rows["cases", ""] == (0, False)
    assert rows["escalation_rate", ""] == (None, False)
    assert rows["mean_handling_days", ""] == (None, False)
    # Fewer than the minimum: everything is hidden, the total too.
    hidden = figure_rows(statistics(handled(3)))
    assert all(value is None and is_hidden for _, _, value, is_hidden in hidden)
