"""The commons' incidents exported as AVID reports and as a STIX 2.1 bundle."""

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import stix2

from agilegov.commons.exports import AVID_ENTRIES_OF_HARM_TYPES, to_avid, to_stix
from agilegov.commons.sources import SharedIncidentData, avid_harm_type, read_avid

CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

INCIDENT = SharedIncidentData(
    source="platform",
    source_id="17",
    licence="CC-BY-4.0",
    attribution="An organization on the platform",
    title="Screening model ranked applicants by postcode",
    description="Applicants from two districts were ranked lower.",
    occurred="2026-03",
    harm_types=("fairness", "privacy"),
    system_kinds=("ranking", "recruitment"),
    techniques=(),
    frameworks=("nist-ai-rmf",),
)
ATTACK = SharedIncidentData(
    source="atlas",
    source_id="AML.CS0000",
    licence="Apache-2.0",
    attribution="MITRE ATLAS, © The MITRE Corporation",
    title="Evasion of a malware detector",
    description="",
    occurred="2020",
    harm_types=("security",),
    system_kinds=(),
    techniques=("AML.T0043.003", "AML.T0042", "AML.T0043.003"),
    url="https://atlas.mitre.org/studies/AML.CS0000",
)
PROMPT_INJECTION = replace(
    ATTACK, source_id="AML.CS0020", title="Indirect prompt injection", techniques=("AML.T0042",)
)


def read_back(shared: SharedIncidentData) -> SharedIncidentData:
    return read_avid(json.dumps(to_avid(shared)).encode())


@pytest.mark.parametrize("occurred", ["2026-03", "2019"])
@pytest.mark.parametrize(
    "harm_types",
    [("fairness", "privacy"), ("security",), ("transparency", "societal", "safety"), ()],
)
def test_avid_round_trip_keeps_title_harm_types_and_date(
    occurred: str, harm_types: tuple[str, ...]
) -> None:
    shared = replace(INCIDENT, occurred=occurred, harm_types=harm_types)

    back = read_back(shared)

    assert back.title == shared.title
    assert back.description == shared.description
    assert back.harm_types == harm_types
    assert back.occurred == occurred
    assert back.source_id == shared.source_id


def test_avid_export_leaves_out_harm_types_avid_has_no_place_for() -> None:
    shared = replace(INCIDENT, harm_types=("human_rights", "fairness", "environment"))

    assert read_back(shared).harm_types == ("fairness",)


@pytest.mark.parametrize(("harm_type", "entry"), sorted(AVID_ENTRIES_OF_HARM_TYPES.items()))
def test_each_exported_avid_code_reads_back_as_its_harm_type(harm_type: str, entry: str) -> None:
    assert avid_harm_type(entry[:5]) == harm_type


def test_avid_export_is_an_avid_report() -> None:
    report = to_avid(ATTACK)

    assert report["data_type"] == "AVID"
    assert report["data_version"] == "0.2"
    assert report["problemtype"]["classof"] == "ATLAS Case Study"
    assert report["impact"]["avid"]["risk_domain"] == ["Security"]
    assert report["impact"]["avid"]["sep_view"] == ["S0100: Software Vulnerability"]
    assert report["references"] == [
        {"type": "source", "label": ATTACK.attribution, "url": ATTACK.url}
    ]
    assert ATTACK.attribution in report["credit"][0]["value"]


def test_stix_bundle_parses_with_the_right_counts() -> None:
    output = to_stix([INCIDENT, ATTACK, PROMPT_INJECTION], created=CREATED)

    bundle = stix2.parse(output, allow_custom=False)

    counts = Counter(item.type for item in bundle.objects)
    # Two techniques in all; the attack used both (one twice), the injection one.
    assert counts == {"incident": 3, "attack-pattern": 2, "relationship": 3}


def test_stix_objects_carry_their_sources() -> None:
    bundle = stix2.parse(to_stix([ATTACK], created=CREATED), allow_custom=False)
    by_type = {item.type: item for item in bundle.objects}

    incident_reference = by_type["incident"].external_references[0]
    assert incident_reference.external_id == "AML.CS0000"
    assert incident_reference.source_name == "mitre-atlas"
    assert incident_reference.url == ATTACK.url
    assert "Apache-2.0" in incident_reference.description
    patterns = [item for item in bundle.objects if item.type == "attack-pattern"]
    assert {p.external_references[0].external_id for p in patterns} == {
        "AML.T0043.003",
        "AML.T0042",
    }
    assert all(p.external_references[0].source_name == "mitre-atlas" for p in patterns)
    relationship = by_type["relationship"]
    assert relationship.source_ref == by_type["incident"].id
    assert relationship.target_ref in {p.id for p in patterns}
    assert relationship.relationship_type == "related-to"


def test_stix_export_is_stable() -> None:
    first = to_stix([INCIDENT, ATTACK], created=CREATED)

    assert to_stix([INCIDENT, ATTACK], created=CREATED) == first
    assert json.loads(first)["objects"][0]["created"] == "2026-12-01T09:30:00.000Z"


def test_stix_ids_follow_the_source_ids() -> None:
    def ids(items: list[SharedIncidentData]) -> dict[str, str]:
        objects = json.loads(to_stix(items, created=CREATED))["objects"]
        return {o["name"]: o["id"] for o in objects if o["type"] != "relationship"}

    alone = ids([PROMPT_INJECTION])
    together = ids([ATTACK, PROMPT_INJECTION])
    renamed = ids([replace(PROMPT_INJECTION, source_id="AML.CS0021")])

    assert alone.items() <= together.items()
    assert renamed["Indirect prompt injection"] != alone["Indirect prompt injection"]
    assert renamed["AML.T0042"] == alone["AML.T0042"]
