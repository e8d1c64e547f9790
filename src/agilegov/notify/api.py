from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from agilegov.api.deps import Actor, Paging, Uow
from agilegov.notify import service
from agilegov.notify.schemas import (
    DeliveryRead,
    NotificationRead,
    WebhookCreate,
    WebhookIssued,
    WebhookRead,
    WebhookUpdate,
)
from agilegov.schemas import Page

notifications = APIRouter(tags=["notifications"])
webhooks = APIRouter(prefix="/organizations/{organization_id}/webhooks", tags=["webhooks"])
WebhookPatch: Any = WebhookUpdate


@notifications.get("/notifications", response_model=Page[NotificationRead])
def list_notifications(
    uow: Uow,
    actor: Actor,
    page: Paging,
    unread: Annotated[bool | None, Query(description="true: unread only; false: read only")] = None,
) -> Any:
    """The caller's own notifications, newest first."""
    return service.list_notifications(uow, actor, page.limit, page.offset, unread)


@notifications.post("/notifications/{notification_id}/read", response_model=NotificationRead)
def mark_read(notification_id: int, uow: Uow, actor: Actor) -> Any:
    return service.mark_read(uow, actor, notification_id)


@webhooks.get("", response_model=Page[WebhookRead])
def list_webhooks(organization_id: int, uow: Uow, actor: Actor, page: Paging) -> Any:
    return service.list_webhooks(uow, actor, organization_id, page.limit, page.offset)


@webhooks.post("", response_model=WebhookIssued, status_code=201)
def create_webhook(
    organization_id: int, body: WebhookCreate, request: Request, uow: Uow, actor: Actor
) -> Any:
    """Register a webhook. The answer holds its signing secret, shown this once."""
    key_file = request.app.state.settings.webhook_key_file
    return service.create_webhook(uow, actor, organization_id, body, key_file)


@webhooks.get("/{webhook_id}", response_model=WebhookRead)
def get_webhook(organization_id: int, webhook_id: int, uow: Uow, actor: Actor) -> Any:
    return service.get_webhook(uow, actor, organization_id, webhook_id)


@webhooks.patch("/{webhook_id}", response_model=WebhookRead)
def update_webhook(
    organization_id: int, webhook_id: int, body: WebhookPatch, uow: Uow, actor: Actor
) -> Any:
    return service.update_webhook(uow, actor, organization_id, webhook_id, body)


@webhooks.delete("/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(organization_id: int, webhook_id: int, uow: Uow, actor: Actor) -> Response:
    service.delete_webhook(uow, actor, organization_id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@webhooks.post("/{webhook_id}/rotate-secret", response_model=WebhookIssued)
def rotate_secret(
    organization_id: int, webhook_id: int, request: Request, uow: Uow, actor: Actor
) -> Any:
    """A new signing secret, shown this once; the old one stops signing at once."""
    key_file = request.app.state.settings.webhook_key_file
    return service.rotate_secret(uow, actor, organization_id, webhook_id, key_file)


@webhooks.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
def list_deliveries(
    organization_id: int, webhook_id: int, uow: Uow, actor: Actor, page: Paging
) -> Any:
    return service.list_deliveries(uow, actor, organization_id, webhook_id, page.limit, page.offset)


@webhooks.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryRead, status_code=201
)
def redeliver(
    organization_id: int, webhook_id: int, delivery_id: int, uow: Uow, actor: Actor
) -> Any:
    """Queue a delivered or failed delivery's body again, as a new delivery."""
    return service.redeliver(uow, actor, organization_id, webhook_id, delivery_id)


routers = [notifications, webhooks]
