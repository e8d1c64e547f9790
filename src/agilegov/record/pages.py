"""The record's page: the latest signed checkpoint, the entries the visitor may
read (newest first, searched and filtered by type, subject, scope and
organization), and any entry looked up with its inclusion proof, checked as
``agilegov record verify --receipt`` checks it and downloadable as that receipt."""

import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import with_expression

from agilegov.api.deps import Uow
from agilegov.errors import DomainError, NotFound
from agilegov.i18n import N_, lazy
from agilegov.record import checkpoints
from agilegov.record.api import MAX_INDEX
from agilegov.record.models import Event
from agilegov.record.notes import verifier_key
from agilegov.record.service import visible_events
from agilegov.record.verify import ReceiptError, verify_receipt
from agilegov.tenancy import Scope
from agilegov.web.lists import Column, Listing, download, read
from agilegov.web.render import render, when_text
from agilegov.web.signin import VisitorDep

router = APIRouter(include_in_schema=False)

_TYPE = re.compile(r"^[a-z_]{1,32}\.[a-z_]{1,32}$")
_SUBJECT = re.compile(r"^[a-z_]{1,32}$")
# Larger numbers are no entry, scope or organization (and overflow a BIGINT).
_LONGEST_NUMBER = 18


def _number(text: str) -> bool:
    return text.isdecimal() and len(text) <= _LONGEST_NUMBER


SCOPE_NAME = select(Scope.name).where(Scope.id == Event.scope_id).scalar_subquery()

# Only the entry's index sorts: newest or oldest first, along the log's own order.
ENTRIES = Listing(
    Event,
    (
        Column("index", N_("Entry"), Event.leaf_index, lambda e: e.leaf_index),
        Column("time", N_("Time"), Event.time, lambda e: when_text(e.time), sortable=False),
        Column(
            "type",
            N_("Type"),
            Event.type,
            lambda e: e.type,
            searched=True,
            sortable=False,
            accepts=lambda text: bool(_TYPE.match(text)),
        ),
        Column(
            "subject",
            N_("Subject"),
            Event.subject_type,
            lambda e: f"{e.subject_type} {e.subject_id or ''}".strip(),
            searched=True,
            sortable=False,
            accepts=lambda text: bool(_SUBJECT.match(text)),
        ),
        Column(
            "scope",
            N_("Scope"),
            Event.scope_id,
            lambda e: e.scope_name or "",
            sortable=False,
            value=int,
            accepts=_number,
        ),
        Column(
            "organization",
            N_("Organization"),
            Event.organization_id,
            lambda e: e.organization_id,
            sortable=False,
            shown=False,
            value=int,
            accepts=_number,
        ),
    ),
    order=(Event.id.desc(),),
)


@router.get("/record")
def record(
    request: Request,
    uow: Uow,
    visitor: VisitorDep,
    index: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    """The latest signed checkpoint, and an event looked up by its index with its
    inclusion proof, checked here as anyone could check it offline."""
    signer = request.app.state.signer
    origin = request.app.state.settings.log_origin
    checkpoint = checkpoints.latest_checkpoint(uow, signer, origin)
    key = verifier_key(signer)
    lookup: dict[str, Any] | None = None
    # What is wrong with the index asked for: one the page words itself, or the service's words.
    index_problem: Literal["not a number", "beyond the log"] | None = None
    problem = None
    if index not in (None, ""):
        assert index is not None
        if not index.strip().isdecimal():
            index_problem = "not a number"
        elif int(index) >= checkpoint.size:
            index_problem = "beyond the log"
        else:
            try:
                receipt = checkpoints.receipt(uow, visitor.principal, int(index), signer, origin)
            except DomainError as error:
                problem = error.detail  # read in the page's language when shown
            else:
                lookup = {"receipt": receipt, "verified": None, "error": None}
                try:
                    lookup["verified"] = verify_receipt(receipt, key)
                except ReceiptError as failure:
                    lookup["error"] = str(failure)
    # The entries last: signing a checkpoint above commits, which would expire them.
    query = {name: value for name, value in request.query_params.items() if name != "index"}
    with uow:
        scope_names = with_expression(Event.scope_name, SCOPE_NAME)
        where = [visible_events(visitor.principal)]
        entries = read(uow.session, ENTRIES, where, query, [scope_names])
        if entries.request.csv and not entries.request.problems:
            return download(request, entries, "record.csv")
        looked_up = 422 if index_problem or problem else 200
        status = 400 if entries.request.problems else looked_up
        return render(
            request,
            "record.html",
            status=status,
            visitor=visitor,
            checkpoint=checkpoint,
            key=key,
            index=index or "",
            lookup=lookup,
            index_problem=index_problem,
            problem=problem,
            entries=entries,
        )


@router.get("/record/entries/{index}/receipt")
def receipt_file(request: Request, index: int, uow: Uow, visitor: VisitorDep) -> Response:
    """An entry's receipt as a file, for ``agilegov record verify --receipt``:
    its leaf, its inclusion proof in the latest signed checkpoint and, when the
    visitor may read it, its event (else only the leaf, as the lookup shows)."""
    if not 0 <= index <= MAX_INDEX:
        raise NotFound(lazy("no entry %(index)s", index=index))
    signer = request.app.state.signer
    origin = request.app.state.settings.log_origin
    document = checkpoints.receipt(uow, visitor.principal, index, signer, origin)
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{index}.json"',
            "Cache-Control": "no-store",
        },
    )
