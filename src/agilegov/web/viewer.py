"""The language a page is shown in: the signed-in person's setting, else the
visitor's choice (kept in a cookie), else the first of ours their browser asks
for (``Accept-Language``), else the site's default (``AGILEGOV_DEFAULT_LANGUAGE``);
and the time zone its times are shown, and its forms' times read, in: the
person's setting, else the language's usual one."""

from fastapi import Request

from agilegov.i18n import LANGUAGES, negotiate

LANGUAGE_COOKIE = "agilegov_language"

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
