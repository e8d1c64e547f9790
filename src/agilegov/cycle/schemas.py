from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from agilegov.cycle.rules import Loop, Stage, TriggerKind
from agilegov.schemas import Input, LongText, Output, ShortText


class TriggerStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class TransitionCreate(Input):
    to: Stage
    reason: LongText = ""


class TransitionRead(Output):
    id: int
    scope_id: int
    from_stage: Stage | None
    to_stage: Stage
    loop: Loop | None
    reason: str
    trigger_id: int | None
    review_id: int | None
    actor_id: int | None
    time: datetime


class TriggerCreate(Input):
    kind: TriggerKind
    cause: LongText = Field(min_length=1)
    subject_type: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$")
    subject_id: int | None = None
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="What the loop rule reads: loop (manual), derived, foreseeable, changes_goals.",
    )


class TriggerRead(Output):
    id: int
    scope_id: int
    kind: TriggerKind
    loop: Loop
    cause: str
    subject_type: str | None
    subject_id: int | None
    facts: dict[str, Any]
    opened_at: datetime
    opened_by: int | None
    status: TriggerStatus
    resolved_at: datetime | None
    resolved_by_review_id: int | None


class VersionRef(Input):
    kind: Literal["goal", "measure"]
    id: int
    version: int = Field(ge=1)


class ReviewCreate(Input):
    summary: LongText = Field(min_length=1)
    decisions: list[ShortText] = Field(min_length=1, max_length=100)
    evidence: list[ShortText] = Field(min_length=1, max_length=100)
    changes: list[VersionRef] = Field(default_factory=list, max_length=200)
    risks: list[int] = Field(
        default_factory=list,
        max_length=200,
        description="Risks of the register this review added or changed (an incident needs them).",
    )
    resolves: list[int] = Field(
        default_factory=list,
        max_length=200,
        description="Open triggers this review settles. Leaving evaluation settles all.",
    )


class ReviewRead(Output):
    id: int
    scope_id: int
    stage: Stage
    visit: int
    summary: str
    decisions: list[str]
    evidence: list[str]
    changes: list[dict[str, Any]]
    risks: list[int]
    decided_by: int | None
    decided_at: datetime


class HistoryEntry(Output):
    time: datetime
    kind: Literal["transition", "trigger_opened", "trigger_resolved", "review"]
    id: int
    text: str


class CycleRead(Output):
    scope_id: int
    stage: Stage
    inner_iterations: int
    outer_iterations: int
    visit: int
    stage_entered_at: datetime
    open_triggers: list[TriggerRead]
    recent_history: list[HistoryEntry]
