"""Goal and measure versions as forms offer them: one choice, "kind:id:version"."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov.cycle.schemas import VersionRef
from agilegov.design.service import MEASURE
from agilegov.errors import InvalidInput
from agilegov.goals.service import GOAL
from agilegov.i18n import lazy
from agilegov.versioning import EntityVersion
from agilegov.web.forms import Choice


def version_choices(session: Session, scope_id: int) -> list[Choice]:
    """Every version of the scope's goals and measures, each with its note."""
    choices: list[Choice] = []
    for kind in (GOAL, MEASURE):
        model: Any = kind.model
        rows = session.execute(
            select(model.id, model.title, EntityVersion.version, EntityVersion.note)
            .join(
                EntityVersion,
                (EntityVersion.entity_id == model.id) & (EntityVersion.kind == kind.name),
            )
            .where(model.scope_id == scope_id)
            .order_by(model.id, EntityVersion.version)
        )
        choices += [
            (
                f"{kind.name}:{r.id}:{r.version}",
                f"{kind.name} #{r.id} {r.title}, v{r.version}: {r.note}",
            )
            for r in rows
        ]
    return choices


def version_ref(choice: str, field: str) -> VersionRef:
    """The version a choice names; a choice naming none is refused by ``field``."""
    kind, _, rest = choice.partition(":")
    entity, _, version = rest.partition(":")
    if kind not in ("goal", "measure") or not entity.isdecimal() or not version.isdecimal():
        raise InvalidInput.on(
            field, lazy("%(choice)s names no version of a goal or measure", choice=repr(choice))
        )
    return VersionRef(kind=kind, id=int(entity), version=int(version))  # type: ignore[arg-type]
