"""What the points of the 1..5 scales of the analysis mean: one table, read by
the forms (a select of "1 — rare" … "5 — almost certain") and the pages that
show a point."""

from typing import Annotated

from agilegov.i18n import N_
from agilegov.schemas import Level, Scale

LIKELIHOOD = Scale((N_("rare"), N_("unlikely"), N_("possible"), N_("likely"), N_("almost certain")))
SEVERITY = Scale((N_("negligible"), N_("minor"), N_("moderate"), N_("major"), N_("severe")))
MAGNITUDE = Scale((N_("slight"), N_("small"), N_("moderate"), N_("large"), N_("profound")))

Likelihood = Annotated[Level, LIKELIHOOD]
Severity = Annotated[Level, SEVERITY]
Magnitude = Annotated[Level, MAGNITUDE]
