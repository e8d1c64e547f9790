"""Scopes: registering an innovation to govern, and who can see it."""

from sqlalchemy import false, or_
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.cycle.service import start_cycle
from agilegov.db import hold
from agilegov.errors import InvalidInput
from agilegov.i18n import lazy
from agilegov.library.service import follow, followed_by_scope
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


def scope_read(session: Session, scope: Scope) -> ScopeRead:
    """The scope as the API reads it, with the framework versions it follows."""
    return ScopeRead.model_validate(scope).model_copy(
        update={"frameworks": followed_by_scope(session, [scope.id])[scope.id]}
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
        page = paginate(uow.session, Scope, where, ScopeRead, limit, offset)
        followed = followed_by_scope(uow.session, [scope.id for scope in page.items])
        items = [s.model_copy(update={"frameworks": followed[s.id]}) for s in page.items]
        return page.model_copy(update={"items": items})


def get_scope(uow: UnitOfWork, actor: Principal, scope_id: int) -> ScopeRead:
    with uow:
        return scope_read(uow.session, readable_scope(uow.session, actor, scope_id))


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
            **data.model_dump(mode="json", exclude={"frameworks"}),
            status="active",
            created_at=now,
            updated_at=now,
        )
        session.add(scope)
        session.flush()
        follow(session, actor, scope, data.frameworks, recorded=False)
        read = scope_read(session, scope)
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
            name for name, value in changes.items() if value != getattr(scope, name, None)
        }
        actor.require(scope.organization_id, Role.owner if owner_only else Role.editor)
        if "visibility" in owner_only and changes["visibility"] == Visibility.public.value:
            _require_verified_publisher(session, scope.organization_id)
        if scope.status == "archived" and changes.get("status") != "active":
            raise InvalidInput.on(
                "status", lazy("the scope is archived; set status to active first")
            )
        before = scope_read(session, scope).model_dump(mode="json")
        frameworks = changes.pop("frameworks", None)
        for name, value in changes.items():
            setattr(scope, name, value)
        if frameworks is not None:
            follow(session, actor, scope, frameworks)
        after = scope_read(session, scope).model_dump(mode="json")
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return scope_read(session, scope)
        scope.updated_at = clock.now()
        session.flush()
        read = scope_read(session, scope)
        record_event(
            session,
            actor,
            "scope.updated",
            scope.id,
            {"changed": changed, "after": read.model_dump(mode="json")},
            scope=scope,
        )
        uow.commit()
        return read
