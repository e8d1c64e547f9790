"""Appending to the record. Called by every service inside its transaction."""

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal
from agilegov.paging import paginate
from agilegov.record.log import NewEvent, append
from agilegov.record.models import Event
from agilegov.record.schemas import EventRead
from agilegov.schemas import Page
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork

_EVENT_TYPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


# Events about people and access are private wherever they happen.
PRIVATE_SUBJECTS = frozenset({"user", "api_token", "membership", "web_session"})


def is_private(session: Session, subject_type: str, scope_id: int | None) -> bool:
    """Whether an event's payload enters the log only as a salted commitment:
    everything about an unpublished scope, and everything about people."""
    if scope_id is not None:
        scope = session.get(Scope, scope_id)
        return scope is None or scope.visibility != "public"
    return subject_type in PRIVATE_SUBJECTS


def record_event(
    session: Session,
    actor: Principal,
    type: str,
    subject_id: int | None,
    payload: BaseModel | dict[str, Any],
    *,
    scope: Scope | None = None,
    organization_id: int | None = None,
    subject_type: str | None = None,
    private: bool | None = None,
) -> int:
    """Append a write's event to the record, in the write's own transaction;
    returns its index in the log.

    ``type`` is ``"subject.action"``; the subject is of the type before the dot
    unless ``subject_type`` names another (a vote's subject is its statement).
    ``payload`` is a dict, or a schema dumped as JSON. An event about a
    ``scope`` belongs to it and to its organization; ``organization_id`` files
    it under another organization (an assessor's assessment of a scope), or
    under one when there is no scope.

    ``private`` overrides the rule of :func:`is_private`: ``False`` for events
    whose payload is public by nature (hashes and identifiers only), ``True``
    for those the rule would publish (the addresses of inner systems)."""
    if not _EVENT_TYPE.match(type):
        raise ValueError(f"event type {type!r} is not of the form 'subject.action'")
    if subject_type is None:
        subject_type = type.split(".")[0]
    scope_id = scope.id if scope is not None else None
    if organization_id is None and scope is not None:
        organization_id = scope.organization_id
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    new = NewEvent(
        time=clock.now(),
        type=type,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor.user_id,
        organization_id=organization_id,
        scope_id=scope_id,
        payload=payload,
        private=is_private(session, subject_type, scope_id) if private is None else private,
    )
    return append(session, [new])[0]


def append_events(
    session: Session,
    actor: Principal,
    *,
    type: str,
    subject_type: str,
    subjects: Sequence[tuple[int | None, dict[str, Any]]],
    organization_id: int | None = None,
    scope_id: int | None = None,
) -> list[int]:
    """Append one event per ``(subject_id, payload)``, all of one type and scope,
    as one batch of leaves in the caller's transaction; returns their indexes."""
    if not _EVENT_TYPE.match(type):
        raise ValueError(f"event type {type!r} is not of the form 'subject.action'")
    now = clock.now()
    private = is_private(session, subject_type, scope_id)
    return append(
        session,
        [
            NewEvent(
                time=now,
                type=type,
                subject_type=subject_type,
                subject_id=subject_id,
                actor_id=actor.user_id,
                organization_id=organization_id,
                scope_id=scope_id,
                payload=payload,
                private=private,
            )
            for subject_id, payload in subjects
        ],
    )


def visible_events(actor: Principal) -> Any:
    """The condition of the events ``actor`` may read, as a receipt shows them
    (``checkpoints._readable``): those of published scopes, of their
    organizations, and their own."""
    public_scopes = select(Scope.id).where(Scope.visibility == "public")
    visible = [Event.scope_id.in_(public_scopes)]
    if actor.roles:
        visible.append(Event.organization_id.in_(list(actor.roles)))
    if actor.user_id is not None:
        visible.append(Event.actor_id == actor.user_id)
    return or_(*visible)


def list_events(
    uow: UnitOfWork,
    actor: Principal,
    limit: int,
    offset: int,
    scope_id: int | None = None,
    organization_id: int | None = None,
    newest_first: bool = False,
) -> Page[EventRead]:
    """Events the caller may see: their organizations', their own, and those of
    published scopes."""
    with uow:
        where = [visible_events(actor)]
        if scope_id is not None:
            where.append(Event.scope_id == scope_id)
        if organization_id is not None:
            where.append(Event.organization_id == organization_id)
        order = [Event.id.desc()] if newest_first else [Event.id]
        return paginate(uow.session, Event, where, EventRead, limit, offset, order_by=order)
