"""A scope's whole governance as one JSON document, and back.

Entities refer to each other by document-local refs ("goal-3": the third goal
in the document), so a document moves between databases and organizations and
an export of an imported scope equals the document it came from. Goals that
derive from another organization's goal keep that goal's id, which must exist
where the document is imported. Who did what is left out: the record keeps it.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlalchemy import select

from agilegov import clock
from agilegov.analysis.service import CONDITION, IMPACT, RISK, STAKEHOLDER
from agilegov.auth import Principal, Role
from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import Loop, Stage, TriggerKind
from agilegov.cycle.schemas import TriggerStatus
from agilegov.design.service import MEASURE
from agilegov.errors import FieldProblem, Forbidden, InvalidInput
from agilegov.goals.service import ALLOCATION, GOAL, INDICATOR, TRADE_OFF
from agilegov.monitor.models import Observation
from agilegov.organizations.models import Organization
from agilegov.record.service import append_event
from agilegov.schemas import Input, Name
from agilegov.scoped import Kind, apply_values
from agilegov.scopes.access import readable_scope
from agilegov.scopes.models import Scope
from agilegov.scopes.schemas import Framework, ScopeKind, ScopeRead, ScopeStatus, Visibility
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion, versions_of

FORMAT = "agilegov.scope/1"
# Creation order: every kind comes after the kinds it refers to.
KINDS: tuple[Kind, ...] = (
    STAKEHOLDER,
    IMPACT,
    CONDITION,
    RISK,
    GOAL,
    INDICATOR,
    TRADE_OFF,
    ALLOCATION,
    MEASURE,
)
_KIND_OF_MODEL = {kind.model: kind for kind in KINDS}
_META = ("ref", "created_at", "updated_at")
_VERSIONED_META = ("status", "version", "versions")


class ScopeFields(Input):
    name: Name
    kind: ScopeKind
    description: str = ""
    visibility: Visibility = Visibility.private
    status: ScopeStatus = ScopeStatus.active
    frameworks: list[Framework] = Field(default_factory=list)
    created_at: AwareDatetime
    updated_at: AwareDatetime


class CycleFields(Input):
    stage: Stage
    inner_iterations: int = Field(ge=0)
    outer_iterations: int = Field(ge=0)
    visit: int = Field(ge=1)
    stage_entered_at: AwareDatetime


class TriggerFields(Input):
    ref: str
    kind: TriggerKind
    loop: Loop
    cause: str = Field(min_length=1)
    subject_type: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$")
    subject: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    opened_at: AwareDatetime
    status: TriggerStatus
    resolved_at: AwareDatetime | None = None
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
    decided_at: AwareDatetime


class TransitionFields(Input):
    from_stage: Stage | None
    to_stage: Stage
    loop: Loop | None
    reason: str = ""
    trigger: str | None = None
    review: str | None = None
    time: AwareDatetime


class ObservationFields(Input):
    indicator: str
    time: AwareDatetime
    value: float = Field(allow_inf_nan=False)
    source: str = Field(min_length=1, max_length=200)
    recorded_at: AwareDatetime


class ScopeDocument(BaseModel):
    """The exchange document. Entity sections are checked against each kind's
    own create shape when imported, with their place in the document named."""

    model_config = {"extra": "forbid"}

    format: str = Field(pattern=f"^{FORMAT}$")
    scope: ScopeFields
    cycle: CycleFields
    stakeholders: list[dict[str, Any]] = Field(default_factory=list)
    impacts: list[dict[str, Any]] = Field(default_factory=list)
    conditions: list[dict[str, Any]] = Field(default_factory=list)
    risks: list[dict[str, Any]] = Field(default_factory=list)
    goals: list[dict[str, Any]] = Field(default_factory=list)
    indicators: list[dict[str, Any]] = Field(default_factory=list)
    trade_offs: list[dict[str, Any]] = Field(default_factory=list)
    allocations: list[dict[str, Any]] = Field(default_factory=list)
    measures: list[dict[str, Any]] = Field(default_factory=list)
    observations: list[ObservationFields] = Field(default_factory=list)
    triggers: list[TriggerFields] = Field(default_factory=list)
    reviews: list[ReviewFields] = Field(default_factory=list)
    transitions: list[TransitionFields] = Field(default_factory=list)


def _section(kind: Kind) -> str:
    return kind.plural.replace("-", "_")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# ---------------------------------------------------------------- export


class _Refs:
    """Document refs for database ids, numbered in id order per kind."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[int, str]] = {}

    def number(self, name: str, ids: Sequence[int]) -> None:
        self.by_id[name] = {id_: f"{name}-{n}" for n, id_ in enumerate(sorted(ids), start=1)}

    def of(self, name: str, id_: int | None) -> str | None:
        return None if id_ is None else self.by_id[name][id_]


def _export_entity(kind: Kind, obj: Any, refs: _Refs, session: Any) -> dict[str, Any]:
    read = kind.read.model_validate(obj).model_dump(mode="json")
    ref_kinds = {ref.field: _KIND_OF_MODEL[ref.model].name for ref in kind.refs}
    link_kinds = {link.field: _KIND_OF_MODEL[link.model].name for link in kind.links}
    item: dict[str, Any] = {"ref": refs.of(kind.name, obj.id)}
    for field in kind.create.model_fields:
        if field == "change_note":
            continue
        value = read[field]
        if field in ref_kinds:
            value = refs.of(ref_kinds[field], value)
        elif field in link_kinds:
            value = [refs.of(link_kinds[field], v) for v in value]
        item[field] = value
    item["created_at"], item["updated_at"] = read["created_at"], read["updated_at"]
    if kind.versioned:
        item["status"], item["version"] = read["status"], read["version"]
        item["versions"] = [
            {"version": v.version, "data": v.data, "note": v.note, "created_at": _iso(v.created_at)}
            for v in versions_of(session, kind.name, obj.id)
        ]
    return item


def export_document(session: Any, scope: Scope) -> dict[str, Any]:
    refs = _Refs()
    rows: dict[str, list[Any]] = {}
    for kind in KINDS:
        model: Any = kind.model
        rows[kind.name] = list(
            session.scalars(select(model).where(model.scope_id == scope.id).order_by(model.id))
        )
        refs.number(kind.name, [row.id for row in rows[kind.name]])
    triggers = list(
        session.scalars(select(Trigger).where(Trigger.scope_id == scope.id).order_by(Trigger.id))
    )
    reviews = list(
        session.scalars(select(Review).where(Review.scope_id == scope.id).order_by(Review.id))
    )
    refs.number("trigger", [t.id for t in triggers])
    refs.number("review", [r.id for r in reviews])
    indicator_ids = [i.id for i in rows[INDICATOR.name]]
    observations = (
        session.scalars(
            select(Observation)
            .where(Observation.indicator_id.in_(indicator_ids))
            .order_by(Observation.indicator_id, Observation.time, Observation.source)
        )
        if indicator_ids
        else []
    )
    cycle = session.get(Cycle, scope.id)
    scope_read = ScopeRead.model_validate(scope).model_dump(mode="json")
    document: dict[str, Any] = {
        "format": FORMAT,
        "scope": {k: scope_read[k] for k in ScopeFields.model_fields},
        "cycle": {
            "stage": cycle.stage,
            "inner_iterations": cycle.inner_iterations,
            "outer_iterations": cycle.outer_iterations,
            "visit": cycle.visit,
            "stage_entered_at": _iso(cycle.stage_entered_at),
        },
    }
    for kind in KINDS:
        document[_section(kind)] = [
            _export_entity(kind, obj, refs, session) for obj in rows[kind.name]
        ]
    document["observations"] = [
        {
            "indicator": refs.of(INDICATOR.name, o.indicator_id),
            "time": _iso(o.time),
            "value": o.value,
            "source": o.source,
            "recorded_at": _iso(o.recorded_at),
        }
        for o in observations
    ]
    subject_kinds = {kind.name for kind in KINDS}
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
            "opened_at": _iso(t.opened_at),
            "status": t.status,
            "resolved_at": _iso(t.resolved_at),
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
            "decided_at": _iso(r.decided_at),
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
            "time": _iso(t.time),
        }
        for t in session.scalars(
            select(Transition).where(Transition.scope_id == scope.id).order_by(Transition.id)
        )
    ]
    return document


def export_scope(uow: UnitOfWork, actor: Principal, scope_id: int) -> dict[str, Any]:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        return export_document(uow.session, scope)


# ---------------------------------------------------------------- import


def _prefixed(path: str, problem: InvalidInput) -> InvalidInput:
    problems = [FieldProblem(f"{path}.{p.field}", p.message) for p in problem.problems]
    return InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems)


def _located(path: str, loc: Sequence[int | str]) -> str:
    """``path`` and a pydantic location in document notation: ``risks[0].citations[1]``."""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _from_validation(path: str, error: ValidationError) -> InvalidInput:
    problems = [
        FieldProblem(_located(path, item["loc"]), item["msg"].removeprefix("Value error, "))
        for item in error.errors()
    ]
    return InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems)


class _Importer:
    def __init__(self, session: Any, actor: Principal, scope: Scope) -> None:
        self.session = session
        self.actor = actor
        self.scope = scope
        self.ids: dict[str, int] = {}

    def resolve(self, path: str, ref: Any, expected: str) -> int:
        if not isinstance(ref, str) or not ref.startswith(expected + "-") or ref not in self.ids:
            raise InvalidInput.on(path, f"no {expected} with ref {ref!r} in the document")
        return self.ids[ref]

    def remember(self, path: str, ref: Any, id_: int) -> None:
        if not isinstance(ref, str) or not ref:
            raise InvalidInput.on(f"{path}.ref", "is required")
        if ref in self.ids:
            raise InvalidInput.on(f"{path}.ref", f"{ref!r} is used twice")
        self.ids[ref] = id_

    def entity(self, kind: Kind, path: str, item: dict[str, Any]) -> Any:
        allowed = (
            set(kind.create.model_fields)
            | set(_META)
            | (set(_VERSIONED_META) if kind.versioned else set())
        )
        for name in item:
            if name not in allowed:
                raise InvalidInput.on(f"{path}.{name}", "is not a field of a " + kind.name)
        values = {k: v for k, v in item.items() if k in kind.create.model_fields}
        for ref in kind.refs:
            target = _KIND_OF_MODEL[ref.model].name
            if values.get(ref.field) is not None and ref.field != "parent_id":
                values[ref.field] = self.resolve(f"{path}.{ref.field}", values[ref.field], target)
        for link in kind.links:
            target = _KIND_OF_MODEL[link.model].name
            values[link.field] = [
                self.resolve(f"{path}.{link.field}[{n}]", ref, target)
                for n, ref in enumerate(values.get(link.field) or [])
            ]
        deferred_parent = values.pop("parent_id", None) if kind is GOAL else None
        try:
            data = kind.create.model_validate(values)
            stamps = _Stamps.model_validate({k: item.get(k) for k in ("created_at", "updated_at")})
        except ValidationError as error:
            raise _from_validation(path, error) from None
        obj: Any = kind.model(
            scope_id=self.scope.id, created_at=stamps.created_at, updated_at=stamps.updated_at
        )
        try:
            apply_values(
                self.session, self.scope, kind, obj, data.model_dump(exclude={"change_note"})
            )
        except InvalidInput as problem:
            raise _prefixed(path, problem) from None
        if kind.versioned:
            self._versions(kind, path, obj, item)
        self.session.add(obj)
        self.session.flush()
        self.remember(path, item.get("ref"), obj.id)
        if kind.versioned:
            for version in item.get("versions", []):
                self.session.add(
                    EntityVersion(
                        kind=kind.name,
                        entity_id=obj.id,
                        version=version["version"],
                        data=version["data"],
                        note=version["note"],
                        created_at=version["created_at"],
                        actor_id=None,
                    )
                )
        return obj, deferred_parent

    def _versions(self, kind: Kind, path: str, obj: Any, item: dict[str, Any]) -> None:
        try:
            meta = _VersionMeta.model_validate({k: item.get(k) for k in _VERSIONED_META})
        except ValidationError as error:
            raise _from_validation(path, error) from None
        numbers = [v.version for v in meta.versions]
        if meta.version != len(numbers) or numbers != list(range(1, len(numbers) + 1)):
            raise InvalidInput.on(f"{path}.versions", f"must hold versions 1 to {meta.version}")
        statuses = kind.read.model_fields["status"].annotation
        if meta.status not in {status.value for status in statuses}:  # type: ignore[union-attr]
            raise InvalidInput.on(f"{path}.status", f"{meta.status!r} is not a {kind.name} status")
        obj.status, obj.version = meta.status, meta.version
        item["versions"] = [v.model_dump() for v in meta.versions]


class _Stamps(BaseModel):
    created_at: AwareDatetime
    updated_at: AwareDatetime


class _Version(BaseModel):
    model_config = {"extra": "forbid"}
    version: int = Field(ge=1)
    data: dict[str, Any]
    note: str
    created_at: AwareDatetime


class _VersionMeta(BaseModel):
    status: str = Field(pattern="^(active|retired|planned|in_progress|implemented)$")
    version: int = Field(ge=1)
    versions: list[_Version] = Field(min_length=1)


def import_scope(
    uow: UnitOfWork, actor: Principal, organization_id: int, document: ScopeDocument
) -> ScopeRead:
    """Create a new scope of ``organization_id`` from a document, all or nothing."""
    with uow:
        session = uow.session
        if session.get(Organization, organization_id) is None:
            raise InvalidInput.on("organization_id", f"no organization {organization_id}")
        actor.require(organization_id, Role.editor)
        fields = document.scope
        if fields.visibility == Visibility.public and not actor.can(organization_id, Role.owner):
            raise Forbidden("only an owner can import a public scope (scope.visibility)")
        scope = Scope(
            organization_id=organization_id,
            **fields.model_dump(mode="json", exclude={"created_at", "updated_at"}),
            created_at=fields.created_at,
            updated_at=fields.updated_at,
        )
        session.add(scope)
        session.flush()
        importer = _Importer(session, actor, scope)
        _import_entities(importer, document)
        _import_cycle(importer, document)
        read = ScopeRead.model_validate(scope)
        body = document.model_dump(mode="json")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        append_event(
            session,
            actor,
            type="scope.imported",
            subject_type="scope",
            subject_id=scope.id,
            organization_id=organization_id,
            scope_id=scope.id,
            payload={
                "scope": read.model_dump(mode="json"),
                "document_sha256": hashlib.sha256(canonical).hexdigest(),
                "counts": {k: len(v) for k, v in body.items() if isinstance(v, list)},
                "imported_at": clock.now().isoformat(),
            },
        )
        uow.commit()
        return read


def _import_entities(importer: _Importer, document: ScopeDocument) -> None:
    goals_with_parents = []
    for kind in KINDS:
        section = _section(kind)
        for index, item in enumerate(getattr(document, section)):
            obj, parent = importer.entity(kind, f"{section}[{index}]", item)
            if parent is not None:
                goals_with_parents.append((index, obj, parent))
        if kind is GOAL:
            for index, obj, parent in goals_with_parents:
                path = f"goals[{index}]"
                parent_id = importer.resolve(f"{path}.parent_id", parent, GOAL.name)
                try:
                    apply_values(
                        importer.session, importer.scope, GOAL, obj, {"parent_id": parent_id}
                    )
                except InvalidInput as problem:
                    raise _prefixed(path, problem) from None
            importer.session.flush()
    seen: set[tuple[int, datetime, str]] = set()
    for index, o in enumerate(document.observations):
        path = f"observations[{index}]"
        indicator_id = importer.resolve(f"{path}.indicator", o.indicator, INDICATOR.name)
        if (indicator_id, o.time, o.source) in seen:
            raise InvalidInput.on(path, "repeats an observation (same indicator, time, source)")
        seen.add((indicator_id, o.time, o.source))
        importer.session.add(
            Observation(
                indicator_id=indicator_id,
                time=o.time,
                value=o.value,
                source=o.source,
                recorded_at=o.recorded_at,
            )
        )
    importer.session.flush()


def _import_cycle(importer: _Importer, document: ScopeDocument) -> None:
    session, scope = importer.session, importer.scope
    session.add(Cycle(scope_id=scope.id, **document.cycle.model_dump()))
    subject_kinds = {kind.name for kind in KINDS}
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
                raise InvalidInput.on(f"{path}.subject_type", "names no kind in the document")
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
