"""Organizations' pages: the list and each public profile (with what it has
published), registering one, its profile's form and its members; a person's
account with their API tokens; signing in and out."""

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import available_timezones

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.orm import Session, with_expression

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.cycle.service import scopes_with_cycles
from agilegov.errors import Forbidden, NotFound, TooManyRequests, Unauthenticated
from agilegov.goals.schemas import Direction
from agilegov.goals.service import requirements_of
from agilegov.i18n import N_, gettext, lazy
from agilegov.mail import Mailer
from agilegov.organizations import service
from agilegov.organizations.models import Organization
from agilegov.organizations.proof import TXT_LABEL, WELL_KNOWN_PATH, DomainCheck
from agilegov.organizations.schemas import (
    EmailChange,
    EmailPurpose,
    InvitationRead,
    MemberAdd,
    MemberUpdate,
    OrganizationCreate,
    OrganizationKind,
    OrganizationRead,
    OrganizationUpdate,
    PasswordForgotten,
    PasswordReset,
    Preferences,
    SignUp,
    SignUpForm,
    TokenCreate,
    VerificationCreate,
    VerificationMethod,
    VerificationWithdrawal,
    VerifierChange,
)
from agilegov.organizations.service import (
    PUBLISHED,
    SESSION_LIFETIME,
    organization_profile,
    sign_in,
    sign_out,
    wait_in_units,
)
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.client import client_of
from agilegov.web.forms import FormState
from agilegov.web.lists import Column, Listing, download, read
from agilegov.web.render import (
    confirm_page,
    confirmed,
    form_page,
    redirect,
    render,
    submit_form,
    when_text,
)
from agilegov.web.signin import SESSION_COOKIE, Form, Visitor, VisitorDep, set_cookie
from agilegov.web.viewer import language_of

router = APIRouter(include_in_schema=False)

# Kinds, roles and directions as the pages name them (translated where shown).
KIND_LABELS = {
    OrganizationKind.business: N_("Business"),
    OrganizationKind.government: N_("Government"),
    OrganizationKind.community: N_("Community"),
    OrganizationKind.infrastructure_operator: N_("Infrastructure operator"),
    OrganizationKind.assessor: N_("Assessor"),
}
ROLE_NAMES = {
    Role.viewer: N_("viewer"),
    Role.reviewer: N_("reviewer"),
    Role.editor: N_("editor"),
    Role.owner: N_("owner"),
}
DIRECTION_LABELS = {
    Direction.higher_is_better: N_("Higher is better"),
    Direction.lower_is_better: N_("Lower is better"),
}


def _signed_in(visitor: Visitor) -> None:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))


def _organization_form(
    request: Request,
    visitor: Visitor,
    organization: OrganizationRead | None,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    return form_page(
        request,
        heading=f"Change {organization.name}" if organization else N_("Register an organization"),
        intro=None
        if organization
        else N_(
            "A business, a government body, a community, an infrastructure operator or an "
            "assessor. You become its owner and can invite others."
        ),
        breadcrumbs=[(f"/organizations/{organization.id}", organization.name)]
        if organization
        else [("/organizations", N_("Organizations"))],
        state=FormState.of(OrganizationCreate, values, problems),
        action=f"/organizations/{organization.id}/edit" if organization else "/organizations",
        submit=N_("Save changes") if organization else N_("Register organization"),
        cancel=f"/organizations/{organization.id}" if organization else "/organizations",
    )


@router.get("/organizations/new")
def new_organization(request: Request, visitor: VisitorDep) -> Response:
    _signed_in(visitor)
    return _organization_form(request, visitor, None)


@router.post("/organizations")
def create_organization(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        OrganizationCreate,
        form,
        lambda data: service.create_organization(uow, visitor.principal, data),
        refused=partial(_organization_form, request, visitor, None),
        done=lambda created: f"/organizations/{created.id}",
        message=lambda created: (
            service.look_alike_warning(uow, created.id)
            or lazy("%(name)s registered", name=created.name)
        ),
    )


def _owned(uow: UnitOfWork, visitor: Visitor, organization_id: int) -> OrganizationRead:
    organization = service.get_organization(uow, organization_id)
    visitor.principal.require(organization_id, Role.owner)
    return organization


@router.get("/organizations/{organization_id}/edit")
def edit_organization(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    organization = _owned(uow, visitor, organization_id)
    return _organization_form(request, visitor, organization, organization)


@router.post("/organizations/{organization_id}/edit")
def update_organization(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    organization = _owned(uow, visitor, organization_id)
    return submit_form(
        OrganizationUpdate,
        form,
        lambda data: service.update_organization(uow, visitor.principal, organization_id, data),
        refused=partial(_organization_form, request, visitor, organization),
        done=f"/organizations/{organization_id}",
        message=lambda changed: (
            service.look_alike_warning(uow, changed.id) or lazy("%(name)s saved", name=changed.name)
        ),
    )


# ---------------------------------------------------------------- members


def _members_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    organization_id: int,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    organization = service.get_organization(uow, organization_id)
    members = service.list_members(uow, visitor.principal, organization_id)
    is_owner = visitor.can(organization_id, Role.owner)
    add = FormState.of(MemberAdd, values, problems)
    return render(
        request,
        "members.html",
        visitor=visitor,
        organization=organization,
        members=members,
        is_owner=is_owner,
        add=add,
        role_names=ROLE_NAMES,
    )


@router.get("/organizations/{organization_id}/members")
def members(request: Request, organization_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _members_page(request, uow, visitor, organization_id)


@router.post("/organizations/{organization_id}/members")
def add_member(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    # Someone without an account here is sent an invitation instead.
    return submit_form(
        MemberAdd,
        form,
        lambda data: service.add_or_invite(
            uow, _mailer(request), visitor.principal, organization_id, data, language_of(request)
        ),
        refused=partial(_members_page, request, uow, visitor, organization_id),
        done=f"/organizations/{organization_id}/members",
        message=lambda added: (
            lazy("%(email)s has no account yet: an invitation is sent", email=added.email)
            if isinstance(added, InvitationRead)
            else lazy("%(name)s added", name=added.user.name)
        ),
    )


@router.post("/organizations/{organization_id}/members/{membership_id}")
def change_member(
    request: Request,
    organization_id: int,
    membership_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    return submit_form(
        MemberUpdate,
        form,
        lambda data: service.update_member(
            uow, visitor.principal, organization_id, membership_id, data
        ),
        # A role is changed from the table: the problems are said on the page's form, left empty.
        refused=lambda values, problems: _members_page(
            request, uow, visitor, organization_id, problems=problems
        ),
        done=f"/organizations/{organization_id}/members",
    )


@router.post("/organizations/{organization_id}/members/{membership_id}/remove")
def remove_member(
    request: Request,
    organization_id: int,
    membership_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    if not confirmed(form):
        organization = service.get_organization(uow, organization_id)
        visitor.principal.require(organization_id, Role.owner)  # only an owner is asked
        member = service.get_member(uow, visitor.principal, organization_id, membership_id)
        return confirm_page(
            request,
            question=lazy(
                "Remove %(person)s from %(organization)s?",
                person=member.user.name,
                organization=organization.name,
            ),
            detail=lazy("They lose access to the organization's private scopes at once."),
            action=f"/organizations/{organization_id}/members/{membership_id}/remove",
            submit=lazy("Remove"),
            cancel=f"/organizations/{organization_id}/members",
        )
    service.remove_member(uow, visitor.principal, organization_id, membership_id)
    return redirect(
        f"/organizations/{organization_id}/members",
        message=lazy("Membership #%(id)s removed", id=membership_id),
    )


# ---------------------------------------------------------------- the account


def _account_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    *,
    issued: str | None = None,
    values: Any = None,
    problems: dict[str, str] | None = None,
    preferences: Any = None,
    preference_problems: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    _signed_in(visitor)
    tokens = service.list_tokens(uow, visitor.principal)
    preferences = preferences or service.preferences(uow, visitor.principal)
    return render(
        request,
        "account.html",
        status=status,
        visitor=visitor,
        tokens=tokens,
        verified=service.email_is_verified(uow, visitor.principal),
        issued=issued,
        token_form=FormState.of(TokenCreate, values, problems),
        preferences_form=FormState.of(
            Preferences, preferences, preference_problems, choices=_preference_choices()
        ),
    )


def _preference_choices() -> dict[str, list[tuple[str, str]]]:
    # Each language by its own name; zones by their IANA names.
    languages = [("", N_("As my browser asks")), ("ja", "日本語"), ("en", "English")]
    zones = [("", N_("The language's usual zone"))]
    zones += [(zone, zone) for zone in sorted(available_timezones())]
    return {"language": languages, "time_zone": zones}


@router.get("/account")
def account(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return _account_page(request, uow, visitor)


@router.post("/account/tokens")
def issue_token(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _signed_in(visitor)
    return submit_form(
        TokenCreate,
        form,
        lambda data: service.issue_token(uow, visitor.principal, data.name),
        refused=partial(_account_page, request, uow, visitor),
        # Shown once, on this response only: it is never stored, so never shown again.
        done=lambda issued: _account_page(request, uow, visitor, issued=issued.token, status=201),
    )


@router.post("/account/preferences")
def set_preferences(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _signed_in(visitor)
    return submit_form(
        Preferences,
        form,
        lambda data: service.set_preferences(uow, visitor.principal, data),
        refused=lambda values, problems: _account_page(
            request, uow, visitor, preferences=values, preference_problems=problems
        ),
        done="/account?saved=preferences",
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    _signed_in(visitor)
    if not confirmed(form):
        service.get_token(uow, visitor.principal, token_id)  # only its holder is asked
        return confirm_page(
            request,
            question=lazy("Revoke token #%(id)s?", id=token_id),
            detail=lazy("Whatever uses it can no longer call the API."),
            action=f"/account/tokens/{token_id}/revoke",
            submit=lazy("Revoke"),
            cancel="/account",
        )
    service.revoke_token(uow, visitor.principal, token_id)
    return redirect("/account", message=lazy("Token #%(id)s revoked", id=token_id))


# ---------------------------------------------------------------- profiles


ORGANIZATIONS = Listing(
    Organization,
    (
        Column("name", N_("Organization"), Organization.name, lambda o: o.name, searched=True),
        Column(
            "kind",
            N_("Kind"),
            Organization.kind,
            lambda o: gettext(KIND_LABELS[OrganizationKind(o.kind)]),
            choices=tuple(OrganizationKind),
        ),
        Column("published", N_("Published scopes"), PUBLISHED, lambda o: o.published),
        Column(
            "description",
            N_("Description"),
            Organization.description,
            lambda o: o.description,
            searched=True,
            shown=False,
        ),
    ),
    order=(Organization.name,),
)


@router.get("/organizations")
def organizations(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """Every organization (profiles are public), searched, filtered by kind,
    sorted and paged, with how many scopes each has published."""
    query = dict(request.query_params)
    with uow:
        counted = with_expression(Organization.published, PUBLISHED)
        listed = read(uow.session, ORGANIZATIONS, [], query, [counted])
        if listed.request.csv and not listed.request.problems:
            return download(request, listed, "organizations.csv")
        return render(
            request,
            "organizations.html",
            status=400 if listed.request.problems else 200,
            visitor=visitor,
            organizations=listed,
            kind_labels=KIND_LABELS,
        )


METHOD_LABELS = {
    VerificationMethod.dns_txt: N_("DNS TXT record"),
    VerificationMethod.well_known_file: N_("Well-known file"),
    VerificationMethod.corporate_number: N_("Corporate number"),
    VerificationMethod.registry_entry: N_("Registry entry"),
}


def _organization_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    organization_id: int,
    values: Any = None,
    problems: dict[str, str] | None = None,
    withdraw_problems: dict[str, str] | None = None,
) -> Response:
    """Public: who the organization is, who vouches for it and what it has
    published; its members also see its private scopes."""
    actor = visitor.principal
    with uow:
        session = uow.session
        organization = organization_profile(session, organization_id)
        if organization is None:
            raise NotFound(
                lazy("organization %(organization_id)s not found", organization_id=organization_id)
            )
        where = [Scope.organization_id == organization_id]
        if not visitor.can(organization_id, Role.viewer):
            where.append(Scope.visibility == "public")
        scopes = scopes_with_cycles(session, *where)
        published_ids = [scope.id for scope, _ in scopes if scope.visibility == "public"]
        requirements = requirements_of(session, published_ids)
        can_verify = service.may_verify(session, actor, organization_id)
        verifications = service.list_verifications(uow, organization_id)
        names = service.organization_names(session, [v.verifier_id for v in verifications])
        challenge = (
            service.verification_challenge(uow, actor, organization_id)
            if can_verify or actor.role_in(organization_id) is not None
            else None
        )
        return render(
            request,
            "organization.html",
            status=422 if problems or withdraw_problems else 200,
            visitor=visitor,
            organization=organization,
            scopes=scopes,
            requirements=requirements,
            scope_names={scope.id: scope.name for scope, _ in scopes},
            role=actor.role_in(organization_id),
            kind_labels=KIND_LABELS,
            role_names=ROLE_NAMES,
            direction_labels=DIRECTION_LABELS,
            verifications=verifications,
            verifier_names=names,
            method_labels=METHOD_LABELS,
            can_verify=can_verify,
            withdrawable={
                v.id
                for v in verifications
                if v.withdrawn_at is None
                and (actor.site_admin or (v.verifier_id and actor.can(v.verifier_id, Role.editor)))
            },
            challenge=challenge,
            txt_name=f"{TXT_LABEL}.",
            well_known_path=WELL_KNOWN_PATH,
            verify_form=FormState.of(
                VerificationCreate,
                values,
                problems,
                choices={"method": [(m.value, label) for m, label in METHOD_LABELS.items()]},
            ),
            withdraw_form=FormState.of(VerificationWithdrawal, problems=withdraw_problems),
            site_admin=actor.site_admin,
        )


@router.get("/organizations/{organization_id}")
def organization_page(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    return _organization_page(request, uow, visitor, organization_id)


@router.post("/organizations/{organization_id}/verifications")
def verify_organization(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    _signed_in(visitor)
    check = DomainCheck.of(request.app.state.settings)
    return submit_form(
        VerificationCreate,
        form,
        lambda data: service.verify_organization(
            uow, visitor.principal, organization_id, data, check
        ),
        refused=partial(_organization_page, request, uow, visitor, organization_id),
        done=f"/organizations/{organization_id}#verification",
        message=lambda done: lazy("Verified until %(until)s", until=when_text(done.expires_at)),
    )


@router.post("/organizations/{organization_id}/verifications/{verification_id}/withdraw")
def withdraw_verification(
    request: Request,
    organization_id: int,
    verification_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    _signed_in(visitor)
    back = f"/organizations/{organization_id}#verification"

    def ask(data: VerificationWithdrawal) -> Response:
        service.check_withdrawable(uow, visitor.principal, organization_id, verification_id)
        return confirm_page(
            request,
            question=lazy("Withdraw verification #%(id)s?", id=verification_id),
            detail=lazy(
                "The organization is shown as unverified unless another verification "
                "holds, for this reason: %(reason)s",
                reason=data.reason,
            ),
            action=f"/organizations/{organization_id}/verifications/{verification_id}/withdraw",
            submit=lazy("Withdraw verification"),
            cancel=back,
            carried=form,
        )

    return submit_form(
        VerificationWithdrawal,
        form,
        lambda data: service.withdraw_verification(
            uow, visitor.principal, organization_id, verification_id, data.reason
        ),
        refused=lambda values, problems: _organization_page(
            request, uow, visitor, organization_id, withdraw_problems=problems
        ),
        done=back,
        message=lazy("Verification #%(id)s withdrawn", id=verification_id),
        confirm=ask,
    )


@router.get("/verifiers")
def verifiers(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """The verifiers, and (for the site's operator) the infrastructure operators
    that could become one."""
    with uow:
        candidates = (
            service.organization_choices(uow.session, kind="infrastructure_operator")
            if visitor.principal.site_admin
            else []
        )
    listed = service.list_verifiers(uow)
    return render(
        request,
        "verifiers.html",
        visitor=visitor,
        verifiers=listed,
        candidates=[(id_, name) for id_, name in candidates if id_ not in {v.id for v in listed}],
        site_admin=visitor.principal.site_admin,
    )


@router.post("/organizations/{organization_id}/verifier")
def set_verifier(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    _signed_in(visitor)
    data = VerifierChange.model_validate({"is_verifier": form.get("is_verifier") == "true"})
    changed = service.set_verifier(uow, visitor.principal, organization_id, data.is_verifier)
    return redirect(
        "/verifiers",
        message=lazy("%(name)s is a verifier", name=changed.name)
        if changed.is_verifier
        else lazy("%(name)s is no longer a verifier", name=changed.name),
    )


# ---------------------------------------------------------------- signing in and out
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
        request,
        "login.html",
        csrf=visitor.csrf_token,
        next=_local(next),
        email="",
        error=None,
        wait=None,
    )


@router.post("/login")
def login(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    target = _local(str(form.get("next") or "/"))
    # What is wrong, as a text the page translates; or how long to wait.
    problem = None
    wait = None
    if not email:
        problem = N_("Email: enter the email address you signed up with.")
    elif not password:
        problem = N_("Password: enter your password.")
    elif len(email) > 320 or len(password) > 200:
        problem = N_("The email or the password is too long.")
    status = 422
    headers = {}
    if problem is None:
        try:
            secret = sign_in(uow, email, password, client_of(request).address)
        except Unauthenticated:
            problem = N_("The email or the password is wrong.")
        except TooManyRequests as waiting:
            assert waiting.retry_after is not None  # sign-in always says how long
            wait = wait_in_units(waiting.retry_after)
            status = 429
            headers["Retry-After"] = str(waiting.retry_after)
    if problem is not None or wait is not None:
        page = render(
            request,
            "login.html",
            status=status,
            csrf=visitor.csrf_token,
            next=target,
            email=email,
            error=problem,
            wait=wait,
        )
        page.headers.update(headers)
        return page
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


# ---------------------------------------------------------------- a scope's page


def scope_header(session: Session, scope: Scope) -> dict[str, Any]:
    """The organization that owns the scope, at the head of its page."""
    return {"organization": session.get(Organization, scope.organization_id)}


# ---------------------------------------------------------------- accounts by e-mail
# Links in mails open a page that asks before anything is done: a mail scanner
# following the link must not use it up.

Token = Annotated[str, Query(max_length=200)]


def _mailer(request: Request) -> Mailer:
    return request.app.state.mailer


def _open_signup(request: Request) -> bool:
    return request.app.state.settings.signup == "open"


def _signup_page(
    request: Request,
    token: str | None,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    return form_page(
        request,
        heading=N_("Create an account"),
        intro=N_("You will be sent a link to confirm your address.") if token is None else None,
        state=FormState.of(SignUpForm, values, problems),
        action="/signup" + (f"?{urlencode({'token': token})}" if token else ""),
        submit=N_("Create account"),
        cancel="/login",
    )


@router.get("/signup")
def signup_page(
    request: Request, uow: Uow, visitor: VisitorDep, token: Token | None = None
) -> Response:
    if token is None and not _open_signup(request):
        raise Forbidden(
            lazy("this site's accounts are by invitation only: follow the link of an invitation")
        )
    # An invitation's address is the account's: it is filled in for the reader.
    values = (
        {"email": service.check_email_token(uow, token, EmailPurpose.invitation)} if token else None
    )
    return _signup_page(request, token, values)


@router.post("/signup")
def signup(
    request: Request, uow: Uow, visitor: VisitorDep, form: Form, token: Token | None = None
) -> Response:
    def create(data: SignUpForm) -> Any:
        return service.sign_up(
            uow,
            _mailer(request),
            SignUp(**data.model_dump(), invitation=token),
            _open_signup(request),
            language_of(request),
        )

    return submit_form(
        SignUpForm,
        form,
        create,
        refused=partial(_signup_page, request, token),
        done="/login",
        message=lambda user: (
            lazy("Account created: sign in")
            if user is not None
            else lazy("Check your mail: it has a link to confirm your address.")
        ),
    )


@router.get("/verify-email")
def verify_email_page(request: Request, uow: Uow, visitor: VisitorDep, token: Token) -> Response:
    email = service.check_email_token(uow, token, EmailPurpose.verify_email)
    return confirm_page(
        request,
        question=lazy("Confirm that %(email)s is your address?", email=email),
        action="/verify-email",
        submit=lazy("Confirm"),
        cancel="/",
        carried={"token": token},
    )


@router.post("/verify-email")
def verify_email(uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.verify_email(uow, str(form.get("token") or ""))
    return redirect("/", message=lazy("Your e-mail address is confirmed"))


@router.post("/account/verification")
def resend_verification(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _signed_in(visitor)
    service.resend_verification(uow, _mailer(request), visitor.principal)
    return redirect(
        "/account", message=lazy("Check your mail: it has a link to confirm your address.")
    )


def _forgot_page(
    request: Request, values: Any = None, problems: dict[str, str] | None = None
) -> Response:
    return form_page(
        request,
        heading=N_("Forgot your password?"),
        intro=N_("Enter your account's address: a link to choose a new password is sent to it."),
        state=FormState.of(PasswordForgotten, values, problems),
        action="/password/forgot",
        submit=N_("Send the link"),
        cancel="/login",
    )


@router.get("/password/forgot")
def forgot_password_page(request: Request, visitor: VisitorDep) -> Response:
    return _forgot_page(request)


@router.post("/password/forgot")
def forgot_password(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    # The same answer whether or not the address has an account.
    return submit_form(
        PasswordForgotten,
        form,
        lambda data: service.request_password_reset(
            uow, _mailer(request), data.email, language_of(request)
        ),
        refused=partial(_forgot_page, request),
        done="/login",
        message=lazy("If an account has this address, a link to reset its password is on its way."),
    )


def _reset_page(
    request: Request, token: str, values: Any = None, problems: dict[str, str] | None = None
) -> Response:
    return form_page(
        request,
        heading=N_("Choose a new password"),
        intro=N_("Every browser signed in to your account is signed out."),
        state=FormState.of(PasswordReset, values, problems),
        action=f"/password/reset?{urlencode({'token': token})}",
        submit=N_("Set the password"),
        cancel="/login",
    )


@router.get("/password/reset")
def reset_password_page(request: Request, uow: Uow, visitor: VisitorDep, token: Token) -> Response:
    service.check_email_token(uow, token, EmailPurpose.password_reset)
    return _reset_page(request, token)


@router.post("/password/reset")
def reset_password(
    request: Request, uow: Uow, visitor: VisitorDep, form: Form, token: Token
) -> Response:
    return submit_form(
        PasswordReset,
        form,
        lambda data: service.reset_password(uow, token, data.password.get_secret_value()),
        refused=partial(_reset_page, request, token),
        done="/login",
        message=lazy("Password changed: sign in with it"),
    )


@router.get("/invitations/accept")
def invitation_page(request: Request, uow: Uow, visitor: VisitorDep, token: Token) -> Response:
    invitation = service.invitation_of(uow, token)
    if not visitor.signed_in:
        # Without an account here, the invited person signs up with the link's token.
        return redirect(f"/signup?{urlencode({'token': token})}")
    assert invitation.organization_id is not None and invitation.role is not None
    organization = service.get_organization(uow, invitation.organization_id)
    return confirm_page(
        request,
        question=lazy(
            "Join %(organization)s as %(role)s?",
            organization=organization.name,
            role=lazy(ROLE_NAMES[invitation.role]),
        ),
        action="/invitations/accept",
        submit=lazy("Join"),
        cancel="/",
        carried={"token": token},
    )


@router.post("/invitations/accept")
def accept_invitation(uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _signed_in(visitor)
    membership = service.accept_invitation(uow, visitor.principal, str(form.get("token") or ""))
    return redirect(
        f"/organizations/{membership.organization_id}", message=lazy("You joined the organization")
    )


def _email_page(
    request: Request, values: Any = None, problems: dict[str, str] | None = None
) -> Response:
    return form_page(
        request,
        heading=N_("Change your e-mail address"),
        intro=N_(
            "A link is sent to the new address: it becomes your account's once you follow it."
        ),
        state=FormState.of(EmailChange, values, problems),
        action="/account/email",
        submit=N_("Send the link"),
        cancel="/account",
        breadcrumbs=[("/account", N_("Account"))],
    )


@router.get("/account/email")
def email_page(request: Request, visitor: VisitorDep) -> Response:
    _signed_in(visitor)
    return _email_page(request)


@router.post("/account/email")
def change_email(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    _signed_in(visitor)
    return submit_form(
        EmailChange,
        form,
        lambda data: service.request_email_change(uow, _mailer(request), visitor.principal, data),
        refused=partial(_email_page, request),
        done="/account",
        message=lazy("Check your mail at the new address: it has a link to confirm it."),
    )


@router.get("/account/email/confirm")
def confirm_email_page(request: Request, uow: Uow, visitor: VisitorDep, token: Token) -> Response:
    service.check_email_token(uow, token, EmailPurpose.change_email)
    return confirm_page(
        request,
        question=lazy("Make this your account's e-mail address?"),
        action="/account/email/confirm",
        submit=lazy("Confirm"),
        cancel="/",
        carried={"token": token},
    )


@router.post("/account/email/confirm")
def confirm_email(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    user = service.confirm_email_change(uow, _mailer(request), str(form.get("token") or ""))
    return redirect("/", message=lazy("Your e-mail address is now %(email)s", email=user.email))


# ---------------------------------------------------------------- marks beside names


def _marks(request: Request) -> dict[int, service.Mark]:
    """Every organization's mark, read once per page however many names it shows."""
    marks = getattr(request.state, "organization_marks", None)
    if marks is None:
        uow = getattr(request.state, "uow", None) or UnitOfWork(request.app.state.session_factory)
        with uow:
            marks = service.organization_marks(uow.session)
        request.state.organization_marks = marks
    return marks


def _name_link(mark: service.Mark) -> Markup:
    return Markup('<a href="/organizations/{}">{}</a>').format(mark.id, mark.name)


@pass_context
def organization_mark(context: Any, organization_id: int | None, link: bool = True) -> Markup:
    """An organization's name with its mark: "verified" (by whom, until when, as
    a tooltip) or a visible "unverified"; where another's name looks the same,
    its handle too, and an unverified one says it is not the verified one."""
    if organization_id is None:
        return Markup("")
    marks = _marks(context["request"])
    mark = marks.get(organization_id)
    if mark is None:
        return Markup("")
    parts = [_name_link(mark) if link else Markup("{}").format(mark.name)]
    if mark.look_alikes:
        parts.append(Markup('<span class="muted handle">@{}</span>').format(mark.slug))
    if mark.verified:
        assert mark.verified_until is not None
        until = when_text(mark.verified_until)
        tooltip = (
            gettext(
                "Verified by %(verifier)s until %(until)s", verifier=mark.verified_by, until=until
            )
            if mark.verified_by
            else gettext("Verified by the site's operator until %(until)s", until=until)
        )
        parts.append(
            Markup('<span class="badge ok verified-mark" title="{}">{}</span>').format(
                tooltip, gettext("verified")
            )
        )
    else:
        parts.append(
            Markup('<span class="badge warning unverified-mark">{}</span>').format(
                gettext("unverified")
            )
        )
        for other_id in mark.look_alikes:
            other = marks[other_id]
            if other.verified:
                # The translation is escaped, then the (escaped) link put in.
                warning = Markup.escape(gettext("not the verified %(name)s (@%(slug)s)")) % {
                    "name": _name_link(other),
                    "slug": other.slug,
                }
                parts.append(Markup('<strong class="look-alike">{}</strong>').format(warning))
    return Markup('<span class="org-mark">{}</span>').format(Markup(" ").join(parts))
