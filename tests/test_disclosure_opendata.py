"""Open data: the dump of what is published, verifiable against the record's
signed checkpoint; the licence each organization chooses; the catalogue."""

import base64
import csv
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyshacl
import pytest
import rdflib
from sqlalchemy import Engine
from typer.testing import CliRunner

from agilegov import clock
from agilegov.auth import ANONYMOUS
from agilegov.cli import app
from agilegov.dialogue import lifecycle, participation
from agilegov.dialogue.access import Voice
from agilegov.dialogue.schemas import ConsultationCreate, VoteCreate
from agilegov.disclosure import dcat, opendata
from agilegov.disclosure.dump import DumpError, verify_dump
from agilegov.goals.service import GOAL
from agilegov.record.notes import generate_signer, load_signer, verifier_key
from agilegov.remedy import service as remedy_service
from agilegov.remedy.schemas import ComplaintCreate
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork
from api_helpers import (
    API,
    assert_problem,
    assert_unchanged,
    make_client,
    ok,
    snapshot,
    world_from_fixture,
)
from api_helpers import World as ApiWorld
from builders import World, change, indicator, new_scope, specific_goal

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
ORIGIN = "agilegov.test/record"


def _jsonl(folder: Path, table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / f"{table}.jsonl").read_text().splitlines()]


@pytest.fixture
def published(uow: UnitOfWork, world: World) -> dict[str, Any]:
    """A public scope with a goal, an indicator and a consultation with votes;
    a private scope with a goal of its own."""
    public = new_scope(uow, world.owner, world.business_id, "Screening", visibility="public")
    private = new_scope(uow, world.owner, world.business_id, "Internal", visibility="private")
    goal = specific_goal(uow, world.editor, public, title="Fair shortlisting")
    indicator(uow, world.editor, public, goal.id)
    hidden = specific_goal(uow, world.editor, private, title="Secret target")
    with clock.frozen_at(NOW):
        consultation = lifecycle.create_consultation(
            uow,
            world.editor,
            public,
            ConsultationCreate(
                title="Fair screening rules",
                subject="goals",
                draft="Applicants are told why.\n",
                opens_at=NOW - timedelta(days=1),
                closes_at=NOW + timedelta(days=30),
                statements=["Rejections must be explained"],
            ),
        )
    with uow:
        from sqlalchemy import select

        from agilegov.dialogue.models import Statement

        statement = uow.session.scalars(
            select(Statement.id).where(Statement.consultation_id == consultation.id)
        ).first()
    with clock.frozen_at(NOW):
        participation.cast_vote(
            uow,
            Voice(world.viewer),
            consultation.id,
            VoteCreate(statement_id=statement, vote="agree"),
        )
        participation.cast_vote(
            uow, Voice(ANONYMOUS), consultation.id, VoteCreate(statement_id=statement, vote="pass")
        )
    return {"public": public, "private": private, "goal": goal.id, "hidden": hidden.id}


def test_the_dump_holds_public_rows_only_and_verifies(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    signer = generate_signer(ORIGIN)
    folder = opendata.cut_dump(uow, signer, ORIGIN, tmp_path)
    goals = _jsonl(folder, "goals")
    assert [g["id"] for g in goals] == [published["goal"]]
    assert all(s["id"] != published["private"] for s in _jsonl(folder, "scopes"))
    votes = _jsonl(folder, "consultation_votes")
    assert len(votes) == 2 and all("user_id" not in v for v in votes)
    assert goals[0]["record_entry"] is not None and goals[0]["licence"] == "CC-BY-4.0"
    verify_dump(folder, verifier_key(signer))


# ---------------------------------------------------------------- tampering


def _rehash(folder: Path) -> None:
    """Make the manifest list the files as they now are (what a forger would do)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for item in manifest["files"]:
        item["sha256"] = hashlib.sha256((folder / item["name"]).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _change_goal_title(folder: Path, title: str) -> None:
    """Change the goal's title alike in its three files."""
    rows = _jsonl(folder, "goals")
    rows[0]["title"] = title
    (folder / "goals.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    with (folder / "goals.csv").open(newline="") as stream:
        lines = list(csv.reader(stream))
    lines[1][lines[0].index("title")] = title
    with (folder / "goals.csv").open("w", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(lines)
    database = sqlite3.connect(folder / "open-data.sqlite")
    database.execute("UPDATE goals SET title = ?", (title,))
    database.commit()
    database.close()


def _set_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _append(path: Path, text: str) -> None:
    with path.open("a") as stream:
        stream.write(text)


TAMPERINGS: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "a row changed in every file, the manifest rehashed",
        lambda folder: (_change_goal_title(folder, "Any shortlist will do"), _rehash(folder)),
        "title is not what record entry",
    ),
    (
        "a file changed",
        lambda folder: _append(folder / "scopes.csv", "999,1,Forged\n"),
        "scopes.csv: its SHA-256 is not the manifest's",
    ),
    (
        "the manifest's checkpoint changed",
        lambda folder: _set_manifest(folder, lambda m: m["checkpoint"].update(size=1)),
        "the checkpoint's size or root is not the signed note's",
    ),
    (
        "an entry dropped, the manifest rehashed",
        lambda folder: (
            (folder / "entries.jsonl").write_text(""),
            _rehash(folder),
        ),
        "is not among the proved entries",
    ),
    (
        "a CSV row changed, the manifest rehashed",
        lambda folder: (
            (folder / "goals.csv").write_text(
                (folder / "goals.csv").read_text().replace("Fair shortlisting", "Fair-ish")
            ),
            _rehash(folder),
        ),
        "the CSV row differs from the JSON Lines row",
    ),
]


@pytest.mark.parametrize(
    ("tampering", "problem"),
    [(change, problem) for _, change, problem in TAMPERINGS],
    ids=[name for name, _, _ in TAMPERINGS],
)
def test_a_tampered_dump_does_not_verify(
    uow: UnitOfWork,
    published: dict[str, Any],
    tmp_path: Path,
    tampering: Callable[[Path], None],
    problem: str,
) -> None:
    signer = generate_signer(ORIGIN)
    folder = opendata.cut_dump(uow, signer, ORIGIN, tmp_path)
    tampering(folder)
    with pytest.raises(DumpError, match=re.escape(problem)):
        verify_dump(folder, verifier_key(signer))


def test_a_dump_signed_by_another_key_does_not_verify(
    uow: UnitOfWork, published: dict[str, Any], tmp_path: Path
) -> None:
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    with pytest.raises(DumpError, match="the checkpoint does not verify"):
        verify_dump(folder, verifier_key(generate_signer(ORIGIN)))


def test_a_private_scope_made_public_shows_no_entry_of_its_private_past(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    entries = [json.loads(line) for line in (folder / "entries.jsonl").read_text().splitlines()]
    leaves = [json.loads(base64.b64decode(entry["leaf"])) for entry in entries]
    assert leaves and all("payload" in leaf for leaf in leaves), "only public events are listed"
    assert all(leaf["scope"] != published["private"] for leaf in leaves)


# ---------------------------------------------------------------- licences


def test_each_row_carries_its_organizations_licence(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    regulator_scope = new_scope(
        uow, world.outsider, world.regulator_id, "Oversight", visibility="public"
    )
    assert opendata.set_data_licence(uow, world.owner, world.business_id, "ODbL-1.0") == "ODbL-1.0"
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    licences = {row["id"]: row["licence"] for row in _jsonl(folder, "scopes")}
    assert licences[published["public"]] == "ODbL-1.0"
    assert licences[regulator_scope] == "CC-BY-4.0"
    assert {row["licence"] for row in _jsonl(folder, "goals")} == {"ODbL-1.0"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["licences"][str(world.business_id)] == "ODbL-1.0"
    assert opendata.data_licence(uow, world.regulator_id) == "CC-BY-4.0"


def _file_complaints(
    uow: UnitOfWork, world: World, scope_id: int, category: str, count: int
) -> None:
    for _ in range(count):
        remedy_service.file_complaint(
            uow,
            world.viewer,
            ComplaintCreate(
                scope_id=scope_id,
                category=category,
                what_happened="My application was rejected by the screening model.",
                remedy_sought="A review of my application by a person.",
            ),
        )


def test_complaint_figures_are_published_per_ended_quarter_small_cells_hidden(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    with clock.frozen_at(datetime(2026, 2, 10, 1, tzinfo=UTC)):
        _file_complaints(uow, world, published["public"], "decision", 6)
        _file_complaints(uow, world, published["public"], "privacy", 2)
    # The quarter of June 1st has not ended: only the first quarter is cut.
    signer = generate_signer(ORIGIN)
    with clock.frozen_at(NOW):
        folder = opendata.cut_dump(uow, signer, ORIGIN, tmp_path)
    rows = _jsonl(folder, "complaint_statistics")
    assert {(row["period_start"], row["period_end"]) for row in rows} == {
        ("2026-01-01", "2026-03-31")
    }
    figures = {(row["figure"], row["label"]): row for row in rows}
    assert figures["cases", ""]["value"] == 8 and not figures["cases", ""]["hidden"]
    # 2 privacy complaints are too few to show, and 6 decisions would tell them.
    for category in ("privacy", "decision"):
        assert figures["category", category]["value"] is None
        assert figures["category", category]["hidden"] is True
    assert figures["category", "safety"]["value"] == 0
    assert {row["scope_id"] for row in rows} == {published["public"]}
    assert {row["licence"] for row in rows} == {"CC-BY-4.0"}
    assert all(row["record_entry"] is None for row in rows)
    verify_dump(folder, verifier_key(signer))


@pytest.fixture
def api(database_url: str, engine: Engine, world: World) -> ApiWorld:
    return world_from_fixture(database_url, engine, world)


def test_the_owner_chooses_the_licence_through_the_api(api: ApiWorld) -> None:
    path = f"{API}/organizations/{api.business_id}/data-licence"
    assert ok(api.client.get(path)) == {"organization_id": api.business_id, "licence": "CC-BY-4.0"}
    chosen = api.client.put(path, json={"licence": "CC0-1.0"}, headers=api.auth("owner"))
    assert ok(chosen)["licence"] == "CC0-1.0"
    assert ok(api.client.get(path))["licence"] == "CC0-1.0"


@pytest.mark.parametrize(
    ("who", "body", "status", "field"),
    [
        ("owner", {"licence": "GPL-3.0"}, 422, "licence"),
        ("owner", {"licence": ""}, 422, "licence"),
        ("owner", {}, 422, "licence"),
        ("owner", {"licence": "CC0-1.0", "extra": 1}, 422, "extra"),
        ("editor", {"licence": "CC0-1.0"}, 403, None),
        (None, {"licence": "CC0-1.0"}, 401, None),
    ],
)
def test_a_bad_licence_choice_is_refused_and_changes_nothing(
    api: ApiWorld, who: str | None, body: dict[str, Any], status: int, field: str | None
) -> None:
    before = snapshot(api.engine)
    response = api.client.put(
        f"{API}/organizations/{api.business_id}/data-licence", json=body, headers=api.auth(who)
    )
    assert_problem(response, status, *([field] if field else []))
    assert_unchanged(before, api.engine)


# ---------------------------------------------------------------- the catalogue

# DCAT-AP's mandatory (and, for what a download needs, recommended) properties per class.
REQUIRED = {
    "dcat:Catalog": ("dct:title", "dct:description", "dct:publisher", "dcat:dataset"),
    "dcat:Dataset": ("dct:title", "dct:description", "dcat:distribution", "dct:publisher"),
    "dcat:Distribution": (
        "dcat:accessURL",
        "dcat:downloadURL",
        "dcat:mediaType",
        "dcat:byteSize",
        "spdx:checksum",
        "dct:issued",
        "dct:modified",
    ),
    "spdx:Checksum": ("spdx:algorithm", "spdx:checksumValue"),
    "foaf:Agent": ("foaf:name",),
}


SHAPES = Path(__file__).parent / "dcat-ap.ttl"


def _shacl_violations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The catalogue read as RDF by rdflib's JSON-LD parser, checked by pySHACL
    against DCAT-AP's constraints: each violation's focus node, property (its
    local name) and message."""
    data = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes)
    shacl = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = sorted(
        (
            str(results.value(result, shacl.focusNode)),
            re.split("[#/]", str(results.value(result, shacl.resultPath)))[-1],
            str(results.value(result, shacl.resultMessage)),
        )
        for result in results.subjects(rdflib.RDF.type, shacl.ValidationResult)
    )
    assert conforms == (not violations)
    return violations


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _nodes(inner)


def test_the_catalogue_describes_every_file_as_dcat_ap_requires(
    uow: UnitOfWork, published: dict[str, Any], tmp_path: Path
) -> None:
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    document = dcat.catalog(manifest, "https://gov.example", "agilegov")
    assert document["@type"] == "dcat:Catalog"
    typed = [node for node in _nodes(document) if node.get("@type") in REQUIRED]
    for node in typed:
        missing = [name for name in REQUIRED[node["@type"]] if name not in node]
        assert not missing, f"{node['@type']} {node.get('@id')} lacks {missing}"
    assert _shacl_violations(document) == []
    datasets = document["dcat:dataset"]
    assert [d["dct:identifier"] for d in datasets] == opendata.table_names()
    assert set(dcat.TABLE_TITLES) == set(opendata.table_names())
    goals = next(d for d in datasets if d["dct:identifier"] == "goals")
    formats = {d["dct:format"]["rdfs:label"] for d in goals["dcat:distribution"]}
    assert formats == {"CSV", "JSON Lines", "SQLite"}
    csv_file = next(d for d in goals["dcat:distribution"] if d["dct:format"]["rdfs:label"] == "CSV")
    assert csv_file["dct:format"]["@id"].endswith("/authority/file-type/CSV")
    assert csv_file["dcat:downloadURL"].endswith(f"/open/files/{folder.name}/goals.csv")
    assert (
        csv_file["spdx:checksum"]["spdx:checksumValue"]
        == hashlib.sha256((folder / "goals.csv").read_bytes()).hexdigest()
    )
    assert csv_file["dcat:byteSize"] == (folder / "goals.csv").stat().st_size
    assert csv_file["dct:license"] == {
        "@id": "https://creativecommons.org/licenses/by/4.0/",
        "@type": "dct:LicenseDocument",
    }
    # Plain JSON that a JSON-LD processor reads: every prefix used is declared.
    prefixes = {key.split(":")[0] for node in _nodes(document) for key in node if ":" in key}
    assert prefixes <= set(document["@context"])


def test_a_catalogue_breaking_dcat_ap_is_caught_by_its_constraints(
    uow: UnitOfWork, published: dict[str, Any], tmp_path: Path
) -> None:
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    document = dcat.catalog(manifest, "https://gov.example", "agilegov")
    goals = next(d for d in document["dcat:dataset"] if d["dct:identifier"] == "goals")
    first, second, third = goals["dcat:distribution"]
    del first["dcat:accessURL"]
    second["dcat:byteSize"] = -1
    third["dct:license"] = [third["dct:license"], {"@id": "https://example.org/other"}]
    third["spdx:checksum"]["spdx:algorithm"] = {
        "@id": "http://spdx.org/rdf/terms#checksumAlgorithm_md5"
    }
    violations = _shacl_violations(document)
    assert sorted(path for _, path, _ in violations) == [
        "accessURL",
        "algorithm",
        "byteSize",
        "license",
        "license",
    ], violations


def test_a_table_of_several_licences_names_them_as_a_rights_statement(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    new_scope(uow, world.outsider, world.regulator_id, "Oversight", visibility="public")
    opendata.set_data_licence(uow, world.owner, world.business_id, "ODbL-1.0")
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    document = dcat.catalog(json.loads((folder / "manifest.json").read_text()), "https://x", "x")
    assert _shacl_violations(document) == []
    scopes = next(d for d in document["dcat:dataset"] if d["dct:identifier"] == "scopes")
    csv_file = next(
        d for d in scopes["dcat:distribution"] if d["dcat:mediaType"]["@id"].endswith("csv")
    )
    assert "dct:license" not in csv_file
    assert "CC-BY-4.0, ODbL-1.0" in csv_file["dct:rights"]["rdfs:label"]


# ---------------------------------------------------------------- pages and feeds


def test_the_open_page_lists_the_latest_cut_and_serves_its_files(
    database_url: str, uow: UnitOfWork, published: dict[str, Any], tmp_path: Path
) -> None:
    client = make_client(database_url, open_data_dir=tmp_path)
    empty = client.get("/open")
    assert empty.status_code == 200 and "No open data has been cut yet." in empty.text
    assert client.get("/open/catalog.jsonld").status_code == 404
    opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    folder = opendata.cut_dump(uow, generate_signer(ORIGIN), ORIGIN, tmp_path)
    page = client.get("/open")
    assert f"/open/files/{folder.name}/goals.csv" in page.text
    assert "agilegov open verify FOLDER --key KEY" in page.text
    assert "/commons/feed.atom" in page.text
    for name, media_type in [
        ("goals.csv", "text/csv"),
        ("goals.jsonl", "application/jsonl"),
        ("open-data.sqlite", "application/vnd.sqlite3"),
        ("manifest.json", "application/json"),
    ]:
        served = client.get(f"/open/files/{folder.name}/{name}")
        assert served.status_code == 200 and served.headers["content-type"].startswith(media_type)
        assert served.content == (folder / name).read_bytes()
    for missing in (
        f"{folder.name}/absent.csv",
        "..%2F..%2Fetc/passwd",
        "20260101T000000000000Z/a",
    ):
        assert client.get(f"/open/files/{missing}").status_code == 404
    catalogue = client.get("/open/catalog.jsonld")
    assert catalogue.headers["content-type"].startswith("application/ld+json")
    assert folder.name in catalogue.json()["dcat:dataset"][0]["dcat:distribution"][0]["@id"]
    japanese = client.get("/open", headers={"Accept-Language": "ja"})
    assert "オープンデータ" in japanese.text


def test_the_feeds_tell_of_public_consultations_only(
    database_url: str, uow: UnitOfWork, world: World, published: dict[str, Any]
) -> None:
    client = make_client(database_url)
    consultations = client.get("/open/consultations.atom")
    assert consultations.headers["content-type"].startswith("application/atom+xml")
    assert consultations.text.count("<entry>") == 1
    assert "Fair screening rules" in consultations.text
    evaluations = client.get("/open/evaluations.atom")
    assert evaluations.status_code == 200 and "<feed" in evaluations.text


# ---------------------------------------------------------------- the commands


def test_the_commands_cut_and_verify_a_dump_and_name_what_is_wrong(
    database_url: str,
    published: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", database_url)
    monkeypatch.setenv("AGILEGOV_LOG_KEY_FILE", str(tmp_path / "log.key"))
    monkeypatch.setenv("AGILEGOV_LOG_ORIGIN", ORIGIN)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        cut = runner.invoke(app, ["open", "dump", "--out", str(tmp_path / "open")])
        assert cut.exit_code == 0, cut.output
        (folder,) = (tmp_path / "open").iterdir()
        key = verifier_key(load_signer(tmp_path / "log.key"))
        checked = runner.invoke(app, ["open", "verify", str(folder), "--key", key])
        assert checked.exit_code == 0 and "dump ok" in checked.output, checked.output
        absent = runner.invoke(app, ["open", "verify", str(tmp_path / "none"), "--key", key])
        assert absent.exit_code == 1 and "no such folder" in " ".join(absent.output.split())
        a_file = tmp_path / "a-file"
        a_file.write_text("")
        refused = runner.invoke(app, ["open", "dump", "--out", str(a_file)])
        assert refused.exit_code == 1 and "is not a folder" in " ".join(refused.output.split())
        _append(folder / "goals.jsonl", "{}\n")
        tampered = runner.invoke(app, ["open", "verify", str(folder), "--key", key])
        assert tampered.exit_code == 1 and "goals.jsonl" in tampered.output
    finally:
        get_settings.cache_clear()


def test_a_change_made_while_the_dump_is_cut_leaves_it_verifiable(
    uow: UnitOfWork,
    world: World,
    published: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The goal is renamed after its row was read and before the checkpoint is
    signed: the row and the entry it names still agree, and both are proved."""
    signed = opendata.latest_checkpoint

    def renamed_first(*arguments: Any) -> Any:
        change(uow, world.editor, published["public"], GOAL, published["goal"], title="Renamed")
        return signed(*arguments)

    monkeypatch.setattr(opendata, "latest_checkpoint", renamed_first)
    signer = generate_signer(ORIGIN)
    folder = opendata.cut_dump(uow, signer, ORIGIN, tmp_path)
    assert [goal["title"] for goal in _jsonl(folder, "goals")] == ["Fair shortlisting"]
    verify_dump(folder, verifier_key(signer))


def test_a_row_is_checked_against_its_latest_update(
    uow: UnitOfWork, world: World, published: dict[str, Any], tmp_path: Path
) -> None:
    change(uow, world.editor, published["public"], GOAL, published["goal"], title="Fair hiring")
    signer = generate_signer(ORIGIN)
    folder = opendata.cut_dump(uow, signer, ORIGIN, tmp_path)
    (goal,) = _jsonl(folder, "goals")
    entries = [json.loads(line) for line in (folder / "entries.jsonl").read_text().splitlines()]
    (entry,) = [e for e in entries if e["table"] == "goals"]
    leaf = json.loads(base64.b64decode(entry["leaf"]))
    assert goal["record_entry"] == entry["index"] and leaf["type"] == "goal.updated"
    verify_dump(folder, verifier_key(signer))
    _change_goal_title(folder, "Fair shortlisting")
    _rehash(folder)
    with pytest.raises(DumpError, match="title is not what record entry"):
        verify_dump(folder, verifier_key(signer))
