"""Scopes: registering an innovation to govern, and who can see it."""

from sqlalchemy import false, or_
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.cycle.service import open_framework_changes, start_cycle
from agilegov.db import hold
from agilegov.errors import InvalidInput
from agilegov.i18n import lazy
from agilegov.organizations.service import is_verified, organization_exists, organization_profile
from agilegov.paging import paginate
from agilegov.record.service import record_event
from agilegov.schemas import Input, Page
from agilegov.scopes.schemas import ScopeCreate, ScopeRead, Visibility
from agilegov.tenancy import Scope, readable_scope
from agilegov.uow import UnitOfWork


def _visible(actor: Principal):  # type: ignore[no-untyped-def]
    member_of = list(actor.roles)
    return or_(
        Scope.visibility == "public",
        Scope.organization_id.in_(member_of) if member_of else false(),
    )


def _require_verified_publisher(session: Session, organization_id: int) -> None:
    """A government publishes requirements others rely on: only once someone
    vouches that it is the government it says."""
    profile = organization_profile(session, organization_id)
    if (
        profile is not None
        and profile.kind == "government"
        and not is_verified(session, organization_id)
    ):
        raise InvalidInput.on(
            "visibility",
            lazy(
                "%(name)s is an unverified government: it publishes once it is verified",
                name=profile.name,
            ),
        )


def list_scopes(
    uow: UnitOfWork,
    actor: Principal,
    limit: int,
    offset: int,
    organization_id: int | None = None,
) -> Page[ScopeRead]:
    with uow:
        where = [_visible(actor)]
        if organization_id is not None:
            where.append(Scope.organization_id == organization_id)
        return paginate(uow.session, Scope, where, ScopeRead, limit, offset)


def get_scope(uow: UnitOfWork, actor: Principal, scope_id: int) -> ScopeRead:
    with uow:
        return ScopeRead.model_validate(readable_scope(uow.session, actor, scope_id))


def create_scope(uow: UnitOfWork, actor: Principal, data: ScopeCreate) -> ScopeRead:
    with uow:
        session = uow.session
        if not organization_exists(session, data.organization_id):
            raise InvalidInput.on(
                "organization_id",
                lazy("no organization %(organization_id)s", organization_id=data.organization_id),
            )
        # Publishing is an owner's decision, whether at creation or later.
        publish = data.visibility == Visibility.public
        actor.require(data.organization_id, Role.owner if publish else Role.editor)
        if publish:
            _require_verified_publisher(session, data.organization_id)
        now = clock.now()
        scope = Scope(
            **data.model_dump(mode="json"), status="active", created_at=now, updated_at=now
        )
        session.add(scope)
        session.flush()
        read = ScopeRead.model_validate(scope)
        record_event(session, actor, "scope.created", scope.id, read, scope=scope)
        start_cycle(session, actor, scope)
        uow.commit()
        return read


def update_scope(uow: UnitOfWork, actor: Principal, scope_id: int, data: Input) -> ScopeRead:
    """Editors change what a scope is; only owners publish, archive or reactivate it."""
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        # Changes of one scope take turns, each recording the state it leaves.
        hold(session, scope)
        changes = data.model_dump(exclude_unset=True, mode="json")
        owner_only = {"visibility", "status"} & {
            name for name, value in changes.items() if value != getattr(scope, name)
        }
        actor.require(scope.organization_id, Role.owner if owner_only else Role.editor)
        if "visibility" in owner_only and changes["visibility"] == Visibility.public.value:
            _require_verified_publisher(session, scope.organization_id)
        if scope.status == "archived" and changes.get("status") != "active":
            raise InvalidInput.on(
                "status", lazy("the scope is archived; set status to active first")
            )
        before = ScopeRead.model_validate(scope).model_dump(mode="json")
        for name, value in changes.items():
            setattr(scope, name, value)
        after = ScopeRead.model_validate(scope).model_dump(mode="json")
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return ScopeRead.model_validate(scope)
        scope.updated_at = clock.now()
        session.flush()
        read = ScopeRead.model_validate(scope)
        record_event(
            session,
            actor,
            "scope.updated",
            scope.id,
            {"changed": changed, "after": read.model_dump(mode="json")},
            scope=scope,
        )
        open_framework_changes(session, scope, before["frameworks"])
        uow.commit()
        return read
