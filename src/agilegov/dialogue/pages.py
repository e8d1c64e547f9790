"""A consultation's pages: the draft with a comment thread per paragraph,
voting one statement at a time, the opinion map, the owner's moderation and
responses, "what we heard and what we did", and each participant's own input
and what became of it."""

from collections import defaultdict
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.versions import version_choices, version_ref
from agilegov.dialogue import lifecycle, participation, reads
from agilegov.dialogue.access import Voice, may_read
from agilegov.dialogue.models import Consultation
from agilegov.dialogue.schemas import (
    CommentCreate,
    ConsultationCreate,
    Decision,
    Moderation,
    ResponseCreate,
    StatementCreate,
    VoteCreate,
)
from agilegov.dialogue.views import next_statement, opinion_map, opinion_map_of
from agilegov.errors import InvalidInput
from agilegov.goals.service import goal_titles
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_choices
from agilegov.part import Tab
from agilegov.schemas import Input, LongText
from agilegov.scopes.schemas import ScopeRead
from agilegov.tenancy import Scope, readable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import Choice, FormState
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
)
from agilegov.web.signin import Form, Visitor, VisitorDep, set_cookie

router = APIRouter(include_in_schema=False)

# A pseudonymous participant's secret, one cookie per consultation.
PARTICIPANT_COOKIE = "agilegov_participant_{}"
PARTICIPANT_MAX_AGE = 365 * 24 * 3600


def _voice(request: Request, visitor: Visitor, consultation_id: int) -> Voice:
    return Voice(visitor.principal, request.cookies.get(PARTICIPANT_COOKIE.format(consultation_id)))


def _heard(
    request: Request, consultation_id: int, spoken: participation.Spoken, url: str
) -> Response:
    """After a participant's input: see it (303), keeping a new pseudonym's secret."""
    response = redirect(url)
    if spoken.new_secret:
        name = PARTICIPANT_COOKIE.format(consultation_id)
        set_cookie(response, request, name, spoken.new_secret, PARTICIPANT_MAX_AGE)
    return response


# ---------------------------------------------------------------- creating


def _consultation_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    with uow:
        session = uow.session
        found = readable_scope(session, visitor.principal, scope_id)
        visitor.principal.require(found.organization_id, Role.editor)
        scope = ScopeRead.model_validate(found)
        goals = [
            (str(id_), f"{title} (#{id_})")
            for id_, title in sorted(goal_titles(session, scope_id).items())
        ]
        organizations = [(str(id_), name) for id_, name in organization_choices(session)]
    state = FormState.of(
        ConsultationCreate,
        values,
        problems,
        choices={"goal_ids": goals, "invited_organization_ids": organizations},
        labels={
            "goal_ids": N_("Goals it concerns"),
            "invited_organization_ids": N_("Invited organizations"),
            "opens_at": N_("Opens at (RFC 3339, e.g. 2027-01-10T09:00:00+09:00)"),
            "closes_at": N_("Closes at (RFC 3339)"),
            "statements": N_("Statements to vote on"),
        },
    )
    return form_page(
        request,
        state=state,
        heading=N_("New consultation"),
        intro=N_(
            "A draft for comment, paragraph by paragraph, and short statements that "
            "participants vote on and add to. Every input gets an answer."
        ),
        breadcrumbs=[(f"/scopes/{scope_id}", scope.name)],
        action=f"/scopes/{scope_id}/consultations",
        submit=N_("Create consultation"),
        cancel=f"/scopes/{scope_id}/consultations",
    )


@router.get("/scopes/{scope_id}/consultations/new")
def new_consultation(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _consultation_form(request, uow, visitor, scope_id)


@router.post("/scopes/{scope_id}/consultations")
def create_consultation(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        ConsultationCreate,
        form,
        lambda data: lifecycle.create_consultation(uow, visitor.principal, scope_id, data),
        refused=partial(_consultation_form, request, uow, visitor, scope_id),
        done=lambda created: f"/consultations/{created.id}",
    )


# ---------------------------------------------------------------- the consultation


def _context(
    uow: UnitOfWork, visitor: Visitor, consultation_id: int, request: Request
) -> dict[str, Any]:
    """What a consultation's pages show, read once."""
    snapshot = reads.snapshot(uow, _voice(request, visitor, consultation_id), consultation_id)
    consultation = snapshot.consultation
    return {
        "snapshot": snapshot,
        "consultation": consultation,
        "scope": {"id": consultation.scope_id, "name": snapshot.scope_name},
        "is_owner": visitor.can(snapshot.organization_id, Role.editor),
        "me": snapshot.me,
        "is_open": consultation.status == "open",
        "paragraphs": snapshot.paragraphs,
        "paragraph_by_id": {p.id: p for p in snapshot.paragraphs},
        "comments": snapshot.comments,
        "statements": snapshot.statements,
        "statement_by_id": {s.id: s for s in snapshot.statements},
        "answered": {(r.target_kind, r.target_id): r for r in snapshot.responses},
        "names": snapshot.pseudonyms,
        "map": opinion_map_of(snapshot),
    }


def _consultation_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    consultation_id: int,
    *,
    comment_errors: dict[int, dict[str, str]] | None = None,
    statement_errors: dict[str, str] | None = None,
    moderation_errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    context = _context(uow, visitor, consultation_id, request)
    threads: dict[int, list[Any]] = defaultdict(list)
    for comment in context["comments"]:
        threads[comment.paragraph_id].append(comment)
    return render(
        request,
        "consultation/page.html",
        visitor=visitor,
        **context,
        threads=threads,
        comment_errors=comment_errors or {},
        statement_errors=statement_errors or {},
        moderation_errors=moderation_errors or {},
        values=values or {},
    )


@router.get("/consultations/{consultation_id}")
def consultation_page(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    return _consultation_page(request, uow, visitor, consultation_id)


@router.post("/consultations/{consultation_id}/comments")
def add_comment(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    voice = _voice(request, visitor, consultation_id)
    return submit_form(
        CommentCreate,
        form,
        lambda data: participation.add_comment(uow, voice, consultation_id, data),
        refused=lambda values, problems: _consultation_page(
            request,
            uow,
            visitor,
            consultation_id,
            comment_errors={_shown_by(form.get("paragraph"), problems): problems},
            values=values,
        ),
        done=lambda spoken: _heard(
            request,
            consultation_id,
            spoken,
            f"/consultations/{consultation_id}#comment-{spoken.result.id}",
        ),
    )


def _shown_by(paragraph: Any, problems: dict[str, str]) -> int:
    """The number of the paragraph a refused comment is shown by; 0 (above the
    draft) where there is no such paragraph to show it by."""
    number = str(paragraph or "")
    if "paragraph" in problems or not (number.isdecimal() and len(number) < 6):
        return 0
    return int(number)


@router.post("/consultations/{consultation_id}/statements")
def add_statement(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    voice = _voice(request, visitor, consultation_id)
    return submit_form(
        StatementCreate,
        form,
        lambda data: participation.add_statement(uow, voice, consultation_id, data),
        refused=lambda values, problems: _consultation_page(
            request, uow, visitor, consultation_id, statement_errors=problems, values=values
        ),
        done=lambda spoken: _heard(
            request, consultation_id, spoken, f"/consultations/{consultation_id}#statements"
        ),
    )


# ---------------------------------------------------------------- voting


@router.get("/consultations/{consultation_id}/vote")
def vote_page(request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _vote_page(request, uow, visitor, consultation_id)


def _vote_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    consultation_id: int,
    problems: dict[str, str] | None = None,
) -> Response:
    context = _context(uow, visitor, consultation_id, request)
    voice = _voice(request, visitor, consultation_id)
    upcoming = next_statement(context["snapshot"], voice, context["map"].extremity)
    return render(
        request,
        "consultation/vote.html",
        visitor=visitor,
        **context,
        upcoming=upcoming,
        problems=problems or {},
    )


@router.post("/consultations/{consultation_id}/votes")
def cast_vote(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    voice = _voice(request, visitor, consultation_id)
    return submit_form(
        VoteCreate,
        form,
        lambda data: participation.cast_vote(uow, voice, consultation_id, data),
        # A vote is a button: the page says what was wrong with it, there is nothing to refill.
        refused=lambda values, problems: _vote_page(
            request, uow, visitor, consultation_id, problems
        ),
        done=lambda spoken: _heard(
            request, consultation_id, spoken, f"/consultations/{consultation_id}/vote"
        ),
    )


# ---------------------------------------------------------------- the owner's tools


@router.post("/consultations/{consultation_id}/{kind}/{item_id}/hide")
def hide(
    request: Request,
    consultation_id: int,
    kind: str,
    item_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    singular = {"comments": "comment", "statements": "statement"}.get(kind)
    if singular is None:
        raise InvalidInput.on("kind", lazy("comments or statements"))
    return submit_form(
        Moderation,
        form,
        lambda data: lifecycle.hide(
            uow, visitor.principal, consultation_id, singular, item_id, data
        ),
        refused=lambda values, problems: _consultation_page(
            request, uow, visitor, consultation_id, moderation_errors=problems
        ),
        done=f"/consultations/{consultation_id}#{singular}-{item_id}",
    )


@router.post("/consultations/{consultation_id}/close")
def close(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    snapshot = opinion_map(uow, visitor.principal, consultation_id).model_dump(mode="json")
    if not confirmed(form):
        return confirm_page(
            request,
            question=lazy("Close consultation #%(id)s now?", id=consultation_id),
            detail=lazy("Nobody can take part afterwards."),
            action=f"/consultations/{consultation_id}/close",
            submit=lazy("Close the consultation"),
            cancel=f"/consultations/{consultation_id}",
        )
    lifecycle.close_consultation(uow, visitor.principal, consultation_id, snapshot)
    return redirect(
        f"/consultations/{consultation_id}/responses",
        message=lazy("Consultation #%(id)s closed", id=consultation_id),
    )


class ResponseForm(Input):
    """A response as its form shows it: the changed version as one choice."""

    decision: Decision
    reason: LongText = Field(min_length=1, description=N_("Why: what the input led to, or not."))
    change: str | None = Field(
        default=None, description=N_("The goal or measure version this input changed.")
    )

    def response(self, kind: str, target_id: int) -> ResponseCreate:
        return ResponseCreate(
            target_kind=kind,  # type: ignore[arg-type]
            target_id=target_id,
            decision=self.decision,
            reason=self.reason,
            change=version_ref(self.change, "change") if self.change else None,
        )


def _version_choices(uow: UnitOfWork, scope_id: int) -> list[Choice]:
    with uow:
        return version_choices(uow.session, scope_id)


def _response_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    consultation_id: int,
    kind: str,
    target_id: int,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    context = _context(uow, visitor, consultation_id, request)
    visitor.principal.require(context["snapshot"].organization_id, Role.editor)
    state = FormState.of(
        ResponseForm,
        values,
        problems,
        choices={"change": _version_choices(uow, context["consultation"].scope_id)},
    )
    heading = {
        "comment": lazy("Answer comment #%(id)s", id=target_id),
        "statement": lazy("Answer statement #%(id)s", id=target_id),
    }[kind]
    return form_page(
        request,
        state=state,
        heading=heading,
        intro=N_(
            "Accepted, partly accepted or rejected, why, and — when it changed something — "
            "the version of the goal or measure it changed."
        ),
        breadcrumbs=[(f"/consultations/{consultation_id}", context["consultation"].title)],
        action=f"/consultations/{consultation_id}/responses/{kind}/{target_id}",
        submit=N_("Record the answer"),
        cancel=f"/consultations/{consultation_id}/responses",
    )


@router.get("/consultations/{consultation_id}/responses/{kind}/{target_id}")
def response_form(
    request: Request, consultation_id: int, kind: str, target_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    if kind not in ("comment", "statement"):
        raise InvalidInput.on("kind", lazy("comment or statement"))
    return _response_form(request, uow, visitor, consultation_id, kind, target_id)


@router.post("/consultations/{consultation_id}/responses/{kind}/{target_id}")
def respond(
    request: Request,
    consultation_id: int,
    kind: str,
    target_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    if kind not in ("comment", "statement"):
        raise InvalidInput.on("kind", lazy("comment or statement"))
    return submit_form(
        ResponseForm,
        form,
        lambda data: lifecycle.respond(
            uow, visitor.principal, consultation_id, data.response(kind, target_id)
        ),
        refused=partial(_response_form, request, uow, visitor, consultation_id, kind, target_id),
        done=f"/consultations/{consultation_id}/responses#{kind}-{target_id}",
    )


# ---------------------------------------------------------------- what became of it


@router.get("/consultations/{consultation_id}/responses")
def outcome(request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """What we heard and what we did: public wherever the consultation is."""
    context = _context(uow, visitor, consultation_id, request)
    return render(request, "consultation/responses.html", visitor=visitor, **context)


@router.get("/consultations/{consultation_id}/mine")
def my_input(request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """Each participant's own comments, statements and votes, and their answers."""
    context = _context(uow, visitor, consultation_id, request)
    me = context["me"]
    return render(
        request,
        "consultation/mine.html",
        visitor=visitor,
        **context,
        my_comments=[c for c in context["comments"] if me and c.participant_id == me.id],
        my_statements=[s for s in context["statements"] if me and s.participant_id == me.id],
        my_votes=context["snapshot"].my_votes,
    )


# ---------------------------------------------------------------- the scope page's tab


def _consultations(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.scope_id == scope.id)
        .order_by(Consultation.id.desc())
    )
    return {"consultations": [c for c in rows if may_read(visitor.principal, c, scope)]}


TABS = (Tab("consultations", N_("Consultations"), 90, "scope/consultations.html", _consultations),)
