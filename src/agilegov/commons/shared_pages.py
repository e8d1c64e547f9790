"""The commons' public pages: the list of shared incidents with the credit
owed to each source, one shared incident with its versions and, for those who
may, the forms to correct or retract it, the Atom feed of the latest, and a
commons signal's page for the members of the scope it signals."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from agilegov import i18n
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.commons import service
from agilegov.commons.matching import (
    FRAMEWORKS,
    HARM_TYPES,
    PARENT_TECHNIQUES,
    RISK_CATEGORIES,
    SYSTEM_KINDS,
    TECHNIQUES,
    TEXT,
)
from agilegov.commons.schemas import (
    Correction,
    Dismissal,
    Retraction,
    SharedIncidentRead,
    SignalRead,
)
from agilegov.commons.vocabulary import Licence, Source
from agilegov.i18n import N_, lazy
from agilegov.schemas import Page as ServicePage
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web import feeds
from agilegov.web.feeds import FeedEntry
from agilegov.web.forms import FormState, Message
from agilegov.web.lists import Column, Listing, Page, ask, choice_label, download
from agilegov.web.render import confirm_page, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep
from agilegov.web.viewer import language_of

router = APIRouter(include_in_schema=False)

STIX_EXPORT = "/api/v1/commons/stix"

SOURCE_NAMES = {
    Source.platform: N_("Shared on this platform"),
    Source.atlas: N_("MITRE ATLAS"),
    Source.avid: N_("AI Vulnerability Database (AVID)"),
    Source.aiid: N_("AI Incident Database"),
}
LICENCE_NAMES = {
    Licence.apache_2_0: N_("Apache License 2.0"),
    Licence.mit: N_("MIT License"),
    Licence.cc_by_sa_4_0: N_("CC BY-SA 4.0"),
    Licence.cc_by_4_0: N_("CC BY 4.0"),
}
LICENCE_LINKS = {
    Licence.apache_2_0: "https://www.apache.org/licenses/LICENSE-2.0",
    Licence.mit: "https://opensource.org/license/mit",
    Licence.cc_by_sa_4_0: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.cc_by_4_0: "https://creativecommons.org/licenses/by/4.0/",
}
# Share-alike: kept apart from the rest of the commons, its licence always shown.
SHARE_ALIKE = Licence.cc_by_sa_4_0
SIGNAL_STATUS_NAMES = {
    "open": N_("Open: to review"),
    "reviewed": N_("Reviewed in the scope's cycle"),
    "dismissed": N_("Dismissed with a reason"),
}
# What a signal's reason says, as a person reads it.
REASON_NAMES = {
    SYSTEM_KINDS: N_("Kinds of system in common"),
    TECHNIQUES: N_("ATLAS techniques in common"),
    PARENT_TECHNIQUES: N_("Related ATLAS techniques (same parent)"),
    HARM_TYPES: N_("Harm types in common"),
    RISK_CATEGORIES: N_("Harm types matching the scope's risk register"),
    FRAMEWORKS: N_("Frameworks the scope follows"),
    TEXT: N_("Similar text"),
}


def source_name(source: str) -> str:
    """A source's name in the page's language."""
    return i18n.gettext(SOURCE_NAMES[Source(source)])


def licence_name(licence: str) -> str:
    return i18n.gettext(LICENCE_NAMES[Licence(licence)])


def status_name(status: str) -> str:
    """Published or retracted, as the list and its CSV show it."""
    if status == "retracted":
        return i18n.gettext(N_("Retracted"))
    return i18n.pgettext("shared incident", "Published")


def reasons_read(reasons: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """A signal's reasons as a person reads them: what is in common, and the
    similarity of the texts as a percentage."""
    read = []
    for reason in reasons:
        facet = str(reason.get("facet", ""))
        name = REASON_NAMES.get(facet, facet)
        if reason.get("similarity") is not None:
            shown = f"{float(reason['similarity']) * 100:.0f}%"
        elif facet in (HARM_TYPES, RISK_CATEGORIES):
            shown = ", ".join(choice_label(str(value)) for value in reason.get("values", []))
        else:
            shown = ", ".join(str(value) for value in reason.get("values", []))
        read.append((i18n.gettext(name), shown))
    return read


# ---------------------------------------------------------------- the list

# The service reads the rows (newest first, by source): no column is an SQL
# expression, and none sorts; the listing serves the query string, the pager
# and the CSV.
SHARED = Listing(
    SharedIncidentRead,
    (
        Column(
            "published",
            N_("Published"),
            None,
            lambda s: s.published_at.date().isoformat(),
            sortable=False,
        ),
        Column("title", N_("Title"), None, lambda s: s.title, sortable=False),
        Column(
            "source",
            N_("Source"),
            None,
            lambda s: source_name(s.source),
            choices=tuple(Source),
            sortable=False,
            choice_labels={str(source): name for source, name in SOURCE_NAMES.items()},
        ),
        Column("licence", N_("Licence"), None, lambda s: str(s.licence), sortable=False),
        Column("occurred", N_("Occurred"), None, lambda s: s.occurred or "", sortable=False),
        Column(
            "harm_types",
            N_("Harm types"),
            None,
            lambda s: ", ".join(choice_label(h) for h in s.harm_types),
            sortable=False,
        ),
        Column(
            "techniques", N_("Techniques"), None, lambda s: ", ".join(s.techniques), sortable=False
        ),
        Column("status", N_("Status"), None, lambda s: status_name(s.status), sortable=False),
    ),
)


def _listed(uow: UnitOfWork, query: Mapping[str, str]) -> Page:
    """One page of the commons as the query asks (by source, and the position):
    the service reads it; the list's request says what was asked."""
    request = ask(SHARED, query)
    problems = list(request.problems)
    if request.search or request.sort:
        problems.append(lazy("The commons is filtered by source only."))
    request = replace(request, search="", sort="", descending=False, problems=tuple(problems))
    source = request.filters.get("source")
    found: ServicePage[SharedIncidentRead] = service.list_shared(
        uow, SHARED.per_page, request.offset, Source(source) if source else None
    )
    return Page(SHARED, request, found.items, found.total)


@router.get("/commons")
def commons(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """The commons, public: every shared incident, newest first, its licence
    and source credited; those under CC BY-SA marked apart."""
    listed = _listed(uow, request.query_params)
    if listed.request.csv and not listed.request.problems:
        return download(request, listed, "commons.csv")
    return render(
        request,
        "commons_list.html",
        status=400 if listed.request.problems else 200,
        visitor=visitor,
        listed=listed,
        sources=list(Source),
        source_name=source_name,
        share_alike=SHARE_ALIKE,
        stix=STIX_EXPORT,
    )


# ---------------------------------------------------------------- one shared incident

EDIT_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "reason": N_("Reason for the change"),
}


def _shared_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    shared_id: int,
    failed: tuple[str, Mapping[str, Any], Mapping[str, Message]] | None = None,
) -> Response:
    shared = service.get_shared(uow, shared_id)
    versions = service.shared_versions(uow, shared_id)
    similar = service.similar_shared(uow, shared_id)
    forms: dict[str, FormState] = {}
    if service.may_change_shared(uow, visitor.principal, shared_id):
        current = {"title": shared.title, "description": shared.description}
        for which, shape, values in (
            ("correction", Correction, current),
            ("retraction", Retraction, None),
        ):
            problems: dict[str, Message] | None = None
            if failed is not None and failed[0] == which:
                values, problems = failed[1], dict(failed[2])
            forms[which] = FormState.of(shape, values, problems, labels=EDIT_LABELS)
    return render(
        request,
        "commons_incident.html",
        status=422 if failed else 200,
        visitor=visitor,
        shared=shared,
        versions=list(reversed(versions)),
        similar=similar,
        forms=forms,
        source_name=source_name,
        licence_name=licence_name,
        licence_link=LICENCE_LINKS[shared.licence],
        share_alike=SHARE_ALIKE,
        stix=f"{STIX_EXPORT}?ids={shared.id}",
    )


@router.get("/commons/{shared_id:int}")
def shared_incident(request: Request, shared_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _shared_page(request, uow, visitor, shared_id)


@router.post("/commons/{shared_id:int}/correction")
def correct(
    request: Request, shared_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    """A correction: a new version with its reason, the old ones kept."""

    def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
        return _shared_page(request, uow, visitor, shared_id, ("correction", values, problems))

    return submit_form(
        Correction,
        form,
        lambda data: service.correct_shared(uow, visitor.principal, shared_id, data),
        refused=refused,
        done=f"/commons/{shared_id}",
        message=lambda shared: lazy(
            "Shared incident #%(id)s corrected: version %(version)s",
            id=shared.id,
            version=shared.version,
        ),
    )


@router.post("/commons/{shared_id:int}/retraction")
def retract(
    request: Request, shared_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    """A retraction, asked first: it stays listed, marked, with its reason."""

    def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
        return _shared_page(request, uow, visitor, shared_id, ("retraction", values, problems))

    def ask_first(data: Retraction) -> Response:
        return confirm_page(
            request,
            question=N_(
                "Retract this shared incident? It stays listed, marked as retracted, with "
                "your reason; it cannot be published again."
            ),
            action=f"/commons/{shared_id}/retraction",
            submit=N_("Retract"),
            cancel=f"/commons/{shared_id}",
            carried=form,
        )

    return submit_form(
        Retraction,
        form,
        lambda data: service.retract_shared(uow, visitor.principal, shared_id, data),
        refused=refused,
        done=f"/commons/{shared_id}",
        message=lambda shared: lazy("Shared incident #%(id)s retracted", id=shared.id),
        confirm=ask_first,
    )


# ---------------------------------------------------------------- the feed


def atom_feed(shared: list[SharedIncidentRead], site: str) -> bytes:
    """The Atom feed of ``shared`` (newest first) in the current language, each
    entry's id its page's address under ``site``: stable, and naming no
    organization (a shared incident's attribution names none)."""
    entries = [
        FeedEntry(
            id=f"/commons/{row.id}",
            title=row.title
            if row.status != "retracted"
            else i18n.gettext(N_("Retracted: %(title)s"), title=row.title),
            summary=row.description,
            published=row.published_at,
            updated=row.updated_at,
            link=f"/commons/{row.id}",
            rights=i18n.gettext(
                N_("Licence: %(licence)s. %(attribution)s"),
                licence=str(row.licence),
                attribution=row.attribution,
            ),
            category=(str(row.source), source_name(row.source)),
        )
        for row in shared
    ]
    return feeds.atom_feed(
        site=site,
        path="/commons/feed.atom",
        page="/commons",
        feed_id="/commons",
        title=i18n.gettext(N_("agilegov commons: shared AI incidents")),
        author="agilegov commons",
        entries=entries,
    )


@router.get("/commons/feed.atom")
def feed(request: Request, uow: Uow) -> Response:
    """The latest shared incidents as an Atom feed."""
    with i18n.speaking(language_of(request)):
        body = atom_feed(service.latest_shared(uow), feeds.site_of(request))
    return feeds.atom_response(body)


# ---------------------------------------------------------------- a signal


def _scope_name(uow: UnitOfWork, scope_id: int) -> str:
    with uow:
        name = uow.session.scalar(select(Scope.name).where(Scope.id == scope_id))
    return name or f"#{scope_id}"


def _signal_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    signal_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    signal: SignalRead = service.get_signal(uow, visitor.principal, signal_id)
    shared = service.get_shared(uow, signal.shared_incident_id)
    with uow:
        scope = uow.session.get(Scope, signal.scope_id)
        assert scope is not None
        organization_id, scope_name = scope.organization_id, scope.name
    reviewer = visitor.can(organization_id, Role.reviewer)
    dismissal = None
    if reviewer and signal.status == "open":
        dismissal = FormState.of(
            Dismissal, values, dict(problems or {}), labels={"reason": N_("Why it does not apply")}
        )
    return render(
        request,
        "signal_page.html",
        status=422 if problems else 200,
        visitor=visitor,
        signal=signal,
        shared=shared,
        scope_name=scope_name,
        reasons=reasons_read(signal.reasons),
        status_name=SIGNAL_STATUS_NAMES[signal.status],
        dismissal=dismissal,
    )


@router.get("/commons-signals/{signal_id:int}")
def signal_page(request: Request, signal_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _signal_page(request, uow, visitor, signal_id)


@router.post("/commons-signals/{signal_id:int}/dismissal")
def dismiss(
    request: Request, signal_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    """Dismiss the signal with a reason: a review that settles its trigger."""
    # A stranger is not even told the form is wrong: to them there is no signal.
    service.get_signal(uow, visitor.principal, signal_id)

    def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
        return _signal_page(request, uow, visitor, signal_id, values, problems)

    return submit_form(
        Dismissal,
        form,
        lambda data: service.dismiss_signal(uow, visitor.principal, signal_id, data),
        refused=refused,
        done=f"/commons-signals/{signal_id}",
        message=lazy("Commons signal #%(id)s dismissed", id=signal_id),
    )
