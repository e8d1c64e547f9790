"""Reporting clocks, alone: which clauses apply to an incident, the tightest
deciding each report's date (the EU AI Act's Article 73 on both sides of each
clause), and a regulator's clauses checked as they are set."""

from datetime import date

import pytest

from agilegov.commons.reporting import (
    EU_AI_ACT_ART_73,
    Clause,
    Condition,
    Due,
    ReportFacts,
    ReportKind,
    applies,
    reports_due,
    validate_clauses,
)
from agilegov.commons.vocabulary import HarmSeverity
from agilegov.errors import InvalidInput

H = HarmSeverity
C = Condition
AWARE = date(2027, 2, 20)

NOTHING = ReportFacts()
MODERATE = ReportFacts(frozenset({H.minor, H.moderate}))
SERIOUS = ReportFacts(frozenset({H.serious}))
DEATH = ReportFacts(frozenset({H.minor, H.fatal}))
WIDESPREAD = ReportFacts(widespread=True)
INFRASTRUCTURE = ReportFacts(critical_infrastructure=True)


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        (C.any, NOTHING, True),
        (C.any, DEATH, True),
        (C.death, DEATH, True),
        (C.death, SERIOUS, False),
        (C.death, WIDESPREAD, False),
        (C.serious_harm, SERIOUS, True),
        (C.serious_harm, DEATH, True),
        (C.serious_harm, MODERATE, False),
        (C.serious_harm, NOTHING, False),
        (C.widespread, WIDESPREAD, True),
        (C.widespread, INFRASTRUCTURE, False),
        (C.critical_infrastructure, INFRASTRUCTURE, True),
        (C.critical_infrastructure, WIDESPREAD, False),
    ],
)
def test_applies(condition: Condition, facts: ReportFacts, expected: bool) -> None:
    assert applies(condition, facts) is expected


def _days(dues: list[Due]) -> list[tuple[ReportKind, int, Condition]]:
    return [(due.kind, (due.due_on - AWARE).days, due.clause.applies_when) for due in dues]


INITIAL = ReportKind.initial
COMPLETE = ReportKind.complete


@pytest.mark.parametrize(
    ("facts", "initial_days", "decided_by"),
    [
        # 15 days in general, serious harm short of death included.
        (NOTHING, 15, C.any),
        (SERIOUS, 15, C.any),
        # 10 where a person died.
        (DEATH, 10, C.death),
        # 2 for a widespread infringement or a disruption of critical infrastructure.
        (WIDESPREAD, 2, C.widespread),
        (INFRASTRUCTURE, 2, C.critical_infrastructure),
        # A death that is also widespread: the tighter clause decides.
        (ReportFacts(frozenset({H.fatal}), widespread=True), 2, C.widespread),
        (
            ReportFacts(frozenset({H.fatal}), critical_infrastructure=True),
            2,
            C.critical_infrastructure,
        ),
    ],
)
def test_eu_ai_act_article_73(facts: ReportFacts, initial_days: int, decided_by: Condition) -> None:
    # The complete report after 30 days, the regulator's setting, in every case.
    assert _days(reports_due(EU_AI_ACT_ART_73, facts, AWARE)) == [
        (INITIAL, initial_days, decided_by),
        (COMPLETE, 30, C.any),
    ]


def test_report_dates_are_calendar_days_from_awareness() -> None:
    initial, complete = reports_due(EU_AI_ACT_ART_73, DEATH, date(2028, 2, 25))
    assert initial.due_on == date(2028, 3, 6)  # over a leap day
    assert complete.due_on == date(2028, 3, 26)
    assert initial.clause.name == "EU AI Act Art. 73(4)"


RULES = (
    Clause("serious", C.serious_harm, 7, 60),
    Clause("death", C.death, 3, None),
    Clause("infrastructure", C.critical_infrastructure, 5, 20),
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # No clause applies without an ``any`` clause.
        (NOTHING, []),
        (MODERATE, []),
        (SERIOUS, [(INITIAL, 7, C.serious_harm), (COMPLETE, 60, C.serious_harm)]),
        # The complete report comes from the tightest clause that asks for one.
        (DEATH, [(INITIAL, 3, C.death), (COMPLETE, 60, C.serious_harm)]),
        (
            ReportFacts(frozenset({H.fatal}), critical_infrastructure=True),
            [(INITIAL, 3, C.death), (COMPLETE, 20, C.critical_infrastructure)],
        ),
    ],
)
def test_the_tightest_applying_clause_decides_each_report(
    facts: ReportFacts, expected: list[tuple[ReportKind, int, Condition]]
) -> None:
    assert _days(reports_due(RULES, facts, AWARE)) == expected


def test_an_initial_report_alone_where_no_clause_asks_for_a_complete_one() -> None:
    only = (Clause("all", C.any, 15, None),)
    assert _days(reports_due(only, NOTHING, AWARE)) == [(INITIAL, 15, C.any)]


def test_among_equal_clauses_the_first_listed_decides() -> None:
    rules = (Clause("first", C.widespread, 2, None), Clause("second", C.any, 2, None))
    (due,) = reports_due(rules, WIDESPREAD, AWARE)
    assert due.clause.name == "first"


def test_valid_clauses() -> None:
    raw = [
        {"name": " General ", "applies_when": "any", "initial_days": 15, "complete_days": 30},
        {"name": "Death", "applies_when": "death", "initial_days": 10},
        {"name": "Wide", "applies_when": "widespread", "initial_days": 1, "complete_days": 365},
    ]
    assert validate_clauses(raw) == (
        Clause("General", C.any, 15, 30),
        Clause("Death", C.death, 10, None),
        Clause("Wide", C.widespread, 1, 365),
    )


def test_the_act_validates_as_its_plain_form() -> None:
    raw = [
        {
            "name": clause.name,
            "applies_when": clause.applies_when.value,
            "initial_days": clause.initial_days,
            "complete_days": clause.complete_days,
        }
        for clause in EU_AI_ACT_ART_73
    ]
    assert validate_clauses(raw) == EU_AI_ACT_ART_73


GOOD = {"name": "General", "applies_when": "any", "initial_days": 15, "complete_days": 30}


@pytest.mark.parametrize(
    ("raw", "field", "says"),
    [
        ([], "clauses", "at least one"),
        ([GOOD, "any"], "clauses[1]", "object"),
        ([{**GOOD, "name": " "}], "clauses[0].name", "required"),
        ([{**GOOD, "name": None}], "clauses[0].name", "required"),
        ([{**GOOD, "applies_when": "injury"}], "clauses[0].applies_when", "'injury' is not one of"),
        ([{**GOOD, "applies_when": None}], "clauses[0].applies_when", "not one of"),
        ([{**GOOD, "applies_when": ["any"]}], "clauses[0].applies_when", "not one of"),
        ([GOOD, {**GOOD, "name": "Again"}], "clauses[1].applies_when", "already applies when any"),
        ([{**GOOD, "initial_days": 0}], "clauses[0].initial_days", "between 1 and 365"),
        ([{**GOOD, "initial_days": -2}], "clauses[0].initial_days", "between 1 and 365"),
        (
            [{**GOOD, "initial_days": 366, "complete_days": None}],
            "clauses[0].initial_days",
            "between",
        ),
        ([{**GOOD, "initial_days": "15"}], "clauses[0].initial_days", "whole number"),
        ([{**GOOD, "initial_days": 1.5}], "clauses[0].initial_days", "whole number"),
        ([{**GOOD, "initial_days": True}], "clauses[0].initial_days", "whole number"),
        (
            [{k: v for k, v in GOOD.items() if k != "initial_days"}],
            "clauses[0].initial_days",
            "whole",
        ),
        ([{**GOOD, "complete_days": 0}], "clauses[0].complete_days", "between 1 and 365"),
        ([{**GOOD, "complete_days": 400}], "clauses[0].complete_days", "between 1 and 365"),
        ([{**GOOD, "complete_days": 10}], "clauses[0].complete_days", "after the initial"),
        ([{**GOOD, "complete_days": 15}], "clauses[0].complete_days", "after the initial"),
        (
            [
                GOOD,
                {"name": "Death", "applies_when": "death", "initial_days": 10},
                {"name": "Bad", "applies_when": "widespread", "initial_days": 500},
            ],
            "clauses[2].initial_days",
            "between 1 and 365",
        ),
    ],
)
def test_invalid_clauses(raw: list[object], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        validate_clauses(raw)
    (problem,) = invalid.value.problems
    assert problem.field == field
    assert says in str(problem.message)
