"""The Prometheus text format parser and the map from samples to indicators.

Pure tests, no database: each table row is one document and what it must give.
"""

import math
from typing import Any

import pytest
import yaml

from agilegov.monitor.prometheus import (
    MapError,
    Mapped,
    Matcher,
    MetricFamily,
    PrometheusError,
    load_map,
    parse,
    select,
)

NAN = "NaN"  # NaN never equals itself, so the flattened form shows it as text

Flat = list[tuple[str, str, str | None, list[tuple[str, dict[str, str], Any, int | None, int]]]]


def flat(families: list[MetricFamily]) -> Flat:
    return [
        (
            family.name,
            family.type,
            family.help,
            [
                (
                    sample.name,
                    sample.labels,
                    NAN if math.isnan(sample.value) else sample.value,
                    sample.timestamp_ms,
                    sample.line,
                )
                for sample in family.samples
            ],
        )
        for family in families
    ]


def one(text: str) -> tuple[str, dict[str, str], Any, int | None, int]:
    """The only sample of a document."""
    ((_, _, _, [sample]),) = flat(parse(text))
    return sample


# --- Valid documents -------------------------------------------------------------------

VALID: list[tuple[str, str, Flat]] = [
    ("bare sample", "a 1\n", [("a", "untyped", None, [("a", {}, 1.0, None, 1)])]),
    (
        "timestamp",
        "a 1 1700000000000\n",
        [("a", "untyped", None, [("a", {}, 1.0, 1700000000000, 1)])],
    ),
    (
        "negative timestamp",
        "a 1 -3982045\n",
        [("a", "untyped", None, [("a", {}, 1.0, -3982045, 1)])],
    ),
    ("signed timestamp", "a 1 +5\n", [("a", "untyped", None, [("a", {}, 1.0, 5, 1)])]),
    ("no final newline", "a 2", [("a", "untyped", None, [("a", {}, 2.0, None, 1)])]),
    (
        "blanks and tabs between every token",
        ' \t a \t{ x = "1" ,\ty="2" } \t 2.5 \t 10 \t\n',
        [("a", "untyped", None, [("a", {"x": "1", "y": "2"}, 2.5, 10, 1)])],
    ),
    (
        "trailing comma in labels",
        'a{x="1",} 1\n',
        [("a", "untyped", None, [("a", {"x": "1"}, 1.0, None, 1)])],
    ),
    (
        "trailing comma and blanks",
        'a{x="1" , } 1\n',
        [("a", "untyped", None, [("a", {"x": "1"}, 1.0, None, 1)])],
    ),
    ("empty braces", "a{} 1\n", [("a", "untyped", None, [("a", {}, 1.0, None, 1)])]),
    (
        "value right after the brace",
        'a{x="1"}7\n',
        [("a", "untyped", None, [("a", {"x": "1"}, 7.0, None, 1)])],
    ),
    (
        "label value escapes",
        r'a{p="C:\\dir",q="say \"hi\"",n="two\nlines"} 1' + "\n",
        [
            (
                "a",
                "untyped",
                None,
                [("a", {"p": "C:\\dir", "q": 'say "hi"', "n": "two\nlines"}, 1.0, None, 1)],
            )
        ],
    ),
    (
        "escaped backslash before n",
        r'a{p="\\n"} 1' + "\n",
        [("a", "untyped", None, [("a", {"p": "\\n"}, 1.0, None, 1)])],
    ),
    (
        "label value with separators, braces, hash and unicode",
        'a{v="a,b}c={d} # é ✓",w=""} 1\n',
        [("a", "untyped", None, [("a", {"v": "a,b}c={d} # é ✓", "w": ""}, 1.0, None, 1)])],
    ),
    (
        "reserved-looking label names",
        'a{__name__="x",__meta_y="y",_="z"} 1\n',
        [
            (
                "a",
                "untyped",
                None,
                [("a", {"__name__": "x", "__meta_y": "y", "_": "z"}, 1.0, None, 1)],
            )
        ],
    ),
    (
        "colons in metric names",
        "job:rate:5m 1\n:_x 2\n",
        [
            ("job:rate:5m", "untyped", None, [("job:rate:5m", {}, 1.0, None, 1)]),
            (":_x", "untyped", None, [(":_x", {}, 2.0, None, 2)]),
        ],
    ),
    (
        "comments and blank lines are skipped but counted",
        "# a comment\n\n   \n\t# indented comment\n#no space\n# HELPER is no HELP\na 1\n",
        [("a", "untyped", None, [("a", {}, 1.0, None, 7)])],
    ),
    (
        "HELP and TYPE without a name are comments",
        "# HELP\n# TYPE  \t\na 1\n",
        [("a", "untyped", None, [("a", {}, 1.0, None, 3)])],
    ),
    (
        "HELP escapes; other backslashes kept",
        "# HELP a back\\\\slash new\\nline keep\\t end\na 1\n",
        [("a", "untyped", "back\\slash new\nline keep\\t end", [("a", {}, 1.0, None, 2)])],
    ),
    (
        "HELP keeps inner blanks, drops leading ones",
        "# HELP a \t  two  words\na 1\n",
        [("a", "untyped", "two  words", [("a", {}, 1.0, None, 2)])],
    ),
    ("empty HELP", "# HELP a\na 1\n", [("a", "untyped", "", [("a", {}, 1.0, None, 2)])]),
    (
        "HELP with tab and no space after #",
        "#HELP\ta doc\na 1\n",
        [("a", "untyped", "doc", [("a", {}, 1.0, None, 2)])],
    ),
    (
        "HELP after the samples",
        "a 1\n# HELP a late\n",
        [("a", "untyped", "late", [("a", {}, 1.0, None, 1)])],
    ),
    (
        "TYPE keyword in any case",
        "# TYPE a GAUGE\na 1\n",
        [("a", "gauge", None, [("a", {}, 1.0, None, 2)])],
    ),
    (
        "declared untyped",
        "# TYPE a untyped\na 1\n",
        [("a", "untyped", None, [("a", {}, 1.0, None, 2)])],
    ),
    (
        "families without samples are left out",
        "# TYPE a gauge\n# HELP b nothing\nc 1\n",
        [("c", "untyped", None, [("c", {}, 1.0, None, 3)])],
    ),
    (
        "counter with the plain name",
        "# TYPE x counter\nx 3\n",
        [("x", "counter", None, [("x", {}, 3.0, None, 2)])],
    ),
    (
        "counter with _total and _created",
        "# TYPE x counter\nx_total 3\nx_created 1.7e9\n",
        [
            (
                "x",
                "counter",
                None,
                [("x_total", {}, 3.0, None, 2), ("x_created", {}, 1.7e9, None, 3)],
            )
        ],
    ),
    (
        "a family named like a suffix wins",
        "# TYPE x_total counter\nx_total 1\n# TYPE x_created gauge\nx_created 5\n",
        [
            ("x_total", "counter", None, [("x_total", {}, 1.0, None, 2)]),
            ("x_created", "gauge", None, [("x_created", {}, 5.0, None, 4)]),
        ],
    ),
    (
        "suffixes of untyped metrics are families of their own",
        "a_sum 1\na_count 2\n",
        [
            ("a_sum", "untyped", None, [("a_sum", {}, 1.0, None, 1)]),
            ("a_count", "untyped", None, [("a_count", {}, 2.0, None, 2)]),
        ],
    ),
    (
        "gauge does not own _sum",
        "# TYPE g gauge\ng 1\ng_sum 2\n",
        [
            ("g", "gauge", None, [("g", {}, 1.0, None, 2)]),
            ("g_sum", "untyped", None, [("g_sum", {}, 2.0, None, 3)]),
        ],
    ),
    (
        "summary",
        '# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.99"} NaN\ns_sum 3\ns_count 2\n'
        "s_created 1\n",
        [
            (
                "s",
                "summary",
                None,
                [
                    ("s", {"quantile": "0.5"}, 1.0, None, 2),
                    ("s", {"quantile": "0.99"}, NAN, None, 3),
                    ("s_sum", {}, 3.0, None, 4),
                    ("s_count", {}, 2.0, None, 5),
                    ("s_created", {}, 1.0, None, 6),
                ],
            )
        ],
    ),
    (
        "histogram: two series, buckets in any order, _created tolerated",
        "# TYPE h histogram\n"
        'h_bucket{code="200",le="+Inf"} 4\n'
        'h_bucket{code="200",le="0.5"} 1\n'
        'h_bucket{le="1e0",code="200"} 3\n'
        'h_sum{code="200"} 2.5\n'
        'h_count{code="200"} 4\n'
        'h_bucket{code="500",le="Inf"} 0\n'
        'h_created{code="500"} 1\n',
        [
            (
                "h",
                "histogram",
                None,
                [
                    ("h_bucket", {"code": "200", "le": "+Inf"}, 4.0, None, 2),
                    ("h_bucket", {"code": "200", "le": "0.5"}, 1.0, None, 3),
                    ("h_bucket", {"le": "1e0", "code": "200"}, 3.0, None, 4),
                    ("h_sum", {"code": "200"}, 2.5, None, 5),
                    ("h_count", {"code": "200"}, 4.0, None, 6),
                    ("h_bucket", {"code": "500", "le": "Inf"}, 0.0, None, 7),
                    ("h_created", {"code": "500"}, 1.0, None, 8),
                ],
            )
        ],
    ),
    (
        "histogram with equal counts across buckets",
        '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 2\nh_bucket{le="+Inf"} 2\n',
        [
            (
                "h",
                "histogram",
                None,
                [
                    ("h_bucket", {"le": "1"}, 2.0, None, 2),
                    ("h_bucket", {"le": "2"}, 2.0, None, 3),
                    ("h_bucket", {"le": "+Inf"}, 2.0, None, 4),
                ],
            )
        ],
    ),
    ("empty document", "", []),
    ("only comments", "# nothing\n\n", []),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in VALID], ids=[r[0] for r in VALID]
)
def test_valid_documents(text: str, expected: Flat) -> None:
    assert flat(parse(text)) == expected


NUMBERS: list[tuple[str, float | str]] = [
    ("1", 1.0),
    ("-1", -1.0),
    ("+1", 1.0),
    ("0.5", 0.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("007", 7.0),
    ("1e3", 1000.0),
    ("1E-3", 0.001),
    ("-1.5e+10", -1.5e10),
    ("1.7976931348623157e308", 1.7976931348623157e308),
    ("1e-400", 0.0),  # underflow rounds to zero, as in Go
    ("NaN", NAN),
    ("nan", NAN),
    ("NAN", NAN),
    ("+Inf", math.inf),
    ("-Inf", -math.inf),
    ("Inf", math.inf),
    ("inf", math.inf),
    ("-INF", -math.inf),
    ("Infinity", math.inf),
    ("-infinity", -math.inf),
]


@pytest.mark.parametrize(("token", "expected"), NUMBERS)
def test_values(token: str, expected: float | str) -> None:
    assert one(f"m {token}\n")[2] == expected


def test_negative_zero_keeps_its_sign() -> None:
    assert math.copysign(1.0, one("m -0\n")[2]) == -1.0


BAD_NUMBERS = [
    "abc",
    "1_000",  # Go separators are refused, as by Prometheus
    "0x1p-3",
    "0x10",
    "+NaN",  # Go reads NaN unsigned only
    "-nan",
    "1e",
    ".",
    "e5",
    "1.2.3",
    "Inf1",
    "infinit",
    "--1",
    "\u0661\u0662",  # Python's float() would read these Arabic-Indic digits
    "\uff11",  # and this full-width one
    "true",
]


@pytest.mark.parametrize("token", BAD_NUMBERS)
def test_values_that_are_not_numbers(token: str) -> None:
    with pytest.raises(PrometheusError) as caught:
        parse(f"ok 1\nm {token}\n")
    assert caught.value.line == 2
    assert str(caught.value) == f'line 2: "{token}" is not a number'


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("0", 0),
        ("-1", -1),
        ("+5", 5),
        ("9223372036854775807", 2**63 - 1),
        ("-9223372036854775808", -(2**63)),
    ],
)
def test_timestamps(token: str, expected: int) -> None:
    assert one(f"m 1 {token}\n")[3] == expected


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("1.5", '"1.5" is not a timestamp'),
        ("1e3", '"1e3" is not a timestamp'),
        ("abc", '"abc" is not a timestamp'),
        ("1_000", '"1_000" is not a timestamp'),
        ("\u0661", '"\u0661" is not a timestamp'),
        ("9223372036854775808", 'timestamp "9223372036854775808" is out of the int64 range'),
        ("-9223372036854775809", "is out of the int64 range"),
    ],
)
def test_bad_timestamps(token: str, problem: str) -> None:
    with pytest.raises(PrometheusError) as caught:
        parse(f"m 1 {token}\n")
    assert caught.value.line == 1
    assert problem in str(caught.value)


# --- Invalid documents: (id, text, line, fragment of the message) ---------------------

HISTOGRAM = "# TYPE h histogram\n"

INVALID: list[tuple[str, str, int, str]] = [
    # Metric names and values.
    ("value not a number", "a 1\nb 2\n# c\n\nd 4\ne 5\nx abc\n", 7, '"abc" is not a number'),
    ("carriage return shows", "a 1\r\n", 1, '"1\\r" is not a number'),
    ("value out of range", "a 1e400\n", 1, '"1e400" is out of range for a 64-bit float'),
    ("metric name starting with a digit", "1a 1\n", 1, '"1a" is not a valid metric name'),
    ("dash in metric name", "a-b 1\n", 1, '"a-b" is not a valid metric name'),
    ("labels without a name", '{x="1"} 1\n', 1, "is not a valid metric name"),
    ("no value", "a\n", 1, 'sample "a" has no value'),
    ("no value after labels", 'a{x="1"}   \n', 1, 'sample "a" has no value'),
    ("text after the timestamp", "a 1 2 3\n", 1, 'unexpected text after the timestamp: "3"'),
    ("bad value before extra text", "a x 2 3\n", 1, '"x" is not a number'),
    ("error on a last line without newline", "a 1\nb", 2, 'sample "b" has no value'),
    # Labels.
    (
        "unterminated label value",
        'a 1\nb 2\nc{code="200} 1\n',
        3,
        'label value for "code" is not terminated',
    ),
    ("value ends in a backslash", 'a{x="1\\', 1, 'label value for "x" is not terminated'),
    (
        "unquoted label value",
        "a{code=200} 1\n",
        1,
        'label value for "code" must be in double quotes',
    ),
    ("label name starting with a digit", 'a{1x="1"} 1\n', 1, '"1x" is not a valid label name'),
    ("dash in label name", 'a{co-de="1"} 1\n', 1, '"co-de" is not a valid label name'),
    ("colon in label name", 'a{a:b="1"} 1\n', 1, '"a:b" is not a valid label name'),
    ("lone comma", "a{,} 1\n", 1, 'expected a label name, found ","'),
    ("double comma", 'a{x="1",,y="2"} 1\n', 1, 'expected a label name, found ","'),
    ("missing equals", 'a{x "1"} 1\n', 1, 'expected "=" after label name "x"'),
    (
        "missing comma",
        'a{x="1" y="2"} 1\n',
        1,
        'expected "," or "}" after the value of "x", found "y"',
    ),
    ("unclosed label set", 'a{x="1"\n', 1, 'label set is not closed with "}"'),
    ("unclosed after comma", 'a{x="1",\n', 1, 'label set is not closed with "}"'),
    ("duplicate label", 'a{x="1",x="2"} 1\n', 1, 'duplicate label name "x"'),
    ("duplicate label apart", 'a{x="1",y="2",x="1"} 1\n', 1, 'duplicate label name "x"'),
    (
        "unknown escape",
        'a{x="a\\tb"} 1\n',
        1,
        'invalid escape sequence \\t in label value for "x"',
    ),
    ("escaped blank", 'a{x="\\ "} 1\n', 1, 'invalid escape sequence "\\\\ " in label value'),
    # HELP and TYPE.
    (
        "second TYPE",
        "# TYPE a gauge\n# TYPE a counter\na 1\n",
        2,
        'second TYPE line for "a" (first on line 1)',
    ),
    (
        "second HELP",
        "# HELP a x\na 1\n# HELP a y\n",
        3,
        'second HELP line for "a" (first on line 1)',
    ),
    ("TYPE after samples", "a 1\n# TYPE a gauge\n", 2, 'TYPE line for "a" comes after its samples'),
    ("unknown type", "# TYPE a gauges\n", 1, 'unknown metric type "gauges" for "a"'),
    ("OpenMetrics-only type", "# TYPE a stateset\n", 1, 'unknown metric type "stateset"'),
    ("type with extra words", "# TYPE a counter total\n", 1, 'unknown metric type "counter total"'),
    ("TYPE without a type", "# TYPE a\n", 1, 'TYPE line for "a" names no type'),
    ("TYPE without a type, blanks", "# TYPE a \t\n", 1, 'TYPE line for "a" names no type'),
    ("bad name in TYPE", "# TYPE 1a gauge\n", 1, '"1a" is not a valid metric name'),
    ("bad name in HELP", "# HELP a-b doc\n", 1, '"a-b" is not a valid metric name'),
    # Families.
    (
        "family again",
        "a 1\nb 2\na 3\n",
        3,
        'samples of "a" must be contiguous, but "b" came between',
    ),
    (
        "histogram part again",
        HISTOGRAM + 'h_bucket{le="+Inf"} 1\nb 2\nh_sum 3\n',
        4,
        'samples of "h" must be contiguous, but "b" came between',
    ),
    (
        "counter _total after another family",
        "# TYPE c counter\nc_total 1\nd 1\nc_created 2\n",
        4,
        'samples of "c" must be contiguous',
    ),
    # Histograms.
    (
        "no +Inf bucket",
        HISTOGRAM + 'h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
        2,
        'histogram "h" has no le="+Inf" bucket for its series without labels',
    ),
    (
        "no +Inf bucket in one series",
        HISTOGRAM + 'h_bucket{c="a",le="+Inf"} 1\nh_bucket{c="b",le="1"} 1\nh_count{c="b"} 1\n',
        3,
        'histogram "h" has no le="+Inf" bucket for series {c="b"}',
    ),
    ("only sum and count", HISTOGRAM + "h_sum 1\nh_count 1\n", 2, 'no le="+Inf" bucket'),
    (
        "buckets not cumulative",
        HISTOGRAM + 'h_bucket{le="1"} 5\nh_bucket{le="2"} 3\nh_bucket{le="+Inf"} 6\n',
        3,
        'histogram "h" buckets are not cumulative: le="2" counts 3, less than le="1" with 5',
    ),
    (
        "+Inf below a bucket, reported when the family ends",
        HISTOGRAM + 'h_bucket{le="1"} 5\nh_bucket{le="+Inf"} 4.5\nb 1\nc{\n',
        3,
        'le="+Inf" counts 4.5, less than le="1" with 5',
    ),
    (
        "duplicate bucket",
        HISTOGRAM + 'h_bucket{le="1"} 1\nh_bucket{le="1.0"} 2\nh_bucket{le="+Inf"} 2\n',
        3,
        'duplicate bucket le="1.0" in histogram "h"',
    ),
    (
        "bucket without le",
        HISTOGRAM + "h_bucket 1\n",
        2,
        'histogram sample of "h" has no "le" label',
    ),
    (
        "le not a number",
        HISTOGRAM + 'h_bucket{le="big"} 1\n',
        2,
        'le label value "big" is not a number',
    ),
    ("le is NaN", HISTOGRAM + 'h_bucket{le="NaN"} 1\n', 2, 'le label value "NaN" is not a number'),
    (
        "histogram with a bare sample",
        HISTOGRAM + "h 1\n",
        2,
        'histogram "h" has no sample named "h"',
    ),
    # Summaries.
    (
        "quantile missing",
        "# TYPE s summary\ns 1\n",
        2,
        'summary sample of "s" has no "quantile" label',
    ),
    (
        "quantile not a number",
        '# TYPE s summary\ns{quantile="p99"} 1\n',
        2,
        'quantile label value "p99" is not a number',
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "fragment"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_documents(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PrometheusError) as caught:
        parse(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert fragment in caught.value.message


def test_error_is_a_value_error_with_line_and_message() -> None:
    error = PrometheusError(3, 'label value for "code" is not terminated')
    assert isinstance(error, ValueError)
    assert (error.line, error.message) == (3, 'label value for "code" is not terminated')
    assert str(error) == 'line 3: label value for "code" is not terminated'


# --- A realistic exposition ---------------------------------------------------------

EXPOSITION = """\
# HELP screening_decisions_total Screening decisions made.
# TYPE screening_decisions_total counter
screening_decisions_total{group="A",outcome="selected"} 412
screening_decisions_total{group="A",outcome="rejected"} 1588
screening_decisions_total{group="B",outcome="selected"} 301
screening_decisions_total{group="B",outcome="rejected"} 1699
# HELP screening_selected_ratio Share of candidates selected, by group and region.
# TYPE screening_selected_ratio gauge
screening_selected_ratio{group="A",region="eu-west"} 0.206 1700000000000
screening_selected_ratio{group="B",region="eu-west"} 0.1505 1700000000000
screening_selected_ratio{group="A",region="us-east"} 0.19 1700000000000
screening_selected_ratio{group="B",region="us-east"} 0.17 1700000000000
# HELP screening_latency_seconds Time to screen one application.
# TYPE screening_latency_seconds histogram
screening_latency_seconds_bucket{le="0.1"} 1200
screening_latency_seconds_bucket{le="0.5"} 3100
screening_latency_seconds_bucket{le="1"} 3900
screening_latency_seconds_bucket{le="5"} 3995
screening_latency_seconds_bucket{le="+Inf"} 4000
screening_latency_seconds_sum 1432.5
screening_latency_seconds_count 4000
# HELP model_score Model score distribution.
# TYPE model_score summary
model_score{quantile="0.5"} 0.61
model_score{quantile="0.9"} 0.83
model_score{quantile="0.99"} NaN
model_score_sum 2440.2
model_score_count 4000
# A generic comment, then a metric with no TYPE:
process_start_time_seconds 1.6999e+09
"""


def test_realistic_exposition() -> None:
    families = parse(EXPOSITION)
    assert [(f.name, f.type, len(f.samples)) for f in families] == [
        ("screening_decisions_total", "counter", 4),
        ("screening_selected_ratio", "gauge", 4),
        ("screening_latency_seconds", "histogram", 7),
        ("model_score", "summary", 5),
        ("process_start_time_seconds", "untyped", 1),
    ]
    counter, gauge, histogram, summary, untyped = families
    assert counter.help == "Screening decisions made."
    assert counter.samples[2].labels == {"group": "B", "outcome": "selected"}
    assert counter.samples[2].value == 301.0
    assert counter.samples[2].line == 5
    assert gauge.samples[1].timestamp_ms == 1700000000000
    assert gauge.samples[1].value == 0.1505
    assert [s.labels["le"] for s in histogram.samples[:5]] == ["0.1", "0.5", "1", "5", "+Inf"]
    assert [s.name for s in histogram.samples[5:]] == [
        "screening_latency_seconds_sum",
        "screening_latency_seconds_count",
    ]
    assert histogram.samples[-1].value == 4000.0
    assert math.isnan(summary.samples[2].value)
    assert summary.samples[4].line == 28
    assert untyped.help is None
    assert untyped.samples[0].value == 1.6999e9
    assert untyped.samples[0].line == 30


def test_a_large_exposition() -> None:
    lines = ["# TYPE req_total counter"]
    lines += [f'req_total{{code="{200 + i % 5}",path="/item/{i}"}} {i} {i}' for i in range(20_000)]
    lines.append("# TYPE lat histogram")
    for series in range(2_000):
        lines += [f'lat_bucket{{s="{series}",le="{le}"}} {n}' for n, le in enumerate("12+")]
        lines[-1] = lines[-1].replace('le="+"', 'le="+Inf"')
        lines += [f'lat_sum{{s="{series}"}} 1', f'lat_count{{s="{series}"}} 2']
    families = parse("\n".join(lines))
    assert [len(family.samples) for family in families] == [20_000, 10_000]
    last = families[0].samples[-1]
    assert (last.labels, last.value, last.timestamp_ms, last.line) == (
        {"code": "204", "path": "/item/19999"},
        19999.0,
        19999,
        20_001,
    )


# --- The map ------------------------------------------------------------------------

MAP_YAML = """\
indicators:
  - indicator: selection_rate_a      # agilegov indicator key
    metric: screening_selected_ratio
    labels:
      group: "A"
      region: "=~eu-.*"
  - indicator: latency.p_inf
    metric: screening_latency_seconds_bucket
    labels: {le: "+Inf"}
  - indicator: decisions-b
    metric: screening_decisions_total
    labels: {group: "!=A", outcome: "!~rej.*"}
    source: "prometheus:other"
source: "prometheus:talentbridge"
"""


def test_load_map_from_yaml() -> None:
    metric_map = load_map(yaml.safe_load(MAP_YAML))
    assert metric_map.source == "prometheus:talentbridge"
    first, second, third = metric_map.entries
    assert (first.indicator, first.metric, first.source) == (
        "selection_rate_a",
        "screening_selected_ratio",
        "prometheus:talentbridge",
    )
    assert [(m.label, m.op, m.value) for m in first.matchers] == [
        ("group", "=", "A"),
        ("region", "=~", "eu-.*"),
    ]
    assert [(m.label, m.op, m.value) for m in second.matchers] == [("le", "=", "+Inf")]
    assert [(m.label, m.op, m.value) for m in third.matchers] == [
        ("group", "!=", "A"),
        ("outcome", "!~", "rej.*"),
    ]
    assert third.source == "prometheus:other"


def test_map_defaults() -> None:
    metric_map = load_map({"indicators": [{"indicator": "k", "metric": "m", "labels": None}]})
    assert metric_map.source == "prometheus"
    assert metric_map.entries[0].matchers == ()
    assert metric_map.entries[0].source == "prometheus"


def entry(**fields: object) -> dict[str, object]:
    return {"indicator": "k", "metric": "m", **fields}


MAP_ERRORS: list[tuple[str, object, str, str]] = [
    ("empty document", None, "", "the map is empty"),
    ("a list", [], "", "must be a mapping"),
    ("no indicators", {}, "indicators", "missing"),
    ("indicators not a list", {"indicators": {}}, "indicators", "must be a list"),
    ("no entries", {"indicators": []}, "indicators", "at least one"),
    ("unknown top key", {"indicator": [], "indicators": [entry()]}, "indicator", "unknown key"),
    ("entry not a mapping", {"indicators": ["k"]}, "indicators[0]", "must be a mapping"),
    (
        "indicator missing",
        {"indicators": [entry(), {"metric": "m"}]},
        "indicators[1].indicator",
        "missing",
    ),
    ("metric missing", {"indicators": [{"indicator": "k"}]}, "indicators[0].metric", "missing"),
    (
        "indicator not a key",
        {"indicators": [entry(indicator="Bad Key")]},
        "indicators[0].indicator",
        '"Bad Key" is not an indicator key',
    ),
    (
        "indicator starting with a dot",
        {"indicators": [entry(indicator=".k")]},
        "indicators[0].indicator",
        "is not an indicator key",
    ),
    (
        "indicator a number",
        {"indicators": [entry(indicator=12)]},
        "indicators[0].indicator",
        "must be a string",
    ),
    (
        "indicator too long",
        {"indicators": [entry(indicator="k" * 101)]},
        "indicators[0].indicator",
        "at most 100 characters",
    ),
    (
        "bad metric name",
        {"indicators": [entry(metric="a-b")]},
        "indicators[0].metric",
        '"a-b" is not a valid metric name',
    ),
    (
        "unknown entry key",
        {"indicators": [entry(lables={})]},
        "indicators[0].lables",
        "unknown key (expected indicator, metric, labels, source)",
    ),
    (
        "labels a list",
        {"indicators": [entry(labels=["a"])]},
        "indicators[0].labels",
        "must be a mapping",
    ),
    (
        "bad label name",
        {"indicators": [entry(labels={"bad-name": "x"})]},
        "indicators[0].labels.bad-name",
        '"bad-name" is not a valid label name',
    ),
    (
        "label value a YAML number",
        {"indicators": [entry(labels={"code": 200})]},
        "indicators[0].labels.code",
        "must be a string (quote it in YAML)",
    ),
    (
        "invalid regex",
        {"indicators": [entry(), entry(), entry(labels={"group": "A", "region": "=~eu-("})]},
        "indicators[2].labels.region",
        'invalid regular expression "eu-("',
    ),
    (
        "invalid negative regex",
        {"indicators": [entry(labels={"r": "!~[z-a]"})]},
        "indicators[0].labels.r",
        'invalid regular expression "[z-a]"',
    ),
    ("empty source", {"indicators": [entry()], "source": " "}, "source", "must not be empty"),
    ("source a number", {"indicators": [entry()], "source": 5}, "source", "must be a string"),
    (
        "entry source too long",
        {"indicators": [entry(source="s" * 201)]},
        "indicators[0].source",
        "at most 200 characters",
    ),
]


@pytest.mark.parametrize(
    ("document", "path", "fragment"),
    [row[1:] for row in MAP_ERRORS],
    ids=[row[0] for row in MAP_ERRORS],
)
def test_map_errors(document: object, path: str, fragment: str) -> None:
    with pytest.raises(MapError) as caught:
        load_map(document)
    assert caught.value.path == path
    assert fragment in caught.value.message
    message = caught.value.message
    assert str(caught.value) == (f"{path}: {message}" if path else message)


# --- Selection ----------------------------------------------------------------------

# Each series has its own timestamp: one indicator takes one value per time.
SERIES = """\
m{group="A",region="eu-west"} 1 1000
m{group="B",region="eu-north"} 2 2000
m{group="A",region="us-east"} 3 3000
m{region="eu-"} 4 4000
m 5 5000
other{group="A"} 6 6000
"""

MATCHERS: list[tuple[str, dict[str, str], list[float]]] = [
    ("no matchers", {}, [1, 2, 3, 4, 5]),
    ("equal", {"group": "A"}, [1, 3]),
    ("explicit equal", {"group": "=A"}, [1, 3]),
    ("equal to text starting with =", {"group": "==A"}, []),
    ("equal to empty matches a missing label", {"group": ""}, [4, 5]),
    ("not equal; a missing label is empty", {"group": "!=A"}, [2, 4, 5]),
    ("not equal to empty", {"group": "!="}, [1, 2, 3]),
    ("regex", {"region": "=~eu-.*"}, [1, 2, 4]),
    ("regex anchored at the start", {"region": "=~west"}, []),
    ("regex anchored at the end", {"region": "=~eu"}, []),
    ("regex alternation anchored as a whole", {"group": "=~A|B"}, [1, 2, 3]),
    ("empty regex matches a missing label", {"group": "=~"}, [4, 5]),
    ("negative regex", {"region": "!~eu-.*"}, [3, 5]),
    ("all matchers must hold", {"group": "A", "region": "=~eu-.*"}, [1]),
]


@pytest.mark.parametrize(
    ("labels", "values"), [row[1:] for row in MATCHERS], ids=[row[0] for row in MATCHERS]
)
def test_select_matchers(labels: dict[str, str], values: list[float]) -> None:
    metric_map = load_map({"indicators": [{"indicator": "k", "metric": "m", "labels": labels}]})
    mapped = select(parse(SERIES), metric_map, scraped_at_ms=99)
    assert [item.value for item in mapped] == values
    assert all(item.indicator == "k" and item.time_ms == 1000 * item.value for item in mapped)


def test_regex_dot_matches_newline_as_in_promql() -> None:
    matcher = (
        load_map({"indicators": [{"indicator": "k", "metric": "m", "labels": {"v": "=~a.b"}}]})
        .entries[0]
        .matchers[0]
    )
    assert isinstance(matcher, Matcher)
    assert matcher.matches({"v": "a\nb"})
    assert not matcher.matches({"v": "a\nbc"})


def test_select_on_the_realistic_exposition() -> None:
    metric_map = load_map(yaml.safe_load(MAP_YAML))
    mapped = select(parse(EXPOSITION), metric_map, scraped_at_ms=1_700_000_500_000)
    assert mapped == [
        Mapped("decisions-b", 1_700_000_500_000, 301.0, "prometheus:other", 5),
        Mapped("selection_rate_a", 1_700_000_000_000, 0.206, "prometheus:talentbridge", 9),
        Mapped("latency.p_inf", 1_700_000_500_000, 4000.0, "prometheus:talentbridge", 19),
    ]


def test_a_sample_matching_several_entries_yields_one_per_entry() -> None:
    metric_map = load_map(
        {
            "indicators": [
                {"indicator": "second", "metric": "m", "labels": {"group": "A"}},
                {"indicator": "first", "metric": "m", "labels": {"region": "eu-west"}},
                {"indicator": "nothing", "metric": "absent"},
            ],
            "source": "s",
        }
    )
    mapped = select(parse('m{group="A",region="eu-west"} 1.5 -20\n'), metric_map, 7)
    assert mapped == [Mapped("second", -20, 1.5, "s", 1), Mapped("first", -20, 1.5, "s", 1)]


def test_select_passes_nan_and_infinities_through() -> None:
    metric_map = load_map({"indicators": [{"indicator": "k", "metric": "m"}]})
    values = [item.value for item in select(parse("m NaN\nn 1\n"), metric_map, 0)]
    assert len(values) == 1 and math.isnan(values[0])
    values = [item.value for item in select(parse("m -Inf\n"), metric_map, 0)]
    assert values == [-math.inf]


def test_select_refuses_two_values_for_one_indicator_at_one_time() -> None:
    families = parse('m{group="A"} 1\nm{group="B"} 2\n')
    metric_map = load_map({"indicators": [{"indicator": "share", "metric": "m"}]})
    with pytest.raises(PrometheusError) as refused:
        select(families, metric_map, scraped_at_ms=1_000)
    assert str(refused.value) == (
        "line 2: indicator 'share' already has a value at this time from line 1: "
        "narrow the map's labels to one series"
    )
    narrowed = load_map(
        {"indicators": [{"indicator": "share", "metric": "m", "labels": {"group": "B"}}]}
    )
    assert [(m.indicator, m.value, m.time_ms) for m in select(families, narrowed, 1_000)] == [
        ("share", 2.0, 1_000)
    ]
