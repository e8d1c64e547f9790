"""The reasons for withholding, alone: each reason asks for what it needs, and
every refusal names the field it is about."""

from datetime import date

import pytest

from agilegov.disclosure.withheld import Reason, Withheld, check_withheld
from agilegov.errors import InvalidInput

TODAY = date(2026, 12, 7)


def row(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": "goal",
        "id": 3,
        "reason": "confidentiality",
        "explanation": "names a supplier under contract",
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([row(reason="secret")], "withheld[0].reason"),
        ([row(reason=None)], "withheld[0].reason"),
        ([row(explanation="  ")], "withheld[0].explanation"),
        ([row(reason="legal_prohibition", explanation=None)], "withheld[0].explanation"),
        ([row(reason="not_applicable", explanation="")], "withheld[0].explanation"),
        (
            [row(reason="information_unavailable", expected_on="2027-03-31")],
            "withheld[0].steps",
        ),
        (
            [row(reason="information_unavailable", steps="survey running")],
            "withheld[0].expected_on",
        ),
        (
            [row(), row(id=4), row(id=5, expected_on="31/03/2027")],
            "withheld[2].expected_on",
        ),
        ([row(expected_on="2026-12-06")], "withheld[0].expected_on"),
        ([row(kind="")], "withheld[0].kind"),
        ([row(id=0)], "withheld[0].id"),
        ([row(id=True)], "withheld[0].id"),
        ([row(explanation=7)], "withheld[0].explanation"),
        ([row(explanation="x" * 2_001)], "withheld[0].explanation"),
        ([row(), row()], "withheld[1]"),
    ],
)
def test_a_row_that_says_too_little_is_refused_naming_its_field(
    rows: list[dict[str, object]], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_withheld(rows, TODAY)
    assert [problem.field for problem in refused.value.problems] == [field]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            row(reason="not_applicable", explanation=" no personal data is processed "),
            Withheld("goal", 3, Reason.not_applicable, "no personal data is processed", "", None),
        ),
        (
            row(reason="legal_prohibition", explanation="court order"),
            Withheld("goal", 3, Reason.legal_prohibition, "court order", "", None),
        ),
        (
            row(
                kind="indicator",
                id=9,
                reason="information_unavailable",
                explanation=None,
                steps="first survey of users is running",
                expected_on="2026-12-07",
            ),
            Withheld(
                "indicator",
                9,
                Reason.information_unavailable,
                "",
                "first survey of users is running",
                date(2026, 12, 7),
            ),
        ),
        (
            row(reason="confidentiality", expected_on=date(2027, 1, 1)),
            Withheld(
                "goal",
                3,
                Reason.confidentiality,
                "names a supplier under contract",
                "",
                date(2027, 1, 1),
            ),
        ),
    ],
)
def test_a_row_with_what_its_reason_needs_is_kept(
    given: dict[str, object], expected: Withheld
) -> None:
    assert check_withheld([given], TODAY) == [expected]


def test_the_field_prefix_can_be_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_withheld([row(reason="x")], TODAY, field="body.withheld")
    assert refused.value.problems[0].field == "body.withheld[0].reason"


def test_nothing_withheld_is_fine() -> None:
    assert check_withheld([], TODAY) == []
