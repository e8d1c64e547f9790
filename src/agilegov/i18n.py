"""Texts in Japanese and English: gettext catalogs (Babel), one per language,
merged from the web toolkit's folder and every installed part's.

Catalogs are kept as ``.po`` files beside the code that uses them
(``<folder>/<language>/LC_MESSAGES/messages.po``) and compiled in memory when
they are loaded, so that no compiled file is kept in the tree.
"""

import functools
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("ja", "en")
DOMAIN = "messages"
# Where a folder's code and templates are read for texts to translate.
EXTRACT_METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
EXTRACT_OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
# The catalog of the toolkits and the bootstrap (the services' shared errors, the
# API toolkit, the command line, the demo): the package's own modules, not the
# folders of the web toolkit and of the parts, which keep catalogs of their own.
CORE_MESSAGES = Path(__file__).parent / "locale"
CORE_METHODS = [("*.py", "python"), ("api/**.py", "python"), ("demo/**.py", "python")]
# The marks of a text to translate: ``_`` in templates and where code translates
# at once, ``N_`` where a text is only marked (a label translated when shown),
# ``lazy`` for a text with values translated when shown; ``pgettext`` and
# ``plazy`` for a text whose English reads the same as another's but whose
# translation differs, told apart by a context (``"stage"``: the stage of goal
# setting, ゴール設定, not the goals themselves, ゴール).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "lazy": None,
    "plazy": ((1, "c"), 2),
}


def catalog_path(folder: Path, language: str) -> Path:
    return folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, language: str) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


class Catalogs:
    """The merged translations of every language, looked up by language."""

    def __init__(self) -> None:
        self._by_language: dict[str, NullTranslations] = {
            language: NullTranslations() for language in LANGUAGES
        }

    def load(self, folders: Iterable[Path]) -> None:
        folders = list(folders)
        for language in LANGUAGES:
            # One catalog of every folder's texts, compiled once: it carries the
            # language's plural rule (Japanese has one form, English two).
            merged = Catalog(locale=language, domain=DOMAIN)
            for folder in folders:
                path = catalog_path(folder, language)
                if path.exists():
                    for message in read_catalog(path, language):
                        if message.id:
                            merged[message.id] = message  # keyed by its context too
            compiled = io.BytesIO()
            write_mo(compiled, merged)
            compiled.seek(0)
            self._by_language[language] = Translations(compiled)

    def gettext(self, language: str, message: str) -> str:
        return self._by_language.get(language, self._by_language["en"]).gettext(message)

    def pgettext(self, language: str, context: str, message: str) -> str:
        return self._by_language.get(language, self._by_language["en"]).pgettext(context, message)

    def npgettext(self, language: str, context: str, singular: str, plural: str, count: int) -> str:
        translations = self._by_language.get(language, self._by_language["en"])
        return translations.npgettext(context, singular, plural, count)

    def ngettext(self, language: str, singular: str, plural: str, count: int) -> str:
        translations = self._by_language.get(language, self._by_language["en"])
        return translations.ngettext(singular, plural, count)

    def knows(self, message: str, context: str | None = None) -> bool:
        """Whether ``message`` (in ``context``) is one of the texts the catalogs
        translate."""
        translations = self._by_language["ja"]
        if context is not None:
            return translations.pgettext(context, message) != message
        return translations.gettext(message) != message


catalogs = Catalogs()
# The language and the time zone of what is being rendered now (set by the
# page's renderer).
current_language: ContextVar[str] = ContextVar("current_language", default="en")
current_zone: ContextVar[str] = ContextVar("current_zone", default="UTC")


def local_time_text(moment: datetime) -> str:
    """``moment`` in the current zone, named: ``2026-04-01 09:00 JST``; a zone
    with no abbreviation (``-03``) by its name (``America/Sao_Paulo``)."""
    return _local_time_text(moment, current_zone.get())


@functools.lru_cache(maxsize=4096)
def _local_time_text(moment: datetime, zone: str) -> str:
    # Kept: a page shows the same few moments many times (one evaluation's time
    # on every indicator of a scope).
    local = moment.astimezone(ZoneInfo(zone))
    abbreviation = local.tzname() or ""
    name = abbreviation if abbreviation[:1].isalpha() else zone
    return f"{local:%Y-%m-%d %H:%M} {name}"


def zone_name(moment: datetime) -> str:
    """The current zone as a form names it next to a time typed in it, at
    ``moment``: ``JST (Asia/Tokyo)``, ``UTC``, or ``America/Sao_Paulo`` where the
    zone has no abbreviation."""
    zone = current_zone.get()
    abbreviation = moment.astimezone(ZoneInfo(zone)).tzname() or ""
    if not abbreviation[:1].isalpha() or abbreviation == zone:
        return zone
    return f"{abbreviation} ({zone})"


class Lazy:
    """A text translated when it is shown (in the language then being rendered),
    with ``values`` put into its ``%(name)s`` places: for texts made before the
    page's language is known, such as a form's heading."""

    # The context telling this text from another that reads the same in English.
    context: str | None = None

    def __init__(self, message: str, **values: object) -> None:
        self.message = message
        self.values = values

    def __str__(self) -> str:
        language = current_language.get()
        if not self.message:  # gettext("") is the catalog's header, not an empty text
            text = ""
        elif self.context is not None:
            text = catalogs.pgettext(language, self.context, self.message)
        else:
            text = catalogs.gettext(language, self.message)
        if not self.values:
            return text
        return text % {name: str(value) for name, value in self.values.items()}

    def in_language(self, language: str) -> str:
        """The text in ``language``, whatever is being rendered now."""
        with speaking(language):
            return str(self)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __hash__(self) -> int:
        return hash(self.message)


def lazy(message: str, **values: object) -> Lazy:
    return Lazy(message, **values)


def plazy(context: str, message: str, **values: object) -> Lazy:
    """``lazy``, for the text ``message`` means in ``context``."""
    text = Lazy(message, **values)
    text.context = context
    return text


def joined(parts: Iterable["str | Lazy"], separator: str = "; ") -> Lazy:
    """``parts`` one after the other, each read in the language current when the
    whole is shown (``field: message``, or problems one after the other)."""
    values = {f"part{number}": part for number, part in enumerate(parts)}
    # No catalog holds this text, so it reads the same in every language.
    escaped = separator.replace("%", "%%")
    return Lazy(escaped.join(f"%({name})s" for name in values), **values)


# A value's place in a text: ``%(name)s``.
PLACE = re.compile(r"%\((\w+)\)s")


def as_data(text: "str | Lazy") -> object:
    """``text`` as JSON data to keep and show later in any language (``from_data``):
    a lazy text as its message, context and values (texts of their own kept so,
    anything else as its English text); a plain text as it is."""
    if not isinstance(text, Lazy):
        return text
    with speaking("en"):
        values = {
            name: as_data(value) if isinstance(value, Lazy) else str(value)
            for name, value in text.values.items()
        }
    data: dict[str, object] = {"message": text.message, "values": values}
    if text.context is not None:
        data["context"] = text.context
    return data


def from_data(data: object) -> "str | Lazy | None":
    """The text ``as_data`` kept, or None if ``data`` is not one (its values must
    fill exactly its message's places, so that showing it cannot fail)."""
    if isinstance(data, str):
        return data
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        return None
    message, context = data.get("message"), data.get("context")
    if not isinstance(message, str) or not isinstance(context, str | None):
        return None
    values: dict[str, object] = {}
    for name, value in data["values"].items():
        inner = from_data(value)
        if inner is None:
            return None
        values[str(name)] = inner
    if set(PLACE.findall(message)) != set(values):
        return None
    return plazy(context, message, **values) if context is not None else Lazy(message, **values)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Lazy texts ``str()``'d inside this read in ``language``."""
    token = current_language.set(language)
    try:
        yield
    finally:
        current_language.reset(token)


def gettext(message: "str | Lazy", **values: object) -> str:
    """``message`` in the current language, with ``values`` put into its
    ``%(name)s`` places when given (a text with none is never formatted)."""
    if isinstance(message, Lazy):
        return str(message)
    if values:
        return str(Lazy(message, **values))
    return catalogs.gettext(current_language.get(), message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalogs.ngettext(current_language.get(), singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return catalogs.pgettext(current_language.get(), context, message)


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return catalogs.npgettext(current_language.get(), context, singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is shown, not here."""
    return message


def negotiate(accept_language: str | None, default: str) -> str:
    """The first of our languages an ``Accept-Language`` header asks for, by its
    weights (``ja-JP,ja;q=0.9,en;q=0.8``), else ``default``."""
    wanted: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, parameters = item.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and weight > 0:
            wanted.append((-weight, position, language))
    return min(wanted)[2] if wanted else default


Message = str | tuple[str, ...]


def extracted(folder: Path) -> Iterator[tuple[str, Message, str | None]]:
    """``(where, message, context)`` of every text marked for translation under
    ``folder`` (``context`` None unless it is marked with one)."""
    methods = CORE_METHODS if folder == CORE_MESSAGES.parent else EXTRACT_METHODS
    for filename, line, message, _comments, context in extract_from_dir(
        folder, methods, EXTRACT_OPTIONS, KEYWORDS
    ):
        yield f"{filename}:{line}", message, context


def update_catalogs(messages_folder: Path, also: Iterable[str] = ()) -> list[Path]:
    """Bring the catalogs in ``messages_folder`` in line with the texts marked in
    the code and templates of the folder that holds it, and ``also`` (texts made
    from code names, which no mark shows): new texts are added untranslated
    (English: as written), texts no longer used removed, translations kept.
    Returns the catalogs written."""
    messages: dict[tuple[Message, str | None], list[str]] = {}
    for where, message, context in extracted(messages_folder.parent):
        messages.setdefault((message, context), []).append(where)
    for message in also:
        messages.setdefault((message, None), [])
    written = []
    for language in LANGUAGES:
        path = catalog_path(messages_folder, language)
        old = read_catalog(path, language) if path.exists() else Catalog(locale=language)
        new = Catalog(locale=language, domain=DOMAIN, project="agilegov")
        for message, context in sorted(messages, key=lambda key: (str(key[0]), key[1] or "")):
            kept = old.get(message if isinstance(message, str) else message[0], context)
            if kept is not None and kept.string:
                string = kept.string
            elif language == "en":
                string = message
            else:
                string = "" if isinstance(message, str) else ("", "")
            wheres = messages[(message, context)]
            locations = [(where.rsplit(":", 1)[0], None) for where in wheres]
            new.add(message, string, locations=sorted(set(locations)), context=context)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            write_po(file, new, width=100, omit_header=True, no_location=True)
        written.append(path)
    return written


# Texts of a template that read the same in every language: the product's name,
# the names of formats and standards, and each language's name in itself (the
# switcher offers the other language by its own name).
SAME_IN_EVERY_LANGUAGE = frozenset(
    {"agilegov", "API", "CSV", "JSON", "Pol.is", "ID", "English", "日本語"}
)
_READ_ATTRIBUTE = re.compile(
    r"""\b(?:title|alt|aria-label|placeholder|aria-description)\s*=\s*"([^"{]*)\"""", re.I
)
_ENTITY = re.compile(r"&[#\w]+;")
_WORD = re.compile(r"[^\W\d_][\w.'-]*")


def _read(text: str) -> bool:
    words = _WORD.findall(_ENTITY.sub(" ", text))
    return any(word not in SAME_IN_EVERY_LANGUAGE for word in words)


def untranslated_texts(tokens: Iterable[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """``(line, text)`` of each text a person reads in a template's markup that
    is not passed through the catalogs, given the template's tokens (Jinja's
    ``Environment.lex``): words between tags, and in the attributes people read
    (``title``, ``alt``, ``aria-label``, ``placeholder``), outside ``{% trans %}``."""
    found = []
    statement: list[str] = []
    in_statement = in_trans = in_tag = False
    for line, kind, value in tokens:
        if kind == "block_begin":
            in_statement, statement = True, []
        elif kind == "block_end":
            in_statement = False
            if statement[:1] == ["trans"]:
                in_trans = True
            elif statement[:1] == ["endtrans"]:
                in_trans = False
        elif in_statement and kind == "name":
            statement.append(value)
        elif kind == "data" and not in_trans:
            # A tag may be cut by an expression (``<input value="{{ v }}">``), so
            # whether we are inside one carries over from token to token.
            text, tag = [], []
            for character in value:
                if in_tag:
                    tag.append(character)
                    in_tag = character != ">"
                elif character == "<":
                    in_tag = True
                    text.append(" ")
                else:
                    text.append(character)
            for piece in [*_READ_ATTRIBUTE.findall("".join(tag)), "".join(text)]:
                if _read(piece):
                    found.append((line, " ".join(piece.split())))
    return found
