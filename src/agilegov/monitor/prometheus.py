"""Prometheus text exposition format (0.0.4): a strict parser and a map to indicators.

Pure: no I/O, no database. ``parse`` turns a scrape into metric families or raises
``PrometheusError`` naming the line and the problem; it never returns part of a
document. ``load_map`` reads a YAML-derived document that says which samples feed
which agilegov indicators, and ``select`` applies it to parsed families.

Where the format's documentation is silent, the parser follows the reference Go
implementation (prometheus/common expfmt): numbers are Go ``ParseFloat`` decimals
without hexadecimal forms or digit separators, ``TYPE`` keywords are
case-insensitive, and a ``# HELP``/``# TYPE`` line without a metric name is an
ordinary comment.
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, NoReturn

from agilegov import values

MetricType = Literal["counter", "gauge", "summary", "histogram", "untyped"]
MatchOp = Literal["=", "!=", "=~", "!~"]

METRIC_TYPES: tuple[MetricType, ...] = ("counter", "gauge", "summary", "histogram", "untyped")
_TYPES_BY_NAME: dict[str, MetricType] = {name: name for name in METRIC_TYPES}
DEFAULT_SOURCE = "prometheus"

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_BLANKS = re.compile(r"[ \t]*")
_TOKEN = re.compile(r"[^ \t]+")
# One ``name="value"`` pair and the blanks after it; the value's body is written as an
# unrolled loop so that long values do not cost one alternation per character.
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"([^"\\]*(?:\\.[^"\\]*)*)"[ \t]*')
_PAIR_TEXT = r'[a-zA-Z_][a-zA-Z0-9_]*[ \t]*=[ \t]*"[^"\\]*(?:\\.[^"\\]*)*"[ \t]*'
# A whole well-formed label set, trailing comma allowed; checked in one step so that
# the pairs can then be collected with findall.
_LABEL_SET = re.compile(rf"\{{[ \t]*(?:{_PAIR_TEXT}(?:,[ \t]*{_PAIR_TEXT})*(?:,[ \t]*)?)?\}}")
# What was meant as a label name, for the message when it is not a valid one.
_LABEL_TOKEN = re.compile(r'[^ \t=,}{"]+')
_QUOTED = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_ESCAPE = re.compile(r"\\(.)")
# Value, optional timestamp, trailing blanks: the rest of every sample line.
_VALUE_TAIL = re.compile(r"[ \t]*([^ \t]+)(?:[ \t]+([^ \t]+))?[ \t]*")
_DIRECTIVE = re.compile(r"#[ \t]*(HELP|TYPE)(?:[ \t]+|$)")
_DOC_TAIL = re.compile(r"([^ \t]+)(?:[ \t]+(.*))?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_INFINITIES = {"inf": math.inf, "infinity": math.inf}

# The sample names each family type owns, as suffixes of the family name.
_OWN_SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("", "_total", "_created"),
    "gauge": ("",),
    "untyped": ("",),
    "summary": ("", "_sum", "_count", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
}
_FOREIGN_SUFFIXES = ("_total", "_created", "_bucket", "_sum", "_count")

_LabelKey = tuple[tuple[str, str], ...]


class PrometheusError(ValueError):
    """A document that is not valid exposition text; ``line`` counts from 1."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    timestamp_ms: int | None
    line: int


@dataclass(frozen=True, slots=True)
class MetricFamily:
    name: str
    type: MetricType
    help: str | None  # None: the document has no HELP line for it
    samples: tuple[Sample, ...]


def _quote(text: str) -> str:
    """A token as error messages show it: JSON-quoted, so blanks and CRs are visible."""
    if len(text) > 60:
        text = text[:57] + "..."
    return json.dumps(text, ensure_ascii=False)


def _number(token: str) -> float | None:
    """The token as Go's ParseFloat reads it, or None when it is not a number."""
    if values.DECIMAL.fullmatch(token):
        try:
            return values.decimal(token)
        except ValueError:  # Go reports a range error where Python rounds to infinity
            return None
    lowered = token.lower()
    if lowered == "nan":  # Go accepts NaN unsigned only
        return math.nan
    sign = -1.0 if lowered[:1] == "-" else 1.0
    infinity = _INFINITIES.get(lowered[1:] if lowered[:1] in "+-" else lowered)
    return None if infinity is None else sign * infinity


def _parse_value(token: str, line: int) -> float:
    value = _number(token)
    if value is None:
        if values.DECIMAL.fullmatch(token):
            raise PrometheusError(line, f"{_quote(token)} is out of range for a 64-bit float")
        raise PrometheusError(line, f"{_quote(token)} is not a number")
    return value


def _parse_timestamp(token: str, line: int) -> int:
    if not _INTEGER.fullmatch(token):
        raise PrometheusError(
            line, f"{_quote(token)} is not a timestamp (expected integer milliseconds)"
        )
    value = int(token)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise PrometheusError(line, f"timestamp {_quote(token)} is out of the int64 range")
    return value


def _unescape_help(text: str) -> str:
    # Only \\ and \n are defined; like the Prometheus server, keep anything else as
    # written rather than reject a whole scrape over documentation text.
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: {"\\": "\\", "n": "\n"}.get(m[1], m[0]), text)


def _unescape_label(raw: str, label: str, line: int) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped = match[1]
        if escaped in ('"', "\\"):
            return escaped
        if escaped == "n":
            return "\n"
        # Show the sequence as written; JSON quoting would double its backslash.
        shown = match[0] if escaped.isprintable() and not escaped.isspace() else _quote(match[0])
        raise PrometheusError(
            line, f"invalid escape sequence {shown} in label value for {_quote(label)}"
        )

    return _ESCAPE.sub(replace, raw)


def _label_problem(text: str, pos: int, line: int) -> NoReturn:
    """Say why no label pair starts at ``pos`` (the fast pattern did not match there)."""
    if pos >= len(text):
        raise PrometheusError(line, 'label set is not closed with "}"')
    name = _LABEL_NAME.match(text, pos)
    after = name.end() if name else pos
    if name is None or text[after : after + 1] not in ("", " ", "\t", "="):
        token = _LABEL_TOKEN.match(text, pos)
        if token is not None:
            raise PrometheusError(line, f"{_quote(token[0])} is not a valid label name")
        raise PrometheusError(line, f"expected a label name, found {_quote(text[pos])}")
    label = name[0]
    pos = _BLANKS.match(text, after).end()
    if text[pos : pos + 1] != "=":
        raise PrometheusError(line, f'expected "=" after label name {_quote(label)}')
    pos = _BLANKS.match(text, pos + 1).end()
    if text[pos : pos + 1] != '"':
        raise PrometheusError(line, f"label value for {_quote(label)} must be in double quotes")
    if _QUOTED.match(text, pos) is None:
        raise PrometheusError(line, f"label value for {_quote(label)} is not terminated")
    raise PrometheusError(line, f"malformed label {_quote(label)}")  # pragma: no cover


def _parse_labels(text: str, pos: int, line: int) -> tuple[dict[str, str], int]:
    """The labels of ``{...}`` whose opening brace is at ``pos - 1``; returns the end."""
    whole = _LABEL_SET.match(text, pos - 1)
    if whole is not None:
        pairs = _LABEL_PAIR.findall(whole[0])
        labels = dict(pairs)
        if len(labels) == len(pairs) and "\\" not in whole[0]:
            return labels, whole.end()
    # Escapes, duplicates and errors: read pair by pair.
    labels = {}
    while True:
        pos = _BLANKS.match(text, pos).end()
        if text.startswith("}", pos):
            return labels, pos + 1
        pair = _LABEL_PAIR.match(text, pos)
        if pair is None:
            _label_problem(text, pos, line)
        label, raw = pair[1], pair[2]
        if label in labels:
            raise PrometheusError(line, f"duplicate label name {_quote(label)}")
        labels[label] = _unescape_label(raw, label, line) if "\\" in raw else raw
        pos = pair.end()
        if text.startswith(",", pos):
            pos += 1  # a trailing comma before "}" is allowed
        elif text.startswith("}", pos):
            return labels, pos + 1
        elif pos >= len(text):
            raise PrometheusError(line, 'label set is not closed with "}"')
        else:
            raise PrometheusError(
                line,
                f'expected "," or "}}" after the value of {_quote(label)}, '
                f"found {_quote(text[pos])}",
            )


class _Family:
    """A family while it is being read."""

    __slots__ = (
        "buckets",
        "help",
        "help_line",
        "name",
        "own_names",
        "samples",
        "series_lines",
        "type",
        "type_line",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.type: MetricType = "untyped"
        self.type_line = 0
        self.help: str | None = None
        self.help_line = 0
        self.samples: list[Sample] = []
        self.own_names = frozenset({name})
        # Histograms only: buckets, and the first line of each series (label set sans le).
        self.buckets: dict[_LabelKey, list[tuple[float, float, int, str]]] = {}
        self.series_lines: dict[_LabelKey, int] = {}

    def set_type(self, metric_type: MetricType) -> None:
        self.type = metric_type
        self.own_names = frozenset(self.name + suffix for suffix in _OWN_SUFFIXES[metric_type])

    def freeze(self) -> MetricFamily:
        return MetricFamily(self.name, self.type, self.help, tuple(self.samples))


def _show(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _series_text(key: _LabelKey) -> str:
    if not key:
        return "its series without labels"
    pairs = ",".join(f"{name}={_quote(value)}" for name, value in key)
    return f"series {{{pairs}}}"


def _check_histogram(family: _Family) -> None:
    """Every series has a +Inf bucket and its bucket counts never decrease with ``le``."""
    for key, first_line in family.series_lines.items():
        buckets = sorted(family.buckets.get(key, ()), key=lambda bucket: bucket[0])
        for before, bucket in pairwise(buckets):
            le, count, line, le_text = bucket
            if le == before[0]:
                raise PrometheusError(
                    line,
                    f"duplicate bucket le={_quote(le_text)} in histogram {_quote(family.name)}",
                )
            if count < before[1]:
                raise PrometheusError(
                    line,
                    f"histogram {_quote(family.name)} buckets are not cumulative: "
                    f"le={_quote(le_text)} counts {_show(count)}, "
                    f"less than le={_quote(before[3])} with {_show(before[1])}",
                )
        if not buckets or buckets[-1][0] != math.inf:
            raise PrometheusError(
                first_line,
                f'histogram {_quote(family.name)} has no le="+Inf" bucket for {_series_text(key)}',
            )


class _Reader:
    """Parser state across lines: the families seen and the one being read."""

    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}
        self.current: _Family | None = None

    def family(self, name: str) -> _Family:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = _Family(name)
        return family

    def close_current(self) -> None:
        if self.current is not None and self.current.type == "histogram":
            _check_histogram(self.current)

    def comment(self, text: str, line: int) -> None:
        directive = _DIRECTIVE.match(text)
        if directive is None:
            return
        rest = _DOC_TAIL.fullmatch(text, directive.end())
        if rest is None:
            return  # "# HELP" with nothing after it: an ordinary comment
        keyword, name, tail = directive[1], rest[1], rest[2]
        if not _METRIC_NAME.fullmatch(name):
            raise PrometheusError(line, f"{_quote(name)} is not a valid metric name")
        family = self.family(name)
        if keyword == "HELP":
            if family.help is not None:
                raise PrometheusError(
                    line, f"second HELP line for {_quote(name)} (first on line {family.help_line})"
                )
            family.help = _unescape_help(tail or "")
            family.help_line = line
            return
        if family.type_line:
            raise PrometheusError(
                line, f"second TYPE line for {_quote(name)} (first on line {family.type_line})"
            )
        if family.samples:
            raise PrometheusError(line, f"TYPE line for {_quote(name)} comes after its samples")
        written = (tail or "").rstrip(" \t")
        if not written:
            raise PrometheusError(line, f"TYPE line for {_quote(name)} names no type")
        metric_type = _TYPES_BY_NAME.get(written.lower())
        if metric_type is None:
            raise PrometheusError(
                line,
                f"unknown metric type {_quote(written)} for {_quote(name)} "
                "(expected counter, gauge, histogram, summary or untyped)",
            )
        family.set_type(metric_type)
        family.type_line = line

    def resolve(self, name: str) -> _Family:
        """The family a sample name belongs to, creating an untyped one if none claims it."""
        family = self.families.get(name)
        if family is not None:
            return family  # a family of that exact name wins, e.g. "x_created" as a gauge
        current = self.current
        if current is not None and name in current.own_names:
            return current
        for suffix in _FOREIGN_SUFFIXES:
            if name.endswith(suffix):
                base = self.families.get(name[: -len(suffix)])
                if base is not None and name in base.own_names:
                    return base
        return self.family(name)

    def sample(self, text: str, line: int) -> None:
        head = _METRIC_NAME.match(text)
        if head is None:
            token = _TOKEN.match(text)
            assert token is not None  # the line is not blank
            raise PrometheusError(line, f"{_quote(token[0])} is not a valid metric name")
        name = head[0]
        pos = head.end()
        after_blanks = _BLANKS.match(text, pos).end()
        labels: dict[str, str]
        if text.startswith("{", after_blanks):
            labels, pos = _parse_labels(text, after_blanks + 1, line)
        elif after_blanks == pos and pos < len(text):
            token = _TOKEN.match(text)
            assert token is not None
            raise PrometheusError(line, f"{_quote(token[0])} is not a valid metric name")
        else:
            labels = {}
        tail = _VALUE_TAIL.fullmatch(text, pos)
        if tail is None:
            tokens = _TOKEN.findall(text, pos)
            if not tokens:
                raise PrometheusError(line, f"sample {_quote(name)} has no value")
            _parse_value(tokens[0], line)
            _parse_timestamp(tokens[1], line)
            raise PrometheusError(line, f"unexpected text after the timestamp: {_quote(tokens[2])}")
        value = _parse_value(tail[1], line)
        timestamp = None if tail[2] is None else _parse_timestamp(tail[2], line)

        family = self.resolve(name)
        if family is not self.current:
            if family.samples:
                previous = self.current.name if self.current is not None else ""
                raise PrometheusError(
                    line,
                    f"samples of {_quote(family.name)} must be contiguous, "
                    f"but {_quote(previous)} came between",
                )
            self.close_current()
            self.current = family
        if family.type == "histogram" or family.type == "summary":
            self.check_part(family, name, labels, value, line)
        family.samples.append(Sample(name, labels, value, timestamp, line))

    def check_part(
        self, family: _Family, name: str, labels: dict[str, str], value: float, line: int
    ) -> None:
        """Checks on a sample of a summary or histogram beyond the line's grammar."""
        if family.type == "summary":
            if name == family.name:
                self.bound(family, labels, "quantile", line)
            return
        if name not in family.own_names:
            raise PrometheusError(
                line,
                f"histogram {_quote(family.name)} has no sample named {_quote(name)} "
                "(expected _bucket, _sum, _count or _created)",
            )
        if name.endswith("_created"):
            return
        key = tuple(sorted(item for item in labels.items() if item[0] != "le"))
        family.series_lines.setdefault(key, line)
        if name.endswith("_bucket"):
            le = self.bound(family, labels, "le", line)
            family.buckets.setdefault(key, []).append((le, value, line, labels["le"]))

    @staticmethod
    def bound(family: _Family, labels: dict[str, str], label: str, line: int) -> float:
        """The float in a bucket's ``le`` or a quantile's ``quantile`` label."""
        text = labels.get(label)
        if text is None:
            raise PrometheusError(
                line, f"{family.type} sample of {_quote(family.name)} has no {_quote(label)} label"
            )
        bound = _number(text)
        if bound is None or math.isnan(bound):
            raise PrometheusError(line, f"{label} label value {_quote(text)} is not a number")
        return bound


def parse(text: str) -> list[MetricFamily]:
    """The families of an exposition, in the order they first appear.

    Families announced by HELP or TYPE that have no samples are left out.
    """
    reader = _Reader()
    for line, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.lstrip(" \t")
        if not stripped:
            continue
        if stripped[0] == "#":
            reader.comment(stripped, line)
        else:
            reader.sample(stripped, line)
    reader.close_current()
    return [family.freeze() for family in reader.families.values() if family.samples]


# --- The map from samples to indicators ---------------------------------------------

_INDICATOR_KEY = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_INDICATOR_MAX = 100  # as the indicator key schema allows
_SOURCE_MAX = 200  # as an observation's source allows
_TOP_KEYS = ("indicators", "source")
_ENTRY_KEYS = ("indicator", "metric", "labels", "source")
# Longest first, so that "=~" is not read as "=" followed by "~".
_PREFIX_OPS: tuple[MatchOp, ...] = ("=~", "!~", "!=", "=")


class MapError(ValueError):
    """An invalid metric map; ``path`` locates the problem, e.g. ``indicators[2].labels.code``."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Matcher:
    """A PromQL-style label matcher; a label a sample lacks counts as the empty string."""

    label: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None = None  # compiled for =~ and !~

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.pattern is not None:
            return (self.pattern.fullmatch(actual) is not None) == (self.op == "=~")
        return (actual == self.value) == (self.op == "=")


@dataclass(frozen=True, slots=True)
class MapEntry:
    indicator: str
    metric: str
    matchers: tuple[Matcher, ...]
    source: str


@dataclass(frozen=True, slots=True)
class MetricMap:
    entries: tuple[MapEntry, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Mapped:
    """One observation for an indicator, taken from the sample on ``line``."""

    indicator: str
    time_ms: int
    value: float
    source: str
    line: int


def _matcher(label: str, spec: str, path: str) -> Matcher:
    """``spec`` is ``value`` or ``=value`` (equal), ``!=value``, ``=~regex`` or ``!~regex``."""
    operator: MatchOp = "="
    value = spec
    for op in _PREFIX_OPS:
        if spec.startswith(op):
            operator, value = op, spec[len(op) :]
            break
    if operator in ("=", "!="):
        return Matcher(label, operator, value)
    try:
        # PromQL anchors regexes at both ends and lets "." match newlines.
        pattern = re.compile(value, re.DOTALL)
    except re.error as error:
        raise MapError(path, f"invalid regular expression {_quote(value)}: {error}") from None
    return Matcher(label, operator, value, pattern)


def _text(value: object, path: str, maximum: int) -> str:
    if not isinstance(value, str):
        raise MapError(path, "must be a string")
    if not value.strip():
        raise MapError(path, "must not be empty")
    if len(value) > maximum:
        raise MapError(path, f"must be at most {maximum} characters")
    return value


def _check_keys(document: Mapping[object, object], allowed: tuple[str, ...], path: str) -> None:
    for key in document:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise MapError(where, f"unknown key (expected {', '.join(allowed)})")


def _entry(document: object, path: str, default_source: str) -> MapEntry:
    if not isinstance(document, Mapping):
        raise MapError(path, "must be a mapping with indicator and metric")
    _check_keys(document, _ENTRY_KEYS, path)
    for key in ("indicator", "metric"):
        if document.get(key) is None:
            raise MapError(f"{path}.{key}", "missing")
    indicator = _text(document["indicator"], f"{path}.indicator", _INDICATOR_MAX)
    if not _INDICATOR_KEY.fullmatch(indicator):
        raise MapError(
            f"{path}.indicator",
            f"{_quote(indicator)} is not an indicator key (lower case letters, digits, _ . -)",
        )
    metric = _text(document["metric"], f"{path}.metric", 1000)
    if not _METRIC_NAME.fullmatch(metric):
        raise MapError(f"{path}.metric", f"{_quote(metric)} is not a valid metric name")
    source = default_source
    if document.get("source") is not None:
        source = _text(document["source"], f"{path}.source", _SOURCE_MAX)
    labels = document.get("labels")
    if labels is None:
        labels = {}
    if not isinstance(labels, Mapping):
        raise MapError(f"{path}.labels", "must be a mapping of label name to matcher")
    matchers = []
    for label, spec in labels.items():
        where = f"{path}.labels.{label}"
        if not isinstance(label, str) or not _LABEL_NAME.fullmatch(label):
            raise MapError(where, f"{_quote(str(label))} is not a valid label name")
        if not isinstance(spec, str):
            # YAML reads 200 or true as numbers and booleans; matchers compare text.
            raise MapError(where, "must be a string (quote it in YAML)")
        matchers.append(_matcher(label, spec, where))
    return MapEntry(indicator, metric, tuple(matchers), source)


def load_map(document: object) -> MetricMap:
    """The map in a document as ``yaml.safe_load`` returns it; raises ``MapError``."""
    if document is None:
        raise MapError("", "the map is empty")
    if not isinstance(document, Mapping):
        raise MapError("", "the map must be a mapping with an indicators list")
    _check_keys(document, _TOP_KEYS, "")
    source = DEFAULT_SOURCE
    if document.get("source") is not None:
        source = _text(document["source"], "source", _SOURCE_MAX)
    entries = document.get("indicators")
    if entries is None:
        raise MapError("indicators", "missing")
    if not isinstance(entries, list):
        raise MapError("indicators", "must be a list")
    if not entries:
        raise MapError("indicators", "must list at least one indicator")
    return MetricMap(
        tuple(_entry(entry, f"indicators[{i}]", source) for i, entry in enumerate(entries)),
        source,
    )


def select(families: list[MetricFamily], metric_map: MetricMap, scraped_at_ms: int) -> list[Mapped]:
    """One observation per (sample, matching entry), in document then map order.

    A sample without a timestamp is dated ``scraped_at_ms``. Values are passed as
    they are, NaN and infinities included. Two samples that would give one
    indicator two values at the same time and source are refused (the map's
    labels must single one series out), rather than one being dropped unseen.
    """
    by_metric: dict[str, list[MapEntry]] = {}
    for entry in metric_map.entries:
        by_metric.setdefault(entry.metric, []).append(entry)
    mapped: list[Mapped] = []
    seen: dict[tuple[str, int, str], int] = {}
    for family in families:
        for sample in family.samples:
            for entry in by_metric.get(sample.name, ()):
                if all(matcher.matches(sample.labels) for matcher in entry.matchers):
                    time_ms = scraped_at_ms if sample.timestamp_ms is None else sample.timestamp_ms
                    key = (entry.indicator, time_ms, entry.source)
                    if key in seen:
                        raise PrometheusError(
                            sample.line,
                            f"indicator {entry.indicator!r} already has a value at this time "
                            f"from line {seen[key]}: narrow the map's labels to one series",
                        )
                    seen[key] = sample.line
                    mapped.append(
                        Mapped(entry.indicator, time_ms, sample.value, entry.source, sample.line)
                    )
    return mapped
