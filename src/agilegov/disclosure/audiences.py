"""Disclosures to named audiences: comply and explain (report 4.4(2), 6.1.2).
The only writer of the tables of ``audience_models``.

A scope's organization's editors draft a disclosure: a message to an audience
(the public, stakeholders of the scope's register, a regulator, an assessor,
or any named organization), the scope's items shown, and the items withheld
with their reason (``withheld``). Publishing keeps a snapshot of each item as
it reads then, so that the audience sees it without the scope being public.

Who reads one: the scope's organization's members, always; once published
(and still once withdrawn, marked so), its audience: anyone for the public,
else the members of the organizations it names (``DisclosureReader``). To
anyone else it does not exist."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.analysis.service import STAKEHOLDER
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.db import ScopedEntity, hold
from agilegov.disclosure.audience_models import (
    DisclosedItem,
    Disclosure,
    DisclosureReader,
    WithheldItem,
)
from agilegov.disclosure.audience_schemas import (
    Audience,
    DisclosedItemRead,
    DisclosureCreate,
    DisclosureRead,
    DisclosureSummary,
    Status,
    Withdrawal,
    WithheldRead,
)
from agilegov.disclosure.items import DISCLOSABLE, Found
from agilegov.disclosure.withheld import check_withheld
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationKind
from agilegov.organizations.service import organization_profile
from agilegov.record.service import record_event
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork

LISTED = 200
# The kind of organization each named audience must be (None: any).
AUDIENCE_KINDS = {
    Audience.regulator: OrganizationKind.government,
    Audience.assessor: OrganizationKind.assessor,
    Audience.organization: None,
}


def _not_found(disclosure_id: int) -> NotFound:
    return NotFound(lazy("disclosure %(disclosure_id)s not found", disclosure_id=disclosure_id))


def readable_disclosures(actor: Principal) -> ColumnElement[bool]:
    """Which disclosures ``actor`` may read, as a condition on ``Disclosure``."""
    mine = list(actor.roles)
    shown = Disclosure.status != Status.draft.value
    to_public = Disclosure.audience == Audience.public.value
    to_mine = (
        Disclosure.id.in_(
            select(DisclosureReader.disclosure_id).where(DisclosureReader.organization_id.in_(mine))
        )
        if mine
        else false()
    )
    own = Disclosure.organization_id.in_(mine) if mine else false()
    return or_(own, shown & or_(to_public, to_mine))


def _readable(session: Session, actor: Principal, disclosure_id: int) -> Disclosure:
    disclosure = session.scalar(
        select(Disclosure).where(Disclosure.id == disclosure_id, readable_disclosures(actor))
    )
    if disclosure is None:
        raise _not_found(disclosure_id)
    return disclosure


def _item(session: Session, scope: Scope, kind: str, item_id: int, field: str) -> Found:
    disclosable = DISCLOSABLE.get(kind)
    if disclosable is None:
        raise InvalidInput.on(
            f"{field}.kind",
            lazy(
                "no kind of item named %(kind)s: give one of %(kinds)s",
                kind=kind,
                kinds=", ".join(DISCLOSABLE),
            ),
        )
    found = disclosable.find(session, scope.id, item_id)
    if found is None:
        raise InvalidInput.on(
            f"{field}.id",
            lazy(
                "no %(kind)s %(item_id)s in scope %(scope_id)s",
                kind=kind,
                item_id=item_id,
                scope_id=scope.id,
            ),
        )
    return found


def _check_audience(session: Session, scope: Scope, data: DisclosureCreate) -> None:
    if data.audience in AUDIENCE_KINDS:
        if data.audience_organization_id is None:
            raise InvalidInput.on(
                "audience_organization_id", lazy("name the organization disclosed to")
            )
        found = organization_profile(session, data.audience_organization_id)
        if found is None:
            raise InvalidInput.on(
                "audience_organization_id",
                lazy(
                    "no organization %(organization_id)s",
                    organization_id=data.audience_organization_id,
                ),
            )
        wanted = AUDIENCE_KINDS[data.audience]
        if wanted is not None and found.kind != wanted:
            raise InvalidInput.on(
                "audience_organization_id",
                lazy(
                    "%(name)s is not an organization of kind %(kind)s",
                    name=found.name,
                    kind=wanted.value,
                ),
            )
    elif data.audience_organization_id is not None:
        raise InvalidInput.on(
            "audience_organization_id",
            lazy("only a regulator, an assessor or a named organization is named here"),
        )
    if data.audience is Audience.stakeholders:
        if not data.stakeholder_ids:
            raise InvalidInput.on("stakeholder_ids", lazy("choose the stakeholders disclosed to"))
        for index, stakeholder_id in enumerate(data.stakeholder_ids):
            _item(session, scope, STAKEHOLDER.name, stakeholder_id, f"stakeholder_ids[{index}]")
    elif data.stakeholder_ids:
        raise InvalidInput.on(
            "stakeholder_ids", lazy("stakeholders are chosen only for a disclosure to them")
        )


def _fill(session: Session, scope: Scope, disclosure: Disclosure, data: DisclosureCreate) -> None:
    """Check everything ``data`` says before storing any of it."""
    _check_audience(session, scope, data)
    shown: list[tuple[str, Found]] = []
    seen: set[tuple[str, int]] = set()
    for index, item in enumerate(data.items):
        found = _item(session, scope, item.kind, item.id, f"items[{index}]")
        if (item.kind, item.id) in seen:
            raise InvalidInput.on(f"items[{index}]", lazy("this item is already shown above"))
        seen.add((item.kind, item.id))
        shown.append((item.kind, found))
    rows = [item.model_dump() for item in data.withheld]
    withheld = check_withheld(rows, clock.today())
    kept: list[Found] = []
    for index, item in enumerate(withheld):
        field = f"withheld[{index}]"
        kept.append(_item(session, scope, item.kind, item.id, field))
        if (item.kind, item.id) in seen:
            raise InvalidInput.on(field, lazy("an item is either shown or withheld, not both"))

    disclosure.title = data.title
    disclosure.message = data.message
    disclosure.audience = data.audience.value
    disclosure.audience_organization_id = data.audience_organization_id
    disclosure.stakeholder_ids = list(dict.fromkeys(data.stakeholder_ids))
    session.add(disclosure)
    session.flush()
    for position, (kind, found) in enumerate(shown):
        session.add(
            DisclosedItem(
                disclosure_id=disclosure.id,
                position=position,
                kind=kind,
                item_id=found.id,
                title=found.title,
                snapshot=found.snapshot,
            )
        )
    for position, (item, found) in enumerate(zip(withheld, kept, strict=True)):
        session.add(
            WithheldItem(
                disclosure_id=disclosure.id,
                position=position,
                kind=item.kind,
                item_id=item.id,
                title=found.title,
                reason=item.reason.value,
                explanation=item.explanation,
                steps=item.steps,
                expected_on=item.expected_on,
            )
        )
    session.flush()


def _read(session: Session, disclosure: Disclosure) -> DisclosureRead:
    items = session.scalars(
        select(DisclosedItem)
        .where(DisclosedItem.disclosure_id == disclosure.id)
        .order_by(DisclosedItem.position)
    )
    withheld = session.scalars(
        select(WithheldItem)
        .where(WithheldItem.disclosure_id == disclosure.id)
        .order_by(WithheldItem.position)
    )
    readers = session.scalars(
        select(DisclosureReader.organization_id)
        .where(DisclosureReader.disclosure_id == disclosure.id)
        .order_by(DisclosureReader.organization_id)
    )
    return DisclosureRead(
        id=disclosure.id,
        scope_id=disclosure.scope_id,
        organization_id=disclosure.organization_id,
        title=disclosure.title,
        message=disclosure.message,
        audience=Audience(disclosure.audience),
        audience_organization_id=disclosure.audience_organization_id,
        stakeholder_ids=disclosure.stakeholder_ids,
        reader_organization_ids=list(readers),
        status=Status(disclosure.status),
        items=[
            DisclosedItemRead(kind=i.kind, id=i.item_id, title=i.title, snapshot=i.snapshot)
            for i in items
        ],
        withheld=[
            WithheldRead(
                kind=w.kind,
                id=w.item_id,
                title=w.title,
                reason=w.reason,
                explanation=w.explanation,
                steps=w.steps,
                expected_on=w.expected_on,
            )
            for w in withheld
        ],
        created_at=disclosure.created_at,
        published_at=disclosure.published_at,
        withdrawn_at=disclosure.withdrawn_at,
        withdrawal_reason=disclosure.withdrawal_reason,
    )


def _event_is_private(disclosure: Disclosure) -> bool:
    return disclosure.audience != Audience.public.value


def create_disclosure(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: DisclosureCreate
) -> DisclosureRead:
    """A draft, seen by the scope's organization's members only."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        disclosure = Disclosure(
            scope_id=scope.id,
            organization_id=scope.organization_id,
            status=Status.draft.value,
            created_by=actor.user_id,
            created_at=clock.now(),
        )
        _fill(session, scope, disclosure, data)
        read = _read(session, disclosure)
        record_event(
            session, actor, "disclosure.drafted", disclosure.id, read, scope=scope, private=True
        )
        uow.commit()
        return read


def _writable(session: Session, actor: Principal, disclosure_id: int) -> tuple[Scope, Disclosure]:
    disclosure = _readable(session, actor, disclosure_id)
    scope = writable_scope(session, actor, disclosure.scope_id, Role.editor)
    hold(session, disclosure)
    return scope, disclosure


def _readers(session: Session, disclosure: Disclosure) -> list[int]:
    """The organizations whose members read it: the one named, or those linked
    to its stakeholders now."""
    if disclosure.audience_organization_id is not None:
        return [disclosure.audience_organization_id]
    if disclosure.audience != Audience.stakeholders.value or not disclosure.stakeholder_ids:
        return []
    model: type[ScopedEntity] = STAKEHOLDER.model
    linked = session.scalars(
        select(model.organization_id)  # type: ignore[attr-defined]
        .where(model.id.in_(disclosure.stakeholder_ids), model.scope_id == disclosure.scope_id)
        .where(model.organization_id.is_not(None))  # type: ignore[attr-defined]
    )
    return sorted(set(linked))


def publish_disclosure(uow: UnitOfWork, actor: Principal, disclosure_id: int) -> DisclosureRead:
    """Show it to its audience: each item's snapshot taken now, the audience's
    organizations' owners told."""
    with uow:
        session = uow.session
        scope, disclosure = _writable(session, actor, disclosure_id)
        if disclosure.status != Status.draft.value:
            raise Conflict(
                lazy("only a draft is published; this one is %(status)s", status=disclosure.status)
            )
        for item in session.scalars(
            select(DisclosedItem).where(DisclosedItem.disclosure_id == disclosure.id)
        ):
            found = DISCLOSABLE[item.kind].find(session, scope.id, item.item_id)
            if found is None:
                raise Conflict(
                    lazy(
                        "%(kind)s %(item_id)s is gone: save the draft again without it",
                        kind=item.kind,
                        item_id=item.item_id,
                    )
                )
            item.title, item.snapshot = found.title, found.snapshot
        readers = _readers(session, disclosure)
        for organization_id in readers:
            session.add(
                DisclosureReader(disclosure_id=disclosure.id, organization_id=organization_id)
            )
        disclosure.status = Status.published.value
        disclosure.published_at = clock.now()
        session.flush()
        read = _read(session, disclosure)
        record_event(
            session,
            actor,
            "disclosure.published",
            disclosure.id,
            read,
            scope=scope,
            private=_event_is_private(disclosure),
        )
        for organization_id in readers:
            notify_owners(
                session,
                SYSTEM,
                organization_id,
                "disclosure.received",
                lazy("Disclosure received: %(title)s", title=disclosure.title),
                lazy(
                    "A disclosure about scope %(scope)s has been addressed to you.",
                    scope=scope.name,
                ),
                link=f"/disclosures/{disclosure.id}",
                payload={"disclosure_id": disclosure.id, "scope_id": scope.id},
            )
        uow.commit()
        return read


def withdraw_disclosure(
    uow: UnitOfWork, actor: Principal, disclosure_id: int, data: Withdrawal
) -> DisclosureRead:
    """Withdrawn with a reason; its audience still reads it, marked so."""
    with uow:
        session = uow.session
        scope, disclosure = _writable(session, actor, disclosure_id)
        if disclosure.status != Status.published.value:
            raise Conflict(
                lazy(
                    "only a published disclosure is withdrawn; this one is %(status)s",
                    status=disclosure.status,
                )
            )
        now = clock.now()
        disclosure.status = Status.withdrawn.value
        disclosure.withdrawn_at = now
        disclosure.withdrawal_reason = data.reason
        session.flush()
        read = _read(session, disclosure)
        record_event(
            session,
            actor,
            "disclosure.withdrawn",
            disclosure.id,
            {"reason": data.reason, "withdrawn_at": now.isoformat()},
            scope=scope,
            private=_event_is_private(disclosure),
        )
        uow.commit()
        return read


def get_disclosure(uow: UnitOfWork, actor: Principal, disclosure_id: int) -> DisclosureRead:
    with uow:
        return _read(uow.session, _readable(uow.session, actor, disclosure_id))


def _summaries(session: Session, where: Sequence[Any]) -> list[DisclosureSummary]:
    rows = session.scalars(
        select(Disclosure).where(*where).order_by(Disclosure.id.desc()).limit(LISTED)
    )
    return [DisclosureSummary.model_validate(row) for row in rows]


def scope_disclosures(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[DisclosureSummary]:
    """A scope's disclosures the actor reads (all of them, for its members), newest first."""
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return _summaries(
            uow.session, [Disclosure.scope_id == scope.id, readable_disclosures(actor)]
        )


def received_disclosures(
    uow: UnitOfWork, actor: Principal, organization_id: int
) -> list[DisclosureSummary]:
    """What an organization has been shown, for its members, newest first."""
    with uow:
        if organization_profile(uow.session, organization_id) is None:
            raise NotFound(
                lazy("organization %(organization_id)s not found", organization_id=organization_id)
            )
        actor.require(organization_id, Role.viewer)
        received = select(DisclosureReader.disclosure_id).where(
            DisclosureReader.organization_id == organization_id
        )
        return _summaries(
            uow.session, [Disclosure.status != Status.draft.value, Disclosure.id.in_(received)]
        )


def item_choices(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[tuple[str, str]]:
    """The scope's items a disclosure may show or withhold, as ("goal:3", label)."""
    with uow:
        scope = writable_scope(uow.session, actor, scope_id, Role.editor)
        choices: list[tuple[str, str]] = []
        for name, disclosable in DISCLOSABLE.items():
            choices += [
                (f"{name}:{found.id}", f"{name} #{found.id} {found.title}")
                for found in disclosable.recent(uow.session, scope.id, LISTED)
            ]
        return choices
