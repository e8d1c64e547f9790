"""Complaints up the remedy ladder: filing, the provider's handling, ADR, the
courts; the clocks of every state; clusters that open the inner loop; and the
figures providers report. The only writer of the remedy part's tables.

Who sees a complaint: its complainant (signed in, or holding the secret of its
follow link), the provider's members, and, once escalated to it, the ADR body's
members. To anyone else it does not exist. Every move appends a private record
event under the provider, so the public record holds a commitment to it, never
its content, and the complainant's name and contact are in no event at all."""

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.analysis.service import RISK
from agilegov.auth import SYSTEM, Principal, Role, hash_token
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger, open_triggers_of
from agilegov.db import hold
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from agilegov.goals.service import GOAL
from agilegov.i18n import lazy
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationKind
from agilegov.organizations.service import organization_profile
from agilegov.paging import paginate
from agilegov.record.bundles import evidence_bundle
from agilegov.record.service import record_event
from agilegov.record.verify import BundleError, check_documents
from agilegov.remedy import clocks, clusters, statistics
from agilegov.remedy.ladder import (
    ADR_STATES,
    OPEN,
    Action,
    AdrResult,
    MoveRefused,
    Outcome,
    Party,
    Status,
    check_move,
    clock_holder,
    on_missed,
    settled_needs_both_heard,
)
from agilegov.remedy.models import (
    AdrProvider,
    AdrRoute,
    ClusterRule,
    Complaint,
    ComplaintCluster,
    ComplaintDesk,
    ComplaintDocument,
    ComplaintStep,
)
from agilegov.remedy.schemas import (
    AdrClosing,
    AdrProviderCreate,
    AdrProviderRead,
    AdrRouteRead,
    AdrRouteSet,
    Answer,
    Assessment,
    ClusterRead,
    ClusterRuleRead,
    ClusterRuleSet,
    ComplaintCreate,
    ComplaintDeskRead,
    ComplaintDeskSet,
    ComplaintDocumentRead,
    ComplaintFiled,
    ComplaintRead,
    ComplaintStepRead,
    ComplaintSummary,
    CountdownRead,
    DocumentAdd,
    Escalation,
    Extension,
    Note,
    Pause,
    Referral,
    Refusal,
    Statement,
    StatisticsRead,
)
from agilegov.schemas import Page
from agilegov.tenancy import Scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.workdays import business_days_between

JAPAN = ZoneInfo("Asia/Tokyo")
FOLLOW_SECRET_PREFIX = "agr_"
SUBJECT_KINDS = {"goal": GOAL, "measure": MEASURE, "risk": RISK}

EVENT = {
    Action.file: "filed",
    Action.acknowledge: "acknowledged",
    Action.assess: "assessed",
    Action.answer: "answered",
    Action.accept: "accepted",
    Action.escalate: "escalated",
    Action.adr_accept: "adr_accepted",
    Action.adr_refuse: "adr_refused",
    Action.adr_close: "adr_closed",
    Action.refer: "referred",
    Action.withdraw: "withdrawn",
    Action.statement: "statement_added",
    Action.document: "document_added",
    Action.pause: "paused",
    Action.resume: "resumed",
    Action.extend: "extended",
    Action.overdue: "overdue",
    Action.lapse: "lapsed",
}


def today_in_japan() -> date:
    """Today's date in Japan, where the business days are counted."""
    return clock.now().astimezone(JAPAN).date()


@dataclass(frozen=True)
class Caller:
    """Who acts on a complaint: the signed-in caller, and the secret of a
    follow link, if they hold one."""

    actor: Principal
    secret: str | None = None


def _not_found(complaint_id: int) -> NotFound:
    return NotFound(lazy("complaint %(complaint_id)s not found", complaint_id=complaint_id))


def _adr(session: Session, complaint: Complaint) -> AdrProvider | None:
    if complaint.adr_provider_id is None:
        return None
    return session.get(AdrProvider, complaint.adr_provider_id)


def parties_of(session: Session, caller: Caller, complaint: Complaint) -> set[Party]:
    """The sides ``caller`` is on in this complaint (none: it is not theirs to see)."""
    actor = caller.actor
    sides: set[Party] = set()
    if (actor.user_id is not None and complaint.filed_by == actor.user_id) or (
        caller.secret is not None
        and complaint.follow_hash is not None
        and secrets.compare_digest(complaint.follow_hash, hash_token(caller.secret))
    ):
        sides.add(Party.complainant)
    if actor.can(complaint.organization_id, Role.viewer):
        sides.add(Party.provider)
    adr = _adr(session, complaint)
    if adr is not None and actor.can(adr.organization_id, Role.viewer):
        sides.add(Party.adr)
    return sides


def _complaint(
    session: Session, caller: Caller, complaint_id: int, lock: bool = False
) -> tuple[Complaint, set[Party]]:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise _not_found(complaint_id)
    if lock:
        hold(session, complaint)
    sides = parties_of(session, caller, complaint)
    if not sides:
        raise _not_found(complaint_id)
    return complaint, sides


def _acting(
    caller: Caller, complaint: Complaint, sides: set[Party], party: Party, adr: AdrProvider | None
) -> None:
    """Refuse unless ``caller`` acts for ``party``: the complainant themself, an
    editor of the provider, an editor of the ADR body."""
    if party not in sides:
        raise Forbidden(lazy("only the %(party)s may do this", party=party.value))
    if party is Party.provider:
        caller.actor.require(complaint.organization_id, Role.editor)
    if party is Party.adr:
        assert adr is not None
        caller.actor.require(adr.organization_id, Role.editor)


def _desk(session: Session, organization_id: int) -> clocks.Desk:
    desk = session.get(ComplaintDesk, organization_id)
    if desk is None:
        return clocks.DEFAULT_DESK
    return clocks.Desk(
        desk.acknowledge_business_days,
        desk.answer_business_days,
        desk.reply_business_days,
        desk.case_business_days,
    )


def _adr_clocks(adr: AdrProvider | None) -> clocks.AdrClocks | None:
    if adr is None:
        return None
    return clocks.AdrClocks(adr.accept_business_days, adr.close_business_days)


def _enter(session: Session, complaint: Complaint, status: Status, today: date) -> None:
    """Move to ``status`` and start its clock."""
    if complaint.paused_on is not None:
        # Leaving a paused state resumes its clock: the whole case's deadline moves on too.
        complaint.case_due_on = (
            clocks.resumed(complaint.case_due_on, complaint.paused_on, today)
            or complaint.case_due_on
        )
    complaint.status = status.value
    complaint.due_on = clocks.state_due(
        status,
        today,
        complaint.filed_on,
        _desk(session, complaint.organization_id),
        _adr_clocks(_adr(session, complaint)),
    )
    complaint.paused_on = None
    complaint.missed = [name for name in complaint.missed if name == "case"]
    if status not in OPEN:
        complaint.closed_on = today


def _step(
    session: Session,
    actor: Principal,
    complaint: Complaint,
    action: Action,
    party: Party,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> ComplaintStep:
    """Record one move: a step of the complaint's history and its private
    record event, in the caller's transaction."""
    details = details or {}
    payload = {
        "complaint_id": complaint.id,
        "scope_id": complaint.scope_id,
        "action": action.value,
        "party": party.value,
        "status": complaint.status,
        "due_on": complaint.due_on.isoformat() if complaint.due_on else None,
        "case_due_on": complaint.case_due_on.isoformat(),
        "note": note,
        "details": details,
    }
    index = record_event(
        session,
        actor,
        f"complaint.{EVENT[action]}",
        complaint.id,
        payload,
        organization_id=complaint.organization_id,
        private=True,
    )
    step = ComplaintStep(
        complaint_id=complaint.id,
        at=clock.now(),
        action=action.value,
        party=party.value,
        user_id=actor.user_id,
        status=complaint.status,
        note=note,
        details=details,
        due_on=complaint.due_on,
        record_index=index,
    )
    session.add(step)
    session.flush()
    return step


def _read(session: Session, complaint: Complaint) -> ComplaintRead:
    steps = session.scalars(
        select(ComplaintStep)
        .where(ComplaintStep.complaint_id == complaint.id)
        .order_by(ComplaintStep.id)
    )
    documents = session.scalars(
        select(ComplaintDocument)
        .where(ComplaintDocument.complaint_id == complaint.id)
        .order_by(ComplaintDocument.id)
    )
    running = Status(complaint.status) in OPEN and complaint.paused_on is None
    today = today_in_japan()
    return ComplaintRead.model_validate(
        {
            **ComplaintSummary.model_validate(complaint).model_dump(),
            "steps": [ComplaintStepRead.model_validate(step) for step in steps],
            "documents": [ComplaintDocumentRead.model_validate(doc) for doc in documents],
            "deadline": _countdown(complaint.due_on, today) if running else None,
            "case_deadline": _countdown(complaint.case_due_on, today) if running else None,
        }
    )


def _countdown(due: date | None, today: date) -> CountdownRead | None:
    if due is None:
        return None
    left = clocks.countdown(due, today)
    return CountdownRead(
        due=left.due, business_days=left.business_days, days=left.days, missed=left.missed
    )


def _notify(
    session: Session,
    complaint: Complaint,
    organization_ids: Sequence[int],
    kind: str,
    title: Any,
    body: Any,
) -> None:
    for organization_id in organization_ids:
        notify_owners(
            session,
            SYSTEM,
            organization_id,
            kind,
            title,
            body,
            link=f"/complaints/{complaint.id}",
            payload={"complaint_id": complaint.id, "status": complaint.status},
        )


def _handlers(session: Session, complaint: Complaint) -> list[int]:
    """The organizations whose move it may be: the provider, and the ADR body
    once the case went to it."""
    adr = _adr(session, complaint)
    return [complaint.organization_id] + ([adr.organization_id] if adr else [])


# ---------------------------------------------------------------- ADR bodies


def register_adr_provider(
    uow: UnitOfWork, actor: Principal, data: AdrProviderCreate
) -> AdrProviderRead:
    """An organization's owner registers it as an ADR body. A body that is a
    business cannot be neutral about businesses' complaints: it is refused."""
    with uow:
        session = uow.session
        organization = organization_profile(session, data.organization_id)
        if organization is None:
            raise InvalidInput.on("organization_id", lazy("no such organization"))
        actor.require(organization.id, Role.owner)
        if organization.kind == OrganizationKind.business:
            raise InvalidInput.on(
                "organization_id",
                lazy(
                    "%(organization)s is a business; an ADR body is a neutral third party",
                    organization=organization.name,
                ),
            )
        if session.scalar(
            select(AdrProvider.id).where(AdrProvider.organization_id == organization.id)
        ):
            raise Conflict(
                lazy("%(organization)s is already an ADR body", organization=organization.name)
            )
        provider = AdrProvider(
            **data.model_dump(mode="json"), status="active", registered_at=clock.now()
        )
        session.add(provider)
        session.flush()
        read = AdrProviderRead.model_validate(provider)
        record_event(
            session,
            actor,
            "adr_provider.registered",
            provider.id,
            read,
            organization_id=organization.id,
            private=False,
        )
        uow.commit()
        return read


def list_adr_providers(uow: UnitOfWork, limit: int, offset: int) -> Page[AdrProviderRead]:
    """Every active ADR body: public, so complainants and providers can choose."""
    with uow:
        return paginate(
            uow.session,
            AdrProvider,
            [AdrProvider.status == "active"],
            AdrProviderRead,
            limit,
            offset,
            order_by=[AdrProvider.id],
        )


def get_adr_provider(uow: UnitOfWork, adr_provider_id: int) -> AdrProviderRead:
    with uow:
        provider = uow.session.get(AdrProvider, adr_provider_id)
        if provider is None:
            raise NotFound(
                lazy("ADR body %(adr_provider_id)s not found", adr_provider_id=adr_provider_id)
            )
        return AdrProviderRead.model_validate(provider)


def _neutral_adr(session: Session, adr_provider_id: int, provider_id: int) -> AdrProvider:
    """The active ADR body ``adr_provider_id``, which is not the provider
    ``provider_id`` itself: a body cannot be neutral about its own complaints."""
    adr = session.get(AdrProvider, adr_provider_id)
    if adr is None or adr.status != "active":
        raise InvalidInput.on(
            "adr_provider_id",
            lazy("no active ADR body %(adr_provider_id)s", adr_provider_id=adr_provider_id),
        )
    if adr.organization_id == provider_id:
        raise InvalidInput.on(
            "adr_provider_id",
            lazy("this ADR body is the provider itself; choose a neutral one"),
        )
    return adr


def name_adr_route(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: AdrRouteSet
) -> AdrRouteRead:
    """The scope's editors name the ADR body their terms (a rule measure of the
    scope) send complaints to; it replaces any route named before."""
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        measure = session.get(MEASURE.model, data.measure_id)
        if measure is None or measure.scope_id != scope.id:
            raise InvalidInput.on(
                "measure_id",
                lazy("no measure %(measure_id)s in this scope", measure_id=data.measure_id),
            )
        if measure.kind != "rule":
            raise InvalidInput.on(
                "measure_id",
                lazy(
                    "the route is named in the terms: a measure of kind rule, not %(kind)s",
                    kind=measure.kind,
                ),
            )
        _neutral_adr(session, data.adr_provider_id, scope.organization_id)
        route = session.scalar(select(AdrRoute).where(AdrRoute.scope_id == scope.id))
        if route is None:
            route = AdrRoute(scope_id=scope.id)
            session.add(route)
        route.measure_id = data.measure_id
        route.adr_provider_id = data.adr_provider_id
        route.named_at = clock.now()
        session.flush()
        read = AdrRouteRead.model_validate(route)
        record_event(session, actor, "adr_route.named", route.id, read, scope=scope)
        uow.commit()
        return read


def adr_route(session: Session, scope_id: int) -> AdrRoute | None:
    return session.scalar(select(AdrRoute).where(AdrRoute.scope_id == scope_id))


def get_adr_route(uow: UnitOfWork, scope_id: int) -> AdrRouteRead | None:
    with uow:
        route = adr_route(uow.session, scope_id)
        return AdrRouteRead.model_validate(route) if route else None


def set_desk(
    uow: UnitOfWork, actor: Principal, organization_id: int, data: ComplaintDeskSet
) -> ComplaintDeskRead:
    """A provider's owners set its clocks; complaints already filed keep theirs."""
    with uow:
        session = uow.session
        if organization_profile(session, organization_id) is None:
            raise NotFound(lazy("no such organization"))
        actor.require(organization_id, Role.owner)
        desk = session.get(ComplaintDesk, organization_id)
        if desk is None:
            desk = ComplaintDesk(organization_id=organization_id)
            session.add(desk)
        for name, value in data.model_dump().items():
            setattr(desk, name, value)
        session.flush()
        read = ComplaintDeskRead.model_validate(desk)
        record_event(
            session,
            actor,
            "complaint_desk.set",
            organization_id,
            read,
            organization_id=organization_id,
            private=False,
        )
        uow.commit()
        return read


def get_desk(uow: UnitOfWork, organization_id: int) -> ComplaintDeskRead:
    with uow:
        if organization_profile(uow.session, organization_id) is None:
            raise NotFound(lazy("no such organization"))
        desk = _desk(uow.session, organization_id)
        return ComplaintDeskRead(
            organization_id=organization_id,
            acknowledge_business_days=desk.acknowledge,
            answer_business_days=desk.answer,
            reply_business_days=desk.reply,
            case_business_days=desk.case,
        )


def _cluster_rule(session: Session, scope_id: int) -> clocks.ClusterDefaults:
    rule = session.get(ClusterRule, scope_id)
    if rule is None:
        return clocks.DEFAULT_CLUSTER
    return clocks.ClusterDefaults(rule.threshold, rule.window_days)


def set_cluster_rule(
    uow: UnitOfWork, actor: Principal, scope_id: int, data: ClusterRuleSet
) -> ClusterRuleRead:
    with uow:
        session = uow.session
        scope = writable_scope(session, actor, scope_id, Role.editor)
        rule = session.get(ClusterRule, scope.id)
        if rule is None:
            rule = ClusterRule(scope_id=scope.id)
            session.add(rule)
        rule.threshold = data.threshold
        rule.window_days = data.window_days
        session.flush()
        read = ClusterRuleRead.model_validate(rule)
        record_event(session, actor, "complaint_cluster_rule.set", scope.id, read, scope=scope)
        uow.commit()
        return read


def get_cluster_rule(uow: UnitOfWork, scope_id: int) -> ClusterRuleRead:
    with uow:
        rule = _cluster_rule(uow.session, scope_id)
        return ClusterRuleRead(
            scope_id=scope_id, threshold=rule.threshold, window_days=rule.window_days
        )


# ---------------------------------------------------------------- filing


def _published_scope(session: Session, scope_id: int) -> Scope:
    scope = session.get(Scope, scope_id)
    if scope is None or scope.visibility != "public":
        raise InvalidInput.on(
            "scope_id", lazy("no published scope %(scope_id)s", scope_id=scope_id)
        )
    return scope


def _check_subject(session: Session, scope: Scope, data: ComplaintCreate) -> None:
    if data.subject_type is None:
        return
    model = SUBJECT_KINDS[data.subject_type.value].model
    subject = session.get(model, data.subject_id)
    if subject is None or subject.scope_id != scope.id:
        raise InvalidInput.on(
            "subject_id",
            lazy(
                "no %(subject_type)s %(subject_id)s in this scope",
                subject_type=data.subject_type.value,
                subject_id=data.subject_id,
            ),
        )


def file_complaint(uow: UnitOfWork, actor: Principal, data: ComplaintCreate) -> ComplaintFiled:
    """Anyone files a complaint about a published scope. Without an account
    they get the secret of a follow link, shown once; only its hash is kept."""
    with uow:
        session = uow.session
        scope = _published_scope(session, data.scope_id)
        # Complaints about one scope take turns, so that those filed at once
        # open one cluster between them and the limit below holds.
        hold(session, scope)
        if actor.user_id is None:
            _limit_anonymous(session, scope)
        _check_subject(session, scope, data)
        today = today_in_japan()
        if data.happened_on is not None and data.happened_on > today:
            raise InvalidInput.on("happened_on", lazy("must not be in the future"))
        secret = None
        if actor.user_id is None:
            secret = FOLLOW_SECRET_PREFIX + secrets.token_urlsafe(32)
        desk = _desk(session, scope.organization_id)
        complaint = Complaint(
            **data.model_dump(exclude={"scope_id"}),
            scope_id=scope.id,
            organization_id=scope.organization_id,
            filed_by=actor.user_id,
            follow_hash=hash_token(secret) if secret else None,
            filed_at=clock.now(),
            filed_on=today,
            case_due_on=clocks.case_due(today, desk),
            missed=[],
        )
        _enter(session, complaint, Status.filed, today)
        session.add(complaint)
        session.flush()
        _step(
            session,
            actor,
            complaint,
            Action.file,
            Party.complainant,
            # The intake itself, so that the record (privately) commits to what was
            # filed; never the complainant's name or contact.
            details={
                "category": data.category.value,
                "what_happened": data.what_happened,
                "happened_on": data.happened_on.isoformat() if data.happened_on else None,
                "remedy_sought": data.remedy_sought,
                "subject": clusters.subject_key(_subject(complaint)),
                "contact_preference": data.contact_preference.value,
                "escalate_when_late": data.escalate_when_late,
            },
        )
        _notify(
            session,
            complaint,
            [complaint.organization_id],
            "complaint.filed",
            lazy("A complaint about %(scope)s", scope=scope.name),
            lazy(
                "Acknowledge it by %(due)s.",
                due=complaint.due_on.isoformat() if complaint.due_on else "",
            ),
        )
        _gather(session, scope, complaint)
        read = _read(session, complaint)
        uow.commit()
        return ComplaintFiled(complaint=read, follow_secret=secret)


# Complaints without an account, per scope and minute: enough for a wave of real
# ones, not for a script filling the provider's desk.
ANONYMOUS_PER_MINUTE = 20


def _limit_anonymous(session: Session, scope: Scope) -> None:
    recent = session.scalar(
        select(func.count())
        .select_from(Complaint)
        .where(
            Complaint.scope_id == scope.id,
            Complaint.filed_by.is_(None),
            Complaint.filed_at > clock.now() - timedelta(minutes=1),
        )
    )
    if recent is not None and recent >= ANONYMOUS_PER_MINUTE:
        raise TooManyRequests(
            lazy("too many complaints without an account at once; please try again in a minute")
        )


def _subject(complaint: Complaint) -> tuple[str, int] | None:
    if complaint.subject_type is None or complaint.subject_id is None:
        return None
    return (complaint.subject_type, complaint.subject_id)


def _gather(session: Session, scope: Scope, complaint: Complaint) -> None:
    """Join the complaint to its open cluster, or open one (and its trigger)
    when the complaints about the same thing reach the scope's threshold."""
    rule = _cluster_rule(session, scope.id)
    key = clusters.subject_key(_subject(complaint))
    open_trigger_ids = {trigger.id for trigger in open_triggers_of(session, [scope.id])}
    cluster = session.scalar(
        select(ComplaintCluster).where(
            ComplaintCluster.scope_id == scope.id,
            ComplaintCluster.key == key,
            ComplaintCluster.trigger_id.in_(open_trigger_ids),
        )
    )
    if cluster is not None:
        complaint.cluster_id = cluster.id
        record_event(
            session,
            SYSTEM,
            "complaint_cluster.joined",
            cluster.id,
            {"cluster_id": cluster.id, "complaint_id": complaint.id, "key": key},
            scope=scope,
            private=False,
        )
        return
    now = clock.now()
    window = timedelta(days=rule.window_days)
    rows = session.execute(
        select(
            Complaint.id, Complaint.filed_at, Complaint.subject_type, Complaint.subject_id
        ).where(
            Complaint.scope_id == scope.id,
            Complaint.filed_at >= now - window,
            Complaint.cluster_id.is_(None),
        )
    )
    filed = [
        clusters.Filed(id_, at, (kind, subject_id) if kind is not None else None)
        for id_, at, kind, subject_id in rows
    ]
    found = [
        found
        for found in clusters.clusters(filed, rule.threshold, window, now)
        if clusters.subject_key(found.subject) == key
    ]
    if not found:
        return
    members = found[0].complaint_ids
    cluster = ComplaintCluster(scope_id=scope.id, key=key, opened_at=now)
    session.add(cluster)
    session.flush()
    trigger = open_trigger(
        session,
        SYSTEM,
        scope,
        TriggerCreate(
            kind=TriggerKind.complaint_cluster,
            cause=_cluster_cause(session, key, len(members), rule.window_days),
            subject_type="complaint_cluster",
            subject_id=cluster.id,
            facts={"about": key, "complaints": list(members), "window_days": rule.window_days},
        ),
    )
    cluster.trigger_id = trigger.id
    for member in session.scalars(select(Complaint).where(Complaint.id.in_(members))):
        member.cluster_id = cluster.id
    session.flush()
    record_event(
        session,
        SYSTEM,
        "complaint_cluster.opened",
        cluster.id,
        {
            "cluster_id": cluster.id,
            "key": key,
            "trigger_id": trigger.id,
            "complaints": list(members),
        },
        scope=scope,
        private=False,
    )


def _cluster_cause(session: Session, key: str, count: int, window_days: int) -> str:
    if key == "scope":
        return f"{count} complaints about this scope within {window_days} days."
    kind, _, id_ = key.partition(":")
    subject = session.get(SUBJECT_KINDS[kind].model, int(id_))
    title = getattr(subject, "title", None) or getattr(subject, "name", None) or key
    return f"{count} complaints about {kind} “{title}” within {window_days} days."


def clusters_of(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[ClusterRead]:
    """A scope's clusters, for its members."""
    with uow:
        session = uow.session
        scope = session.get(Scope, scope_id)
        if scope is None or not actor.can(scope.organization_id, Role.viewer):
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        found = list(
            session.scalars(
                select(ComplaintCluster)
                .where(ComplaintCluster.scope_id == scope.id)
                .order_by(ComplaintCluster.id.desc())
            )
        )
        members: dict[int, list[int]] = {cluster.id: [] for cluster in found}
        for id_, cluster_id in session.execute(
            select(Complaint.id, Complaint.cluster_id)
            .where(Complaint.cluster_id.in_(members))
            .order_by(Complaint.id)
        ):
            members[cluster_id].append(id_)
        return [
            ClusterRead(
                id=cluster.id,
                scope_id=cluster.scope_id,
                key=cluster.key,
                trigger_id=cluster.trigger_id,
                opened_at=cluster.opened_at,
                complaint_ids=members[cluster.id],
            )
            for cluster in found
        ]


# ---------------------------------------------------------------- reading


def get_complaint(uow: UnitOfWork, caller: Caller, complaint_id: int) -> ComplaintRead:
    with uow:
        complaint, _ = _complaint(uow.session, caller, complaint_id)
        return _read(uow.session, complaint)


def followed(uow: UnitOfWork, secret: str) -> int:
    """The complaint a follow link's secret opens."""
    with uow:
        complaint_id = uow.session.scalar(
            select(Complaint.id).where(Complaint.follow_hash == hash_token(secret))
        )
        if complaint_id is None:
            raise NotFound(lazy("no complaint follows this link"))
        return complaint_id


def readable_complaints(actor: Principal) -> Any:
    """The complaints ``actor`` sees: filed by them, filed with their
    organizations, and escalated to their ADR bodies."""
    if actor.is_system:
        return Complaint.id.is_not(None)
    organizations = list(actor.roles)
    conditions = [
        Complaint.organization_id.in_(organizations),
        Complaint.adr_provider_id.in_(
            select(AdrProvider.id).where(AdrProvider.organization_id.in_(organizations))
        ),
    ]
    if actor.user_id is not None:
        conditions.append(Complaint.filed_by == actor.user_id)
    return or_(*conditions)


def list_complaints(
    uow: UnitOfWork,
    actor: Principal,
    limit: int,
    offset: int,
    scope_id: int | None = None,
    status: Status | None = None,
    waiting_for: Party | None = None,
) -> Page[ComplaintSummary]:
    where = [readable_complaints(actor)]
    if scope_id is not None:
        where.append(Complaint.scope_id == scope_id)
    if status is not None:
        where.append(Complaint.status == status.value)
    if waiting_for is not None:
        states = [state.value for state in Status if clock_holder(state) is waiting_for]
        where.append(Complaint.status.in_(states))
    with uow:
        return paginate(
            uow.session,
            Complaint,
            where,
            ComplaintSummary,
            limit,
            offset,
            order_by=[Complaint.filed_at.desc(), Complaint.id.desc()],
        )


# ---------------------------------------------------------------- moves


def _move(
    uow: UnitOfWork,
    caller: Caller,
    complaint_id: int,
    action: Action,
    party: Party | None,
    apply: Any = None,
    note: str = "",
    after: Any = None,
) -> ComplaintRead:
    """Check and make one move of the ladder: ``apply(session, complaint, today)``
    sets its fields and returns the step's details (and may name the target);
    ``after(session, step)`` adds what hangs on the step."""
    with uow:
        session = uow.session
        complaint, sides = _complaint(session, caller, complaint_id, lock=True)
        party = party or _only_side(sides)
        _acting(caller, complaint, sides, party, _adr(session, complaint))
        today = today_in_japan()
        status = Status(complaint.status)
        # A paused clock stands still: its deadline is not passed until it runs again.
        late = (
            complaint.paused_on is None
            and complaint.due_on is not None
            and today > complaint.due_on
        )
        try:
            target = check_move(action, party, status, answer_late=late)
        except MoveRefused as refused:
            raise InvalidInput.on(refused.field, refused.message) from None
        details: dict[str, Any] = {}
        if apply is not None:
            result = apply(session, complaint, today)
            details, target = result if isinstance(result, tuple) else (result, target)
        if target is not None:
            _enter(session, complaint, target, today)
        step = _step(session, caller.actor, complaint, action, party, note, details)
        if after is not None:
            after(session, step)
        if party is not Party.adr or action is not Action.statement:
            _tell(session, complaint, action, party)
        read = _read(session, complaint)
        uow.commit()
        return read


def _only_side(sides: set[Party]) -> Party:
    if len(sides) > 1:
        raise InvalidInput.on(
            "party",
            lazy("you are on more than one side of this complaint: say which you speak for"),
        )
    return next(iter(sides))


def _tell(session: Session, complaint: Complaint, action: Action, party: Party) -> None:
    """Tell the organizations whose move it now is (the complainant follows
    the complaint's page)."""
    holder = clock_holder(Status(complaint.status))
    adr = _adr(session, complaint)
    to: list[int] = []
    if holder is Party.provider and party is not Party.provider:
        to.append(complaint.organization_id)
    if holder is Party.adr and party is not Party.adr and adr is not None:
        to.append(adr.organization_id)
    if action in (Action.statement, Action.document) and party is Party.complainant:
        to = (
            _handlers(session, complaint)
            if Status(complaint.status) in ADR_STATES
            else [complaint.organization_id]
        )
    if not to:
        return
    _notify(
        session,
        complaint,
        to,
        f"complaint.{EVENT[action]}",
        lazy(
            "Complaint %(complaint_id)s: %(status)s",
            complaint_id=complaint.id,
            status=complaint.status,
        ),
        lazy(
            "Next deadline: %(due)s.", due=complaint.due_on.isoformat() if complaint.due_on else "-"
        ),
    )


def acknowledge(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Note) -> ComplaintRead:
    return _move(uow, caller, complaint_id, Action.acknowledge, Party.provider, note=data.note)


def assess(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Assessment) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        complaint.severity = data.severity.value
        complaint.urgency = data.urgency.value
        return {"severity": data.severity.value, "urgency": data.urgency.value}

    return _move(uow, caller, complaint_id, Action.assess, Party.provider, apply, data.note)


def answer(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Answer) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        complaint.decision = data.decision.value
        complaint.decision_reason = data.reason
        complaint.remedy_offered = data.remedy_offered
        complaint.answered_on = today
        return {"decision": data.decision.value, "remedy_offered": data.remedy_offered}

    return _move(uow, caller, complaint_id, Action.answer, Party.provider, apply, data.reason)


def accept(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Note) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        complaint.outcome = Outcome.resolved.value
        return {"outcome": Outcome.resolved.value}

    return _move(uow, caller, complaint_id, Action.accept, Party.complainant, apply, data.note)


def _escalate_to(
    session: Session, complaint: Complaint, adr_provider_id: int | None, today: date
) -> dict[str, Any]:
    if adr_provider_id is None:
        route = adr_route(session, complaint.scope_id)
        if route is None:
            raise InvalidInput.on(
                "adr_provider_id",
                lazy("the provider names no ADR body for this scope: choose one"),
            )
        adr_provider_id = route.adr_provider_id
    _neutral_adr(session, adr_provider_id, complaint.organization_id)
    if adr_provider_id == complaint.adr_provider_id:
        raise InvalidInput.on(
            "adr_provider_id", lazy("this ADR body has already had the case: choose another")
        )
    complaint.adr_provider_id = adr_provider_id
    complaint.escalated_on = today
    complaint.refusal_ground = None
    return {"adr_provider_id": adr_provider_id}


def escalate(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Escalation) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        return _escalate_to(session, complaint, data.adr_provider_id, today)

    return _move(uow, caller, complaint_id, Action.escalate, Party.complainant, apply, data.note)


def adr_accept(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Note) -> ComplaintRead:
    return _move(uow, caller, complaint_id, Action.adr_accept, Party.adr, note=data.note)


def adr_refuse(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Refusal) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        adr = _adr(session, complaint)
        assert adr is not None
        if data.ground.value not in adr.refusal_grounds:
            raise InvalidInput.on(
                "ground",
                lazy(
                    "not among the grounds this ADR body declared: %(grounds)s",
                    grounds=", ".join(adr.refusal_grounds) or "-",
                ),
            )
        complaint.refusal_ground = data.ground.value
        return {"ground": data.ground.value}

    return _move(uow, caller, complaint_id, Action.adr_refuse, Party.adr, apply, data.note)


def adr_close(
    uow: UnitOfWork, caller: Caller, complaint_id: int, data: AdrClosing
) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> tuple[dict[str, Any], Status]:
        heard = {
            Party(party)
            for party in session.scalars(
                select(ComplaintStep.party).where(
                    ComplaintStep.complaint_id == complaint.id,
                    ComplaintStep.action == Action.statement.value,
                    ComplaintStep.status == Status.adr_hearing.value,
                )
            )
        }
        try:
            settled_needs_both_heard(data.result, heard)
        except MoveRefused as refused:
            raise InvalidInput.on(refused.field, refused.message) from None
        complaint.adr_outcome_text = data.text
        if data.result is AdrResult.settled:
            complaint.outcome = Outcome.settled.value
            return {"result": data.result.value}, Status.settled
        return {"result": data.result.value}, Status.not_settled

    return _move(uow, caller, complaint_id, Action.adr_close, Party.adr, apply, data.text)


def refer(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Referral) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        complaint.outcome = Outcome.referred_to_court.value
        return {"court": data.court}

    return _move(uow, caller, complaint_id, Action.refer, Party.complainant, apply, data.note)


def withdraw(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Note) -> ComplaintRead:
    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        complaint.outcome = Outcome.withdrawn.value
        return {"outcome": Outcome.withdrawn.value}

    return _move(uow, caller, complaint_id, Action.withdraw, Party.complainant, apply, data.note)


def add_statement(
    uow: UnitOfWork, caller: Caller, complaint_id: int, data: Statement, party: Party | None = None
) -> ComplaintRead:
    """A side's statement: to the provider while it handles the case, to the
    ADR body (from either side, or the body's own) while it is before it."""
    return _move(uow, caller, complaint_id, Action.statement, party, note=data.text)


def add_document(
    uow: UnitOfWork,
    caller: Caller,
    complaint_id: int,
    data: DocumentAdd,
    party: Party | None = None,
) -> ComplaintRead:
    """A document a side gives, by its SHA-256; the side keeps the file."""

    def apply(session: Session, complaint: Complaint, today: date) -> dict[str, Any]:
        document = {"name": data.name, "sha256": data.sha256, "size": data.size}
        # Each document is a file of the evidence bundle's folder, as its verifier reads it.
        try:
            check_documents([document])
        except BundleError:
            raise InvalidInput.on(
                "name", lazy("must be a plain file name: no folder, not . or ..")
            ) from None
        given = session.execute(
            select(ComplaintDocument.name, ComplaintDocument.sha256).where(
                ComplaintDocument.complaint_id == complaint.id,
                or_(
                    ComplaintDocument.sha256 == data.sha256,
                    ComplaintDocument.name == data.name,
                ),
            )
        ).first()
        if given is not None and given.sha256 == data.sha256:
            raise InvalidInput.on("sha256", lazy("this document is already given"))
        if given is not None:
            raise InvalidInput.on("name", lazy("a document of this name is already given"))
        return document

    def after(session: Session, step: ComplaintStep) -> None:
        session.add(
            ComplaintDocument(
                complaint_id=complaint_id,
                name=data.name,
                sha256=data.sha256,
                size=data.size,
                party=step.party,
                added_at=step.at,
                record_index=step.record_index,
            )
        )

    return _move(uow, caller, complaint_id, Action.document, party, apply, after=after)


# ---------------------------------------------------------------- clocks


def _clock_party(complaint: Complaint, sides: set[Party]) -> Party:
    holder = clock_holder(Status(complaint.status))
    if holder is None:
        raise InvalidInput.on("status", lazy("a closed complaint has no clock"))
    if holder not in (Party.provider, Party.adr) or holder not in sides:
        raise Forbidden(
            lazy(
                "only the side whose deadline runs may stop or move it: the %(party)s",
                party=holder.value,
            )
        )
    return holder


def _clock_move(
    uow: UnitOfWork, caller: Caller, complaint_id: int, action: Action, reason: str, apply: Any
) -> ComplaintRead:
    with uow:
        session = uow.session
        complaint, sides = _complaint(session, caller, complaint_id, lock=True)
        party = _clock_party(complaint, sides)
        _acting(caller, complaint, sides, party, _adr(session, complaint))
        details = apply(complaint, today_in_japan())
        _step(session, caller.actor, complaint, action, party, reason, details)
        _notify(
            session,
            complaint,
            [organization for organization in _handlers(session, complaint)],
            f"complaint.{EVENT[action]}",
            lazy("Complaint %(complaint_id)s: its deadline changed", complaint_id=complaint.id),
            reason,
        )
        read = _read(session, complaint)
        uow.commit()
        return read


def pause(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Pause) -> ComplaintRead:
    """Stop the running clock (waiting for the complainant's information, say),
    with the reason on the record."""

    def apply(complaint: Complaint, today: date) -> dict[str, Any]:
        if complaint.paused_on is not None:
            raise InvalidInput.on("status", lazy("the clock is already paused"))
        complaint.paused_on = today
        return {"paused_on": today.isoformat()}

    return _clock_move(uow, caller, complaint_id, Action.pause, data.reason, apply)


def resume(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Note) -> ComplaintRead:
    """Start the clock again: the deadlines move on by the business days it stood still."""

    def apply(complaint: Complaint, today: date) -> dict[str, Any]:
        if complaint.paused_on is None:
            raise InvalidInput.on("status", lazy("the clock is not paused"))
        complaint.due_on = clocks.resumed(complaint.due_on, complaint.paused_on, today)
        complaint.case_due_on = (
            clocks.resumed(complaint.case_due_on, complaint.paused_on, today)
            or complaint.case_due_on
        )
        paused = complaint.paused_on
        complaint.paused_on = None
        return {
            "paused_on": paused.isoformat(),
            "due_on": complaint.due_on.isoformat() if complaint.due_on else None,
        }

    return _clock_move(uow, caller, complaint_id, Action.resume, data.note, apply)


def extend(uow: UnitOfWork, caller: Caller, complaint_id: int, data: Extension) -> ComplaintRead:
    """Move the current state's deadline (or the whole case's) later, with the reason."""

    def apply(complaint: Complaint, today: date) -> dict[str, Any]:
        current = complaint.case_due_on if data.case else complaint.due_on
        if current is None or data.until <= current:
            raise InvalidInput.on(
                "until",
                lazy(
                    "must be after the current deadline, %(due)s",
                    due=current.isoformat() if current else "-",
                ),
            )
        which = "case" if data.case else "state"
        if data.case:
            complaint.case_due_on = data.until
        else:
            complaint.due_on = data.until
        complaint.missed = [name for name in complaint.missed if name != which]
        return {"which": which, "from": current.isoformat(), "until": data.until.isoformat()}

    return _clock_move(uow, caller, complaint_id, Action.extend, data.reason, apply)


def act_on_missed_deadlines(uow: UnitOfWork, today: date | None = None) -> int:
    """The periodic job: act on every deadline passed and not acted on yet, by
    the rule of ``ladder.on_missed``; returns the moves made."""
    today = today or today_in_japan()
    moves = 0
    with uow:
        session = uow.session
        late = list(
            session.scalars(
                select(Complaint)
                .where(
                    Complaint.status.in_([state.value for state in OPEN]),
                    Complaint.paused_on.is_(None),
                    or_(Complaint.due_on < today, Complaint.case_due_on < today),
                )
                .order_by(Complaint.id)
            )
        )
        for complaint in late:
            hold(session, complaint)
            moves += _act_on(session, complaint, today)
        uow.commit()
    return moves


def _unacknowledged_answer_due(session: Session, complaint: Complaint) -> date | None:
    """The answer's deadline of a complaint still not acknowledged once its
    acknowledgement was missed; None for any other."""
    if complaint.status != Status.filed or "state" not in complaint.missed:
        return None
    desk = _desk(session, complaint.organization_id)
    return clocks.state_due(Status.acknowledged, complaint.filed_on, complaint.filed_on, desk, None)


def _missed(
    session: Session,
    complaint: Complaint,
    status: Status,
    missed_due: date,
    which: str,
    today: date,
) -> None:
    """Act on the missed deadline ``missed_due`` by the rule for ``status``;
    a notice only is remembered as ``which``, so that it is given once."""
    rule = on_missed(
        status, complaint.escalate_when_late, adr_route(session, complaint.scope_id) is not None
    )
    if rule.action is Action.escalate:
        details = _escalate_to(session, complaint, None, today)
        _enter(session, complaint, Status.escalated, today)
    elif rule.action is Action.lapse:
        assert rule.outcome is not None
        complaint.outcome = rule.outcome.value
        details = {"outcome": rule.outcome.value}
        _enter(session, complaint, Status.closed, today)
    else:
        details = {}
        complaint.missed = [*complaint.missed, which]
    details["missed"] = missed_due.isoformat()
    _step(session, SYSTEM, complaint, rule.action, Party.platform, details=details)
    _notify(
        session,
        complaint,
        _handlers(session, complaint),
        f"complaint.{EVENT[rule.action]}",
        lazy(
            "Complaint %(complaint_id)s missed its deadline of %(due)s",
            complaint_id=complaint.id,
            due=missed_due.isoformat(),
        ),
        lazy("It is now %(status)s.", status=complaint.status),
    )


def _act_on(session: Session, complaint: Complaint, today: date) -> int:
    moves = 0
    status = Status(complaint.status)
    if status not in OPEN or complaint.paused_on is not None:
        return 0
    if (
        complaint.due_on is not None
        and complaint.due_on < today
        and "state" not in complaint.missed
    ):
        _missed(session, complaint, status, complaint.due_on, "state", today)
        moves += 1
    answer_due = _unacknowledged_answer_due(session, complaint)
    if answer_due is not None and answer_due < today and "answer" not in complaint.missed:
        # Never acknowledged, and now late with its answer: the answer's rule.
        _missed(session, complaint, Status.acknowledged, answer_due, "answer", today)
        moves += 1
    if (
        Status(complaint.status) in OPEN
        and complaint.case_due_on < today
        and "case" not in complaint.missed
    ):
        complaint.missed = [*complaint.missed, "case"]
        _step(
            session,
            SYSTEM,
            complaint,
            Action.overdue,
            Party.platform,
            details={"missed": complaint.case_due_on.isoformat(), "which": "case"},
        )
        _notify(
            session,
            complaint,
            _handlers(session, complaint),
            "complaint.overdue",
            lazy(
                "Complaint %(complaint_id)s is past the deadline of the whole case",
                complaint_id=complaint.id,
            ),
            lazy("The case was due to end by %(due)s.", due=complaint.case_due_on.isoformat()),
        )
        moves += 1
    return moves


# ---------------------------------------------------------------- statistics

# No published figure rests on fewer complaints than this.
MINIMUM_CASES = 5


def _stage(status: str, escalated_on: date | None) -> str:
    if status == Status.referred:
        return "court"
    return "adr" if escalated_on is not None else "provider"


def complaint_statistics(
    uow: UnitOfWork,
    actor: Principal,
    organization_id: int,
    start: date,
    end: date,
    scope_id: int | None = None,
    minimum: int = MINIMUM_CASES,
) -> StatisticsRead:
    """A provider's complaint figures over complaints filed from ``start`` to
    ``end`` (dates in Japan): about its published scopes for anyone, about all
    of them for its members; about one scope when given."""
    if end < start:
        raise InvalidInput.on("end", lazy("must not be before start"))
    if minimum < MINIMUM_CASES:
        raise InvalidInput.on(
            "minimum", lazy("must be at least %(minimum)s", minimum=MINIMUM_CASES)
        )
    with uow:
        session = uow.session
        if organization_profile(session, organization_id) is None:
            raise NotFound(lazy("no such organization"))
        where: list[Any] = [
            Complaint.organization_id == organization_id,
            Complaint.filed_on >= start,
            Complaint.filed_on <= end,
        ]
        if scope_id is not None:
            scope = session.get(Scope, scope_id)
            if (
                scope is None
                or scope.organization_id != organization_id
                or not (scope.visibility == "public" or actor.can(organization_id, Role.viewer))
            ):
                raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
            where.append(Complaint.scope_id == scope_id)
        if not actor.can(organization_id, Role.viewer):
            where.append(
                Complaint.scope_id.in_(select(Scope.id).where(Scope.visibility == "public"))
            )
        figures = _figures(session, where, minimum)
    return StatisticsRead(
        organization_id=organization_id,
        scope_id=scope_id,
        period_start=start,
        period_end=end,
        **figures,
    )


def _statistics(session: Session, where: Sequence[Any], minimum: int) -> statistics.Statistics:
    rows = session.execute(
        select(
            Complaint.category,
            Complaint.status,
            Complaint.outcome,
            Complaint.filed_on,
            Complaint.answered_on,
            Complaint.escalated_on,
        ).where(*where)
    )
    handled = [
        statistics.Handled(
            category=category,
            stage=_stage(status, escalated_on),
            outcome=outcome,
            handling_days=business_days_between(filed_on, answered_on) if answered_on else None,
            escalated=escalated_on is not None,
        )
        for category, status, outcome, filed_on, answered_on, escalated_on in rows
    ]
    return statistics.statistics(handled, minimum)


def _figures(session: Session, where: Sequence[Any], minimum: int) -> dict[str, Any]:
    figures = _statistics(session, where, minimum)
    return {
        name: getattr(figures, name)
        for name in StatisticsRead.model_fields
        if name not in ("organization_id", "scope_id", "period_start", "period_end")
    }


def _in_scope(scope_id: int, start: date, end: date) -> list[Any]:
    return [Complaint.scope_id == scope_id, Complaint.filed_on >= start, Complaint.filed_on <= end]


def scope_figures(session: Session, scope_id: int, start: date, end: date) -> dict[str, Any]:
    """A scope's complaint figures over complaints filed from ``start`` to
    ``end``, small cells hidden: what a periodic or transparency report states."""
    return _figures(session, _in_scope(scope_id, start, end), MINIMUM_CASES)


# Complaint figures as open data: one row per figure, scope and quarter.
OPEN_FIGURE_COLUMNS = (
    "scope_id",
    "period_start",
    "period_end",
    "figure",
    "label",
    "value",
    "hidden",
    "minimum",
)


def open_figures(session: Session, licence_of: Any) -> Iterator[tuple[Any, ...]]:
    """Each published scope's complaint figures per calendar quarter, from the
    quarter of its first complaint to the last one ended, small cells hidden;
    each row followed by its organization's licence (``licence_of``, as SQL)."""
    scopes = session.execute(
        select(Scope.id, func.min(Complaint.filed_on), licence_of(Scope.organization_id))
        .join(Complaint, Complaint.scope_id == Scope.id)
        .where(Scope.visibility == "public")
        .group_by(Scope.id, Scope.organization_id)
        .order_by(Scope.id)
    ).all()
    today = today_in_japan()
    for scope_id, first, licence in scopes:
        for start, end in statistics.quarters(first, today):
            figures = _statistics(session, _in_scope(scope_id, start, end), MINIMUM_CASES)
            for figure, label, value, hidden in statistics.figure_rows(figures):
                yield (scope_id, start, end, figure, label, value, hidden, MINIMUM_CASES, licence)


# ---------------------------------------------------------------- evidence for a court


def evidence(
    uow: UnitOfWork, caller: Caller, complaint_id: int, signer: Any, origin: str
) -> dict[str, Any]:
    """The complaint's evidence bundle, for its parties: where it stands, its
    documents by hash, and every record entry of it (the intake and each move,
    in full) with its inclusion proof in one signed checkpoint, to be checked
    offline (``agilegov record verify --bundle``)."""
    with uow:
        session = uow.session
        complaint, _ = _complaint(session, caller, complaint_id)
        read = _read(session, complaint)
    # The history a court relies on is the entries, each proved; the summary
    # says where the complaint stood when the bundle was made.
    subject = read.model_dump(
        mode="json", exclude={"contact", "complainant_name", "steps", "documents"}
    )
    indexes = sorted({step.record_index for step in read.steps})
    documents = [
        {"name": doc.name, "sha256": doc.sha256, "size": doc.size, "record_index": doc.record_index}
        for doc in read.documents
    ]
    return evidence_bundle(
        uow, indexes, signer, origin, subject={"complaint": subject}, documents=documents
    )


# ---------------------------------------------------------------- pages


def sides_of(uow: UnitOfWork, caller: Caller, complaint_id: int) -> set[Party]:
    """The sides ``caller`` is on in the complaint (a stranger gets NotFound)."""
    with uow:
        _, sides = _complaint(uow.session, caller, complaint_id)
        return sides


def subjects_of(uow: UnitOfWork, scope_id: int) -> list[tuple[str, int, str]]:
    """(kind, id, title) of the scope's goals, measures and risks: what a
    complaint may be about."""
    with uow:
        found = []
        for kind, entity in SUBJECT_KINDS.items():
            model = entity.model
            rows = uow.session.execute(
                select(model.id, model.title).where(model.scope_id == scope_id).order_by(model.id)
            )
            found.extend((kind, id_, title) for id_, title in rows)
        return found


def rule_measures(uow: UnitOfWork, scope_id: int) -> list[tuple[int, str]]:
    """(id, title) of the scope's rule measures: where an ADR route is named."""
    model = MEASURE.model
    with uow:
        rows = uow.session.execute(
            select(model.id, model.title)
            .where(model.scope_id == scope_id, model.kind == "rule")
            .order_by(model.id)
        )
        return [(id_, title) for id_, title in rows]
