"""The regulation part's service: the only writer of its tables."""

import base64
import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from agilegov import clock, metrics, part, workdays
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.cycle.rules import TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.cycle.service import open_trigger, reviews_between
from agilegov.db import hold
from agilegov.design.service import measures_over
from agilegov.dialogue.reads import get_consultation
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import (
    GOAL,
    INDICATOR,
    adopters_of,
    indicators_of_goals,
    known_indicator_keys,
)
from agilegov.i18n import N_, Lazy, lazy
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest, latest_evaluations, period_results
from agilegov.notify.service import notify_owners
from agilegov.organizations.service import organization_names, organization_profile
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import did_key
from agilegov.record.service import record_event
from agilegov.regulation import deadlines, sector
from agilegov.regulation.compliance import compliance, match
from agilegov.regulation.models import (
    RegulatoryReport,
    RegulatoryRequirement,
    ReportEvaluation,
    ReportQuestion,
    SectorSummary,
)
from agilegov.regulation.schemas import (
    DEFAULT_ITEMS,
    AdopterRead,
    EvaluationCreate,
    EvaluationRead,
    IndicatorCompliance,
    PublishedRequirement,
    QuestionAnswer,
    QuestionCreate,
    QuestionRead,
    ReportItem,
    ReportRead,
    ReportSummary,
    RequirementCreate,
    RequirementHeading,
    RequirementRead,
    RequirementUpdate,
    ReviewedReportRead,
    ReviewInput,
    ReviewView,
    SectorSummaryCreate,
    SectorSummaryRead,
)
from agilegov.schemas import Page
from agilegov.scoped import Kind, read_item
from agilegov.signing_keys import organization_key
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork
from agilegov.versioning import keep_version

# ---------------------------------------------------------------- A: requirements and reports


# Reporting periods are Japanese: they begin and end at midnight in Japan.
PERIOD_ZONE = ZoneInfo("Asia/Tokyo")
# How many business days before the due date the adopter is reminded.
REMIND_BUSINESS_DAYS = 5


def is_government(session: Session, organization_id: int) -> bool:
    """Whether the organization may set requirements."""
    profile = organization_profile(session, organization_id)
    return profile is not None and profile.kind == "government"


def _requirement_rules(session: Session, scope: Scope, requirement: Any) -> None:
    if not is_government(session, scope.organization_id):
        raise InvalidInput.on(
            "scope_id", lazy("requirements are set by a government organization's scope")
        )
    goals = {goal.id: goal for goal in requirement.goals}
    for goal in goals.values():
        if goal.status != "active" or goal.level != "specific":
            raise InvalidInput.on(
                "goal_ids",
                lazy("goal %(goal_id)s is not an active specific goal", goal_id=goal.id),
            )
    for indicator in requirement.indicators:
        if indicator.goal_id not in goals:
            raise InvalidInput.on(
                "indicator_ids",
                lazy(
                    "indicator %(indicator_id)s is not of one of the requirement's goals",
                    indicator_id=indicator.id,
                ),
            )
    if requirement.effective_until is not None and (
        requirement.effective_until < requirement.effective_from
    ):
        raise InvalidInput.on("effective_until", lazy("is before the date it takes effect"))
    if not requirement.items:
        requirement.items = [dict(item) for item in DEFAULT_ITEMS]


REQUIREMENT = Kind(
    name="requirement",
    plural="requirements",
    label=N_("requirement"),
    tab="requirements",
    label_column="title",
    model=RegulatoryRequirement,
    create=RequirementCreate,
    update=RequirementUpdate,
    read=RequirementRead,
    links=(GOAL.link("goal_ids", "goals"), INDICATOR.link("indicator_ids", "indicators")),
    rules=_requirement_rules,
)

KINDS = (REQUIREMENT,)


def _requirement(session: Session, requirement_id: int) -> RegulatoryRequirement:
    found = session.get(RegulatoryRequirement, requirement_id)
    if found is None:
        raise NotFound(
            lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
        )
    return found


def _readable_requirement(
    session: Session, actor: Principal, requirement_id: int
) -> tuple[RegulatoryRequirement, Scope]:
    """A published requirement is anyone's to read; a draft only its scope's readers'."""
    requirement = _requirement(session, requirement_id)
    scope = session.get(Scope, requirement.scope_id)
    assert scope is not None
    if requirement.status != "published":
        try:
            readable_scope(session, actor, scope.id)
        except NotFound:
            raise NotFound(
                lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
            ) from None
    return requirement, scope


def publish_requirement(uow: UnitOfWork, actor: Principal, requirement_id: int) -> RequirementRead:
    """Publish a draft requirement: businesses may then adopt its goals, and it
    is listed publicly."""
    with uow:
        session = uow.session
        requirement = _requirement(session, requirement_id)
        scope = writable_scope(session, actor, requirement.scope_id, REQUIREMENT.role)
        hold(session, requirement)
        if requirement.status != "draft":
            raise Conflict(
                lazy(
                    "requirement %(requirement_id)s is %(status)s, not a draft",
                    requirement_id=requirement.id,
                    status=requirement.status,
                )
            )
        if not requirement.goals:
            raise InvalidInput.on("goal_ids", lazy("a requirement names at least one goal"))
        if scope.visibility != "public":
            raise Conflict(
                lazy(
                    "scope %(scope_id)s is private: publish the scope first, so that"
                    " businesses can adopt the requirement's goals",
                    scope_id=scope.id,
                )
            )
        requirement.status = "published"
        requirement.published_at = clock.now()
        requirement.updated_at = requirement.published_at
        requirement.version += 1
        session.flush()
        read = read_item(session, REQUIREMENT, requirement)
        payload = read.model_dump(mode="json")
        keep_version(
            session,
            REQUIREMENT.name,
            requirement.id,
            requirement.version,
            payload,
            "published",
            actor.user_id,
        )
        record_event(
            session,
            actor,
            "requirement.published",
            requirement.id,
            payload,
            scope=scope,
            private=False,
        )
        uow.commit()
        return read


def list_published(uow: UnitOfWork, limit: int, offset: int) -> Page[PublishedRequirement]:
    """Published requirements of every organization, newest first."""
    with uow:
        session = uow.session
        query = select(RegulatoryRequirement).where(RegulatoryRequirement.status == "published")
        rows = session.scalars(
            query.options(
                selectinload(RegulatoryRequirement.goals),
                selectinload(RegulatoryRequirement.indicators),
            )
            .order_by(RegulatoryRequirement.published_at.desc(), RegulatoryRequirement.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        scopes = {
            scope.id: scope
            for scope in session.scalars(
                select(Scope).where(Scope.id.in_([row.scope_id for row in rows]))
            )
        }
        names = organization_names(session, [scope.organization_id for scope in scopes.values()])
        found = []
        for row in rows:
            organization_id = scopes[row.scope_id].organization_id
            found.append(
                PublishedRequirement(
                    requirement=RequirementRead.model_validate(row),
                    organization_id=organization_id,
                    organization_name=names.get(organization_id, ""),
                )
            )
        return Page(items=found, total=total, limit=limit, offset=offset)


def get_requirement(uow: UnitOfWork, actor: Principal, requirement_id: int) -> RequirementRead:
    with uow:
        requirement, _ = _readable_requirement(uow.session, actor, requirement_id)
        return RequirementRead.model_validate(requirement)


# ---- adopters and their compliance


@dataclass(frozen=True)
class _Adoption:
    scope: Scope
    goal_id: int
    goal_title: str
    adopts_goal_id: int


def _adoptions(session: Session, requirement: RegulatoryRequirement) -> list[_Adoption]:
    """Every active goal adopting one of the requirement's goals, with its scope."""
    found = []
    for goal in requirement.goals:
        for goal_id, title, scope_id in adopters_of(session, goal.id):
            scope = session.get(Scope, scope_id)
            assert scope is not None
            found.append(_Adoption(scope, goal_id, title, goal.id))
    return found


def _adopting_scopes(
    session: Session, requirement: RegulatoryRequirement
) -> dict[int, tuple[Scope, dict[int, int]]]:
    """Each active adopting scope, with its adopting goal for each required goal."""
    scopes: dict[int, tuple[Scope, dict[int, int]]] = {}
    for adoption in _adoptions(session, requirement):
        if adoption.scope.status != "active":
            continue
        _, goals = scopes.setdefault(adoption.scope.id, (adoption.scope, {}))
        goals.setdefault(adoption.adopts_goal_id, adoption.goal_id)
    return scopes


def _matched_indicators(
    session: Session, requirement: RegulatoryRequirement, adopting: dict[int, int]
) -> dict[int, Any]:
    """For each required indicator, the adopter's indicator under the goal
    adopting the required indicator's goal (None where it has none): the one of
    the same key, else the only one measuring in the same unit and direction
    (a regulator names its indicator in its own words; ``compliance.match``)."""
    own = indicators_of_goals(session, list(adopting.values()))
    return {
        required.id: match(
            required, [i for i in own if i.goal_id == adopting.get(required.goal_id)]
        )
        for required in requirement.indicators
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _summary(report: RegulatoryReport) -> ReportSummary:
    return ReportSummary(
        id=report.id,
        period_start=report.period_start,
        period_end=report.period_end,
        due=report.due,
        status=report.status,
        late=report.late,
        submissions=report.submissions,
        submitted_at=report.submitted_at,
    )


def adopters(uow: UnitOfWork, actor: Principal, requirement_id: int) -> list[AdopterRead]:
    """Every adopting scope with its compliance now and its reports. The
    requirement's organization sees all of them (adoption is a relation with the
    regulator); anyone else only the public scopes among them."""
    with uow:
        session = uow.session
        requirement, scope = _readable_requirement(session, actor, requirement_id)
        regulator = actor.can(scope.organization_id, Role.viewer)
        adoptions = [
            adoption
            for adoption in _adoptions(session, requirement)
            if regulator or adoption.scope.visibility == "public"
        ]
        names = organization_names(session, [a.scope.organization_id for a in adoptions])
        reports: dict[int, list[ReportSummary]] = defaultdict(list)
        for report in session.scalars(
            select(RegulatoryReport)
            .where(RegulatoryReport.requirement_id == requirement.id)
            .order_by(RegulatoryReport.period_start.desc())
        ):
            reports[report.scope_id].append(_summary(report))
        latest_by_scope = {
            scope_id: latest_evaluations(session, scope_id)
            for scope_id in {a.scope.id for a in adoptions}
        }
        found = []
        for adoption in adoptions:
            matched = _matched_indicators(
                session, requirement, {adoption.adopts_goal_id: adoption.goal_id}
            )
            latest = latest_by_scope[adoption.scope.id]
            rows = []
            for required in requirement.indicators:
                if required.goal_id != adoption.adopts_goal_id:
                    continue
                own = matched[required.id]
                evaluation = latest.get(own.id) if own is not None else None
                value = evaluation.value if evaluation is not None else None
                rows.append(
                    IndicatorCompliance(
                        indicator_id=required.id,
                        key=required.key,
                        required_level=required.acceptable_level,
                        direction=required.direction,
                        adopter_indicator_id=own.id if own is not None else None,
                        value=_finite(value),
                        evaluated_at=evaluation.evaluated_at if evaluation is not None else None,
                        status=compliance(
                            value,
                            required.acceptable_level,
                            required.direction,
                            has_indicator=own is not None,
                        ),
                    )
                )
            found.append(
                AdopterRead(
                    organization_id=adoption.scope.organization_id,
                    organization_name=names.get(adoption.scope.organization_id, ""),
                    scope_id=adoption.scope.id,
                    scope_name=adoption.scope.name,
                    goal_id=adoption.goal_id,
                    goal_title=adoption.goal_title,
                    adopts_goal_id=adoption.adopts_goal_id,
                    compliance=rows,
                    reports=reports.get(adoption.scope.id, []),
                )
            )
        return found


# ---- reports


def _moment(day: date) -> datetime:
    """Midnight at the start of ``day`` in Japan."""
    return datetime.combine(day, time(), PERIOD_ZONE)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _facts(
    session: Session,
    requirement: RegulatoryRequirement,
    scope: Scope,
    adopting: dict[int, int],
    start: date,
    end: date,
) -> dict[str, Any]:
    """What the platform knows of the adopter's governance over the period."""
    since, until = _moment(start), _moment(end + timedelta(days=1))
    matched = _matched_indicators(session, requirement, adopting)
    own_ids = [indicator.id for indicator in matched.values() if indicator is not None]
    results = period_results(session, own_ids, since, until)
    indicators = []
    for required in requirement.indicators:
        own = matched[required.id]
        result = results.get(own.id) if own is not None else None
        latest = _finite(result.latest_value) if result is not None else None
        indicators.append(
            {
                "indicator_id": required.id,
                "key": required.key,
                "name": required.name,
                "unit": required.unit,
                "direction": required.direction,
                "required_level": required.acceptable_level,
                "adopter_indicator_id": own.id if own is not None else None,
                "evaluations": result.evaluations if result is not None else 0,
                "latest_value": latest,
                "latest_status": result.latest_status if result is not None else None,
                "latest_at": _iso(result.latest_at) if result is not None else None,
                "worst_value": _finite(result.worst_value) if result is not None else None,
                "breach_episodes_opened": result.episodes_opened if result is not None else 0,
                "compliance": compliance(
                    latest,
                    required.acceptable_level,
                    required.direction,
                    has_indicator=own is not None,
                ).value,
            }
        )
    in_force, changed = measures_over(session, scope.id, since, until)
    reviews = reviews_between(session, scope.id, since, until)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat(), "zone": "Asia/Tokyo"},
        "indicators": indicators,
        "measures_in_force": [
            {"id": m.id, "title": m.title, "version": m.version, "status": m.status}
            for m in in_force
        ],
        "measure_changes": [
            {
                "id": m.id,
                "title": m.title,
                "version": m.version,
                "status": m.status,
                "note": m.note,
                "at": _iso(m.at),
            }
            for m in changed
        ],
        "reviews": [
            {
                "id": review.id,
                "stage": review.stage,
                "summary": review.summary,
                "decided_at": _iso(review.decided_at),
            }
            for review in reviews
        ],
        # What the other parts count over the period: complaints filed, as the
        # provider's statistics count them; incidents discovered, and so on.
        **{
            name: figures(session, scope.id, start, end)
            for name, figures in part.period_figures().items()
        },
    }


def _new_report(
    session: Session,
    actor: Principal,
    requirement: RegulatoryRequirement,
    scope: Scope,
    adopting: dict[int, int],
    period: tuple[date, date],
) -> RegulatoryReport:
    start, end = period
    now = clock.now()
    report = RegulatoryReport(
        requirement_id=requirement.id,
        requirement_version=requirement.version,
        scope_id=scope.id,
        organization_id=scope.organization_id,
        period_start=start,
        period_end=end,
        due=deadlines.report_due(end, requirement.report_due_business_days),
        status="draft",
        facts=_facts(session, requirement, scope, adopting, start, end),
        explanations={},
        submissions=0,
        late=False,
        item_findings={},
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        actor,
        "report.drafted",
        report.id,
        {
            "requirement_id": requirement.id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "due": report.due.isoformat(),
        },
        scope=scope,
    )
    return report


def _in_effect(requirement: RegulatoryRequirement, period: tuple[date, date]) -> bool:
    start, end = period
    return end >= requirement.effective_from and (
        requirement.effective_until is None or start <= requirement.effective_until
    )


def _existing(session: Session, requirement_id: int, scope_id: int, start: date) -> int | None:
    return session.scalar(
        select(RegulatoryReport.id).where(
            RegulatoryReport.requirement_id == requirement_id,
            RegulatoryReport.scope_id == scope_id,
            RegulatoryReport.period_start == start,
        )
    )


def _period(requirement: RegulatoryRequirement, today: date) -> tuple[date, date]:
    return deadlines.previous_period(
        today, requirement.report_every_months, requirement.period_starts_month
    )


def draft_reports(uow: UnitOfWork, today: date) -> list[int]:
    """Draft, for each published requirement and each of its adopters, the report
    of the last period ended by ``today`` that is not drafted yet: the new
    reports' ids."""
    drafted = []
    with uow:
        session = uow.session
        requirements = session.scalars(
            select(RegulatoryRequirement)
            .where(RegulatoryRequirement.status == "published")
            .order_by(RegulatoryRequirement.id)
        ).all()
        for requirement in requirements:
            period = _period(requirement, today)
            if not _in_effect(requirement, period):
                continue
            for scope, adopting in _adopting_scopes(session, requirement).values():
                if _existing(session, requirement.id, scope.id, period[0]) is None:
                    report = _new_report(session, SYSTEM, requirement, scope, adopting, period)
                    drafted.append(report.id)
        uow.commit()
    return drafted


def today_in_japan() -> date:
    """Today's date in Japan, where the reporting periods run."""
    return clock.now().astimezone(PERIOD_ZONE).date()


def draft_report(
    uow: UnitOfWork, actor: Principal, requirement_id: int, scope_id: int
) -> ReportRead:
    """Draft the adopter's report of the last period ended today, on demand."""
    with uow:
        session = uow.session
        # Both are named in the request's body: one not found is a field's problem.
        try:
            scope = writable_scope(session, actor, scope_id, Role.editor)
        except NotFound:
            raise InvalidInput.on("scope_id", lazy("no scope %(id)s", id=scope_id)) from None
        try:
            requirement, _ = _readable_requirement(session, actor, requirement_id)
        except NotFound:
            raise InvalidInput.on(
                "requirement_id", lazy("no requirement %(id)s", id=requirement_id)
            ) from None
        if requirement.status != "published":
            raise InvalidInput.on(
                "requirement_id",
                lazy(
                    "requirement %(requirement_id)s is not published", requirement_id=requirement_id
                ),
            )
        adopting = _adopting_scopes(session, requirement).get(scope.id)
        if adopting is None:
            raise InvalidInput.on(
                "scope_id",
                lazy(
                    "scope %(scope_id)s adopts no goal of requirement %(requirement_id)s",
                    scope_id=scope.id,
                    requirement_id=requirement.id,
                ),
            )
        period = _period(requirement, today_in_japan())
        if not _in_effect(requirement, period):
            raise InvalidInput.on(
                "requirement_id",
                lazy(
                    "the requirement was not in effect in the period %(start)s to %(end)s",
                    start=period[0].isoformat(),
                    end=period[1].isoformat(),
                ),
            )
        existing = _existing(session, requirement.id, scope.id, period[0])
        if existing is not None:
            raise Conflict(
                lazy(
                    "the report of the period from %(start)s is drafted already: report %(id)s",
                    start=period[0].isoformat(),
                    id=existing,
                )
            )
        report = _new_report(session, actor, requirement, scope, adopting[1], period)
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def _report(session: Session, report_id: int) -> RegulatoryReport:
    found = session.get(RegulatoryReport, report_id)
    if found is None:
        raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))
    return found


def _readable_report(
    session: Session, actor: Principal, report_id: int
) -> tuple[RegulatoryReport, Scope, bool]:
    """The report, its scope, and whether the actor reads it as the regulator.
    The adopter's members read its reports; the requirement's organization
    reads them once submitted; to anyone else they do not exist."""
    report = _report(session, report_id)
    scope = session.get(Scope, report.scope_id)
    assert scope is not None
    if actor.can(report.organization_id, Role.viewer):
        return report, scope, False
    requirement = _requirement(session, report.requirement_id)
    regulator_scope = session.get(Scope, requirement.scope_id)
    assert regulator_scope is not None
    if report.submissions > 0 and actor.can(regulator_scope.organization_id, Role.viewer):
        return report, scope, True
    raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))


def get_report(uow: UnitOfWork, actor: Principal, report_id: int) -> ReportRead:
    with uow:
        report, _, _ = _readable_report(uow.session, actor, report_id)
        return ReportRead.model_validate(report)


def report_requirement(uow: UnitOfWork, actor: Principal, report_id: int) -> RequirementRead:
    """The requirement a readable report answers."""
    with uow:
        report, _, _ = _readable_report(uow.session, actor, report_id)
        return RequirementRead.model_validate(_requirement(uow.session, report.requirement_id))


def scope_reports(session: Session, actor: Principal, scope: Scope) -> list[ReportRead]:
    """The readable scope's reports, newest period first (its members only)."""
    if not actor.can(scope.organization_id, Role.viewer):
        return []
    rows = session.scalars(
        select(RegulatoryReport)
        .where(RegulatoryReport.scope_id == scope.id)
        .order_by(RegulatoryReport.period_start.desc(), RegulatoryReport.id)
    )
    return [ReportRead.model_validate(row) for row in rows]


def requirements_in_scope(session: Session, scope_id: int) -> list[RequirementRead]:
    """The scope's requirements, by id (the scope is readable)."""
    rows = session.scalars(
        select(RegulatoryRequirement)
        .where(RegulatoryRequirement.scope_id == scope_id)
        .order_by(RegulatoryRequirement.id)
    )
    return [RequirementRead.model_validate(row) for row in rows]


def _editable_report(session: Session, actor: Principal, report_id: int) -> RegulatoryReport:
    report, scope, _ = _readable_report(session, actor, report_id)
    writable_scope(session, actor, scope.id, Role.editor)
    hold(session, report)
    return report


_EDITABLE = ("draft", "correction_requested")


def set_explanations(
    uow: UnitOfWork, actor: Principal, report_id: int, texts: dict[str, str]
) -> ReportRead:
    """Set the comply-and-explain text of the items named; the others are kept."""
    with uow:
        session = uow.session
        report = _editable_report(session, actor, report_id)
        if report.status not in _EDITABLE:
            raise Conflict(
                lazy(
                    "report %(report_id)s is %(status)s: it cannot be changed now",
                    report_id=report.id,
                    status=report.status,
                )
            )
        requirement = _requirement(session, report.requirement_id)
        keys = [item["key"] for item in requirement.items]
        for key in texts:
            if key not in keys:
                raise InvalidInput.on(
                    key,
                    lazy(
                        "no item %(key)s in this report; its items are %(keys)s",
                        key=key,
                        keys=", ".join(keys),
                    ),
                )
        report.explanations = {**report.explanations, **{k: v.strip() for k, v in texts.items()}}
        report.updated_at = clock.now()
        session.flush()
        record_event(
            session,
            actor,
            "report.explained",
            report.id,
            {"items": sorted(texts)},
            scope=session.get(Scope, report.scope_id),
        )
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def submitted_document(report: RegulatoryReport | ReportRead) -> dict[str, Any]:
    """What a submission signs: the requirement answered, the period, the facts
    and the explanations."""
    return {
        "requirement": {"id": report.requirement_id, "version": report.requirement_version},
        "period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat()},
        "facts": report.facts,
        "explanations": report.explanations,
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def submit_report(uow: UnitOfWork, actor: Principal, report_id: int, key_dir: Path) -> ReportRead:
    """Submit the report (again, when a correction was asked for), signed with
    its organization's key; the record holds its hash and signature only."""
    with uow:
        session = uow.session
        report = _editable_report(session, actor, report_id)
        if report.status not in _EDITABLE:
            raise Conflict(
                lazy(
                    "report %(report_id)s is %(status)s: there is nothing to submit",
                    report_id=report.id,
                    status=report.status,
                )
            )
        requirement = _requirement(session, report.requirement_id)
        missing = [
            item["key"]
            for item in requirement.items
            if not report.explanations.get(item["key"], "").strip()
        ]
        if missing:
            raise InvalidInput.on(
                missing[0],
                lazy("every item needs an explanation; missing: %(keys)s", keys=", ".join(missing)),
            )
        digest = hashlib.sha256(canonical_json(submitted_document(report)))
        key = organization_key(key_dir, report.organization_id)
        now = clock.now()
        report.sha256 = digest.hexdigest()
        report.signature = _b64url(key.sign(digest.digest()))
        report.signer_did = did_key(key.public_key())
        if report.submissions == 0 and now.astimezone(PERIOD_ZONE).date() > report.due:
            report.late = True
        report.submissions += 1
        report.status = "submitted"
        report.submitted_at = now
        report.submitted_by = actor.user_id
        report.updated_at = now
        session.flush()
        record_event(
            session,
            actor,
            "report.submitted",
            report.id,
            {
                "requirement_id": report.requirement_id,
                "requirement_version": report.requirement_version,
                "period_start": report.period_start.isoformat(),
                "submission": report.submissions,
                "sha256": report.sha256,
                "signature": report.signature,
                "signer_did": report.signer_did,
                "late": report.late,
            },
            scope=session.get(Scope, report.scope_id),
            private=False,
        )
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def remind(uow: UnitOfWork, today: date) -> dict[str, list[int]]:
    """Tell adopters of reports falling due within five business days (once), and
    both the adopter and the regulator of reports late since yesterday's due
    date (once): the reports reminded and flagged late."""
    told: dict[str, list[int]] = {"reminded": [], "late": []}
    with uow:
        session = uow.session
        open_reports = session.scalars(
            select(RegulatoryReport)
            .where(RegulatoryReport.status == "draft", RegulatoryReport.submissions == 0)
            .order_by(RegulatoryReport.id)
        ).all()
        for report in open_reports:
            link = f"/reports/{report.id}"
            if report.due < today and not report.late:
                hold(session, report)
                report.late = True
                report.updated_at = clock.now()
                requirement = _requirement(session, report.requirement_id)
                regulator = session.get(Scope, requirement.scope_id)
                assert regulator is not None
                title = lazy(
                    "Report %(report_id)s is late: it was due on %(due)s",
                    report_id=report.id,
                    due=report.due.isoformat(),
                )
                body = lazy(
                    "The report on %(requirement)s for %(start)s to %(end)s is not submitted.",
                    requirement=requirement.title,
                    start=report.period_start.isoformat(),
                    end=report.period_end.isoformat(),
                )
                notify_owners(
                    session, SYSTEM, report.organization_id, "report.late", title, body, link
                )
                notify_owners(
                    session,
                    SYSTEM,
                    regulator.organization_id,
                    "report.late",
                    title,
                    body,
                    f"/requirements/{requirement.id}",
                )
                record_event(
                    session,
                    SYSTEM,
                    "report.late",
                    report.id,
                    {"due": report.due.isoformat()},
                    scope=session.get(Scope, report.scope_id),
                    private=False,
                )
                told["late"].append(report.id)
            elif (
                report.reminded_at is None
                and today <= report.due
                and workdays.business_days_between(today, report.due) <= REMIND_BUSINESS_DAYS
            ):
                hold(session, report)
                report.reminded_at = clock.now()
                notify_owners(
                    session,
                    SYSTEM,
                    report.organization_id,
                    "report.due",
                    lazy(
                        "Report %(report_id)s is due on %(due)s",
                        report_id=report.id,
                        due=report.due.isoformat(),
                    ),
                    lazy(
                        "Add an explanation to every item and submit it by %(due)s.",
                        due=report.due.isoformat(),
                    ),
                    link,
                )
                told["reminded"].append(report.id)
        uow.commit()
    return told


def draft_and_remind(uow: UnitOfWork, today: date) -> dict[str, list[int]]:
    """The periodic work: draft the reports due, then remind and flag."""
    drafted = draft_reports(uow, today)
    return {"drafted": drafted, **remind(uow, today)}


# ---------------------------------------------------------------- review (B)

# Business days the business has to answer a question or a correction request.
ANSWER_BUSINESS_DAYS = 10
# The source of the observations a sector summary feeds the regulator's scope.
SECTOR_SOURCE = "sector summary"
# Reports a sector summary counts: those submitted, whatever became of them since.
SUMMARISED = ("submitted", "correction_requested", "reviewed")


def _requirement_of(session: Session, report: RegulatoryReport) -> RegulatoryRequirement:
    requirement = session.get(RegulatoryRequirement, report.requirement_id)
    assert requirement is not None
    return requirement


def _regulator_id(session: Session, requirement: RegulatoryRequirement) -> int:
    scope = session.get(Scope, requirement.scope_id)
    assert scope is not None
    return scope.organization_id


def _submitted_report(session: Session, actor: Principal, report_id: int) -> RegulatoryReport:
    """A submitted report, to the business that filed it and to the regulator;
    to anyone else it does not exist."""
    report = session.get(RegulatoryReport, report_id)
    if report is not None and report.status != "draft":
        regulator_id = _regulator_id(session, _requirement_of(session, report))
        if actor.can(report.organization_id, Role.viewer) or actor.can(regulator_id, Role.viewer):
            return report
    raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))


def _adopter_scope(session: Session, report: RegulatoryReport) -> Scope:
    scope = session.get(Scope, report.scope_id)
    assert scope is not None
    return scope


def _items(requirement: RegulatoryRequirement) -> list[ReportItem]:
    return [
        ReportItem(key=str(item["key"]), title=str(item.get("title") or item["key"]))
        for item in requirement.items
    ]


def _item_keys(requirement: RegulatoryRequirement) -> list[str]:
    return [str(item["key"]) for item in requirement.items]


def _open_questions(session: Session, report_id: int) -> list[ReportQuestion]:
    return list(
        session.scalars(
            select(ReportQuestion)
            .where(ReportQuestion.report_id == report_id, ReportQuestion.answered_at.is_(None))
            .order_by(ReportQuestion.id)
        )
    )


def _tell(
    session: Session,
    actor: Principal,
    organization_id: int,
    report: RegulatoryReport,
    kind: str,
    title: Lazy,
    body: str | Lazy,
    link: str,
) -> None:
    notify_owners(
        session,
        actor,
        organization_id,
        kind,
        title,
        body,
        link=link,
        payload={"report_id": report.id, "requirement_id": report.requirement_id},
    )


def review_view(uow: UnitOfWork, actor: Principal, report_id: int) -> ReviewView:
    """What the review page shows of a report: to its business and its regulator."""
    with uow:
        session = uow.session
        report = _submitted_report(session, actor, report_id)
        requirement = _requirement_of(session, report)
        scope = _adopter_scope(session, report)
        names = organization_names(session, [report.organization_id])
        evaluation = session.scalar(
            select(ReportEvaluation.id).where(ReportEvaluation.report_id == report.id)
        )
        return ReviewView(
            report=ReviewedReportRead.model_validate(report),
            requirement_title=requirement.title,
            items=_items(requirement),
            regulator_id=_regulator_id(session, requirement),
            regulator_scope_id=requirement.scope_id,
            scope_name=scope.name,
            organization_name=names.get(report.organization_id, ""),
            explanations=report.explanations,
            facts=report.facts,
            open_questions=len(_open_questions(session, report.id)),
            evaluation_id=evaluation,
        )


def question_report(uow: UnitOfWork, actor: Principal, question_id: int) -> int:
    """The report a question is on, if ``actor`` may read it."""
    with uow:
        question = uow.session.get(ReportQuestion, question_id)
        if question is not None:
            try:
                return _submitted_report(uow.session, actor, question.report_id).id
            except NotFound:
                pass
        raise NotFound(lazy("question %(question_id)s not found", question_id=question_id))


def check_summarising(uow: UnitOfWork, actor: Principal, requirement_id: int) -> None:
    """Refuse, before any form is shown, who may not publish the requirement's
    sector summaries: only its organization's editors do."""
    with uow:
        requirement = _requirement(uow.session, requirement_id)
        actor.require(_regulator_id(uow.session, requirement), Role.editor)


def requirement_heading(uow: UnitOfWork, requirement_id: int) -> RequirementHeading:
    """A requirement's title and item titles, as its public evaluations and
    summaries name them."""
    with uow:
        requirement = uow.session.get(RegulatoryRequirement, requirement_id)
        if requirement is None:
            raise NotFound(
                lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
            )
        return RequirementHeading(
            id=requirement.id,
            title=requirement.title,
            items=_items(requirement),
        )


def list_questions(uow: UnitOfWork, actor: Principal, report_id: int) -> list[QuestionRead]:
    with uow:
        _submitted_report(uow.session, actor, report_id)
        rows = uow.session.scalars(
            select(ReportQuestion)
            .where(ReportQuestion.report_id == report_id)
            .order_by(ReportQuestion.id)
        )
        return [QuestionRead.model_validate(row) for row in rows]


def ask(uow: UnitOfWork, actor: Principal, report_id: int, data: QuestionCreate) -> QuestionRead:
    """The regulator asks a question on a submitted report, or asks the
    business to correct it; the business has ten business days to answer."""
    with uow:
        session = uow.session
        report = _submitted_report(session, actor, report_id)
        requirement = _requirement_of(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status not in ("submitted", "correction_requested"):
            raise Conflict(
                lazy(
                    "only a submitted report is questioned; this one is %(status)s",
                    status=report.status,
                )
            )
        if data.item is not None and data.item not in _item_keys(requirement):
            raise InvalidInput.on(
                "item",
                lazy(
                    "no such item in the requirement; its items are: %(items)s",
                    items=", ".join(_item_keys(requirement)),
                ),
            )
        now = clock.now()
        question = ReportQuestion(
            report_id=report.id,
            kind=data.kind,
            item=data.item,
            text=data.text,
            asked_by=actor.user_id,
            asked_at=now,
            due=workdays.add_business_days(today_in_japan(), ANSWER_BUSINESS_DAYS),
        )
        session.add(question)
        if data.kind == "correction":
            report.status = "correction_requested"
            report.updated_at = now
        session.flush()
        read = QuestionRead.model_validate(question)
        record_event(
            session,
            actor,
            "report_question.asked",
            question.id,
            read,
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
        )
        title = (
            lazy("The regulator asks for a correction of report %(report_id)s", report_id=report.id)
            if data.kind == "correction"
            else lazy("The regulator asks a question on report %(report_id)s", report_id=report.id)
        )
        _tell(
            session,
            actor,
            report.organization_id,
            report,
            f"report.{data.kind}",
            title,
            lazy("Answer by %(due)s: %(text)s", due=read.due.isoformat(), text=data.text),
            f"/reports/{report.id}/review",
        )
        uow.commit()
        return read


def answer_question(
    uow: UnitOfWork, actor: Principal, question_id: int, data: QuestionAnswer
) -> QuestionRead:
    """The business answers the regulator's question or correction request."""
    with uow:
        session = uow.session
        question = session.get(ReportQuestion, question_id)
        if question is None:
            raise NotFound(lazy("question %(question_id)s not found", question_id=question_id))
        try:
            report = _submitted_report(session, actor, question.report_id)
        except NotFound:
            raise NotFound(
                lazy("question %(question_id)s not found", question_id=question_id)
            ) from None
        actor.require(report.organization_id, Role.editor)
        if question.answered_at is not None:
            raise Conflict(lazy("this question is answered already"))
        question.answer = data.answer
        question.answered_by = actor.user_id
        question.answered_at = clock.now()
        session.flush()
        read = QuestionRead.model_validate(question)
        record_event(
            session,
            actor,
            "report_question.answered",
            question.id,
            read,
            scope=_adopter_scope(session, report),
        )
        regulator_id = _regulator_id(session, _requirement_of(session, report))
        _tell(
            session,
            actor,
            regulator_id,
            report,
            "report.answered",
            lazy("Report %(report_id)s: the business answered", report_id=report.id),
            data.answer,
            f"/reports/{report.id}/review",
        )
        uow.commit()
        return read


def review_report(
    uow: UnitOfWork, actor: Principal, report_id: int, data: ReviewInput
) -> ReviewedReportRead:
    """The regulator records its finding on every item of a submitted report
    with no question left open."""
    with uow:
        session = uow.session
        report = _submitted_report(session, actor, report_id)
        requirement = _requirement_of(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status != "submitted":
            raise Conflict(
                lazy(
                    "only a submitted report is reviewed; this one is %(status)s",
                    status=report.status,
                )
            )
        if _open_questions(session, report.id):
            raise Conflict(lazy("answers to the questions on this report are still awaited"))
        keys = _item_keys(requirement)
        findings = data.root
        unknown = sorted(set(findings) - set(keys))
        if unknown:
            raise InvalidInput.on(
                "item_findings",
                lazy("no such items in the requirement: %(items)s", items=", ".join(unknown)),
            )
        missing = [key for key in keys if key not in findings]
        if missing:
            raise InvalidInput.on(
                "item_findings",
                lazy(
                    "a finding is needed on every item; none yet for: %(items)s",
                    items=", ".join(missing),
                ),
            )
        now = clock.now()
        report.item_findings = {key: findings[key].model_dump(mode="json") for key in keys}
        report.status = "reviewed"
        report.reviewed_at = now
        report.updated_at = now
        session.flush()
        read = ReviewedReportRead.model_validate(report)
        record_event(
            session,
            actor,
            "regulatory_report.reviewed",
            report.id,
            {"item_findings": read.item_findings, "reviewed_at": now.isoformat()},
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
        )
        uow.commit()
        return read


def _evaluation_read(session: Session, evaluation: ReportEvaluation) -> EvaluationRead:
    report = session.get(RegulatoryReport, evaluation.report_id)
    assert report is not None
    scope = _adopter_scope(session, report)
    names = organization_names(session, [report.organization_id])
    return EvaluationRead(
        id=evaluation.id,
        report_id=report.id,
        requirement_id=report.requirement_id,
        scope_id=scope.id,
        scope_name=scope.name,
        organization_name=names.get(report.organization_id, ""),
        period_start=report.period_start,
        period_end=report.period_end,
        item_findings=report.item_findings,
        summary=evaluation.summary,
        consultation_id=evaluation.consultation_id,
        published_at=evaluation.published_at,
        published_by=evaluation.published_by,
    )


def publish_evaluation(
    uow: UnitOfWork, actor: Principal, report_id: int, data: EvaluationCreate
) -> EvaluationRead:
    """Publish the regulator's evaluation of a reviewed report, once: public,
    on its page, in the API and in the record."""
    with uow:
        session = uow.session
        report = _submitted_report(session, actor, report_id)
        requirement = _requirement_of(session, report)
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        if report.status != "reviewed":
            raise Conflict(lazy("review the report before publishing its evaluation"))
        if session.scalar(
            select(ReportEvaluation.id).where(ReportEvaluation.report_id == report.id)
        ):
            raise Conflict(lazy("this report's evaluation is published already"))
        if data.consultation_id is not None:
            try:
                consultation = get_consultation(uow, actor, data.consultation_id)
            except NotFound:
                consultation = None
            if consultation is None or consultation.scope_id != requirement.scope_id:
                raise InvalidInput.on(
                    "consultation_id", lazy("no such consultation in the regulator's scope")
                )
        evaluation = ReportEvaluation(
            report_id=report.id,
            summary=data.summary,
            consultation_id=data.consultation_id,
            published_at=clock.now(),
            published_by=actor.user_id,
        )
        session.add(evaluation)
        session.flush()
        read = _evaluation_read(session, evaluation)
        record_event(
            session,
            actor,
            "report_evaluation.published",
            evaluation.id,
            read,
            scope=_adopter_scope(session, report),
            organization_id=regulator_id,
            private=False,
        )
        _tell(
            session,
            actor,
            report.organization_id,
            report,
            "report.evaluated",
            lazy(
                "The regulator published its evaluation of report %(report_id)s",
                report_id=report.id,
            ),
            data.summary,
            f"/evaluations/{evaluation.id}",
        )
        uow.commit()
        return read


def get_evaluation(uow: UnitOfWork, evaluation_id: int) -> EvaluationRead:
    """A published evaluation: public."""
    with uow:
        evaluation = uow.session.get(ReportEvaluation, evaluation_id)
        if evaluation is None:
            raise NotFound(
                lazy("evaluation %(evaluation_id)s not found", evaluation_id=evaluation_id)
            )
        return _evaluation_read(uow.session, evaluation)


def evaluation_of_report(uow: UnitOfWork, report_id: int) -> EvaluationRead:
    """The published evaluation of a report: public."""
    with uow:
        evaluation = uow.session.scalar(
            select(ReportEvaluation).where(ReportEvaluation.report_id == report_id)
        )
        if evaluation is None:
            raise NotFound(lazy("no evaluation of report %(report_id)s", report_id=report_id))
        return _evaluation_read(uow.session, evaluation)


def list_evaluations(
    uow: UnitOfWork, requirement_id: int | None = None, period_start: date | None = None
) -> list[EvaluationRead]:
    """Published evaluations, newest first: public."""
    with uow:
        query = select(ReportEvaluation).join(
            RegulatoryReport, RegulatoryReport.id == ReportEvaluation.report_id
        )
        if requirement_id is not None:
            query = query.where(RegulatoryReport.requirement_id == requirement_id)
        if period_start is not None:
            query = query.where(RegulatoryReport.period_start == period_start)
        rows = uow.session.scalars(query.order_by(ReportEvaluation.id.desc()))
        return [_evaluation_read(uow.session, row) for row in rows]


def _summarised(
    session: Session, requirement_id: int, period_start: date
) -> Sequence[RegulatoryReport]:
    return session.scalars(
        select(RegulatoryReport)
        .where(
            RegulatoryReport.requirement_id == requirement_id,
            RegulatoryReport.period_start == period_start,
            RegulatoryReport.status.in_(SUMMARISED),
        )
        .order_by(RegulatoryReport.id)
    ).all()


def publish_sector_summary(
    uow: UnitOfWork, actor: Principal, requirement_id: int, data: SectorSummaryCreate
) -> SectorSummaryRead:
    """Publish the summary of one period's reports with the figures computed
    from them; each figure's worst value is observed on the regulator's
    indicator of the same key, if it has one, and the regulator's scope is
    evaluated, so its own cycle judges whether the requirement works."""
    with uow:
        session = uow.session
        requirement = session.get(RegulatoryRequirement, requirement_id)
        if requirement is None:
            raise NotFound(
                lazy("requirement %(requirement_id)s not found", requirement_id=requirement_id)
            )
        regulator_id = _regulator_id(session, requirement)
        actor.require(regulator_id, Role.editor)
        start, end = deadlines.period_containing(
            data.period_start, requirement.report_every_months, requirement.period_starts_month
        )
        if start != data.period_start:
            raise InvalidInput.on(
                "period_start",
                lazy(
                    "a reporting period of this requirement starts on %(start)s",
                    start=start.isoformat(),
                ),
            )
        taken = select(SectorSummary.id).where(
            SectorSummary.requirement_id == requirement.id,
            SectorSummary.period_start == start,
        )
        if session.scalar(taken) is not None:
            raise Conflict(lazy("the summary of this period is published already"))
        reports = _summarised(session, requirement.id, start)
        if not reports:
            raise InvalidInput.on("period_start", lazy("no report was submitted for this period"))
        figures = sector.figures(
            sector.ReportFacts(
                scope_id=report.scope_id,
                late=report.late,
                corrected=report.submissions > 1,
                facts=report.facts,
            )
            for report in reports
        )
        now = clock.now()
        summary = SectorSummary(
            requirement_id=requirement.id,
            period_start=start,
            period_end=end,
            summary=data.summary,
            figures=figures,
            published_at=now,
            published_by=actor.user_id,
        )
        session.add(summary)
        session.flush()
        read = SectorSummaryRead.model_validate(summary)
        regulator_scope = session.get(Scope, requirement.scope_id)
        record_event(
            session,
            actor,
            "sector_summary.published",
            summary.id,
            read,
            scope=regulator_scope,
            private=False,
        )
        _feed(uow, actor, requirement.scope_id, figures, now)
        _open_failures(session, actor, requirement, summary, figures)
        uow.commit()
        return read


def _open_failures(
    session: Session,
    actor: Principal,
    requirement: RegulatoryRequirement,
    summary: SectorSummary,
    figures: dict[str, Any],
) -> None:
    """Where the worst adopter of the period misses the requirement's own level,
    the requirement has failed to reach its outcome: its goal's outer loop opens
    (``goal_failure``), whatever the monitoring of a yearly figure would take."""
    regulator_scope = session.get(Scope, requirement.scope_id)
    assert regulator_scope is not None
    for indicator in requirement.indicators:
        figure = figures["indicators"].get(indicator.key)
        if figure is None or sector.meets(
            figure["worst"], figure["required_level"], figure["direction"]
        ):
            continue
        open_trigger(
            session,
            actor,
            regulator_scope,
            TriggerCreate(
                kind=TriggerKind.goal_failure,
                cause=f"the sector summary of {summary.period_start.isoformat()} finds "
                f"{indicator.key} at {figure['worst']} for the worst of "
                f"{figure['count']} adopters, past the required level "
                f"{figure['required_level']}",
                subject_type="goal",
                subject_id=indicator.goal_id,
                facts={"sector_summary": summary.id, "worst": figure["worst"]},
            ),
        )


def _feed(
    uow: UnitOfWork, actor: Principal, scope_id: int, figures: dict[str, Any], at: datetime
) -> None:
    indicators = figures["indicators"]
    keys = known_indicator_keys(uow.session, scope_id, list(indicators))
    if not keys:
        return
    rows = [
        Row(key, at, float(indicators[key]["worst"]), SECTOR_SOURCE, f"figures.{key}")
        for key in sorted(keys)
    ]
    metrics.ingest_batch(
        "sector",
        len(rows),
        lambda: ingest(uow, actor, rows, scope_id=scope_id, default_source=SECTOR_SOURCE),
    )
    metrics.timed_evaluation("sector", evaluate_scope, uow, actor, scope_id, at=at)


def get_sector_summary(
    uow: UnitOfWork, requirement_id: int, period_start: date
) -> SectorSummaryRead:
    """A published sector summary: public."""
    with uow:
        summary = uow.session.scalar(
            select(SectorSummary).where(
                SectorSummary.requirement_id == requirement_id,
                SectorSummary.period_start == period_start,
            )
        )
        if summary is None:
            raise NotFound(lazy("no summary of this period"))
        return SectorSummaryRead.model_validate(summary)


def list_sector_summaries(uow: UnitOfWork, requirement_id: int) -> list[SectorSummaryRead]:
    with uow:
        rows = uow.session.scalars(
            select(SectorSummary)
            .where(SectorSummary.requirement_id == requirement_id)
            .order_by(SectorSummary.period_start.desc())
        )
        return [SectorSummaryRead.model_validate(row) for row in rows]


def published_evaluations(session: Session, limit: int) -> list[dict[str, Any]]:
    """The latest evaluations of reports, newest first, with the requirement
    each answered (evaluations are public)."""
    rows = session.execute(
        select(ReportEvaluation, RegulatoryRequirement.id, RegulatoryRequirement.title)
        .join(RegulatoryReport, RegulatoryReport.id == ReportEvaluation.report_id)
        .join(RegulatoryRequirement, RegulatoryRequirement.id == RegulatoryReport.requirement_id)
        .order_by(ReportEvaluation.published_at.desc(), ReportEvaluation.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": evaluation.id,
            "summary": evaluation.summary,
            "published_at": evaluation.published_at,
            "requirement_id": requirement_id,
            "requirement_title": title,
        }
        for evaluation, requirement_id, title in rows
    ]
