"""The open data's DCAT-AP catalogue (JSON-LD), from a cut's manifest.

One ``dcat:Dataset`` per table, one ``dcat:Distribution`` per format (CSV,
JSON Lines, and the SQLite file of every table), each with its download
address, media type, size, SHA-256 checksum and licence. Pure: the manifest,
the site's address and the publisher's name in, a JSON-LD document out.
"""

from collections.abc import Mapping
from typing import Any

from agilegov.i18n import Lazy, lazy

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:issued": {"@type": "xsd:dateTime"},
    "dct:modified": {"@type": "xsd:dateTime"},
    "dcat:byteSize": {"@type": "xsd:nonNegativeInteger"},
    "dcat:downloadURL": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "spdx:checksumValue": {"@type": "xsd:hexBinary"},
}
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
# Where each licence's text is, by SPDX identifier (others: SPDX's own page).
LICENCE_DOCUMENTS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}
# IANA media types, as DCAT-AP names them.
MEDIA_TYPE_URIS = {
    "text/csv": "http://www.iana.org/assignments/media-types/text/csv",
    "application/jsonl": "http://www.iana.org/assignments/media-types/application/jsonl",
    "application/vnd.sqlite3": "http://www.iana.org/assignments/media-types/application/vnd.sqlite3",
}
# The EU file-type vocabulary's entries, where it has one for the format.
FILE_TYPE_URIS = {"text/csv": "http://publications.europa.eu/resource/authority/file-type/CSV"}
FORMAT_NAMES = {
    "text/csv": "CSV",
    "application/jsonl": "JSON Lines",
    "application/vnd.sqlite3": "SQLite",
}

TABLE_TITLES: Mapping[str, Lazy] = {
    "scopes": lazy("Published scopes"),
    "goals": lazy("Goals of published scopes"),
    "indicators": lazy("Indicators of published scopes"),
    "observations": lazy("Observations of published scopes' indicators"),
    "evaluations": lazy("Evaluations of published scopes' indicators"),
    "measures": lazy("Measures of published scopes"),
    "reviews": lazy("Reviews of published scopes"),
    "consultations": lazy("Public consultations"),
    "consultation_statements": lazy("Statements of public consultations"),
    "consultation_votes": lazy("Votes in public consultations, by pseudonymous participant"),
    "complaint_statistics": lazy(
        "Complaint figures of published scopes per quarter, small cells hidden"
    ),
    "shared_incidents": lazy("Incidents shared in the commons"),
    "regulatory_requirements": lazy("Published regulatory requirements"),
    "report_evaluations": lazy("Regulators' evaluations of reports"),
    "assessments": lazy("Completed assessments of published scopes"),
    "transparency_reports": lazy("Published transparency reports"),
}


def licence_document(licence: str) -> str:
    return LICENCE_DOCUMENTS.get(licence, f"https://spdx.org/licenses/{licence}.html")


def _format(media_type: str) -> dict[str, Any]:
    named = {"@type": "dct:MediaTypeOrExtent", "rdfs:label": FORMAT_NAMES[media_type]}
    uri = FILE_TYPE_URIS.get(media_type)
    return named if uri is None else {"@id": uri} | named


def _licensing(licences: list[str]) -> dict[str, Any]:
    """One licence as DCAT-AP's single ``dct:license``; several (rows of several
    organizations) as a rights statement pointing at each row's own."""
    if len(licences) == 1:
        return {
            "dct:license": {"@id": licence_document(licences[0]), "@type": "dct:LicenseDocument"}
        }
    return {
        "dct:rights": {
            "@type": "dct:RightsStatement",
            "rdfs:label": str(
                lazy(
                    "Each row states its licence in the column licence: %(licences)s.",
                    licences=", ".join(licences),
                )
            ),
        }
    }


def _distribution(
    file: Mapping[str, Any], base: str, issued: str, licences: list[str], table: str
) -> dict[str, Any]:
    media_type = file["media_type"]
    address = f"{base}/{file['name']}"
    return {
        # The SQLite file is a distribution of every table's dataset: one node each.
        "@id": f"{address}#{table}",
        "@type": "dcat:Distribution",
        "dct:title": f"{file['name']} ({FORMAT_NAMES[media_type]})",
        "dct:format": _format(media_type),
        "dcat:accessURL": address,
        "dcat:downloadURL": address,
        "dcat:mediaType": {"@id": MEDIA_TYPE_URIS[media_type]},
        "dcat:byteSize": file["bytes"],
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": SHA256},
            "spdx:checksumValue": file["sha256"],
        },
        **_licensing(licences),
        "dct:issued": issued,
        "dct:modified": issued,
    }


def catalog(manifest: Mapping[str, Any], site: str, publisher: str) -> dict[str, Any]:
    """The DCAT-AP catalogue of the cut ``manifest`` describes, its files served
    under ``{site}/open/files/{cut}``, in the current language."""
    base = f"{site}/open/files/{manifest['cut']}"
    issued = manifest["issued"]
    agent = {"@id": f"{site}/open#publisher", "@type": "foaf:Agent", "foaf:name": publisher}
    files = manifest["files"]
    database = next(f for f in files if f["media_type"] == "application/vnd.sqlite3")
    every_licence = sorted(
        {licence for table in manifest["tables"] for licence in table["licences"]}
    )
    datasets = []
    for table in manifest["tables"]:
        name = table["name"]
        licences = sorted(table["licences"]) or [manifest["licences"]["default"]]
        title = TABLE_TITLES.get(name)
        distributions = [
            _distribution(file, base, issued, licences, name)
            for file in files
            if file["table"] == name
        ]
        distributions.append(_distribution(database, base, issued, every_licence or licences, name))
        rows = sum(table["licences"].values())
        datasets.append(
            {
                "@id": f"{site}/open#{name}",
                "@type": "dcat:Dataset",
                "dct:identifier": name,
                "dct:title": str(title) if title is not None else name,
                "dct:description": str(
                    lazy(
                        "%(rows)s rows of figures worked out from the record, each with "
                        "its licence; verifiable against the SHA-256 of its files in the "
                        "manifest of the cut at the record's signed checkpoint at size "
                        "%(size)s.",
                        rows=rows,
                        size=manifest["checkpoint"]["size"],
                    )
                    if table.get("figures")
                    else lazy(
                        "%(rows)s rows, each with the record entry of its latest public "
                        "event and its licence; verifiable against the record's signed "
                        "checkpoint at size %(size)s.",
                        rows=rows,
                        size=manifest["checkpoint"]["size"],
                    )
                ),
                "dct:publisher": agent,
                "dct:issued": issued,
                "dct:modified": issued,
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": CONTEXT,
        "@id": f"{site}/open/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": str(lazy("agilegov open data")),
        "dct:description": str(
            lazy(
                "Everything published on this site: public scopes and their governance, "
                "public consultations, complaint figures, shared incidents, regulatory "
                "requirements and evaluations, completed assessments, transparency reports."
            )
        ),
        "dct:publisher": agent,
        "dct:issued": issued,
        "dct:modified": issued,
        "foaf:homepage": {"@id": f"{site}/open"},
        "dcat:dataset": datasets,
    }
