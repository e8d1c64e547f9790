"""Signatures of webhook bodies, for the sender and for receivers to copy.

The header ``Agilegov-Signature: t=<unix seconds>,v1=<hex>`` carries the time of
sending and HMAC-SHA256, keyed by the webhook's secret (the whole ``whsec_…``
string, UTF-8), of ``"<t>." + body``. A receiver recomputes it over the raw
body bytes, compares in constant time, and refuses a time too far from its own
clock, so that a captured request cannot be replayed later.
"""

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "Agilegov-Signature"
EVENT_HEADER = "Agilegov-Event"
DELIVERY_HEADER = "Agilegov-Delivery"
SCHEME = "v1"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Agilegov-Signature`` header value for ``body`` sent at ``timestamp``."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("the timestamp is a whole, non-negative number of seconds")
    return f"t={timestamp},{SCHEME}={_digest(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals:
            return None
        if name == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                return None
            timestamp = int(value)
        elif name == SCHEME:
            signatures.append(value)
        # Other schemes are ignored, so a later one can be added beside v1.
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: datetime | float,
    tolerance_seconds: int = 300,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within
    ``tolerance_seconds`` of ``now`` (a datetime or unix seconds)."""
    parsed = _parse(header) if isinstance(header, str) else None
    if parsed is None:
        return False
    timestamp, signatures = parsed
    current = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(current - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body).encode("ascii")
    # Every candidate is compared, so the time taken says nothing about which matched.
    matches = [
        hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
        for candidate in signatures
    ]
    return any(matches)
