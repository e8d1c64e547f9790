"""A person's notifications, and an organization's webhooks (owners only), from
the pages. Each change is the notify service's own call."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import case, select

from agilegov.api.deps import Uow
from agilegov.errors import Unauthenticated
from agilegov.i18n import N_, lazy
from agilegov.notify import service
from agilegov.notify.models import Notification
from agilegov.notify.schemas import WebhookCreate
from agilegov.organizations.service import get_organization
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.lists import Column, Listing, choice_label, download, read
from agilegov.web.render import confirm_page, confirmed, redirect, render, submit_form, when_text
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)
# Webhooks shown on one page.
SHOWN = 100
# A delivery's status as the page names it (translated there).
STATUS_NAMES = {
    service.PENDING: N_("pending"),
    service.DELIVERED: N_("delivered"),
    service.FAILED: N_("failed"),
}


UNREAD_OR_READ = case((Notification.read_at.is_(None), "unread"), else_="read")

NOTIFICATIONS = Listing(
    Notification,
    (
        Column("created", N_("Time"), Notification.created_at, lambda n: when_text(n.created_at)),
        Column(
            "title",
            N_("Notification"),
            Notification.title,
            lambda n: str(service.readable(n)[0]),
            searched=True,
        ),
        Column(
            "body",
            N_("Details"),
            Notification.body,
            lambda n: str(service.readable(n)[1]),
            searched=True,
            sortable=False,
        ),
        # Its choices are the kinds of the visitor's own notifications.
        Column("kind", N_("Kind"), Notification.kind, lambda n: n.kind),
        Column(
            "status",
            N_("Status"),
            UNREAD_OR_READ,
            lambda n: choice_label("read" if n.read_at else "unread"),
            choices=("unread", "read"),
        ),
    ),
    order=(Notification.created_at.desc(), Notification.id.desc()),
)


@router.get("/notifications")
def notifications(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    """The visitor's own notifications, newest first: searched, filtered by
    kind and by read or unread, sorted and paged."""
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    query = dict(request.query_params)
    mine = [Notification.user_id == visitor.principal.user_id]
    with uow:
        kinds = uow.session.scalars(
            select(Notification.kind).where(*mine).distinct().order_by(Notification.kind)
        )
        listing = NOTIFICATIONS.with_choices("kind", list(kinds))
        listed = read(uow.session, listing, mine, query)
        if listed.request.csv and not listed.request.problems:
            return download(request, listed, "notifications.csv")
        return render(
            request,
            "notifications.html",
            status=400 if listed.request.problems else 200,
            visitor=visitor,
            notifications=listed,
            readable=service.readable,
        )


@router.post("/notifications/{notification_id}/read")
def mark_read(notification_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.mark_read(uow, visitor.principal, notification_id)
    return redirect("/notifications")


def _webhooks_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    organization_id: int,
    *,
    issued: Any = None,
    values: Any = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    organization = get_organization(uow, organization_id)
    hooks = service.list_webhooks(uow, visitor.principal, organization_id, SHOWN, 0)
    deliveries = service.latest_deliveries(uow, visitor.principal, organization_id, 5)
    return render(
        request,
        "webhooks.html",
        status=status,
        visitor=visitor,
        organization=organization,
        hooks=hooks,
        deliveries=deliveries,
        issued=issued,
        add=FormState.of(WebhookCreate, values, problems),
        status_names=STATUS_NAMES,
    )


@router.get("/organizations/{organization_id}/webhooks")
def webhooks(request: Request, organization_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _webhooks_page(request, uow, visitor, organization_id)


@router.post("/organizations/{organization_id}/webhooks")
def create_webhook(
    request: Request, organization_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    key_file = request.app.state.settings.webhook_key_file
    return submit_form(
        WebhookCreate,
        form,
        lambda data: service.create_webhook(
            uow, visitor.principal, organization_id, data, key_file
        ),
        refused=partial(_webhooks_page, request, uow, visitor, organization_id),
        # The secret is on this answer only: it is derived, never stored.
        done=lambda issued: _webhooks_page(
            request, uow, visitor, organization_id, issued=issued, status=201
        ),
    )


@router.post("/organizations/{organization_id}/webhooks/{webhook_id}/rotate-secret")
def rotate_secret(
    request: Request,
    organization_id: int,
    webhook_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    if not confirmed(form):
        service.get_webhook(uow, visitor.principal, organization_id, webhook_id)
        return confirm_page(
            request,
            question=lazy("Give webhook #%(id)s a new secret?", id=webhook_id),
            detail=lazy(
                "The current secret stops signing at once: the receiver must be given the "
                "new one before it can check deliveries again."
            ),
            action=f"/organizations/{organization_id}/webhooks/{webhook_id}/rotate-secret",
            submit=lazy("New secret"),
            cancel=f"/organizations/{organization_id}/webhooks",
        )
    key_file = request.app.state.settings.webhook_key_file
    issued = service.rotate_secret(uow, visitor.principal, organization_id, webhook_id, key_file)
    return _webhooks_page(request, uow, visitor, organization_id, issued=issued)


@router.post("/organizations/{organization_id}/webhooks/{webhook_id}/delete")
def delete_webhook(
    request: Request,
    organization_id: int,
    webhook_id: int,
    uow: Uow,
    visitor: VisitorDep,
    form: Form,
) -> Response:
    listing = f"/organizations/{organization_id}/webhooks"
    if not confirmed(form):
        service.get_webhook(uow, visitor.principal, organization_id, webhook_id)  # an owner's
        return confirm_page(
            request,
            question=lazy("Delete webhook #%(id)s?", id=webhook_id),
            action=f"{listing}/{webhook_id}/delete",
            submit=lazy("Delete"),
            cancel=listing,
        )
    service.delete_webhook(uow, visitor.principal, organization_id, webhook_id)
    return redirect(listing, message=lazy("Webhook #%(id)s deleted", id=webhook_id))
