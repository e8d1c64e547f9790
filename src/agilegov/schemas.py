"""Shapes shared by every part's API: pages, text fields, partial updates."""

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
Slug = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
]
Level = Annotated[int, Field(ge=1, le=5)]


class Input(BaseModel):
    """Base of every request body: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def partial_model(model: type[Input]) -> type[Input]:
    """The PATCH shape of a create shape: every field optional, none nullable
    unless it was nullable to begin with."""

    required = {name for name, info in model.model_fields.items() if info.is_required()}
    fields: dict[str, Any] = {
        name: (info.annotation | None, Field(default=None, description=info.description))
        for name, info in model.model_fields.items()
    }

    def refuse_null(cls: type, data: Any) -> Any:
        if isinstance(data, dict):
            for name in required & {k for k, v in data.items() if v is None}:
                raise ValueError(f"{name} may not be null")
        return data

    return create_model(
        f"{model.__name__.removesuffix('Create')}Update",
        __base__=Input,
        __validators__={"refuse_null": model_validator(mode="before")(refuse_null)},
        **fields,
    )


class VersionRead(Output):
    version: int
    data: dict[str, Any]
    note: str
    created_at: datetime
    actor_id: int | None
