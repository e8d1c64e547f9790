from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import EmailStr, Field, SecretStr, StringConstraints, field_validator

from agilegov.auth import Role
from agilegov.schemas import Input, LongText, Name, Output, Slug, partial_model


class OrganizationKind(StrEnum):
    business = "business"
    government = "government"
    community = "community"
    infrastructure_operator = "infrastructure_operator"
    assessor = "assessor"


class OrganizationCreate(Input):
    slug: Slug
    name: Name
    kind: OrganizationKind
    description: LongText = ""
    website: str | None = Field(default=None, max_length=500, pattern=r"^https?://")


OrganizationUpdate = partial_model(OrganizationCreate)


class OrganizationRead(Output):
    id: int
    slug: str
    name: str
    kind: OrganizationKind
    description: str
    website: str | None
    created_at: datetime


class UserCreate(Input):
    email: EmailStr
    name: Name
    password: str = Field(min_length=10, max_length=200)


class UserRead(Output):
    id: int
    email: str
    name: str


class Preferences(Input):
    """How a person reads pages: a language (``ja``, ``en``) and an IANA time zone
    (``Asia/Tokyo``); null leaves it to the browser and the language."""

    language: Literal["ja", "en"] | None = None
    time_zone: Annotated[str, StringConstraints(max_length=64)] | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None and zone not in available_timezones():
            raise ValueError(f"{zone!r} is not a time zone (use a name such as Asia/Tokyo)")
        return zone


class PreferencesRead(Output):
    language: str | None
    time_zone: str | None


class MemberAdd(Input):
    email: EmailStr
    role: Role


class MemberUpdate(Input):
    role: Role


class MembershipRead(Output):
    id: int
    organization_id: int
    role: Role
    user: UserRead
    created_at: datetime


class TokenCreate(Input):
    name: Annotated[Name, StringConstraints(max_length=100)]  # the column's length


class TokenRead(Output):
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    token: str = Field(description="Shown once; only its hash is stored.")


class EmailPurpose(StrEnum):
    """What a link sent by e-mail does when followed."""

    verify_email = "verify_email"
    invitation = "invitation"
    password_reset = "password_reset"
    change_email = "change_email"


Password = Annotated[SecretStr, Field(min_length=10, max_length=200)]


class SignUpForm(Input):
    email: EmailStr
    name: Name
    password: Password


class SignUp(SignUpForm):
    invitation: str | None = Field(
        default=None,
        max_length=200,
        description="The token of an invitation's link: needed when sign-up is by invitation only.",
    )


class PasswordForgotten(Input):
    email: EmailStr


class PasswordReset(Input):
    password: Password


class PasswordResetWithToken(PasswordReset):
    token: str = Field(max_length=200)


class EmailTokenUse(Input):
    token: str = Field(max_length=200)


class EmailChange(Input):
    new_email: EmailStr


class InvitationCreate(Input):
    email: EmailStr
    role: Role


class InvitationRead(Output):
    id: int
    organization_id: int | None
    email: str
    role: Role | None
    created_at: datetime
    expires_at: datetime


class Accepted(Output):
    """A request whose answer is sent by e-mail (the same whoever asked)."""

    detail: str
