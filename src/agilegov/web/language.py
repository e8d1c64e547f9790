"""Choosing the language pages are shown in (the switcher at the top of every
page); which one a page is shown in is ``web.viewer``'s to say."""

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agilegov.errors import InvalidInput
from agilegov.i18n import LANGUAGES, lazy
from agilegov.uow import UnitOfWork
from agilegov.web.signin import Form, VisitorDep, set_cookie
from agilegov.web.viewer import LANGUAGE_COOKIE

LANGUAGE_MAX_AGE = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


def _same_site(target: str) -> str:
    """``target`` if it is a path of this site, else the home page (never a
    redirect elsewhere)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.post("/language")
def choose_language(request: Request, visitor: VisitorDep, form: Form) -> Response:
    """Show the pages in the language chosen, from now on, and go back: a
    signed-in person's setting changes too."""
    language = str(form.get("language") or "")
    if language not in LANGUAGES:
        raise InvalidInput.on(
            "language", lazy("choose one of %(languages)s", languages=", ".join(LANGUAGES))
        )
    if visitor.signed_in:
        # The organizations part keeps people's settings (set up by the app).
        uow = UnitOfWork(request.app.state.session_factory)
        request.app.state.set_language(uow, visitor.principal, language)
    response = RedirectResponse(_same_site(str(form.get("next") or "/")), status_code=303)
    set_cookie(response, request, LANGUAGE_COOKIE, language, LANGUAGE_MAX_AGE)
    return response
