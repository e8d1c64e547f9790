"""Who may see and who may run a consultation, shared by the modules that read
and write consultations.

Anyone may read a public consultation of a published scope; members of the
invited organizations may read an invited one; the owning organization's
members may read both, and its editors run them. To anyone else a consultation
does not exist.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from agilegov.auth import Principal, Role
from agilegov.dialogue.models import Consultation
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.tenancy import Scope


@dataclass(frozen=True)
class Voice:
    """Who speaks: the caller, and the pseudonym secret their browser holds, if any."""

    actor: Principal
    secret: str | None = None


def _get(session: Session, consultation_id: int) -> tuple[Consultation, Scope]:
    consultation = session.get(Consultation, consultation_id)
    scope = session.get(Scope, consultation.scope_id) if consultation else None
    if consultation is None or scope is None:
        raise NotFound(
            lazy("consultation %(consultation_id)s not found", consultation_id=consultation_id)
        )
    return consultation, scope


def invited_member(actor: Principal, consultation: Consultation) -> bool:
    return any(
        actor.can(organization_id, Role.viewer)
        for organization_id in consultation.invited_organization_ids
    )


def may_read(actor: Principal, consultation: Consultation, scope: Scope) -> bool:
    return (
        (consultation.audience == "public" and scope.visibility == "public")
        or actor.can(scope.organization_id, Role.viewer)
        or invited_member(actor, consultation)
    )


def readable_consultation(
    session: Session, actor: Principal, consultation_id: int
) -> tuple[Consultation, Scope]:
    consultation, scope = _get(session, consultation_id)
    if not may_read(actor, consultation, scope):
        raise NotFound(
            lazy("consultation %(consultation_id)s not found", consultation_id=consultation_id)
        )
    return consultation, scope


def managed_consultation(
    session: Session, actor: Principal, consultation_id: int
) -> tuple[Consultation, Scope]:
    """A consultation the caller may run: an editor of the owning organization."""
    consultation, scope = readable_consultation(session, actor, consultation_id)
    actor.require(scope.organization_id, Role.editor)
    return consultation, scope
