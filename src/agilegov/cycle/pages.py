"""The cycle's pages: moving a scope's cycle (advancing a stage, opening a
trigger, recording a review, each the cycle service's own call), and what the
cycle adds to a scope's page: the double loop at its head, the overview's
panels of moves and open triggers, and the tabs of reviews, triggers and
history, each a list searched, filtered, sorted, paged and downloaded as CSV."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov import i18n, part
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle import service
from agilegov.cycle.diagram import loop_diagram
from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import (
    OPENED_BY_PARTS,
    STAGE_NAMES,
    TRANSITIONS,
    Loop,
    Stage,
    TriggerKind,
    goes_back,
)
from agilegov.cycle.schemas import ReviewCreate, TransitionCreate, TriggerCreate, TriggerStatus
from agilegov.cycle.versions import version_choices, version_ref
from agilegov.design.service import measure_titles
from agilegov.errors import InvalidInput
from agilegov.goals.service import goal_titles
from agilegov.i18n import N_, lazy
from agilegov.part import Panel, Tab
from agilegov.record.service import list_events
from agilegov.schemas import Input, LongText, ShortText
from agilegov.scopes.schemas import ScopeRead
from agilegov.tenancy import Scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import EntityVersion
from agilegov.web.crud import compare_versions
from agilegov.web.forms import Choice, FormState, label_of
from agilegov.web.lists import Column, Listing, choice_label, read
from agilegov.web.render import confirm_page, form_page, submit_form, when_text
from agilegov.web.scope_page import OVERVIEW, scope_page
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(prefix="/scopes/{scope_id}", include_in_schema=False)


@router.post("/cycle/transitions")
def advance(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    def ask(data: TransitionCreate) -> Response | None:
        with uow:  # only an editor is asked
            writable_scope(uow.session, visitor.principal, scope_id, Role.editor)
        current = service.get_cycle(uow, visitor.principal, scope_id).stage
        if not goes_back(current, data.to):
            return None
        return confirm_page(
            request,
            question=lazy(
                "Move the cycle back from %(current)s to %(stage)s?",
                current=STAGE_NAMES[current],
                stage=STAGE_NAMES[data.to],
            ),
            detail=lazy(
                "Going back reworks an earlier stage before operation starts; it completes "
                "no loop, and the move is kept in the scope's history.",
            ),
            action=f"/scopes/{scope_id}/cycle/transitions",
            submit=lazy("Move the cycle back"),
            cancel=f"/scopes/{scope_id}",
            carried=form,
        )

    return submit_form(
        TransitionCreate,
        form,
        lambda data: service.advance(uow, visitor.principal, scope_id, data),
        # The form is the overview's panel that moves the cycle.
        refused=lambda values, problems: scope_page(
            request,
            uow,
            visitor,
            scope_id,
            OVERVIEW,
            transition_errors=problems,
            transition_values=values,
        ),
        done=f"/scopes/{scope_id}",
        message=lambda cycle: lazy("The cycle moved to %(stage)s", stage=STAGE_NAMES[cycle.stage]),
        confirm=ask,
    )


# ---------------------------------------------------------------- triggers


class TriggerForm(Input):
    """A trigger as a person opens it: the facts its loop rule reads are fields."""

    kind: TriggerKind
    cause: LongText = Field(min_length=1, description=N_("What happened, and where it is shown."))
    loop: Loop | None = Field(
        default=None, description=N_("For a manual trigger: the loop it calls for.")
    )
    changes_goals: bool = Field(
        default=False, description=N_("For a consultation outcome: accepted input changes goals.")
    )

    def trigger(self) -> TriggerCreate:
        facts: dict[str, Any] = {}
        if self.kind is TriggerKind.manual:
            if self.loop is None:
                raise InvalidInput.on("loop", lazy("a manual trigger says which loop it calls for"))
            facts["loop"] = self.loop.value
        if self.kind is TriggerKind.consultation_outcome:
            facts["changes_goals"] = self.changes_goals
        return TriggerCreate(kind=self.kind, cause=self.cause, facts=facts)


def _trigger_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
) -> Response:
    with uow:
        scope = ScopeRead.model_validate(
            writable_scope(uow.session, visitor.principal, scope_id, Role.editor)
        )
    return form_page(
        request,
        heading=N_("Open a trigger"),
        intro=N_(
            "A trigger says the world moved: it calls for the inner loop (improve the "
            "design) or the outer loop (re-analyse conditions and risks), by the rules of its kind."
        ),
        breadcrumbs=[(f"/scopes/{scope_id}", scope.name)],
        state=FormState.of(
            TriggerForm,
            values,
            problems,
            # Incidents and commons signals open from what happened, not by hand.
            choices={
                "kind": [
                    (kind.value, label_of(kind.value))
                    for kind in TriggerKind
                    if kind not in OPENED_BY_PARTS
                ]
            },
        ),
        action=f"/scopes/{scope_id}/cycle/triggers",
        submit=N_("Open trigger"),
        cancel=f"/scopes/{scope_id}",
    )


@router.get("/cycle/triggers/new")
def new_trigger(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _trigger_form(request, uow, visitor, scope_id)


@router.post("/cycle/triggers")
def open_trigger(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        TriggerForm,
        form,
        lambda data: service.raise_trigger(uow, visitor.principal, scope_id, data.trigger()),
        refused=partial(_trigger_form, request, uow, visitor, scope_id),
        done=f"/scopes/{scope_id}",
    )


# ---------------------------------------------------------------- reviews


class ReviewForm(Input):
    summary: LongText = Field(min_length=1, description=N_("What was reviewed and concluded."))
    decisions: list[ShortText] = Field(min_length=1, max_length=100)
    evidence: list[ShortText] = Field(
        min_length=1, max_length=100, description=N_("Evaluations, reports, links.")
    )
    changes: list[str] = Field(
        default_factory=list,
        max_length=200,
        description=N_("The goal and measure versions this review decided on."),
    )
    risks: list[int] = Field(
        default_factory=list,
        max_length=200,
        description=N_("Risks of the register added or changed; an incident's review names them."),
    )
    resolves: list[int] = Field(
        default_factory=list, max_length=200, description=N_("Open triggers this review settles.")
    )

    def review(self) -> ReviewCreate:
        return ReviewCreate(
            summary=self.summary,
            decisions=self.decisions,
            evidence=self.evidence,
            changes=[version_ref(choice, "changes") for choice in self.changes],
            risks=self.risks,
            resolves=self.resolves,
        )


def _review_choices(
    uow: UnitOfWork, visitor: Visitor, scope_id: int
) -> tuple[Any, dict[str, list[Choice]]]:
    with uow:
        session = uow.session
        found = writable_scope(session, visitor.principal, scope_id, Role.reviewer)
        scope = ScopeRead.model_validate(found)
        versions = version_choices(session, scope.id)
        triggers = session.execute(
            select(Trigger.id, Trigger.kind, Trigger.cause)
            .where(Trigger.scope_id == scope.id, Trigger.status == "open")
            .order_by(Trigger.id)
        )
        open_triggers = [(str(t.id), f"#{t.id} {t.kind}: {t.cause[:80]}") for t in triggers]
        risk = part.trigger_subjects()["risk"]
        risks = session.execute(
            select(risk.id, risk.title).where(risk.scope_id == scope.id).order_by(risk.id)
        )
        register = [(str(r.id), f"#{r.id} {r.title}") for r in risks]
    return scope, {"changes": versions, "risks": register, "resolves": open_triggers}


def _review_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
) -> Response:
    scope, choices = _review_choices(uow, visitor, scope_id)
    return form_page(
        request,
        heading=N_("Record a review"),
        intro=N_(
            "A review says who decided what, on which evidence, and which goal and measure "
            "versions changed. Evaluation ends with one."
        ),
        breadcrumbs=[
            (f"/scopes/{scope_id}", scope.name),
            (f"/scopes/{scope_id}/reviews", N_("Reviews")),
        ],
        state=FormState.of(ReviewForm, values, problems, choices=choices),
        action=f"/scopes/{scope_id}/reviews",
        submit=N_("Record review"),
        cancel=f"/scopes/{scope_id}/reviews",
    )


@router.get("/reviews/new")
def new_review(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _review_form(request, uow, visitor, scope_id)


@router.post("/reviews")
def record_review(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        ReviewForm,
        form,
        lambda data: service.record_review(uow, visitor.principal, scope_id, data.review()),
        refused=partial(_review_form, request, uow, visitor, scope_id),
        done=f"/scopes/{scope_id}/reviews",
    )


# ---------------------------------------------------------------- the scope page

# Events shown per page of the history tab.
EVENTS_PER_PAGE = 50


def scope_header(session: Session, scope: Scope) -> dict[str, Any]:
    """The cycle at the head of every tab: its stage, loop counts and picture."""
    cycle = session.get(Cycle, scope.id)
    assert cycle is not None, "every scope has a cycle"
    last_loop = session.scalar(
        select(Transition.loop)
        .where(Transition.scope_id == scope.id)
        .order_by(Transition.id.desc())
        .limit(1)
    )
    return {
        "cycle": cycle,
        "loop": loop_diagram(
            cycle.stage, cycle.inner_iterations, cycle.outer_iterations, last_loop
        ),
    }


def _moving(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    cycle = session.get(Cycle, scope.id)
    assert cycle is not None
    return {"next_stages": [to for (frm, to) in TRANSITIONS if frm == Stage(cycle.stage)]}


def _open_triggers(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    open_triggers = session.scalars(
        select(Trigger)
        .where(Trigger.scope_id == scope.id, Trigger.status == "open")
        .order_by(Trigger.opened_at.desc(), Trigger.id)
    ).all()
    return {"open_triggers": open_triggers}


def _recent_moves(session: Session, scope: Scope, **_: Any) -> dict[str, Any]:
    recent = session.scalars(
        select(Transition)
        .where(Transition.scope_id == scope.id)
        .order_by(Transition.id.desc())
        .limit(8)
    ).all()
    return {"recent": recent}


def _loop_text(loop: str | None) -> str:
    return choice_label(loop) if loop else "—"


REVIEWS = Listing(
    Review,
    (
        Column("id", N_("Review"), Review.id, lambda r: f"#{r.id}"),
        Column(
            "stage",
            N_("Stage"),
            Review.stage,
            lambda r: choice_label(r.stage),
            choices=tuple(Stage),
        ),
        Column("decided_at", N_("Decided"), Review.decided_at, lambda r: when_text(r.decided_at)),
        Column("summary", N_("Summary"), Review.summary, lambda r: r.summary, searched=True),
        Column(
            "decisions",
            N_("Decisions"),
            Review.decisions,
            lambda r: "; ".join(r.decisions),
            sortable=False,
        ),
        Column(
            "evidence",
            N_("Evidence"),
            Review.evidence,
            lambda r: "; ".join(r.evidence),
            sortable=False,
        ),
        Column(
            "changes",
            N_("Versions changed"),
            Review.changes,
            lambda r: "; ".join(f"{c['kind']} #{c['id']} v{c['version']}" for c in r.changes),
            sortable=False,
        ),
    ),
    order=(Review.decided_at.desc(), Review.id.desc()),
)


def _reviews(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    listed = read(session, REVIEWS, [Review.scope_id == scope.id], query)
    titles = {("goal", id_): title for id_, title in goal_titles(session, scope.id).items()}
    titles.update(
        {("measure", id_): title for id_, title in measure_titles(session, scope.id).items()}
    )
    return {"reviews": listed, "titles": titles, "diffs": _review_diffs(session, listed.rows)}


def _trigger_status_text(trigger: Trigger) -> str:
    if trigger.resolved_by_review_id:
        return str(lazy("resolved by review #%(review)s", review=trigger.resolved_by_review_id))
    return choice_label(trigger.status)


TRIGGERS = Listing(
    Trigger,
    (
        Column(
            "id",
            N_("Trigger"),
            Trigger.id,
            lambda t: f"#{t.id}",
            value=int,
            accepts=lambda text: text.isdecimal() and len(text) < 10,
        ),
        Column(
            "kind",
            N_("Kind"),
            Trigger.kind,
            lambda t: choice_label(t.kind),
            choices=tuple(TriggerKind),
        ),
        Column("loop", N_("Loop"), Trigger.loop, lambda t: _loop_text(t.loop), choices=tuple(Loop)),
        Column("cause", N_("Cause"), Trigger.cause, lambda t: t.cause, searched=True),
        Column("opened_at", N_("Opened"), Trigger.opened_at, lambda t: when_text(t.opened_at)),
        Column(
            "status",
            N_("Status"),
            Trigger.status,
            _trigger_status_text,
            choices=tuple(TriggerStatus),
        ),
        Column(
            "resolved_at", N_("Resolved"), Trigger.resolved_at, lambda t: when_text(t.resolved_at)
        ),
    ),
    order=(Trigger.opened_at.desc(), Trigger.id.desc()),
)


def _triggers(session: Session, scope: Scope, query: dict[str, str], **_: Any) -> dict[str, Any]:
    return {"triggers": read(session, TRIGGERS, [Trigger.scope_id == scope.id], query)}


# The history tab's pager of record events: its own key, beside the moves' list.
EVENTS_OFFSET = "events"

MOVES = Listing(
    Transition,
    (
        Column("time", N_("Time"), Transition.time, lambda t: when_text(t.time)),
        Column(
            "from_stage",
            N_("From"),
            Transition.from_stage,
            lambda t: choice_label(t.from_stage) if t.from_stage else i18n.gettext("Start"),
            choices=tuple(Stage),
        ),
        Column(
            "to_stage",
            N_("To"),
            Transition.to_stage,
            lambda t: choice_label(t.to_stage),
            choices=tuple(Stage),
        ),
        Column(
            "loop",
            N_("Loop completed"),
            func.coalesce(Transition.loop, ""),
            lambda t: _loop_text(t.loop),
            choices=tuple(Loop),
        ),
        Column("reason", N_("Reason"), Transition.reason, lambda t: t.reason, searched=True),
        Column(
            "trigger",
            N_("Trigger"),
            Transition.trigger_id,
            lambda t: f"#{t.trigger_id}" if t.trigger_id else "",
        ),
        Column(
            "review",
            N_("Review"),
            Transition.review_id,
            lambda t: f"#{t.review_id}" if t.review_id else "",
        ),
    ),
    order=(Transition.time.desc(), Transition.id.desc()),
    kept=(EVENTS_OFFSET,),
)


def _review_diffs(session: Session, reviews: list[Review]) -> dict[tuple[str, int, int], Any]:
    """For each version a review changed: that version beside the one before it."""
    changed = {(c["kind"], c["id"], c["version"]) for review in reviews for c in review.changes}
    if not changed:
        return {}
    rows = session.scalars(
        select(EntityVersion).where(
            EntityVersion.kind.in_({kind for kind, _, _ in changed}),
            EntityVersion.entity_id.in_({entity for _, entity, _ in changed}),
        )
    )
    data = {(row.kind, row.entity_id, row.version): (row.note, row.data) for row in rows}
    diffs = {}
    for kind, entity, version in changed:
        pair = [
            (number, *data[(kind, entity, number)])
            for number in (version - 1, version)
            if (kind, entity, number) in data
        ]
        diffs[(kind, entity, version)] = compare_versions(pair)
    return diffs


def _events_offset(query: dict[str, str]) -> int:
    offset = query.get(EVENTS_OFFSET, "0")
    return int(offset) if offset.isdecimal() and len(offset) < 10 else 0


def _history(
    session: Session,
    scope: Scope,
    visitor: Visitor,
    uow: UnitOfWork,
    query: dict[str, str],
    **_: Any,
) -> dict[str, Any]:
    moves = read(session, MOVES, [Transition.scope_id == scope.id], query)
    events = list_events(
        uow,
        visitor.principal,
        EVENTS_PER_PAGE,
        _events_offset(query),
        scope_id=scope.id,
        newest_first=True,
    )
    return {"moves": moves, "events": events}


PANELS = (
    Panel(0, "scope/panels/cycle.html", _moving, main=True),
    Panel(10, "scope/panels/triggers.html", _open_triggers),
    Panel(50, "scope/panels/recent.html", _recent_moves),
)
TABS = (
    Tab("reviews", N_("Reviews"), 80, "scope/reviews.html", _reviews, badge="reviews"),
    Tab("triggers", N_("Triggers"), 95, "scope/triggers.html", _triggers),
    Tab("history", N_("History"), 100, "scope/history.html", _history),
)
