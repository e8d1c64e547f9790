"""One way to page a list: a count, then one page of rows in a stable order."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov.schemas import Output, Page


def paginate(
    session: Session,
    model: Any,
    where: Sequence[Any],
    read: type[Output],
    limit: int,
    offset: int,
    options: Sequence[Any] = (),
    order_by: Sequence[Any] = (),
) -> Page[Any]:
    """A page of ``model`` rows matching ``where``, by id unless told otherwise."""
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    query = select(model).where(*where).order_by(*(order_by or [model.id]))
    query = query.limit(limit).offset(offset)
    rows = session.scalars(query.options(*options))
    items = [read.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


def page_of(items: Sequence[Any], limit: int, offset: int) -> Page[Any]:
    """A page of a list already in memory (short lists: members, versions, history)."""
    return Page(
        items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset
    )
