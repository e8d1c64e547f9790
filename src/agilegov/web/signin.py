"""Who is looking at a page (a session cookie, or nobody), and the CSRF token
their forms must carry back."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from agilegov import i18n
from agilegov.auth import ANONYMOUS, Principal, Role
from agilegov.errors import Forbidden, InvalidInput
from agilegov.i18n import lazy
from agilegov.uow import UnitOfWork
from agilegov.web.client import client_of
from agilegov.web.viewer import language_of, zone_of

SESSION_COOKIE = "agilegov_session"
# Before sign-in there is no session to bind a token to: the forms of a
# visitor who is not signed in (signing in, taking part under a pseudonym)
# carry back the value of this cookie instead (a double-submit token).
VISIT_COOKIE = "agilegov_visit"
VISIT_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Visitor:
    principal: Principal
    name: str | None
    session_secret: str | None
    csrf_token: str
    # How the person reads pages, where they said (None: the browser decides).
    language: str | None = None
    time_zone: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.principal.user_id is not None

    def can(self, organization_id: int, minimum: Role = Role.editor) -> bool:
        return self.principal.can(organization_id, minimum)


def _session_token(secret: str) -> str:
    # Bound to the session, whose secret the page's scripts never see (HttpOnly).
    return hmac.new(secret.encode(), b"agilegov csrf", hashlib.sha256).hexdigest()


def get_visitor(request: Request) -> Visitor:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        # The organizations part answers whose session it is (set up by the app).
        found = request.app.state.session_user(
            UnitOfWork(request.app.state.session_factory), secret
        )
        if found is not None:
            visitor = Visitor(
                found.principal,
                found.name,
                secret,
                _session_token(secret),
                found.language,
                found.time_zone,
            )
            request.state.visitor = visitor
            return visitor
    token = request.cookies.get(VISIT_COOKIE)
    if not token:
        # Set on the page's response by ``render``.
        token = request.state.new_visit_token = secrets.token_urlsafe(32)
    visitor = Visitor(ANONYMOUS, None, None, token)
    request.state.visitor = visitor
    return visitor


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """A cookie no script can read, sent back only from this site's pages."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=client_of(request).scheme == "https",
        path="/",
    )


class SubmittedForm(FormData):
    """A submitted form, and the time zone its sender reads times in: a date and
    time typed without an offset (a ``datetime-local`` input) is in that zone."""

    def __init__(self, form: FormData, zone: str) -> None:
        super().__init__(form.multi_items())
        self.zone = zone


async def checked_form(request: Request, visitor: "VisitorDep") -> SubmittedForm:
    """The submitted form, once its CSRF token is shown to be this visitor's."""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # No page takes a file: an upload's larger body is not read here.
        raise InvalidInput.on("form", lazy("send the form url-encoded; no page takes a file"))
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    fresh = getattr(request.state, "new_visit_token", None) == visitor.csrf_token
    if fresh or not hmac.compare_digest(sent, visitor.csrf_token):
        raise Forbidden(
            lazy("the form has expired or did not come from this site; reload it and try again")
        )
    return SubmittedForm(form, zone_of(request, language_of(request)))


async def speaking_visitor(
    request: Request, visitor: Annotated[Visitor, Depends(get_visitor)]
) -> Visitor:
    """The visitor, with the page's language and time zone in force for the rest
    of the request (its task's context): what a page reads and words in code,
    before its template is rendered (a card's caption, a CSV's times), is then
    in them too."""
    language = language_of(request)
    i18n.current_language.set(language)
    i18n.current_zone.set(zone_of(request, language))
    return visitor


VisitorDep = Annotated[Visitor, Depends(speaking_visitor)]
Form = Annotated[SubmittedForm, Depends(checked_form)]
