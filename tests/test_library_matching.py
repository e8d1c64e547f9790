"""Which version or requirement a text names (pure): table tests."""

import pytest

from agilegov.library.matching import (
    RequirementNames,
    VersionNames,
    match_citation,
    match_version,
)

VERSIONS = [
    VersionNames(1, "aigb", "1.0", ("AI Guidelines for Business", "AI事業者ガイドライン")),
    VersionNames(
        2, "aigb", "1.1", ("AI Guidelines for Business 1.1", "AI事業者ガイドライン(第1.1版)")
    ),
    VersionNames(3, "nist-ai-rmf", "1.0", ("NIST AI RMF", "AI Risk Management Framework")),
    VersionNames(4, "iso-iec-42001", "2023", ("ISO/IEC 42001",)),
]
REQUIREMENTS = {
    1: [
        RequirementNames(10, "C-3)", ("Fairness", "公平性")),
        RequirementNames(11, "C-3) ①", ("Care over bias", "バイアスへの配慮")),
        RequirementNames(12, "C-2)", ("Safety", "安全性")),
        RequirementNames(13, "C-5)", ("Ensuring security", "セキュリティ確保")),
    ],
    3: [
        RequirementNames(30, "GOVERN 1.1", ("Legal requirements",)),
        RequirementNames(31, "GOVERN 1.10", ("Other",)),
    ],
}


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("AI Guidelines for Business 1.0", 1),
        ("ai guidelines for business   1.1", 2),
        ("AI事業者ガイドライン\u3000\uff11\uff0e\uff11", 2),  # full-width digits and space
        ("aigb 1.0", 1),
        ("NIST AI RMF", 3),  # one version in the library: no number needed
        ("AI Guidelines for Business", None),  # two versions: which?
        ("AI Guidelines for Business 1.10", None),  # 1.1 is not 1.10
        ("Employment Security Act 2024", None),
        ("NIST AI RMF and ISO/IEC 42001", None),  # two frameworks
    ],
)
def test_a_text_names_one_version_or_none(text: str, version: int | None) -> None:
    found = match_version(text, VERSIONS)
    assert (found.id if found else None) == version


@pytest.mark.parametrize(
    ("text", "requirement"),
    [
        ("AI Guidelines for Business 1.0, C-3) ①", 11),
        ("AI Guidelines for Business 1.0, common guiding principle 3) Fairness", 10),
        ("AI事業者ガイドライン 1.0 公平性", 10),
        ("AI Guidelines for Business 1.0 Ensuring security", 13),  # not "Safety"… nor both
        ("NIST AI RMF GOVERN 1.1", 30),  # not GOVERN 1.10
        ("AI Guidelines for Business 1.0 Safety and Fairness", None),  # two named
        ("AI Guidelines for Business 1.1 Fairness", None),  # 1.1's requirements unknown
        ("AI Guidelines for Business 1.0", None),  # a version, no requirement
    ],
)
def test_a_citation_names_one_requirement_or_none(text: str, requirement: int | None) -> None:
    found = match_citation(text, VERSIONS, REQUIREMENTS)
    assert (found[1].id if found else None) == requirement
