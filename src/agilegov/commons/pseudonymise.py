"""The shared version of an incident: what the commons publishes without
naming the organization, its people or its system. Pure: no I/O.

``propose`` writes a first version for the owner to edit: names become neutral
placeholders, e-mail addresses, phone numbers and links to the organization's
sites go, dates keep their month and counts their order of magnitude.
``identifying`` reads the edited text again; the service publishes nothing
while it finds something.

Texts are compared NFKC-normalised and without regard to case, so that
full-width Latin letters and half-width katakana match their plain forms. A
name in Latin letters matches as a whole word only: "Acme" is not found in
"Acmeville" (another word), but is in "Acme's" and in "Acmeの". A name in
Japanese matches wherever it stands, since Japanese leaves no spaces."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from agilegov.commons.vocabulary import HarmSeverity, HarmType


@dataclass(frozen=True)
class Identifiers:
    """What names an incident's owner. People's names are matched as given:
    list a surname on its own too where the text may use it alone."""

    organization_names: tuple[str, ...] = ()
    slug: str = ""
    domains: tuple[str, ...] = ()  # "acme.example": the site and every subdomain
    people: tuple[str, ...] = ()
    scope_name: str = ""  # the AI system, as the organization calls it
    emails: tuple[str, ...] = ()  # their domains name the organization too


@dataclass(frozen=True)
class Harm:
    type: HarmType
    severity: HarmSeverity
    affected: str  # who, in the owner's words
    count: int


@dataclass(frozen=True)
class SharedHarm:
    type: HarmType
    severity: HarmSeverity
    affected: str
    count: str  # a band: "1-9", "10-99", "100-999", "1000+" (or "0")


@dataclass(frozen=True)
class Proposal:
    title: str
    description: str
    harms: tuple[SharedHarm, ...]
    occurred: str  # "YYYY-MM"


class Role(StrEnum):
    organization = "organization"
    person = "person"
    system = "system"


# The placeholders, in the language of the text they go into.
PLACEHOLDERS = {
    "en": {
        Role.organization: "the organization",
        Role.person: "a person",
        Role.system: "the system",
    },
    "ja": {Role.organization: "当該組織", Role.person: "ある人物", Role.system: "当該システム"},
}

# Latin letters and digits: a Latin name's edges must not touch one.
_LATIN = "0-9A-Za-z\u00c0-\u024f"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# Legal forms: an organization's name is found with or without one, before
# or after it ("タレントブリッジ株式会社", "(株)タレントブリッジ", "Acme, Inc.").
_JAPANESE_FORM = r"(?:株式会社|有限会社|合同会社|\((?:株|有|同)\))"
_LATIN_FORM = r"(?:inc|corp|corporation|co\.,?\s*ltd|ltd|llc|k\.k|gmbh|plc)"
_WITHOUT_FORM = re.compile(
    rf"^{_JAPANESE_FORM}\s*|\s*{_JAPANESE_FORM}$|,?\s+{_LATIN_FORM}\.?$", re.IGNORECASE
)
_FORM_BEFORE = rf"(?:{_JAPANESE_FORM}\s*)?"
# A Latin form's final dot stays where it may end the sentence.
_FORM_AFTER = (
    rf"(?:\s*{_JAPANESE_FORM}|,?\s+{_LATIN_FORM}(?:\.(?=\s*(?-i:[a-z,;:)])))?(?![{_LATIN}]))?"
)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'「」()]+")
# Phone numbers: international (+81 3 1234 5678), with an area code in
# brackets ((03) 1234-5678), grouped by hyphens (03-1234-5678, 0120-123-456),
# or a Japanese number written in one (09012345678).
PHONE = re.compile(
    r"(?<![0-9A-Za-z+-])(?:"
    r"\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}"
    r"|\(\d{2,5}\)[ -]?\d{1,4}[ -]?\d{3,4}"
    r"|\d{2,5}-\d{1,4}-\d{3,4}"
    r"|0\d{9,10}"
    r")(?![0-9A-Za-z-])"
)
_PHONE_DIGITS = range(9, 16)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
ISO_DATE = re.compile(
    r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
JAPANESE_DATE = re.compile(r"(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日")
DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\s*,?\s+(\d{{4}})\b", re.IGNORECASE
)
MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})\b", re.IGNORECASE
)
# 04/03/2027: day and month cannot be told apart, so only the year is kept.
NUMERIC_DATE = re.compile(r"(?<![\d/.])\d{1,2}[/.]\d{1,2}[/.](\d{4})(?![\d/.])")


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def count_band(count: int) -> str:
    if count < 0:
        raise ValueError(f"a harm's count is 0 or more, not {count}")
    if count == 0:
        return "0"
    if count < 10:
        return "1-9"
    if count < 100:
        return "10-99"
    if count < 1000:
        return "100-999"
    return "1000+"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def propose(
    title: str,
    description: str,
    harms: Sequence[Harm],
    occurred_on: date,
    identifiers: Identifiers,
) -> Proposal:
    """A first shared version of an incident, for its owner to edit."""
    shared = _Pseudonymiser(identifiers)
    return Proposal(
        title=shared.text(title),
        description=shared.text(description),
        harms=tuple(
            SharedHarm(harm.type, harm.severity, shared.text(harm.affected), count_band(harm.count))
            for harm in harms
        ),
        occurred=month_of(occurred_on),
    )


def identifying(text: str, identifiers: Identifiers) -> list[str]:
    """What in ``text`` still names the organization, a person or the system,
    or is an e-mail address or a phone number: each found once, in order."""
    text = normalised(text)
    names, _ = _names(identifiers)
    found: list[tuple[int, str]] = []
    if names is not None:
        found += [(match.start(), match.group("name")) for match in names.finditer(text)]
    found += [(match.start(), match.group()) for match in EMAIL.finditer(text)]
    found += [(match.start(), match.group()) for match in _phones(text)]
    return list(dict.fromkeys(term for _, term in sorted(found)))


class _Pseudonymiser:
    def __init__(self, identifiers: Identifiers) -> None:
        self.domains = _domains(identifiers)
        self.names, self.roles = _names(identifiers)

    def text(self, text: str) -> str:
        text = normalised(text)
        text = EMAIL.sub("", text)
        text = URL.sub(self._url, text)
        for phone in reversed(_phones(text)):
            text = text[: phone.start()] + text[phone.end() :]
        text = _coarsened(text)
        if self.names is not None:
            placeholders = PLACEHOLDERS["ja" if _JAPANESE.search(text) else "en"]
            text = self.names.sub(
                lambda match: _placeholder(match, placeholders[self._role(match)]),
                text,
            )
        return _tidy(text)

    def _role(self, match: re.Match[str]) -> Role:
        return next(
            self.roles[group]
            for group, found in match.groupdict().items()
            if found is not None and group in self.roles
        )

    def _url(self, match: re.Match[str]) -> str:
        url = match.group().rstrip(".,;:!?")
        trailing = match.group()[len(url) :]
        host = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
        host = re.split(r"[/:?#]", host, maxsplit=1)[0].lower()
        on_our_site = any(host == d or host.endswith("." + d) for d in self.domains)
        names_us = self.names is not None and self.names.search(url) is not None
        return trailing if on_our_site or names_us else match.group()


def _domains(identifiers: Identifiers) -> tuple[str, ...]:
    found = [*identifiers.domains, *(email.rpartition("@")[2] for email in identifiers.emails)]
    return tuple(dict.fromkeys(normalised(d).strip().lower() for d in found if d.strip()))


def _names(identifiers: Identifiers) -> tuple[re.Pattern[str] | None, dict[str, Role]]:
    """One pattern finding every name, the longest first, and whom each of its
    groups names (a name both a person and the organization use reads as the
    organization's, the more careful reading)."""
    named = [
        *((name, Role.person) for name in identifiers.people),
        (identifiers.scope_name, Role.system),
        *((_without_form(name), Role.organization) for name in identifiers.organization_names),
        (identifiers.slug, Role.organization),
        *((domain, Role.organization) for domain in _domains(identifiers)),
    ]
    by_key: dict[str, tuple[str, Role]] = {}
    for name, role in named:
        name = " ".join(normalised(name).split())
        if name:
            by_key["".join(name.split()).casefold()] = (name, role)
    if not by_key:
        return None, {}
    terms = sorted(by_key.values(), key=lambda term: len(term[0]), reverse=True)
    alternatives = "|".join(
        f"(?P<name{index}>{_name_pattern(name, role)})" for index, (name, role) in enumerate(terms)
    )
    # An English article before a name is taken with it, so that the
    # placeholder's own does not double it ("the Acme team").
    pattern = re.compile(
        rf"(?:(?<![{_LATIN}])(?P<article>the|an|a)\s+)?(?P<name>{alternatives})", re.IGNORECASE
    )
    return pattern, {f"name{index}": role for index, (_, role) in enumerate(terms)}


def _without_form(name: str) -> str:
    """An organization's name without its legal form ("タレントブリッジ株式会社":
    "タレントブリッジ"; "Acme, Inc.": "Acme"), unless little else is left."""
    name = normalised(name).strip()
    short = _WITHOUT_FORM.sub("", name).strip()
    return short if len(short) >= 2 else name


def _name_pattern(name: str, role: Role) -> str:
    words = name.split()
    pattern = ""
    for index, word in enumerate(words):
        if index:
            both_japanese = _JAPANESE.match(words[index - 1][-1]) and _JAPANESE.match(word[0])
            pattern += r"\s*" if both_japanese else r"\s+"
        pattern += re.escape(word)
    if re.match(f"[{_LATIN}]", name[0]):
        pattern = rf"(?<![{_LATIN}]){pattern}"
    if re.match(f"[{_LATIN}]", name[-1]):
        pattern = rf"{pattern}(?![{_LATIN}])"
    if role is Role.organization:
        return f"{_FORM_BEFORE}{pattern}{_FORM_AFTER}"
    return pattern


def _placeholder(match: re.Match[str], placeholder: str) -> str:
    article = match.group("article")
    if article is not None:
        if not placeholder.isascii():
            return f"{article} {placeholder}"
        noun = placeholder.split(" ", 1)[1]
        if article.lower() != "the":
            article = article[0] + ("n" if noun[0] in "aeiou" else "")
        return f"{article} {noun}"
    before = match.string[: match.start()].rstrip(" \t")
    if placeholder.isascii() and (not before or before[-1] in ".!?\n"):
        return placeholder[0].upper() + placeholder[1:]
    return placeholder


def _phones(text: str) -> list[re.Match[str]]:
    return [
        match
        for match in PHONE.finditer(text)
        if sum(char.isdigit() for char in match.group()) in _PHONE_DIGITS
    ]


def _coarsened(text: str) -> str:
    """Dates in ``text`` kept to their month (to their year where the month is
    unclear); what is not a calendar date stays."""

    def iso(match: re.Match[str]) -> str:
        year, month, day = (int(part) for part in match.groups())
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group()
        return f"{year:04d}-{month:02d}"

    def japanese(match: re.Match[str]) -> str:
        year, month, _ = match.groups()
        return f"{year}年{int(month)}月"

    def day_month_year(match: re.Match[str]) -> str:
        _, month, year = match.groups()
        return f"{month} {year}"

    def month_day_year(match: re.Match[str]) -> str:
        month, _, year = match.groups()
        return f"{month} {year}"

    text = ISO_DATE.sub(iso, text)
    text = JAPANESE_DATE.sub(japanese, text)
    text = DAY_MONTH_YEAR.sub(day_month_year, text)
    text = MONTH_DAY_YEAR.sub(month_day_year, text)
    return NUMERIC_DATE.sub(lambda match: match.group(1), text)


def _tidy(text: str) -> str:
    """The text without what removals left behind: empty brackets, doubled
    spaces, a space before punctuation."""
    text = re.sub(r"\(\s*\)|「\s*」", "", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([.,;:!?)])", r"\1", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return text.strip()
