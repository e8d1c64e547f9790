"""Every table of every part, so the metadata is complete (for migrations,
tests and foreign keys between parts' tables)."""

from agilegov import periodic, versioning
from agilegov.db import Base
from agilegov.parts import PARTS

metadata = Base.metadata
MODULES = (versioning, periodic, *(module for part in PARTS for module in part.tables))
