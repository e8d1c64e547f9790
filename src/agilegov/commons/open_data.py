"""The commons' open data: the shared incidents, but retracted ones."""

from agilegov.commons.models import SharedIncident
from agilegov.open_tables import PublicTable

TABLES = [
    PublicTable(
        "shared_incidents",
        SharedIncident,
        [SharedIncident.status != "retracted"],
        None,
        "shared_incident",
        # Who shared it is never shown, nor the incident it came from.
        leave_out=["organization_id", "incident_id", "licence"],
        licence=SharedIncident.licence,
    )
]
