"""Atom feeds (RFC 4287) of what a part publishes, built with feedgen: one
shape for every feed, each entry's id its page's stable address."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

ATOM = "application/atom+xml"
# How much of an entry's text its summary carries.
SUMMARY_CHARS = 1_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    """One entry: ``id`` and ``link`` are paths of this site."""

    id: str
    title: str
    summary: str
    published: datetime
    link: str
    updated: datetime | None = None  # when it last changed, if not when published
    rights: str | None = None  # its licence, as people read it
    category: tuple[str, str] | None = None  # (term, label)


def atom_feed(
    *,
    site: str,
    path: str,
    page: str,
    title: str,
    author: str,
    entries: Sequence[FeedEntry],
    feed_id: str | None = None,
) -> bytes:
    """The feed at ``{site}{path}`` of ``entries`` (newest first), linking to
    ``page``; its id is ``feed_id`` (a path), else its own address."""
    feed = FeedGenerator()
    feed.id(f"{site}{feed_id or path}")
    feed.title(title)
    feed.author({"name": author})
    feed.link(href=f"{site}{page}", rel="alternate", type="text/html")
    feed.link(href=f"{site}{path}", rel="self", type=ATOM)
    feed.updated(max((item.updated or item.published for item in entries), default=EPOCH))
    # feedgen puts each entry added first: added oldest first, the newest lead.
    for item in reversed(entries):
        entry = feed.add_entry()
        entry.id(f"{site}{item.id}")
        entry.title(item.title)
        entry.updated(item.updated or item.published)
        entry.published(item.published)
        entry.link(href=f"{site}{item.link}", rel="alternate", type="text/html")
        entry.summary(item.summary[:SUMMARY_CHARS])
        if item.rights is not None:
            entry.rights(item.rights)
        if item.category is not None:
            entry.category(term=item.category[0], label=item.category[1])
    return feed.atom_str(pretty=True)


def site_of(request: Request) -> str:
    """The site's public address, which feeds' ids and links are under."""
    return request.app.state.settings.public_url.rstrip("/")


def atom_response(body: bytes) -> Response:
    return Response(body, media_type=ATOM)
