"""W3C Bitstring Status List v1.0: a credential's status as one bit of a list.

An issuer keeps, per purpose (revocation, suspension), a list of bits; each of
its credentials names one position (``statusListIndex``) in that list through a
``BitstringStatusListEntry``. A set bit means the credential is revoked (or
suspended). The list travels as ``encodedList``: the bitstring GZIP-compressed,
then multibase base64url without padding (a leading ``u``).

* Bit 0 is the left-most (most significant) bit of the first byte, as the spec
  says.
* A list holds at least 131,072 bits (16 KiB): the spec's minimum, so that one
  list covers many credentials and fetching it does not tell who is checked
  (herd privacy).
* Decoding refuses a list that decompresses beyond a limit (a zip bomb).

This module is pure: no database, no network, no clock.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from agilegov.record.credentials import (
    CREDENTIALS_V2_CONTEXT,
    CredentialError,
    check_validity,
    verify,
)

__all__ = [
    "MAX_LIST_BYTES",
    "MIN_LIST_BITS",
    "STATUS_ENTRY_TYPE",
    "STATUS_LIST_CREDENTIAL_TYPE",
    "STATUS_LIST_TYPE",
    "StatusPurpose",
    "checked_status",
    "decode_list",
    "encode_list",
    "get_bit",
    "new_bitstring",
    "set_bit",
    "status_entry",
    "status_list_credential",
    "status_lists_named",
    "status_of",
]

MIN_LIST_BITS = 131_072
# The largest decompressed list accepted: 16 MiB, 128 times the minimum.
MAX_LIST_BYTES = 16 * 1_048_576
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
STATUS_LIST_TYPE = "BitstringStatusList"
STATUS_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusPurpose(StrEnum):
    """What a set bit means."""

    revocation = "revocation"
    suspension = "suspension"


def new_bitstring(bits: int = MIN_LIST_BITS) -> bytearray:
    """A list of ``bits`` zero bits (at least the spec's minimum, whole bytes)."""
    if bits < MIN_LIST_BITS or bits % 8:
        raise CredentialError(
            f"a status list holds at least {MIN_LIST_BITS} bits, in whole bytes; not {bits}"
        )
    return bytearray(bits // 8)


def _position(bitstring: bytes | bytearray, index: int) -> tuple[int, int]:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise CredentialError(f"a status list index is a non-negative integer, not {index!r}")
    if index >= len(bitstring) * 8:
        raise CredentialError(
            f"status list index {index} is beyond the list's {len(bitstring) * 8} bits"
        )
    return index // 8, 7 - index % 8


def set_bit(bitstring: bytearray, index: int, value: bool = True) -> None:
    """Set (or clear) bit ``index``; bit 0 is the first byte's left-most bit."""
    byte, shift = _position(bitstring, index)
    if value:
        bitstring[byte] |= 1 << shift
    else:
        bitstring[byte] &= ~(1 << shift) & 0xFF


def get_bit(bitstring: bytes | bytearray, index: int) -> bool:
    byte, shift = _position(bitstring, index)
    return bool(bitstring[byte] >> shift & 1)


def encode_list(bitstring: bytes | bytearray) -> str:
    """``encodedList``: ``u`` + base64url, unpadded, of the GZIP-compressed bits.

    The GZIP header's time is zero, so the same bits always encode the same.
    """
    if len(bitstring) * 8 < MIN_LIST_BITS:
        raise CredentialError(f"a status list holds at least {MIN_LIST_BITS} bits")
    compressed = gzip.compress(bytes(bitstring), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: object, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The bits of an ``encodedList``; refuses other encodings, lists shorter
    than the minimum and lists that would decompress beyond ``max_bytes``."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    if set(body) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"):
        raise CredentialError("encodedList holds characters outside base64url")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise CredentialError("encodedList is not valid base64url") from None
    # Decompress at most max_bytes + 1 bytes: a bomb stops there, unread.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error:
        raise CredentialError("encodedList is not GZIP-compressed") from None
    if len(bits) > max_bytes:
        raise CredentialError(f"encodedList decompresses to more than {max_bytes} bytes")
    if not inflater.eof:
        raise CredentialError("encodedList is truncated")
    if len(bits) * 8 < MIN_LIST_BITS:
        raise CredentialError(
            f"encodedList holds {len(bits) * 8} bits, fewer than the minimum {MIN_LIST_BITS}"
        )
    return bits


def status_entry(list_url: str, purpose: StatusPurpose | str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` entry pointing at bit ``index`` of the list
    credential at ``list_url``."""
    purpose = StatusPurpose(purpose)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise CredentialError(f"a status list index is a non-negative integer, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": STATUS_ENTRY_TYPE,
        "statusPurpose": purpose.value,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: StatusPurpose | str,
    set_indexes: Iterable[int],
    valid_from: str,
    valid_until: str,
    bits: int = MIN_LIST_BITS,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` at ``list_url`` with the
    bits ``set_indexes`` set. The list grows past ``bits`` (in steps of the
    minimum) to hold the largest index."""
    purpose = StatusPurpose(purpose)
    indexes = sorted(set(set_indexes))
    while indexes and indexes[-1] >= bits:
        bits += MIN_LIST_BITS
    bitstring = new_bitstring(bits)
    for index in indexes:
        set_bit(bitstring, index)
    return {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", STATUS_LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": STATUS_LIST_TYPE,
            "statusPurpose": purpose.value,
            "encodedList": encode_list(bitstring),
        },
    }


def _entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    entries = status if isinstance(status, list) else [status]
    if not all(isinstance(entry, Mapping) for entry in entries):
        raise CredentialError("credentialStatus must be an object or a list of objects")
    return entries


def status_of(
    credential: Mapping[str, Any], status_list: Mapping[str, Any]
) -> tuple[StatusPurpose, bool] | None:
    """Read the credential's bit in ``status_list`` (a list credential whose
    proof and validity the caller has checked): ``(purpose, set)``, or None
    when no entry of the credential points at that list."""
    subject = status_list.get("credentialSubject")
    types = status_list.get("type")
    if (
        not isinstance(types, list)
        or STATUS_LIST_CREDENTIAL_TYPE not in types
        or not isinstance(subject, Mapping)
        or subject.get("type") != STATUS_LIST_TYPE
    ):
        raise CredentialError("the status list is not a BitstringStatusListCredential")
    for entry in _entries(credential):
        if entry.get("type") != STATUS_ENTRY_TYPE:
            continue
        if entry.get("statusListCredential") != status_list.get("id"):
            continue
        if entry.get("statusPurpose") != subject.get("statusPurpose"):
            raise CredentialError(
                "the status list's purpose differs from the credential's status entry"
            )
        try:
            purpose = StatusPurpose(str(entry.get("statusPurpose")))
        except ValueError:
            raise CredentialError(
                f"unknown status purpose {entry.get('statusPurpose')!r}"
            ) from None
        index_text = entry.get("statusListIndex")
        if not isinstance(index_text, str) or not index_text.isdigit() or not index_text.isascii():
            raise CredentialError(
                f"statusListIndex must be a number in a string, not {index_text!r}"
            )
        bits = decode_list(subject.get("encodedList"))
        return purpose, get_bit(bits, int(index_text))
    return None


def status_lists_named(credential: Mapping[str, Any]) -> set[str]:
    """The status list credentials the credential's status entries point at:
    each must be checked before its status is known."""
    named = set()
    for entry in _entries(credential):
        if entry.get("type") != STATUS_ENTRY_TYPE:
            continue
        url = entry.get("statusListCredential")
        if not isinstance(url, str) or not url:
            raise CredentialError("a status entry's statusListCredential must be a URL")
        named.add(url)
    return named


def checked_status(
    credential: Mapping[str, Any], status_list: Mapping[str, Any], *, at: datetime
) -> tuple[StatusPurpose, bool] | None:
    """:func:`status_of` after checking the status list itself: its proof, made
    by the credential's own issuer (anyone else's list says nothing about the
    credential), and its validity window at ``at`` (an old copy may miss a
    revocation)."""
    if not isinstance(status_list, Mapping):
        raise CredentialError("the status list must be a JSON object")
    try:
        verify(status_list)
    except CredentialError as problem:
        raise CredentialError(f"the status list's proof fails: {problem}") from None
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    list_issuer = status_list.get("issuer")
    list_issuer_id = list_issuer.get("id") if isinstance(list_issuer, Mapping) else list_issuer
    signer = str(status_list["proof"]["verificationMethod"]).partition("#")[0]
    if signer != issuer_id or list_issuer_id != issuer_id:
        raise CredentialError(
            f"the status list was issued by {list_issuer_id!r} and signed by {signer!r}, "
            f"not by the credential's issuer {issuer_id!r}"
        )
    try:
        check_validity(status_list, at)
    except CredentialError as problem:
        raise CredentialError(f"the status list is out of date: {problem}") from None
    return status_of(credential, status_list)
