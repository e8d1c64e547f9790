"""The framework library through its service, the API and the command line, on
SQLite and PostgreSQL: the shared NIST CSF libraries and NIST's 1.1→2.0
mapping imported, read and exported; bad files and repeated imports refused
with nothing stored; only the site's operator imports."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from agilegov.auth import SYSTEM
from agilegov.cli import app
from agilegov.errors import Conflict, Forbidden, InvalidInput
from agilegov.library import service
from agilegov.library.catalogue import Catalogue
from agilegov.library.ciso import read_library
from agilegov.library.models import FrameworkVersion, Requirement
from agilegov.library.oscal import read_catalog
from agilegov.organizations.service import issue_token
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork
from api_helpers import assert_unchanged, bearer, make_client, snapshot
from builders import World, site_operator

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "frameworks" / "ciso-assistant"
FILES = ("nist-csf-1.1.yaml", "nist-csf-2.0.yaml", "map-nist-csf-1.1-nist-csf-2.0.yaml")


def _file(name: str) -> bytes:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data)")
    return path.read_bytes()


def _import_all(uow: UnitOfWork) -> list:
    return [service.import_file(uow, SYSTEM, _file(name), name) for name in FILES]


def test_the_nist_csf_versions_and_their_mapping_import_and_export(uow: UnitOfWork) -> None:
    old, new, mapping = _import_all(uow)
    assert (old.ref, old.requirements) == ("nist-csf@1.1", 136)
    assert (new.ref, new.requirements) == ("nist-csf@2.0", 134)
    assert (mapping.kind, mapping.mappings) == ("mapping_set", 185)
    (framework,) = service.list_frameworks(uow)
    assert (framework.key, framework.versions) == ("nist-csf", ["1.1", "2.0"])
    nodes = service.requirements(uow, "nist-csf@2.0")
    original = read_library(_file("nist-csf-2.0.yaml"), "2.0")
    assert isinstance(original, Catalogue)
    assert [(n.key, n.parent, n.ref_id) for n in nodes] == [
        (r.key, r.parent, r.ref_id) for r in original.requirements
    ]
    # Out as CISO YAML and back: every node, parent and order kept.
    text, media_type = service.export_version(uow, "nist-csf@2.0", "ciso")
    assert media_type == "application/yaml"
    again = read_library(text.encode(), "exported.yaml")
    assert isinstance(again, Catalogue)
    assert again.requirements == original.requirements


def test_bad_files_and_repeated_imports_store_nothing(uow: UnitOfWork, engine: Engine) -> None:
    before = snapshot(engine)
    bad = b"objects:\n  framework:\n    urn: urn:x:risk:framework:f-1\n    requirement_nodes:\n"
    bad += b"    - {urn: a, name: A}\n    - {urn: b, name: B, parent_urn: z}\n"
    with pytest.raises(
        InvalidInput, match=re.escape("bad.yaml: b: its parent 'z' is not before it")
    ):
        service.import_file(uow, SYSTEM, bad, "bad.yaml")
    with pytest.raises(InvalidInput, match="not a catalogue file"):
        service.import_file(uow, SYSTEM, b"x", "notes.txt")
    # A mapping between versions the library does not hold.
    name = FILES[2]
    with pytest.raises(InvalidInput, match=re.escape("nist-csf@1.1 is not in the library")):
        service.import_file(uow, SYSTEM, _file(name), name)
    assert_unchanged(before, engine)
    service.import_file(uow, SYSTEM, _file(FILES[0]), FILES[0])
    before = snapshot(engine)
    with pytest.raises(Conflict, match="in the library already"):
        service.import_file(uow, SYSTEM, _file(FILES[0]), FILES[0])
    assert_unchanged(before, engine)


def test_the_api_reads_exports_and_lets_only_the_operator_import(
    world: World, database_url: str, engine: Engine
) -> None:
    client = make_client(database_url)
    with client:
        assert client.get("/api/v1/frameworks").json() == []
        upload = {"file": ("nist-csf-1.1.yaml", _file(FILES[0]), "application/yaml")}
        before = snapshot(engine)
        refused = client.post(
            "/api/v1/frameworks/import?format=ciso",
            files=upload,
            headers=bearer(world.tokens["owner"]),
        )
        assert refused.status_code == 403, refused.text
        assert client.post("/api/v1/frameworks/import?format=ciso", files=upload).status_code == 401
        assert_unchanged(before, engine)
        operator = site_operator(world.uow)
        token = issue_token(world.uow, operator, "library").token
        made = client.post(
            "/api/v1/frameworks/import?format=ciso", files=upload, headers=bearer(token)
        )
        assert made.status_code == 201, made.text
        assert made.json() == {
            "kind": "framework",
            "ref": "nist-csf@1.1",
            "requirements": 136,
            "mappings": 0,
        }
        bad = client.post(
            "/api/v1/frameworks/import?format=ciso",
            files={"file": ("x.yaml", b"key: [", "application/yaml")},
            headers=bearer(token),
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"
        version = client.get("/api/v1/frameworks/nist-csf@1.1").json()
        assert version["requirements"] == 136 and version["ref"] == "nist-csf@1.1"
        nodes = client.get("/api/v1/frameworks/nist-csf@1.1/requirements").json()
        assert nodes[0]["ref_id"] == "ID" and nodes[1]["parent"] == nodes[0]["key"]
        exported = client.get("/api/v1/frameworks/nist-csf@1.1/export?format=ciso")
        assert exported.status_code == 200
        assert "nist-csf@1.1.yaml" in exported.headers["content-disposition"]
        assert client.get("/api/v1/frameworks/nist-csf@9.9").status_code == 404


def test_the_command_line_imports_and_exports(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", database_url)
    get_settings.cache_clear()
    path = tmp_path / FILES[0]
    path.write_bytes(_file(FILES[0]))
    runner = CliRunner()
    result = runner.invoke(app, ["library", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported nist-csf@1.1: 136 requirements" in result.output
    again = runner.invoke(app, ["library", "import", str(path)])
    assert again.exit_code == 1 and "in the library already" in again.output
    out = tmp_path / "out.yaml"
    exported = runner.invoke(
        app, ["library", "export", "nist-csf@1.1", "--format", "ciso", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    catalogue = read_library(out.read_bytes(), "out.yaml")
    assert isinstance(catalogue, Catalogue) and len(catalogue.requirements) == 136
    wrong = runner.invoke(app, ["library", "export", "nist-csf@1.1", "--format", "pdf"])
    assert wrong.exit_code == 1 and "oscal or ciso" in wrong.output
    get_settings.cache_clear()


def test_only_the_operator_or_the_command_line_imports(world: World) -> None:
    with pytest.raises(Forbidden):
        service.import_file(world.uow, world.owner, b"", "x.yaml")


def test_an_oscal_catalog_imports_and_exports(uow: UnitOfWork) -> None:
    path = SHARED.parent / "oscal" / "basic-catalog.json"
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data)")
    imported = service.import_file(uow, SYSTEM, path.read_bytes(), path.name)
    assert imported.kind == "framework" and imported.requirements > 0
    text, media_type = service.export_version(uow, imported.ref, "oscal")
    assert media_type == "application/json"
    again = read_catalog(text.encode(), "exported.json")
    assert len(again.requirements) == imported.requirements
    assert [r.key for r in again.requirements] == [
        n.key for n in service.requirements(uow, imported.ref)
    ]


def test_the_difference_between_versions_follows_the_stored_mapping(
    uow: UnitOfWork, database_url: str
) -> None:
    _import_all(uow)
    client = make_client(database_url)
    with client:
        found = client.get("/api/v1/frameworks/nist-csf@2.0/difference?from=nist-csf@1.1")
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["by_mapping"] is True and (body["old"], body["new"]) == (
            "nist-csf@1.1",
            "nist-csf@2.0",
        )
        counts = body["counts"]
        assert counts["removed"] + counts["changed"] + counts["unchanged"] == 136
        assert counts["added"] == len(body["added"]) and counts["unchanged"] == 0
        governance = "urn:intuitem:risk:req_node:nist-csf-1.1:id.gv"
        assert body["successors"][governance] == [
            {
                "key": "urn:intuitem:risk:req_node:nist-csf-2.0:gv",
                "relationship": "intersects-with",
                "carried": False,
            }
        ]
        missing = client.get("/api/v1/frameworks/nist-csf@2.0/difference?from=nist-csf@0.9")
        assert missing.status_code == 404
        assert client.get("/api/v1/frameworks/nist-csf@2.0/difference").status_code == 422


def test_concurrent_imports_of_one_version_store_it_once(
    world: World, database_url: str, engine: Engine
) -> None:
    """Four operators send the same file at once: one import stores it, the
    others are told it is there already or to send again (409), never a 500."""
    token = issue_token(world.uow, site_operator(world.uow), "library").token
    data = _file(FILES[0])
    client = make_client(database_url)

    def send(_: int) -> int:
        return client.post(
            "/api/v1/frameworks/import?format=ciso",
            files={"file": ("nist-csf-1.1.yaml", data, "application/yaml")},
            headers=bearer(token),
        ).status_code

    with client, ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(send, range(4)))
    assert statuses == [201, 409, 409, 409]
    with world.uow as uow:
        versions = uow.session.scalar(select(func.count()).select_from(FrameworkVersion))
        stored = uow.session.scalar(select(func.count()).select_from(Requirement))
    assert (versions, stored) == (1, 136)
