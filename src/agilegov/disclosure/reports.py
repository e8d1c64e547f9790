"""Transparency reports: the only writer of their tables. A report is composed
from what the platform holds of a scope over a period (the same readers as a
regulator's report), explained by the scope's editors, then published by its
owner signed with the organization's key. A published report never changes;
a new version supersedes it."""

import base64
import hashlib
import math
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov import clock, part
from agilegov.assurance.service import assessments_completed_between
from agilegov.auth import Principal, Role
from agilegov.cycle.service import reviews_between, transitions_between
from agilegov.db import hold
from agilegov.design.service import measures_over
from agilegov.dialogue.reads import consultations_between
from agilegov.disclosure import compose
from agilegov.disclosure.report_models import TransparencyReport
from agilegov.disclosure.report_schemas import ReportCreate, ReportRead, Signed
from agilegov.disclosure.report_templates import (
    AIGB_FRAMEWORK,
    HAIP_CATALOGUE,
    TEMPLATES,
    Title,
)
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import goal_facts, indicator_facts
from agilegov.i18n import lazy
from agilegov.library.catalogue import Catalogue
from agilegov.library.service import read_file, shipped_file, statement_of_applicability
from agilegov.monitor.service import period_results
from agilegov.organizations.service import organization_names
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import did_key
from agilegov.record.service import record_event
from agilegov.signing_keys import organization_key
from agilegov.tenancy import Scope, readable_scope, writable_scope
from agilegov.uow import UnitOfWork

# Periods are days in Japan, as a regulator's reporting periods are.
PERIOD_ZONE = ZoneInfo("Asia/Tokyo")
# The longest period a report covers (a fiscal year with room to spare).
MAX_PERIOD_DAYS = 731


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), PERIOD_ZONE)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


# ---------------------------------------------------------------- reading the facts


def _indicators(
    session: Session, scope_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    indicators = indicator_facts(session, scope_id)
    results = period_results(session, [i["id"] for i in indicators], since, until)
    rows = []
    for indicator in indicators:
        result = results.get(indicator["id"])
        rows.append(
            {
                **indicator,
                "evaluations": result.evaluations if result else 0,
                "latest_value": _finite(result.latest_value) if result else None,
                "latest_status": result.latest_status if result else None,
                "worst_value": _finite(result.worst_value) if result else None,
                "breach_episodes_opened": result.episodes_opened if result else 0,
            }
        )
    return rows


def _frameworks(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[dict[str, Any]]:
    """The statement of applicability of each framework version the scope follows."""
    return [
        {
            "version": version.version,
            "name": version.name,
            "name_ja": version.translations.get("ja", {}).get("name", ""),
            "requirements": [
                {
                    "ref": line.ref,
                    "ref_id": line.ref_id,
                    "name": line.name,
                    "name_ja": line.translations.get("ja", {}).get("name", ""),
                    "applicable": line.applicable,
                    "reason": line.reason,
                    "addressed": line.addressed,
                }
                for line in version.requirements
            ],
        }
        for version in statement_of_applicability(uow, actor, scope_id)
    ]


def period_facts(
    uow: UnitOfWork, actor: Principal, scope: Scope, start: date, end: date
) -> dict[str, Any]:
    """What the platform holds of the scope's governance over the period."""
    session = uow.session
    since, until = _moment(start), _moment(end + timedelta(days=1))
    in_force, changed = measures_over(session, scope.id, since, until)
    return {
        "goals": goal_facts(session, scope.id),
        "indicators": _indicators(session, scope.id, since, until),
        "measures_in_force": [
            {"id": m.id, "title": m.title, "version": m.version, "status": m.status}
            for m in in_force
        ],
        "measure_changes": [
            {"id": m.id, "title": m.title, "version": m.version, "note": m.note, "at": _iso(m.at)}
            for m in changed
        ],
        "reviews": [
            {
                "id": review.id,
                "stage": review.stage,
                "summary": review.summary,
                "decided_at": _iso(review.decided_at),
            }
            for review in reviews_between(session, scope.id, since, until)
        ],
        "transitions": transitions_between(session, scope.id, since, until),
        "consultations": consultations_between(session, scope.id, since, until),
        "assessments": assessments_completed_between(session, scope.id, since, until),
        "frameworks": _frameworks(uow, actor, scope.id),
        # Complaints filed and incidents discovered, as their parts count them.
        **{
            name: figures(session, scope.id, start, end)
            for name, figures in part.period_figures().items()
        },
    }


@cache
def haip_sections() -> tuple[tuple[str, Title], ...]:
    """The HAIP reporting framework's sections, from the library's catalogue."""
    path = shipped_file(HAIP_CATALOGUE)
    catalogue = read_file(path.read_bytes(), path.name)
    assert isinstance(catalogue, Catalogue)
    return tuple(
        (
            node.ref_id or node.key,
            Title(
                node.translations["ja"].name if "ja" in node.translations else node.name,
                node.name,
            ),
        )
        for node in catalogue.requirements
        if node.assessable
    )


def _sections(
    uow: UnitOfWork, actor: Principal, scope: Scope, template: str, start: date, end: date
) -> list[dict[str, Any]]:
    facts = period_facts(uow, actor, scope, start, end)
    if template == "haip":
        return compose.haip(facts, scope.id, haip_sections())
    if template == "aigb_checklist":
        sections = compose.aigb_checklist(facts, scope.id, AIGB_FRAMEWORK)
        if not sections:
            raise InvalidInput.on(
                "template",
                lazy(
                    "scope %(scope_id)s follows no version of the AI Guidelines for Business",
                    scope_id=scope.id,
                ),
            )
        return sections
    return compose.general(facts, scope.id)


def _subject(session: Session, scope: Scope) -> dict[str, Any]:
    names = organization_names(session, [scope.organization_id])
    return {
        "scope": {"id": scope.id, "name": scope.name},
        "organization": {
            "id": scope.organization_id,
            "name": names.get(scope.organization_id, ""),
        },
    }


# ---------------------------------------------------------------- the lifecycle


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput.on(
            "period_end",
            lazy(
                "the period ends (%(end)s) before it starts (%(start)s)",
                end=end.isoformat(),
                start=start.isoformat(),
            ),
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput.on(
            "period_end",
            lazy("a period covers at most %(days)s days", days=MAX_PERIOD_DAYS),
        )


def _new(
    uow: UnitOfWork,
    actor: Principal,
    scope: Scope,
    template: str,
    period: tuple[date, date],
    *,
    version: int = 1,
    supersedes: TransparencyReport | None = None,
) -> TransparencyReport:
    session = uow.session
    sections = _sections(uow, actor, scope, template, *period)
    keys = set(compose.explanation_keys(sections))
    kept = supersedes.explanations if supersedes is not None else {}
    now = clock.now()
    report = TransparencyReport(
        scope_id=scope.id,
        organization_id=scope.organization_id,
        template=template,
        period_start=period[0],
        period_end=period[1],
        version=version,
        status="draft",
        subject=_subject(session, scope),
        sections=sections,
        # A new version starts from the texts of the one it supersedes.
        explanations={key: text for key, text in kept.items() if key in keys},
        supersedes_id=supersedes.id if supersedes is not None else None,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        actor,
        "transparency_report.drafted",
        report.id,
        {
            "template": template,
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "version": version,
            "supersedes": report.supersedes_id,
        },
        scope=scope,
    )
    return report


def _latest_version(
    session: Session, scope_id: int, template: str, start: date, end: date
) -> TransparencyReport | None:
    return session.scalars(
        select(TransparencyReport)
        .where(
            TransparencyReport.scope_id == scope_id,
            TransparencyReport.template == template,
            TransparencyReport.period_start == start,
            TransparencyReport.period_end == end,
        )
        .order_by(TransparencyReport.version.desc())
        .limit(1)
    ).first()


def create_report(uow: UnitOfWork, actor: Principal, data: ReportCreate) -> ReportRead:
    """Draft a report of the scope for the period by the template."""
    with uow:
        session = uow.session
        try:
            scope = writable_scope(session, actor, data.scope_id, Role.editor)
        except NotFound:
            raise InvalidInput.on("scope_id", lazy("no scope %(id)s", id=data.scope_id)) from None
        _check_period(data.period_start, data.period_end)
        existing = _latest_version(
            session, scope.id, data.template, data.period_start, data.period_end
        )
        if existing is not None:
            raise Conflict(
                lazy(
                    "this scope's %(template)s report of the period is report %(id)s: "
                    "supersede it for a new version",
                    template=data.template,
                    id=existing.id,
                )
            )
        report = _new(uow, actor, scope, data.template, (data.period_start, data.period_end))
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def _report(session: Session, report_id: int) -> TransparencyReport:
    found = session.get(TransparencyReport, report_id)
    if found is None:
        raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))
    return found


def _readable(session: Session, actor: Principal, report_id: int) -> TransparencyReport:
    """A published report of a public scope is anyone's to read; a draft, and
    any report of a private scope, its organization's members' only."""
    report = _report(session, report_id)
    scope = session.get(Scope, report.scope_id)
    assert scope is not None
    public = scope.visibility == "public" and report.status != "draft"
    if not (public or actor.can(report.organization_id, Role.viewer)):
        raise NotFound(lazy("report %(report_id)s not found", report_id=report_id))
    return report


def _writable(
    session: Session, actor: Principal, report_id: int, minimum: Role
) -> tuple[TransparencyReport, Scope]:
    report = _readable(session, actor, report_id)
    scope = writable_scope(session, actor, report.scope_id, minimum)
    hold(session, report)
    return report, scope


def _draft(report: TransparencyReport) -> None:
    if report.status != "draft":
        raise Conflict(
            lazy(
                "report %(report_id)s is %(status)s: it cannot be changed",
                report_id=report.id,
                status=report.status,
            )
        )


def get_report(uow: UnitOfWork, actor: Principal, report_id: int) -> ReportRead:
    with uow:
        return ReportRead.model_validate(_readable(uow.session, actor, report_id))


def scope_reports(session: Session, actor: Principal, scope: Scope) -> list[ReportRead]:
    """The readable scope's reports, newest period first: drafts for its members only."""
    query = select(TransparencyReport).where(TransparencyReport.scope_id == scope.id)
    if not actor.can(scope.organization_id, Role.viewer):
        query = query.where(TransparencyReport.status != "draft")
    rows = session.scalars(
        query.order_by(
            TransparencyReport.period_end.desc(),
            TransparencyReport.template,
            TransparencyReport.version.desc(),
        )
    )
    return [ReportRead.model_validate(row) for row in rows]


def list_reports(uow: UnitOfWork, actor: Principal, scope_id: int) -> list[ReportRead]:
    with uow:
        session = uow.session
        return scope_reports(session, actor, readable_scope(session, actor, scope_id))


def set_explanations(
    uow: UnitOfWork, actor: Principal, report_id: int, texts: dict[str, str]
) -> ReportRead:
    """Set the author's text of the sections and items named; the others are kept."""
    with uow:
        session = uow.session
        report, scope = _writable(session, actor, report_id, Role.editor)
        _draft(report)
        keys = compose.explanation_keys(report.sections)
        unknown = [key for key in texts if key not in keys]
        if unknown:
            raise InvalidInput.on(
                unknown[0],
                lazy(
                    "no section or item %(keys)s in this report; its keys are %(known)s",
                    keys=", ".join(unknown),
                    known=", ".join(keys),
                ),
            )
        report.explanations = {**report.explanations, **{k: v.strip() for k, v in texts.items()}}
        report.updated_at = clock.now()
        session.flush()
        record_event(
            session,
            actor,
            "transparency_report.explained",
            report.id,
            {"keys": sorted(texts)},
            scope=scope,
        )
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def signed_content(report: TransparencyReport | ReportRead, subject: dict[str, Any]) -> Signed:
    """What a publication signs: whose report, which period and template, the
    composed sections and the explanations."""
    return Signed(
        scope=subject["scope"],
        organization=subject["organization"],
        template=report.template,
        title=TEMPLATES[report.template].as_json(),
        version=report.version,
        supersedes=report.supersedes_id,
        period={"start": report.period_start, "end": report.period_end},
        sections=report.sections,
        explanations=report.explanations,
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def publish_report(uow: UnitOfWork, actor: Principal, report_id: int, key_dir: Path) -> ReportRead:
    """Publish the draft for good, signed with its organization's key; the
    version it supersedes is marked superseded (and stays readable)."""
    with uow:
        session = uow.session
        report, scope = _writable(session, actor, report_id, Role.owner)
        _draft(report)
        content = signed_content(report, report.subject).model_dump(mode="json")
        digest = hashlib.sha256(canonical_json(content))
        key = organization_key(key_dir, report.organization_id)
        now = clock.now()
        report.sha256 = digest.hexdigest()
        report.signature = _b64url(key.sign(digest.digest()))
        report.signer_did = did_key(key.public_key())
        report.status = "published"
        report.published_at = now
        report.published_by = actor.user_id
        report.updated_at = now
        if report.supersedes_id is not None:
            older = _report(session, report.supersedes_id)
            hold(session, older)
            older.status = "superseded"
            older.superseded_by_id = report.id
            older.updated_at = now
        session.flush()
        record_event(
            session,
            actor,
            "transparency_report.published",
            report.id,
            {
                "template": report.template,
                "period_start": report.period_start.isoformat(),
                "period_end": report.period_end.isoformat(),
                "version": report.version,
                "supersedes": report.supersedes_id,
                "sha256": report.sha256,
                "signature": report.signature,
                "signer_did": report.signer_did,
            },
            scope=scope,
            private=False,
        )
        read = ReportRead.model_validate(report)
        uow.commit()
        return read


def supersede_report(uow: UnitOfWork, actor: Principal, report_id: int) -> ReportRead:
    """Draft a new version of a published report, composed afresh, starting
    from its explanations; it supersedes the old one once published."""
    with uow:
        session = uow.session
        report, scope = _writable(session, actor, report_id, Role.editor)
        latest = _latest_version(
            session, scope.id, report.template, report.period_start, report.period_end
        )
        if report.status != "published" or (latest is not None and latest.id != report.id):
            raise Conflict(
                lazy(
                    "report %(report_id)s is not the latest published version: "
                    "only that one can be superseded",
                    report_id=report.id,
                )
            )
        new = _new(
            uow,
            actor,
            scope,
            report.template,
            (report.period_start, report.period_end),
            version=report.version + 1,
            supersedes=report,
        )
        read = ReportRead.model_validate(new)
        uow.commit()
        return read


# ---------------------------------------------------------------- the document


def _previous(session: Session, report: TransparencyReport) -> TransparencyReport | None:
    """The published report of the same scope and template for the latest
    period ended before this one starts."""
    return session.scalars(
        select(TransparencyReport)
        .where(
            TransparencyReport.scope_id == report.scope_id,
            TransparencyReport.template == report.template,
            TransparencyReport.status == "published",
            TransparencyReport.period_end < report.period_start,
        )
        .order_by(TransparencyReport.period_end.desc(), TransparencyReport.version.desc())
        .limit(1)
    ).first()


def document(uow: UnitOfWork, actor: Principal, report_id: int) -> dict[str, Any]:
    """The report as downloaded (``TransparencyDocument``): the signed content,
    its signature, and each figure beside the previous period's."""
    with uow:
        session = uow.session
        report = _readable(session, actor, report_id)
        previous = _previous(session, report)
        compared = compose.year_over_year(
            compose.figure_values(report.sections),
            compose.figure_values(previous.sections) if previous is not None else {},
        )
        signature = None
        if report.status != "draft":
            signature = {
                "sha256": report.sha256,
                "signature": report.signature,
                "signer_did": report.signer_did,
                "published_at": report.published_at.isoformat() if report.published_at else None,
            }
        return {
            "id": report.id,
            "status": report.status,
            "content": signed_content(report, report.subject).model_dump(mode="json"),
            "signature": signature,
            "superseded_by": report.superseded_by_id,
            "previous_report": previous.id if previous is not None else None,
            "year_over_year": compared,
        }


def published_reports(session: Session, limit: int) -> list[TransparencyReport]:
    """The latest transparency reports published for published scopes, newest first."""
    return list(
        session.scalars(
            select(TransparencyReport)
            .join(Scope, Scope.id == TransparencyReport.scope_id)
            .where(Scope.visibility == "public", TransparencyReport.published_at.is_not(None))
            .order_by(TransparencyReport.published_at.desc(), TransparencyReport.id.desc())
            .limit(limit)
        )
    )
