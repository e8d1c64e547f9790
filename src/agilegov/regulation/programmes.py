"""Programmes (report 5.1.2): regulatory sandboxes, gray-zone inquiries and
special measures, from the application to the regulator's conclusion. The
only writer of ``programmes``; the course itself is ``programme_rules``.

The applicant's and the regulator's members read a programme whole. Anyone
reads an answered inquiry's published summary (not who asked: the summary
names the applicant only if the regulator wrote it so) and, once decided, a
sandbox's or special measure's title, status and outcome. To others a
programme does not exist.
"""

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import active_indicators, indicator_ids
from agilegov.i18n import lazy
from agilegov.monitor.service import latest_evaluations
from agilegov.notify.service import notify_owners
from agilegov.organizations.service import organization_profile
from agilegov.paging import paginate
from agilegov.record.service import record_event
from agilegov.regulation.models import Programme
from agilegov.regulation.programme_rules import (
    DECISION_BUSINESS_DAYS,
    Party,
    ProgrammeKind,
    ProgrammeStatus,
    Step,
    StepRefused,
    decision_overdue,
    next_status,
    period_problem,
    steps_open,
)
from agilegov.regulation.schemas import (
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    ProgrammePublic,
    ProgrammeRead,
)
from agilegov.regulation.service import today_in_japan
from agilegov.schemas import Page
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.workdays import add_business_days

# Deadlines run on the Japanese government's calendar, so its date.
CAUSE_MAX = 20_000  # a trigger's cause, as LongText allows
DECIDED = (
    ProgrammeStatus.approved,
    ProgrammeStatus.refused,
    ProgrammeStatus.exited,
    ProgrammeStatus.concluded,
)


def is_public(kind: str, status: str) -> bool:
    """Whether anyone may read the programme's public view."""
    if kind == ProgrammeKind.gray_zone:
        return status == ProgrammeStatus.answered
    return status in DECIDED


def _public_rows() -> Any:
    return or_(
        and_(
            Programme.kind == ProgrammeKind.gray_zone.value,
            Programme.status == ProgrammeStatus.answered.value,
        ),
        and_(
            Programme.kind != ProgrammeKind.gray_zone.value,
            Programme.status.in_([status.value for status in DECIDED]),
        ),
    )


def is_party(actor: Principal, programme: Programme | ProgrammeRead) -> bool:
    return actor.can(programme.applicant_organization_id, Role.viewer) or actor.can(
        programme.regulator_organization_id, Role.viewer
    )


def _read(programme: Programme) -> ProgrammeRead:
    read = ProgrammeRead.model_validate(programme)
    read.overdue = decision_overdue(read.status, read.decision_due, today_in_japan())
    return read


def _public(programme: Programme) -> ProgrammePublic:
    read = ProgrammePublic.model_validate(programme)
    # An inquiry's own title may name the applicant: only the summary is published.
    if programme.kind == ProgrammeKind.gray_zone:
        read.title = ""
    return read


def _record(
    session: Session, actor: Principal, type: str, programme: Programme, organization_id: int
) -> None:
    session.flush()
    if is_public(programme.kind, programme.status):
        record_event(
            session,
            actor,
            type,
            programme.id,
            _public(programme),
            organization_id=organization_id,
            private=False,
        )
    else:
        record_event(
            session,
            actor,
            type,
            programme.id,
            _read(programme),
            organization_id=organization_id,
            private=True,
        )


def _tell(
    session: Session,
    actor: Principal,
    organization_id: int,
    programme: Programme,
    kind: str,
    title: Any,
    body: Any,
) -> None:
    notify_owners(
        session,
        actor,
        organization_id,
        kind,
        title,
        body,
        f"/programmes/{programme.id}",
        {"programme_id": programme.id},
    )


def _kind_of(session: Session, organization_id: int) -> str | None:
    profile = organization_profile(session, organization_id)
    return None if profile is None else profile.kind


def _check_plan(session: Session, data: ProgrammeCreate) -> None:
    """A demonstration's or exception's plan; an inquiry has none."""
    kind = data.kind
    if kind is ProgrammeKind.gray_zone:
        if not data.question:
            raise InvalidInput.on("question", lazy("an inquiry asks a question"))
        for field in ("scope_id", "period_start", "period_end"):
            if getattr(data, field) is not None:
                raise InvalidInput.on(field, lazy("an inquiry runs in no scope or period"))
        if data.indicator_ids:
            raise InvalidInput.on("indicator_ids", lazy("an inquiry watches no indicators"))
        return
    if kind is ProgrammeKind.sandbox:
        for field in ("question", "consent"):
            if not getattr(data, field):
                raise InvalidInput.on(field, lazy("a sandbox's plan needs it"))
    if not data.safeguards:
        raise InvalidInput.on("safeguards", lazy("the plan needs its safety assurances"))
    if data.scope_id is None:
        raise InvalidInput.on("scope_id", lazy("the plan runs in one of the applicant's scopes"))
    scope = session.get(Scope, data.scope_id)
    if scope is None or scope.organization_id != data.applicant_organization_id:
        raise InvalidInput.on("scope_id", lazy("must be a scope of the applicant"))
    if data.period_start is None:
        raise InvalidInput.on("period_start", lazy("the plan needs its period"))
    if data.period_end is None:
        raise InvalidInput.on("period_end", lazy("the plan needs its period"))
    problem = period_problem(data.period_start, data.period_end)
    if problem is not None:
        raise InvalidInput.on("period_end", problem)
    own = set(session.scalars(indicator_ids(scope.id)))
    strangers = [str(id_) for id_ in data.indicator_ids if id_ not in own]
    if strangers:
        raise InvalidInput.on(
            "indicator_ids",
            lazy("not indicators of the scope: %(ids)s", ids=", ".join(strangers)),
        )
    if not data.indicator_ids:
        raise InvalidInput.on("indicator_ids", lazy("name the indicators to watch"))


def _regulator_scope(
    session: Session, regulator_id: int, scope_id: int, field: str = "regulator_scope_id"
) -> Scope:
    scope = session.get(Scope, scope_id)
    if scope is None or scope.organization_id != regulator_id:
        raise InvalidInput.on(field, lazy("must be a scope of the regulator"))
    return scope


def apply(uow: UnitOfWork, actor: Principal, data: ProgrammeCreate) -> ProgrammeRead:
    """The applicant's editors apply to a government."""
    with uow:
        session = uow.session
        actor.require(data.applicant_organization_id, Role.editor)
        if _kind_of(session, data.applicant_organization_id) != "business":
            raise InvalidInput.on("applicant_organization_id", lazy("must be a business"))
        if _kind_of(session, data.regulator_organization_id) != "government":
            raise InvalidInput.on("regulator_organization_id", lazy("must be a government"))
        _check_plan(session, data)
        if data.regulator_scope_id is not None:
            _regulator_scope(session, data.regulator_organization_id, data.regulator_scope_id)
        now = clock.now()
        days = DECISION_BUSINESS_DAYS[data.kind]
        programme = Programme(
            **data.model_dump(exclude={"kind", "indicator_ids"}),
            kind=data.kind.value,
            indicator_ids=sorted(set(data.indicator_ids)),
            status=ProgrammeStatus.applied.value,
            applied_at=now,
            applied_by=actor.user_id,
            decision_due=add_business_days(today_in_japan(), days),
        )
        session.add(programme)
        _record(session, actor, "programme.applied", programme, data.applicant_organization_id)
        _tell(
            session,
            actor,
            programme.regulator_organization_id,
            programme,
            "programme.applied",
            lazy("New application: %(title)s", title=programme.title),
            lazy("Decide by %(due)s.", due=programme.decision_due.isoformat()),
        )
        uow.commit()
        return _read(programme)


def _programme(session: Session, actor: Principal, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None or not (
        is_party(actor, programme) or is_public(programme.kind, programme.status)
    ):
        raise NotFound(lazy("programme %(id)s not found", id=programme_id))
    return programme


def _step(session: Session, actor: Principal, programme_id: int, step: Step) -> Programme:
    """The programme, once the actor may take ``step`` on it now; its new status set."""
    programme = session.get(Programme, programme_id)
    if programme is None or not is_party(actor, programme):
        raise NotFound(lazy("programme %(id)s not found", id=programme_id))
    party = Party.applicant if step is Step.exit else Party.regulator
    owner = (
        programme.applicant_organization_id
        if party is Party.applicant
        else programme.regulator_organization_id
    )
    actor.require(owner, Role.editor)
    try:
        programme.status = next_status(
            ProgrammeKind(programme.kind), ProgrammeStatus(programme.status), step, party
        ).value
    except StepRefused as refused:
        raise Conflict(refused.reason) from None
    return programme


def decide(
    uow: UnitOfWork, actor: Principal, programme_id: int, approve: bool, data: ProgrammeDecision
) -> ProgrammeRead:
    """The regulator's editors approve (with conditions) or refuse (with reasons)."""
    with uow:
        session = uow.session
        step = Step.approve if approve else Step.refuse
        programme = _step(session, actor, programme_id, step)
        if not approve and data.conditions:
            raise InvalidInput.on("conditions", lazy("a refusal sets no conditions"))
        programme.decision = data.decision
        programme.conditions = data.conditions
        programme.decided_at = clock.now()
        programme.decided_by = actor.user_id
        _record(
            session,
            actor,
            f"programme.{programme.status}",
            programme,
            programme.regulator_organization_id,
        )
        _tell(
            session,
            actor,
            programme.applicant_organization_id,
            programme,
            f"programme.{programme.status}",
            lazy("Application approved: %(title)s", title=programme.title)
            if approve
            else lazy("Application refused: %(title)s", title=programme.title),
            data.decision,
        )
        uow.commit()
        return _read(programme)


def answer(
    uow: UnitOfWork, actor: Principal, programme_id: int, data: ProgrammeAnswer
) -> ProgrammeRead:
    """The regulator's editors answer an inquiry and publish its summary."""
    with uow:
        session = uow.session
        programme = _step(session, actor, programme_id, Step.answer)
        programme.decision = data.answer
        programme.published_summary = data.published_summary
        programme.decided_at = clock.now()
        programme.decided_by = actor.user_id
        _record(
            session, actor, "programme.answered", programme, programme.regulator_organization_id
        )
        _tell(
            session,
            actor,
            programme.applicant_organization_id,
            programme,
            "programme.answered",
            lazy("Inquiry answered: %(title)s", title=programme.title),
            data.answer,
        )
        uow.commit()
        return _read(programme)


def exit_programme(
    uow: UnitOfWork, actor: Principal, programme_id: int, data: ProgrammeExit
) -> ProgrammeRead:
    """The applicant's editors report on the period, once it has started."""
    with uow:
        session = uow.session
        programme = _step(session, actor, programme_id, Step.exit)
        assert programme.period_start is not None
        if today_in_japan() < programme.period_start:
            raise InvalidInput.on(
                "exit_report",
                lazy("the period starts on %(start)s", start=programme.period_start.isoformat()),
            )
        programme.exit_report = data.exit_report
        programme.exited_at = clock.now()
        _record(session, actor, "programme.exited", programme, programme.applicant_organization_id)
        _tell(
            session,
            actor,
            programme.regulator_organization_id,
            programme,
            "programme.exited",
            lazy("Exit report: %(title)s", title=programme.title),
            data.exit_report,
        )
        uow.commit()
        return _read(programme)


def conclude(
    uow: UnitOfWork, actor: Principal, programme_id: int, data: ProgrammeConclusion
) -> ProgrammeRead:
    """The regulator's editors conclude with an outcome. A sandbox's outcome is a
    proposal that opens an outer-loop trigger on the regulator's scope; a
    special measure's does so only when the conclusion names that scope."""
    with uow:
        session = uow.session
        programme = _step(session, actor, programme_id, Step.conclude)
        scope_id = data.regulator_scope_id
        if scope_id is None and programme.kind == ProgrammeKind.sandbox:
            scope_id = programme.regulator_scope_id
            if scope_id is None:
                raise InvalidInput.on(
                    "regulator_scope_id", lazy("a sandbox's outcome feeds one of your scopes")
                )
        programme.outcome = data.outcome
        programme.concluded_at = clock.now()
        if scope_id is not None:
            scope = _regulator_scope(session, programme.regulator_organization_id, scope_id)
            programme.regulator_scope_id = scope.id
            trigger = open_trigger(
                session,
                actor,
                scope,
                TriggerCreate(
                    kind=TriggerKind.sandbox_outcome,
                    # The outcome may fill a cause's whole length: the programme's page has it all.
                    cause=f"Programme #{programme.id}: {data.outcome}"[:CAUSE_MAX],
                    facts={"programme_id": programme.id, "programme_kind": programme.kind},
                ),
            )
            programme.trigger_id = trigger.id
        _record(
            session, actor, "programme.concluded", programme, programme.regulator_organization_id
        )
        _tell(
            session,
            actor,
            programme.applicant_organization_id,
            programme,
            "programme.concluded",
            lazy("Programme concluded: %(title)s", title=programme.title),
            data.outcome,
        )
        uow.commit()
        return _read(programme)


def get_programme(
    uow: UnitOfWork, actor: Principal, programme_id: int
) -> ProgrammeRead | ProgrammePublic:
    with uow:
        programme = _programme(uow.session, actor, programme_id)
        return _read(programme) if is_party(actor, programme) else _public(programme)


def list_programmes(
    uow: UnitOfWork, actor: Principal, limit: int, offset: int
) -> Page[ProgrammeRead | ProgrammePublic]:
    """The caller's organizations' programmes and the public ones, newest first."""
    with uow:
        session = uow.session
        seen = [_public_rows()]
        if actor.roles:
            mine = list(actor.roles)
            seen.append(Programme.applicant_organization_id.in_(mine))
            seen.append(Programme.regulator_organization_id.in_(mine))
        page = paginate(
            session,
            Programme,
            [or_(*seen)],
            ProgrammeRead,
            limit,
            offset,
            order_by=[Programme.id.desc()],
        )
        items: list[ProgrammeRead | ProgrammePublic] = []
        for item in page.items:
            if is_party(actor, item):
                item.overdue = decision_overdue(item.status, item.decision_due, today_in_japan())
                items.append(item)
            else:
                public = ProgrammePublic.model_validate(item.model_dump())
                if item.kind is ProgrammeKind.gray_zone:
                    public.title = ""
                items.append(public)
        return Page(items=items, total=page.total, limit=limit, offset=offset)


def watched(uow: UnitOfWork, actor: Principal, programme_id: int) -> list[dict[str, Any]]:
    """The watched indicators with their latest evaluation by the monitoring
    (for the programme's parties)."""
    with uow:
        session = uow.session
        programme = _programme(session, actor, programme_id)
        if not is_party(actor, programme) or programme.scope_id is None:
            return []
        names = {
            found.row.id: found.row.name for found in active_indicators(session, programme.scope_id)
        }
        latest = latest_evaluations(session, programme.scope_id)
        return [
            {
                "id": id_,
                "name": names.get(id_, f"#{id_}"),
                "status": latest[id_].status if id_ in latest else None,
                "value": latest[id_].value if id_ in latest else None,
                "evaluated_at": latest[id_].evaluated_at if id_ in latest else None,
            }
            for id_ in programme.indicator_ids
        ]


def next_steps(programme: ProgrammeRead, actor: Principal) -> list[Step]:
    """The steps the actor may take now, for the page's forms."""
    steps: list[Step] = []
    kind, status = programme.kind, programme.status
    if actor.can(programme.applicant_organization_id, Role.editor):
        steps += steps_open(kind, status, Party.applicant)
    if actor.can(programme.regulator_organization_id, Role.editor):
        steps += steps_open(kind, status, Party.regulator)
    return steps


def notify_overdue(uow: UnitOfWork) -> int:
    """Tell both sides, once, of each decision or answer past its due date."""
    with uow:
        session = uow.session
        due = session.scalars(
            select(Programme)
            .where(
                Programme.status == ProgrammeStatus.applied.value,
                Programme.decision_due < today_in_japan(),
                Programme.overdue_notified_at.is_(None),
            )
            .order_by(Programme.id)
            .with_for_update()
        ).all()
        for programme in due:
            programme.overdue_notified_at = clock.now()
            title = lazy("Decision overdue: %(title)s", title=programme.title)
            body = lazy("It was due on %(due)s.", due=programme.decision_due.isoformat())
            for organization_id in (
                programme.regulator_organization_id,
                programme.applicant_organization_id,
            ):
                _tell(session, SYSTEM, organization_id, programme, "programme.overdue", title, body)
            _record(
                session, SYSTEM, "programme.overdue", programme, programme.regulator_organization_id
            )
        uow.commit()
        return len(due)
