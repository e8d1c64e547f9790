"""A scope's whole governance as one JSON document, and back: the scope itself,
then each installed part's section (see ``agilegov.exchange``). Goals that
derive from another organization's goal keep that goal's id, which must exist
where the document is imported. Who did what is left out: the record keeps it.
"""

import hashlib
import json
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, create_model
from sqlalchemy.orm import Session

from agilegov import clock, part
from agilegov.auth import Principal, Role
from agilegov.errors import Forbidden, InvalidInput, Unauthenticated
from agilegov.exchange import Importer, Refs, Section
from agilegov.i18n import lazy
from agilegov.library.service import follow
from agilegov.organizations.service import organization_exists
from agilegov.record.service import record_event
from agilegov.schemas import Input, Name, StoredDatetime
from agilegov.scopes.schemas import FrameworkRef, ScopeKind, ScopeRead, ScopeStatus, Visibility
from agilegov.scopes.service import scope_read
from agilegov.tenancy import Scope, readable_scope
from agilegov.uow import UnitOfWork

FORMAT = "agilegov.scope/1"


class ScopeFields(Input):
    name: Name
    kind: ScopeKind
    description: str = ""
    visibility: Visibility = Visibility.private
    status: ScopeStatus = ScopeStatus.active
    # The framework versions it follows: the library where it is imported must hold them.
    frameworks: list[FrameworkRef] = Field(default_factory=list)
    created_at: StoredDatetime
    updated_at: StoredDatetime


def sections() -> list[Section]:
    return [section for installed in part.installed() for section in installed.exchange]


class _Document(BaseModel):
    model_config = {"extra": "forbid"}

    format: str = Field(pattern=f"^{FORMAT}$")
    scope: ScopeFields


@cache
def document_model() -> type[BaseModel]:
    """The exchange document's shape: the scope and every section's keys. Entity
    sections are checked against each kind's own create shape when imported,
    with their place in the document named."""
    fields = {name: spec for section in sections() for name, spec in section.fields.items()}
    return create_model("ScopeDocument", __base__=_Document, **fields)  # type: ignore[call-overload]


def export_document(session: Any, scope: Scope) -> dict[str, Any]:
    read = scope_read(session, scope).model_dump(mode="json")
    document: dict[str, Any] = {
        "format": FORMAT,
        "scope": {k: read[k] for k in ScopeFields.model_fields},
    }
    refs = Refs()
    for section in sections():
        document.update(section.export(session, scope, refs))
    return document


def export_scope(uow: UnitOfWork, actor: Principal, scope_id: int) -> dict[str, Any]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return export_document(uow.session, scope)


def _check_import(session: Session, actor: Principal, organization_id: int) -> None:
    if not actor.authenticated:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    if not organization_exists(session, organization_id):
        raise InvalidInput.on(
            "organization_id",
            lazy("no organization %(organization_id)s", organization_id=organization_id),
        )
    actor.require(organization_id, Role.editor)


def check_import(uow: UnitOfWork, actor: Principal, organization_id: int) -> None:
    """Refuse a caller who may not import a scope for the organization, before
    the document is read."""
    with uow:
        _check_import(uow.session, actor, organization_id)


def import_scope(
    uow: UnitOfWork, actor: Principal, organization_id: int, document: Any
) -> ScopeRead:
    """Create a new scope of ``organization_id`` from a document, all or nothing."""
    with uow:
        session = uow.session
        _check_import(session, actor, organization_id)
        fields = document.scope
        if fields.visibility == Visibility.public and not actor.can(organization_id, Role.owner):
            raise Forbidden(lazy("only an owner can import a public scope (scope.visibility)"))
        scope = Scope(
            organization_id=organization_id,
            **fields.model_dump(mode="json", exclude={"created_at", "updated_at", "frameworks"}),
            created_at=fields.created_at,
            updated_at=fields.updated_at,
        )
        session.add(scope)
        session.flush()
        follow(session, actor, scope, fields.frameworks, "scope.frameworks", recorded=False)
        importer = Importer(session, actor, scope)
        for section in sections():
            section.load(importer, document)
        read = scope_read(session, scope)
        body = document.model_dump(mode="json")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        record_event(
            session,
            actor,
            "scope.imported",
            scope.id,
            {
                "scope": read.model_dump(mode="json"),
                "document_sha256": hashlib.sha256(canonical).hexdigest(),
                "counts": {k: len(v) for k, v in body.items() if isinstance(v, list)},
                "imported_at": clock.now().isoformat(),
            },
            scope=scope,
        )
        uow.commit()
        return read
