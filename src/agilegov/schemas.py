"""Shapes shared by every part's API: pages, text fields, partial updates."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from types import NoneType, UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from agilegov import values

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
Slug = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
]
Level = Annotated[int, Field(ge=1, le=5)]


@dataclass(frozen=True)
class Scale:
    """What each point of a ``Level`` means, from 1 up (``Annotated[Level,
    scale]``): forms offer the points by these words, not as bare numbers."""

    words: tuple[str, str, str, str, str]


# The validation context key of the time zone a page's form was sent from.
FORM_ZONE = "zone"
# The error a page shows for a date and time its form could not read.
LOCAL_DATETIME_ERROR = "local_datetime"


def in_form_zone(value: object, info: ValidationInfo) -> object:
    """A date and time a page's form sent without an offset (a ``datetime-local``
    input), read in the sender's zone (``FORM_ZONE`` in the validation context,
    which only pages set: the API always wants an offset), as RFC 3339 in UTC;
    anything else as it is."""
    zone = (info.context or {}).get(FORM_ZONE)
    if zone is None or not isinstance(value, str):
        return value
    if values.is_local_time(value):
        return values.local_time(value, zone).isoformat()
    if not values.is_time_text(value):
        # Neither what the date and time input sends nor RFC 3339: said plainly.
        raise PydanticCustomError(LOCAL_DATETIME_ERROR, "is not a date and time")
    return value


def _stored_datetime(value: object, info: ValidationInfo) -> datetime:
    if isinstance(value, datetime):  # built in Python, not read from a request
        return values.stored_time(value)
    return values.time_text(in_form_zone(value, info))


# A number every column and computation can hold: a finite double.
FiniteFloat = Annotated[float, BeforeValidator(values.number)]
# A time with its offset, RFC 3339 as text, within the times stored (``agilegov.values``);
# from a page's form, also a local time in the sender's zone (``in_form_zone``).
StoredDatetime = Annotated[datetime, BeforeValidator(_stored_datetime)]
MAX_INT = values.MAX_INT  # the largest integer column value
# How deeply a JSON value in a request may nest (the record must serialise it).
MAX_DEPTH = 32


def _unstorable(value: Any) -> str | None:
    """Why a value cannot be stored as given, or None if it can."""
    pending = [(value, False, 0)]  # a stack, not recursion: JSON may nest deeply
    while pending:
        item, in_json, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL characters"
        elif isinstance(item, int) and not isinstance(item, bool):
            # Integers inside JSON documents are stored as JSON and may be any size.
            if not in_json and not -MAX_INT - 1 <= item <= MAX_INT:
                return f"must be between {-MAX_INT - 1} and {MAX_INT}"
        elif isinstance(item, float):
            # JSON documents are stored as JSON, which has no infinity or NaN (a
            # float one came from a number too large). Fields say for themselves.
            if in_json and not math.isfinite(item):
                return values.NUMBER_RANGE
        elif depth > MAX_DEPTH:
            return f"nests more than {MAX_DEPTH} levels deep"
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend((element, in_json, depth + 1) for element in item)
        elif isinstance(item, dict):
            pending.extend((x, True, depth + 1) for pair in item.items() for x in pair)
    return None


# Types a JSON number must not stand for (Pydantic would read 0 as 1970-01-01, or
# as false): the schema says a string or a boolean, so a number is refused.
_NOT_FROM_NUMBERS = (date, time, bool, AwareDatetime)


def _kinds(annotation: Any) -> list[Any]:
    """The types a field takes, Annotated and Optional unwrapped."""
    if get_origin(annotation) is Annotated:
        return _kinds(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [kind for member in get_args(annotation) for kind in _kinds(member)]
    return [] if annotation is NoneType else [annotation]


def number_refused(annotation: Any, value: Any) -> str | None:
    """Why a JSON number (or a boolean where a number is due) cannot be this
    field's value, or None."""
    kinds = _kinds(annotation)
    if not kinds or not all(isinstance(kind, type) for kind in kinds):
        return None
    if isinstance(value, bool):
        if bool not in kinds and all(
            issubclass(kind, (int, float, *_NOT_FROM_NUMBERS)) for kind in kinds
        ):
            return "must be a number" if int in kinds or float in kinds else "must be a string"
        return None
    if isinstance(value, int | float) and all(
        issubclass(kind, _NOT_FROM_NUMBERS) for kind in kinds
    ):
        return "must be true or false" if bool in kinds else "must be a string"
    return None


class Input(BaseModel):
    """Base of every request body: unknown fields are an error, not ignored; a
    number is not taken for a date, a time or a flag, nor a flag for a number; and
    values the database cannot hold (NUL characters, integers beyond its
    columns, JSON nested without end) are refused here, naming the field,
    rather than failing there."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _json_type(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        problem = number_refused(field.annotation, value) if field else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = _unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def _storable_json(value: dict[str, Any]) -> dict[str, Any]:
    problem = _unstorable(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A JSON object stored as it is, for shapes that are not an ``Input``.
StorableObject = Annotated[dict[str, Any], AfterValidator(_storable_json)]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _takes_null(annotation: Any) -> bool:
    return annotation is None or annotation is NoneType or NoneType in get_args(annotation)


def partial_model(model: type[Input]) -> type[Input]:
    """The PATCH shape of a create shape: every field optional, with the same
    constraints and validators, and none nullable unless it was nullable to
    begin with."""

    not_null = {
        name for name, info in model.model_fields.items() if not _takes_null(info.annotation)
    }
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        # Constraints (lengths, ranges, patterns) live in the field's metadata.
        constrained = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        # Left out, a field is None (and unset); sent as null, only if it takes null.
        kind = constrained if name in not_null else constrained | None
        fields[name] = (kind, Field(default=None, description=info.description))

    def refuse_null(cls: type, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in not_null:
            raise ValueError("may not be null")
        return value

    # Subclassing the create shape keeps its field validators.
    return create_model(
        f"{model.__name__.removesuffix('Create')}Update",
        __base__=model,
        __validators__={"refuse_null": field_validator("*", mode="before")(refuse_null)},
        **fields,
    )


class VersionRead(Output):
    version: int
    data: dict[str, Any]
    note: str
    created_at: datetime
    actor_id: int | None
