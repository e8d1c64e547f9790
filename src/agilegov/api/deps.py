"""What every route needs: a unit of work, the caller, and page bounds."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agilegov.auth import ANONYMOUS, Principal
from agilegov.errors import InvalidInput, NotFound
from agilegov.i18n import lazy, negotiate
from agilegov.mail import Mailer
from agilegov.schemas import MAX_INT
from agilegov.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="An API token: Authorization: Bearer agt_…")


def get_uow(request: Request) -> UnitOfWork:
    """The request's unit of work (one per request: FastAPI caches it). Kept on
    the request too, so that what a page's template reads while the route's
    transaction is open reads through it, not beside it (on SQLite a second
    transaction would wait for the first's lock)."""
    uow = UnitOfWork(request.app.state.session_factory)
    request.state.uow = uow
    return uow


def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        return ANONYMOUS
    # The organizations part answers who a token belongs to (set up by the app).
    return request.app.state.principal_for_token(get_uow(request), credentials.credentials)


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def get_page(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Items per page.")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip.")] = 0,
) -> PageParams:
    settings = request.app.state.settings
    if limit is None:
        limit = settings.page_size_default
    return PageParams(limit=min(limit, settings.page_size_max), offset=offset)


def ids_in_range(request: Request) -> None:
    """An id beyond what the database holds names nothing: a path naming one is
    not found, a query filtering by one is invalid (rather than a database error).
    Ids in a body are checked by its shape (``schemas.Input``)."""
    for source, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            text = str(value)  # a path converter may have read it as a number already
            if not name.endswith("_id") or not text.removeprefix("-").isdecimal():
                continue
            if abs(int(text)) > MAX_INT:
                if source == "path":
                    raise NotFound(
                        lazy("no %(kind)s %(value)s", kind=name.removesuffix("_id"), value=value)
                    )
                raise InvalidInput.on(name, lazy("is out of range"))


def get_mailer(request: Request) -> Mailer:
    return request.app.state.mailer


def get_language(request: Request) -> str:
    """The language the caller asks for (``Accept-Language``), else the site's:
    the language of the mails sent for someone who has none chosen yet."""
    return negotiate(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


Uow = Annotated[UnitOfWork, Depends(get_uow)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
Language = Annotated[str, Depends(get_language)]
Actor = Annotated[Principal, Depends(get_actor)]
Paging = Annotated[PageParams, Depends(get_page)]
