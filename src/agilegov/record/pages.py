"""The record's page: the latest signed checkpoint, and any entry looked up with
its inclusion proof, checked as ``agilegov record verify --receipt`` checks it."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.errors import DomainError
from agilegov.record import checkpoints
from agilegov.record.notes import verifier_key
from agilegov.record.verify import ReceiptError, verify_receipt
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep

router = APIRouter(include_in_schema=False)


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
    return render(
        request,
        "record.html",
        status=422 if index_problem or problem else 200,
        visitor=visitor,
        checkpoint=checkpoint,
        key=key,
        index=index or "",
        lookup=lookup,
        index_problem=index_problem,
        problem=problem,
    )
