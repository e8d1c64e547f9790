"""The cycle's section of a scope's exchange document: where the cycle stands,
its triggers, reviews and moves. It comes after every other part's section: a
trigger names an entity of any of them, a review the versions it changed."""

from typing import Any

from pydantic import Field
from sqlalchemy import select

from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import Loop, Stage, TriggerKind
from agilegov.cycle.schemas import TriggerStatus
from agilegov.errors import InvalidInput
from agilegov.exchange import Importer, Refs, Section, iso
from agilegov.i18n import lazy
from agilegov.schemas import Input, StoredDatetime
from agilegov.tenancy import Scope


class CycleFields(Input):
    stage: Stage
    inner_iterations: int = Field(ge=0)
    outer_iterations: int = Field(ge=0)
    visit: int = Field(ge=1)
    stage_entered_at: StoredDatetime


class TriggerFields(Input):
    ref: str
    kind: TriggerKind
    loop: Loop
    cause: str = Field(min_length=1)
    subject_type: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$")
    subject: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    opened_at: StoredDatetime
    status: TriggerStatus
    resolved_at: StoredDatetime | None = None
    resolved_by_review: str | None = None


class ChangeFields(Input):
    kind: str = Field(pattern="^(goal|measure)$")
    ref: str
    version: int = Field(ge=1)


class ReviewFields(Input):
    ref: str
    stage: Stage
    visit: int = Field(ge=1)
    summary: str = Field(min_length=1)
    decisions: list[str] = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)
    changes: list[ChangeFields] = Field(default_factory=list)
    decided_at: StoredDatetime


class TransitionFields(Input):
    from_stage: Stage | None
    to_stage: Stage
    loop: Loop | None
    reason: str = ""
    trigger: str | None = None
    review: str | None = None
    time: StoredDatetime


def _export(session: Any, scope: Scope, refs: Refs) -> dict[str, Any]:
    triggers = list(
        session.scalars(select(Trigger).where(Trigger.scope_id == scope.id).order_by(Trigger.id))
    )
    reviews = list(
        session.scalars(select(Review).where(Review.scope_id == scope.id).order_by(Review.id))
    )
    refs.number("trigger", [t.id for t in triggers])
    refs.number("review", [r.id for r in reviews])
    subject_kinds = set(refs.kinds.values())
    cycle = session.get(Cycle, scope.id)
    document: dict[str, Any] = {
        "cycle": {
            "stage": cycle.stage,
            "inner_iterations": cycle.inner_iterations,
            "outer_iterations": cycle.outer_iterations,
            "visit": cycle.visit,
            "stage_entered_at": iso(cycle.stage_entered_at),
        }
    }
    document["triggers"] = [
        {
            "ref": refs.of("trigger", t.id),
            "kind": t.kind,
            "loop": t.loop,
            "cause": t.cause,
            "subject_type": t.subject_type,
            "subject": refs.of(t.subject_type, t.subject_id)
            if t.subject_type in subject_kinds
            else None,
            "facts": t.facts,
            "opened_at": iso(t.opened_at),
            "status": t.status,
            "resolved_at": iso(t.resolved_at),
            "resolved_by_review": refs.of("review", t.resolved_by_review_id),
        }
        for t in triggers
    ]
    document["reviews"] = [
        {
            "ref": refs.of("review", r.id),
            "stage": r.stage,
            "visit": r.visit,
            "summary": r.summary,
            "decisions": r.decisions,
            "evidence": r.evidence,
            "changes": [
                {"kind": c["kind"], "ref": refs.of(c["kind"], c["id"]), "version": c["version"]}
                for c in r.changes
            ],
            "decided_at": iso(r.decided_at),
        }
        for r in reviews
    ]
    document["transitions"] = [
        {
            "from_stage": t.from_stage,
            "to_stage": t.to_stage,
            "loop": t.loop,
            "reason": t.reason,
            "trigger": refs.of("trigger", t.trigger_id),
            "review": refs.of("review", t.review_id),
            "time": iso(t.time),
        }
        for t in session.scalars(
            select(Transition).where(Transition.scope_id == scope.id).order_by(Transition.id)
        )
    ]
    return document


def _load(importer: Importer, document: Any) -> None:
    session, scope = importer.session, importer.scope
    session.add(Cycle(scope_id=scope.id, **document.cycle.model_dump()))
    subject_kinds = set(importer.kinds.values())
    for index, r in enumerate(document.reviews):
        path = f"reviews[{index}]"
        changes = [
            {
                "kind": c.kind,
                "id": importer.resolve(f"{path}.changes[{n}].ref", c.ref, c.kind),
                "version": c.version,
            }
            for n, c in enumerate(r.changes)
        ]
        review = Review(
            scope_id=scope.id,
            stage=r.stage.value,
            visit=r.visit,
            summary=r.summary,
            decisions=r.decisions,
            evidence=r.evidence,
            changes=changes,
            decided_by=None,
            decided_at=r.decided_at,
        )
        session.add(review)
        session.flush()
        importer.remember(path, r.ref, review.id)
    for index, t in enumerate(document.triggers):
        path = f"triggers[{index}]"
        subject_id = None
        if t.subject is not None:
            if t.subject_type not in subject_kinds:
                raise InvalidInput.on(f"{path}.subject_type", lazy("names no kind in the document"))
            subject_id = importer.resolve(f"{path}.subject", t.subject, t.subject_type)
        resolved_by = (
            importer.resolve(f"{path}.resolved_by_review", t.resolved_by_review, "review")
            if t.resolved_by_review
            else None
        )
        trigger = Trigger(
            scope_id=scope.id,
            kind=t.kind.value,
            loop=t.loop.value,
            cause=t.cause,
            subject_type=t.subject_type,
            subject_id=subject_id,
            facts=t.facts,
            opened_at=t.opened_at,
            opened_by=None,
            status=t.status.value,
            resolved_at=t.resolved_at,
            resolved_by_review_id=resolved_by,
        )
        session.add(trigger)
        session.flush()
        importer.remember(path, t.ref, trigger.id)
    for index, t in enumerate(document.transitions):
        path = f"transitions[{index}]"
        session.add(
            Transition(
                scope_id=scope.id,
                from_stage=t.from_stage.value if t.from_stage else None,
                to_stage=t.to_stage.value,
                loop=t.loop.value if t.loop else None,
                reason=t.reason,
                trigger_id=importer.resolve(f"{path}.trigger", t.trigger, "trigger")
                if t.trigger
                else None,
                review_id=importer.resolve(f"{path}.review", t.review, "review")
                if t.review
                else None,
                actor_id=None,
                time=t.time,
            )
        )
    session.flush()


SECTION = Section(
    fields={
        "cycle": (CycleFields, ...),
        "triggers": (list[TriggerFields], Field(default_factory=list)),
        "reviews": (list[ReviewFields], Field(default_factory=list)),
        "transitions": (list[TransitionFields], Field(default_factory=list)),
    },
    export=_export,
    load=_load,
)
