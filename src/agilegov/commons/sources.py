"""Incidents from outside read into the commons' shape: MITRE ATLAS case studies,
AVID reports and the AI Incident Database's CSV snapshot. Pure: each reader
parses the bytes it is given and returns rows, or raises ``InvalidInput`` naming
the field at fault; a bad file yields no rows at all.

Facts and identifiers carry over (ids, dates, technique ids, taxonomy codes),
each row marked with its source's licence and whom to credit."""

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from agilegov.errors import InvalidInput, TooLarge
from agilegov.i18n import lazy

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000
# Deeper YAML overflows the loader's stack (a crash, not an error); ATLAS nests 5 deep.
MAX_YAML_DEPTH = 64

ATLAS_LICENCE = "Apache-2.0"
ATLAS_ATTRIBUTION = "MITRE ATLAS, © The MITRE Corporation"
AVID_LICENCE = "MIT"
AVID_ATTRIBUTION = "AI Vulnerability Database (AVID)"
AIID_LICENCE = "CC-BY-SA-4.0"
AIID_ATTRIBUTION = "AI Incident Database (incidentdatabase.ai)"

# Harm types of AVID's SEP view codes ("S0403", "E0101", ...), by the code's
# letter and first two digits, the longest prefix winning; any other code is "other".
AVID_HARM_TYPES: dict[str, str] = {
    "S": "security",
    "E01": "fairness",
    "E02": "transparency",
    "E03": "societal",
    "E04": "societal",
    "P03": "privacy",
    "P04": "safety",
}

AIID_COLUMNS = ("incident_id", "date", "title", "description")

CASE_STUDY_ID = re.compile(r"AML\.CS\d{4}")
TECHNIQUE_ID = re.compile(r"AML\.T\d{4}(\.\d{3})?")
SEP_CODE = re.compile(r"([SEP]\d{4})\b")
PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

try:
    SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader


@dataclass(frozen=True)
class SharedIncidentData:
    """An incident as the commons carry it (see the ``Source``/``Licence`` vocabularies)."""

    source: str
    source_id: str
    licence: str
    attribution: str
    title: str
    description: str
    occurred: str  # "YYYY" or "YYYY-MM"
    harm_types: tuple[str, ...]
    system_kinds: tuple[str, ...]
    techniques: tuple[str, ...]
    frameworks: tuple[str, ...] = ()
    url: str | None = None


def read_atlas(data: bytes) -> list[SharedIncidentData]:
    """The case studies of MITRE ATLAS's ``ATLAS.yaml``: attacks, so each is a security harm."""
    _check_size(data)
    try:
        _check_yaml_depth(data)
        document = yaml.load(data, Loader=SafeLoader)
    except yaml.YAMLError as error:
        raise InvalidInput.on("ATLAS.yaml", lazy("not YAML: %(error)s", error=error)) from error
    studies = _mapping(document, "ATLAS.yaml").get("case-studies")
    if not isinstance(studies, list):
        raise InvalidInput.on("case-studies", lazy("missing, or not a list"))
    _check_rows(len(studies), "case-studies")
    incidents = []
    for number, study in enumerate(studies):
        where = f"case-studies[{number}]"
        study = _mapping(study, where)
        study_id = _text(study, "id", where)
        if not CASE_STUDY_ID.fullmatch(study_id):
            raise InvalidInput.on(
                f"{where}.id", lazy("not a case study id (AML.CS0000): %(id)s", id=study_id)
            )
        incidents.append(
            SharedIncidentData(
                source="atlas",
                source_id=study_id,
                licence=ATLAS_LICENCE,
                attribution=ATLAS_ATTRIBUTION,
                title=_text(study, "name", where),
                description=_text(study, "summary", where, required=False),
                occurred=_atlas_occurred(study, where),
                harm_types=("security",),
                system_kinds=(),
                techniques=_atlas_techniques(study, where),
                url=f"https://atlas.mitre.org/studies/{study_id}",
            )
        )
    _check_unique((incident.source_id for incident in incidents), "case-studies[%d].id")
    return incidents


def read_avid(data: bytes) -> SharedIncidentData:
    """One AVID report (JSON, ``data_type`` "AVID")."""
    _check_size(data)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise InvalidInput.on("report", lazy("not JSON: %(error)s", error=error)) from error
    report = _mapping(document, "report")
    if report.get("data_type") != "AVID":
        raise InvalidInput.on("data_type", lazy("not an AVID report (data_type must be AVID)"))
    report_id = _text(_mapping(report.get("metadata"), "metadata"), "report_id", "metadata")
    affects = _mapping(report.get("affects", {}), "affects")
    artifacts = [
        _mapping(artifact, f"affects.artifacts[{number}]")
        for number, artifact in enumerate(_list(affects, "artifacts", "affects"))
    ]
    problem = _mapping(report.get("problemtype", {}), "problemtype")
    title = _language_value(problem, "description", "problemtype") or ", ".join(
        _text(artifact, "name", f"affects.artifacts[{number}]", required=False)
        for number, artifact in enumerate(artifacts)
    )
    if not title:
        raise InvalidInput.on("problemtype.description.value", lazy("missing"))
    impact = _mapping(_mapping(report.get("impact", {}), "impact").get("avid", {}), "impact.avid")
    codes = [
        _sep_code(entry, f"impact.avid.sep_view[{number}]")
        for number, entry in enumerate(_list(impact, "sep_view", "impact.avid"))
    ]
    credits = [
        _text(_mapping(credit, f"credit[{number}]"), "value", f"credit[{number}]", required=False)
        for number, credit in enumerate(_list(report, "credit", "report"))
    ]
    names = "; ".join(name for name in credits if name)
    return SharedIncidentData(
        source="avid",
        source_id=report_id,
        licence=AVID_LICENCE,
        attribution=f"{AVID_ATTRIBUTION}; credit: {names}" if names else AVID_ATTRIBUTION,
        title=title,
        description=_language_value(report, "description", "report"),
        occurred=_month(report.get("reported_date"), "reported_date"),
        harm_types=_distinct(avid_harm_type(code) for code in codes),
        system_kinds=_distinct(
            kind
            for number, artifact in enumerate(artifacts)
            if (kind := slug(_text(artifact, "type", f"affects.artifacts[{number}]")))
        ),
        techniques=(),
        url=_avid_url(report),
    )


def read_aiid_csv(data: bytes) -> list[SharedIncidentData]:
    """The incidents of the AI Incident Database's snapshot ``incidents.csv``."""
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput.on("incidents.csv", lazy("not UTF-8 text")) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    # Rows are numbered as a spreadsheet shows them: the header is row 1.
    number = 0  # the last row read
    try:
        columns = reader.fieldnames or []
        number = 1
        missing = [column for column in AIID_COLUMNS if column not in columns]
        if missing:
            raise InvalidInput.on(
                "incidents.csv",
                lazy("not the incidents CSV: no column %(columns)s", columns=", ".join(missing)),
            )
        incidents = []
        for row in reader:
            number += 1
            _check_rows(number - 1, "incidents.csv")
            incidents.append(_aiid_incident(row, f"row {number}"))
    except csv.Error as error:
        raise InvalidInput.on(
            f"row {number + 1}", lazy("not CSV: %(error)s", error=error)
        ) from error
    _check_unique((incident.source_id for incident in incidents), "row %d: incident_id", first=2)
    return incidents


def avid_harm_type(code: str) -> str:
    """The harm type of an AVID SEP view code such as "E0101"."""
    return AVID_HARM_TYPES.get(code[:3]) or AVID_HARM_TYPES.get(code[:1]) or "other"


def slug(text: str) -> str:
    """``text`` as a system kind: lowercase letters, digits, "-" and "_", at most 40."""
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-_")[:40].rstrip("-_")


def _aiid_incident(row: Mapping[str, str | None], where: str) -> SharedIncidentData:
    if None in row:  # more cells than the header has columns
        raise InvalidInput.on(where, lazy("more cells than columns"))
    incident_id = (row["incident_id"] or "").strip()
    if not incident_id.isascii() or not incident_id.isdigit() or int(incident_id) < 1:
        raise InvalidInput.on(f"{where}: incident_id", lazy("not an incident number"))
    title = (row["title"] or "").strip()
    if not title:
        raise InvalidInput.on(f"{where}: title", lazy("missing"))
    number = str(int(incident_id))
    return SharedIncidentData(
        source="aiid",
        source_id=number,
        licence=AIID_LICENCE,
        attribution=AIID_ATTRIBUTION,
        title=title,
        description=(row["description"] or "").strip(),
        occurred=_month(row["date"], f"{where}: date"),
        harm_types=(),
        system_kinds=(),
        techniques=(),
        url=f"https://incidentdatabase.ai/cite/{number}",
    )


def _atlas_occurred(study: Mapping[str, Any], where: str) -> str:
    granularity = study.get("incident-date-granularity", "DATE")
    if granularity not in ("YEAR", "MONTH", "DATE"):
        raise InvalidInput.on(
            f"{where}.incident-date-granularity", lazy("not one of YEAR, MONTH, DATE")
        )
    month = _month(study.get("incident-date"), f"{where}.incident-date")
    return month[:4] if granularity == "YEAR" else month


def _atlas_techniques(study: Mapping[str, Any], where: str) -> tuple[str, ...]:
    techniques = []
    for number, step in enumerate(_list(study, "procedure", where)):
        step_where = f"{where}.procedure[{number}]"
        technique = _text(_mapping(step, step_where), "technique", step_where)
        if not TECHNIQUE_ID.fullmatch(technique):
            raise InvalidInput.on(
                f"{step_where}.technique",
                lazy("not a technique id (AML.T0000): %(id)s", id=technique),
            )
        techniques.append(technique)
    return _distinct(techniques)


def _avid_url(report: Mapping[str, Any]) -> str | None:
    """Where the report's finding can be read: its reference of type "source", else its first."""
    references = [
        reference
        for reference in _list(report, "references", "report")
        if isinstance(reference, dict)
        and isinstance(reference.get("url"), str)
        and reference["url"].startswith(("https://", "http://"))  # not a path inside AVID's site
    ]
    sources = [reference for reference in references if reference.get("type") == "source"]
    chosen = (sources or references)[:1]
    return chosen[0]["url"] if chosen else None


def _sep_code(entry: object, where: str) -> str:
    match = SEP_CODE.match(entry) if isinstance(entry, str) else None
    if match is None:
        raise InvalidInput.on(where, lazy("not an AVID SEP code (such as E0101: ...)"))
    return match.group(1)


def _month(value: object, where: str) -> str:
    """``value`` (a date, or "YYYY", "YYYY-MM" or "YYYY-MM-DD") as "YYYY-MM", or "YYYY" when
    only the year is known: the commons never say more than the month."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    match = PARTIAL_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput.on(where, lazy("not a date (YYYY-MM-DD)"))
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise InvalidInput.on(where, lazy("not a date (YYYY-MM-DD)")) from error
    return f"{year}-{month}" if month else year


def _language_value(container: Mapping[str, Any], key: str, where: str) -> str:
    """The text of an AVID ``{"lang": ..., "value": ...}`` under ``key``, "" when absent."""
    if container.get(key) is None:
        return ""
    value = _mapping(container[key], f"{where}.{key}")
    return _text(value, "value", f"{where}.{key}", required=False)


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput.on(where, lazy("missing, or not a mapping"))
    return value


def _list(container: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput.on(f"{where}.{key}", lazy("not a list"))
    return value


def _text(container: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = container.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput.on(f"{where}.{key}", lazy("missing, or not text"))
    if required and not value.strip():
        raise InvalidInput.on(f"{where}.{key}", lazy("missing"))
    return value.strip()


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _check_yaml_depth(data: bytes) -> None:
    """Refuse YAML nested deeper than ``MAX_YAML_DEPTH``, reading its events (which
    need no stack) before it is loaded into objects (which does)."""
    depth = 0
    for event in yaml.parse(data, Loader=SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise InvalidInput.on(
                    "ATLAS.yaml", lazy("nested deeper than %(limit)s", limit=MAX_YAML_DEPTH)
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_size(data: bytes) -> None:
    if len(data) > MAX_INPUT_BYTES:
        raise TooLarge.on(
            "file",
            lazy("larger than %(limit)s MiB", limit=MAX_INPUT_BYTES // (1024 * 1024)),
        )


def _check_rows(count: int, where: str) -> None:
    if count > MAX_ROWS:
        raise TooLarge.on(where, lazy("more than %(limit)s rows", limit=MAX_ROWS))


def _check_unique(ids: Iterable[str], where: str, first: int = 0) -> None:
    seen: set[str] = set()
    for number, source_id in enumerate(ids, start=first):
        if source_id in seen:
            raise InvalidInput.on(where % number, lazy("%(id)s appears twice", id=source_id))
        seen.add(source_id)
