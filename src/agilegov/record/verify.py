"""Offline verification of receipts and evidence bundles: no database, no
network, no trust in the server."""

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agilegov.record import merkle
from agilegov.record.log import leaf_bytes
from agilegov.record.notes import (
    Checkpoint,
    NoteError,
    Receipt,
    open_checkpoint,
    parse_verifier_key,
)

BUNDLE_FORMAT = "agilegov-evidence-bundle/1"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class ReceiptError(ValueError):
    pass


class BundleError(ValueError):
    """An evidence bundle does not verify; the message names the entry or document."""


@dataclass(frozen=True)
class VerifiedReceipt:
    index: int
    size: int
    origin: str
    leaf: dict[str, Any]
    event_checked: bool  # whether the event's own fields were shown to give the leaf


@dataclass(frozen=True)
class VerifiedBundle:
    origin: str
    size: int
    subject: dict[str, Any]
    entries: tuple[VerifiedReceipt, ...]
    documents: tuple[dict[str, Any], ...]
    documents_checked: bool  # whether the documents' content was hashed and compared


def _decode(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ReceiptError(f"{what} is not base64") from None


def _check_included(
    index: int, leaf: bytes, proof: list[bytes], checkpoint: Checkpoint
) -> dict[str, Any]:
    """Prove ``leaf`` is entry ``index`` under the checkpoint's root; its JSON content."""
    try:
        merkle.verify_inclusion(
            index, checkpoint.size, merkle.leaf_hash(leaf), proof, checkpoint.root
        )
    except merkle.ProofError as problem:
        raise ReceiptError(f"the leaf is not in the log at {index}: {problem}") from None
    try:
        content = json.loads(leaf)
    except ValueError:
        raise ReceiptError("the leaf is not JSON") from None
    if not isinstance(content, dict) or content.get("index") != index:
        raise ReceiptError("the leaf names another index than the one proved")
    return content


def _check_event(index: int, leaf: bytes, event: Any, salt: Any) -> None:
    """The event's fields, with its salt when private, must give exactly the leaf."""
    if not isinstance(event, dict) or event.get("leaf_index") != index:
        raise ReceiptError("the event names another index than the one proved")
    salt_bytes = _decode(salt, "payload_salt") if salt is not None else None
    try:
        rebuilt = leaf_bytes(
            index,
            datetime.fromisoformat(event["time"]),
            event["type"],
            event["subject_type"],
            event["subject_id"],
            event["actor_id"],
            event["organization_id"],
            event["scope_id"],
            event["payload"],
            salt_bytes,
        )
    except KeyError as missing:
        raise ReceiptError(f"the event has no {missing}") from None
    except (TypeError, ValueError) as problem:
        raise ReceiptError(f"the event is not well formed: {problem}") from None
    if rebuilt != leaf:
        raise ReceiptError("the event's fields do not give the leaf")


def verify_receipt(document: dict[str, Any], verifier_key: str) -> VerifiedReceipt:
    """Check a receipt as served by ``/api/v1/record/receipts/{index}``.

    The checkpoint must be signed by ``verifier_key``, the leaf must be included
    at the index under the checkpoint's root, and, when the event is given, its
    fields must give exactly the leaf. The receipt's ``index`` and the event's
    ``leaf_index`` must both be the index proved.
    """
    if not isinstance(document, dict):
        raise ReceiptError("the receipt is not a JSON object")
    try:
        verifier = parse_verifier_key(verifier_key)
        receipt = Receipt.parse(document["tlog_proof"])
        checkpoint = receipt.open_checkpoint(verifier)
    except KeyError as missing:
        raise ReceiptError(f"the receipt has no {missing}") from None
    except NoteError as problem:
        raise ReceiptError(str(problem)) from None
    if document.get("index") != receipt.index:
        raise ReceiptError("the receipt names another index than it proves")
    leaf = _decode(document.get("leaf"), "leaf")
    content = _check_included(receipt.index, leaf, receipt.proof, checkpoint)
    event = document.get("event")
    if event is not None:
        _check_event(receipt.index, leaf, event, document.get("payload_salt"))
    return VerifiedReceipt(
        receipt.index, checkpoint.size, checkpoint.origin, content, event is not None
    )


def _check_bundle_entry(
    index: int, entry: dict[str, Any], checkpoint: Checkpoint
) -> VerifiedReceipt:
    proof = entry.get("proof")
    if not isinstance(proof, list):
        raise ReceiptError("the entry has no proof list")
    leaf = _decode(entry.get("leaf"), "leaf")
    nodes = [_decode(node, "a proof node") for node in proof]
    content = _check_included(index, leaf, nodes, checkpoint)
    _check_event(index, leaf, entry.get("event"), entry.get("payload_salt"))
    return VerifiedReceipt(index, checkpoint.size, checkpoint.origin, content, True)


def _entry_index(entry: Any, position: int) -> int:
    if not isinstance(entry, dict):
        raise BundleError(f"the entry at position {position} is not a JSON object")
    index = entry.get("index")
    if type(index) is not int or index < 0:  # never True/False, which equal 1/0
        raise BundleError(f"the entry at position {position} has no index")
    return index


def check_documents(documents: Any) -> tuple[dict[str, Any], ...]:
    """The bundle's documents, each a plain file name, its SHA-256 (64 lowercase
    hex digits) and its size in bytes; names are distinct."""
    if not isinstance(documents, list):
        raise BundleError("the documents are not a list")
    names: set[str] = set()
    for position, document in enumerate(documents):
        if not isinstance(document, dict):
            raise BundleError(f"document {position} is not a JSON object")
        name = document.get("name")
        # A plain file name, so a documents folder can hold it and no path escapes it.
        if not isinstance(name, str) or name in ("", ".", "..") or re.search(r"[/\\\0]", name):
            raise BundleError(f"document {position} has no plain file name")
        if name in names:
            raise BundleError(f"document {name!r} is listed twice")
        names.add(name)
        digest = document.get("sha256")
        if not isinstance(digest, str) or not _SHA256_HEX.match(digest):
            raise BundleError(f"document {name!r}: sha256 is not 64 lowercase hex digits")
        size = document.get("size")
        if type(size) is not int or size < 0:
            raise BundleError(f"document {name!r}: size is not a whole number of bytes")
    return tuple(documents)


def _check_files(documents: tuple[dict[str, Any], ...], files: Mapping[str, bytes]) -> None:
    for document in documents:
        name = document["name"]
        content = files.get(name)
        if content is None:
            raise BundleError(f"document {name!r} is missing")
        if len(content) != document["size"]:
            raise BundleError(f"document {name!r} has {len(content)} bytes, not {document['size']}")
        if hashlib.sha256(content).hexdigest() != document["sha256"]:
            raise BundleError(f"document {name!r} does not have its sha256")


def verify_bundle(
    document: dict[str, Any],
    verifier_key: str,
    files: Mapping[str, bytes] | None = None,
) -> VerifiedBundle:
    """Check an evidence bundle (see ``bundles.evidence_bundle``).

    Its checkpoint must be signed by ``verifier_key``; every entry's leaf must
    be included at its index under the checkpoint's root, and its event's
    fields (with the salt of a private one) must give exactly the leaf; the
    indexes must be distinct and ascending; the documents well formed. With
    ``files`` (name to content), every document's content must be there and
    have its size and SHA-256.
    """
    if not isinstance(document, dict):
        raise BundleError("the bundle is not a JSON object")
    if document.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"the bundle's format is not {BUNDLE_FORMAT}")
    subject = document.get("subject")
    if not isinstance(subject, dict):
        raise BundleError("the bundle has no subject")
    try:
        verifier = parse_verifier_key(verifier_key)
    except NoteError as problem:
        raise BundleError(f"the verifier key: {problem}") from None
    note = document.get("checkpoint")
    if not isinstance(note, str):
        raise BundleError("the bundle has no checkpoint")
    try:
        checkpoint = open_checkpoint(note, verifier)
    except NoteError as problem:
        raise BundleError(f"checkpoint: {problem}") from None
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BundleError("the bundle has no list of entries")
    verified = []
    previous = -1
    for position, entry in enumerate(entries):
        index = _entry_index(entry, position)
        if index <= previous:
            raise BundleError(f"entry {index}: indexes are not distinct and ascending")
        previous = index
        try:
            verified.append(_check_bundle_entry(index, entry, checkpoint))
        except ReceiptError as problem:
            raise BundleError(f"entry {index}: {problem}") from None
    documents = check_documents(document.get("documents"))
    if files is not None:
        _check_files(documents, files)
    return VerifiedBundle(
        checkpoint.origin,
        checkpoint.size,
        subject,
        tuple(verified),
        documents,
        files is not None,
    )
