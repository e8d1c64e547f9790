"""The open data's API: the licence an organization publishes its data under."""

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from agilegov.api.deps import Actor, Uow
from agilegov.disclosure import opendata
from agilegov.schemas import Input, Output

router = APIRouter(tags=["open data"])


class DataLicenceSet(Input):
    # Checked by the service, so a wrong choice is named with the choices.
    licence: str = Field(max_length=32, description="CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0 or ODbL-1.0.")


class DataLicenceRead(Output):
    organization_id: int
    licence: str


@router.get("/organizations/{organization_id}/data-licence", response_model=DataLicenceRead)
def get_data_licence(organization_id: int, uow: Uow) -> Any:
    """The licence of the organization's open data (CC-BY-4.0 unless it chose another)."""
    return DataLicenceRead(
        organization_id=organization_id, licence=opendata.data_licence(uow, organization_id)
    )


@router.put("/organizations/{organization_id}/data-licence", response_model=DataLicenceRead)
def put_data_licence(organization_id: int, body: DataLicenceSet, uow: Uow, actor: Actor) -> Any:
    """Choose the licence of the organization's open data (its owner only)."""
    licence = opendata.set_data_licence(uow, actor, organization_id, body.licence)
    return DataLicenceRead(organization_id=organization_id, licence=licence)
