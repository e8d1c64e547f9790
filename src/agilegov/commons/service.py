"""Incidents and the commons: recording what went wrong on a scope and the
trigger it opens, the path that follows (information, compensation or
cooperation and a pledge), the reports a regulator's clocks ask for, and the
commons: shared incidents, pseudonymised and public, matched to the scopes
that subscribe so that they learn before it happens to them. The only writer
of the commons part's tables.

Who sees an incident: the members of its organization, and the members of the
regulator it was reported to. Its record events are private (the public record
holds a commitment). A shared incident is public, and its record events are
filed under no organization: the commons does not say who shared it."""

import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.analysis.service import IMPACT, RISK
from agilegov.assurance.service import suspend_standing
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.commons import exports, matching, path, reporting, sources
from agilegov.commons.models import (
    CommonsSignal,
    CommonsSubscription,
    Incident,
    IncidentReport,
    IncidentReportingRule,
    IncidentStep,
    PledgeItem,
    SharedIncident,
    SharedIncidentVersion,
    incident_risks,
)
from agilegov.commons.path import Action, Branch, Consequence, Party, Status
from agilegov.commons.pseudonymise import Harm, Identifiers, identifying, propose
from agilegov.commons.schemas import (
    ChannelChoice,
    Compensation,
    Correction,
    Dismissal,
    ImportResult,
    ImportSource,
    IncidentCreate,
    IncidentRead,
    IncidentReportRead,
    IncidentStepRead,
    IncidentSummary,
    Note,
    Pledge,
    PledgeItemRead,
    ReportFiling,
    ReportingRuleRead,
    ReportingRuleSet,
    Retraction,
    Sanction,
    SharedIncidentRead,
    SharedVersionRead,
    ShareInput,
    ShareProposal,
    SignalRead,
    SignalStatus,
    SimilarRead,
    SubscriptionRead,
    SubscriptionSet,
)
from agilegov.commons.vocabulary import (
    PLATFORM_LICENCE,
    HarmSeverity,
    HarmType,
    IncidentKind,
    Licence,
    Source,
)
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import ReviewCreate, TriggerCreate
from agilegov.cycle.service import open_trigger, review_in, trigger_statuses
from agilegov.db import hold
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.library.service import followed_by_scope
from agilegov.notify.service import notify_owners
from agilegov.organizations.service import members_of, organization_profile
from agilegov.paging import paginate
from agilegov.record.service import record_event
from agilegov.regulation.channels import channel_of, channels_of, file_in
from agilegov.regulation.schemas import RiskReportCreate, Severity
from agilegov.schemas import Page
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork

JAPAN = ZoneInfo("Asia/Tokyo")
# Shared incidents a feed or an export holds at most.
FEED_ENTRIES = 50
EXPORT_LIMIT = 1_000


class _Matcher:
    """An index kept for the life of the process (of the subscribed scopes, or
    of the shared incidents), built anew only when what it holds changed; when
    it is, only the texts that changed are counted again."""

    def __init__(self, build: Any) -> None:
        self.build = build
        self.counts = matching.TextCounts()
        self.held: Any = None
        self.index: matching.Index | None = None

    def index_of(self, held: Any) -> matching.Index:
        if self.index is None or held != self.held:
            self.index = self.build(held, counts=self.counts)
            self.held = held
        return self.index


_SCOPES = _Matcher(lambda profiles, counts: matching.Index.build(profiles, counts=counts))
_SHARED = _Matcher(lambda facts, counts: matching.Index.of_incidents(facts, counts=counts))
# Similar incidents a shared incident's page and the API list.
SIMILAR = 5

_SEVERITY_OF_HARM = {"minor": 0, "moderate": 1, "serious": 2, "fatal": 3}
_REPORT_SEVERITY = {0: Severity.low, 1: Severity.medium, 2: Severity.high, 3: Severity.critical}


def today_in_japan() -> date:
    return clock.now().astimezone(JAPAN).date()


def _not_found(incident_id: int) -> NotFound:
    return NotFound(lazy("incident %(incident_id)s not found", incident_id=incident_id))


# ---------------------------------------------------------------- who is who


def parties_of(session: Session, actor: Principal, incident: Incident) -> set[Party]:
    """The sides ``actor`` reads for: the owner's members, the regulator's."""
    sides: set[Party] = set()
    if actor.can(incident.organization_id, Role.viewer):
        sides.add(Party.owner)
    if incident.channel_id is not None:
        channel = channel_of(session, incident.channel_id)
        if actor.can(channel.organization_id, Role.viewer):
            sides.add(Party.regulator)
    return sides


def _incident(
    session: Session, actor: Principal, incident_id: int, lock: bool = False
) -> tuple[Incident, set[Party]]:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise _not_found(incident_id)
    if lock:
        hold(session, incident)
    sides = parties_of(session, actor, incident)
    if not sides:
        raise _not_found(incident_id)
    return incident, sides


def _acting(actor: Principal, session: Session, incident: Incident, party: Party) -> None:
    """Refuse unless ``actor`` edits for ``party``."""
    if party is Party.owner:
        actor.require(incident.organization_id, Role.editor)
    elif party is Party.regulator:
        if incident.channel_id is None:
            raise Conflict(lazy("the incident has not been reported to a regulator yet"))
        actor.require(channel_of(session, incident.channel_id).organization_id, Role.editor)


def _risk_ids(session: Session, incident_id: int) -> list[int]:
    return list(
        session.scalars(
            select(incident_risks.c.risk_id)
            .where(incident_risks.c.incident_id == incident_id)
            .order_by(incident_risks.c.risk_id)
        )
    )


def _pledge(session: Session, incident_id: int) -> list[PledgeItem]:
    return list(
        session.scalars(
            select(PledgeItem).where(PledgeItem.incident_id == incident_id).order_by(PledgeItem.id)
        )
    )


def _mark_done(session: Session, items: Sequence[PledgeItem], today: date) -> None:
    """A pledge item is done once its measure has a version after the pledge."""
    pending = [item for item in items if item.done_version is None]
    if not pending:
        return
    versions = dict(
        session.execute(
            select(MEASURE.model.id, MEASURE.model.version).where(
                MEASURE.model.id.in_([item.measure_id for item in pending])
            )
        ).all()
    )
    for item in pending:
        version = versions.get(item.measure_id, item.pledged_version)
        if version > item.pledged_version:
            item.done_version = version
            item.done_on = today


def _facts(session: Session, incident: Incident, today: date) -> path.Facts:
    items = _pledge(session, incident.id)
    _mark_done(session, items, today)
    return path.Facts(
        kind=IncidentKind(incident.kind),
        has_harm=bool(incident.harms),
        affected_informed=incident.affected_informed_on is not None,
        regulator_informed=incident.regulator_informed_on is not None,
        pledge_items=len(items),
        pledge_items_done=sum(1 for item in items if item.done_version is not None),
        pledge_items_overdue=path.overdue_items(
            (path.PledgeItem(item.due_on, item.done_version is not None) for item in items), today
        ),
    )


def _read(session: Session, incident: Incident) -> IncidentRead:
    steps = session.scalars(
        select(IncidentStep)
        .where(IncidentStep.incident_id == incident.id)
        .order_by(IncidentStep.id)
    )
    reports = session.scalars(
        select(IncidentReport)
        .where(IncidentReport.incident_id == incident.id)
        .order_by(IncidentReport.due_on, IncidentReport.id)
    )
    risk_ids = _risk_ids(session, incident.id)
    shared = session.scalar(
        select(SharedIncident.id).where(SharedIncident.incident_id == incident.id)
    )
    return IncidentRead.model_validate(
        {
            **IncidentSummary.model_validate(incident).model_dump(),
            "description": incident.description,
            "harms": incident.harms,
            "systems": incident.systems,
            "techniques": incident.techniques,
            "critical_infrastructure": incident.critical_infrastructure,
            "widespread": incident.widespread,
            "risk_ids": risk_ids,
            "foreseeable": bool(risk_ids),
            "affected_informed_on": incident.affected_informed_on,
            "regulator_informed_on": incident.regulator_informed_on,
            "channel_id": incident.channel_id,
            "trigger_id": incident.trigger_id,
            "consequence": incident.consequence,
            "shared_incident_id": shared,
            "steps": [IncidentStepRead.model_validate(step) for step in steps],
            "pledge": [
                PledgeItemRead.model_validate(item) for item in _pledge(session, incident.id)
            ],
            "reports": [IncidentReportRead.model_validate(report) for report in reports],
        }
    )


def _step(
    session: Session,
    actor: Principal,
    incident: Incident,
    action: str,
    party: Party,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> IncidentStep:
    """One move of the incident, with its private record event, in the caller's
    transaction."""
    details = details or {}
    payload = {
        "incident_id": incident.id,
        "scope_id": incident.scope_id,
        "action": action,
        "party": party.value,
        "status": incident.status,
        "due_on": incident.due_on.isoformat() if incident.due_on else None,
        "note": note,
        "details": details,
    }
    index = record_event(
        session,
        actor,
        f"incident.{action}",
        incident.id,
        payload,
        organization_id=incident.organization_id,
        private=True,
    )
    step = IncidentStep(
        incident_id=incident.id,
        at=clock.now(),
        action=action,
        party=party.value,
        user_id=actor.user_id,
        status=incident.status,
        note=note,
        details=details,
        record_index=index,
    )
    session.add(step)
    session.flush()
    return step


def _notify(
    session: Session, incident: Incident, organization_ids: Iterable[int], kind: str, title: Any
) -> None:
    for organization_id in dict.fromkeys(organization_ids):
        notify_owners(
            session,
            SYSTEM,
            organization_id,
            kind,
            title,
            lazy(
                "Incident %(incident_id)s is %(status)s.",
                incident_id=incident.id,
                status=incident.status,
            ),
            link=f"/incidents/{incident.id}",
            payload={"incident_id": incident.id, "status": incident.status},
        )


def _sides(session: Session, incident: Incident) -> list[int]:
    """The organizations an incident's move concerns: its owner, its regulator."""
    sides = [incident.organization_id]
    if incident.channel_id is not None:
        sides.append(channel_of(session, incident.channel_id).organization_id)
    return sides


# ---------------------------------------------------------------- recording


def _check_channel(session: Session, field: str, channel_id: int) -> None:
    channel = channel_of(
        session, channel_id, missing=InvalidInput.on(field, lazy("no such channel"))
    )
    if channel.status != "open":
        raise InvalidInput.on(field, lazy("the channel is closed and takes no reports"))


def record_incident(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: IncidentCreate
) -> IncidentRead:
    """An editor of the scope's organization records an incident. It is
    foreseeable when linked to risks of the register; either way it opens an
    ``incident`` trigger, with the incident as its evidence, whose loop the
    cycle's rule decides."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        today = today_in_japan()
        if data.discovered_on > today:
            raise InvalidInput.on("discovered_on", lazy("must not be in the future"))
        risk_ids = list(dict.fromkeys(data.risk_ids))
        for index, risk_id in enumerate(risk_ids):
            risk = session.get(RISK.model, risk_id)
            if risk is None or risk.scope_id != scope.id:
                raise InvalidInput.on(
                    f"risk_ids[{index}]",
                    lazy("no risk %(risk_id)s in this scope's register", risk_id=risk_id),
                )
        if data.channel_id is not None:
            _check_channel(session, "channel_id", data.channel_id)
        branch = Branch.foreseeable if risk_ids else Branch.unforeseeable
        now = clock.now()
        incident = Incident(
            scope_id=scope.id,
            organization_id=scope.organization_id,
            kind=data.kind.value,
            title=data.title,
            description=data.description,
            occurred_on=data.occurred_on,
            discovered_on=data.discovered_on,
            harms=[harm.model_dump(mode="json") for harm in data.harms],
            systems=[system.model_dump(mode="json") for system in data.systems],
            techniques=list(dict.fromkeys(data.techniques)),
            critical_infrastructure=data.critical_infrastructure,
            widespread=data.widespread,
            branch=branch.value,
            status=Status.open.value,
            entered_on=today,
            due_on=path.state_due(
                Status.open, branch, today, data.discovered_on, path.DEFAULT_CLOCKS
            ),
            channel_id=data.channel_id,
            missed=[],
            recorded_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(incident)
        session.flush()
        if risk_ids:
            session.execute(
                incident_risks.insert(),
                [{"incident_id": incident.id, "risk_id": risk_id} for risk_id in risk_ids],
            )
        # Opened by the platform's rule, with the incident as its evidence.
        trigger = open_trigger(
            session,
            SYSTEM,
            scope,
            TriggerCreate(
                kind=TriggerKind.incident,
                cause=f"incident #{incident.id}: {incident.title}",
                subject_type="incident",
                subject_id=incident.id,
                facts={"foreseeable": bool(risk_ids), "risk_ids": risk_ids},
            ),
        )
        incident.trigger_id = trigger.id
        if data.channel_id is not None:
            _schedule_reports(session, incident)
        _step(
            session,
            actor,
            incident,
            "recorded",
            Party.owner,
            details={"branch": branch.value, "risk_ids": risk_ids, "trigger_id": trigger.id},
        )
        _notify(
            session,
            incident,
            _sides(session, incident),
            "incident.recorded",
            lazy(
                "Incident recorded on %(scope)s: %(title)s", scope=scope.name, title=incident.title
            ),
        )
        uow.commit()
        return _read(session, incident)


def _reporting_facts(incident: Incident) -> reporting.ReportFacts:
    return reporting.ReportFacts(
        severities=frozenset(HarmSeverity(harm["severity"]) for harm in incident.harms),
        critical_infrastructure=incident.critical_infrastructure,
        widespread=incident.widespread,
    )


def _clauses(session: Session, channel_id: int) -> tuple[reporting.Clause, ...]:
    """The channel's incident clauses; a channel without any asks for one
    report within its own hours."""
    rule = session.scalar(
        select(IncidentReportingRule).where(IncidentReportingRule.channel_id == channel_id)
    )
    if rule is not None:
        return reporting.validate_clauses(rule.clauses)
    hours = channel_of(session, channel_id).hours_to_report
    return (
        reporting.Clause(
            name="channel",
            applies_when=reporting.Condition.any,
            initial_days=max(1, math.ceil(hours / 24)),
        ),
    )


def _schedule_reports(session: Session, incident: Incident) -> None:
    """The reports the incident owes its channel, due by the tightest clause."""
    assert incident.channel_id is not None
    for due in reporting.reports_due(
        _clauses(session, incident.channel_id), _reporting_facts(incident), incident.discovered_on
    ):
        session.add(
            IncidentReport(
                incident_id=incident.id,
                channel_id=incident.channel_id,
                kind=due.kind.value,
                clause=due.clause.name,
                due_on=due.due_on,
            )
        )
    session.flush()


def get_incident(uow: UnitOfWork, actor: Principal, incident_id: int) -> IncidentRead:
    with uow:
        incident, _ = _incident(uow.session, actor, incident_id)
        return _read(uow.session, incident)


def list_incidents(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[IncidentSummary]:
    """A scope's incidents, for its organization's members."""
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        actor.require(scope.organization_id, Role.viewer)
        return paginate(
            uow.session,
            Incident,
            [Incident.scope_id == scope.id],
            IncidentSummary,
            limit,
            offset,
            order_by=[Incident.discovered_on.desc(), Incident.id.desc()],
        )


def incidents_reported_to(
    uow: UnitOfWork, actor: Principal, organization_id: int, limit: int, offset: int
) -> Page[IncidentSummary]:
    """The incidents reported on a regulator's channels, for its members."""
    with uow:
        actor.require(organization_id, Role.viewer)
        channels = channels_of(uow.session, organization_id)
        return paginate(
            uow.session,
            Incident,
            [Incident.channel_id.in_(channels)],
            IncidentSummary,
            limit,
            offset,
            order_by=[Incident.discovered_on.desc(), Incident.id.desc()],
        )


# ---------------------------------------------------------------- the path


def _move(
    uow: UnitOfWork,
    actor: Principal,
    incident_id: int,
    action: Action,
    party: Party,
    note: str = "",
    consequence: Consequence | None = None,
    before: Any = None,
) -> IncidentRead:
    """One move along the path: checked by ``path.check_move``, then done,
    recorded and told to the other side, in one transaction. ``before`` does
    the move's own work once it is allowed (inform, pledge, sanction)."""
    with uow:
        session = uow.session
        incident, _ = _incident(session, actor, incident_id, lock=True)
        _acting(actor, session, incident, party)
        today = today_in_japan()
        status = Status(incident.status)
        branch = Branch(incident.branch)
        facts = _facts(session, incident, today)
        if action is Action.pledge and before is not None:
            # The pledge's items are what the move needs: count them first.
            facts = path.Facts(**{**facts.__dict__, "pledge_items": len(before.items)})
        try:
            path.check_consequence(action, consequence)
            target = path.check_move(action, party, status, branch, facts)
        except path.MoveRefused as refused:
            if refused.field == "status":
                raise Conflict(refused.message) from None
            raise InvalidInput.on(refused.field, refused.message) from None
        details: dict[str, Any] = {}
        if before is not None:
            details = _do(session, actor, incident, action, before, today) or {}
        if consequence is not None:
            incident.consequence = consequence.value
            details["consequence"] = consequence.value
            if consequence is Consequence.attestation_suspended:
                scope = session.get(Scope, incident.scope_id)
                assert scope is not None
                details["attestations_suspended"] = suspend_standing(
                    session,
                    actor,
                    scope,
                    f"incident #{incident.id}: {action.value.replace('_', ' ')}",
                    lazy(
                        "The regulator sanctioned incident %(incident_id)s: %(note)s",
                        incident_id=incident.id,
                        note=note,
                    ),
                    f"/incidents/{incident.id}",
                )
        if target is not None:
            incident.status = target.value
            incident.entered_on = today
            incident.due_on = path.state_due(
                target, branch, today, incident.discovered_on, path.DEFAULT_CLOCKS
            )
            incident.missed = []
        incident.updated_at = clock.now()
        _step(session, actor, incident, action.value, party, note, details)
        _notify(
            session,
            incident,
            [side for side in _sides(session, incident) if not actor.can(side, Role.viewer)],
            f"incident.{action.value}",
            lazy(
                "Incident %(incident_id)s: %(action)s",
                incident_id=incident.id,
                action=action.value.replace("_", " "),
            ),
        )
        uow.commit()
        return _read(session, incident)


def _do(
    session: Session, actor: Principal, incident: Incident, action: Action, data: Any, today: date
) -> dict[str, Any] | None:
    if action is Action.inform_affected:
        incident.affected_informed_on = today
        return None
    if action is Action.inform_regulator:
        return _inform_regulator(session, actor, incident, data, today)
    if action is Action.pledge:
        return _add_pledge(session, incident, data, today)
    return None


def inform_affected(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: Note
) -> IncidentRead:
    return _move(
        uow, actor, incident_id, Action.inform_affected, Party.owner, data.note, before=data
    )


def offer_compensation(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: Compensation
) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.offer_compensation, Party.owner, data.note)


def compensate(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: Compensation
) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.compensate, Party.owner, data.note)


def cooperate(uow: UnitOfWork, actor: Principal, incident_id: int, data: Note) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.cooperate, Party.owner, data.note)


def pledge(uow: UnitOfWork, actor: Principal, incident_id: int, data: Pledge) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.pledge, Party.owner, data.note, before=data)


def defer(uow: UnitOfWork, actor: Principal, incident_id: int, data: Note) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.defer, Party.regulator, data.note)


def complete(uow: UnitOfWork, actor: Principal, incident_id: int, data: Note) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.complete, Party.regulator, data.note)


def sanction(
    uow: UnitOfWork, actor: Principal, incident_id: int, action: Action, data: Sanction
) -> IncidentRead:
    """The regulator records non-cooperation or a broken pledge, and its consequence."""
    if action not in path.SANCTIONS:
        raise InvalidInput.on("action", lazy("not a sanction"))
    return _move(
        uow, actor, incident_id, action, Party.regulator, data.note, consequence=data.consequence
    )


def close(uow: UnitOfWork, actor: Principal, incident_id: int, data: Note) -> IncidentRead:
    return _move(uow, actor, incident_id, Action.close, Party.owner, data.note)


def add_note(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: Note, as_regulator: bool = False
) -> IncidentRead:
    party = Party.regulator if as_regulator else Party.owner
    return _move(uow, actor, incident_id, Action.note, party, data.note)


def _add_pledge(session: Session, incident: Incident, data: Pledge, today: date) -> dict[str, Any]:
    items = []
    for index, item in enumerate(data.items):
        measure = session.get(MEASURE.model, item.measure_id)
        if measure is None or measure.scope_id != incident.scope_id:
            raise InvalidInput.on(
                f"items[{index}].measure_id",
                lazy("no measure %(measure_id)s in this scope", measure_id=item.measure_id),
            )
        if measure.status == "retired":
            raise InvalidInput.on(
                f"items[{index}].measure_id",
                lazy("measure %(measure_id)s is retired", measure_id=item.measure_id),
            )
        if not today < item.due_on <= today + timedelta(days=366):
            raise InvalidInput.on(
                f"items[{index}].due_on", lazy("must be after today and within a year")
            )
        row = PledgeItem(
            incident_id=incident.id,
            measure_id=measure.id,
            change=item.change,
            due_on=item.due_on,
            pledged_version=measure.version,
        )
        session.add(row)
        items.append(
            {"measure_id": measure.id, "change": item.change, "due_on": item.due_on.isoformat()}
        )
    session.flush()
    return {"items": items}


# ---------------------------------------------------------------- reports to the regulator


def report_to(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: ChannelChoice
) -> IncidentRead:
    """The owner names the regulator's channel the incident is reported to;
    its clauses set the reports due."""
    with uow:
        session = uow.session
        incident, _ = _incident(session, actor, incident_id, lock=True)
        _acting(actor, session, incident, Party.owner)
        if incident.channel_id is not None:
            raise Conflict(
                lazy(
                    "the incident is already reported to channel %(channel_id)s",
                    channel_id=incident.channel_id,
                )
            )
        if Status(incident.status) not in path.OPEN:
            raise Conflict(lazy("the incident's path has ended"))
        _check_channel(session, "channel_id", data.channel_id)
        incident.channel_id = data.channel_id
        _schedule_reports(session, incident)
        incident.updated_at = clock.now()
        _step(
            session,
            actor,
            incident,
            "channel_named",
            Party.owner,
            details={"channel_id": data.channel_id},
        )
        _notify(
            session,
            incident,
            [channel_of(session, data.channel_id).organization_id],
            "incident.reported",
            lazy("Incident %(incident_id)s is reported to you", incident_id=incident.id),
        )
        uow.commit()
        return _read(session, incident)


def file_report(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: ReportFiling
) -> IncidentRead:
    """The owner files the initial or the complete report on the channel: the
    initial one informs the regulator (a step of the path); the complete one
    follows it."""
    if data.kind == "initial":
        return _move(
            uow,
            actor,
            incident_id,
            Action.inform_regulator,
            Party.owner,
            data.description,
            before=data,
        )
    with uow:
        session = uow.session
        incident, _ = _incident(session, actor, incident_id, lock=True)
        _acting(actor, session, incident, Party.owner)
        if incident.regulator_informed_on is None:
            raise Conflict(lazy("the complete report follows the initial one"))
        details = _file(session, actor, incident, data, today_in_japan())
        incident.updated_at = clock.now()
        _step(session, actor, incident, "reported", Party.owner, data.description, details)
        uow.commit()
        return _read(session, incident)


def _inform_regulator(
    session: Session, actor: Principal, incident: Incident, data: ReportFiling, today: date
) -> dict[str, Any]:
    details = _file(session, actor, incident, data, today)
    incident.regulator_informed_on = today
    return details


def _file(
    session: Session, actor: Principal, incident: Incident, data: ReportFiling, today: date
) -> dict[str, Any]:
    if incident.channel_id is None:
        raise Conflict(lazy("name the regulator's channel first"))
    report = session.scalar(
        select(IncidentReport).where(
            IncidentReport.incident_id == incident.id, IncidentReport.kind == data.kind
        )
    )
    if report is None:
        raise InvalidInput.on(
            "kind", lazy("the channel asks for no %(kind)s report", kind=data.kind)
        )
    if report.filed_at is not None:
        raise Conflict(lazy("the %(kind)s report is already filed", kind=data.kind))
    worst = max((_SEVERITY_OF_HARM[harm["severity"]] for harm in incident.harms), default=0)
    filed = file_in(
        session,
        actor,
        incident.channel_id,
        RiskReportCreate(
            organization_id=incident.organization_id,
            scope_id=incident.scope_id,
            title=f"{data.kind} incident report: {incident.title}"[:200],
            description=data.description,
            severity=_REPORT_SEVERITY[worst],
            became_aware_at=_start_of(incident.discovered_on),
        ),
    )
    report.risk_report_id = filed.id
    report.filed_at = clock.now()
    report.late = today > report.due_on
    return {"report": data.kind, "risk_report_id": filed.id, "late": report.late}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), JAPAN)


def set_reporting_rule(
    uow: UnitOfWork, actor: Principal, channel_id: int, data: ReportingRuleSet
) -> ReportingRuleRead:
    """A regulator's editor sets its incident-reporting clocks on its channel."""
    with uow:
        session = uow.session
        channel = channel_of(session, channel_id)
        actor.require(channel.organization_id, Role.editor)
        clauses = reporting.validate_clauses([clause.model_dump() for clause in data.clauses])
        stored = [
            {
                "name": clause.name,
                "applies_when": clause.applies_when.value,
                "initial_days": clause.initial_days,
                "complete_days": clause.complete_days,
            }
            for clause in clauses
        ]
        rule = session.scalar(
            select(IncidentReportingRule).where(IncidentReportingRule.channel_id == channel.id)
        )
        if rule is None:
            rule = IncidentReportingRule(channel_id=channel.id)
            session.add(rule)
        rule.name = data.name
        rule.clauses = stored
        rule.updated_at = clock.now()
        session.flush()
        read = ReportingRuleRead.model_validate(rule)
        record_event(
            session,
            actor,
            "incident_reporting_rule.set",
            rule.id,
            read,
            organization_id=channel.organization_id,
            private=False,
        )
        uow.commit()
        return read


def get_reporting_rule(uow: UnitOfWork, channel_id: int) -> ReportingRuleRead | None:
    """A channel's clocks: public, like the channel."""
    with uow:
        channel_of(uow.session, channel_id)
        rule = uow.session.scalar(
            select(IncidentReportingRule).where(IncidentReportingRule.channel_id == channel_id)
        )
        return None if rule is None else ReportingRuleRead.model_validate(rule)


# ---------------------------------------------------------------- deadlines


def act_on_missed_deadlines(uow: UnitOfWork) -> int:
    """Tell both sides, once each, of every deadline an open incident missed:
    information duties, the state's own deadline, pledge items, reports."""
    told = 0
    with uow:
        session = uow.session
        today = today_in_japan()
        incidents = session.scalars(
            select(Incident)
            .where(Incident.status.in_([status.value for status in path.OPEN]))
            .order_by(Incident.id)
        ).all()
        for incident in incidents:
            missed = _missed(session, incident, today)
            new = [name for name in missed if name not in incident.missed]
            if not new:
                continue
            incident.missed = [*incident.missed, *new]
            _step(session, SYSTEM, incident, "overdue", Party.platform, details={"missed": new})
            _notify(
                session,
                incident,
                _sides(session, incident),
                "incident.overdue",
                lazy(
                    "Incident %(incident_id)s missed a deadline: %(missed)s",
                    incident_id=incident.id,
                    missed=", ".join(new),
                ),
            )
            told += 1
        uow.commit()
    return told


def _missed(session: Session, incident: Incident, today: date) -> list[str]:
    facts = _facts(session, incident, today)
    status = Status(incident.status)
    missed = [
        duty.value
        for duty, due in path.duties_due(
            status, incident.discovered_on, facts, path.DEFAULT_CLOCKS
        ).items()
        if due < today
    ]
    if incident.due_on is not None and incident.due_on < today:
        missed.append(f"{status.value}_due")
    for item in _pledge(session, incident.id):
        if item.done_version is None and item.due_on < today:
            missed.append(f"pledge_item_{item.id}")
    for report in session.scalars(
        select(IncidentReport).where(
            IncidentReport.incident_id == incident.id, IncidentReport.filed_at.is_(None)
        )
    ):
        if report.due_on < today:
            missed.append(f"{report.kind}_report")
    return missed


# ---------------------------------------------------------------- sharing to the commons


def _identifiers(session: Session, incident: Incident) -> Identifiers:
    """Everything that would name the organization or its people."""
    organization = organization_profile(session, incident.organization_id)
    assert organization is not None
    scope = session.get(Scope, incident.scope_id)
    assert scope is not None
    return Identifiers(
        organization_names=(organization.name,),
        slug=organization.slug,
        domains=tuple(_domains(organization.website)),
        people=tuple(_people(session, incident.organization_id)),
        scope_name=scope.name,
    )


def _people(session: Session, organization_id: int) -> list[str]:
    """Members' names as they are written, and without what follows them in
    brackets ("Kenji Sato (data scientist)" is also "Kenji Sato")."""
    names: list[str] = []
    for _, name in members_of(session, organization_id):
        names.append(name)
        bare = re.sub(r"\s*[(\uff08].*$", "", name).strip()
        if bare and bare != name:
            names.append(bare)
    return list(dict.fromkeys(names))


def _domains(website: str | None) -> list[str]:
    if not website:
        return []
    host = website.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return [host.removeprefix("www.")] if host else []


def _frameworks(session: Session, scope_id: int) -> list[str]:
    """The frameworks a scope follows, without their versions."""
    refs = followed_by_scope(session, [scope_id])[scope_id]
    return list(dict.fromkeys(ref.split("@", 1)[0] for ref in refs))


def _proposal(session: Session, incident: Incident) -> ShareProposal:
    identifiers = _identifiers(session, incident)
    harms = [
        Harm(HarmType(h["type"]), HarmSeverity(h["severity"]), h["affected"], h["count"])
        for h in incident.harms
    ]
    proposed = propose(
        incident.title, incident.description, harms, incident.occurred_on, identifiers
    )
    return ShareProposal(
        kind=IncidentKind(incident.kind),
        title=proposed.title,
        description=proposed.description,
        occurred=proposed.occurred,
        harms=[asdict(harm) for harm in proposed.harms],
        harm_types=sorted({harm["type"] for harm in incident.harms}),
        system_kinds=sorted({system["kind"] for system in incident.systems}),
        techniques=list(incident.techniques),
        frameworks=_frameworks(session, incident.scope_id),
        foreseeable=incident.branch == Branch.foreseeable,
        identifying=identifying(f"{proposed.title}\n{proposed.description}", identifiers),
    )


def share_proposal(uow: UnitOfWork, actor: Principal, incident_id: int) -> ShareProposal:
    """What the platform proposes to share: organization and people removed,
    dates coarsened; the owner edits the text before sharing."""
    with uow:
        incident, _ = _incident(uow.session, actor, incident_id)
        actor.require(incident.organization_id, Role.editor)
        return _proposal(uow.session, incident)


def _refuse_identifying(title: str, description: str, identifiers: Identifiers) -> None:
    for field, text in (("title", title), ("description", description)):
        named = identifying(text, identifiers)
        if named:
            raise InvalidInput.on(
                field,
                lazy(
                    "still names the organization or its people: %(named)s",
                    named=", ".join(named),
                ),
            )


def share_incident(
    uow: UnitOfWork, actor: Principal, incident_id: int, data: ShareInput
) -> SharedIncidentRead:
    """The owner shares an incident to the commons, pseudonymised: refused
    while its text names the organization or its people. Published under the
    platform's licence, on the record, and matched to the subscribed scopes."""
    with uow:
        session = uow.session
        incident, _ = _incident(session, actor, incident_id, lock=True)
        actor.require(incident.organization_id, Role.owner)
        if session.scalar(
            select(SharedIncident.id).where(SharedIncident.incident_id == incident.id)
        ):
            raise Conflict(
                lazy(
                    "incident %(incident_id)s is already shared; correct it instead",
                    incident_id=incident.id,
                )
            )
        proposal = _proposal(session, incident)
        _refuse_identifying(data.title, data.description, _identifiers(session, incident))
        now = clock.now()
        shared = SharedIncident(
            source=Source.platform.value,
            # Random, so that it says nothing of who shared it or when.
            source_id=f"AG-{secrets.token_hex(6)}",
            licence=PLATFORM_LICENCE.value,
            attribution="agilegov commons (shared by a participating organization)",
            title=data.title,
            description=data.description,
            occurred=proposal.occurred,
            kind=proposal.kind.value,
            harms=proposal.harms,
            harm_types=proposal.harm_types,
            system_kinds=proposal.system_kinds,
            techniques=proposal.techniques,
            frameworks=proposal.frameworks,
            foreseeable=proposal.foreseeable,
            url=None,
            incident_id=incident.id,
            organization_id=incident.organization_id,
            version=1,
            status="published",
            published_at=now,
            updated_at=now,
        )
        session.add(shared)
        session.flush()
        _version(session, actor, shared, "shared_incident.published", "")
        _step(
            session,
            actor,
            incident,
            "shared",
            Party.owner,
            details={"shared_incident_id": shared.id},
        )
        _match(session, [shared], exclude_scope_ids={incident.scope_id})
        uow.commit()
        return SharedIncidentRead.model_validate(shared)


def _content(shared: SharedIncident) -> dict[str, Any]:
    read = SharedIncidentRead.model_validate(shared).model_dump(mode="json")
    for stamp in ("id", "version", "status", "published_at", "updated_at"):
        read.pop(stamp)
    return read


def _version(
    session: Session, actor: Principal, shared: SharedIncident, event: str, reason: str
) -> None:
    """Keep this version of a shared incident and put it on the public record,
    filed under no organization and no person: the commons does not say who
    shared it."""
    content = _content(shared)
    index = record_event(
        session,
        SYSTEM,
        event,
        shared.id,
        {
            "shared_incident_id": shared.id,
            "version": shared.version,
            "status": shared.status,
            "reason": reason,
            "content": content,
        },
        private=False,
    )
    session.add(
        SharedIncidentVersion(
            shared_incident_id=shared.id,
            version=shared.version,
            content=content,
            reason=reason,
            at=clock.now(),
            record_index=index,
        )
    )
    session.flush()


def _editable(session: Session, actor: Principal, shared_id: int) -> SharedIncident:
    """A shared incident its sharer's owners (or, for an import, the site's
    operator) may correct."""
    shared = session.get(SharedIncident, shared_id)
    if shared is None:
        raise NotFound(lazy("shared incident %(shared_id)s not found", shared_id=shared_id))
    hold(session, shared)
    if shared.organization_id is not None:
        actor.require(shared.organization_id, Role.owner)
    else:
        actor.require_site_admin()
    return shared


def may_change_shared(uow: UnitOfWork, actor: Principal, shared_id: int) -> bool:
    """Whether ``actor`` may correct or retract the shared incident now, by the
    rule ``_editable`` enforces: not retracted, and an owner of the sharer (or,
    for an import, the site's operator). Pages show their forms by it."""
    with uow:
        shared = uow.session.get(SharedIncident, shared_id)
        if shared is None or shared.status == "retracted":
            return False
        if shared.organization_id is not None:
            return actor.can(shared.organization_id, Role.owner)
        return actor.is_system or actor.site_admin


def correct_shared(
    uow: UnitOfWork, actor: Principal, shared_id: int, data: Correction
) -> SharedIncidentRead:
    """A correction is a new version with its reason; the old ones stay readable."""
    with uow:
        session = uow.session
        shared = _editable(session, actor, shared_id)
        if shared.status == "retracted":
            raise Conflict(lazy("a retracted incident is not corrected"))
        title = data.title if data.title is not None else shared.title
        description = data.description if data.description is not None else shared.description
        if (title, description) == (shared.title, shared.description):
            raise InvalidInput.on(
                "title", lazy("a correction changes the title or the description")
            )
        if shared.incident_id is not None:
            incident = session.get(Incident, shared.incident_id)
            assert incident is not None
            _refuse_identifying(title, description, _identifiers(session, incident))
        shared.title, shared.description = title, description
        shared.version += 1
        shared.updated_at = clock.now()
        _version(session, actor, shared, "shared_incident.corrected", data.reason)
        uow.commit()
        return SharedIncidentRead.model_validate(shared)


def retract_shared(
    uow: UnitOfWork, actor: Principal, shared_id: int, data: Retraction
) -> SharedIncidentRead:
    """A retraction is not a deletion: it stays listed, marked, with its reason."""
    with uow:
        session = uow.session
        shared = _editable(session, actor, shared_id)
        if shared.status == "retracted":
            raise Conflict(lazy("the incident is already retracted"))
        shared.status = "retracted"
        shared.version += 1
        shared.updated_at = clock.now()
        _version(session, actor, shared, "shared_incident.retracted", data.reason)
        uow.commit()
        return SharedIncidentRead.model_validate(shared)


def list_shared(
    uow: UnitOfWork, limit: int, offset: int, source: Source | None = None
) -> Page[SharedIncidentRead]:
    """The commons, newest first: public."""
    with uow:
        where = [] if source is None else [SharedIncident.source == source.value]
        return paginate(
            uow.session,
            SharedIncident,
            where,
            SharedIncidentRead,
            limit,
            offset,
            order_by=[SharedIncident.published_at.desc(), SharedIncident.id.desc()],
        )


def get_shared(uow: UnitOfWork, shared_id: int) -> SharedIncidentRead:
    with uow:
        shared = uow.session.get(SharedIncident, shared_id)
        if shared is None:
            raise NotFound(lazy("shared incident %(shared_id)s not found", shared_id=shared_id))
        return SharedIncidentRead.model_validate(shared)


def shared_versions(uow: UnitOfWork, shared_id: int) -> list[SharedVersionRead]:
    with uow:
        get_shared(uow, shared_id)
        return [
            SharedVersionRead.model_validate(version)
            for version in uow.session.scalars(
                select(SharedIncidentVersion)
                .where(SharedIncidentVersion.shared_incident_id == shared_id)
                .order_by(SharedIncidentVersion.version)
            )
        ]


def similar_shared(uow: UnitOfWork, shared_id: int, limit: int = SIMILAR) -> list[SimilarRead]:
    """The shared incidents most like this one (retracted ones left out), by
    the same matching as signals, each with its score and reasons."""
    with uow:
        session = uow.session
        shared = session.get(SharedIncident, shared_id)
        if shared is None:
            raise NotFound(lazy("shared incident %(shared_id)s not found", shared_id=shared_id))
        rows = session.scalars(
            select(SharedIncident)
            .where(SharedIncident.status == "published")
            .order_by(SharedIncident.id)
        ).all()
        index = _SHARED.index_of({row.id: _facts_of(row) for row in rows})
        by_id = {row.id: row for row in rows}
        found = [
            match
            for match in index.rank(_facts_of(shared), limit + 1)
            if match.key != shared.id and match.score > 0
        ]
        return [
            SimilarRead(
                incident=SharedIncidentRead.model_validate(by_id[match.key]),
                score=round(float(match.score), 4),
                reasons=[asdict(reason) for reason in match.reasons],
            )
            for match in found[:limit]
        ]


def latest_shared(uow: UnitOfWork, limit: int = FEED_ENTRIES) -> list[SharedIncidentRead]:
    """The most recently published or changed, for the feed."""
    with uow:
        return [
            SharedIncidentRead.model_validate(row)
            for row in uow.session.scalars(
                select(SharedIncident)
                .order_by(SharedIncident.updated_at.desc(), SharedIncident.id.desc())
                .limit(limit)
            )
        ]


def export_avid(uow: UnitOfWork, shared_id: int) -> dict[str, Any]:
    return exports.to_avid(get_shared(uow, shared_id))


def export_stix(uow: UnitOfWork, shared_ids: Sequence[int] | None = None) -> str:
    """A STIX 2.1 bundle of the commons (or of the incidents named)."""
    with uow:
        query = select(SharedIncident).order_by(SharedIncident.id).limit(EXPORT_LIMIT)
        if shared_ids:
            query = query.where(SharedIncident.id.in_(shared_ids))
        rows = [SharedIncidentRead.model_validate(row) for row in uow.session.scalars(query)]
        created = max((row.updated_at for row in rows), default=clock.now())
        return exports.to_stix(rows, created=created)


# ---------------------------------------------------------------- imports


_READERS = {
    ImportSource.atlas: lambda data: sources.read_atlas(data),
    ImportSource.avid: lambda data: [sources.read_avid(data)],
    ImportSource.aiid: lambda data: sources.read_aiid_csv(data),
}


def import_shared(
    uow: UnitOfWork, actor: Principal, source: ImportSource, files: Sequence[bytes]
) -> ImportResult:
    """The site's operator imports public incident data into the commons, its
    licence on every row. A bad file stores nothing. A row already imported
    and changed is corrected (a new version), never replaced silently."""
    actor.require_site_admin()
    rows = [row for data in files for row in _READERS[source](data)]
    with uow:
        session = uow.session
        existing = {
            row.source_id: row
            for row in session.scalars(
                select(SharedIncident).where(
                    SharedIncident.source == source.value,
                    SharedIncident.source_id.in_([row.source_id for row in rows]),
                )
            )
        }
        added: list[SharedIncident] = []
        corrected = unchanged = 0
        now = clock.now()
        for row in rows:
            values = {
                "licence": str(row.licence),
                "attribution": row.attribution,
                "title": row.title[:300],
                "description": row.description,
                "occurred": row.occurred,
                "harm_types": list(row.harm_types),
                "system_kinds": list(row.system_kinds),
                "techniques": list(row.techniques),
                "frameworks": list(row.frameworks),
                "url": row.url,
            }
            found = existing.get(row.source_id)
            if found is None:
                shared = SharedIncident(
                    source=source.value,
                    source_id=row.source_id,
                    kind=IncidentKind.incident.value,
                    harms=[],
                    foreseeable=None,
                    incident_id=None,
                    organization_id=None,
                    version=1,
                    status="published",
                    published_at=now,
                    updated_at=now,
                    **values,
                )
                session.add(shared)
                session.flush()
                _version(session, actor, shared, "shared_incident.published", "")
                existing[row.source_id] = shared
                added.append(shared)
            elif any(getattr(found, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(found, key, value)
                found.version += 1
                found.updated_at = now
                _version(
                    session,
                    actor,
                    found,
                    "shared_incident.corrected",
                    f"re-imported from {source.value}",
                )
                corrected += 1
            else:
                unchanged += 1
        _match(session, added)
        uow.commit()
        licence = Licence(str(rows[0].licence)) if rows else _LICENCE[source]
        return ImportResult(
            source=source,
            licence=licence,
            added=len(added),
            corrected=corrected,
            unchanged=unchanged,
        )


_LICENCE = {
    ImportSource.atlas: Licence.apache_2_0,
    ImportSource.avid: Licence.mit,
    ImportSource.aiid: Licence.cc_by_sa_4_0,
}


# ---------------------------------------------------------------- subscriptions and signals


def set_subscription(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: SubscriptionSet
) -> SubscriptionRead:
    """An editor subscribes a scope to the commons (or changes what it says)."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        subscription = session.scalar(
            select(CommonsSubscription).where(CommonsSubscription.scope_id == scope.id)
        )
        now = clock.now()
        if subscription is None:
            subscription = CommonsSubscription(scope_id=scope.id, created_at=now)
            session.add(subscription)
        subscription.system_kinds = list(dict.fromkeys(data.system_kinds))
        subscription.techniques = list(dict.fromkeys(data.techniques))
        subscription.harm_types = [harm.value for harm in dict.fromkeys(data.harm_types)]
        subscription.threshold = data.threshold
        subscription.active = data.active
        subscription.updated_at = now
        session.flush()
        read = SubscriptionRead.model_validate(subscription)
        record_event(session, actor, "commons_subscription.set", subscription.id, read, scope=scope)
        uow.commit()
        return read


def get_subscription(uow: UnitOfWork, actor: Principal, scope_id: int) -> SubscriptionRead | None:
    with uow:
        scope = readable_scope(uow.session, actor, scope_id)
        actor.require(scope.organization_id, Role.viewer)
        subscription = uow.session.scalar(
            select(CommonsSubscription).where(CommonsSubscription.scope_id == scope.id)
        )
        return None if subscription is None else SubscriptionRead.model_validate(subscription)


def profiles(session: Session) -> list[matching.Profile]:
    """What every active subscription's scope shares with incidents: its
    subscription's words, its description, its risks and their impact areas,
    and the frameworks it follows (four queries, however many scopes)."""
    subscriptions = session.execute(
        select(CommonsSubscription, Scope.description)
        .join(Scope, Scope.id == CommonsSubscription.scope_id)
        .where(CommonsSubscription.active.is_(True), Scope.status == "active")
        .order_by(CommonsSubscription.scope_id)
    ).all()
    ids = [row[0].scope_id for row in subscriptions]
    texts: dict[int, list[str]] = {scope_id: [] for scope_id in ids}
    areas: dict[int, set[str]] = {scope_id: set() for scope_id in ids}
    risk = RISK.model
    for scope_id, title, description in session.execute(
        select(risk.scope_id, risk.title, risk.description).where(risk.scope_id.in_(ids))
    ):
        texts[scope_id].append(f"{title}. {description}")
    impact = IMPACT.model
    for scope_id, area in session.execute(
        select(risk.scope_id, impact.area)
        .join(risk.impacts)
        .where(risk.scope_id.in_(ids))
        .distinct()
    ):
        areas[scope_id].add(area)
    frameworks = followed_by_scope(session, ids)
    found = []
    for subscription, description in subscriptions:
        scope_id = subscription.scope_id
        if scope_id not in texts:
            continue
        found.append(
            matching.Profile(
                key=scope_id,
                system_kinds=frozenset(subscription.system_kinds),
                techniques=frozenset(subscription.techniques),
                harm_types=frozenset(subscription.harm_types),
                frameworks=frozenset(ref.split("@", 1)[0] for ref in frameworks[scope_id]),
                risk_categories=frozenset(areas[scope_id]),
                text="\n".join([description, *texts[scope_id]]),
                threshold=subscription.threshold,
            )
        )
    return found


def _facts_of(shared: SharedIncident) -> matching.IncidentFacts:
    return matching.IncidentFacts(
        system_kinds=frozenset(shared.system_kinds),
        techniques=frozenset(shared.techniques),
        harm_types=frozenset(shared.harm_types),
        frameworks=frozenset(shared.frameworks),
        text=f"{shared.title}\n{shared.description}",
    )


def _match(
    session: Session, shared: Sequence[SharedIncident], exclude_scope_ids: set[int] | None = None
) -> int:
    """Signal every subscribed scope a newly shared incident matches above its
    threshold: a commons signal and a ``commons_signal`` trigger (outer loop)."""
    found = profiles(session)
    if not found or not shared:
        return 0
    index = _SCOPES.index_of(tuple(found))
    opened = 0
    for incident in shared:
        for match in index.matches(_facts_of(incident)):
            if match.key not in (exclude_scope_ids or set()):
                opened += _signal(session, incident, match)
    return opened


def _signal(session: Session, shared: SharedIncident, match: matching.Match) -> int:
    scope = session.get(Scope, match.key)
    assert scope is not None
    if session.scalar(
        select(CommonsSignal.id).where(
            CommonsSignal.shared_incident_id == shared.id, CommonsSignal.scope_id == scope.id
        )
    ):
        return 0
    reasons = [asdict(reason) for reason in match.reasons]
    signal = CommonsSignal(
        shared_incident_id=shared.id,
        scope_id=scope.id,
        score=round(float(match.score), 4),
        reasons=reasons,
        status=SignalStatus.open.value,
        reason="",
        created_at=clock.now(),
    )
    session.add(signal)
    session.flush()
    trigger = open_trigger(
        session,
        SYSTEM,
        scope,
        TriggerCreate(
            kind=TriggerKind.commons_signal,
            cause=f"commons: {shared.title}"[:2000],
            subject_type="commons_signal",
            subject_id=signal.id,
            facts={"shared_incident_id": shared.id, "score": signal.score, "reasons": reasons},
        ),
    )
    signal.trigger_id = trigger.id
    record_event(
        session,
        SYSTEM,
        "commons_signal.opened",
        signal.id,
        _signal_read(signal, "open"),
        scope=scope,
    )
    notify_owners(
        session,
        SYSTEM,
        scope.organization_id,
        "commons_signal.opened",
        lazy("The commons signals %(scope)s: %(title)s", scope=scope.name, title=shared.title),
        lazy(
            "A shared incident resembles this scope (score %(score)s). Review it in the outer "
            "loop, or dismiss it with a reason.",
            score=round(signal.score, 2),
        ),
        link=f"/commons-signals/{signal.id}",
        payload={
            "commons_signal_id": signal.id,
            "shared_incident_id": shared.id,
            "scope_id": scope.id,
        },
    )
    return 1


def _signal_read(signal: CommonsSignal, trigger_status: str | None) -> SignalRead:
    if signal.status == SignalStatus.dismissed:
        status = SignalStatus.dismissed
    elif trigger_status == "resolved":
        status = SignalStatus.reviewed
    else:
        status = SignalStatus.open
    return SignalRead.model_validate(
        {
            **{
                column: getattr(signal, column)
                for column in SignalRead.model_fields
                if column != "status"
            },
            "status": status,
        }
    )


def _signals_read(session: Session, signals: Sequence[CommonsSignal]) -> list[SignalRead]:
    statuses = trigger_statuses(session, [s.trigger_id for s in signals if s.trigger_id])
    return [_signal_read(s, statuses.get(s.trigger_id or 0)) for s in signals]


def list_signals(
    uow: UnitOfWork, actor: Principal, scope_id: int, limit: int, offset: int
) -> Page[SignalRead]:
    with uow:
        session = uow.session
        scope = readable_scope(session, actor, scope_id)
        actor.require(scope.organization_id, Role.viewer)
        where = [CommonsSignal.scope_id == scope.id]
        total = session.scalar(select(func.count()).select_from(CommonsSignal).where(*where)) or 0
        rows = session.scalars(
            select(CommonsSignal)
            .where(*where)
            .order_by(CommonsSignal.created_at.desc(), CommonsSignal.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return Page[SignalRead](
            items=_signals_read(session, rows), total=total, limit=limit, offset=offset
        )


def _own_signal(session: Session, actor: Principal, signal_id: int) -> tuple[CommonsSignal, Scope]:
    signal = session.get(CommonsSignal, signal_id)
    if signal is None:
        raise NotFound(lazy("commons signal %(signal_id)s not found", signal_id=signal_id))
    scope = session.get(Scope, signal.scope_id)
    assert scope is not None
    if not actor.can(scope.organization_id, Role.viewer):
        raise NotFound(lazy("commons signal %(signal_id)s not found", signal_id=signal_id))
    return signal, scope


def get_signal(uow: UnitOfWork, actor: Principal, signal_id: int) -> SignalRead:
    with uow:
        signal, _ = _own_signal(uow.session, actor, signal_id)
        return _signals_read(uow.session, [signal])[0]


def dismiss_signal(
    uow: UnitOfWork, actor: Principal, signal_id: int, data: Dismissal
) -> SignalRead:
    """The owner dismisses a signal with its reason: a review that settles its
    trigger, on the record."""
    with uow:
        session = uow.session
        signal, scope = _own_signal(session, actor, signal_id)
        scope = writable_scope(session, actor, scope.id, Role.reviewer)
        hold(session, signal)
        status = _signals_read(session, [signal])[0].status
        if status is not SignalStatus.open:
            raise Conflict(lazy("the signal is already %(status)s", status=status.value))
        assert signal.trigger_id is not None
        review_in(
            session,
            actor,
            scope,
            ReviewCreate(
                summary=f"Commons signal #{signal.id} dismissed: {data.reason}",
                decisions=["dismiss the commons signal"],
                evidence=[f"/commons/{signal.shared_incident_id}"],
                resolves=[signal.trigger_id],
            ),
        )
        signal.status = SignalStatus.dismissed.value
        signal.reason = data.reason
        signal.decided_by = actor.user_id
        signal.decided_at = clock.now()
        session.flush()
        read = _signal_read(signal, "resolved")
        record_event(session, actor, "commons_signal.dismissed", signal.id, read, scope=scope)
        uow.commit()
        return read


# ---------------------------------------------------------------- figures


def scope_figures(session: Session, scope_id: int, start: date, end: date) -> dict[str, Any]:
    """A scope's incidents discovered from ``start`` to ``end``, for the
    reports a regulator receives: how many of each kind and branch, and how
    many reached each state."""
    rows = session.execute(
        select(Incident.kind, Incident.branch, Incident.status, func.count())
        .where(
            Incident.scope_id == scope_id,
            Incident.discovered_on >= start,
            Incident.discovered_on <= end,
        )
        .group_by(Incident.kind, Incident.branch, Incident.status)
    ).all()
    figures: dict[str, Any] = {
        "total": sum(count for *_, count in rows),
        "by_kind": {kind.value: 0 for kind in IncidentKind},
        "foreseeable": 0,
        "unforeseeable": 0,
        "by_status": {},
    }
    for kind, branch, status, count in rows:
        figures["by_kind"][kind] += count
        figures[branch] += count
        figures["by_status"][status] = figures["by_status"].get(status, 0) + count
    return figures
