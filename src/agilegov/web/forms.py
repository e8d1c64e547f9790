"""HTML forms from the API's own input shapes: the fields a shape has become
labelled inputs, and a submitted form becomes the values the shape validates.

One shape serves the API and the pages, so a form accepts exactly what the API
accepts and says no with the same messages, next to the field.
"""

import importlib
import pkgutil
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from types import ModuleType
from typing import Annotated, Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from agilegov import i18n
from agilegov.errors import DomainError
from agilegov.i18n import Lazy, lazy
from agilegov.schemas import Scale
from agilegov.values import is_time_text
from agilegov.web.input_problems import bounds_of, problem_text

Choice = tuple[str, str | Lazy]  # (value, label)
# What is wrong with a field: a service's words, or plain words translated when shown.
Message = str | Lazy

# A field longer than this is a text area rather than a one-line input.
_ONE_LINE_MAX = 2_000
# A select of more options than this gets a box to filter them (where scripts run).
FILTER_ABOVE = 8


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    # text, textarea, lines, number, date, datetime, select, multiselect, checkbox
    widget: str
    required: bool
    value: Any = None
    options: tuple[Choice, ...] = ()
    help: str = ""
    step: str = "any"
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    error: Message | None = None

    @property
    def chosen(self) -> set[str]:
        """The options selected, as text (for selects and multi-selects)."""
        return _chosen_of(self.value)

    @property
    def searchable(self) -> bool:
        """Whether the select has so many options that a filter box helps."""
        return self.widget in ("select", "multiselect") and len(self.options) > FILTER_ABOVE

    @property
    def text(self) -> str:
        """The value as an input shows it."""
        if self.value is None:
            return ""
        if self.widget == "lines":
            return "\n".join(str(v) for v in self.value)
        if self.widget == "datetime":
            local = _wall_clock(self.value, i18n.current_zone.get())
            if local is not None:
                return local
        if isinstance(self.value, Enum):
            return str(self.value.value)
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


def _chosen_of(value: Any) -> set[str]:
    """The options ``value`` selects, as text."""
    if value is None or value == "":
        return set()
    values = value if isinstance(value, list | tuple | set) else [value]
    return {str(getattr(v, "value", v)) for v in values}


def _wall_clock(value: Any, zone: str) -> str | None:
    """The time ``value`` stands for (a stored time, or RFC 3339 text sent back)
    as a datetime-local input shows it, the wall-clock time in ``zone``; None
    for a time without an offset, or one the zone cannot show (an impossible
    date, a year past 9999 there), which is shown as it was typed."""
    moment = value
    if isinstance(value, str) and is_time_text(value):
        try:
            moment = datetime.fromisoformat(value.upper())
        except ValueError:
            return None
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return None
    try:
        return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%dT%H:%M}"
    except OverflowError:
        return None


def reference_label(id_: int, name: str) -> str:
    """How an option or a page names another entity: ``#12 Fairness of scoring``."""
    return f"#{id_} {name}"


def named(values: Mapping[str, Any], choices: Mapping[str, Sequence[Choice]]) -> dict[str, Any]:
    """``values`` with each id a field of ``choices`` holds (or each id of a list
    of them) shown by its option's label; an id with no option stays as it is."""
    shown = dict(values)
    for name, options in choices.items():
        value = shown.get(name)
        if value is None:
            continue
        labels = {option: label for option, label in options}
        if isinstance(value, list | tuple):
            shown[name] = [labels.get(str(item), item) for item in value]
        else:
            shown[name] = labels.get(str(value), value)
    return shown


def label_of(name: str) -> str:
    """ "acceptable_level" -> "Acceptable level", "goal_ids" -> "Goals"."""
    if name.endswith("_ids"):
        name = name.removesuffix("_ids") + "s"
    name = name.removesuffix("_id")
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def labels_in(package: str) -> set[str]:
    """The words pages show for the code names of a part (``package``): its
    enumerations' values and its forms' fields, as ``label_of`` makes them. Shown
    through the catalogs, so each part's catalog holds them."""
    found: set[str] = set()
    for module in _modules(package):
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if issubclass(value, Enum):
                found.update(label_of(str(member.value)) for member in value)
            elif issubclass(value, BaseModel):
                found.update(label_of(name) for name in value.model_fields)
    return found


def _modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    names = [info.name for info in pkgutil.iter_modules(root.__path__, f"{package}.")]
    return [importlib.import_module(name) for name in names]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside Optional/Annotated, and whether None is allowed."""
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(get_args(annotation))
            annotation = args[0] if len(args) == 1 else str
        else:
            return annotation, nullable


def _constraint(info: FieldInfo, name: str) -> Any:
    for item in info.metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def scale_of(info: FieldInfo) -> Scale | None:
    """The scale whose words a 1..5 field's points mean, if it has one."""
    return next((item for item in info.metadata if isinstance(item, Scale)), None)


def scale_choices(scale: Scale) -> tuple[Choice, ...]:
    """A scale's points as options: "1 — rare" … "5 — almost certain"."""
    return tuple(
        (str(point), lazy("%(point)s — %(meaning)s", point=point, meaning=lazy(word)))
        for point, word in enumerate(scale.words, start=1)
    )


def scale_options(shape: type[BaseModel]) -> dict[str, tuple[Choice, ...]]:
    """The points of each of ``shape``'s scale fields, by name (for ``named``)."""
    scales = {name: scale_of(info) for name, info in shape.model_fields.items()}
    return {name: scale_choices(scale) for name, scale in scales.items() if scale is not None}


def _widget(annotation: Any, info: FieldInfo, choices: Mapping[str, Sequence[Choice]], name: str):  # type: ignore[no-untyped-def]
    inner, _ = _unwrap(annotation)
    origin = get_origin(inner)
    if name in choices:
        many = origin is list
        return ("multiselect" if many else "select"), tuple(choices[name])
    scale = scale_of(info)
    if scale is not None:
        return "scale", scale_choices(scale)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return "select", tuple((str(m.value), label_of(str(m.value))) for m in inner)
    if origin is list:
        return "lines", ()
    if inner is SecretStr:
        # Typed unseen, and never sent back into the page.
        return "password", ()
    if inner is bool:
        return "checkbox", ()
    if inner is int:
        return "integer", ()
    if inner is float:
        return "number", ()
    if inner is datetime:
        return "datetime", ()
    if inner is date:
        return "date", ()
    max_length = _constraint(info, "max_length")
    if max_length is not None and max_length > _ONE_LINE_MAX:
        return "textarea", ()
    return "text", ()


def form_fields(
    shape: type[BaseModel],
    values: Mapping[str, Any] | BaseModel | None = None,
    *,
    choices: Mapping[str, Sequence[Choice]] | None = None,
    errors: Mapping[str, Message] | None = None,
    omit: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The fields of ``shape`` as form inputs, filled with ``values`` (defaults
    where none is given), with ``errors`` next to the fields they name.

    ``choices`` turns an id field into a select of the entities it may name."""
    choices = choices or {}
    errors = errors or {}
    labels = labels or {}
    if isinstance(values, BaseModel):
        values = values.model_dump()
    values = values or {}
    skipped = set(omit)
    fields = []
    for name, info in shape.model_fields.items():
        if name in skipped:
            continue
        widget, options = _widget(info.annotation, info, choices, name)
        if widget == "integer":
            widget, step = "number", "1"
        else:
            step = "any"
        _, nullable = _unwrap(info.annotation)
        required = info.is_required() and not nullable and widget != "checkbox"
        if name in values:
            value = values[name]
        elif not info.is_required():
            value = info.get_default(call_default_factory=True)
        else:
            value = None
        if name in choices:
            # A value no longer offered (a goal adopted, since retired) stays
            # chosen, so saving the form does not silently drop it.
            offered = {option for option, _ in options}
            missing = _chosen_of(value) - offered
            options = (*options, *((kept, f"#{kept}") for kept in sorted(missing)))
        if widget == "scale":
            # No point is chosen for the person: a new one starts with none.
            widget = "select"
            if value is None or not required:
                options = (("", "—"), *options)
        elif widget == "select" and not required:
            options = (("", "—"), *options)
        fields.append(
            FormField(
                name=name,
                label=labels.get(name, label_of(name)),
                widget=widget,
                required=required,
                value=value,
                options=options,
                help=info.description or "",
                step=step,
                minimum=_constraint(info, "ge"),
                maximum=_constraint(info, "le"),
                max_length=_constraint(info, "max_length"),
                error=errors.get(name),
            )
        )
    return fields


def _is_list(info: FieldInfo) -> bool:
    inner, _ = _unwrap(info.annotation)
    return get_origin(inner) is list


def _is_bool(info: FieldInfo) -> bool:
    inner, _ = _unwrap(info.annotation)
    return inner is bool


def values_from_form(
    shape: type[BaseModel], form: Mapping[str, Any], *, omit: Iterable[str] = ()
) -> dict[str, Any]:
    """What a submitted form says, as the values ``shape`` validates: an empty
    input is "no value" (null, or the default), a list is one item per line or
    per selected option, an unticked checkbox is false. Fields the form does
    not carry are left out, so the shape's defaults and rules apply to them."""
    getlist = getattr(form, "getlist", None)
    skipped = set(omit)
    values: dict[str, Any] = {}
    for name, info in shape.model_fields.items():
        if name in skipped:
            continue
        if _is_bool(info):
            values[name] = name in form and form[name] not in ("", "false", "off")
            continue
        if _is_list(info):
            raw = getlist(name) if getlist else form.get(name, [])
            items: list[str] = []
            for entry in raw if isinstance(raw, list) else [raw]:
                items.extend(line.strip() for line in str(entry).splitlines())
            values[name] = [item for item in items if item]
            continue
        if name not in form:
            continue
        text = str(form[name])
        if text.strip() == "":
            _, nullable = _unwrap(info.annotation)
            if nullable:
                values[name] = None
            elif info.is_required() and scale_of(info) is None:
                # The shape says what is wrong with it; a scale's empty choice is
                # no point chosen, left out, so the shape says it is required.
                values[name] = text
            continue
        values[name] = text
    return values


def problems_of(
    error: ValidationError | DomainError, shape: type[BaseModel] | None = None
) -> dict[str, Message]:
    """Field name -> message, from a validation error (in plain words, with the
    bounds of ``shape``'s fields) or a domain error."""
    if isinstance(error, DomainError):
        found: dict[str, Message] = {p.field: p.message for p in error.problems}
        return found or {"": error.detail}
    found = {}
    for item in error.errors():
        location = [str(part) for part in item["loc"] if not isinstance(part, int)]
        name = location[0] if location else ""
        bounds = bounds_of(shape, name) if len(item["loc"]) == 1 else None
        found.setdefault(name, problem_text(item, bounds))
    return found


@dataclass
class FormState:
    """A form as the page shows it: its fields and what went wrong overall."""

    fields: list[FormField]
    errors: dict[str, Message] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        shape: type[BaseModel],
        values: Mapping[str, Any] | BaseModel | None = None,
        problems: dict[str, Message] | None = None,
        *,
        choices: Mapping[str, Sequence[Choice]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> "FormState":
        """The form of ``shape`` filled with ``values``, each of ``problems``
        next to its field (``choices`` and ``labels`` as for ``form_fields``)."""
        fields = form_fields(shape, values, choices=choices, errors=problems, labels=labels)
        return cls(fields, problems or {})

    @property
    def general_errors(self) -> list[Message]:
        """Errors that name no field the form shows."""
        shown = {f.name for f in self.fields}
        return [message for name, message in self.errors.items() if name not in shown]
