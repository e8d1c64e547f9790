from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints, field_validator

from agilegov.i18n import N_
from agilegov.schemas import Input, Output, partial_model

# A kind prefix a webhook subscribes to: "indicator" or "indicator.breach".
KindPrefix = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+(\.[a-z_]+)?$")
]
URL_MAX = 2000


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook's address, or None if it can."""
    if len(url) > URL_MAX:
        return f"must be at most {URL_MAX} characters"
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as problem:
        return f"is not a URL: {problem}"
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    return None


class WebhookCreate(Input):
    # The descriptions are also the form's hints, translated where shown.
    url: str = Field(description=N_("Where deliveries are POSTed: an http(s) URL."))
    events: list[KindPrefix] = Field(
        default_factory=list,
        max_length=50,
        description=N_(
            "Kind prefixes to receive, such as 'indicator' or 'indicator.breach'; "
            "empty for every kind."
        ),
    )
    active: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


WebhookUpdate = partial_model(WebhookCreate)


class WebhookRead(Output):
    id: int
    organization_id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookIssued(WebhookRead):
    secret: str = Field(
        description="Shown once: the key of the Agilegov-Signature HMAC. It is not stored; "
        "rotate it to get a new one."
    )


class AttemptRead(Output):
    number: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(Output):
    id: int
    webhook_id: int
    organization_id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead]


class NotificationRead(Output):
    id: int
    organization_id: int
    kind: str
    title: str
    body: str
    link: str | None
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class Notified(Output):
    """What one call of ``notify_owners`` created."""

    notifications: list[NotificationRead]
    deliveries: list[DeliveryRead]
