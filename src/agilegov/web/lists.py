"""One way for a list page to be searched, filtered, sorted, paged and
downloaded: ``?q=`` (a case-insensitive part of any text column),
``?<field>=<value>`` (filters on the list's main fields, known values only),
``?sort=field`` / ``?sort=-field``, ``?offset=`` and ``?format=csv`` (the rows
the page shows, as a spreadsheet).

A list is declared once as a ``Listing``; ``ask`` reads the query string into a
``Request`` (pure: unknown fields or values become problems to show, never a
failure), ``read`` fetches one page of rows with bound parameters only, and
``csv_bytes`` writes the rows shown.
"""

import csv
import dataclasses
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request as HttpRequest
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agilegov import i18n
from agilegov.i18n import lazy
from agilegov.web.forms import label_of
from agilegov.web.viewer import language_of, zone_of

PER_PAGE = 50
LONGEST_SEARCH = 200
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RESERVED = {"q", "sort", "offset", "format"}


@dataclass(frozen=True)
class Column:
    """A column of a list: ``name`` in the query string, ``label`` its header
    (marked ``N_``), ``expression`` what it sorts and filters by, ``text`` what
    a row shows in it (in the page's language)."""

    name: str
    label: str
    expression: Any
    text: Callable[[Any], Any]
    searched: bool = False
    choices: tuple[str, ...] = ()  # values a filter on it may take; none: no filter
    sortable: bool = True
    shown: bool = True  # False: a filter only, neither a header nor in the CSV
    value: Callable[[str], Any] = str  # a filter's text as the column's type
    # A filter on values too many to list (a scope's number): those it accepts.
    accepts: Callable[[str], bool] | None = None
    # A choice's words where its code name alone would read wrong (marked ``N_``).
    choice_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    model: Any
    columns: tuple[Column, ...]
    order: tuple[Any, ...] = ()  # when no sort is asked for (then by id)
    per_page: int = PER_PAGE
    # Query keys the page reads for something else (another pager on it):
    # neither filters nor problems, and kept in the list's links.
    kept: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def with_choices(self, name: str, choices: Sequence[str]) -> "Listing":
        """This listing with the filter ``name`` taking ``choices``, known only
        when asked (the kinds of a person's own notifications)."""
        columns = tuple(
            dataclasses.replace(c, choices=tuple(choices)) if c.name == name else c
            for c in self.columns
        )
        return dataclasses.replace(self, columns=columns)


@dataclass(frozen=True)
class Request:
    """What the query string asks of a list, once checked."""

    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    offset: int = 0
    csv: bool = False
    problems: tuple[i18n.Lazy, ...] = ()
    others: Mapping[str, str] = field(default_factory=dict)  # the listing's ``kept`` keys

    def parameters(self, **changes: Any) -> dict[str, str]:
        """The query string of this request with ``changes`` (None drops a key)."""
        values: dict[str, Any] = {
            "q": self.search,
            **self.filters,
            "sort": ("-" if self.descending else "") + self.sort if self.sort else "",
            "offset": self.offset or "",
            **self.others,
        }
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value not in (None, "", 0)}

    def link(self, **changes: Any) -> str:
        """``?…`` keeping the search, filters and sort, with ``changes``."""
        parameters = self.parameters(**changes)
        return "?" + urlencode(parameters) if parameters else "?"

    def sort_link(self, name: str) -> str:
        """The header's link: by ``name``, the other way round if already so."""
        flip = self.sort == name and not self.descending
        return self.link(sort=("-" if flip else "") + name, offset=None)

    def aria_sort(self, name: str) -> str | None:
        if self.sort != name:
            return None
        return "descending" if self.descending else "ascending"


def ask(listing: Listing, query: Mapping[str, str]) -> Request:
    """The request ``query`` makes of ``listing``; what it cannot honour is left
    out and named in ``problems``."""
    problems: list[i18n.Lazy] = []
    search = query.get("q", "").strip()
    if len(search) > LONGEST_SEARCH:
        problems.append(lazy("A search is at most %(n)s characters.", n=LONGEST_SEARCH))
        search = ""
    filters: dict[str, str] = {}
    others = {name: query[name] for name in listing.kept if query.get(name)}
    for name, value in query.items():
        if name in RESERVED or name in listing.kept or value == "":
            continue
        column = listing.column(name)
        if column is None or not (column.choices or column.accepts):
            problems.append(lazy("This list cannot be filtered by “%(name)s”.", name=name))
        elif column.accepts is not None:
            if column.accepts(value):
                filters[name] = value
            else:
                problems.append(
                    lazy(
                        "“%(value)s” is not a value of %(field)s.",
                        value=value,
                        field=i18n.gettext(column.label),
                    )
                )
        elif value not in column.choices:
            problems.append(
                lazy(
                    "“%(value)s” is not a value of %(field)s; it may be %(choices)s.",
                    value=value,
                    field=i18n.gettext(column.label),
                    choices=", ".join(column.choices),
                )
            )
        else:
            filters[name] = value
    sort = query.get("sort", "")
    descending = sort.startswith("-")
    sort = sort.removeprefix("-")
    sorted_by = listing.column(sort)
    if sort and (sorted_by is None or not sorted_by.sortable):
        problems.append(lazy("This list cannot be sorted by “%(name)s”.", name=sort))
        sort, descending = "", False
    offset_text = query.get("offset", "0") or "0"
    offset = int(offset_text) if offset_text.isdecimal() and len(offset_text) < 10 else -1
    if offset < 0:
        problems.append(lazy("The position in the list must be a whole number."))
        offset = 0
    shape = query.get("format", "")
    if shape not in ("", "csv"):
        problems.append(lazy("A list can be downloaded only as “csv”."))
    return Request(
        search=search,
        filters=filters,
        sort=sort,
        descending=descending,
        offset=offset,
        csv=shape == "csv",
        problems=tuple(problems),
        others=others,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(listing: Listing, request: Request) -> list[Any]:
    """The WHERE clauses of ``request`` (values bound, never written into SQL)."""
    where: list[Any] = []
    if request.search:
        pattern = f"%{_escape_like(request.search.lower())}%"
        searched = [c.expression for c in listing.columns if c.searched]
        where.append(or_(*(func.lower(e).like(pattern, escape="\\") for e in searched)))
    for name, value in request.filters.items():
        column = listing.column(name)
        assert column is not None  # ask() kept only known columns
        where.append(column.expression == column.value(value))
    return where


@dataclass(frozen=True)
class Page:
    listing: Listing
    request: Request
    rows: Sequence[Any]
    total: int

    @property
    def previous(self) -> str | None:
        if self.request.offset <= 0:
            return None
        return self.request.link(offset=max(self.request.offset - self.listing.per_page, 0))

    @property
    def next(self) -> str | None:
        if self.request.offset + self.listing.per_page >= self.total:
            return None
        return self.request.link(offset=self.request.offset + self.listing.per_page)

    @property
    def csv_link(self) -> str:
        return self.request.link(format="csv")

    @property
    def filtered(self) -> bool:
        return bool(self.request.search or self.request.filters)


def read(
    session: Session,
    listing: Listing,
    where: Sequence[Any],
    query: Mapping[str, str],
    options: Sequence[Any] = (),
) -> Page:
    """One page of ``listing``'s rows matching ``where`` and what ``query`` asks:
    two statements (the count, then the rows), with ``options`` loading what
    the rows show."""
    request = ask(listing, query)
    model = listing.model
    clauses = [*where, *conditions(listing, request)]
    total = session.scalar(select(func.count()).select_from(model).where(*clauses)) or 0
    sorted_by = listing.column(request.sort)
    if sorted_by is not None:
        key = sorted_by.expression.desc() if request.descending else sorted_by.expression.asc()
        order = [key, model.id.desc() if request.descending else model.id]
    else:
        order = [*listing.order, model.id]
    statement = select(model).where(*clauses).order_by(*order)
    statement = statement.limit(listing.per_page).offset(request.offset).options(*options)
    return Page(listing, request, list(session.scalars(statement)), total)


def neutralised(value: Any) -> str:
    """A cell's text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: Sequence[Column], rows: Sequence[Any]) -> bytes:
    """The rows as CSV in UTF-8 with a byte order mark (so a spreadsheet reads
    Japanese right), the header in the current language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    shown = [column for column in columns if column.shown]
    writer.writerow(i18n.gettext(column.label) for column in shown)
    for row in rows:
        writer.writerow(neutralised(column.text(row)) for column in shown)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def choice_label(value: str) -> str:
    """A code value as the page shows it (as the templates' ``label`` filter)."""
    return i18n.gettext(label_of(value))


def download(request: HttpRequest, listed: Page, filename: str) -> Response:
    """The rows a list page shows, as a CSV file, in the page's language and
    with its times in the page's zone."""
    language = language_of(request)
    chosen = i18n.current_language.set(language)
    zone = i18n.current_zone.set(zone_of(request, language))
    try:
        body = csv_bytes(listed.listing.columns, listed.rows)
    finally:
        i18n.current_zone.reset(zone)
        i18n.current_language.reset(chosen)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
