"""The language a page is shown in: the signed-in person's setting, else the
visitor's choice (kept in a cookie), else the first of ours their browser asks
for (``Accept-Language``), else the site's default (``AGILEGOV_DEFAULT_LANGUAGE``);
and the time zone its times are shown in: the person's setting, else the
language's usual one."""

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agilegov.errors import InvalidInput
from agilegov.i18n import LANGUAGES, lazy, negotiate
from agilegov.uow import UnitOfWork
from agilegov.web.signin import Form, VisitorDep, set_cookie

LANGUAGE_COOKIE = "agilegov_language"
LANGUAGE_MAX_AGE = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


# The zone times are shown in for people who set none.
USUAL_ZONE = {"ja": "Asia/Tokyo", "en": "UTC"}


def language_of(request: Request) -> str:
    visitor = getattr(request.state, "visitor", None)
    if visitor is not None and visitor.language in LANGUAGES:
        return visitor.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    default = request.app.state.settings.default_language
    return negotiate(request.headers.get("accept-language"), default)


def zone_of(request: Request, language: str) -> str:
    visitor = getattr(request.state, "visitor", None)
    return (visitor and visitor.time_zone) or USUAL_ZONE[language]


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
