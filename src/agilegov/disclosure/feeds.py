"""Atom feeds of what is newly published: regulators' evaluations of reports,
and consultations of published scopes. (Shared incidents have theirs at
``/commons/feed.atom``.)"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from agilegov import i18n
from agilegov.api.deps import Uow
from agilegov.dialogue.reads import public_consultations_latest
from agilegov.disclosure.reports import published_reports
from agilegov.i18n import N_
from agilegov.regulation.service import published_evaluations
from agilegov.uow import UnitOfWork
from agilegov.web.viewer import language_of

router = APIRouter()

ATOM = "application/atom+xml"
FEED_ENTRIES = 50
SUMMARY_CHARS = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    summary: str
    published: datetime
    link: str


def atom_feed(path: str, title: str, page: str, entries: Sequence[FeedEntry], site: str) -> bytes:
    """An Atom feed at ``{site}{path}`` of ``entries`` (newest first), each
    entry's id its stable address, linking to ``page``."""
    feed = FeedGenerator()
    feed.id(f"{site}{path}")
    feed.title(title)
    feed.author({"name": "agilegov"})
    feed.link(href=f"{site}{page}", rel="alternate", type="text/html")
    feed.link(href=f"{site}{path}", rel="self", type=ATOM)
    feed.updated(max((entry.published for entry in entries), default=EPOCH))
    # feedgen puts each entry added first: added oldest first, the newest lead.
    for item in reversed(entries):
        entry = feed.add_entry()
        entry.id(f"{site}{item.id}")
        entry.title(item.title)
        entry.updated(item.published)
        entry.published(item.published)
        entry.link(href=f"{site}{item.link}", rel="alternate", type="text/html")
        entry.summary(item.summary[:SUMMARY_CHARS])
    return feed.atom_str(pretty=True)


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
                published=row.published_at or EPOCH,
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
    site = request.app.state.settings.public_url.rstrip("/")
    with i18n.speaking(language_of(request)):
        body = atom_feed(
            "/open/evaluations.atom",
            i18n.gettext(N_("agilegov: regulators' evaluations of reports")),
            "/open",
            latest_evaluations(uow),
            site,
        )
    return Response(body, media_type=ATOM)


@router.get("/open/reports.atom")
def reports_feed(request: Request, uow: Uow) -> Response:
    """The newest published transparency reports, as an Atom feed."""
    site = request.app.state.settings.public_url.rstrip("/")
    with i18n.speaking(language_of(request)):
        body = atom_feed(
            "/open/reports.atom",
            i18n.gettext(N_("agilegov: transparency reports")),
            "/open",
            latest_reports(uow),
            site,
        )
    return Response(body, media_type=ATOM)


@router.get("/open/consultations.atom")
def consultations_feed(request: Request, uow: Uow) -> Response:
    """The newest public consultations, as an Atom feed."""
    site = request.app.state.settings.public_url.rstrip("/")
    with i18n.speaking(language_of(request)):
        body = atom_feed(
            "/open/consultations.atom",
            i18n.gettext(N_("agilegov: public consultations")),
            "/open",
            latest_consultations(uow),
            site,
        )
    return Response(body, media_type=ATOM)
