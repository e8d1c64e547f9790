"""A person's notifications, and an organization's webhooks (owners only), from
the pages. Each change is the notify service's own call."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.errors import Unauthenticated
from agilegov.i18n import N_, lazy
from agilegov.notify import service
from agilegov.notify.schemas import WebhookCreate
from agilegov.organizations.service import get_organization
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import confirm_page, confirmed, redirect, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)
# Notifications and deliveries shown on one page, newest first.
SHOWN = 100
# A delivery's status as the page names it (translated there).
STATUS_NAMES = {
    service.PENDING: N_("pending"),
    service.DELIVERED: N_("delivered"),
    service.FAILED: N_("failed"),
}


@router.get("/notifications")
def notifications(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    if not visitor.signed_in:
        raise Unauthenticated(lazy("sign in first"))
    page = service.list_notifications(uow, visitor.principal, SHOWN, 0)
    ids = [notification.id for notification in page.items]
    texts = service.readable_texts(uow, visitor.principal, ids)
    return render(request, "notifications.html", visitor=visitor, page=page, texts=texts)


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
        return confirm_page(
            request,
            question=lazy("Delete webhook #%(id)s?", id=webhook_id),
            action=f"{listing}/{webhook_id}/delete",
            submit=lazy("Delete"),
            cancel=listing,
        )
    service.delete_webhook(uow, visitor.principal, organization_id, webhook_id)
    return redirect(listing, message=lazy("Webhook #%(id)s deleted", id=webhook_id))
