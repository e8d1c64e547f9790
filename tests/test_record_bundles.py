"""Evidence bundles: a subject's entries with their proofs in one signed
checkpoint, and its documents by hash, checked offline from the file alone;
any change to what a bundle holds is refused, naming the entry or document.

Everything runs on SQLite and on PostgreSQL.
"""

import base64
import copy
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from agilegov.auth import Principal
from agilegov.cli import app as cli
from agilegov.errors import NotFound
from agilegov.record import log, notes
from agilegov.record.bundles import evidence_bundle
from agilegov.record.service import record_event
from agilegov.record.verify import BUNDLE_FORMAT, BundleError, check_documents, verify_bundle
from agilegov.settings import Settings, get_settings
from agilegov.uow import UnitOfWork

SETTINGS = Settings()
ORIGIN = SETTINGS.log_origin
STATEMENT = b"The applicant's statement, as filed.\n"
DOCUMENT = {
    "name": "statement.txt",
    "sha256": hashlib.sha256(STATEMENT).hexdigest(),
    "size": len(STATEMENT),
    "media_type": "text/plain",
}


def _record(
    uow: UnitOfWork, actor: Principal, organization_id: int, type: str, private: bool
) -> int:
    with uow:
        index = record_event(
            uow.session,
            actor,
            type,
            7,
            {"text": f"{type} by {actor.user_id}", "private": private},
            organization_id=organization_id,
            private=private,
        )
        uow.commit()
        return index


def _signer() -> notes.Signer:
    # The key the command line signs with too, so it verifies without --key.
    return notes.load_or_create_signer(SETTINGS.log_key_file, ORIGIN)


def _size(uow: UnitOfWork) -> int:
    with uow:
        return log.log_size(uow.session)


def _bundle(world: Any, indexes: list[int]) -> dict[str, Any]:
    made = evidence_bundle(
        world.uow,
        indexes,
        _signer(),
        ORIGIN,
        subject={"type": "complaint", "id": 7},
        documents=[DOCUMENT],
    )
    return json.loads(json.dumps(made))  # as written to a file and read back


@pytest.fixture
def made(world: Any) -> dict[str, Any]:
    """A complaint's history: filed in public, a private note, a decision; and
    an unrelated event in between that its bundle leaves out."""
    uow, owner, business = world.uow, world.owner, world.business_id
    filed = _record(uow, owner, business, "complaint.filed", private=False)
    noted = _record(uow, world.editor, business, "complaint.noted", private=True)
    _record(uow, owner, business, "other.happened", private=False)
    decided = _record(uow, owner, business, "complaint.decided", private=False)
    _record(uow, owner, business, "other.happened", private=False)  # not the last leaf
    indexes = [filed, noted, decided]
    return {
        "indexes": indexes,
        "private": noted,
        "key": notes.verifier_key(_signer()),
        "bundle": _bundle(world, [decided, filed, noted, filed]),
    }


def test_a_bundle_verifies_offline_with_private_content(made, world) -> None:
    bundle, key = made["bundle"], made["key"]
    assert bundle["format"] == BUNDLE_FORMAT
    assert bundle["subject"] == {"type": "complaint", "id": 7}
    assert bundle["documents"] == [DOCUMENT]
    # In log order, each once, with the private event's content and salt.
    assert [entry["index"] for entry in bundle["entries"]] == made["indexes"]
    private = next(entry for entry in bundle["entries"] if entry["index"] == made["private"])
    assert private["payload_salt"] is not None
    assert private["event"]["payload"]["private"] is True

    checked = verify_bundle(bundle, key, {DOCUMENT["name"]: STATEMENT})
    assert (checked.origin, checked.size) == (ORIGIN, _size(world.uow))
    assert [entry.index for entry in checked.entries] == made["indexes"]
    assert all(entry.event_checked for entry in checked.entries)
    leaf = next(entry.leaf for entry in checked.entries if entry.index == made["private"])
    assert "payload" not in leaf and leaf["payload_commitment"].startswith("sha256:")
    assert checked.subject == bundle["subject"] and checked.documents_checked
    # Without the files, the documents are only checked to be well formed.
    assert not verify_bundle(bundle, key).documents_checked


def test_a_bundle_of_an_entry_not_in_the_log_is_not_found(world) -> None:
    with pytest.raises(NotFound, match="no entry"):
        _bundle(world, [_size(world.uow)])


def test_a_bundle_with_no_entries_holds_the_checkpoint(world) -> None:
    bundle = _bundle(world, [])
    checked = verify_bundle(bundle, notes.verifier_key(_signer()))
    assert checked.entries == () and checked.size == _size(world.uow)


HEX = "ab" * 32


@pytest.mark.parametrize(
    ("documents", "problem"),
    [
        ([], None),
        ([DOCUMENT, {"name": "a b.pdf", "sha256": HEX, "size": 0}], None),
        ({"name": "a"}, "the documents are not a list"),
        (["statement.txt"], "document 0 is not a JSON object"),
        ([{"sha256": HEX, "size": 1}], "document 0 has no plain file name"),
        ([{"name": "", "sha256": HEX, "size": 1}], "document 0 has no plain file name"),
        ([{"name": "..", "sha256": HEX, "size": 1}], "document 0 has no plain file name"),
        ([{"name": "a/b", "sha256": HEX, "size": 1}], "document 0 has no plain file name"),
        ([{"name": "a\\b", "sha256": HEX, "size": 1}], "document 0 has no plain file name"),
        ([DOCUMENT, DOCUMENT], "document 'statement.txt' is listed twice"),
        ([{"name": "a", "sha256": HEX[:-1], "size": 1}], "sha256 is not 64 lowercase hex"),
        ([{"name": "a", "sha256": HEX + "0", "size": 1}], "sha256 is not 64 lowercase hex"),
        ([{"name": "a", "sha256": "g" * 64, "size": 1}], "sha256 is not 64 lowercase hex"),
        ([{"name": "a", "sha256": HEX, "size": -1}], "size is not a whole number"),
        ([{"name": "a", "sha256": HEX, "size": True}], "size is not a whole number"),
        ([{"name": "a", "sha256": HEX, "size": 1.0}], "size is not a whole number"),
    ],
)
def test_documents_must_be_well_formed(documents: Any, problem: str | None) -> None:
    if problem is None:
        assert check_documents(documents) == tuple(documents)
    else:
        with pytest.raises(BundleError, match=re.escape(problem)):
            check_documents(documents)


def _flip_base64(text: str) -> str:
    raw = base64.b64decode(text)
    return base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode()


def _entry(bundle: dict[str, Any], index: int) -> dict[str, Any]:
    return next(entry for entry in bundle["entries"] if entry["index"] == index)


def _change_payload(bundle: dict[str, Any], index: int) -> None:
    _entry(bundle, index)["event"]["payload"]["text"] += "!"


def _change_salt(bundle: dict[str, Any], index: int) -> None:
    entry = _entry(bundle, index)
    entry["payload_salt"] = _flip_base64(entry["payload_salt"])


def _drop_salt(bundle: dict[str, Any], index: int) -> None:
    _entry(bundle, index)["payload_salt"] = None


def _change_proof_node(bundle: dict[str, Any], index: int) -> None:
    proof = _entry(bundle, index)["proof"]
    proof[0] = _flip_base64(proof[0])


def _drop_proof_node(bundle: dict[str, Any], index: int) -> None:
    _entry(bundle, index)["proof"].pop()


def _change_leaf(bundle: dict[str, Any], index: int) -> None:
    entry = _entry(bundle, index)
    entry["leaf"] = _flip_base64(entry["leaf"])


def _change_event_time(bundle: dict[str, Any], index: int) -> None:
    event = _entry(bundle, index)["event"]
    later = datetime.fromisoformat(event["time"]) + timedelta(microseconds=1)
    event["time"] = later.isoformat()


def _change_index(bundle: dict[str, Any], index: int) -> None:
    _entry(bundle, index)["index"] = index + 1


def _change_signature(bundle: dict[str, Any], index: int) -> None:
    lines = bundle["checkpoint"].split("\n")
    signature = lines[-2]  # the note ends with a newline
    prefix, _, encoded = signature.rpartition(" ")
    lines[-2] = f"{prefix} {_flip_base64(encoded)}"
    bundle["checkpoint"] = "\n".join(lines)


def _change_checkpoint_size(bundle: dict[str, Any], index: int) -> None:
    origin, size, rest = bundle["checkpoint"].split("\n", 2)
    bundle["checkpoint"] = f"{origin}\n{int(size) + 1}\n{rest}"


def _repeat_entry(bundle: dict[str, Any], index: int) -> None:
    bundle["entries"].append(copy.deepcopy(bundle["entries"][-1]))


def _reorder_entries(bundle: dict[str, Any], index: int) -> None:
    bundle["entries"].reverse()


def _change_document_hash(bundle: dict[str, Any], index: int) -> None:
    bundle["documents"][0]["sha256"] = hashlib.sha256(b"another statement").hexdigest()


def _change_document_size(bundle: dict[str, Any], index: int) -> None:
    bundle["documents"][0]["size"] += 1


def _mangle_document_hash(bundle: dict[str, Any], index: int) -> None:
    bundle["documents"][0]["sha256"] = bundle["documents"][0]["sha256"].upper()


def _document_outside_the_folder(bundle: dict[str, Any], index: int) -> None:
    bundle["documents"][0]["name"] = "../statement.txt"


def _change_format(bundle: dict[str, Any], index: int) -> None:
    bundle["format"] = "agilegov-evidence-bundle/2"


# What is changed, in which entry ("private", "public" or None), and what the
# refusal must say ({index} is the entry's index).
TAMPERING: list[tuple[Callable[[dict[str, Any], int], None], str | None, str]] = [
    (_change_payload, "public", "entry {index}: the event's fields do not give the leaf"),
    (_change_payload, "private", "entry {index}: the event's fields do not give the leaf"),
    (_change_salt, "private", "entry {index}: the event's fields do not give the leaf"),
    (_drop_salt, "private", "entry {index}: the event's fields do not give the leaf"),
    (_change_event_time, "public", "entry {index}: the event's fields do not give the leaf"),
    (_change_proof_node, "public", "entry {index}: the leaf is not in the log at {index}"),
    (_drop_proof_node, "private", "entry {index}: the leaf is not in the log at {index}"),
    (_change_leaf, "private", "entry {index}: the leaf is not in the log at {index}"),
    (_change_index, "public", "entry {next}: the leaf is not in the log at {next}"),
    (_change_signature, None, "checkpoint: "),
    (_change_checkpoint_size, None, "checkpoint: "),
    (_repeat_entry, None, "indexes are not distinct and ascending"),
    (_reorder_entries, None, "indexes are not distinct and ascending"),
    (_change_document_hash, None, "document 'statement.txt' does not have its sha256"),
    (_change_document_size, None, "document 'statement.txt' has 37 bytes, not 38"),
    (_mangle_document_hash, None, "sha256 is not 64 lowercase hex digits"),
    (_document_outside_the_folder, None, "document 0 has no plain file name"),
    (_change_format, None, "format is not agilegov-evidence-bundle/1"),
]


def test_each_change_to_a_bundle_is_refused_naming_it(made) -> None:
    files = {DOCUMENT["name"]: STATEMENT}
    assert len(STATEMENT) == 37
    public = made["indexes"][0]
    accepted = []
    for change, which, expected in TAMPERING:
        index = {"private": made["private"], "public": public, None: public}[which]
        tampered = copy.deepcopy(made["bundle"])
        change(tampered, index)
        message = expected.format(index=index, next=index + 1)
        try:
            verify_bundle(tampered, made["key"], files)
        except BundleError as problem:
            assert message in str(problem), (change.__name__, str(problem))
            continue
        accepted.append(change.__name__)
    assert accepted == []


def test_another_key_and_other_files_are_refused(made) -> None:
    bundle, key = made["bundle"], made["key"]
    stranger = notes.verifier_key(notes.generate_signer(ORIGIN))
    with pytest.raises(BundleError, match=r"checkpoint: .*no signature by a known key"):
        verify_bundle(bundle, stranger)
    with pytest.raises(BundleError, match="does not have its sha256"):
        verify_bundle(bundle, key, {DOCUMENT["name"]: STATEMENT.upper()})
    with pytest.raises(BundleError, match=re.escape("document 'statement.txt' is missing")):
        verify_bundle(bundle, key, {"other.txt": STATEMENT})
    with pytest.raises(BundleError, match="the verifier key: "):
        verify_bundle(bundle, "not a key")
    with pytest.raises(BundleError, match="the bundle has no checkpoint"):
        verify_bundle({**bundle, "checkpoint": None}, key)


def _run(url: str, *args: Any) -> Result:
    """``agilegov`` on the database at ``url``, as an operator runs it."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            cli, [str(arg) for arg in args], env={"AGILEGOV_DATABASE_URL": url}
        )
    finally:
        get_settings.cache_clear()


def _said(result: Result) -> str:
    """The command's output on one line (rich wraps long messages)."""
    return " ".join(result.output.split())


def test_the_command_verifies_a_bundle_file(made, database_url, world, tmp_path: Path) -> None:
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(made["bundle"]))
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / DOCUMENT["name"]).write_bytes(STATEMENT)
    key = made["key"]

    result = _run(
        database_url, "record", "verify", "--bundle", file, "--key", key, "--documents", folder
    )
    assert result.exit_code == 0, result.output
    said = _said(result)
    size = _size(world.uow)
    assert f"bundle ok: 3 entries are in {ORIGIN} at size {size}" in said
    assert "documents checked against their SHA-256: 1" in said
    for index in made["indexes"]:
        assert f" {index} " in said
    assert "complaint.noted" in said
    # Without --key, the command trusts this server's own key: the same one.
    assert _run(database_url, "record", "verify", "--bundle", file).exit_code == 0

    (folder / DOCUMENT["name"]).write_bytes(b"changed")
    refused = _run(database_url, "record", "verify", "--bundle", file, "--documents", folder)
    assert refused.exit_code == 1
    assert "document 'statement.txt' has 7 bytes, not 37" in _said(refused)

    tampered = copy.deepcopy(made["bundle"])
    _change_payload(tampered, made["private"])
    file.write_text(json.dumps(tampered))
    refused = _run(database_url, "record", "verify", "--bundle", file, "--key", key)
    assert refused.exit_code == 1
    assert f"entry {made['private']}: the event's fields do not give the leaf" in _said(refused)
    alone = _run(database_url, "record", "verify", "--documents", folder)
    assert alone.exit_code == 1 and "--documents goes with --bundle" in _said(alone)
