"""What every route needs: a unit of work, the caller, and page bounds."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agilegov.auth import ANONYMOUS, Principal
from agilegov.organizations.service import principal_for_token
from agilegov.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="An API token: Authorization: Bearer agt_…")


def get_uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.session_factory)


def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        return ANONYMOUS
    return principal_for_token(get_uow(request), credentials.credentials)


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def get_page(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Items per page.")] = None,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> PageParams:
    settings = request.app.state.settings
    if limit is None:
        limit = settings.page_size_default
    return PageParams(limit=min(limit, settings.page_size_max), offset=offset)


Uow = Annotated[UnitOfWork, Depends(get_uow)]
Actor = Annotated[Principal, Depends(get_actor)]
Paging = Annotated[PageParams, Depends(get_page)]
