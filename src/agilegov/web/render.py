"""Rendering pages: one Jinja2 environment, the pages for errors, and the way
every form page answers a submitted form (their security headers are set for
every response by ``web.headers``)."""

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader, pass_context
from markupsafe import Markup
from pydantic import BaseModel, ValidationError

from agilegov import __version__, clock, i18n, part
from agilegov.errors import InvalidInput
from agilegov.i18n import N_
from agilegov.schemas import FORM_ZONE
from agilegov.web.forms import FormState, label_of, problems_of, values_from_form
from agilegov.web.signin import VISIT_COOKIE, VISIT_MAX_AGE, SubmittedForm, set_cookie
from agilegov.web.viewer import language_of, zone_of

TEMPLATES = Path(__file__).parent / "templates"
MESSAGES = Path(__file__).parent / "locale"
# The message a page shows once after a change ("Risk #10 saved"), carried
# across the redirect to the page that shows the result.
FLASH_COOKIE = "agilegov_flash"
FLASH_MAX_AGE = 60
_FLASH_MAX_CHARS = 2000
_PLACE = re.compile(r"%\((\w+)\)s")


def when_text(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return i18n.local_time_text(value)
    return value.isoformat()


def number_text(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{value:,}"


def _show(value: Any) -> str:
    """Any stored value as a page shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return i18n.gettext("yes") if value else i18n.gettext("no")
    if isinstance(value, Enum):
        return i18n.gettext(label_of(str(value.value)))
    if isinstance(value, datetime | date):
        return when_text(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(_show(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_show(item)}" for key, item in value.items())
    return str(value)


# What an indicator's status reads as (``monitor.evaluation`` decides it).
STATUS_WORDS = {
    "ok": N_("ok"),
    "warning": N_("warning"),
    "breach": N_("breach"),
    "no_data": N_("no data"),
}


def status_badge(status: str) -> Markup:
    """A status as a badge in the page's language: a function rather than a
    macro, as a page may show hundreds."""
    word = i18n.gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status
    return Markup('<span class="badge {}">{}</span>').format(status, word)


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["when"] = when_text
templates.env.filters["number"] = number_text
templates.env.filters["show"] = _show


# Both filters take the context only so that Jinja never folds them on a
# constant when compiling (``'specific'|label``): the words depend on the page.
@pass_context
def _translated(_context: Any, value: Any) -> str:
    """A text made in code (a heading, a label, a help text) in the page's
    language where the catalogs have it: unlike ``_()``, for values that may
    hold data too, which stay escaped and are never formatted."""
    return i18n.gettext(value)


@pass_context
def _label(_context: Any, value: Any) -> str:
    """A code name as words, in the page's language where the catalogs have it."""
    return i18n.gettext(label_of(str(getattr(value, "value", value))))


templates.env.filters["t"] = _translated
templates.env.filters["label"] = _label
templates.env.globals["status_badge"] = status_badge
templates.env.globals["version"] = __version__
# The viewer's zone, named next to a date and time typed in it.
templates.env.globals["zone_name"] = lambda: i18n.zone_name(clock.now())
templates.env.add_extension("jinja2.ext.i18n")


# Texts in the language of the page being rendered (``render`` sets it), in
# macros imported without the page's context too.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
)


def use_parts() -> None:
    """Find templates in the web toolkit's folder and every installed part's, and
    give them the functions and values the parts offer."""
    folders = [TEMPLATES, *part.template_folders()]
    names = [
        path.relative_to(folder).as_posix() for folder in folders for path in folder.rglob("*.html")
    ]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # One folder's template would silently hide another's.
        raise RuntimeError(f"templates named by more than one part: {', '.join(repeated)}")
    templates.env.loader = FileSystemLoader([str(folder) for folder in folders])
    templates.env.globals.update(part.template_globals())
    i18n.catalogs.load([i18n.CORE_MESSAGES, MESSAGES, *part.message_folders()])


def compile_templates() -> None:
    """Compile every template now rather than on its first request."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)


def _flash_data(message: "i18n.Lazy") -> dict[str, Any]:
    values = {
        name: _flash_data(value) if isinstance(value, i18n.Lazy) else str(value)
        for name, value in message.values.items()
    }
    data: dict[str, Any] = {"message": message.message, "values": values}
    if message.context is not None:
        data["context"] = message.context
    return data


def _flash_of(data: Any) -> "i18n.Lazy | None":
    """The message ``data`` says, if it is one of the texts the catalogs know
    (the cookie is the browser's: it never makes the page say anything else)."""
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        return None
    message, context = data.get("message"), data.get("context")
    if not isinstance(message, str) or not isinstance(context, str | None):
        return None
    if not i18n.catalogs.knows(message, context):
        return None
    values: dict[str, object] = {}
    for name, value in data["values"].items():
        inner = _flash_of(value) if isinstance(value, dict) else value
        if not isinstance(inner, str | i18n.Lazy):
            return None
        values[str(name)] = inner
    if set(_PLACE.findall(message)) != set(values):
        return None
    if context is not None:
        return i18n.plazy(context, message, **values)
    return i18n.Lazy(message, **values)


def flash_cookie(message: "i18n.Lazy") -> str:
    text = json.dumps(_flash_data(message), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def read_flash(cookie: str | None) -> "i18n.Lazy | None":
    """The message a flash cookie carries, or None when it carries none we show."""
    if not cookie or len(cookie) > _FLASH_MAX_CHARS:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cookie.encode()))
    except ValueError:
        return None
    return _flash_of(data)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; ``context`` needs ``visitor`` (``request.state.visitor`` serves
    pages rendered before the visitor is known, such as errors). A message left
    by the change before (``redirect(..., message=...)``) is shown once."""
    context.setdefault("visitor", getattr(request.state, "visitor", None))
    flash = request.cookies.get(FLASH_COOKIE)
    context.setdefault("flash", read_flash(flash))
    language = context.setdefault("language", language_of(request))
    chosen = i18n.current_language.set(language)
    zone = i18n.current_zone.set(zone_of(request, language))
    try:
        response = templates.TemplateResponse(request, template, context, status_code=status)
    finally:
        i18n.current_zone.reset(zone)
        i18n.current_language.reset(chosen)
    # Pages show what only the signed-in may see: no shared cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    new_visit_token = getattr(request.state, "new_visit_token", None)
    if new_visit_token:
        set_cookie(response, request, VISIT_COOKIE, new_visit_token, VISIT_MAX_AGE)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, message: "i18n.Lazy | None" = None) -> Response:
    """After a successful form: see the result (303, so a reload does not resend),
    with ``message`` saying what was done shown once on the page it leads to."""
    response = RedirectResponse(url, status_code=303)
    if message is not None:
        response.set_cookie(
            FLASH_COOKIE,
            flash_cookie(message),
            max_age=FLASH_MAX_AGE,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={quote(target, safe='')}")
    return render(request, "error.html", status=status, title=title, detail=detail)


def form_page(
    request: Request,
    *,
    state: FormState,
    heading: "str | i18n.Lazy",
    action: str,
    submit: "str | i18n.Lazy",
    cancel: str,
    intro: str | None = None,
    breadcrumbs: Sequence[tuple[str, str]] = (),
) -> HTMLResponse:
    """A page with one form (``submit_form`` answers it)."""
    return render(
        request,
        "form.html",
        heading=heading,
        intro=intro,
        breadcrumbs=list(breadcrumbs),
        state=state,
        action=action,
        submit=submit,
        cancel=cancel,
    )


def confirmed(form: Mapping[str, Any]) -> bool:
    """Whether the person said yes to the question an irreversible action asks
    (``confirm_page``, or the browser's dialog of ``post_button``)."""
    return form.get("confirmed") == "yes"


def _pairs(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every name and value of a form, each value of a repeated field too."""
    multi_items = getattr(values, "multi_items", None)
    return list(multi_items()) if multi_items else list(values.items())


def confirm_page(
    request: Request,
    *,
    question: "str | i18n.Lazy",
    action: str,
    submit: "str | i18n.Lazy",
    cancel: str,
    detail: "str | i18n.Lazy | None" = None,
    carried: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """The question an irreversible action asks before it is done: its button
    sends the form to ``action`` again, saying yes, with the values ``carried``
    from the form that asked for it; nothing is done until then."""
    return render(
        request,
        "confirm.html",
        question=question,
        detail=detail,
        action=action,
        submit=submit,
        cancel=cancel,
        carried=[
            (name, value)
            for name, value in _pairs(carried or {})
            if name not in ("csrf_token", "confirmed") and isinstance(value, str)
        ],
    )


Result = TypeVar("Result")


def submit_form(
    shape: type[BaseModel],
    form: Mapping[str, Any],
    call: Callable[[Any], Result],
    *,
    refused: Callable[..., Response],
    done: str | Callable[[Result], str | Response],
    message: "i18n.Lazy | Callable[[Result], i18n.Lazy] | None" = None,
    confirm: Callable[[Any], Response | None] | None = None,
) -> Response:
    """Answer a submitted form: validate it against ``shape`` and make the
    service ``call`` with what it says.

    Refused, by the shape's rules or by the service (``InvalidInput``), the
    answer is ``refused(values=..., problems=...)``: the page with the form
    again, filled with what was sent, each problem next to its field, as 422
    (and the service stored nothing). A date and time sent without an offset is
    read in the sender's zone (``signin.SubmittedForm``). Accepted, it is
    ``done``: the address to see the result at (303), or a function of the
    call's result that gives the address, or the whole answer (a page showing a
    new secret once, a redirect that also sets a cookie). ``message`` (or a
    function of the result giving it) says what was done, once, on the page the
    redirect leads to.

    ``confirm``, given what the form says, answers with the question to ask
    before an irreversible change (``confirm_page``), or None when it needs
    none; the service is called only once the person has said yes."""
    values = values_from_form(shape, form)
    # A time typed without an offset is in the sender's zone (UTC for a form
    # that did not come through ``signin.Form``).
    zone = form.zone if isinstance(form, SubmittedForm) else "UTC"
    try:
        data = shape.model_validate(values, context={FORM_ZONE: zone})
        question = None if confirm is None or confirmed(form) else confirm(data)
        if question is not None:
            return question
        result = call(data)
    except (ValidationError, InvalidInput) as error:
        page = refused(values=values, problems=problems_of(error, shape))
        page.status_code = 422
        return page
    after = done(result) if callable(done) else done
    if isinstance(after, Response):
        return after
    return redirect(after, message(result) if callable(message) else message)
