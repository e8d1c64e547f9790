"""A consultation from its owner's side: opened with its draft, split into
numbered paragraphs, and its seed statements; its comments and statements
moderated, hidden and never deleted, the reason on the record; the input it
took answered; and closed, the opinion map kept as it stood. Closing a
consultation whose accepted input changed goals opens an outer-loop trigger on
its scope (the inner loop when only measures changed).

Only the owning organization's editors do these. Every write appends its event
to the record in its own transaction.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger
from agilegov.design.service import MEASURE
from agilegov.dialogue.access import managed_consultation
from agilegov.dialogue.models import (
    Comment,
    Consultation,
    OpinionMap,
    Paragraph,
    Response,
    Statement,
)
from agilegov.dialogue.schemas import (
    ConsultationCreate,
    ConsultationRead,
    Moderation,
    ResponseCreate,
    ResponseRead,
)
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import GOAL, goals_in_scope
from agilegov.i18n import lazy
from agilegov.organizations.service import organizations_by_id
from agilegov.record.service import record_event
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion

# ---------------------------------------------------------------- creating and closing


def split_draft(draft: str) -> list[str]:
    """Numbered paragraphs: the draft's blocks separated by blank lines."""
    blocks, current = [], []
    for line in draft.replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _check_new(
    session: Session, scope: Scope, data: ConsultationCreate
) -> tuple[list[Any], list[Any]]:
    if data.closes_at <= data.opens_at:
        raise InvalidInput.on("closes_at", lazy("must be after opens_at"))
    if data.audience == "public" and scope.visibility != "public":
        raise InvalidInput.on("audience", lazy("a public consultation needs a published scope"))
    if data.audience == "invited" and not data.invited_organization_ids:
        raise InvalidInput.on(
            "invited_organization_ids", lazy("an invited consultation invites someone")
        )
    if data.audience == "public" and data.invited_organization_ids:
        raise InvalidInput.on(
            "invited_organization_ids", lazy("only an invited consultation invites")
        )
    goals = goals_in_scope(session, scope.id, data.goal_ids)
    missing = sorted(set(data.goal_ids) - {goal.id for goal in goals})
    if missing:
        raise InvalidInput.on(
            "goal_ids",
            lazy("no goal %(ids)s in this scope", ids=", ".join(map(str, missing))),
        )
    invited = organizations_by_id(session, data.invited_organization_ids)
    missing = sorted(set(data.invited_organization_ids) - {org.id for org in invited})
    if missing:
        raise InvalidInput.on(
            "invited_organization_ids",
            lazy("no organization %(ids)s", ids=", ".join(map(str, missing))),
        )
    if len(split_draft(data.draft)) > 500:
        raise InvalidInput.on("draft", lazy("at most 500 paragraphs"))
    return goals, invited


def create_consultation(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: ConsultationCreate
) -> ConsultationRead:
    with uow:
        session = uow.session
        scope = session.get(Scope, scope_id)
        if scope is None or not actor.can(scope.organization_id, Role.viewer):
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        actor.require(scope.organization_id, Role.editor)
        if scope.status == "archived":
            raise Conflict(lazy("scope %(scope_id)s is archived", scope_id=scope_id))
        goals, invited = _check_new(session, scope, data)
        now = clock.now()
        consultation = Consultation(
            scope_id=scope.id,
            title=data.title,
            subject=data.subject.value,
            summary=data.summary,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            audience=data.audience.value,
            allow_pseudonymous=data.allow_pseudonymous and data.audience == "public",
            source="",
            created_at=now,
            updated_at=now,
            goals=goals,
            invited=invited,
        )
        session.add(consultation)
        session.flush()
        for number, text in enumerate(split_draft(data.draft), start=1):
            session.add(Paragraph(consultation_id=consultation.id, number=number, text=text))
        for text in dict.fromkeys(data.statements):
            session.add(
                Statement(
                    consultation_id=consultation.id, participant_id=None, text=text, created_at=now
                )
            )
        session.flush()
        read = ConsultationRead.model_validate(consultation)
        payload = read.model_dump(mode="json") | {
            "draft": split_draft(data.draft),
            "statements": list(dict.fromkeys(data.statements)),
        }
        record_event(session, actor, "consultation.created", consultation.id, payload, scope=scope)
        uow.commit()
        return read


def _changes_from_responses(session: Session, consultation: Consultation) -> tuple[bool, bool]:
    """Whether accepted (or partly accepted) input changed goals, and measures."""
    kinds = set(
        session.scalars(
            select(Response.change_kind).where(
                Response.consultation_id == consultation.id,
                Response.decision.in_(("accepted", "partly")),
                Response.change_kind.is_not(None),
            )
        )
    )
    return "goal" in kinds, "measure" in kinds


def _closable(
    session: Session, actor: Principal, consultation_id: int
) -> tuple[Consultation, Scope]:
    consultation, scope = managed_consultation(session, actor, consultation_id)
    if consultation.closed_at is not None:
        raise Conflict(
            lazy(
                "consultation %(consultation_id)s is closed already",
                consultation_id=consultation_id,
            )
        )
    return consultation, scope


def check_closable(uow: UnitOfWork, actor: Principal, consultation_id: int) -> None:
    """Refuse as ``close_consultation`` would, changing nothing: before asking."""
    with uow:
        _closable(uow.session, actor, consultation_id)


def close_consultation(
    uow: UnitOfWork,
    actor: Principal,
    consultation_id: int,
    opinion_map: dict[str, Any] | None = None,
) -> ConsultationRead:
    """Close it now (or record the close of one past its date), keeping the
    opinion map as it stands; accepted input that changed goals or measures
    opens a trigger on the scope's cycle."""
    with uow:
        session = uow.session
        consultation, scope = _closable(session, actor, consultation_id)
        now = clock.now()
        consultation.closed_at = min(now, consultation.closes_at)
        consultation.updated_at = now
        session.flush()
        changes_goals, changes_measures = _changes_from_responses(session, consultation)
        payload = {"id": consultation.id, "closed_at": consultation.closed_at.isoformat()}
        record_event(session, actor, "consultation.closed", consultation.id, payload, scope=scope)
        if opinion_map is not None:
            row = OpinionMap(
                consultation_id=consultation.id,
                algorithm_version=opinion_map["algorithm_version"],
                result=opinion_map,
                computed_at=now,
            )
            session.add(row)
            session.flush()
            record_event(
                session,
                actor,
                "opinion_map.recorded",
                consultation.id,
                opinion_map,
                scope=scope,
                subject_type="consultation",
            )
        if changes_goals or changes_measures:
            what = "goals" if changes_goals else "measures"
            open_trigger(
                session,
                actor,
                scope,
                TriggerCreate(
                    kind=TriggerKind.consultation_outcome,
                    cause=f"consultation #{consultation.id} '{consultation.title}' closed; "
                    f"accepted input changed {what}",
                    subject_type="consultation",
                    subject_id=consultation.id,
                    facts={"changes_goals": changes_goals},
                ),
            )
        uow.commit()
        return ConsultationRead.model_validate(consultation)


# ---------------------------------------------------------------- moderation and responses


def _hideable(
    session: Session, actor: Principal, consultation_id: int, kind: str, item_id: int
) -> tuple[Comment | Statement, Scope]:
    model = {"comment": Comment, "statement": Statement}[kind]
    consultation, scope = managed_consultation(session, actor, consultation_id)
    item = session.get(model, item_id)
    if item is None or item.consultation_id != consultation.id:
        raise NotFound(
            lazy(
                "%(kind)s %(item_id)s not found in consultation %(consultation_id)s",
                kind=kind,
                item_id=item_id,
                consultation_id=consultation_id,
            )
        )
    if item.hidden_at is not None:
        raise Conflict(lazy("%(kind)s %(item_id)s is hidden already", kind=kind, item_id=item_id))
    return item, scope


def check_hideable(
    uow: UnitOfWork, actor: Principal, consultation_id: int, kind: str, item_id: int
) -> None:
    """Refuse as ``hide`` would, changing nothing: before asking whether to."""
    with uow:
        _hideable(uow.session, actor, consultation_id, kind, item_id)


def hide(
    uow: UnitOfWork,
    actor: Principal,
    consultation_id: int,
    kind: str,
    item_id: int,
    data: Moderation,
) -> None:
    """Hide a comment or a statement, with the reason on the record; its text
    stays in the database and in the record's earlier entry, never shown again."""
    with uow:
        session = uow.session
        item, scope = _hideable(session, actor, consultation_id, kind, item_id)
        item.hidden_at = clock.now()
        item.hidden_reason = data.reason
        session.flush()
        payload = {"id": item.id, "reason": data.reason, "hidden_at": item.hidden_at.isoformat()}
        record_event(
            session,
            actor,
            f"{kind}.hidden",
            item.id,
            payload,
            scope=scope,
            subject_type=f"consultation_{kind}",
        )
        uow.commit()


def _check_change(session: Session, scope: Scope, data: ResponseCreate) -> None:
    change = data.change
    if change is None:
        return
    if data.decision == "rejected":
        raise InvalidInput.on("change", lazy("a rejected input changed nothing"))
    model = GOAL.model if change.kind == "goal" else MEASURE.model
    entity = session.get(model, change.id)
    version = session.scalar(
        select(EntityVersion.id).where(
            EntityVersion.kind == change.kind,
            EntityVersion.entity_id == change.id,
            EntityVersion.version == change.version,
        )
    )
    if entity is None or entity.scope_id != scope.id or version is None:
        raise InvalidInput.on(
            "change",
            lazy(
                "no version %(version)s of %(kind)s %(change_id)s in this scope",
                version=change.version,
                kind=change.kind,
                change_id=change.id,
            ),
        )


def respond(
    uow: UnitOfWork, actor: Principal, consultation_id: int, data: ResponseCreate
) -> ResponseRead:
    """Answer one input; answering it again replaces the answer (both on the record)."""
    with uow:
        session = uow.session
        consultation, scope = managed_consultation(session, actor, consultation_id)
        model = Comment if data.target_kind == "comment" else Statement
        target = session.get(model, data.target_id)
        if target is None or target.consultation_id != consultation.id:
            raise InvalidInput.on(
                "target_id",
                lazy(
                    "no %(target_kind)s %(target_id)s here",
                    target_kind=data.target_kind,
                    target_id=data.target_id,
                ),
            )
        _check_change(session, scope, data)
        response = session.scalar(
            select(Response).where(
                Response.consultation_id == consultation.id,
                Response.target_kind == data.target_kind,
                Response.target_id == data.target_id,
            )
        )
        action = "updated" if response else "created"
        if response is None:
            response = Response(
                consultation_id=consultation.id,
                target_kind=data.target_kind,
                target_id=data.target_id,
            )
            session.add(response)
        response.decision = data.decision.value
        response.reason = data.reason
        response.change_kind = data.change.kind if data.change else None
        response.change_id = data.change.id if data.change else None
        response.change_version = data.change.version if data.change else None
        response.decided_by = actor.user_id
        response.decided_at = clock.now()
        session.flush()
        read = ResponseRead.model_validate(response)
        record_event(
            session,
            actor,
            f"response.{action}",
            response.id,
            read,
            scope=scope,
            subject_type="consultation_response",
        )
        uow.commit()
        return read
