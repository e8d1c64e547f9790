"""The pages of disclosures to named audiences: the scope's "disclosures" tab,
the form that drafts one (the scope's items to show; rows of items withheld
with their reason, explanation, steps and expected date), a disclosure's page
with its publish and withdraw actions, and what an organization has received."""

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, create_model
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.disclosure import audiences as service
from agilegov.disclosure.audience_schemas import (
    Audience,
    DisclosureCreate,
    DisclosureRead,
    Withdrawal,
)
from agilegov.disclosure.withheld import REASON_LABELS, Reason
from agilegov.errors import FieldProblem, InvalidInput, NotFound, Unauthenticated
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_choices, organization_names
from agilegov.part import Tab
from agilegov.schemas import Input, LongText, Name, ShortText
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState, Message
from agilegov.web.render import confirm_page, form_page, redirect, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

TAB = "disclosures"
# Rows of withheld items the form offers; more are given through the API.
WITHHELD_ROWS = 3

AUDIENCE_LABELS = {
    Audience.public: N_("The public"),
    Audience.stakeholders: N_("Stakeholders of this scope"),
    Audience.regulator: N_("A regulator"),
    Audience.assessor: N_("An assessor"),
    Audience.organization: N_("A named organization"),
}
WITHDRAW_QUESTION = N_("Withdraw this disclosure?")
STATUS_LABELS = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
}


def _row_fields(number: int) -> dict[str, Any]:
    prefix = f"withheld_{number}_"
    return {
        f"{prefix}item": (str, Field("", max_length=48)),
        f"{prefix}reason": (Reason | None, None),
        f"{prefix}explanation": (ShortText, ""),
        f"{prefix}steps": (ShortText, ""),
        f"{prefix}expected_on": (date | None, None),
    }


# The form's flat shape: ``items`` and each row's ``item`` name an entity as "goal:3".
DisclosureForm = create_model(
    "DisclosureForm",
    __base__=Input,
    title=(Name, ...),
    message=(LongText, ""),
    audience=(Audience, ...),
    audience_organization_id=(int | None, None),
    stakeholder_ids=(list[int], Field(default_factory=list)),
    items=(list[str], Field(default_factory=list)),
    **{name: spec for n in range(1, WITHHELD_ROWS + 1) for name, spec in _row_fields(n).items()},
)

LABELS = {
    "title": N_("Title"),
    "message": N_("Message to the audience"),
    "audience": N_("Audience"),
    "audience_organization_id": N_("Organization disclosed to"),
    "stakeholder_ids": N_("Stakeholders disclosed to"),
    "items": N_("Items disclosed"),
} | {
    name: label
    for n in range(1, WITHHELD_ROWS + 1)
    for name, label in {
        f"withheld_{n}_item": N_("Item withheld"),
        f"withheld_{n}_reason": N_("Reason for withholding"),
        f"withheld_{n}_explanation": N_("Explanation"),
        f"withheld_{n}_steps": N_("Steps being taken to obtain it"),
        f"withheld_{n}_expected_on": N_("Date it is expected"),
    }.items()
}


def _item_ref(value: str, field: str) -> dict[str, Any]:
    kind, _, number = value.partition(":")
    if not number.isdigit():
        raise InvalidInput.on(field, lazy("choose an item of the scope"))
    return {"kind": kind, "id": int(number)}


def _form_name(field: str, rows: list[int]) -> str:
    """The form's field a service's problem is about (``withheld[1].reason`` →
    the reason of the row sent second)."""
    if field.startswith("withheld["):
        index, _, rest = field[len("withheld[") :].partition("]")
        part = rest.lstrip(".") or "item"
        part = "item" if part in {"kind", "id"} else part
        return f"withheld_{rows[int(index)]}_{part}"
    return field.split("[", 1)[0]


def disclosure_of_form(data: Any) -> tuple[DisclosureCreate, list[int]]:
    """What the form says as the API's body, and the form's row number of each
    withheld row sent (empty rows are left out)."""
    values = data.model_dump()
    rows: list[int] = []
    withheld = []
    for n in range(1, WITHHELD_ROWS + 1):
        prefix = f"withheld_{n}_"
        if not values[f"{prefix}item"]:
            continue
        rows.append(n)
        withheld.append(
            _item_ref(values[f"{prefix}item"], f"{prefix}item")
            | {
                "reason": values[f"{prefix}reason"] or "",
                "explanation": values[f"{prefix}explanation"],
                "steps": values[f"{prefix}steps"],
                "expected_on": values[f"{prefix}expected_on"],
            }
        )
    body = DisclosureCreate.model_validate(
        {
            "title": values["title"],
            "message": values["message"],
            "audience": values["audience"],
            "audience_organization_id": values["audience_organization_id"],
            "stakeholder_ids": values["stakeholder_ids"],
            "items": [_item_ref(value, "items") for value in values["items"]],
            "withheld": withheld,
        }
    )
    return body, rows


def _create(uow: UnitOfWork, visitor: Visitor, scope_id: int, data: Any) -> DisclosureRead:
    body, rows = disclosure_of_form(data)
    try:
        return service.create_disclosure(uow, visitor.principal, scope_id, body)
    except InvalidInput as refused:
        raise InvalidInput.of(
            [FieldProblem(_form_name(p.field, rows), p.message) for p in refused.problems]
        ) from None


def _editable_scope(uow: UnitOfWork, visitor: Visitor, scope_id: int) -> Scope:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    with uow:
        scope = uow.session.get(Scope, scope_id)
        if scope is None or not visitor.can(scope.organization_id, Role.viewer):
            raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
        uow.session.expunge(scope)
        return scope


def _form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    scope = _editable_scope(uow, visitor, scope_id)
    items = service.item_choices(uow, visitor.principal, scope_id)
    with uow:
        organizations = organization_choices(uow.session)
    stakeholders = [
        (value.split(":")[1], label) for value, label in items if value.startswith("stakeholder:")
    ]
    reasons = [(reason.value, label) for reason, label in REASON_LABELS.items()]
    choices: dict[str, Any] = (
        {
            "audience": [(audience.value, label) for audience, label in AUDIENCE_LABELS.items()],
            "audience_organization_id": [(str(id_), name) for id_, name in organizations],
            "stakeholder_ids": stakeholders,
            "items": items,
        }
        | {f"withheld_{n}_item": items for n in range(1, WITHHELD_ROWS + 1)}
        | {f"withheld_{n}_reason": reasons for n in range(1, WITHHELD_ROWS + 1)}
    )
    state = FormState.of(
        DisclosureForm, values, dict(problems or {}), choices=choices, labels=LABELS
    )
    return form_page(
        request,
        state=state,
        heading=N_("New disclosure"),
        intro=N_(
            "Choose whom you disclose to and which items of this scope they are shown, as "
            "they read when you publish. For each item you withhold, give the reason: not "
            "applicable, a legal prohibition or confidentiality need an explanation; "
            "information not yet available needs the steps being taken and the date it is "
            "expected."
        ),
        action=f"/scopes/{scope_id}/disclosures",
        submit=N_("Save draft"),
        cancel=f"/scopes/{scope_id}/{TAB}",
        breadcrumbs=[(f"/scopes/{scope_id}", scope.name)],
    )


@router.get("/scopes/{scope_id:int}/disclosures/new")
def new_disclosure(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _form(request, uow, visitor, scope_id)


@router.post("/scopes/{scope_id:int}/disclosures")
def create_disclosure(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    _editable_scope(uow, visitor, scope_id)
    return submit_form(
        DisclosureForm,
        form,
        partial(_create, uow, visitor, scope_id),
        refused=partial(_form, request, uow, visitor, scope_id),
        done=lambda read: f"/disclosures/{read.id}",
        message=lambda read: lazy("Disclosure #%(id)s saved as a draft", id=read.id),
    )


def _page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    disclosure_id: int,
    status: int = 200,
    withdrawal: FormState | None = None,
) -> Response:
    read = service.get_disclosure(uow, visitor.principal, disclosure_id)
    with uow:
        scope = uow.session.get(Scope, read.scope_id)
        names = organization_names(
            uow.session,
            [read.organization_id, read.audience_organization_id, *read.reader_organization_ids],
        )
        member = visitor.can(read.organization_id, Role.viewer)
        scope_name = (
            scope.name if scope is not None and (member or scope.visibility == "public") else None
        )
    return render(
        request,
        "disclosure.html",
        status=status,
        disclosure=read,
        names=names,
        scope_name=scope_name,
        member=member,
        editor=visitor.can(read.organization_id, Role.editor),
        audiences=AUDIENCE_LABELS,
        statuses=STATUS_LABELS,
        reasons=REASON_LABELS,
        withdrawal=withdrawal or FormState.of(Withdrawal, labels={"reason": N_("Reason")}),
        withdraw_question=WITHDRAW_QUESTION,
    )


@router.get("/disclosures/{disclosure_id:int}")
def disclosure_page(
    request: Request, disclosure_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    return _page(request, uow, visitor, disclosure_id)


@router.post("/disclosures/{disclosure_id:int}/publish")
def publish(
    request: Request, disclosure_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    service.publish_disclosure(uow, visitor.principal, disclosure_id)
    return redirect(f"/disclosures/{disclosure_id}", lazy("Disclosure published"))


@router.post("/disclosures/{disclosure_id:int}/withdraw")
def withdraw(
    request: Request, disclosure_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    # A stranger is not even asked to confirm: to them there is no disclosure.
    service.get_disclosure(uow, visitor.principal, disclosure_id)

    def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
        state = FormState.of(Withdrawal, values, dict(problems), labels={"reason": N_("Reason")})
        return _page(request, uow, visitor, disclosure_id, 422, state)

    def ask(data: Withdrawal) -> Response:
        return confirm_page(
            request,
            question=WITHDRAW_QUESTION,
            detail=N_("Its audience will still read it, marked withdrawn with your reason."),
            action=f"/disclosures/{disclosure_id}/withdraw",
            submit=N_("Withdraw"),
            cancel=f"/disclosures/{disclosure_id}",
            carried=form,
        )

    return submit_form(
        Withdrawal,
        form,
        lambda data: service.withdraw_disclosure(uow, visitor.principal, disclosure_id, data),
        refused=refused,
        done=f"/disclosures/{disclosure_id}",
        message=lazy("Disclosure withdrawn"),
        confirm=ask,
    )


@router.get("/organizations/{organization_id:int}/disclosures-received")
def received(request: Request, organization_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    found = service.received_disclosures(uow, visitor.principal, organization_id)
    with uow:
        names = organization_names(
            uow.session, [organization_id, *(summary.organization_id for summary in found)]
        )
    return render(
        request,
        "disclosure_received.html",
        organization_id=organization_id,
        organization_name=names.get(organization_id, ""),
        disclosures=found,
        names=names,
        audiences=AUDIENCE_LABELS,
        statuses=STATUS_LABELS,
    )


def _tab(
    session: Session, scope: Scope, visitor: Visitor, uow: UnitOfWork, **_: Any
) -> dict[str, Any]:
    return {
        "disclosures": service.scope_disclosures(uow, visitor.principal, scope.id),
        "editor": visitor.can(scope.organization_id, Role.editor) and scope.status == "active",
        "audiences": AUDIENCE_LABELS,
        "statuses": STATUS_LABELS,
    }


TABS = (Tab(TAB, N_("Disclosures"), 98, "disclosure_tab.html", _tab),)
