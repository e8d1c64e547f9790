"""Atom feeds of what is newly published: regulators' evaluations of reports,
and consultations of published scopes. (Shared incidents have theirs at
``/commons/feed.atom``.)"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov import i18n
from agilegov.api.deps import Uow
from agilegov.dialogue.reads import public_consultations_latest
from agilegov.disclosure.reports import published_reports
from agilegov.i18n import N_
from agilegov.regulation.service import published_evaluations
from agilegov.uow import UnitOfWork
from agilegov.web import feeds
from agilegov.web.feeds import FeedEntry
from agilegov.web.viewer import language_of

router = APIRouter(include_in_schema=False)

FEED_ENTRIES = 50


def _feed(request: Request, path: str, entries: list[FeedEntry], title: str) -> Response:
    """One of the open data's feeds, in the reader's language, linking to /open."""
    with i18n.speaking(language_of(request)):
        body = feeds.atom_feed(
            site=feeds.site_of(request),
            path=path,
            page="/open",
            title=i18n.gettext(title),
            author="agilegov",
            entries=entries,
        )
    return feeds.atom_response(body)


def latest_evaluations(uow: UnitOfWork) -> list[FeedEntry]:
    """The regulators' evaluations of reports, newest first."""
    with uow:
        return [
            FeedEntry(
                id=f"/open/evaluations/{row['id']}",
                title=i18n.gettext(
                    N_("Evaluation under %(requirement)s"), requirement=row["requirement_title"]
                ),
                summary=row["summary"],
                published=row["published_at"],
                link=f"/requirements/{row['requirement_id']}",
            )
            for row in published_evaluations(uow.session, FEED_ENTRIES)
        ]


def latest_reports(uow: UnitOfWork) -> list[FeedEntry]:
    """Transparency reports published for published scopes, newest first."""
    with uow:
        return [
            FeedEntry(
                id=f"/transparency-reports/{row.id}",
                title=i18n.gettext(
                    N_("Transparency report, %(start)s to %(end)s"),
                    start=row.period_start.isoformat(),
                    end=row.period_end.isoformat(),
                ),
                summary=i18n.gettext(
                    N_("Version %(version)s, SHA-256 %(sha256)s"),
                    version=row.version,
                    sha256=row.sha256 or "",
                ),
                published=row.published_at or feeds.EPOCH,
                link=f"/transparency-reports/{row.id}",
            )
            for row in published_reports(uow.session, FEED_ENTRIES)
        ]


def latest_consultations(uow: UnitOfWork) -> list[FeedEntry]:
    """The public consultations of published scopes, newest first."""
    with uow:
        return [
            FeedEntry(
                id=f"/consultations/{row['id']}",
                title=row["title"],
                summary=row["summary"],
                published=row["created_at"],
                link=f"/consultations/{row['id']}",
            )
            for row in public_consultations_latest(uow.session, FEED_ENTRIES)
        ]


@router.get("/open/evaluations.atom")
def evaluations_feed(request: Request, uow: Uow) -> Response:
    """Regulators' newest evaluations of reports, as an Atom feed."""
    return _feed(
        request,
        "/open/evaluations.atom",
        latest_evaluations(uow),
        N_("agilegov: regulators' evaluations of reports"),
    )


@router.get("/open/reports.atom")
def reports_feed(request: Request, uow: Uow) -> Response:
    """The newest published transparency reports, as an Atom feed."""
    return _feed(
        request, "/open/reports.atom", latest_reports(uow), N_("agilegov: transparency reports")
    )


@router.get("/open/consultations.atom")
def consultations_feed(request: Request, uow: Uow) -> Response:
    """The newest public consultations, as an Atom feed."""
    return _feed(
        request,
        "/open/consultations.atom",
        latest_consultations(uow),
        N_("agilegov: public consultations"),
    )
