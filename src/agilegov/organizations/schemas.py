from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import EmailStr, Field, SecretStr, StringConstraints, computed_field, field_validator

from agilegov import clock
from agilegov.auth import Role
from agilegov.i18n import N_
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
    verified_until: datetime | None = Field(
        default=None, description="When its latest current verification expires."
    )
    is_verifier: bool = Field(
        default=False, description="Whether it may verify other organizations."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verified(self) -> bool:
        """Whether someone vouches for it now (an unexpired, unwithdrawn verification)."""
        return self.verified_until is not None and self.verified_until > clock.now()


class VerificationMethod(StrEnum):
    """How a verifier knows the organization is who it says."""

    # The organization publishes its challenge in a TXT record of its domain.
    dns_txt = "dns_txt"
    # … or in https://<domain>/.well-known/agilegov-verification.txt.
    well_known_file = "well_known_file"
    # Japan's corporate number (法人番号), looked up by the verifier.
    corporate_number = "corporate_number"
    # An entry in a registry the verifier names.
    registry_entry = "registry_entry"


class VerificationCreate(Input):
    method: VerificationMethod
    evidence: str = Field(
        min_length=1,
        max_length=500,
        description=N_(
            "What was checked: the domain (DNS TXT record, well-known file), the 13-digit "
            "corporate number and where it was looked up, or the registry's name and the "
            "entry's id or URL."
        ),
    )
    note: LongText = ""
    expires_on: date | None = Field(
        default=None,
        description=N_("When it lapses: a year from now if not given, three years at most."),
    )


class VerificationWithdrawal(Input):
    reason: str = Field(min_length=1, max_length=2000)


class VerificationRead(Output):
    id: int
    organization_id: int
    verifier_id: int | None = Field(description="The verifying organization; null: the site.")
    verified_by: int
    method: VerificationMethod
    evidence: str
    note: str
    verified_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class VerifierChange(Input):
    is_verifier: bool


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
