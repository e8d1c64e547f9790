"""Which library version or requirement a text names: for frameworks and
citations written as free text before the library held them ("AI Guidelines for
Business 1.0", "AI Guidelines for Business 1.1 3) Fairness").

A text names a version when it holds one of the version's names (the
framework's key, its name, the version's name, or a translation of either) and,
where the framework has several versions, the version's number as a word of its
own. It names a requirement of that version when what is left holds exactly one
requirement's official identifier (as a word of its own) or exactly one
requirement's name. Anything less certain matches nothing: a person links it.

Pure: no database, no I/O.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class VersionNames:
    id: int
    framework: str  # the framework's key
    version: str
    names: tuple[str, ...]  # the framework's and the version's names, in every language


@dataclass(frozen=True)
class RequirementNames:
    id: int
    ref_id: str | None
    names: tuple[str, ...]  # its name in every language


def normal(text: str) -> str:
    """Case, width and spacing folded (full-width digits are digits)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _has_word(text: str, word: str) -> bool:
    """``word`` in ``text``, not inside a longer word or number ("1.1" is not in "1.10")."""
    if not word:
        return False
    pattern = r"(?<![\w.])" + re.escape(word) + r"(?![\w]|\.\d)"
    return re.search(pattern, text) is not None


def match_version(text: str, versions: Sequence[VersionNames]) -> VersionNames | None:
    """The one version ``text`` names, or None."""
    said = normal(text)
    named = [v for v in versions if any(normal(n) in said for n in (v.framework, *v.names) if n)]
    frameworks = {v.framework for v in named}
    if len(frameworks) != 1:
        return None
    numbered = [v for v in named if _has_word(said, normal(v.version))]
    if len(numbered) == 1:
        return numbered[0]
    if not numbered and len(named) == 1:
        return named[0]
    return None


def _rest(text: str, version: VersionNames) -> str:
    """``text`` with the version's names and number taken out."""
    rest = normal(text)
    for name in sorted((version.framework, *version.names), key=len, reverse=True):
        if name:
            rest = rest.replace(normal(name), " ")
    return re.sub(r"(?<![\w.])" + re.escape(normal(version.version)) + r"(?![\w]|\.\d)", " ", rest)


def match_requirement(
    text: str, version: VersionNames, requirements: Iterable[RequirementNames]
) -> RequirementNames | None:
    """The one requirement of ``version`` that ``text`` names, or None."""
    rest = _rest(text, version)
    candidates = list(requirements)
    by_id = [r for r in candidates if r.ref_id and _has_word(rest, normal(r.ref_id))]
    by_name = [r for r in candidates if any(n and normal(n) in rest for n in r.names)]
    both = [r for r in by_id if r in by_name]
    for found in (both, by_id, by_name):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            # The longest name wins where one name holds another ("safety" in
            # "AI safety"), if it is the only one that long.
            longest = max(len(normal(n)) for r in found for n in r.names if n)
            top = [r for r in found if any(n and len(normal(n)) == longest for n in r.names)]
            if found is by_name and len(top) == 1:
                return top[0]
            return None
    return None


def match_citation(
    text: str,
    versions: Sequence[VersionNames],
    requirements: dict[int, Sequence[RequirementNames]],
) -> tuple[VersionNames, RequirementNames] | None:
    """The version and requirement a citation names, or None."""
    version = match_version(text, versions)
    if version is None:
        return None
    requirement = match_requirement(text, version, requirements.get(version.id, ()))
    return None if requirement is None else (version, requirement)
