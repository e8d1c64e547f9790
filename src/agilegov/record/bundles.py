"""Evidence bundles: a subject's entries of the record, each with its inclusion
proof in one signed checkpoint, and its documents by hash, for anyone to check
offline (``verify.verify_bundle``)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from agilegov import clock
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.record import log
from agilegov.record.checkpoints import b64, entry_fields, full_entry, latest_checkpoint
from agilegov.record.models import Event
from agilegov.record.notes import Signer
from agilegov.record.verify import BUNDLE_FORMAT, check_documents
from agilegov.uow import UnitOfWork


def evidence_bundle(
    uow: UnitOfWork,
    indexes: Sequence[int],
    signer: Signer,
    origin: str,
    *,
    subject: dict[str, Any],
    documents: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The entries at ``indexes`` (in log order, each once) with their events'
    content and salts, their inclusion proofs in the latest signed checkpoint,
    ``subject`` (what the bundle is about) and ``documents`` (each with its
    ``name``, ``sha256`` and ``size``), as a JSON-able document.

    The events are read whoever may read them: the calling service has already
    checked that its caller is a party to the subject, and a bundle must hold
    every event in full for its leaves to be checked.
    """
    wanted = sorted(set(indexes))
    listed = [dict(document) for document in documents]
    check_documents(listed)
    # The entries first: a checkpoint signed after they were read is sure to hold them.
    with uow:
        session = uow.session
        events = {
            event.leaf_index: full_entry(event)
            for event in session.scalars(select(Event).where(Event.leaf_index.in_(wanted)))
        }
        missing = [index for index in wanted if index not in events]
        if missing:
            raise NotFound(
                lazy(
                    "no entry %(index)s; the log has %(size)s",
                    index=missing[0],
                    size=log.log_size(session),
                )
            )
    checkpoint = latest_checkpoint(uow, signer, origin)
    with uow:
        entries = [
            entry_fields(events[index])
            | {
                "proof": [
                    b64(node) for node in log.inclusion_proof(uow.session, index, checkpoint.size)
                ]
            }
            for index in wanted
        ]
    return {
        "format": BUNDLE_FORMAT,
        "created_at": clock.now().isoformat(),
        "subject": subject,
        "documents": listed,
        "checkpoint": checkpoint.note,
        "entries": entries,
    }
