"""The commons' words, alone: harm types read as the register's impact areas,
and the shape of a system kind."""

import pytest

from agilegov.analysis.schemas import ImpactArea
from agilegov.commons.vocabulary import SYSTEM_KIND, HarmType, Licence


def test_harm_types_are_the_impact_areas_of_the_register() -> None:
    assert [(t.name, t.value) for t in HarmType] == [(a.name, a.value) for a in ImpactArea]


def test_licences_are_spdx_identifiers() -> None:
    assert {licence.value for licence in Licence} == {
        "Apache-2.0",
        "MIT",
        "CC-BY-SA-4.0",
        "CC-BY-4.0",
    }


@pytest.mark.parametrize(
    ("kind", "valid"),
    [
        ("llm", True),
        ("recruitment", True),
        ("face-recognition", True),
        ("credit_scoring", True),
        ("0day", True),
        ("a" * 40, True),
        ("a" * 41, False),
        ("", False),
        ("LLM", False),
        ("-llm", False),
        ("_llm", False),
        ("large language model", False),
        ("llm\n", False),
        ("採用", False),
    ],
)
def test_system_kind(kind: str, valid: bool) -> None:
    assert (SYSTEM_KIND.fullmatch(kind) is not None) is valid
