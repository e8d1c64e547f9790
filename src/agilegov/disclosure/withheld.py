"""Why something is not disclosed: a closed vocabulary of reasons for
withholding (as GRI's reasons for omission), and the check that each withheld
item says enough. Pure: no I/O, no clock (``today`` is given).

Comply and explain (report 4.4(2), 6.1.2): a business that withholds an item
says which reason holds and explains it; information it does not have yet
needs the steps being taken to obtain it and the date it is expected."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from agilegov.errors import InvalidInput
from agilegov.i18n import N_, lazy

TEXT_MAX = 2_000


class Reason(StrEnum):
    not_applicable = "not_applicable"
    legal_prohibition = "legal_prohibition"
    confidentiality = "confidentiality"
    information_unavailable = "information_unavailable"


REASON_LABELS = {
    Reason.not_applicable: N_("Not applicable"),
    Reason.legal_prohibition: N_("Legal prohibition"),
    Reason.confidentiality: N_("Confidentiality constraints"),
    Reason.information_unavailable: N_("Information unavailable or incomplete"),
}


@dataclass(frozen=True)
class Withheld:
    """One item not disclosed, and why."""

    kind: str
    id: int
    reason: Reason
    explanation: str
    steps: str
    expected_on: date | None


def _text(row: Mapping[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput.on(f"{where}.{name}", lazy("must be text"))
    value = value.strip()
    if len(value) > TEXT_MAX:
        raise InvalidInput.on(
            f"{where}.{name}", lazy("at most %(count)s characters", count=TEXT_MAX)
        )
    return value


def _expected_on(row: Mapping[str, Any], where: str, today: date) -> date | None:
    value = row.get("expected_on")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput.on(
                f"{where}.expected_on", lazy("must be a date (YYYY-MM-DD)")
            ) from None
    if not isinstance(value, date):
        raise InvalidInput.on(f"{where}.expected_on", lazy("must be a date (YYYY-MM-DD)"))
    if value < today:
        raise InvalidInput.on(
            f"{where}.expected_on",
            lazy("the expected date %(day)s has passed", day=value.isoformat()),
        )
    return value


def check_one(row: Mapping[str, Any], where: str, today: date) -> Withheld:
    """One withheld row checked; refusals name the field under ``where``."""
    kind = row.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise InvalidInput.on(f"{where}.kind", lazy("name the kind of item withheld"))
    item_id = row.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id < 1:
        raise InvalidInput.on(f"{where}.id", lazy("name the item withheld by its id"))
    reason_text = row.get("reason")
    if reason_text not in {reason.value for reason in Reason}:
        raise InvalidInput.on(
            f"{where}.reason",
            lazy(
                "give one of the reasons: %(reasons)s",
                reasons=", ".join(reason.value for reason in Reason),
            ),
        )
    reason = Reason(reason_text)
    explanation = _text(row, "explanation", where)
    steps = _text(row, "steps", where)
    expected_on = _expected_on(row, where, today)
    if reason is Reason.information_unavailable:
        if not steps:
            raise InvalidInput.on(
                f"{where}.steps", lazy("say what is being done to obtain the information")
            )
        if expected_on is None:
            raise InvalidInput.on(
                f"{where}.expected_on", lazy("say when the information is expected")
            )
    elif not explanation:
        raise InvalidInput.on(f"{where}.explanation", lazy("explain why it is withheld"))
    return Withheld(kind.strip(), item_id, reason, explanation, steps, expected_on)


def check_withheld(
    rows: Sequence[Mapping[str, Any]], today: date, field: str = "withheld"
) -> list[Withheld]:
    """Every withheld row checked, in order; the first problem refuses them all,
    naming its field (``withheld[2].expected_on``). An item is withheld once."""
    checked: list[Withheld] = []
    seen: set[tuple[str, int]] = set()
    for index, row in enumerate(rows):
        where = f"{field}[{index}]"
        withheld = check_one(row, where, today)
        if (withheld.kind, withheld.id) in seen:
            raise InvalidInput.on(where, lazy("this item is already withheld above"))
        seen.add((withheld.kind, withheld.id))
        checked.append(withheld)
    return checked
