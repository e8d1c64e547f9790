"""The commons' incidents in others' formats: an AVID report, and a STIX 2.1
bundle of incidents and the ATLAS techniques they used. Pure: no I/O, and the
time the objects are stamped with is the caller's."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import stix2

# The SEP view entry written for each harm type: the most general one AVID's
# taxonomy has under the code prefix that reads back as that type.
AVID_ENTRIES_OF_HARM_TYPES: dict[str, str] = {
    "security": "S0100: Software Vulnerability",
    "fairness": "E0100: Bias/Discrimination",
    "transparency": "E0200: Explainability",
    "societal": "E0400: Misinformation",
    "privacy": "P0300: Privacy",
    "safety": "P0400: Safety",
}
AVID_RISK_DOMAINS = {"S": "Security", "E": "Ethics", "P": "Performance"}
AVID_CLASSES_OF_SOURCES = {"atlas": "ATLAS Case Study", "aiid": "AIID Incident"}

# Stable ids: the same incident or technique gets the same STIX id in every export.
STIX_NAMESPACE = uuid.UUID("8f5e1f5c-3b7e-5d53-9a55-0c3d7e0a4c21")
ATLAS_SOURCE_NAME = "mitre-atlas"


class SharedIncident(Protocol):
    """What an export reads of a shared incident (``SharedIncidentData`` or a stored row)."""

    @property
    def source(self) -> str: ...
    @property
    def source_id(self) -> str: ...
    @property
    def licence(self) -> str: ...
    @property
    def attribution(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def occurred(self) -> str: ...
    @property
    def harm_types(self) -> Sequence[str]: ...
    @property
    def system_kinds(self) -> Sequence[str]: ...
    @property
    def techniques(self) -> Sequence[str]: ...
    @property
    def frameworks(self) -> Sequence[str]: ...
    @property
    def url(self) -> str | None: ...


def to_avid(shared: SharedIncident) -> dict[str, Any]:
    """``shared`` as an AVID report. Harm types AVID's taxonomy has no place for are left
    out; ``reported_date`` is the coarsened date as known ("YYYY-MM" or "YYYY"), never a
    day made up to fill the format."""
    entries = [
        AVID_ENTRIES_OF_HARM_TYPES[harm]
        for harm in shared.harm_types
        if harm in AVID_ENTRIES_OF_HARM_TYPES
    ]
    credit = f"{shared.attribution} ({shared.licence})"
    return {
        "data_type": "AVID",
        "data_version": "0.2",
        "metadata": {"report_id": shared.source_id},
        "affects": {
            "developer": [],
            "deployer": [],
            "artifacts": [{"type": "System", "name": kind} for kind in shared.system_kinds],
        },
        "problemtype": {
            "classof": AVID_CLASSES_OF_SOURCES.get(shared.source, "Third-party Report"),
            "type": "Issue",
            "description": {"lang": "eng", "value": shared.title},
        },
        "references": (
            [{"type": "source", "label": shared.attribution, "url": shared.url}]
            if shared.url
            else []
        ),
        "description": {"lang": "eng", "value": shared.description},
        "impact": {
            "avid": {
                "risk_domain": list(dict.fromkeys(AVID_RISK_DOMAINS[e[0]] for e in entries)),
                "sep_view": entries,
                "lifecycle_view": [],
                "taxonomy_version": "0.2",
            }
        },
        "credit": [{"lang": "eng", "value": credit}],
        "reported_date": shared.occurred,
    }


def to_stix(items: Iterable[SharedIncident], *, created: datetime) -> str:
    """A STIX 2.1 bundle (JSON): an ``incident`` for each item, an ``attack-pattern`` for
    each ATLAS technique they used, and a relationship from each incident to each of its
    techniques. ``created`` stamps every object, so that equal input exports equal text."""
    incidents: list[stix2.Incident] = []
    patterns: dict[str, stix2.AttackPattern] = {}
    relationships: list[stix2.Relationship] = []
    for item in items:
        incident = stix2.Incident(
            id=_stix_id("incident", f"{item.source}:{item.source_id}"),
            created=created,
            modified=created,
            name=item.title,
            description=item.description or None,
            external_references=[
                stix2.ExternalReference(
                    source_name=ATLAS_SOURCE_NAME if item.source == "atlas" else item.source,
                    external_id=item.source_id,
                    url=item.url or None,
                    description=f"{item.attribution} ({item.licence})",
                )
            ],
        )
        incidents.append(incident)
        for technique in dict.fromkeys(item.techniques):
            if technique not in patterns:
                patterns[technique] = stix2.AttackPattern(
                    id=_stix_id("attack-pattern", f"{ATLAS_SOURCE_NAME}:{technique}"),
                    created=created,
                    modified=created,
                    name=technique,
                    external_references=[
                        stix2.ExternalReference(
                            source_name=ATLAS_SOURCE_NAME,
                            external_id=technique,
                            url=f"https://atlas.mitre.org/techniques/{technique}",
                        )
                    ],
                )
            # STIX 2.1 defines "uses" from threat actors, campaigns, intrusion sets and
            # malware, and no relationship from an incident to an attack pattern; an
            # incident names no actor, so the generic "related-to" is the valid one.
            relationships.append(
                stix2.Relationship(
                    id=_stix_id("relationship", f"{incident.id} {technique}"),
                    created=created,
                    modified=created,
                    relationship_type="related-to",
                    source_ref=incident.id,
                    target_ref=patterns[technique].id,
                )
            )
    objects = [*incidents, *patterns.values(), *relationships]
    bundle = stix2.Bundle(
        objects=objects,
        id=_stix_id("bundle", " ".join(sorted(str(o.id) for o in objects))),
        allow_custom=False,
    )
    return bundle.serialize(sort_keys=True)


def _stix_id(object_type: str, key: str) -> str:
    return f"{object_type}--{uuid.uuid5(STIX_NAMESPACE, key)}"
