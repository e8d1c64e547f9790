"""RFC 8785 JSON Canonicalization Scheme (JCS), fast enough for the log's hot path.

The ``rfc8785`` package is the reference; this module produces the same bytes
(a property test compares the two) for the values agilegov records, several
times faster, which the batched append path needs.
"""

from json.encoder import encode_basestring  # type: ignore[attr-defined]
from math import isfinite
from typing import Any

# JCS numbers are IEEE doubles: larger integers would not survive a round trip.
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalizationError(ValueError):
    pass


def number_text(value: float) -> str:
    """A double as ECMAScript's Number.prototype.toString writes it."""
    if not isfinite(value):
        raise CanonicalizationError(f"{value} has no JSON form")
    if value == 0:
        return "0"
    magnitude = abs(value)
    # The common cases, where Python and ECMAScript already agree or nearly so.
    if value.is_integer():
        if magnitude <= MAX_SAFE_INTEGER:
            return str(int(value))
    elif 1e-4 <= magnitude < 1e16:
        return repr(value)
    text = repr(value)  # the shortest digits that read back as the same double
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent_text = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # ``point``: where the decimal point sits relative to the first significant digit.
    point = len(whole) + int(exponent_text or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    exponent = point - 1
    head = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{head}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be")


def canonical_text(value: Any) -> str:
    """The JCS text of a JSON value, before UTF-8 encoding (see :func:`utf8`).

    Public for callers that write a fixed document around canonical values
    (``record.log.leaf_bytes``).
    """
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        # Members are ordered by the UTF-16 code units of their names; for
        # ASCII names that is the ordinary order.
        try:
            names = "".join(value)  # refuses any key that is not a string
        except TypeError:
            raise CanonicalizationError("object keys must be strings") from None
        keys = sorted(value) if names.isascii() else sorted(value, key=_utf16_order)
        members = [f"{encode_basestring(key)}:{canonical_text(value[key])}" for key in keys]
        return "{" + ",".join(members) + "}"
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return str(value)
        raise CanonicalizationError(f"integer {value} is beyond what JSON numbers keep")
    if kind is float:
        return number_text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is list or kind is tuple:
        return "[" + ",".join([canonical_text(item) for item in value]) + "]"
    raise CanonicalizationError(f"{kind.__name__} has no JSON form")


def utf8(text: str) -> bytes:
    """Canonical text as the bytes JCS hashes; a lone surrogate has no UTF-8 form."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as problem:
        raise CanonicalizationError("text holds a lone surrogate") from problem


def canonical_json(value: Any) -> bytes:
    """The JCS bytes of a JSON value."""
    return utf8(canonical_text(value))
