"""What is wrong with a field, in plain words: pydantic's errors (by their
``type`` and ``ctx``) as sentences saying what to enter, translated when shown.

Pure: no I/O. Forms and the API show the same sentences; a field's model, when
known, adds the bounds pydantic's error leaves out (a number too large is told
the whole range it must lie in).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel

from agilegov.i18n import N_, Lazy, lazy
from agilegov.schemas import LOCAL_DATETIME_ERROR

REQUIRED = N_("This field is required")
# The titles of the problems the API answers (``agilegov.errors`` and the HTTP
# errors of ``agilegov.api.problems``), translated for the caller.
PROBLEM_TITLES = (
    N_("Bad request"),
    N_("Invalid input"),
    N_("Too large"),
    N_("Not found"),
    N_("Forbidden"),
    N_("Authentication required"),
    N_("Conflict"),
    N_("Too many requests"),
    N_("Method not allowed"),
    N_("Request too large"),
    N_("Conflicting change"),
    N_("Error"),
)
_WHOLE_TYPES = {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}
_NUMBER_TYPES = {"float_parsing", "float_type", "finite_number", "decimal_parsing"}
_BOUND_TYPES = {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


@dataclass(frozen=True)
class Bounds:
    """The range a number field's model allows, and whether it is whole."""

    whole: bool = False
    low: object = None
    high: object = None


def bounds_of(shape: type[BaseModel] | None, name: str) -> Bounds | None:
    """The bounds of ``shape``'s field ``name``, if it is a number field."""
    field = shape.model_fields.get(name) if shape is not None else None
    if field is None:
        return None
    low = high = None
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            low = rule.ge
        elif isinstance(rule, annotated_types.Le):
            high = rule.le
    annotation = str(field.annotation)
    whole = field.annotation is int or annotation in ("int | None", "typing.Optional[int]")
    if not whole and low is None and high is None:
        return None
    return Bounds(whole, low, high)


def _number(bounds: Bounds) -> Lazy:
    low, high = bounds.low, bounds.high
    if bounds.whole:
        if low is not None and high is not None:
            return lazy("Enter a whole number from %(low)s to %(high)s", low=low, high=high)
        if low is not None:
            return lazy("Enter a whole number of at least %(low)s", low=low)
        if high is not None:
            return lazy("Enter a whole number of at most %(high)s", high=high)
        return lazy("Enter a whole number")
    if low is not None and high is not None:
        return lazy("Enter a number from %(low)s to %(high)s", low=low, high=high)
    if low is not None:
        return lazy("Enter a number of at least %(low)s", low=low)
    if high is not None:
        return lazy("Enter a number of at most %(high)s", high=high)
    return lazy("Enter a number")


def _choices(expected: object) -> str:
    # pydantic says "'low', 'medium' or 'high'"; a list reads plainer.
    found = _QUOTED.findall(str(expected))
    return ", ".join(found) if found else str(expected)


def problem_text(item: Mapping[str, Any], bounds: Bounds | None = None) -> Lazy | str:
    """The sentence for one of pydantic's errors (``ValidationError.errors()``),
    given the field's ``bounds`` when known; a validator's own message
    (``ValueError``) as it is written."""
    kind = item.get("type", "")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return lazy(REQUIRED)
    if kind in _WHOLE_TYPES:
        return _number(bounds if bounds is not None else Bounds(whole=True))
    if kind in _NUMBER_TYPES:
        return _number(bounds if bounds is not None else Bounds())
    if kind in _BOUND_TYPES:
        if bounds is not None and (bounds.low is not None or bounds.high is not None):
            return _number(bounds)
        whole = bounds is not None and bounds.whole
        if kind == "greater_than_equal":
            return _number(Bounds(whole, low=ctx.get("ge")))
        if kind == "less_than_equal":
            return _number(Bounds(whole, high=ctx.get("le")))
        if kind == "greater_than":
            return lazy("Enter a number greater than %(limit)s", limit=ctx.get("gt"))
        return lazy("Enter a number less than %(limit)s", limit=ctx.get("lt"))
    if kind == "string_too_long":
        return lazy("Enter at most %(count)s characters", count=ctx.get("max_length"))
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return lazy(REQUIRED)
        return lazy("Enter at least %(count)s characters", count=ctx.get("min_length"))
    if kind == "too_long":
        return lazy("Give at most %(count)s items", count=ctx.get("max_length"))
    if kind == "too_short":
        return lazy("Give at least %(count)s items", count=ctx.get("min_length"))
    if kind in ("enum", "literal_error"):
        return lazy("Choose one of: %(choices)s", choices=_choices(ctx.get("expected")))
    if kind.startswith("date_") and not kind.startswith("datetime_"):
        return lazy("Enter a date such as 2026-04-01")
    if kind == LOCAL_DATETIME_ERROR:
        return lazy("Enter a date and a time such as 2026-04-01 09:30")
    if kind.startswith("datetime_"):
        return lazy("Enter a date and time such as 2026-04-01T09:30:00Z")
    if kind == "timezone_aware":
        return lazy("Enter a time with its offset, such as 2026-04-01T09:30:00+09:00")
    if kind.startswith("url_"):
        return lazy("Enter a web address such as https://example.org")
    if kind in ("bool_parsing", "bool_type"):
        return lazy("Choose yes or no")
    if kind == "string_type":
        return lazy("Enter text")
    return str(item.get("msg", "")).removeprefix("Value error, ")
