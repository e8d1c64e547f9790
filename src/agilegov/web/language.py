"""The language a page is shown in: the visitor's choice (kept in a cookie),
else the first of ours their browser asks for (``Accept-Language``), else the
site's default (``AGILEGOV_DEFAULT_LANGUAGE``)."""

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from agilegov.errors import InvalidInput
from agilegov.i18n import LANGUAGES, negotiate
from agilegov.web.signin import Form, set_cookie

LANGUAGE_COOKIE = "agilegov_language"
LANGUAGE_MAX_AGE = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    default = request.app.state.settings.default_language
    return negotiate(request.headers.get("accept-language"), default)


def _same_site(target: str) -> str:
    """``target`` if it is a path of this site, else the home page (never a
    redirect elsewhere)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.post("/language")
def choose_language(request: Request, form: Form) -> Response:
    """Show the pages in the language chosen, from now on, and go back."""
    language = str(form.get("language") or "")
    if language not in LANGUAGES:
        raise InvalidInput.on("language", f"choose one of {', '.join(LANGUAGES)}")
    response = RedirectResponse(_same_site(str(form.get("next") or "/")), status_code=303)
    set_cookie(response, request, LANGUAGE_COOKIE, language, LANGUAGE_MAX_AGE)
    return response
