"""The tenancy every part stands on: the scope (the innovation being governed,
owned by one organization) and who may read or change it and everything under it.

The scopes part registers and changes scopes through its service; this module
holds only the table and the access rules, so that toolkits (the record, the
scoped-entity kit, the pages) can check access without importing a part.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from agilegov.auth import Principal, Role
from agilegov.db import Base, UTCDateTime
from agilegov.errors import Conflict, NotFound
from agilegov.i18n import lazy


class Scope(Base):
    __tablename__ = "scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def readable_scope(session: Session, actor: Principal, scope_id: int) -> Scope:
    """A published scope is readable by anyone; a private one only by its
    organization's members. To others it does not exist."""
    scope = session.get(Scope, scope_id)
    if scope is None or not (
        scope.visibility == "public" or actor.can(scope.organization_id, Role.viewer)
    ):
        raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
    return scope


def writable_scope(
    session: Session, actor: Principal, scope_id: int, minimum: Role = Role.editor
) -> Scope:
    scope = readable_scope(session, actor, scope_id)
    actor.require(scope.organization_id, minimum)
    if scope.status == "archived":
        raise Conflict(
            lazy("scope %(scope_id)s is archived; reactivate it to change it", scope_id=scope_id)
        )
    return scope
