"""The open data's own table: the licence each organization publishes its data under."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from agilegov.db import Base, UTCDateTime

# SPDX identifiers of the licences an organization may choose; the first is the default.
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0")
DEFAULT_LICENCE = LICENCES[0]


class DataLicence(Base):
    __tablename__ = "data_licences"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), primary_key=True, autoincrement=False
    )
    licence: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
