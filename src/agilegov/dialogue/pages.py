"""A consultation's pages: the draft with a comment thread per paragraph,
voting one statement at a time, the opinion map, the owner's moderation and
responses, "what we heard and what we did", and each participant's own input
and what became of it."""

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import Session

from agilegov import clock, i18n
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.versions import version_choices, version_ref
from agilegov.dialogue import lifecycle, participation, reads
from agilegov.dialogue.access import Voice
from agilegov.dialogue.models import Comment, Consultation, Paragraph, consultation_invitations
from agilegov.dialogue.models import Response as Answer
from agilegov.dialogue.reads import comment_read
from agilegov.dialogue.schemas import (
    Audience,
    CommentCreate,
    ConsultationCreate,
    Decision,
    Moderation,
    ResponseCreate,
    StatementCreate,
    Subject,
    VoteCreate,
)
from agilegov.dialogue.views import next_statement, opinion_map, opinion_map_of
from agilegov.errors import InvalidInput, NotFound
from agilegov.goals.service import goal_titles
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_choices
from agilegov.part import Tab
from agilegov.schemas import Input, LongText
from agilegov.scopes.schemas import ScopeRead
from agilegov.tenancy import Scope, readable_scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import Choice, FormState, reference_label
from agilegov.web.lists import Column, Listing, choice_label, download, read
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
    when_text,
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
            (str(id_), reference_label(id_, title))
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


HIDE_QUESTIONS = {
    "comment": N_("Hide comment #%(id)s?"),
    "statement": N_("Hide statement #%(id)s?"),
}
HIDDEN_MESSAGES = {
    "comment": N_("Comment #%(id)s hidden"),
    "statement": N_("Statement #%(id)s hidden"),
}


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
    done = f"/consultations/{consultation_id}#{singular}-{item_id}"

    def ask(data: Moderation) -> Response:
        lifecycle.check_hideable(uow, visitor.principal, consultation_id, singular, item_id)
        return confirm_page(
            request,
            question=lazy(HIDE_QUESTIONS[singular], id=item_id),
            detail=lazy(
                "Nobody will see it again; the reason is shown in its place: %(reason)s",
                reason=data.reason,
            ),
            action=f"/consultations/{consultation_id}/{kind}/{item_id}/hide",
            submit=lazy("Hide"),
            cancel=done,
            carried=form,
        )

    return submit_form(
        Moderation,
        form,
        lambda data: lifecycle.hide(
            uow, visitor.principal, consultation_id, singular, item_id, data
        ),
        refused=lambda values, problems: _consultation_page(
            request, uow, visitor, consultation_id, moderation_errors=problems
        ),
        done=done,
        message=lazy(HIDDEN_MESSAGES[singular], id=item_id),
        confirm=ask,
    )


@router.post("/consultations/{consultation_id}/close")
def close(
    request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    if not confirmed(form):
        lifecycle.check_closable(uow, visitor.principal, consultation_id)
        return confirm_page(
            request,
            question=lazy("Close consultation #%(id)s now?", id=consultation_id),
            detail=lazy("Nobody can take part afterwards."),
            action=f"/consultations/{consultation_id}/close",
            submit=lazy("Close the consultation"),
            cancel=f"/consultations/{consultation_id}",
        )
    snapshot = opinion_map(uow, visitor.principal, consultation_id).model_dump(mode="json")
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
    # The answer is written looking at what it answers.
    targets = context["comments"] if kind == "comment" else context["statements"]
    target = next((item for item in targets if item.id == target_id), None)
    if target is None:
        raise NotFound(lazy("no %(kind)s %(id)s in this consultation", kind=kind, id=target_id))
    paragraph = context["paragraph_by_id"][target.paragraph_id] if kind == "comment" else None
    return render(
        request,
        "consultation/answer.html",
        visitor=visitor,
        state=state,
        heading=heading,
        consultation=context["consultation"],
        kind=kind,
        target=target,
        paragraph=paragraph,
        names=context["names"],
        action=f"/consultations/{consultation_id}/responses/{kind}/{target_id}",
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


# The words of a comment's answer (and of no answer yet), as the pages show them.
ANSWER_WORDS = {
    "accepted": N_("accepted"),
    "partly": N_("partly"),
    "rejected": N_("rejected"),
    "none": N_("not answered yet"),
}
COMMENT_STATES = {"shown": N_("shown"), "hidden": N_("hidden by the moderators")}


@dataclass(frozen=True)
class CommentRow:
    """A comment as the list shows it: its body only while not hidden, its
    author only by the pseudonym the consultation's pages show."""

    comment: Any  # CommentRead
    paragraph: int
    author: str
    answer: Any  # ResponseRead | None


def _comment_text(row: CommentRow) -> str:
    if row.comment.hidden_at:
        return str(lazy("Hidden by the moderators: %(reason)s", reason=row.comment.hidden_reason))
    return row.comment.body or ""


def _state_text(row: CommentRow) -> str:
    return i18n.gettext(COMMENT_STATES["hidden" if row.comment.hidden_at else "shown"])


def _answer_text(row: CommentRow) -> str:
    if row.answer is None:
        return i18n.gettext(ANSWER_WORDS["none"])
    return f"{i18n.gettext(ANSWER_WORDS[row.answer.decision])}: {row.answer.reason}"


def _comment_listing(paragraph_numbers: list[int]) -> Listing:
    """The comments' list of a consultation: filters by its paragraphs, whether a
    comment is shown or hidden, and its answer. A hidden comment's text is never
    searched."""
    number = select(Paragraph.number).where(Paragraph.id == Comment.paragraph_id)
    decision = select(Answer.decision).where(
        Answer.consultation_id == Comment.consultation_id,
        Answer.target_kind == "comment",
        Answer.target_id == Comment.id,
    )
    return Listing(
        Comment,
        (
            Column("id", N_("Comment #"), Comment.id, lambda r: f"#{r.comment.id}"),
            Column(
                "paragraph",
                N_("Paragraph"),
                number.scalar_subquery(),
                lambda r: f"¶ {r.paragraph}",
                choices=tuple(str(n) for n in paragraph_numbers),
                value=int,
            ),
            Column("author", N_("By"), Comment.participant_id, lambda r: r.author, sortable=False),
            Column(
                "body",
                N_("Comment (text)"),
                case((Comment.hidden_at.is_(None), Comment.body), else_=""),
                _comment_text,
                searched=True,
                sortable=False,
            ),
            Column(
                "posted",
                N_("Posted"),
                Comment.created_at,
                lambda r: when_text(r.comment.created_at),
            ),
            Column(
                "status",
                N_("Status"),
                case((Comment.hidden_at.is_(None), "shown"), else_="hidden"),
                lambda r: i18n.gettext(
                    COMMENT_STATES["hidden" if r.comment.hidden_at else "shown"]
                ),
                choices=tuple(COMMENT_STATES),
                choice_labels=COMMENT_STATES,
                shown=False,
            ),
            Column(
                "answer",
                N_("Answer (decision)"),
                func.coalesce(decision.scalar_subquery(), "none"),
                _answer_text,
                choices=tuple(ANSWER_WORDS),
                choice_labels=ANSWER_WORDS,
            ),
        ),
    )


def _comment_list(uow: UnitOfWork, context: dict[str, Any], query: dict[str, str]) -> Any:
    """One page of the consultation's comments as ``query`` asks (read once the
    consultation's pages have found the reader may see it)."""
    consultation_id = context["consultation"].id
    listing = _comment_listing([p.number for p in context["paragraphs"]])
    with uow:
        where = [Comment.consultation_id == consultation_id]
        listed = read(uow.session, listing, where, query)
        shown = [comment_read(comment) for comment in listed.rows]
    numbers = {p.id: p.number for p in context["paragraphs"]}
    names = context["names"]
    rows = [
        CommentRow(
            comment,
            numbers[comment.paragraph_id],
            names.get(comment.participant_id, i18n.gettext("Participant")),
            context["answered"].get(("comment", comment.id)),
        )
        for comment in shown
    ]
    return replace(listed, rows=rows)


@router.get("/consultations/{consultation_id}/responses")
def outcome(request: Request, consultation_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """What we heard and what we did: public wherever the consultation is. Its
    comments are a list searched, filtered, sorted, paged and downloaded as CSV."""
    context = _context(uow, visitor, consultation_id, request)
    comments = _comment_list(uow, context, dict(request.query_params))
    if comments.request.csv and not comments.request.problems:
        return download(request, comments, f"consultation-{consultation_id}-comments.csv")
    return render(
        request,
        "consultation/responses.html",
        status=400 if comments.request.problems else 200,
        visitor=visitor,
        **context,
        comment_list=comments,
    )


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


# A status's words name the consultation: other parts say "open" of other things.
CONSULTATION_STATUSES = {
    "upcoming": N_("upcoming (consultation)"),
    "open": N_("open (consultation)"),
    "closed": N_("closed (consultation)"),
}


def _consultation_listing(now: Any) -> Listing:
    """The consultations' list; its status is by the dates as of ``now``."""
    status = case(
        (or_(Consultation.closed_at.is_not(None), Consultation.closes_at <= now), "closed"),
        (Consultation.opens_at <= now, "open"),
        else_="upcoming",
    )
    return Listing(
        Consultation,
        (
            Column("title", N_("Consultation"), Consultation.title, lambda c: c.title, True),
            Column(
                "status",
                N_("Status"),
                status,
                lambda c: i18n.gettext(CONSULTATION_STATUSES[c.status]),
                choices=tuple(CONSULTATION_STATUSES),
                choice_labels=CONSULTATION_STATUSES,
            ),
            Column(
                "subject",
                N_("Subject"),
                Consultation.subject,
                lambda c: choice_label(c.subject),
                choices=tuple(Subject),
            ),
            Column("opens_at", N_("Opens"), Consultation.opens_at, lambda c: when_text(c.opens_at)),
            Column(
                "closes_at",
                N_("Closes"),
                func.coalesce(Consultation.closed_at, Consultation.closes_at),
                lambda c: when_text(c.closed_at or c.closes_at),
            ),
            Column(
                "audience",
                N_("Audience"),
                Consultation.audience,
                lambda c: choice_label(c.audience),
                choices=tuple(Audience),
            ),
            Column(
                "summary",
                N_("Summary"),
                Consultation.summary,
                lambda c: c.summary,
                searched=True,
                shown=False,
            ),
        ),
        order=(Consultation.id.desc(),),
    )


def _readable(scope: Scope, visitor: Visitor) -> list[Any]:
    """Which of the scope's consultations the visitor may read (as ``may_read``)."""
    if visitor.can(scope.organization_id, Role.viewer):
        return []
    member_of = [org for org in visitor.principal.roles if visitor.can(org, Role.viewer)]
    invited = select(consultation_invitations.c.consultation_id).where(
        consultation_invitations.c.organization_id.in_(member_of)
    )
    public = Consultation.audience == "public" if scope.visibility == "public" else false()
    return [or_(public, Consultation.id.in_(invited))]


def _consultations(
    session: Session, scope: Scope, visitor: Visitor, query: dict[str, str], **_: Any
) -> dict[str, Any]:
    where = [Consultation.scope_id == scope.id, *_readable(scope, visitor)]
    listing = _consultation_listing(clock.now())
    return {"consultations": read(session, listing, where, query)}


TABS = (Tab("consultations", N_("Consultations"), 90, "scope/consultations.html", _consultations),)
