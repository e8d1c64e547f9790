"""The pages every visitor starts from: signing in and out, the dashboard of a
signed-in person, the public start page, organizations' profiles and the record."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.models import Cycle, Trigger
from agilegov.errors import DomainError, NotFound, Unauthenticated
from agilegov.goals.models import Goal, Indicator
from agilegov.monitor.models import BreachEpisode
from agilegov.organizations.models import Organization
from agilegov.organizations.service import SESSION_LIFETIME, sign_in, sign_out
from agilegov.record import checkpoints
from agilegov.record.notes import verifier_key
from agilegov.record.verify import ReceiptError, verify_receipt
from agilegov.scopes.models import Scope
from agilegov.web.render import redirect, render
from agilegov.web.signin import SESSION_COOKIE, Form, VisitorDep, set_cookie
from agilegov.web.throttle import FailedSignIns

router = APIRouter(include_in_schema=False)
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())


def _local(target: str | None) -> str:
    """Only a path on this site is followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(
    request: Request, visitor: VisitorDep, next: Annotated[str, Query(max_length=2000)] = "/"
) -> Response:
    return render(
        request, "login.html", csrf=visitor.csrf_token, next=_local(next), email="", error=None
    )


@router.post("/login")
def login(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    target = _local(str(form.get("next") or "/"))
    problem = None
    if not email:
        problem = "Email: enter the email address you signed up with."
    elif not password:
        problem = "Password: enter your password."
    elif len(email) > 320 or len(password) > 200:
        problem = "The email or the password is too long."
    who = (f"email:{email.lower()}", f"client:{request.client.host if request.client else ''}")
    throttle: FailedSignIns = request.app.state.failed_sign_ins
    status = 422
    if problem is None and throttle.blocked(*who):
        problem = "Too many failed attempts: wait a quarter of an hour, then try again."
        status = 429
    if problem is None:
        try:
            secret = sign_in(uow, email, password)
        except Unauthenticated:
            throttle.failed(*who)
            problem = "The email or the password is wrong."
    if problem is not None:
        return render(
            request,
            "login.html",
            status=status,
            csrf=visitor.csrf_token,
            next=target,
            email=email,
            error=problem,
        )
    if visitor.session_secret:
        sign_out(uow, visitor.session_secret)
    response = redirect(target)
    set_cookie(response, request, SESSION_COOKIE, secret, SESSION_MAX_AGE)
    return response


@router.post("/logout")
def logout(uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    if visitor.session_secret:
        sign_out(uow, visitor.session_secret)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- start pages


def _scopes_with_cycles(session: Any, where: list[Any]) -> list[tuple[Scope, Cycle]]:
    rows = session.execute(
        select(Scope, Cycle)
        .join(Cycle, Cycle.scope_id == Scope.id)
        .where(*where)
        .order_by(Scope.organization_id, Scope.name)
    )
    return [(scope, cycle) for scope, cycle in rows]


@router.get("/")
def home(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        session = uow.session
        if not visitor.signed_in:
            published = _scopes_with_cycles(session, [Scope.visibility == "public"])
            owners = _organizations(session, {scope.organization_id for scope, _ in published})
            return render(request, "home.html", visitor=visitor, scopes=published, owners=owners)
        member_of = list(visitor.principal.roles)
        organizations = _organizations(session, set(member_of))
        scopes = _scopes_with_cycles(session, [Scope.organization_id.in_(member_of)])
        scope_ids = [scope.id for scope, _ in scopes]
        triggers = session.scalars(
            select(Trigger)
            .where(Trigger.scope_id.in_(scope_ids), Trigger.status == "open")
            .order_by(Trigger.opened_at.desc(), Trigger.id.desc())
        ).all()
        breaches = session.execute(
            select(BreachEpisode, Indicator)
            .join(Indicator, Indicator.id == BreachEpisode.indicator_id)
            .where(BreachEpisode.scope_id.in_(scope_ids), BreachEpisode.recovered_at.is_(None))
            .order_by(BreachEpisode.opened_at.desc())
        ).all()
        by_id = {scope.id: scope for scope, _ in scopes}
        return render(
            request,
            "dashboard.html",
            visitor=visitor,
            organizations=organizations,
            scopes=scopes,
            triggers=triggers,
            breaches=breaches,
            scope_by_id=by_id,
            roles=visitor.principal.roles,
            Role=Role,
        )


def _organizations(session: Any, ids: set[int]) -> dict[int, Organization]:
    if not ids:
        return {}
    rows = session.scalars(select(Organization).where(Organization.id.in_(ids)))
    return {organization.id: organization for organization in rows}


@router.get("/organizations")
def organizations(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    with uow:
        published = (
            select(Scope.organization_id, func.count().label("published"))
            .where(Scope.visibility == "public")
            .group_by(Scope.organization_id)
            .subquery()
        )
        rows = uow.session.execute(
            select(Organization, func.coalesce(published.c.published, 0))
            .outerjoin(published, published.c.organization_id == Organization.id)
            .order_by(Organization.name)
        ).all()
        return render(request, "organizations.html", visitor=visitor, rows=rows)


@router.get("/organizations/{organization_id}")
def organization_profile(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    """Public: who the organization is and what it has published; its members
    also see its private scopes."""
    with uow:
        session = uow.session
        organization = session.get(Organization, organization_id)
        if organization is None:
            raise NotFound(f"organization {organization_id} not found")
        where = [Scope.organization_id == organization_id]
        if not visitor.can(organization_id, Role.viewer):
            where.append(Scope.visibility == "public")
        scopes = _scopes_with_cycles(session, where)
        published_ids = [scope.id for scope, _ in scopes if scope.visibility == "public"]
        requirements = session.scalars(
            select(Goal)
            .where(
                Goal.scope_id.in_(published_ids),
                Goal.level == "specific",
                Goal.status == "active",
            )
            .order_by(Goal.scope_id, Goal.id)
        ).all()
        return render(
            request,
            "organization.html",
            visitor=visitor,
            organization=organization,
            scopes=scopes,
            requirements=requirements,
            scope_names={scope.id: scope.name for scope, _ in scopes},
            role=visitor.principal.role_in(organization_id),
        )


# ---------------------------------------------------------------- the record


@router.get("/record")
def record(
    request: Request,
    uow: Uow,
    visitor: VisitorDep,
    index: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    """The latest signed checkpoint, and an event looked up by its index with its
    inclusion proof, checked here as anyone could check it offline."""
    signer = request.app.state.signer
    origin = request.app.state.settings.log_origin
    checkpoint = checkpoints.latest_checkpoint(uow, signer, origin)
    key = verifier_key(signer)
    lookup: dict[str, Any] | None = None
    problem = None
    if index not in (None, ""):
        assert index is not None
        if not index.strip().isdecimal():
            problem = "Index: enter a whole number, 0 or more."
        elif int(index) >= checkpoint.size:
            numbered = f", numbered 0 to {checkpoint.size - 1}" if checkpoint.size else ""
            problem = f"Index: the record has {checkpoint.size} entries{numbered}."
        else:
            try:
                receipt = checkpoints.receipt(uow, visitor.principal, int(index), signer, origin)
            except DomainError as error:
                problem = str(error)
            else:
                lookup = {"receipt": receipt, "verified": None, "error": None}
                try:
                    lookup["verified"] = verify_receipt(receipt, key)
                except ReceiptError as failure:
                    lookup["error"] = str(failure)
    return render(
        request,
        "record.html",
        status=422 if problem else 200,
        visitor=visitor,
        checkpoint=checkpoint,
        key=key,
        index=index or "",
        lookup=lookup,
        problem=problem,
    )
