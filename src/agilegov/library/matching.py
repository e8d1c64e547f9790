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


# What is left before a version number once it is cut from a name: "version",
# "ver.", "v", "第" (the Japanese "No." of 第1.0版), brackets, dashes, commas
# (folded: full-width brackets are ASCII ones by then).
_BEFORE_NUMBER = re.compile(r"(?:[\s(\[\-\u2013\u2014,\u3001]|version|ver\.?|v|\u7b2c)+$")


def _names(version: VersionNames) -> set[str]:
    """A version's names, each also without its number ("AI事業者ガイドライン(第1.0版)"
    is also "AI事業者ガイドライン"), folded."""
    found = {version.framework}
    number = normal(version.version)
    for name in version.names:
        said = normal(name)
        if not said:
            continue
        found.add(said)
        at = said.find(number)
        stem = _BEFORE_NUMBER.sub("", said[:at]) if at > 0 else ""
        if len(stem) >= 3:
            found.add(stem)
    return found


def match_version(text: str, versions: Sequence[VersionNames]) -> VersionNames | None:
    """The one version ``text`` names, or None."""
    said = normal(text)
    named = [v for v in versions if any(n in said for n in _names(v))]
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
    for name in sorted(_names(version), key=len, reverse=True):
        rest = rest.replace(name, " ")
    return re.sub(r"(?<![\w.])" + re.escape(normal(version.version)) + r"(?![\w]|\.\d)", " ", rest)


def _outermost(found: dict[RequirementNames, str]) -> list[RequirementNames]:
    """Drop the candidates whose matched words lie inside another's: "C-3)"
    inside "C-3) ①", "safety" inside "AI safety"."""
    return [
        r
        for r, said in found.items()
        if not any(said != other and said in other for other in found.values())
    ]


def match_requirement(
    text: str, version: VersionNames, requirements: Iterable[RequirementNames]
) -> RequirementNames | None:
    """The one requirement of ``version`` that ``text`` names, or None."""
    rest = _rest(text, version)
    by_id: dict[RequirementNames, str] = {}
    by_name: dict[RequirementNames, str] = {}
    for r in requirements:
        if r.ref_id and _has_word(rest, normal(r.ref_id)):
            by_id[r] = normal(r.ref_id)
        named = [normal(n) for n in r.names if n and normal(n) in rest]
        if named:
            by_name[r] = max(named, key=len)
    ids, names = _outermost(by_id), _outermost(by_name)
    both = [r for r in ids if r in names]
    for found in (both, ids, names):
        if found:
            return found[0] if len(found) == 1 else None
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
