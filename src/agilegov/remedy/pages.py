"""The remedy part's pages: filing a complaint about a published scope (with
or without an account), a complaint's page with its ladder, clocks, history
and the moves the viewer's side may make, the list of complaints, the ADR
bodies, and the scope's complaints tab (public figures; routes, clusters and
clocks for its members)."""

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy import case, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from agilegov import i18n
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from agilegov.i18n import N_, Lazy, lazy
from agilegov.organizations.service import organization_choices, organization_names
from agilegov.part import Tab
from agilegov.remedy import clocks, service
from agilegov.remedy.ladder import (
    ADR_STATES,
    CLOSED,
    OPEN,
    REFUSAL_GROUNDS,
    Action,
    Category,
    ContactPreference,
    MoveRefused,
    Party,
    Status,
    check_move,
    clock_holder,
)
from agilegov.remedy.models import Complaint
from agilegov.remedy.schemas import (
    AdrClosing,
    AdrProviderCreate,
    AdrProviderRead,
    AdrRouteSet,
    Answer,
    Assessment,
    ClusterRuleSet,
    ComplaintCreate,
    ComplaintDeskSet,
    ComplaintRead,
    DocumentAdd,
    Escalation,
    Extension,
    Note,
    Pause,
    Referral,
    Refusal,
    Statement,
    SubjectType,
)
from agilegov.schemas import Input, LongText
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import (
    Choice,
    FormState,
    Message,
    label_of,
    problems_of,
    reference_label,
)
from agilegov.web.lists import Column, Listing, choice_label, download, read
from agilegov.web.render import confirm_page, form_page, redirect, render, submit_form
from agilegov.web.scope_page import scope_page
from agilegov.web.signin import CSRF_FIELD, Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

TAB = "complaints"
ADR_BODIES_SHOWN = 200
# A file given as a document is hashed here and thrown away; the body limit of
# uploads (``max_upload_bytes``) bounds it first.
DOCUMENT_MAX_BYTES = 8 * 1_048_576
_CHUNK = 65_536
# Who follows a complaint by its secret link: the page leaks the link to no one.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}

PARTY_NAMES = {
    Party.complainant: N_("complainant"),
    Party.provider: N_("provider"),
    Party.adr: N_("ADR body"),
    Party.platform: N_("platform"),
}

# Code names whose words, made from the name alone, would read wrong ("Adr hearing").
WORDS = {
    "adr": N_("ADR body"),
    "escalated": N_("Escalated to an ADR body"),
    "adr_hearing": N_("Before the ADR body"),
    "adr_refused": N_("Refused by the ADR body"),
    "refused_by_adr": N_("Refused by the ADR body"),
    "adr_accept": N_("Accepted by the ADR body"),
    "adr_refuse": N_("Refused by the ADR body"),
    "adr_close": N_("Closed by the ADR body"),
    "provider": N_("The provider's complaint desk"),
    "court": N_("Court"),
    # Statuses whose plain words mean something else elsewhere ("Filed": when).
    "filed": N_("Filed, not yet acknowledged"),
    "withdrawn": N_("Withdrawn by the complainant"),
    "closed": N_("Closed after a missed deadline"),
    # The history's steps, as done.
    "file": N_("Filed the complaint"),
    "acknowledge": N_("Acknowledged receipt"),
    "assess": N_("Assessed severity and urgency"),
    "answer": N_("Answered the complaint"),
    "accept": N_("Accepted the answer"),
    "escalate": N_("Took it to an ADR body"),
    "refer": N_("Referred to a court"),
    "withdraw": N_("Withdrew the complaint"),
    "statement": N_("Made a statement"),
    "document": N_("Gave a document"),
    "pause": N_("Paused the clock"),
    "resume": N_("Resumed the clock"),
    "extend": N_("Extended a deadline"),
    "overdue": N_("Deadline missed"),
    "lapse": N_("Closed when the deadline passed"),
    # Categories and ways to reply, as a complainant reads them.
    "decision": N_("An automated decision about me"),
    "explanation": N_("No or poor explanation of a decision"),
    "platform": N_("Here, on the platform"),
    "email": N_("By e-mail"),
    "phone": N_("By phone"),
    "post": N_("By post"),
}


def remedy_word(value: object) -> str:
    """A code name of the remedy part in the page's words (a template global)."""
    name = str(getattr(value, "value", value))
    return i18n.gettext(WORDS[name]) if name in WORDS else choice_label(name)


# ---------------------------------------------------------------- pure helpers

# The ladder's rungs, in order: where a complaint is.
RUNGS = (
    ("provider", N_("The provider's complaint desk")),
    ("adr", N_("ADR body")),
    ("court", N_("Court")),
)


def rung_of(status: Status, escalated: bool) -> str:
    """The rung of the ladder a complaint in ``status`` stands on (or ended on)."""
    if status is Status.referred:
        return "court"
    if status in ADR_STATES or status in (Status.adr_refused, Status.not_settled, Status.settled):
        return "adr"
    if status in (Status.withdrawn, Status.closed) and escalated:
        return "adr"
    return "provider"


def fiscal_year(today: date) -> tuple[date, date]:
    """The Japanese fiscal year (April to March) that ``today`` falls in."""
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def period_of(query: Mapping[str, str], today: date) -> tuple[date, date, Lazy | None]:
    """The statistics' period a query string asks for: the fiscal year by
    default; dates that do not parse leave the default, with the problem."""
    start, end = fiscal_year(today)
    problem = None
    try:
        if query.get("start"):
            start = date.fromisoformat(query["start"])
        if query.get("end"):
            end = date.fromisoformat(query["end"])
    except ValueError:
        start, end = fiscal_year(today)
        problem = lazy("Enter a date such as 2026-04-01")
    if end < start:
        start, end = fiscal_year(today)
        problem = lazy("The end of the period is before its start.")
    return start, end, problem


def about_value(subject_type: str | None, subject_id: int | None) -> str:
    """The filing form's "about" choice for a subject ("" for the whole scope)."""
    if subject_type is None or subject_id is None:
        return ""
    return f"{subject_type}:{subject_id}"


def field_problems(problems: Mapping[str, Message], renamed: Mapping[str, str]) -> dict[str, Any]:
    """Problems as a form shows them: a rule across fields that says which
    field it is about ("contact: ...") is put next to that field, and a field
    the form shows under another name (``renamed``) is shown there."""
    shown: dict[str, Any] = {}
    for name, message in problems.items():
        text = message if isinstance(message, str) else ""
        field, _, rest = text.partition(": ")
        if name == "" and rest and field.isidentifier():
            name, message = field, lazy(text)
        shown.setdefault(renamed.get(name, name), message)
    return shown


# ---------------------------------------------------------------- filing


class ComplaintForm(Input):
    """The filing form: ``ComplaintCreate`` with what it is about as one choice."""

    category: Category
    what_happened: LongText = Field(
        min_length=1, description=N_("What the system did, and how it affected you.")
    )
    happened_on: date | None = None
    remedy_sought: LongText = Field(
        min_length=1, description=N_("What would put it right for you.")
    )
    complainant_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = (
        Field(default="", description=N_("Optional: seen only by the provider and the ADR body."))
    )
    contact_preference: ContactPreference = ContactPreference.platform
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] = Field(
        default="", description=N_("Where to reply, unless by the platform.")
    )
    about: Annotated[
        str, StringConstraints(pattern=r"^((goal|measure|risk):[0-9]{1,18})?$", max_length=40)
    ] = Field(
        default="",
        description=N_(
            "A goal, measure or risk of the scope, if you know; none for the whole scope."
        ),
    )
    escalate_when_late: bool = Field(
        default=False,
        description=N_(
            "If the provider misses its answer deadline, the ADR body it names takes the "
            "case without your asking again."
        ),
    )

    def create(self, scope_id: int) -> ComplaintCreate:
        kind, _, number = self.about.partition(":")
        return ComplaintCreate(
            scope_id=scope_id,
            subject_type=SubjectType(kind) if kind else None,
            subject_id=int(number) if number else None,
            **self.model_dump(exclude={"about"}),
        )


FILING_LABELS = {
    "what_happened": N_("What happened"),
    "happened_on": N_("When it happened"),
    "remedy_sought": N_("Remedy sought"),
    "complainant_name": N_("Your name"),
    "contact_preference": N_("How to reply"),
    "contact": N_("Contact"),
    "about": N_("What it is about"),
    "escalate_when_late": N_("Take it to the provider's ADR body if the answer is late"),
}
FILING_RENAMED = {"subject_id": "about", "subject_type": "about", "scope_id": "about"}
SUBJECT_NAMES = {"goal": N_("Goal"), "measure": N_("Measure"), "risk": N_("Risk")}


def _worded(names: Iterable[str]) -> list[Choice]:
    """A select's options of code names, in the words a complainant reads."""
    return [(str(name), WORDS.get(str(name), label_of(str(name)))) for name in names]


def _published(session: Session, scope_id: int) -> Scope:
    scope = session.get(Scope, scope_id)
    if scope is None or scope.visibility != "public":
        raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
    return scope


def _subject_choices(uow: UnitOfWork, scope_id: int) -> list[Choice]:
    return [
        (f"{kind}:{id_}", lazy("%(kind)s: %(title)s", kind=lazy(SUBJECT_NAMES[kind]), title=title))
        for kind, id_, title in service.subjects_of(uow, scope_id)
    ]


def _filing_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    with uow:
        scope = _published(uow.session, scope_id)
        name = scope.name
    state = FormState.of(
        ComplaintForm,
        values,
        field_problems(problems or {}, FILING_RENAMED),
        choices={
            "about": _subject_choices(uow, scope_id),
            "category": _worded(Category),
            "contact_preference": _worded(ContactPreference),
        },
        labels=FILING_LABELS,
    )
    intro = (
        N_(
            "Your complaint goes to the provider's complaint desk, which must acknowledge "
            "and answer it within its deadlines in business days. Your name and contact "
            "are seen only by the provider and, if you escalate, the ADR body."
        )
        if visitor.signed_in
        else N_(
            "You are not signed in: after filing you get a link to follow your complaint. "
            "Keep it: it is the only way to follow your complaint without an account. "
            "Your name and contact are seen only by the provider and, if you escalate, "
            "the ADR body."
        )
    )
    return form_page(
        request,
        state=state,
        heading=lazy("File a complaint about %(scope)s", scope=name),
        intro=intro,
        action=f"/scopes/{scope_id}/complaints",
        submit=N_("File the complaint"),
        cancel=f"/scopes/{scope_id}/{TAB}",
        breadcrumbs=[(f"/scopes/{scope_id}", name)],
    )


@router.get("/scopes/{scope_id:int}/complaints/new")
def new_complaint(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _filing_form(request, uow, visitor, scope_id)


@router.post("/scopes/{scope_id:int}/complaints")
def file_complaint(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def done(filed: Any) -> str | Response:
        if filed.follow_secret is None:
            return f"/complaints/{filed.complaint.id}"
        # Shown this once: only the secret's hash is kept.
        page = render(
            request,
            "complaint_filed.html",
            status=201,
            visitor=visitor,
            complaint=filed.complaint,
            follow=str(request.base_url).rstrip("/") + f"/complaints/follow/{filed.follow_secret}",
            follow_path=f"/complaints/follow/{filed.follow_secret}",
        )
        page.headers.update(NO_REFERRER)
        return page

    return submit_form(
        ComplaintForm,
        form,
        lambda data: service.file_complaint(uow, visitor.principal, data.create(scope_id)),
        refused=partial(_filing_form, request, uow, visitor, scope_id),
        done=done,
        message=lambda filed: lazy("Complaint #%(id)s filed", id=filed.complaint.id),
    )


# ---------------------------------------------------------------- a complaint's page


@dataclass(frozen=True)
class MoveForm:
    """A move a side makes on a complaint's page: where it posts, its form's
    shape, its button, the service call, and the question asked before an
    irreversible one."""

    path: str
    action: Action | None  # the ladder's action (None: a clock's move)
    shape: type[BaseModel]
    submit: str
    call: Callable[..., ComplaintRead]
    confirm: str | None = None
    by_party: bool = False  # the service is told which side speaks


MOVE_FORMS = (
    MoveForm("acknowledge", Action.acknowledge, Note, N_("Acknowledge"), service.acknowledge),
    MoveForm("assess", Action.assess, Assessment, N_("Record the assessment"), service.assess),
    MoveForm(
        "answer",
        Action.answer,
        Answer,
        N_("Send the answer"),
        service.answer,
        N_("Send this answer? It cannot be taken back."),
    ),
    MoveForm(
        "accept",
        Action.accept,
        Note,
        N_("Accept the answer"),
        service.accept,
        N_("Accept the answer and close the complaint as resolved?"),
    ),
    MoveForm(
        "escalate",
        Action.escalate,
        Escalation,
        N_("Take it to an ADR body"),
        service.escalate,
        N_("Take the complaint to the ADR body? The provider's handling ends."),
    ),
    MoveForm("adr-accept", Action.adr_accept, Note, N_("Accept the case"), service.adr_accept),
    MoveForm(
        "adr-refuse",
        Action.adr_refuse,
        Refusal,
        N_("Refuse the case"),
        service.adr_refuse,
        N_("Refuse the case? The complainant may then go to another body or a court."),
    ),
    MoveForm(
        "adr-close",
        Action.adr_close,
        AdrClosing,
        N_("Close the case"),
        service.adr_close,
        N_("Close the case with this outcome? It cannot be reopened."),
    ),
    MoveForm(
        "refer",
        Action.refer,
        Referral,
        N_("Refer to a court"),
        service.refer,
        N_("Refer the case to a court? It leaves this platform's ladder."),
    ),
    MoveForm(
        "withdraw",
        Action.withdraw,
        Note,
        N_("Withdraw the complaint"),
        service.withdraw,
        N_("Withdraw the complaint? It cannot be taken up again."),
    ),
    MoveForm(
        "statements",
        Action.statement,
        Statement,
        N_("Add a statement"),
        service.add_statement,
        by_party=True,
    ),
    MoveForm("pause", None, Pause, N_("Pause the clock"), service.pause),
    MoveForm("resume", None, Note, N_("Resume the clock"), service.resume),
    MoveForm("extend", None, Extension, N_("Extend the deadline"), service.extend),
)
MOVE_LABELS = {
    "note": N_("Note"),
    "reason": N_("Reason"),
    "remedy_offered": N_("Remedy offered"),
    "adr_provider_id": N_("ADR body"),
    "ground": N_("Ground"),
    "text": N_("Text"),
    "court": N_("Court"),
    "until": N_("New deadline"),
    "case": N_("Extend the whole case's deadline instead"),
}


def _acting_sides(
    visitor: Visitor, complaint: ComplaintRead, sides: set[Party], adr: AdrProviderRead | None
) -> list[Party]:
    """The sides the visitor may act for: the complainant, an editor of the
    provider, an editor of the ADR body."""
    acting = []
    if Party.complainant in sides:
        acting.append(Party.complainant)
    if Party.provider in sides and visitor.can(complaint.organization_id, Role.editor):
        acting.append(Party.provider)
    if Party.adr in sides and adr is not None and visitor.can(adr.organization_id, Role.editor):
        acting.append(Party.adr)
    return acting


def allowed_moves(
    status: Status, acting: list[Party], late: bool, paused: bool
) -> list[tuple[MoveForm, Party]]:
    """The moves the acting sides may make now, each with the side making it."""
    found = []
    holder = clock_holder(status)
    for move in MOVE_FORMS:
        for party in acting:
            if move.action is None:
                if party is not holder or party not in (Party.provider, Party.adr):
                    continue
                if (move.path == "pause" and paused) or (move.path == "resume" and not paused):
                    continue
                found.append((move, party))
                continue
            try:
                check_move(move.action, party, status, answer_late=late)
            except MoveRefused:
                continue
            found.append((move, party))
    return found


def _back(complaint_id: int, secret: str | None) -> str:
    return f"/complaints/follow/{secret}" if secret else f"/complaints/{complaint_id}"


def _adr_choices(uow: UnitOfWork) -> tuple[list[AdrProviderRead], dict[int, str]]:
    bodies = service.list_adr_providers(uow, ADR_BODIES_SHOWN, 0).items
    with uow:
        names = organization_names(uow.session, [body.organization_id for body in bodies])
    return bodies, names


def _complaint_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    complaint_id: int,
    secret: str | None = None,
    failed: tuple[str, Party | None, Mapping[str, Any], Mapping[str, Message]] | None = None,
    document_problem: Message | None = None,
) -> Response:
    caller = service.Caller(visitor.principal, secret)
    complaint = service.get_complaint(uow, caller, complaint_id)
    sides = service.sides_of(uow, caller, complaint_id)
    bodies, body_names = _adr_choices(uow)
    adr = next((b for b in bodies if b.id == complaint.adr_provider_id), None)
    if adr is None and complaint.adr_provider_id is not None:
        adr = service.get_adr_provider(uow, complaint.adr_provider_id)
        with uow:
            body_names.update(organization_names(uow.session, [adr.organization_id]))
    route = service.get_adr_route(uow, complaint.scope_id)
    today = service.today_in_japan()
    status = complaint.status
    late = complaint.due_on is not None and today > complaint.due_on
    acting = _acting_sides(visitor, complaint, sides, adr)
    grounds = adr.refusal_grounds if adr else []
    choices: dict[str, list[Choice]] = {
        "adr_provider_id": [
            (str(body.id), body_names.get(body.organization_id, f"#{body.id}")) for body in bodies
        ],
        "ground": [(ground.value, REFUSAL_GROUNDS[ground]) for ground in grounds],
    }
    forms = []
    for move, party in allowed_moves(status, acting, late, complaint.paused_on is not None):
        values, problems = None, None
        if failed is not None and failed[0] == move.path and failed[1] in (None, party):
            values, problems = failed[2], field_problems(failed[3], {})
        elif move.path == "escalate" and route is not None:
            # The body the provider's terms name, unless the complainant chooses another.
            values = {"adr_provider_id": route.adr_provider_id}
        state = FormState.of(move.shape, values, problems, choices=choices, labels=MOVE_LABELS)
        forms.append((move, party, state))
    with uow:
        session = uow.session
        scope = session.get(Scope, complaint.scope_id)
        scope_name = scope.name if scope else f"#{complaint.scope_id}"
        names = organization_names(session, [complaint.organization_id])
    subjects = dict(_subject_choices(uow, complaint.scope_id)) if complaint.subject_type else {}
    page = render(
        request,
        "complaint.html",
        status=422 if failed or document_problem else 200,
        visitor=visitor,
        complaint=complaint,
        sides=sorted(sides),
        acting=acting,
        secret=secret,
        back=_back(complaint_id, secret),
        scope_name=scope_name,
        subject=subjects.get(about_value(complaint.subject_type, complaint.subject_id)),
        provider_name=names.get(complaint.organization_id, ""),
        adr=adr,
        adr_name=body_names.get(adr.organization_id, "") if adr else "",
        route=route,
        route_name=next(
            (
                body_names.get(b.organization_id, "")
                for b in bodies
                if route and b.id == route.adr_provider_id
            ),
            "",
        ),
        rungs=RUNGS,
        rung=rung_of(status, complaint.escalated_on is not None),
        countdown=clocks.countdown(complaint.due_on, today) if complaint.due_on else None,
        case_countdown=clocks.countdown(complaint.case_due_on, today) if status in OPEN else None,
        closed=status in CLOSED,
        parties=PARTY_NAMES,
        grounds=REFUSAL_GROUNDS,
        forms=forms,
        document_problem=document_problem,
        can_give_documents=bool(acting) and status in OPEN,
        document_max_bytes=DOCUMENT_MAX_BYTES,
    )
    if secret:
        page.headers.update(NO_REFERRER)
    return page


@router.get("/complaints/{complaint_id:int}")
def complaint_page(request: Request, complaint_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _complaint_page(request, uow, visitor, complaint_id)


@router.get("/complaints/follow/{secret}")
def followed_complaint(request: Request, secret: str, uow: Uow, visitor: VisitorDep) -> Response:
    """A complaint followed by the secret of its link, without an account."""
    if len(secret) > 200:
        raise NotFound(lazy("no complaint follows this link"))
    complaint_id = service.followed(uow, secret)
    return _complaint_page(request, uow, visitor, complaint_id, secret)


def _secret_of(form: Mapping[str, Any]) -> str | None:
    secret = str(form.get("secret") or "")
    return secret[:200] or None


def _party_of(form: Mapping[str, Any]) -> Party | None:
    party = str(form.get("party") or "")
    return Party(party) if party in Party.__members__ else None


def _move_route(move: MoveForm) -> None:
    def take(
        request: Request, complaint_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        secret = _secret_of(form)
        party = _party_of(form)
        caller = service.Caller(visitor.principal, secret)
        # A stranger is not even asked to confirm: to them there is no complaint.
        service.sides_of(uow, caller, complaint_id)

        def call(data: Any) -> ComplaintRead:
            if move.by_party:
                return move.call(uow, caller, complaint_id, data, party)
            return move.call(uow, caller, complaint_id, data)

        def ask(data: Any) -> Response:
            return confirm_page(
                request,
                question=move.confirm or move.submit,
                action=f"/complaints/{complaint_id}/{move.path}",
                submit=move.submit,
                cancel=_back(complaint_id, secret),
                carried=form,
            )

        def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
            return _complaint_page(
                request,
                uow,
                visitor,
                complaint_id,
                secret,
                failed=(move.path, party, values, problems),
            )

        answer = submit_form(
            move.shape,
            form,
            call,
            refused=refused,
            done=_back(complaint_id, secret),
            message=lazy("Complaint #%(id)s: %(done)s", id=complaint_id, done=lazy(move.submit)),
            confirm=ask if move.confirm else None,
        )
        if secret:
            answer.headers.update(NO_REFERRER)
        return answer

    router.add_api_route(f"/complaints/{{complaint_id:int}}/{move.path}", take, methods=["POST"])


for _move in MOVE_FORMS:
    _move_route(_move)


async def _upload_form(request: Request, visitor: Visitor) -> Mapping[str, Any]:
    """A document's form (multipart, for its file), once its CSRF token is shown
    to be this visitor's: as every other form is checked (``signin.Form``)."""
    try:
        form = await request.form(max_files=1, max_fields=8)
    except HTTPException as problem:
        if problem.status_code != 400:
            raise
        raise InvalidInput.on("file", lazy("the form could not be read")) from None
    sent = str(form.get(CSRF_FIELD) or "")
    fresh = getattr(request.state, "new_visit_token", None) == visitor.csrf_token
    if fresh or not hmac.compare_digest(sent, visitor.csrf_token):
        raise Forbidden(
            lazy("the form has expired or did not come from this site; reload it and try again")
        )
    return form


async def _hashed(upload: UploadFile) -> tuple[str, int, str]:
    """The SHA-256 and size of an uploaded file, read in pieces and not kept."""
    digest = hashlib.sha256()
    size = 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > DOCUMENT_MAX_BYTES:
            raise InvalidInput.on(
                "file", lazy("a file is at most %(count)s bytes", count=DOCUMENT_MAX_BYTES)
            )
        digest.update(chunk)
    return digest.hexdigest(), size, upload.filename or ""


@router.post("/complaints/{complaint_id:int}/documents")
async def add_document(
    request: Request, complaint_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    """A document by its hash: a file uploaded is hashed here and discarded, or
    the hash is typed in (the side keeps the file either way)."""
    form = await _upload_form(request, visitor)
    secret = _secret_of(form)
    party = _party_of(form)
    caller = service.Caller(visitor.principal, secret)
    upload = form.get("file")
    try:
        values: dict[str, Any] = {
            "name": str(form.get("name") or "").strip(),
            "sha256": str(form.get("sha256") or "").strip(),
            "size": str(form.get("size") or "0").strip() or "0",
        }
        if isinstance(upload, UploadFile) and upload.filename:
            values["sha256"], values["size"], filename = await _hashed(upload)
            values["name"] = values["name"] or filename
        data = DocumentAdd.model_validate(values)
        service.add_document(uow, caller, complaint_id, data, party)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and not isinstance(error, InvalidInput):
            raise
        problem = _document_problem(error)
        return _complaint_page(
            request, uow, visitor, complaint_id, secret, document_problem=problem
        )
    answer = redirect(
        _back(complaint_id, secret), lazy("Complaint #%(id)s: document added", id=complaint_id)
    )
    if secret:
        answer.headers.update(NO_REFERRER)
    return answer


def _document_problem(error: ValidationError | DomainError) -> Message:
    problems = problems_of(error, DocumentAdd)
    name, message = next(iter(problems.items()))
    labels = {"name": N_("Name"), "sha256": N_("SHA-256"), "size": N_("Size"), "file": N_("File")}
    if name in labels:
        return lazy("%(field)s: %(problem)s", field=lazy(labels[name]), problem=message)
    return message


def _bundle(
    uow: UnitOfWork, request: Request, caller: service.Caller, complaint_id: int
) -> Response:
    bundle = service.evidence(
        uow,
        caller,
        complaint_id,
        request.app.state.signer,
        request.app.state.settings.log_origin,
    )
    return Response(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="complaint-{complaint_id}-bundle.json"',
            "Cache-Control": "no-store",
            **(NO_REFERRER if caller.secret else {}),
        },
    )


@router.get("/complaints/{complaint_id:int}/bundle.json")
def evidence_bundle(request: Request, complaint_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """The evidence bundle for a court, as a file: check it offline with
    ``agilegov record verify --bundle FILE --key KEY``."""
    return _bundle(uow, request, service.Caller(visitor.principal), complaint_id)


@router.get("/complaints/follow/{secret}/bundle.json")
def followed_bundle(request: Request, secret: str, uow: Uow, visitor: VisitorDep) -> Response:
    complaint_id = service.followed(uow, secret[:200])
    return _bundle(uow, request, service.Caller(visitor.principal, secret), complaint_id)


# ---------------------------------------------------------------- the list of complaints


def _waiting_text(status: str) -> str:
    holder = clock_holder(Status(status))
    return i18n.gettext(PARTY_NAMES[holder]) if holder else ""


WAITING = case(
    {state.value: holder.value for state in Status if (holder := clock_holder(state))},
    value=Complaint.status,
    else_="",
)

COMPLAINTS = Listing(
    Complaint,
    (
        Column("filed", N_("Filed"), Complaint.filed_on, lambda c: c.filed_on.isoformat()),
        Column("id", N_("Complaint"), Complaint.id, lambda c: f"#{c.id}"),
        Column(
            "category",
            N_("Category"),
            Complaint.category,
            lambda c: remedy_word(c.category),
            choices=tuple(Category),
            choice_labels={name: WORDS[name] for name in Category if name in WORDS},
        ),
        Column(
            "status",
            N_("Status"),
            Complaint.status,
            lambda c: remedy_word(c.status),
            choices=tuple(Status),
            choice_labels={name: WORDS[name] for name in Status if name in WORDS},
        ),
        Column(
            "waiting_for",
            N_("Whose move"),
            WAITING,
            lambda c: _waiting_text(c.status),
            choices=tuple(party.value for party in Party if party is not Party.platform),
            sortable=False,
            choice_labels={party.value: PARTY_NAMES[party] for party in Party},
        ),
        Column(
            "due",
            N_("Due"),
            Complaint.due_on,
            lambda c: c.due_on.isoformat() if c.due_on else "",
        ),
        Column(
            "what_happened",
            N_("What happened"),
            Complaint.what_happened,
            lambda c: c.what_happened,
            searched=True,
            sortable=False,
            shown=False,
        ),
        Column(
            "scope_id",
            N_("Scope number"),
            Complaint.scope_id,
            lambda c: c.scope_id,
            value=int,
            accepts=lambda text: text.isdecimal() and len(text) < 10,
        ),
    ),
    order=(Complaint.filed_at.desc(), Complaint.id.desc()),
)


@router.get("/complaints")
def complaints(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """The complaints the visitor sees: filed by them, with their organizations,
    and escalated to their ADR bodies."""
    query = dict(request.query_params)
    today = service.today_in_japan()
    with uow:
        session = uow.session
        where = [service.readable_complaints(visitor.principal)]
        listed = read(session, COMPLAINTS, where, query)
        if listed.request.csv and not listed.request.problems:
            return download(request, listed, "complaints.csv")
        scope_ids = {row.scope_id for row in listed.rows}
        scopes = dict(
            session.execute(select(Scope.id, Scope.name).where(Scope.id.in_(scope_ids))).all()
        )
        return render(
            request,
            "complaints.html",
            status=400 if listed.request.problems else 200,
            visitor=visitor,
            complaints=listed,
            scopes=scopes,
            overdue={
                row.id
                for row in listed.rows
                if row.status in OPEN and row.due_on is not None and row.due_on < today
            },
            parties=PARTY_NAMES,
            holders={state.value: clock_holder(state) for state in Status},
        )


# ---------------------------------------------------------------- ADR bodies


@router.get("/adr-providers")
def adr_providers(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    bodies, names = _adr_choices(uow)
    return render(
        request,
        "adr_providers.html",
        visitor=visitor,
        bodies=bodies,
        names=names,
        can_register=bool(_owned(uow, visitor)),
    )


@router.get("/adr-providers/{adr_provider_id:int}")
def adr_provider(request: Request, adr_provider_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    body = service.get_adr_provider(uow, adr_provider_id)
    with uow:
        names = organization_names(uow.session, [body.organization_id])
    return render(
        request,
        "adr_provider.html",
        visitor=visitor,
        body=body,
        name=names.get(body.organization_id, ""),
        grounds=REFUSAL_GROUNDS,
    )


def _owned(uow: UnitOfWork, visitor: Visitor) -> list[Choice]:
    """The organizations the visitor owns that are no business: those that may
    register as an ADR body."""
    owned = [org for org in visitor.principal.roles if visitor.can(org, Role.owner)]
    if not owned:
        return []
    with uow:
        found = organization_choices(uow.session, owned)
        businesses = set(organization_choices(uow.session, owned, "business"))
    return [(str(id_), name) for id_, name in found if (id_, name) not in businesses]


ADR_LABELS = {
    "organization_id": N_("Organization"),
    "handles": N_("Disputes it takes"),
    "fees": N_("Fees"),
    "independence": N_("Declaration of independence"),
    "refusal_grounds": N_("Grounds on which it may refuse a case"),
    "accept_business_days": N_("Business days to accept or refuse"),
    "close_business_days": N_("Business days to close a case"),
}


def _adr_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    state = FormState.of(
        AdrProviderCreate,
        values,
        dict(problems or {}),
        choices={
            "organization_id": _owned(uow, visitor),
            "refusal_grounds": [(g.value, label) for g, label in REFUSAL_GROUNDS.items()],
        },
        labels=ADR_LABELS,
    )
    return form_page(
        request,
        state=state,
        heading=N_("Register as an ADR body"),
        intro=N_(
            "An ADR body (裁判外紛争解決手続) hears complaints a provider did not settle. "
            "It must be independent of the parties: a business cannot register. Its "
            "disputes, fees, declaration of independence and refusal grounds are public."
        ),
        action="/adr-providers",
        submit=N_("Register"),
        cancel="/adr-providers",
    )


@router.get("/adr-providers/new")
def new_adr_provider(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return _adr_form(request, uow, visitor)


@router.post("/adr-providers")
def register_adr_provider(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        AdrProviderCreate,
        form,
        lambda data: service.register_adr_provider(uow, visitor.principal, data),
        refused=partial(_adr_form, request, uow, visitor),
        done=lambda body: f"/adr-providers/{body.id}",
        message=lambda body: lazy("ADR body #%(id)s registered", id=body.id),
    )


# ---------------------------------------------------------------- the scope's tab


def _route_state(
    uow: UnitOfWork,
    scope_id: int,
    values: Any = None,
    problems: Mapping[str, Message] | None = None,
) -> FormState:
    """The ADR route's form: a rule measure of the scope and an active ADR body."""
    bodies, names = _adr_choices(uow)
    measures = service.rule_measures(uow, scope_id)
    return FormState.of(
        AdrRouteSet,
        values,
        dict(problems or {}),
        choices={
            "measure_id": [(str(id_), reference_label(id_, title)) for id_, title in measures],
            "adr_provider_id": [
                (str(b.id), names.get(b.organization_id, f"#{b.id}")) for b in bodies
            ],
        },
        labels={"measure_id": N_("Rule measure (the terms)"), "adr_provider_id": N_("ADR body")},
    )


TAB_SHAPES: dict[str, type[BaseModel]] = {
    "rule": ClusterRuleSet,
    "desk": ComplaintDeskSet,
}


def _complaints_tab(
    session: Session,
    scope: Scope,
    visitor: Visitor,
    uow: UnitOfWork,
    query: Mapping[str, str],
    **_: Any,
) -> dict[str, Any]:
    today = service.today_in_japan()
    start, end, period_problem = period_of(query, today)
    figures = service.complaint_statistics(
        uow, visitor.principal, scope.organization_id, start, end, scope_id=scope.id
    )
    member = visitor.can(scope.organization_id, Role.viewer)
    context: dict[str, Any] = {
        "start": start,
        "end": end,
        "period_problem": period_problem,
        "figures": figures,
        "member": member,
        "published": scope.visibility == "public",
        "minimum": service.MINIMUM_CASES,
        "categories": list(Category),
    }
    if not member:
        return context
    route = service.get_adr_route(uow, scope.id)
    route_name = ""
    if route is not None:
        body = service.get_adr_provider(uow, route.adr_provider_id)
        route_name = organization_names(session, [body.organization_id]).get(
            body.organization_id, ""
        )
    rule = service.get_cluster_rule(uow, scope.id)
    desk = service.get_desk(uow, scope.organization_id)
    context.update(
        route=route,
        route_name=route_name,
        route_state=_route_state(uow, scope.id, route),
        rule=rule,
        rule_state=FormState.of(ClusterRuleSet, rule),
        clusters=service.clusters_of(uow, visitor.principal, scope.id),
        desk_state=FormState.of(ComplaintDeskSet, desk),
        is_owner=visitor.can(scope.organization_id, Role.owner),
    )
    return context


TABS = (Tab(TAB, N_("Complaints"), 96, "scope/complaints.html", _complaints_tab),)


def _tab_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    which: str,
    values: Mapping[str, Any],
    problems: Mapping[str, Message],
) -> Response:
    """The tab again, the refused form filled with what was sent and its problems."""
    if which == "route":
        state = _route_state(uow, scope_id, values, problems)
    else:
        state = FormState.of(TAB_SHAPES[which], values, dict(problems))
    return scope_page(request, uow, visitor, scope_id, TAB, status=422, refused={which: state})


@router.post("/scopes/{scope_id:int}/complaints/adr-route")
def name_adr_route(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        AdrRouteSet,
        form,
        lambda data: service.name_adr_route(uow, visitor.principal, scope_id, data),
        refused=partial(_tab_form, request, uow, visitor, scope_id, "route"),
        done=f"/scopes/{scope_id}/{TAB}#route",
        message=lazy("ADR route named"),
    )


@router.post("/scopes/{scope_id:int}/complaints/cluster-rule")
def set_cluster_rule(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        ClusterRuleSet,
        form,
        lambda data: service.set_cluster_rule(uow, visitor.principal, scope_id, data),
        refused=partial(_tab_form, request, uow, visitor, scope_id, "rule"),
        done=f"/scopes/{scope_id}/{TAB}#clusters",
        message=lazy("Cluster rule saved"),
    )


@router.post("/scopes/{scope_id:int}/complaints/desk")
def set_desk(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    with uow:
        scope = uow.session.get(Scope, scope_id)
        if scope is None or not visitor.can(scope.organization_id, Role.viewer):
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        organization_id = scope.organization_id
    return submit_form(
        ComplaintDeskSet,
        form,
        lambda data: service.set_desk(uow, visitor.principal, organization_id, data),
        refused=partial(_tab_form, request, uow, visitor, scope_id, "desk"),
        done=f"/scopes/{scope_id}/{TAB}#desk",
        message=lazy("Complaint desk clocks saved"),
    )
