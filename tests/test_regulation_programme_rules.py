"""The course of a programme as a table, alone: no database."""

from datetime import date

import pytest

from agilegov.regulation.programme_rules import (
    Party,
    ProgrammeKind,
    ProgrammeStatus,
    Step,
    StepRefused,
    decision_overdue,
    next_status,
    period_problem,
    steps_open,
)

K, S = ProgrammeKind, ProgrammeStatus

ALLOWED = [
    (K.sandbox, S.applied, Step.approve, Party.regulator, S.approved),
    (K.sandbox, S.applied, Step.refuse, Party.regulator, S.refused),
    (K.sandbox, S.approved, Step.exit, Party.applicant, S.exited),
    (K.sandbox, S.exited, Step.conclude, Party.regulator, S.concluded),
    (K.special_measure, S.applied, Step.approve, Party.regulator, S.approved),
    (K.special_measure, S.approved, Step.exit, Party.applicant, S.exited),
    (K.special_measure, S.exited, Step.conclude, Party.regulator, S.concluded),
    (K.gray_zone, S.applied, Step.answer, Party.regulator, S.answered),
]


@pytest.mark.parametrize(("kind", "status", "step", "party", "target"), ALLOWED, ids=str)
def test_each_step_leads_to_its_status(
    kind: K, status: S, step: Step, party: Party, target: S
) -> None:
    assert next_status(kind, status, step, party) is target


REFUSED = [
    # The wrong kind of programme.
    (K.gray_zone, S.applied, Step.approve, Party.regulator),
    (K.sandbox, S.applied, Step.answer, Party.regulator),
    (K.gray_zone, S.answered, Step.exit, Party.applicant),
    # The wrong side.
    (K.sandbox, S.applied, Step.approve, Party.applicant),
    (K.sandbox, S.approved, Step.exit, Party.regulator),
    (K.sandbox, S.exited, Step.conclude, Party.applicant),
    # Out of order.
    (K.sandbox, S.applied, Step.exit, Party.applicant),
    (K.sandbox, S.approved, Step.conclude, Party.regulator),
    (K.sandbox, S.refused, Step.exit, Party.applicant),
    (K.sandbox, S.approved, Step.approve, Party.regulator),
    (K.sandbox, S.concluded, Step.conclude, Party.regulator),
    (K.gray_zone, S.answered, Step.answer, Party.regulator),
]


@pytest.mark.parametrize(("kind", "status", "step", "party"), REFUSED, ids=str)
def test_other_steps_are_refused(kind: K, status: S, step: Step, party: Party) -> None:
    with pytest.raises(StepRefused):
        next_status(kind, status, step, party)


def test_the_steps_open_to_each_side() -> None:
    assert steps_open(K.sandbox, S.applied, Party.regulator) == [Step.approve, Step.refuse]
    assert steps_open(K.sandbox, S.applied, Party.applicant) == []
    assert steps_open(K.sandbox, S.approved, Party.applicant) == [Step.exit]
    assert steps_open(K.gray_zone, S.applied, Party.regulator) == [Step.answer]
    assert steps_open(K.gray_zone, S.answered, Party.regulator) == []
    assert steps_open(K.special_measure, S.concluded, Party.regulator) == []


def test_a_decision_is_overdue_only_while_awaited_after_its_day() -> None:
    due = date(2027, 6, 1)
    assert not decision_overdue(S.applied, due, due)
    assert decision_overdue(S.applied, due, date(2027, 6, 2))
    assert not decision_overdue(S.approved, due, date(2027, 6, 2))


def test_a_period_ends_after_it_starts_and_within_two_years() -> None:
    start = date(2027, 1, 10)
    assert period_problem(start, date(2027, 1, 11)) is None
    assert period_problem(start, date(2029, 1, 10)) is None
    assert period_problem(start, start) is not None
    assert period_problem(start, date(2026, 12, 31)) is not None
    assert period_problem(start, date(2029, 1, 11)) is not None
    assert period_problem(date(2028, 2, 29), date(2030, 2, 28)) is None
    assert period_problem(date(2028, 2, 29), date(2030, 3, 1)) is not None
    assert period_problem(date(9999, 1, 1), date(9999, 12, 31)) is None
