"""Who may read or change a scope and everything under it."""

from sqlalchemy.orm import Session

from agilegov.auth import Principal, Role
from agilegov.errors import Conflict, NotFound
from agilegov.scopes.models import Scope


def readable_scope(session: Session, actor: Principal, scope_id: int) -> Scope:
    """A published scope is readable by anyone; a private one only by its
    organization's members. To others it does not exist."""
    scope = session.get(Scope, scope_id)
    if scope is None or not (
        scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
    ):
        raise NotFound(f"scope {scope_id} not found")
    return scope


def writable_scope(
    session: Session, actor: Principal, scope_id: int, minimum: Role = Role.editor
) -> Scope:
    scope = readable_scope(session, actor, scope_id)
    actor.require(scope.organization_id, minimum)
    if scope.status == "archived":
        raise Conflict(f"scope {scope_id} is archived; reactivate it to change it")
    return scope
