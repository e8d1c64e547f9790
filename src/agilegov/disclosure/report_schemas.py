"""What the transparency reports' API takes and gives, and the published
document's shape (its JSON Schema is served for anyone checking a download)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agilegov.i18n import N_
from agilegov.schemas import Input, Output

Template = Literal["general", "haip", "aigb_checklist"]


class ReportStatus(StrEnum):
    draft = "draft"
    published = "published"
    superseded = "superseded"


class ReportCreate(Input):
    scope_id: int = Field(description=N_("The scope reported on."))
    template: Template = Field(description=N_("general, haip or aigb_checklist."))
    period_start: date = Field(description=N_("The first day of the period."))
    period_end: date = Field(description=N_("The last day of the period."))


class ReportRead(Output):
    id: int
    scope_id: int
    organization_id: int
    template: str
    period_start: date
    period_end: date
    version: int
    status: str
    sections: list[dict[str, Any]]
    explanations: dict[str, str]
    supersedes_id: int | None
    superseded_by_id: int | None
    sha256: str | None
    signature: str | None
    signer_did: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


# ---- the published document


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(_Closed):
    ja: str
    en: str


class Figure(_Closed):
    key: str
    label: Bilingual
    value: float | None
    # Where the figure was read from: a page of the platform or a record entry.
    source: str


class Item(_Closed):
    key: str
    title: str
    facts: dict[str, Any]
    source: str


class Section(_Closed):
    key: str
    title: Bilingual
    figures: list[Figure]
    items: list[Item]


class Period(_Closed):
    start: date
    end: date


class Signed(_Closed):
    """The signed content: what the hash and the signature cover."""

    scope: dict[str, Any]
    organization: dict[str, Any]
    template: str
    title: Bilingual
    version: int
    supersedes: int | None
    period: Period
    sections: list[Section]
    explanations: dict[str, str]


class Comparison(_Closed):
    previous: float | None
    difference: float | None


class Signature(_Closed):
    sha256: str
    signature: str = Field(description="Ed25519 over the SHA-256 digest, base64url")
    signer_did: str
    published_at: datetime


class TransparencyDocument(_Closed):
    """A transparency report as downloaded: the signed content, its signature
    (once published), and each figure compared with the previous period's
    published report of the same template."""

    id: int
    status: ReportStatus
    content: Signed
    signature: Signature | None
    superseded_by: int | None
    previous_report: int | None
    year_over_year: dict[str, Comparison]
