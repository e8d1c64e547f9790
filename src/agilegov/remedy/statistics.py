"""The complaint figures a provider reports for a period under Japan's
digital-platform transparency act: counts by type, by rung of the remedy
ladder and by outcome, open cases, handling time and the escalation rate.

Pure: one ``Handled`` per complaint filed in the period in, a ``Statistics``
out; no database, no I/O.

Privacy: no figure ever rests on fewer than ``minimum`` complaints.

- A count of 1 .. minimum - 1 is shown as None ("fewer than minimum"); 0 is
  shown, since it is about nobody.
- A hidden count must not be recoverable by subtracting the other cells of its
  breakdown from the total: when exactly one non-zero cell of a breakdown is
  hidden, its smallest shown non-zero cell is hidden too (secondary
  suppression). Open cases are a cell of the outcome breakdown, since outcomes
  and open cases add up to the total.
- When the total is 1 .. minimum - 1, the total and every figure are hidden.
- The escalation rate gives away the number escalated (rate x total), so it is
  hidden when the escalated or the not escalated count is 1 .. minimum - 1.
- The mean and the 90th percentile of handling days are shown only over at
  least ``minimum`` answered complaints.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from agilegov.remedy.ladder import Category, Outcome

CATEGORIES = tuple(Category)
STAGES = ("provider", "adr", "court")
OUTCOMES = tuple(Outcome)

Label = TypeVar("Label", bound=Hashable)


@dataclass(frozen=True)
class Handled:
    """One complaint filed in the period, as far as it has gone."""

    category: str
    stage: str
    outcome: str | None
    handling_days: int | None
    escalated: bool


@dataclass(frozen=True)
class Statistics:
    """The period's figures; None stands for "fewer than ``minimum``" or for a
    figure hidden so that such a count cannot be worked out."""

    minimum: int
    cases: int | None
    by_category: dict[str, int | None]
    by_stage: dict[str, int | None]
    by_outcome: dict[str, int | None]
    open_cases: int | None
    mean_handling_days: float | None
    p90_handling_days: int | None
    escalation_rate: float | None
    suppressed: bool


def suppress(counts: Mapping[Label, int], minimum: int) -> dict[Label, int | None]:
    """One breakdown whose cells add up to a shown total, with its small cells
    hidden (primary) and, when only one is, the smallest other non-zero cell
    too (secondary; ties go to the earlier cell)."""
    hidden = {label for label, count in counts.items() if 0 < count < minimum}
    if len(hidden) == 1:
        shown = [
            (count, position, label)
            for position, (label, count) in enumerate(counts.items())
            if count and label not in hidden
        ]
        if shown:
            hidden.add(min(shown, key=lambda cell: cell[:2])[2])
    return {label: None if label in hidden else count for label, count in counts.items()}


def p90(values: Sequence[int]) -> int:
    """The 90th percentile by nearest rank: the smallest value such that at
    least 90% of the values are at most it, i.e. the ceil(0.9 n)-th smallest.
    Computed in integers, since 0.9 * n in floating point can round up past a
    whole number (0.9 * 100 is 90.00000000000001)."""
    if not values:
        raise ValueError("the 90th percentile of no values is undefined")
    rank = -(-9 * len(values) // 10)
    return sorted(values)[rank - 1]


def statistics(
    handled: Iterable[Handled],
    minimum: int = 5,
    *,
    categories: Sequence[str] = CATEGORIES,
    stages: Sequence[str] = STAGES,
    outcomes: Sequence[str] = OUTCOMES,
) -> Statistics:
    """The figures over ``handled``. Every label of ``categories``, ``stages``
    and ``outcomes`` is a cell of its breakdown even at 0; labels met that are
    not listed follow, in alphabetical order."""
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    cases = list(handled)
    if 0 < len(cases) < minimum:
        return _all_hidden(minimum, categories, stages, outcomes)
    # Open cases (outcome None) are a cell of the outcome breakdown.
    outcome_counts: dict[str | None, int] = {
        None: sum(case.outcome is None for case in cases),
        **_counts((case.outcome for case in cases if case.outcome is not None), outcomes),
    }
    outcome_cells = suppress(outcome_counts, minimum)
    open_cases = outcome_cells.pop(None)
    by_outcome = {label: count for label, count in outcome_cells.items() if label is not None}
    by_category = suppress(_counts((case.category for case in cases), categories), minimum)
    by_stage = suppress(_counts((case.stage for case in cases), stages), minimum)
    answered = [case.handling_days for case in cases if case.handling_days is not None]
    enough_answered = len(answered) >= minimum
    escalated = sum(case.escalated for case in cases)
    escalation = suppress({True: escalated, False: len(cases) - escalated}, minimum)
    escalation_shown = bool(cases) and None not in escalation.values()
    return Statistics(
        minimum=minimum,
        cases=len(cases),
        by_category=by_category,
        by_stage=by_stage,
        by_outcome=by_outcome,
        open_cases=open_cases,
        mean_handling_days=sum(answered) / len(answered) if enough_answered else None,
        p90_handling_days=p90(answered) if enough_answered else None,
        escalation_rate=escalated / len(cases) if escalation_shown else None,
        suppressed=open_cases is None
        or any(None in cells.values() for cells in (by_category, by_stage, by_outcome, escalation))
        or 0 < len(answered) < minimum,
    )


def _counts(labels: Iterable[str], listed: Sequence[str]) -> dict[str, int]:
    """Counts of ``labels``: every listed label first (0 when absent), then
    the others met, alphabetically."""
    counted = Counter(labels)
    others = sorted(set(counted) - set(listed))
    return {label: counted[label] for label in [*listed, *others]}


def _all_hidden(
    minimum: int, categories: Sequence[str], stages: Sequence[str], outcomes: Sequence[str]
) -> Statistics:
    """Every figure hidden, over the listed labels only: a label met that is
    not listed would tell that such a complaint exists."""
    return Statistics(
        minimum=minimum,
        cases=None,
        by_category=dict.fromkeys(categories),
        by_stage=dict.fromkeys(stages),
        by_outcome=dict.fromkeys(outcomes),
        open_cases=None,
        mean_handling_days=None,
        p90_handling_days=None,
        escalation_rate=None,
        suppressed=True,
    )


# ---------------------------------------------------------------- as open data

# A figure of the open data: its name, its label within a breakdown ("" for
# none), its value (None: hidden or, over no complaints, undefined) and whether
# it is hidden.
FigureRow = tuple[str, str, float | None, bool]


def quarters(first: date, today: date) -> list[tuple[date, date]]:
    """The calendar quarters from the one holding ``first`` to the last one
    ended before ``today``, as (first day, last day)."""
    start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    periods: list[tuple[date, date]] = []
    while True:
        following = (
            date(start.year + 1, 1, 1)
            if start.month == 10
            else date(start.year, start.month + 3, 1)
        )
        if following > today:
            return periods
        periods.append((start, following - timedelta(days=1)))
        start = following


def figure_rows(figures: Statistics) -> list[FigureRow]:
    """The figures one per row, as open data lists them. Over no complaints the
    rates and handling times are undefined, not hidden."""
    defined = figures.cases != 0
    rows: list[FigureRow] = [("cases", "", figures.cases, figures.cases is None)]
    for name, cells in (
        ("category", figures.by_category),
        ("stage", figures.by_stage),
        ("outcome", figures.by_outcome),
    ):
        rows += [(name, str(label), count, count is None) for label, count in cells.items()]
    rows.append(("open_cases", "", figures.open_cases, figures.open_cases is None))
    for name, value in (
        ("mean_handling_days", figures.mean_handling_days),
        ("p90_handling_days", figures.p90_handling_days),
        ("escalation_rate", figures.escalation_rate),
    ):
        rows.append((name, "", value, value is None and defined))
    return rows
