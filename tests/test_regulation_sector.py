"""A sector summary's figures from one period's reports (pure)."""

from typing import Any

import pytest

from agilegov.regulation.sector import ReportFacts, figures, meets


def _report(scope_id: int, value: Any, direction: str = "higher_is_better", **flags: bool) -> Any:
    """A report whose period's worst value of the indicator is ``value``, as drafted."""
    entry = {
        "key": "selection.ratio",
        "worst_value": value,
        "required_level": 0.8,
        "direction": direction,
    }
    return ReportFacts(
        scope_id=scope_id,
        late=flags.get("late", False),
        corrected=flags.get("corrected", False),
        facts={"indicators": [entry]},
    )


@pytest.mark.parametrize(
    ("value", "required", "direction", "expected"),
    [
        (0.8, 0.8, "higher_is_better", True),
        (0.79, 0.8, "higher_is_better", False),
        (3.0, 5.0, "lower_is_better", True),
        (6.0, 5.0, "lower_is_better", False),
        (0.1, None, "higher_is_better", True),
    ],
)
def test_meeting_the_required_level(
    value: float, required: float | None, direction: str, expected: bool
) -> None:
    assert meets(value, required, direction) is expected


def test_figures_per_indicator_and_report_counts() -> None:
    reports = [
        _report(3, 0.9),
        _report(1, 0.7, late=True),
        _report(2, 0.85, corrected=True),
        _report(4, None),
    ]
    result = figures(reports)
    assert result["reports"] == {"submitted": 4, "late": 1, "corrected": 1}
    assert result["indicators"]["selection.ratio"] == {
        "count": 3,
        "lowest": 0.7,
        "lowest_scope_id": 1,
        "median": 0.85,
        "highest": 0.9,
        "highest_scope_id": 3,
        "direction": "higher_is_better",
        "required_level": 0.8,
        "meeting": 2,
        "worst": 0.7,
        "worst_scope_id": 1,
    }


def test_where_lower_is_better_the_worst_is_the_highest() -> None:
    reports = [_report(1, 2.0, "lower_is_better"), _report(2, 9.0, "lower_is_better")]
    figure = figures(reports)["indicators"]["selection.ratio"]
    assert (figure["worst"], figure["worst_scope_id"], figure["median"]) == (9.0, 2, 5.5)
    assert figure["meeting"] == 0


def test_ties_go_to_the_lower_scope_and_reports_without_figures_only_count() -> None:
    reports = [
        _report(5, 0.7),
        _report(2, 0.7),
        ReportFacts(scope_id=9, late=True, corrected=False, facts={}),
    ]
    result = figures(reports)
    figure = result["indicators"]["selection.ratio"]
    assert (figure["lowest_scope_id"], figure["highest_scope_id"]) == (2, 2)
    assert result["reports"] == {"submitted": 3, "late": 1, "corrected": 0}


def test_no_reports_no_figures() -> None:
    assert figures([]) == {
        "reports": {"submitted": 0, "late": 0, "corrected": 0},
        "indicators": {},
    }
