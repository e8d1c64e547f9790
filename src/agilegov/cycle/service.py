"""The cycle engine: moves each scope's double loop and keeps its history.

People open triggers with ``raise_trigger``; other parts open theirs with
``open_trigger`` in their own transactions (monitoring breaches, incidents,
consultation outcomes, commons signals); ``tick`` opens triggers for review-by dates that have
passed.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov import clock, part
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import (
    NAMES_REGISTER,
    OPENED_BY_PARTS,
    CycleFacts,
    Loop,
    Stage,
    TransitionRefused,
    TriggerKind,
    UnknownLoop,
    check_transition,
    loop_for,
)
from agilegov.cycle.schemas import (
    CycleRead,
    HistoryEntry,
    ReviewCreate,
    ReviewRead,
    TransitionCreate,
    TransitionRead,
    TriggerCreate,
    TriggerRead,
)
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.paging import page_of, paginate
from agilegov.record.service import record_event
from agilegov.schemas import Page
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion

RECENT_HISTORY = 20


def start_cycle(session: Session, actor: Principal, scope: Scope) -> Cycle:
    """Every new scope starts its cycle at analysis."""
    now = clock.now()
    cycle = Cycle(
        scope_id=scope.id,
        stage=Stage.analysis.value,
        inner_iterations=0,
        outer_iterations=0,
        visit=1,
        stage_entered_at=now,
    )
    session.add(cycle)
    transition = Transition(
        scope_id=scope.id,
        from_stage=None,
        to_stage=Stage.analysis.value,
        loop=None,
        reason="cycle started",
        actor_id=actor.user_id,
        time=now,
    )
    session.add(transition)
    session.flush()
    read = TransitionRead.model_validate(transition)
    record_event(session, actor, "transition.created", transition.id, read, scope=scope)
    return cycle


def _cycle(session: Session, scope: Scope) -> Cycle:
    cycle = session.get(Cycle, scope.id, with_for_update=True)
    assert cycle is not None, "every scope has a cycle"
    return cycle


def _open_triggers(session: Session, scope_id: int) -> list[Trigger]:
    return list(
        session.scalars(
            select(Trigger)
            .where(Trigger.scope_id == scope_id, Trigger.status == "open")
            .order_by(Trigger.id)
        )
    )


def _facts(session: Session, cycle: Cycle) -> CycleFacts:
    """What the guards need, in one statement: each part's facts about the scope
    (counts it declares), and whether this evaluation visit has its review."""
    scope_id = cycle.scope_id
    facts = part.cycle_facts()
    reviewed = (
        select(func.count())
        .where(
            Review.scope_id == scope_id,
            Review.stage == Stage.evaluation.value,
            Review.visit == cycle.visit,
        )
        .scalar_subquery()
    )
    row = session.execute(
        select(
            reviewed.label("reviewed"),
            *(fact(scope_id).scalar_subquery().label(name) for name, fact in facts.items()),
        )
    ).one()
    open_triggers = _open_triggers(session, scope_id)
    latest = session.scalars(
        select(Review.risks)
        .where(Review.scope_id == scope_id, Review.visit == cycle.visit)
        .order_by(Review.id.desc())
        .limit(1)
    ).first()
    return CycleFacts(
        **{name: row._mapping[name] or 0 for name in facts},
        evaluation_reviewed=bool(row.reviewed) and cycle.stage == Stage.evaluation,
        open_triggers=tuple((t.id, Loop(t.loop)) for t in open_triggers),
        register_triggers=tuple(t.id for t in open_triggers if t.kind in NAMES_REGISTER),
        register_reviewed=bool(latest),
    )


def _move(
    session: Session,
    actor: Principal,
    scope: Scope,
    cycle: Cycle,
    target: Stage,
    reason: str,
    trigger_id: int | None = None,
) -> Transition:
    current = Stage(cycle.stage)
    try:
        loop = check_transition(current, target, _facts(session, cycle))
    except TransitionRefused as refused:
        raise InvalidInput.on("to", refused.reason) from None
    review_id = None
    if current is Stage.evaluation:
        review = session.scalars(
            select(Review)
            .where(Review.scope_id == scope.id, Review.visit == cycle.visit)
            .order_by(Review.id.desc())
        ).first()
        assert review is not None  # the guard required it
        review_id = review.id
        for trigger in _open_triggers(session, scope.id):
            _resolve(session, actor, scope, trigger, review)
    now = clock.now()
    cycle.stage = target.value
    cycle.visit += 1
    cycle.stage_entered_at = now
    if loop is Loop.inner:
        cycle.inner_iterations += 1
    elif loop is Loop.outer:
        cycle.outer_iterations += 1
    transition = Transition(
        scope_id=scope.id,
        from_stage=current.value,
        to_stage=target.value,
        loop=loop.value if loop else None,
        reason=reason,
        trigger_id=trigger_id,
        review_id=review_id,
        actor_id=actor.user_id,
        time=now,
    )
    session.add(transition)
    session.flush()
    read = TransitionRead.model_validate(transition)
    record_event(session, actor, "transition.created", transition.id, read, scope=scope)
    return transition


def _resolve(
    session: Session, actor: Principal, scope: Scope, trigger: Trigger, review: Review
) -> None:
    trigger.status = "resolved"
    trigger.resolved_at = clock.now()
    trigger.resolved_by_review_id = review.id
    session.flush()
    read = TriggerRead.model_validate(trigger)
    record_event(session, actor, "trigger.resolved", trigger.id, read, scope=scope)


def _cycle_read(session: Session, scope: Scope, cycle: Cycle) -> CycleRead:
    return CycleRead(
        scope_id=scope.id,
        stage=Stage(cycle.stage),
        inner_iterations=cycle.inner_iterations,
        outer_iterations=cycle.outer_iterations,
        visit=cycle.visit,
        stage_entered_at=cycle.stage_entered_at,
        open_triggers=[TriggerRead.model_validate(t) for t in _open_triggers(session, scope.id)],
        recent_history=_history(session, scope.id)[:RECENT_HISTORY],
    )


def get_cycle(uow: UnitOfWork, actor: Principal, scope_id: int) -> CycleRead:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        cycle = uow.session.get(Cycle, scope.id)
        assert cycle is not None
        return _cycle_read(uow.session, scope, cycle)


def advance(uow: UnitOfWork, actor: Principal, scope_id: int, data: TransitionCreate) -> CycleRead:
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        cycle = _cycle(session, scope)
        _move(session, actor, scope, cycle, data.to, data.reason)
        uow.commit()
        return _cycle_read(session, scope, cycle)


def _check_subject(session: Session, scope: Scope, data: TriggerCreate) -> None:
    if (data.subject_type is None) != (data.subject_id is None):
        raise InvalidInput.on("subject_id", lazy("subject_type and subject_id go together"))
    if data.subject_type is None:
        return
    # What a trigger can be about: an entity of the scope, of a kind a part owns.
    subjects = part.trigger_subjects()
    model = subjects.get(data.subject_type)
    if model is None:
        raise InvalidInput.on(
            "subject_type",
            lazy("must be one of %(subjects)s", subjects=", ".join(sorted(subjects))),
        )
    subject: Any = session.get(model, data.subject_id)
    if subject is None or subject.scope_id != scope.id:
        raise InvalidInput.on(
            "subject_id",
            lazy(
                "no %(subject_type)s %(subject_id)s in this scope",
                subject_type=data.subject_type,
                subject_id=data.subject_id,
            ),
        )


def open_trigger(
    session: Session,
    actor: Principal,
    scope: Scope,
    data: TriggerCreate,
) -> Trigger:
    """Open a trigger inside a running transaction.

    The same open trigger (kind and subject) is not opened twice. A trigger
    that arrives while the scope is in operation starts its evaluation.
    """
    try:
        loop = loop_for(data.kind, data.facts)
    except UnknownLoop as problem:
        raise InvalidInput.on("facts.loop", problem.args[0]) from None
    _check_subject(session, scope, data)
    # Held before looking for the same trigger, so that two opening it at once
    # (a change and a periodic check, or two server processes) open it once.
    cycle = _cycle(session, scope)
    if data.subject_type is not None:
        existing = session.scalars(
            select(Trigger).where(
                Trigger.scope_id == scope.id,
                Trigger.status == "open",
                Trigger.kind == data.kind.value,
                Trigger.subject_type == data.subject_type,
                Trigger.subject_id == data.subject_id,
            )
        ).first()
        if existing is not None:
            return existing
    trigger = Trigger(
        scope_id=scope.id,
        kind=data.kind.value,
        loop=loop.value,
        cause=data.cause,
        subject_type=data.subject_type,
        subject_id=data.subject_id,
        facts=data.facts,
        opened_at=clock.now(),
        opened_by=actor.user_id,
        status="open",
    )
    session.add(trigger)
    session.flush()
    read = TriggerRead.model_validate(trigger)
    record_event(session, actor, "trigger.opened", trigger.id, read, scope=scope)
    if cycle.stage == Stage.operation:
        _move(session, actor, scope, cycle, Stage.evaluation, f"trigger #{trigger.id}", trigger.id)
    return trigger


def raise_trigger(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: TriggerCreate
) -> TriggerRead:
    """The entry point for people: a kind that opens by what happened (an
    incident, a commons signal) is refused here."""
    if data.kind in OPENED_BY_PARTS:
        raise InvalidInput.on(
            "kind",
            lazy(
                "a trigger of kind %(kind)s is not opened by hand; it opens from %(where)s",
                kind=data.kind.value,
                where=OPENED_BY_PARTS[data.kind],
            ),
        )
    with uow:
        scope = writable_scope(uow.session, actor, scope_id, Role.editor)
        trigger = open_trigger(uow.session, actor, scope, data)
        uow.commit()
        return TriggerRead.model_validate(trigger)


def _check_changes(session: Session, scope: Scope, data: ReviewCreate) -> None:
    for index, change in enumerate(data.changes):
        version = session.scalar(
            select(EntityVersion.id).where(
                EntityVersion.kind == change.kind,
                EntityVersion.entity_id == change.id,
                EntityVersion.version == change.version,
            )
        )
        entity = session.get(part.trigger_subjects()[change.kind], change.id)
        if version is None or entity is None or entity.scope_id != scope.id:
            raise InvalidInput.on(
                f"changes[{index}]",
                lazy(
                    "no version %(version)s of %(kind)s %(change_id)s in this scope",
                    version=change.version,
                    kind=change.kind,
                    change_id=change.id,
                ),
            )


def _check_risks(session: Session, scope: Scope, risk_ids: list[int]) -> None:
    model = part.trigger_subjects()["risk"]
    for index, risk_id in enumerate(risk_ids):
        risk = session.get(model, risk_id)
        if risk is None or risk.scope_id != scope.id:
            raise InvalidInput.on(
                f"risks[{index}]", lazy("no risk %(risk_id)s in this scope", risk_id=risk_id)
            )


def record_review(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: ReviewCreate
) -> ReviewRead:
    with uow:
        scope = writable_scope(uow.session, actor, scope_id, Role.reviewer)
        read = ReviewRead.model_validate(review_in(uow.session, actor, scope, data))
        uow.commit()
        return read


def review_in(session: Session, actor: Principal, scope: Scope, data: ReviewCreate) -> Review:
    """Record a review of ``scope`` and settle the triggers it resolves, in the
    caller's transaction (a part settling its own trigger, as a commons signal
    dismissed with its reason)."""
    cycle = _cycle(session, scope)
    _check_changes(session, scope, data)
    _check_risks(session, scope, data.risks)
    open_by_id = {t.id: t for t in _open_triggers(session, scope.id)}
    for trigger_id in data.resolves:
        if trigger_id not in open_by_id:
            raise InvalidInput.on(
                "resolves",
                lazy("trigger %(trigger_id)s is not open here", trigger_id=trigger_id),
            )
        if open_by_id[trigger_id].kind in NAMES_REGISTER and not data.risks:
            raise InvalidInput.on(
                "risks",
                lazy(
                    "trigger %(trigger_id)s is an incident: name the risks of the register "
                    "that were added or changed",
                    trigger_id=trigger_id,
                ),
            )
    review = Review(
        scope_id=scope.id,
        stage=cycle.stage,
        visit=cycle.visit,
        summary=data.summary,
        decisions=data.decisions,
        evidence=data.evidence,
        changes=[change.model_dump() for change in data.changes],
        risks=list(dict.fromkeys(data.risks)),
        decided_by=actor.user_id,
        decided_at=clock.now(),
    )
    session.add(review)
    session.flush()
    read = ReviewRead.model_validate(review)
    record_event(session, actor, "review.created", review.id, read, scope=scope)
    for trigger_id in dict.fromkeys(data.resolves):
        _resolve(session, actor, scope, open_by_id[trigger_id], review)
    return review


def review_decided_at(session: Session, scope_id: int, review_id: int) -> datetime | None:
    """When a review of the scope was decided, or None if it has no such review."""
    return session.scalar(
        select(Review.decided_at).where(Review.id == review_id, Review.scope_id == scope_id)
    )


def list_reviews(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[ReviewRead]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        where = [Review.scope_id == scope.id]
        return paginate(uow.session, Review, where, ReviewRead, limit, offset)


def get_review(uow: UnitOfWork, actor: Principal, scope_id: int, review_id: int) -> ReviewRead:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        review = uow.session.get(Review, review_id)
        if review is None or review.scope_id != scope.id:
            raise NotFound(
                lazy(
                    "review %(review_id)s not found in scope %(scope_id)s",
                    review_id=review_id,
                    scope_id=scope.id,
                )
            )
        return ReviewRead.model_validate(review)


def scope_review(session: Session, scope_id: int, review_id: int) -> ReviewRead | None:
    """One review of the scope, as the API reads it (for another part's disclosure)."""
    review = session.get(Review, review_id)
    if review is None or review.scope_id != scope_id:
        return None
    return ReviewRead.model_validate(review)


def recent_reviews(session: Session, scope_id: int, limit: int) -> list[ReviewRead]:
    """The scope's latest reviews, newest first."""
    rows = session.scalars(
        select(Review).where(Review.scope_id == scope_id).order_by(Review.id.desc()).limit(limit)
    )
    return [ReviewRead.model_validate(row) for row in rows]


def list_triggers(
    uow: UnitOfWork,
    actor: Principal,
    scope_id: int,
    limit: int,
    offset: int,
    status: str | None = None,
) -> Page[TriggerRead]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        where = [Trigger.scope_id == scope.id]
        if status is not None:
            where.append(Trigger.status == status)
        return paginate(uow.session, Trigger, where, TriggerRead, limit, offset)


def list_transitions(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[TransitionRead]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        where = [Transition.scope_id == scope.id]
        return paginate(uow.session, Transition, where, TransitionRead, limit, offset)


def _history(session: Session, scope_id: int) -> list[HistoryEntry]:
    """Transitions, triggers and reviews of a scope, newest first."""
    entries: list[HistoryEntry] = []
    for t in session.scalars(select(Transition).where(Transition.scope_id == scope_id)):
        loop = f" ({t.loop} loop)" if t.loop else ""
        origin = f"{t.from_stage} → " if t.from_stage else ""
        entries.append(
            HistoryEntry(
                time=t.time,
                kind="transition",
                id=t.id,
                text=f"{origin}{t.to_stage}{loop}: {t.reason}".rstrip(": "),
            )
        )
    for trigger in session.scalars(select(Trigger).where(Trigger.scope_id == scope_id)):
        entries.append(
            HistoryEntry(
                time=trigger.opened_at,
                kind="trigger_opened",
                id=trigger.id,
                text=f"{trigger.kind} ({trigger.loop} loop): {trigger.cause}",
            )
        )
        if trigger.resolved_at is not None:
            entries.append(
                HistoryEntry(
                    time=trigger.resolved_at,
                    kind="trigger_resolved",
                    id=trigger.id,
                    text=f"{trigger.kind} resolved by review #{trigger.resolved_by_review_id}",
                )
            )
    for review in session.scalars(select(Review).where(Review.scope_id == scope_id)):
        entries.append(
            HistoryEntry(
                time=review.decided_at,
                kind="review",
                id=review.id,
                text=f"review at {review.stage}: {review.summary}",
            )
        )
    order = {"trigger_opened": 0, "review": 1, "trigger_resolved": 2, "transition": 3}
    entries.sort(key=lambda e: (e.time, order[e.kind], e.id), reverse=True)
    return entries


def history(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[HistoryEntry]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return page_of(_history(uow.session, scope.id), limit, offset)


def _due_review_triggers(session: Session, scope: Scope, today: date) -> list[TriggerCreate]:
    earlier = list(
        session.scalars(
            select(Trigger).where(
                Trigger.scope_id == scope.id,
                Trigger.kind.in_(
                    [TriggerKind.condition_review_due.value, TriggerKind.goal_review_due.value]
                ),
            )
        )
    )
    seen = {(t.kind, t.subject_id, t.facts.get("review_by")) for t in earlier}
    # A subject whose review is still open is not due again (even if its date
    # moved meanwhile): open_trigger would only hand back the open trigger.
    pending = {(t.kind, t.subject_id) for t in earlier if t.status == "open"}
    due: list[TriggerCreate] = []
    for dates in part.review_dates():
        model = dates.model
        rows = session.scalars(
            select(model)
            .where(model.scope_id == scope.id, model.review_by < today, *dates.where)
            .order_by(model.id)
        )
        for row in rows:
            key = (dates.trigger_kind, row.id, row.review_by.isoformat())
            if key not in seen and key[:2] not in pending:
                due.append(
                    TriggerCreate(
                        kind=TriggerKind(dates.trigger_kind),
                        cause=f"{dates.subject} '{row.title}' was due for review "
                        f"on {row.review_by}",
                        subject_type=dates.subject,
                        subject_id=row.id,
                        facts={"review_by": row.review_by.isoformat()},
                    )
                )
    return due


def tick(uow: UnitOfWork, today: date | None = None) -> list[TriggerRead]:
    """Open a trigger for every review-by date that has passed, once per date."""
    today = today or clock.now().date()
    opened: list[TriggerRead] = []
    with uow:
        session = uow.session
        scopes = session.scalars(select(Scope).where(Scope.status == "active").order_by(Scope.id))
        for scope in list(scopes):
            for data in _due_review_triggers(session, scope, today):
                opened.append(
                    TriggerRead.model_validate(open_trigger(session, SYSTEM, scope, data))
                )
        uow.commit()
    return opened


# ---------------------------------------------------------------- reads for the pages


def scopes_with_cycles(session: Session, *where: Any) -> list[tuple[Scope, Cycle]]:
    """The scopes matching ``where``, each with its cycle, by organization then name
    (one query)."""
    rows = session.execute(
        select(Scope, Cycle)
        .join(Cycle, Cycle.scope_id == Scope.id)
        .where(*where)
        .order_by(Scope.organization_id, Scope.name)
    )
    return [(scope, cycle) for scope, cycle in rows]


def open_triggers_of(session: Session, scope_ids: Collection[int]) -> list[Trigger]:
    """The open triggers of the scopes, newest first (one query)."""
    return list(
        session.scalars(
            select(Trigger)
            .where(Trigger.scope_id.in_(scope_ids), Trigger.status == "open")
            .order_by(Trigger.opened_at.desc(), Trigger.id.desc())
        )
    )


def open_trigger_counts(session: Session) -> dict[str, int]:
    """How many triggers are open across the site, by loop (inner, outer; one query)."""
    counts = dict.fromkeys([loop.value for loop in Loop], 0)
    rows = session.execute(
        select(Trigger.loop, func.count()).where(Trigger.status == "open").group_by(Trigger.loop)
    )
    counts.update({loop: count for loop, count in rows})
    return counts


@dataclass(frozen=True)
class ReviewDue:
    """An entity whose review-by date has passed or is near."""

    subject: str
    id: int
    title: str
    scope_id: int
    review_by: date


def reviews_due(session: Session, scope_ids: Collection[int], until: date) -> list[ReviewDue]:
    """What the scopes hold that is due for review by ``until``, soonest first (one
    query for each kind that carries a review-by date)."""
    due: list[ReviewDue] = []
    for dates in part.review_dates():
        model = dates.model
        rows = session.execute(
            select(model.id, model.title, model.scope_id, model.review_by).where(
                model.scope_id.in_(scope_ids), model.review_by <= until, *dates.where
            )
        )
        due += [ReviewDue(dates.subject, *row) for row in rows]
    return sorted(due, key=lambda review: (review.review_by, review.subject, review.id))


def reviews_between(
    session: Session, scope_id: int, start: datetime, end: datetime
) -> list[Review]:
    """The scope's reviews decided at or after ``start`` and before ``end``,
    oldest first (one query)."""
    return list(
        session.scalars(
            select(Review)
            .where(Review.scope_id == scope_id, Review.decided_at >= start, Review.decided_at < end)
            .order_by(Review.decided_at, Review.id)
        )
    )


def trigger_statuses(session: Session, trigger_ids: Collection[int]) -> dict[int, str]:
    """Whether each trigger is open or resolved, by id (one query)."""
    if not trigger_ids:
        return {}
    return dict(
        session.execute(select(Trigger.id, Trigger.status).where(Trigger.id.in_(trigger_ids))).all()
    )


def transitions_between(
    session: Session, scope_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The scope's moves in ``[since, until)``, for reports."""
    rows = session.scalars(
        select(Transition)
        .where(Transition.scope_id == scope_id, Transition.time >= since, Transition.time < until)
        .order_by(Transition.time, Transition.id)
    )
    return [
        {
            "id": row.id,
            "from_stage": row.from_stage,
            "to_stage": row.to_stage,
            "loop": row.loop,
            "at": row.time.isoformat(),
        }
        for row in rows
    ]
