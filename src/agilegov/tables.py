"""Every table of every part, imported once so the metadata is complete."""

from agilegov import versioning
from agilegov.analysis import models as analysis_models
from agilegov.assurance import models as assurance_models
from agilegov.cycle import models as cycle_models
from agilegov.db import Base
from agilegov.design import models as design_models
from agilegov.dialogue import models as dialogue_models
from agilegov.goals import models as goals_models
from agilegov.monitor import models as monitor_models
from agilegov.notify import models as notify_models
from agilegov.organizations import models as organization_models
from agilegov.record import models as record_models
from agilegov.scopes import models as scope_models

metadata = Base.metadata

__all__ = [
    "analysis_models",
    "assurance_models",
    "cycle_models",
    "design_models",
    "dialogue_models",
    "goals_models",
    "metadata",
    "monitor_models",
    "notify_models",
    "organization_models",
    "record_models",
    "scope_models",
    "versioning",
]
