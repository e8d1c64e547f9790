"""Offline verification of receipts: no database, no network, no trust in the server."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agilegov.record import merkle
from agilegov.record.log import leaf_bytes
from agilegov.record.notes import NoteError, Receipt, parse_verifier_key


class ReceiptError(ValueError):
    pass


@dataclass(frozen=True)
class VerifiedReceipt:
    index: int
    size: int
    origin: str
    leaf: dict[str, Any]
    event_checked: bool  # whether the event's own fields were shown to give the leaf


def _decode(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ReceiptError(f"{what} is not base64") from None


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
    try:
        merkle.verify_inclusion(
            receipt.index, checkpoint.size, merkle.leaf_hash(leaf), receipt.proof, checkpoint.root
        )
    except merkle.ProofError as problem:
        raise ReceiptError(f"the leaf is not in the log at {receipt.index}: {problem}") from None
    try:
        content = json.loads(leaf)
    except ValueError:
        raise ReceiptError("the leaf is not JSON") from None
    if content.get("index") != receipt.index:
        raise ReceiptError("the leaf names another index than the receipt")
    event = document.get("event")
    if event is not None:
        if not isinstance(event, dict) or event.get("leaf_index") != receipt.index:
            raise ReceiptError("the event names another index than the receipt")
        salt = document.get("payload_salt")
        salt_bytes = _decode(salt, "payload_salt") if salt is not None else None
        try:
            rebuilt = leaf_bytes(
                receipt.index,
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
    return VerifiedReceipt(
        receipt.index, checkpoint.size, checkpoint.origin, content, event is not None
    )
