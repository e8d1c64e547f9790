"""Signed checkpoints, proofs and receipts: what lets anyone check the record
without trusting the server."""

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.record import log
from agilegov.record.models import Checkpoint, Event
from agilegov.record.notes import Checkpoint as CheckpointText
from agilegov.record.notes import Receipt, Signer, sign_checkpoint
from agilegov.record.schemas import EventRead
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


class RewrittenLog(RuntimeError):
    """The log no longer extends what was signed: it is never signed again."""


def _require_growth_of_signed_log(session: Session, size: int) -> None:
    """Sign only a log that extends the largest one signed before, so a rewritten
    history cannot obtain a signature."""
    last = session.execute(
        select(Checkpoint.size, Checkpoint.root).order_by(Checkpoint.size.desc()).limit(1)
    ).first()
    if last is None:
        return
    if last.size > size or (last.size > 0 and log.root_at(session, last.size) != last.root):
        raise RewrittenLog(
            f"the log at size {last.size} no longer has the root signed for it; "
            "run 'agilegov record verify'"
        )


def latest_checkpoint(uow: UnitOfWork, signer: Signer, origin: str) -> SignedCheckpoint:
    """The signed checkpoint of the log as it is now, signing one if the log grew.

    Checkpoints are about the log itself, so storing one appends no event
    (that would grow the log it describes).
    """
    with uow:
        session = uow.session
        size, root = log.current_root(session)
        stored = session.scalar(select(Checkpoint.note).where(Checkpoint.size == size))
        if stored is not None:
            return SignedCheckpoint(size, root, stored)
        _require_growth_of_signed_log(session, size)
        note = sign_checkpoint(CheckpointText(origin, size, root), signer)
        session.add(Checkpoint(size=size, root=root, note=note, created_at=clock.now()))
        try:
            uow.commit()
        except IntegrityError:  # signed meanwhile by another process
            session.rollback()
            note = session.scalars(select(Checkpoint.note).where(Checkpoint.size == size)).one()
        return SignedCheckpoint(size, root, note)


def _readable(session: Session, actor: Principal, event: Event) -> bool:
    if event.scope_id is not None:
        scope = session.get(Scope, event.scope_id)
        if scope is not None and scope.visibility == "public":
            return True
    if event.organization_id is not None and actor.can(event.organization_id, Role.viewer):
        return True
    return actor.user_id is not None and event.actor_id == actor.user_id


@dataclass(frozen=True)
class Entry:
    index: int
    leaf: bytes
    event: EventRead | None  # None when the caller may not read the event's content
    salt: bytes | None


def get_entry(uow: UnitOfWork, actor: Principal, index: int) -> Entry:
    with uow:
        session = uow.session
        event = session.scalar(select(Event).where(Event.leaf_index == index))
        if event is None:
            raise NotFound(
                lazy(
                    "no entry %(index)s; the log has %(size)s",
                    index=index,
                    size=log.log_size(session),
                )
            )
        if not _readable(session, actor, event):
            return Entry(index, event.leaf, None, None)
        return full_entry(event)


def full_entry(event: Event) -> Entry:
    """The entry with its event's content and salt, for a caller allowed to read them."""
    return Entry(event.leaf_index, event.leaf, EventRead.model_validate(event), event.payload_salt)


def entry_fields(entry: Entry) -> dict[str, Any]:
    """The entry as a receipt or an evidence bundle shows it (JSON-able)."""
    return {
        "index": entry.index,
        "leaf": b64(entry.leaf),
        "event": entry.event.model_dump(mode="json") if entry.event else None,
        "payload_salt": b64(entry.salt) if entry.salt else None,
    }


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidInput.on(
            name,
            lazy(
                "must be between %(low)s and %(high)s, got %(value)s",
                low=low,
                high=high,
                value=value,
            ),
        )


def inclusion(uow: UnitOfWork, index: int, size: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        current = log.log_size(session)
        _check_range("size", size, 1, current)
        _check_range("index", index, 0, size - 1)
        proof = log.inclusion_proof(session, index, size)
        return {
            "index": index,
            "size": size,
            "leaf_hash": b64(log.leaf_hash_at(session, index)),
            "root": b64(log.root_at(session, size)),
            "proof": [b64(node) for node in proof],
        }


def consistency(uow: UnitOfWork, old_size: int, new_size: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        current = log.log_size(session)
        _check_range("to", new_size, 1, current)
        _check_range("from", old_size, 1, new_size)
        proof = log.consistency_proof(session, old_size, new_size)
        return {
            "from": old_size,
            "to": new_size,
            "from_root": b64(log.root_at(session, old_size)),
            "to_root": b64(log.root_at(session, new_size)),
            "proof": [b64(node) for node in proof],
        }


def receipt(
    uow: UnitOfWork, actor: Principal, index: int, signer: Signer, origin: str
) -> dict[str, Any]:
    """An event with its inclusion proof in the latest signed checkpoint: the
    C2SP tlog-proof text, plus the leaf bytes and (if readable) the event."""
    # The entry first: a checkpoint signed after it was read is sure to hold it.
    entry = get_entry(uow, actor, index)
    checkpoint = latest_checkpoint(uow, signer, origin)
    with uow:
        proof = log.inclusion_proof(uow.session, index, checkpoint.size)
    text = Receipt(index=index, proof=proof, checkpoint_note=checkpoint.note).to_text()
    return entry_fields(entry) | {"tlog_proof": text}
