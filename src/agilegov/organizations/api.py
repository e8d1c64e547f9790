from typing import Any

from fastapi import APIRouter, Request, Response, status

from agilegov.api.deps import Actor, Language, MailerDep, Paging, Uow
from agilegov.api.problems import responses
from agilegov.errors import Unauthenticated
from agilegov.i18n import N_, gettext, lazy, speaking
from agilegov.organizations import service
from agilegov.organizations.proof import DomainCheck
from agilegov.organizations.schemas import (
    Accepted,
    EmailChange,
    EmailTokenUse,
    InvitationCreate,
    InvitationRead,
    MemberAdd,
    MembershipRead,
    MemberUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    PasswordForgotten,
    PasswordResetWithToken,
    Preferences,
    PreferencesRead,
    SignUp,
    TokenCreate,
    TokenIssued,
    TokenRead,
    UserRead,
    VerificationCreate,
    VerificationRead,
    VerificationWithdrawal,
    VerifierChange,
)
from agilegov.paging import page_of
from agilegov.schemas import Page

router = APIRouter(tags=["organizations"])
OrganizationPatch: Any = OrganizationUpdate


@router.get("/organizations", response_model=Page[OrganizationRead])
def list_organizations(uow: Uow, actor: Actor, page: Paging) -> Any:
    # Profiles are public; the actor is resolved so a bad token is still refused.
    return service.list_organizations(uow, page.limit, page.offset)


@router.post("/organizations", response_model=OrganizationRead, status_code=201)
def create_organization(body: OrganizationCreate, uow: Uow, actor: Actor) -> Any:
    return service.create_organization(uow, actor, body)


@router.get("/organizations/{organization_id}", response_model=OrganizationRead)
def get_organization(organization_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_organization(uow, organization_id)


@router.patch("/organizations/{organization_id}", response_model=OrganizationRead)
def update_organization(
    organization_id: int, body: OrganizationPatch, uow: Uow, actor: Actor
) -> Any:
    return service.update_organization(uow, actor, organization_id, body)


@router.get("/organizations/{organization_id}/verifications", response_model=Page[VerificationRead])
def list_verifications(organization_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    """Who vouched for the organization, how and until when, newest first (public)."""
    return page_of(service.list_verifications(uow, organization_id), page.limit, page.offset)


@router.post(
    "/organizations/{organization_id}/verifications",
    response_model=VerificationRead,
    status_code=201,
)
def verify_organization(
    request: Request, organization_id: int, body: VerificationCreate, uow: Uow, actor: Actor
) -> Any:
    """Vouch for the organization (the site's operator, or an editor of a verifier).
    The domain methods are checked now against the organization's challenge."""
    check = DomainCheck.of(request.app.state.settings)
    return service.verify_organization(uow, actor, organization_id, body, check)


@router.post(
    "/organizations/{organization_id}/verifications/{verification_id}/withdraw",
    response_model=VerificationRead,
)
def withdraw_verification(
    organization_id: int,
    verification_id: int,
    body: VerificationWithdrawal,
    uow: Uow,
    actor: Actor,
) -> Any:
    return service.withdraw_verification(uow, actor, organization_id, verification_id, body.reason)


@router.get("/verifiers", response_model=Page[OrganizationRead])
def list_verifiers(uow: Uow, actor: Actor, page: Paging) -> Any:
    """The organizations that may verify others."""
    return page_of(service.list_verifiers(uow), page.limit, page.offset)


@router.put("/organizations/{organization_id}/verifier", response_model=OrganizationRead)
def set_verifier(organization_id: int, body: VerifierChange, uow: Uow, actor: Actor) -> Any:
    """Make a verified infrastructure operator a verifier, or stop it being one
    (the site's operator only)."""
    return service.set_verifier(uow, actor, organization_id, body.is_verifier)


@router.get("/organizations/{organization_id}/members", response_model=Page[MembershipRead])
def list_members(organization_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return page_of(service.list_members(uow, actor, organization_id), page.limit, page.offset)


@router.post(
    "/organizations/{organization_id}/members", response_model=MembershipRead, status_code=201
)
def add_member(organization_id: int, body: MemberAdd, uow: Uow, actor: Actor) -> Any:
    return service.add_member(uow, actor, organization_id, body)


@router.patch(
    "/organizations/{organization_id}/members/{membership_id}", response_model=MembershipRead
)
def update_member(
    organization_id: int, membership_id: int, body: MemberUpdate, uow: Uow, actor: Actor
) -> Any:
    return service.update_member(uow, actor, organization_id, membership_id, body)


@router.delete(
    "/organizations/{organization_id}/members/{membership_id}",
    status_code=204,
    response_class=Response,
)
def remove_member(organization_id: int, membership_id: int, uow: Uow, actor: Actor) -> Response:
    service.remove_member(uow, actor, organization_id, membership_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
def me(actor: Actor) -> dict[str, Any]:
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    return {
        "user_id": actor.user_id,
        "roles": {str(k): v.value for k, v in actor.roles.items()},
        "site_admin": actor.site_admin,
    }


@router.get("/me/preferences", response_model=PreferencesRead)
def my_preferences(uow: Uow, actor: Actor) -> Any:
    """The language and time zone the caller reads pages in."""
    return service.preferences(uow, actor)


@router.patch("/me/preferences", response_model=PreferencesRead)
def set_my_preferences(body: Preferences, uow: Uow, actor: Actor) -> Any:
    """Set the language (``ja``, ``en``) or time zone (IANA, e.g. ``Asia/Tokyo``) the
    caller reads pages in; null leaves it to the browser and the language."""
    return service.set_preferences(uow, actor, body)


@router.get("/tokens", response_model=Page[TokenRead], tags=["tokens"])
def list_tokens(uow: Uow, actor: Actor, page: Paging) -> Any:
    return page_of(service.list_tokens(uow, actor), page.limit, page.offset)


@router.post("/tokens", response_model=TokenIssued, status_code=201, tags=["tokens"])
def issue_token(body: TokenCreate, uow: Uow, actor: Actor) -> Any:
    return service.issue_token(uow, actor, body.name)


@router.delete("/tokens/{token_id}", response_model=TokenRead, tags=["tokens"])
def revoke_token(token_id: int, uow: Uow, actor: Actor) -> Any:
    return service.revoke_token(uow, actor, token_id)


# ---------------------------------------------------------------- accounts by e-mail


def _accepted(language: str, text: str) -> Accepted:
    with speaking(language):
        return Accepted(detail=gettext(text))


@router.post(
    "/signup",
    response_model=UserRead,
    status_code=201,
    tags=["accounts"],
    responses={
        **responses(403, 409, 429, 503),
        202: {"model": Accepted, "description": "A link to verify the address is sent."},
    },
)
def sign_up(body: SignUp, request: Request, uow: Uow, mailer: MailerDep, language: Language) -> Any:
    """Create an account. With an invitation's token: verified, and a member at
    once. Without (only where AGILEGOV_SIGNUP=open): 202, and a link to verify
    the address is mailed to it (whether it had an account is not said)."""
    open_signup = request.app.state.settings.signup == "open"
    user = service.sign_up(uow, mailer, body, open_signup, language)
    if user is not None:
        return user
    accepted = _accepted(language, N_("Check your mail: it has a link to confirm your address."))
    return Response(accepted.model_dump_json(), status_code=202, media_type="application/json")


@router.post("/verify-email", response_model=UserRead, tags=["accounts"])
def verify_email(body: EmailTokenUse, uow: Uow) -> Any:
    """Verify an address with the token of the link mailed to it."""
    return service.verify_email(uow, body.token)


@router.post(
    "/me/verification",
    response_model=Accepted,
    status_code=202,
    tags=["accounts"],
    responses=responses(429, 503),
)
def resend_verification(uow: Uow, actor: Actor, mailer: MailerDep, language: Language) -> Any:
    """Mail a new link to verify the caller's address (older ones stop working)."""
    service.resend_verification(uow, mailer, actor)
    return _accepted(language, N_("Check your mail: it has a link to confirm your address."))


@router.post(
    "/password/forgot",
    response_model=Accepted,
    status_code=202,
    tags=["accounts"],
    responses=responses(429, 503),
)
def forgot_password(
    body: PasswordForgotten, uow: Uow, mailer: MailerDep, language: Language
) -> Any:
    """Mail a link to reset the password of the account with this address, if
    there is one; the answer is the same either way."""
    service.request_password_reset(uow, mailer, body.email, language)
    return _accepted(
        language, N_("If an account has this address, a link to reset its password is on its way.")
    )


@router.post("/password/reset", status_code=204, response_class=Response, tags=["accounts"])
def reset_password(body: PasswordResetWithToken, uow: Uow) -> Response:
    """Set a new password with a reset link's token; every web session of the account ends."""
    service.reset_password(uow, body.token, body.password.get_secret_value())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organizations/{organization_id}/invitations",
    response_model=InvitationRead,
    status_code=201,
    tags=["accounts"],
    responses=responses(503),
)
def invite(
    organization_id: int,
    body: InvitationCreate,
    uow: Uow,
    actor: Actor,
    mailer: MailerDep,
    language: Language,
) -> Any:
    """Invite an address to the organization with a role (owners only)."""
    return service.invite(uow, mailer, actor, organization_id, body, language)


@router.post(
    "/invitations/accept", response_model=MembershipRead, status_code=201, tags=["accounts"]
)
def accept_invitation(body: EmailTokenUse, uow: Uow, actor: Actor) -> Any:
    """Join with an invitation sent to the caller's address."""
    return service.accept_invitation(uow, actor, body.token)


@router.post(
    "/me/email",
    response_model=Accepted,
    status_code=202,
    tags=["accounts"],
    responses=responses(503),
)
def change_email(
    body: EmailChange, uow: Uow, actor: Actor, mailer: MailerDep, language: Language
) -> Any:
    """Mail a link to the new address; the address changes once it is followed."""
    service.request_email_change(uow, mailer, actor, body)
    return _accepted(
        language, N_("Check your mail at the new address: it has a link to confirm it.")
    )


@router.post(
    "/me/email/confirm", response_model=UserRead, tags=["accounts"], responses=responses(503)
)
def confirm_email_change(body: EmailTokenUse, uow: Uow, mailer: MailerDep) -> Any:
    """Change the caller's address with the token of the link mailed to the new one."""
    return service.confirm_email_change(uow, mailer, body.token)


routers = [router]
