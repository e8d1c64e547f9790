from datetime import date, datetime

from pydantic import Field

from agilegov.schemas import Input, LongText, Output


class FrameworkRead(Output):
    key: str
    name: str
    provider: str | None
    versions: list[str]


class VersionRead(Output):
    framework: str
    version: str
    ref: str
    name: str
    description: str
    published: date | None
    effective: date | None
    source_url: str | None
    licence: str | None
    # Name and description in other languages: {"ja": {"name": …, "description": …}}.
    translations: dict[str, dict[str, str]]
    requirements: int
    imported_at: datetime


class RequirementRead(Output):
    id: int
    key: str
    ref_id: str | None
    name: str
    description: str
    parent: str | None
    position: int
    assessable: bool
    actor: str | None
    applies_from: date | None
    translations: dict[str, dict[str, str]]


class Imported(Output):
    """What a file brought: a framework's version, or a mapping set."""

    kind: str  # "framework" or "mapping_set"
    ref: str  # framework@version, or the mapping set's key
    requirements: int = 0
    mappings: int = 0


class SuccessorRead(Output):
    key: str
    relationship: str
    carried: bool


class DifferenceRead(Output):
    """From one version to another: each old requirement's fate by its key
    (removed, changed, unchanged), the new ones nothing leads to, and where each
    old one went (``carried``: what cited it can simply follow)."""

    old: str
    new: str
    by_mapping: bool
    counts: dict[str, int]
    changes: dict[str, str]
    added: list[str]
    successors: dict[str, list[SuccessorRead]]


class CitingRead(Output):
    """A measure, goal or indicator citing a requirement, and the citation's
    state (``review``: carried from an earlier version, to be confirmed)."""

    kind: str
    id: int
    label: str
    status: str | None
    citation: str


class ApplicabilityRead(Output):
    requirement_id: int
    ref: str
    ref_id: str | None
    name: str
    translations: dict[str, dict[str, str]]
    actor: str | None
    applies_from: date | None
    applicable: bool
    decided: bool
    reason: str
    cited_by: list[CitingRead]
    addressed: bool


class ApplicabilityVersion(Output):
    version: str
    name: str
    translations: dict[str, dict[str, str]]
    requirements: list[ApplicabilityRead]


class ApplicabilityDecision(Input):
    requirement: str = Field(min_length=3, max_length=500, description="framework@version#id")
    applicable: bool
    reason: LongText = ""


class FollowedCoverage(Output):
    version: str
    assessable: int
    not_applicable: int
    applicable: int
    addressed: int
    gaps: list[ApplicabilityRead]


class ReachedCoverage(Output):
    """What the scope's work covers of another version, through crosswalks."""

    version: str
    assessable: int
    covered: list[str]
    partly: list[str]
    not_reached: int


class CoverageRead(Output):
    followed: list[FollowedCoverage]
    reached: list[ReachedCoverage]


class UnresolvedRead(Output):
    id: int
    scope_id: int
    subject_kind: str
    subject_id: int
    text: str


class FrameworkMove(Input):
    from_: str = Field(alias="from", min_length=3, max_length=160)
    to: str = Field(min_length=3, max_length=160)


class Following(Input):
    frameworks: list[str] = Field(max_length=50, description="framework@version of each")


class CrosswalkRead(Output):
    """A mapping set: the versions it relates, whose work it is, how many mappings."""

    id: int
    key: str
    name: str
    source_version: str  # framework@version
    source_name: str
    target_version: str
    target_name: str
    provider: str | None
    source_url: str | None
    count: int  # its mappings


class CrosswalkMappingRead(Output):
    """One mapping, with both requirements' keys, identifiers and names."""

    source_key: str
    source_ref_id: str | None
    source_name: str
    source_translations: dict[str, dict[str, str]]
    target_key: str
    target_ref_id: str | None
    target_name: str
    target_translations: dict[str, dict[str, str]]
    relationship: str
    rationale: str


class CrosswalkWithMappings(CrosswalkRead):
    """A mapping set and its mappings (those a search found, with ``q``)."""

    mappings: list[CrosswalkMappingRead]
