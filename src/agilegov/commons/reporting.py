"""When an incident must be reported to a regulator: the clauses a regulator
sets, each applying in some circumstances with its own clocks, and the report
dates they give an incident. Pure: no I/O.

Clocks are calendar days from the day the owner became aware of the incident.
Where several clauses apply, the tightest decides each report's date."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from agilegov.commons.vocabulary import HarmSeverity
from agilegov.errors import InvalidInput
from agilegov.i18n import lazy


class Condition(StrEnum):
    any = "any"  # every reportable incident
    death = "death"  # a harm of severity fatal
    critical_infrastructure = "critical_infrastructure"  # the incident's flag
    widespread = "widespread"  # the incident's flag
    serious_harm = "serious_harm"  # a harm of severity serious or fatal


class ReportKind(StrEnum):
    initial = "initial"  # may be incomplete
    complete = "complete"


@dataclass(frozen=True)
class Clause:
    name: str
    applies_when: Condition
    initial_days: int
    complete_days: int | None = None  # None: the initial report is the only one


@dataclass(frozen=True)
class ReportFacts:
    """What the clauses' conditions read of an incident."""

    severities: frozenset[HarmSeverity] = frozenset()
    critical_infrastructure: bool = False
    widespread: bool = False


@dataclass(frozen=True)
class Due:
    kind: ReportKind
    due_on: date
    clause: Clause


# The complete report's 30 days are a regulator's setting: Article 73(5) allows
# an incomplete initial report followed by a complete one, without a deadline.
COMPLETE_DAYS = 30

# Regulation (EU) 2024/1689 (the AI Act), Article 73: serious incidents.
EU_AI_ACT_ART_73: tuple[Clause, ...] = (
    # 73(2): not later than 15 days after becoming aware.
    Clause("EU AI Act Art. 73(2)", Condition.any, 15, COMPLETE_DAYS),
    # 73(4): not later than 10 days where a person died.
    Clause("EU AI Act Art. 73(4)", Condition.death, 10, COMPLETE_DAYS),
    # 73(3): not later than 2 days for a widespread infringement, or a serious
    # and irreversible disruption of critical infrastructure (Art. 3(49)(b)).
    Clause("EU AI Act Art. 73(3)", Condition.widespread, 2, COMPLETE_DAYS),
    Clause("EU AI Act Art. 73(3)", Condition.critical_infrastructure, 2, COMPLETE_DAYS),
)


def applies(condition: Condition, facts: ReportFacts) -> bool:
    if condition is Condition.death:
        return HarmSeverity.fatal in facts.severities
    if condition is Condition.serious_harm:
        return bool(facts.severities & {HarmSeverity.serious, HarmSeverity.fatal})
    if condition is Condition.critical_infrastructure:
        return facts.critical_infrastructure
    if condition is Condition.widespread:
        return facts.widespread
    return True


def reports_due(clauses: Sequence[Clause], facts: ReportFacts, aware_on: date) -> list[Due]:
    """The initial report's and, where a clause asks for one, the complete
    report's due dates, each set by the tightest clause that applies (the
    first listed among equals); none when no clause applies."""
    applying = [clause for clause in clauses if applies(clause.applies_when, facts)]
    if not applying:
        return []
    initial = min(applying, key=lambda clause: clause.initial_days)
    due = [Due(ReportKind.initial, aware_on + timedelta(days=initial.initial_days), initial)]
    completes = [
        (clause.complete_days, clause) for clause in applying if clause.complete_days is not None
    ]
    if completes:
        days, complete = min(completes, key=lambda pair: pair[0])
        due.append(Due(ReportKind.complete, aware_on + timedelta(days=days), complete))
    return due


MAX_DAYS = 365


def validate_clauses(raw: Sequence[object]) -> tuple[Clause, ...]:
    """A regulator's clauses from their plain form (as read from JSON); raises
    :class:`InvalidInput` naming the first field in the wrong."""
    if not raw:
        raise InvalidInput.on("clauses", lazy("at least one clause is needed"))
    conditions = [condition.value for condition in Condition]
    clauses: list[Clause] = []
    for index, entry in enumerate(raw):
        path = f"clauses[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidInput.on(
                path, lazy("is an object with name, applies_when, initial_days, complete_days")
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput.on(f"{path}.name", lazy("is required"))
        condition = entry.get("applies_when")
        if not isinstance(condition, str) or condition not in conditions:
            raise InvalidInput.on(
                f"{path}.applies_when",
                lazy(
                    "%(value)s is not one of %(conditions)s",
                    value=repr(condition),
                    conditions=", ".join(conditions),
                ),
            )
        applies_when = Condition(condition)
        if any(clause.applies_when is applies_when for clause in clauses):
            raise InvalidInput.on(
                f"{path}.applies_when",
                lazy("another clause already applies when %(condition)s", condition=applies_when),
            )
        initial_days = _days(entry.get("initial_days"), f"{path}.initial_days")
        complete = entry.get("complete_days")
        complete_days = None if complete is None else _days(complete, f"{path}.complete_days")
        if complete_days is not None and complete_days <= initial_days:
            raise InvalidInput.on(
                f"{path}.complete_days",
                lazy(
                    "the complete report comes after the initial one (%(days)s days)",
                    days=initial_days,
                ),
            )
        clauses.append(Clause(name.strip(), applies_when, initial_days, complete_days))
    return tuple(clauses)


def _days(value: object, field: str) -> int:
    # bool is an int in Python; true is not a number of days.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput.on(field, lazy("is a whole number of days"))
    if not 1 <= value <= MAX_DAYS:
        raise InvalidInput.on(
            field, lazy("is between 1 and %(max)s days, not %(value)s", max=MAX_DAYS, value=value)
        )
    return value
