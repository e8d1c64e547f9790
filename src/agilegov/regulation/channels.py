"""Channels for risk information (seed: reporting risk information to the
government and the AI Safety Institute): a government organization says what
must be reported, by whom and how fast; businesses file risk reports on it.

A channel is public. A risk report is confidential: only members of the
channel's organization and of the filing organization read it; anyone else is
told it does not exist. Its record event is private, so the public record
holds only a salted commitment to it, and the owners' notification carries its
title and severity, never its description."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.goals.service import goal_owner
from agilegov.i18n import lazy
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationKind, OrganizationRead
from agilegov.organizations.service import organization_profile
from agilegov.paging import paginate
from agilegov.part import RequiredLevelMissed
from agilegov.record.service import record_event
from agilegov.regulation.aggregates import Filed, aggregate
from agilegov.regulation.models import ReportingChannel, RiskReport
from agilegov.regulation.schemas import (
    ChannelStatus,
    ReportingChannelCreate,
    ReportingChannelRead,
    RiskAggregates,
    RiskReportCreate,
    RiskReportRead,
    Severity,
)
from agilegov.schemas import Page
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork


def _organization(
    session: Session, actor: Principal, organization_id: int, kind: OrganizationKind
) -> OrganizationRead:
    """The organization ``actor`` edits for, of ``kind``."""
    organization = organization_profile(session, organization_id)
    if organization is None:
        raise InvalidInput.on("organization_id", lazy("no such organization"))
    actor.require(organization.id, Role.editor)
    if organization.kind != kind:
        message = {
            OrganizationKind.government: lazy(
                "only a government organization opens a reporting channel; "
                "%(organization)s is not one",
                organization=organization.name,
            ),
            OrganizationKind.business: lazy(
                "only a business files a risk report; %(organization)s is not one",
                organization=organization.name,
            ),
        }[kind]
        raise InvalidInput.on("organization_id", message)
    return organization


def _channel(session: Session, channel_id: int) -> ReportingChannel:
    channel = session.get(ReportingChannel, channel_id)
    if channel is None:
        raise NotFound(lazy("reporting channel %(channel_id)s not found", channel_id=channel_id))
    return channel


def channel_of(
    session: Session, channel_id: int, missing: Exception | None = None
) -> ReportingChannelRead:
    """A channel, for other parts (public, like every channel); ``missing`` is
    raised when there is none (else NotFound)."""
    channel = session.get(ReportingChannel, channel_id)
    if channel is None:
        raise missing or NotFound(
            lazy("reporting channel %(channel_id)s not found", channel_id=channel_id)
        )
    return ReportingChannelRead.model_validate(channel)


def channels_of(session: Session, organization_id: int) -> list[int]:
    """The ids of an organization's channels."""
    return list(
        session.scalars(
            select(ReportingChannel.id).where(ReportingChannel.organization_id == organization_id)
        )
    )


# ---------------------------------------------------------------- channels


def open_channel(
    uow: UnitOfWork, actor: Principal, data: ReportingChannelCreate
) -> ReportingChannelRead:
    """A government organization's editor opens a channel; it is public at once."""
    with uow:
        session = uow.session
        organization = _organization(
            session, actor, data.organization_id, OrganizationKind.government
        )
        channel = ReportingChannel(
            **data.model_dump(), status=ChannelStatus.open.value, created_at=clock.now()
        )
        session.add(channel)
        session.flush()
        read = ReportingChannelRead.model_validate(channel)
        record_event(
            session,
            actor,
            "reporting_channel.opened",
            channel.id,
            read,
            organization_id=organization.id,
            private=False,
        )
        uow.commit()
        return read


def close_channel(uow: UnitOfWork, actor: Principal, channel_id: int) -> ReportingChannelRead:
    """The channel's organization closes it: it takes no new reports; those
    filed stay."""
    with uow:
        session = uow.session
        channel = _channel(session, channel_id)
        actor.require(channel.organization_id, Role.editor)
        if channel.status == ChannelStatus.closed:
            raise Conflict(
                lazy("reporting channel %(channel_id)s is closed", channel_id=channel_id)
            )
        channel.status = ChannelStatus.closed.value
        session.flush()
        read = ReportingChannelRead.model_validate(channel)
        record_event(
            session,
            actor,
            "reporting_channel.closed",
            channel.id,
            {"id": channel.id, "status": channel.status},
            organization_id=channel.organization_id,
            private=False,
        )
        uow.commit()
        return read


def list_channels(
    uow: UnitOfWork,
    limit: int,
    offset: int,
    organization_id: int | None = None,
    status: ChannelStatus | None = None,
) -> Page[ReportingChannelRead]:
    """Every channel (they are public), newest first."""
    where: list[Any] = []
    if organization_id is not None:
        where.append(ReportingChannel.organization_id == organization_id)
    if status is not None:
        where.append(ReportingChannel.status == status.value)
    with uow:
        return paginate(
            uow.session,
            ReportingChannel,
            where,
            ReportingChannelRead,
            limit,
            offset,
            order_by=[ReportingChannel.created_at.desc(), ReportingChannel.id.desc()],
        )


def get_channel(uow: UnitOfWork, channel_id: int) -> ReportingChannelRead:
    with uow:
        return ReportingChannelRead.model_validate(_channel(uow.session, channel_id))


# ---------------------------------------------------------------- risk reports


def readable_reports(actor: Principal) -> Any:
    """The condition of the reports ``actor`` may read: those its organizations
    filed, and those filed on its organizations' channels."""
    if actor.is_system:
        return RiskReport.id.is_not(None)
    organizations = list(actor.roles)
    own_channels = select(ReportingChannel.id).where(
        ReportingChannel.organization_id.in_(organizations)
    )
    return or_(
        RiskReport.organization_id.in_(organizations), RiskReport.channel_id.in_(own_channels)
    )


def file_report(
    uow: UnitOfWork, actor: Principal, channel_id: int, data: RiskReportCreate
) -> RiskReportRead:
    """A business's editor files a risk report on an open channel; it is late
    when filed more than the channel's hours after the business became aware."""
    with uow:
        read = file_in(uow.session, actor, channel_id, data)
        uow.commit()
        return read


def file_in(
    session: Session, actor: Principal, channel_id: int, data: RiskReportCreate
) -> RiskReportRead:
    """File a risk report in the caller's transaction (an incident's report to
    its regulator files one too)."""
    channel = _channel(session, channel_id)
    organization = _organization(session, actor, data.organization_id, OrganizationKind.business)
    if channel.status != ChannelStatus.open:
        raise Conflict(
            lazy(
                "reporting channel %(channel_id)s is closed and takes no new reports",
                channel_id=channel_id,
            )
        )
    now = clock.now()
    if data.became_aware_at > now:
        raise InvalidInput.on("became_aware_at", lazy("must not be in the future"))
    if data.scope_id is not None:
        scope = session.get(Scope, data.scope_id)
        if scope is None or scope.organization_id != organization.id:
            raise InvalidInput.on(
                "scope_id",
                lazy(
                    "no scope %(scope_id)s of %(organization)s",
                    scope_id=data.scope_id,
                    organization=organization.name,
                ),
            )
    report = RiskReport(
        **data.model_dump(),
        channel_id=channel.id,
        filed_at=now,
        filed_by=actor.user_id,
        late=now - data.became_aware_at > timedelta(hours=channel.hours_to_report),
    )
    session.add(report)
    session.flush()
    read = RiskReportRead.model_validate(report)
    # Filed under the business, never a scope: an event of a published
    # scope would be readable by anyone.
    record_event(
        session,
        actor,
        "risk_report.filed",
        report.id,
        read,
        organization_id=organization.id,
        private=True,
    )
    notify_owners(
        session,
        actor,
        channel.organization_id,
        "risk_report.filed",
        lazy("Risk report on %(channel)s: %(title)s", channel=channel.title, title=read.title),
        lazy(
            "Severity: %(severity)s. Read it among the channel's reports.",
            severity=read.severity.value,
        ),
        link=f"/risk-reports/{report.id}",
        payload={
            "risk_report_id": report.id,
            "channel_id": channel.id,
            "severity": read.severity.value,
            "late": read.late,
        },
    )
    return read


def get_report(uow: UnitOfWork, actor: Principal, report_id: int) -> RiskReportRead:
    """One report, for its channel's organization and the filing one; anyone
    else is told there is none."""
    with uow:
        report = uow.session.scalar(
            select(RiskReport).where(RiskReport.id == report_id, readable_reports(actor))
        )
        if report is None:
            raise NotFound(lazy("risk report %(report_id)s not found", report_id=report_id))
        return RiskReportRead.model_validate(report)


def _report_filters(
    organization_id: int | None, severity: Severity | None, late: bool | None
) -> list[Any]:
    where: list[Any] = []
    if organization_id is not None:
        where.append(RiskReport.organization_id == organization_id)
    if severity is not None:
        where.append(RiskReport.severity == severity.value)
    if late is not None:
        where.append(RiskReport.late.is_(late))
    return where


def list_reports(
    uow: UnitOfWork,
    actor: Principal,
    limit: int,
    offset: int,
    channel_id: int | None = None,
    organization_id: int | None = None,
    severity: Severity | None = None,
    late: bool | None = None,
) -> Page[RiskReportRead]:
    """The reports ``actor`` may read (on a channel, if given), newest first:
    all of its own channels', and its own organizations' elsewhere."""
    where = [readable_reports(actor), *_report_filters(organization_id, severity, late)]
    with uow:
        if channel_id is not None:
            _channel(uow.session, channel_id)
            where.append(RiskReport.channel_id == channel_id)
        return paginate(
            uow.session,
            RiskReport,
            where,
            RiskReportRead,
            limit,
            offset,
            order_by=[RiskReport.filed_at.desc(), RiskReport.id.desc()],
        )


def channel_aggregates(
    uow: UnitOfWork,
    actor: Principal,
    channel_id: int,
    organization_id: int | None = None,
    severity: Severity | None = None,
    late: bool | None = None,
) -> RiskAggregates:
    """A channel's reports counted, for the channel's organization only."""
    with uow:
        session = uow.session
        channel = _channel(session, channel_id)
        actor.require(channel.organization_id, Role.viewer)
        where: Sequence[Any] = [
            RiskReport.channel_id == channel.id,
            *_report_filters(organization_id, severity, late),
        ]
        rows = session.execute(
            select(
                RiskReport.severity,
                RiskReport.organization_id,
                RiskReport.filed_at,
                RiskReport.late,
            ).where(*where)
        )
        return aggregate(Filed(*row) for row in rows)


# ---------------------------------------------------------------- required levels missed


def tell_required_level_missed(session: Session, missed: RequiredLevelMissed) -> None:
    """A business's indicator has gone past the level of a government's goal its
    goal adopts: file a risk report on that government's first open channel, in
    the evaluation's transaction (a government with no open channel is told
    nothing here; the business's outer-loop trigger stands either way)."""
    owner = goal_owner(session, missed.adopted_goal_id)
    business = organization_profile(session, missed.organization_id)
    if owner is None or business is None or business.kind != OrganizationKind.business:
        return
    government_id, adopted_title = owner
    channel_id = session.scalar(
        select(ReportingChannel.id)
        .where(
            ReportingChannel.organization_id == government_id,
            ReportingChannel.status == ChannelStatus.open.value,
        )
        .order_by(ReportingChannel.id)
        .limit(1)
    )
    if channel_id is None:
        return
    level = (
        lazy("its level %(level)s", level=missed.required_level)
        if missed.required_level is not None
        else lazy("its level (on another scale)")
    )
    # Kept in English, as trigger causes are; each reader's page translates its frame.
    title = lazy(
        "%(business)s misses the level of '%(goal)s'", business=business.name, goal=adopted_title
    ).in_language("en")
    description = lazy(
        "%(name)s (%(key)s) = %(value)s over its window, past %(level)s of the goal "
        "'%(goal)s' that goal %(goal_id)s of %(business)s adopts; outer-loop trigger "
        "#%(trigger)s opened in its scope.",
        name=missed.indicator_name,
        key=missed.indicator_key,
        value=missed.value,
        level=level,
        goal=adopted_title,
        goal_id=missed.goal_id,
        business=business.name,
        trigger=missed.trigger_id,
    ).in_language("en")
    file_in(
        session,
        SYSTEM,
        channel_id,
        RiskReportCreate(
            organization_id=business.id,
            title=title[:200],
            description=description,
            severity=Severity.high,
            became_aware_at=min(missed.at, clock.now()),
            scope_id=missed.scope_id,
        ),
    )
