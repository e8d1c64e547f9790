"""The log's canonical JSON equals RFC 8785 as the rfc8785 package writes it."""

import random
import struct

import pytest
import rfc8785

from agilegov.record.canonical import CanonicalizationError, canonical_json, number_text

EDGE_NUMBERS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    100.0,
    1e-7,
    1e-6,
    1e-5,
    1e-4,
    123e-20,
    5e-324,
    1.7976931348623157e308,
    1e15,
    1e16,
    1e20,
    1e21,
    1e22,
    9007199254740993.0,
    333333333.33333329,
    0.000001,
    4.35,
    0.85,
    2**53 - 1,
    -(2**53) + 1,
]


@pytest.mark.parametrize("number", EDGE_NUMBERS, ids=repr)
def test_numbers_are_written_as_ecmascript_does(number: float) -> None:
    assert canonical_json(number) == rfc8785.dumps(number)


def _value(rng: random.Random, depth: int = 0) -> object:
    letters = ["a", "Z", "é", "€", "😀", "\n", '"', "\\", "\x00", "\x7f", "\u2028", "\ue000"]
    text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 6)))
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        double = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if double != double or double in (float("inf"), float("-inf")):
            double = rng.uniform(-1e6, 1e6)
        return rng.choice(
            [
                None,
                True,
                False,
                rng.randint(-(2**53) + 1, 2**53 - 1),
                double,
                rng.uniform(-1e3, 1e3),
                rng.choice(EDGE_NUMBERS),
                text,
            ]
        )
    if roll < 0.75:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        "".join(rng.choice(letters) for _ in range(3)): _value(rng, depth + 1)
        for _ in range(rng.randint(0, 4))
    }


def test_random_documents_match_the_reference() -> None:
    rng = random.Random(8785)
    for _ in range(20_000):
        value = _value(rng)
        assert canonical_json(value) == rfc8785.dumps(value), repr(value)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), 2**53, {1: "a"}, {"a": object()}, "\ud800"],
    ids=["nan", "infinity", "big-integer", "integer-key", "object", "lone-surrogate"],
)
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonical_json(value)


def test_member_names_sort_by_utf16_code_units() -> None:
    # U+E000 sorts before U+1F600 in code points but after it in UTF-16.
    assert canonical_json({"\U0001f600": 1, "\ue000": 2}) == '{"😀":1,"\ue000":2}'.encode()
    assert number_text(1e21) == "1e+21"


def test_a_leaf_is_the_rfc8785_form_of_its_document() -> None:
    """The log writes each leaf's members straight in JCS order; the bytes must be
    those of canonicalizing the readable document, public or private."""
    from datetime import UTC, datetime, timedelta, timezone

    from agilegov.record.log import leaf_bytes, leaf_document

    rng = random.Random(8785)
    zones = [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-3, minutes=-30))]
    for number in range(500):
        fields = (
            rng.randrange(2**40),
            datetime(
                rng.choice([2025, 1999, 999, 9999]),
                1 + number % 12,
                1 + number % 28,
                number % 24,
                number % 60,
                number % 60,
                rng.randrange(10**6),
                tzinfo=rng.choice(zones),
            ),
            rng.choice(["goal.created", "observations.recorded"]),
            rng.choice(["goal", "scope", "breach_episode"]),
            rng.choice([None, rng.randrange(10**6)]),
            rng.choice([None, 1, 2**31]),
            rng.choice([None, 7]),
            rng.choice([None, 3]),
            {"name": rng.choice(["Bürger", 'a"b\\', "\u2028", "x"]), "value": rng.random()},
            rng.choice([None, bytes(range(32))]),
        )
        assert leaf_bytes(*fields) == rfc8785.dumps(leaf_document(*fields)), fields
