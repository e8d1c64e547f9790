"""The verifiable record, as an auditor relies on it.

Every state change is an event appended as a leaf of an RFC 6962 Merkle log in
the same transaction; private payloads enter the log only as salted
commitments; the API serves signed checkpoints, proofs and receipts that check
offline; ``agilegov record verify`` recomputes the whole log and names the first
bad index when the database was tampered with; parallel writers never fork the
tree; and a database written before the log existed migrates into a clean one.

Everything runs on SQLite and on PostgreSQL.
"""

import base64
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import Result
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from agilegov import migrations, scoped
from agilegov.analysis.service import IMPACT, STAKEHOLDER
from agilegov.auth import Principal
from agilegov.cli import app as cli
from agilegov.db import JSONType, UTCDateTime, make_engine, make_session_factory
from agilegov.demo.scenario import load_demo
from agilegov.errors import InvalidInput
from agilegov.organizations.schemas import UserCreate
from agilegov.organizations.service import create_user, issue_token, revoke_token
from agilegov.record import checkpoints, log, merkle, notes
from agilegov.record.audit import MIN_CHUNK, AuditResult, audit
from agilegov.record.canonical import canonical_json
from agilegov.record.log import NewEvent
from agilegov.record.models import APPEND_ONLY_SQLITE, Checkpoint, Event, LogHead, MerkleNode
from agilegov.record.verify import ReceiptError, verify_receipt
from agilegov.scopes import service as scopes_service
from agilegov.scopes.schemas import ScopeCreate, ScopeUpdate
from agilegov.scopes.service import update_scope
from agilegov.settings import Settings, get_settings
from agilegov.uow import UnitOfWork
from api_helpers import API, PROBLEM_JSON, assert_problem, bearer, make_client, ok
from builders import change, condition, impact, new_scope, stakeholder

ORIGIN = Settings().log_origin
PRIVATE_SUBJECTS = {"user", "api_token", "membership"}


# ---------------------------------------------------------------- helpers


def _events(uow: UnitOfWork, **where: Any) -> list[Event]:
    with uow:
        query = select(Event).filter_by(**where).order_by(Event.leaf_index)
        events = list(uow.session.scalars(query))
        uow.session.expunge_all()  # kept as read, past the end of the transaction
        return events


def _log_state(uow: UnitOfWork) -> dict[str, Any]:
    """Everything the log is made of: head, nodes, leaves (and the checkpoints)."""
    with uow:
        session = uow.session
        return {
            "head": session.execute(select(LogHead.size, LogHead.frontier)).all(),
            "nodes": dict(session.execute(select(MerkleNode.leaf_index, MerkleNode.hashes)).all()),
            "leaves": session.execute(
                select(Event.leaf_index, Event.leaf).order_by(Event.leaf_index)
            ).all(),
            "checkpoints": session.execute(select(Checkpoint.size, Checkpoint.root)).all(),
        }


def _grow(uow: UnitOfWork, actor: Principal, scope_id: int, count: int, tag: str = "") -> None:
    for number in range(count):
        stakeholder(uow, actor, scope_id, name=f"Group {tag}{number}")


def _size(uow: UnitOfWork) -> int:
    with uow:
        return log.log_size(uow.session)


def _audit(uow: UnitOfWork, sizes: tuple[int, ...] = ()) -> AuditResult:
    with uow:
        return audit(uow.session, sizes=sizes)


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _commitment(payload: dict[str, Any], salt: bytes) -> str:
    return "sha256:" + hashlib.sha256(salt + canonical_json(payload)).hexdigest()


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


def _log_signer() -> notes.Signer:
    return notes.load_signer(Settings().log_key_file)


@contextmanager
def _without_append_only_guard(engine: Engine) -> Iterator[None]:
    """The events table as someone holding the database's own keys has it:
    the append-only triggers out of the way, back in place afterwards."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        if sqlite:
            connection.execute(text("DROP TRIGGER events_no_update"))
            connection.execute(text("DROP TRIGGER events_no_delete"))
        else:
            connection.execute(
                text("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
            )
    try:
        yield
    finally:
        with engine.begin() as connection:
            if sqlite:
                for statement in APPEND_ONLY_SQLITE:
                    connection.execute(text(statement))
            else:
                connection.execute(
                    text("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")
                )


def _raw_event(number: int, private: bool = False) -> NewEvent:
    return NewEvent(
        time=datetime.now(UTC),
        type="test.written",
        subject_type="test",
        subject_id=number,
        actor_id=None,
        organization_id=None,
        scope_id=None,
        payload={"number": number},
        private=private,
    )


# ---------------------------------------------------------------- 1. one leaf per event


def test_every_write_appends_one_leaf_per_event_densely(world) -> None:
    uow, owner, editor = world.uow, world.owner, world.editor
    counts = []

    def counted() -> tuple[int, int, int]:
        with uow:
            session = uow.session
            events = session.scalar(select(func.count()).select_from(Event))
            leaves = session.scalar(select(func.count()).select_from(MerkleNode))
            return events, log.log_size(session), leaves

    scope_id = new_scope(uow, owner, world.business_id)
    applicants = stakeholder(uow, editor, scope_id)
    calls: list[Callable[[], Any]] = [
        lambda: stakeholder(uow, editor, scope_id, name="Recruiters", category="regulator"),
        lambda: impact(uow, editor, scope_id, applicants.id),
        lambda: change(uow, editor, scope_id, STAKEHOLDER, applicants.id, name="Job applicants"),
        lambda: condition(uow, editor, scope_id),
        lambda: update_scope(uow, owner, scope_id, ScopeUpdate(visibility="public")),
        lambda: stakeholder(uow, editor, scope_id, name="Public"),
        lambda: issue_token(uow, world.viewer, "laptop"),
    ]
    counts.append(counted())
    for call in calls:
        call()
        counts.append(counted())
    [harm] = _events(uow, type="impact.created")
    scoped.delete_item(uow, editor, scope_id, IMPACT, harm.subject_id)
    counts.append(counted())

    # Events, the log's size and the leaves of the tree move together, and every call appended.
    for events, size, leaves in counts:
        assert events == size == leaves
    assert all(later[0] > earlier[0] for earlier, later in pairwise(counts))

    events = _events(uow)
    count = len(events)
    assert [event.leaf_index for event in events] == list(range(count))
    for event in events:
        assert event.leaf == log.event_leaf(event)
        assert json.loads(event.leaf)["index"] == event.leaf_index
    hashes = [merkle.leaf_hash(event.leaf) for event in events]
    with uow:
        size, root = log.current_root(uow.session)
        nodes = dict(uow.session.execute(select(MerkleNode.leaf_index, MerkleNode.hashes)).all())
    assert size == count and root == merkle.root(hashes)
    # One entry per leaf, starting with its leaf hash ...
    assert [nodes[i][: merkle.HASH_SIZE] for i in range(count)] == hashes
    # ... and one stored node per complete subtree, no more.
    stored = sum(len(entry) for entry in nodes.values()) // merkle.HASH_SIZE
    assert stored == sum(count >> level for level in range(count.bit_length()))
    assert _audit(uow) == AuditResult(count, root, None, None, {})


def test_a_refused_write_leaves_the_log_as_it_was(world, monkeypatch) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    stakeholder(uow, world.editor, scope_id)
    before = _log_state(uow)
    size = len(before["leaves"])

    with pytest.raises(InvalidInput):
        scopes_service.create_scope(
            uow,
            world.owner,
            ScopeCreate(organization_id=10**6, name="Nowhere", kind="ai_system"),
        )
    with pytest.raises(InvalidInput):
        impact(uow, world.editor, scope_id, 10**6)
    assert _log_state(uow) == before

    # A call that fails after its event was appended: the leaf, its nodes and
    # the head's move go with the rest of the transaction.
    appended: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> int:
        index = record_event(*args, **kwargs)
        appended.append(index)
        return index

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise InvalidInput.on("cycle", "refused by the test, after the event")

    record_event = scopes_service.record_event
    monkeypatch.setattr(scopes_service, "record_event", spy)
    monkeypatch.setattr(scopes_service, "start_cycle", refuse)
    with pytest.raises(InvalidInput, match="refused by the test"):
        new_scope(uow, world.owner, world.business_id, name="Doomed")
    assert appended == [size]
    assert _log_state(uow) == before

    monkeypatch.undo()
    stakeholder(uow, world.editor, scope_id, name="Next")
    assert [e.leaf_index for e in _events(uow)] == list(range(size + 1))
    assert _audit(uow).first_bad_index is None


def test_concurrent_first_appends_to_an_empty_log_all_land(engine: Engine) -> None:
    """A log with no head row yet (a schema made from the models): the first
    appends race to create it, and none of them may fail."""
    factory = make_session_factory(engine)
    writers = 4
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        session = factory()
        try:
            barrier.wait(timeout=10)
            log.append(session, [_raw_event(number)])
            session.commit()
        except BaseException as problem:  # reported below
            failures.append(problem)
        finally:
            session.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    uow = UnitOfWork(factory)
    assert [e.leaf_index for e in _events(uow)] == list(range(writers))
    assert sorted(e.subject_id for e in _events(uow)) == list(range(writers))
    assert _audit(uow).first_bad_index is None


# ---------------------------------------------------------------- 2. privacy


def test_a_private_scope_commits_to_payloads_until_it_is_published(world) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    stakeholder(uow, world.editor, scope_id)
    private = _events(uow, scope_id=scope_id)
    assert {e.type for e in private} >= {"scope.created", "stakeholder.created"}
    for event in private:
        leaf = json.loads(event.leaf)
        assert "payload" not in leaf
        assert event.payload_salt is not None and len(event.payload_salt) == 32
        assert leaf["payload_commitment"] == _commitment(event.payload, event.payload_salt)
        assert leaf["scope"] == scope_id and leaf["subject"]["type"] == event.subject_type
    assert len({e.payload_salt for e in private}) == len(private)  # a fresh salt each

    update_scope(uow, world.owner, scope_id, ScopeUpdate(visibility="public"))
    stakeholder(uow, world.editor, scope_id, name="Public")
    after = _events(uow, scope_id=scope_id)[len(private) :]
    assert [e.type for e in after] == ["scope.updated", "stakeholder.created"]
    for event in after:
        leaf = json.loads(event.leaf)
        assert event.payload_salt is None and "payload_commitment" not in leaf
        assert leaf["payload"] == event.payload
    # Publishing rewrites nothing: the earlier leaves are as they were.
    assert [e.leaf for e in _events(uow, scope_id=scope_id)[: len(private)]] == [
        e.leaf for e in private
    ]


def test_events_about_people_and_access_are_committed(world) -> None:
    uow = world.uow
    token = issue_token(uow, world.viewer, "spare")
    revoke_token(uow, world.viewer, token.id)
    events = _events(uow)
    subjects = {e.subject_type for e in events}
    assert subjects >= PRIVATE_SUBJECTS | {"organization"}
    assert "api_token.revoked" in {e.type for e in events}
    for event in events:
        leaf = json.loads(event.leaf)
        if event.subject_type in PRIVATE_SUBJECTS:
            assert "payload" not in leaf, event.type
            assert leaf["payload_commitment"] == _commitment(event.payload, event.payload_salt)
        else:  # organizations are public
            assert leaf["payload"] == event.payload and event.payload_salt is None


def test_an_entry_shows_a_private_event_to_its_organization_only(database_url, world) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    stakeholder(uow, world.editor, scope_id)
    event = _events(uow, type="stakeholder.created")[-1]
    user = _events(uow, type="user.created", subject_id=world.viewer.user_id)[0]
    path = f"{API}/record/entries/{event.leaf_index}"
    with make_client(database_url) as client:
        for who in (None, "outsider"):
            entry = ok(client.get(path, headers=bearer(world.tokens[who]) if who else {}))
            assert entry == {
                "index": event.leaf_index,
                "leaf": base64.b64encode(event.leaf).decode(),
                "event": None,
                "payload_salt": None,
            }
        entry = ok(client.get(path, headers=bearer(world.tokens["viewer"])))
        assert _b64(entry["leaf"]) == event.leaf
        assert entry["event"]["payload"] == event.payload
        assert entry["event"]["leaf_index"] == event.leaf_index
        salt = _b64(entry["payload_salt"])
        assert json.loads(event.leaf)["payload_commitment"] == _commitment(
            entry["event"]["payload"], salt
        )

        # A person's own events: to them only.
        user_path = f"{API}/record/entries/{user.leaf_index}"
        assert ok(client.get(user_path, headers=bearer(world.tokens["owner"])))["event"] is None
        assert ok(client.get(user_path))["event"] is None
        mine = ok(client.get(user_path, headers=bearer(world.tokens["viewer"])))
        assert mine["event"]["payload"] == user.payload

        # Publishing the scope opens its history, salts included, to everyone.
        update_scope(uow, world.owner, scope_id, ScopeUpdate(visibility="public"))
        opened = ok(client.get(path))
        assert opened["event"]["payload"] == event.payload
        assert _b64(opened["payload_salt"]) == salt


# ---------------------------------------------------------------- 3. the API


def _verifier(client: Any) -> tuple[str, notes.Verifier]:
    response = client.get(f"{API}/record/key")
    assert response.status_code == 200 and response.text.endswith("\n")
    key = response.text.strip()
    return key, notes.parse_verifier_key(key)


def _checkpoint(client: Any, verifier: notes.Verifier) -> notes.Checkpoint:
    response = client.get(f"{API}/record/checkpoint")
    assert response.status_code == 200, response.text
    return notes.open_checkpoint(response.text, verifier, client.app.state.settings.log_origin)


def test_the_signed_checkpoint_is_the_log(database_url, world) -> None:
    uow = world.uow
    with make_client(database_url) as client:
        _, verifier = _verifier(client)
        assert verifier.name == ORIGIN
        first = _checkpoint(client, verifier)
        audited = _audit(uow)
        assert (
            (first.size, first.root) == (audited.size, audited.root) == (_size(uow), audited.root)
        )
        assert first.origin == ORIGIN
        # Asking again signs nothing new, and a checkpoint is no event.
        again = client.get(f"{API}/record/checkpoint").text
        assert again == client.get(f"{API}/record/checkpoint").text
        assert _size(uow) == first.size
        # A note signed by another key does not open with the log's key.
        with pytest.raises(notes.NoteError):
            notes.open_checkpoint(
                notes.sign_checkpoint(first, notes.generate_signer(ORIGIN)), verifier
            )
        scope_id = new_scope(uow, world.owner, world.business_id)
        _grow(uow, world.editor, scope_id, 3)
        second = _checkpoint(client, verifier)
        assert second.size == _size(uow) > first.size
        assert second.root == _audit(uow).root
        with uow:
            assert uow.session.scalar(select(func.count()).select_from(Checkpoint)) == 2


def test_inclusion_and_consistency_proofs_verify_against_signed_checkpoints(
    database_url, world
) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    with make_client(database_url) as client:
        _, verifier = _verifier(client)
        signed = [_checkpoint(client, verifier)]
        for grow in (1, 5, 14):
            _grow(uow, world.editor, scope_id, grow, tag=f"{grow}-")
            signed.append(_checkpoint(client, verifier))
        leaves = [e.leaf for e in _events(uow)]
        assert [c.size for c in signed][-1] == len(leaves)

        for checkpoint in signed:
            size = checkpoint.size
            with uow:
                assert log.root_at(uow.session, size) == checkpoint.root
            assert (
                merkle.root([merkle.leaf_hash(leaf) for leaf in leaves[:size]]) == checkpoint.root
            )
            for index in sorted({0, 1, size // 2, size - 2, size - 1}):
                body = ok(
                    client.get(
                        f"{API}/record/proof/inclusion", params={"index": index, "size": size}
                    )
                )
                assert (body["index"], body["size"]) == (index, size)
                leaf_hash = merkle.leaf_hash(leaves[index])
                assert _b64(body["leaf_hash"]) == leaf_hash
                assert _b64(body["root"]) == checkpoint.root
                proof = [_b64(node) for node in body["proof"]]
                assert len(proof) == notes.inclusion_proof_length(index, size)
                merkle.verify_inclusion(index, size, leaf_hash, proof, checkpoint.root)
                # The same proof does not carry another leaf, or this leaf elsewhere.
                other = merkle.leaf_hash(leaves[(index + 1) % size])
                if other != leaf_hash:
                    with pytest.raises(merkle.ProofError):
                        merkle.verify_inclusion(index, size, other, proof, checkpoint.root)

        for old, new in combinations(signed, 2):
            body = ok(
                client.get(
                    f"{API}/record/proof/consistency", params={"from": old.size, "to": new.size}
                )
            )
            assert _b64(body["from_root"]) == old.root and _b64(body["to_root"]) == new.root
            proof = [_b64(node) for node in body["proof"]]
            merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
            with pytest.raises(merkle.ProofError):
                forged = hashlib.sha256(b"another history").digest()
                merkle.verify_consistency(old.size, new.size, forged, new.root, proof)
        last = signed[-1].size
        same = ok(client.get(f"{API}/record/proof/consistency", params={"from": last, "to": last}))
        assert same["proof"] == [] and same["from_root"] == same["to_root"]


def _receipt_setup(database_url: str, world: Any) -> dict[str, Any]:
    """Receipts of a private event (for a member and for anyone) and of a public one."""
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    stakeholder(uow, world.editor, scope_id)
    private = _events(uow, type="stakeholder.created")[-1]
    published = new_scope(uow, world.owner, world.business_id, name="Open", visibility="public")
    stakeholder(uow, world.editor, published, name="Citizens")
    public = _events(uow, type="stakeholder.created")[-1]
    _grow(uow, world.editor, scope_id, 2)  # neither event is the last leaf
    with make_client(database_url) as client:
        key, _ = _verifier(client)
        path = f"{API}/record/receipts"
        return {
            "key": key,
            "private": private,
            "public": public,
            "member": ok(
                client.get(f"{path}/{private.leaf_index}", headers=bearer(world.tokens["viewer"]))
            ),
            "anyone": ok(client.get(f"{path}/{private.leaf_index}")),
            "public_receipt": ok(client.get(f"{path}/{public.leaf_index}")),
        }


def test_receipts_verify_offline(database_url, world, tmp_path) -> None:
    made = _receipt_setup(database_url, world)
    key, private = made["key"], made["private"]
    size = _size(world.uow)

    member = verify_receipt(made["member"], key)
    assert member.event_checked and member.index == private.leaf_index
    assert (member.size, member.origin) == (size, ORIGIN)
    assert member.leaf == json.loads(private.leaf)

    anyone = made["anyone"]
    assert anyone["event"] is None and anyone["payload_salt"] is None
    checked = verify_receipt(anyone, key)
    assert not checked.event_checked and checked.leaf == json.loads(private.leaf)
    assert "payload" not in checked.leaf

    public = verify_receipt(made["public_receipt"], key)
    assert public.event_checked and public.leaf["payload"] == made["public"].payload

    for name, what in (("member", "event and leaf"), ("anyone", "leaf")):
        file = tmp_path / f"{name}.json"
        file.write_text(json.dumps(made[name]))
        result = _run(database_url, "record", "verify", "--receipt", file, "--key", key)
        assert result.exit_code == 0, result.output
        assert f"receipt ok: {what} {private.leaf_index} is in {ORIGIN} at size {size}" in _said(
            result
        )
    # Without --key, the command trusts this server's own key: the same one.
    assert _run(database_url, "record", "verify", "--receipt", file).exit_code == 0
    stranger = notes.verifier_key(notes.generate_signer(ORIGIN))
    refused = _run(database_url, "record", "verify", "--receipt", file, "--key", stranger)
    assert refused.exit_code == 1 and "no signature by a known key" in _said(refused)


def _changed_char(text: str, position: int) -> str:
    replacement = "A" if text[position] != "A" else "B"
    return text[:position] + replacement + text[position + 1 :]


def _changed_values(value: Any) -> Iterator[Any]:
    """Every way of changing one scalar inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            for changed in _changed_values(item):
                yield {**value, key: changed}
    elif isinstance(value, list):
        for position, item in enumerate(value):
            for changed in _changed_values(item):
                yield [*value[:position], changed, *value[position + 1 :]]
    elif isinstance(value, bool) or value is None:
        yield "changed" if value is None else not value
    elif isinstance(value, int | float):
        yield value + 1
    elif isinstance(value, str):
        yield value + "x"


def test_a_receipt_with_one_changed_byte_is_refused(database_url, world) -> None:
    made = _receipt_setup(database_url, world)
    key = made["key"]
    mutants: list[tuple[str, dict[str, Any]]] = []
    for name in ("member", "anyone", "public_receipt"):
        receipt = made[name]
        verify_receipt(receipt, key)
        proof_text = receipt["tlog_proof"]
        # Any character of the proof text: header, index, proof hashes, the
        # checkpoint's origin, size, root and signature line.
        for position in range(len(proof_text)):
            mutants.append(
                (
                    f"{name} tlog_proof[{position}]",
                    receipt | {"tlog_proof": _changed_char(proof_text, position)},
                )
            )
        # Any bit of the leaf.
        leaf = _b64(receipt["leaf"])
        for position in range(len(leaf)):
            flipped = leaf[:position] + bytes([leaf[position] ^ 1]) + leaf[position + 1 :]
            mutants.append(
                (f"{name} leaf[{position}]", receipt | {"leaf": base64.b64encode(flipped).decode()})
            )
        # One proof line swapped for another hash, or dropped.
        lines = proof_text.split("\n")
        first_hash = lines.index(f"index {receipt['index']}") + 1
        swapped = [*lines]
        swapped[first_hash] = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
        mutants.append((f"{name} proof line", receipt | {"tlog_proof": "\n".join(swapped)}))
        dropped = lines[:first_hash] + lines[first_hash + 1 :]
        mutants.append((f"{name} proof line dropped", receipt | {"tlog_proof": "\n".join(dropped)}))
        # The receipt claims another index than it proves.
        mutants.append((f"{name} index", receipt | {"index": receipt["index"] + 1}))
        event = receipt["event"]
        if event is None:
            continue
        # Any field of the event but its database id (which the leaf does not hold).
        for field, value in event.items():
            if field == "id":
                continue
            for changed in _changed_values(value):
                mutants.append(
                    (f"{name} event.{field}", receipt | {"event": event | {field: changed}})
                )
        for field in event:
            if field != "id":
                without = {k: v for k, v in event.items() if k != field}
                mutants.append((f"{name} event without {field}", receipt | {"event": without}))
        later = datetime.fromisoformat(event["time"]) + timedelta(microseconds=1)
        mutants.append(
            (f"{name} event time", receipt | {"event": event | {"time": later.isoformat()}})
        )
        salt = receipt["payload_salt"]
        if salt is None:
            mutants.append(
                (
                    f"{name} salt added",
                    receipt | {"payload_salt": base64.b64encode(b"s" * 32).decode()},
                )
            )
        else:
            raw = _b64(salt)
            for position in range(len(raw)):
                flipped = raw[:position] + bytes([raw[position] ^ 1]) + raw[position + 1 :]
                mutants.append(
                    (
                        f"{name} salt[{position}]",
                        receipt | {"payload_salt": base64.b64encode(flipped).decode()},
                    )
                )
            mutants.append((f"{name} salt dropped", receipt | {"payload_salt": None}))
    assert len(mutants) > 1000
    accepted = []
    for label, mutant in mutants:
        try:
            verify_receipt(mutant, key)
        except ReceiptError:
            continue
        accepted.append(label)
    assert accepted == []


OUT_OF_RANGE = [
    "/record/entries/-1",
    "/record/entries/{size}",
    "/record/entries/{beyond}",
    f"/record/entries/{2**62}",
    f"/record/entries/{2**62 + 1}",
    f"/record/entries/{2**63}",
    f"/record/entries/{10**30}",
    "/record/entries/abc",
    "/record/entries/1.5",
    "/record/entries/0x1",
    "/record/receipts/-1",
    "/record/receipts/{size}",
    f"/record/receipts/{10**30}",
    "/record/receipts/one",
    "/record/proof/inclusion?index=-1&size=1",
    "/record/proof/inclusion?index=0&size=0",
    "/record/proof/inclusion?index=0&size=-1",
    "/record/proof/inclusion?index=0&size={beyond}",
    "/record/proof/inclusion?index={size}&size={size}",
    "/record/proof/inclusion?index=3&size=2",
    f"/record/proof/inclusion?index=0&size={2**62}",
    f"/record/proof/inclusion?index={10**30}&size=1",
    f"/record/proof/inclusion?index=0&size={10**30}",
    "/record/proof/inclusion?index=a&size=1",
    "/record/proof/inclusion?index=0&size=x",
    "/record/proof/inclusion?index=0",
    "/record/proof/inclusion?size=1",
    "/record/proof/inclusion",
    "/record/proof/consistency?from=0&to=1",
    "/record/proof/consistency?from=-1&to=1",
    "/record/proof/consistency?from=1&to=0",
    "/record/proof/consistency?from=2&to=1",
    "/record/proof/consistency?from=1&to={beyond}",
    "/record/proof/consistency?from={beyond}&to={beyond}",
    f"/record/proof/consistency?from=1&to={2**62}",
    f"/record/proof/consistency?from={10**30}&to=1",
    f"/record/proof/consistency?from=1&to={10**30}",
    "/record/proof/consistency?from=x&to=1",
    "/record/proof/consistency?from=1",
    "/record/proof/consistency",
]


def test_out_of_range_proofs_and_entries_are_problems(database_url, world) -> None:
    size = _size(world.uow)
    with make_client(database_url) as client:
        for template in OUT_OF_RANGE:
            path = API + template.format(size=size, beyond=size + 1)
            response = client.get(path)
            assert 400 <= response.status_code < 500, f"{path}: {response.status_code}"
            assert response.headers["content-type"].startswith(PROBLEM_JSON), path
            assert_problem(response, response.status_code)
        # The edges inside the range answer.
        for path in (
            f"/record/entries/{size - 1}",
            f"/record/proof/inclusion?index={size - 1}&size={size}",
            f"/record/proof/consistency?from=1&to={size}",
            f"/record/receipts/{size - 1}",
        ):
            ok(client.get(API + path))


def test_a_receipt_asked_for_while_the_log_grows_still_verifies(
    database_url, engine, world, monkeypatch
) -> None:
    """The event may be appended after the request began: its receipt must
    still be proved in a checkpoint that holds it."""
    size = _size(world.uow)
    real_get_entry = checkpoints.get_entry
    grown: list[int] = []

    def get_entry_while_growing(*args: Any, **kwargs: Any) -> Any:
        if not grown:
            session = make_session_factory(engine)()
            try:
                grown.extend(log.append(session, [_raw_event(1)]))
                session.commit()
            finally:
                session.close()
        return real_get_entry(*args, **kwargs)

    monkeypatch.setattr(checkpoints, "get_entry", get_entry_while_growing)
    with make_client(database_url) as client:
        key, _ = _verifier(client)
        receipt = ok(client.get(f"{API}/record/receipts/{size}"))
    assert grown == [size]
    checked = verify_receipt(receipt, key)
    assert (checked.index, checked.size) == (size, size + 1)
    assert checked.leaf["index"] == size and receipt["event"] is None  # nobody's to read


# ---------------------------------------------------------------- 4. agilegov record verify


def test_verify_an_intact_migrated_log_and_a_saved_checkpoint(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'record.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        uow = UnitOfWork(make_session_factory(engine))
        load_demo(uow)
        size = _size(uow)
        assert size > 50

        result = _run(url, "record", "verify")
        assert result.exit_code == 0, result.output
        assert f"all {size} entries recomputed" in _said(result)
        assert f"checkpoint at size {size} agree" in _said(result)

        key = _run(url, "record", "key").stdout.strip()
        verifier = notes.parse_verifier_key(key)
        assert key == notes.verifier_key(_log_signer())
        saved = tmp_path / "checkpoint.txt"
        result = _run(url, "record", "checkpoint", "-o", saved)
        assert result.exit_code == 0, result.output
        earlier = notes.open_checkpoint(saved.read_text(), verifier, ORIGIN)
        assert earlier.size == size
        assert _run(url, "record", "checkpoint").stdout == saved.read_text()

        load_demo(uow)  # loaded already: only new tokens, on the record
        grown = _size(uow)
        assert grown > size
        result = _run(url, "record", "verify", "--since", saved, "--key", key)
        assert result.exit_code == 0, result.output
        assert f"all {grown} entries recomputed" in _said(result)
        assert f"consistent with the checkpoint at size {size}" in _said(result)
    finally:
        engine.dispose()


def test_verify_since_refuses_a_forged_saved_checkpoint(database_url, world, tmp_path) -> None:
    uow = world.uow
    saved = tmp_path / "checkpoint.txt"
    assert _run(database_url, "record", "checkpoint", "-o", saved).exit_code == 0
    earlier = notes.open_checkpoint(saved.read_text(), _log_signer().verifier, ORIGIN)
    scope_id = new_scope(uow, world.owner, world.business_id)
    _grow(uow, world.editor, scope_id, 2)
    result = _run(database_url, "record", "verify", "--since", saved)
    assert result.exit_code == 0, result.output

    forgeries = {
        "another key": (
            notes.sign_checkpoint(earlier, notes.generate_signer(ORIGIN)),
            "no signature by a known key",
        ),
        "another root": (
            notes.sign_checkpoint(
                notes.Checkpoint(ORIGIN, earlier.size, hashlib.sha256(b"forged").digest()),
                _log_signer(),
            ),
            f"the log at size {earlier.size} does not have that root",
        ),
        "a longer log": (
            notes.sign_checkpoint(
                notes.Checkpoint(ORIGIN, _size(uow) + 5, earlier.root), _log_signer()
            ),
            f"the log at size {_size(uow) + 5} does not have that root",
        ),
        "another origin": (
            notes.sign_checkpoint(
                notes.Checkpoint("elsewhere.example/log", earlier.size, earlier.root),
                _log_signer(),
            ),
            "is not the expected",
        ),
    }
    for name, (note, message) in forgeries.items():
        forged = tmp_path / f"{name}.txt"
        forged.write_text(note)
        result = _run(database_url, "record", "verify", "--since", forged)
        assert result.exit_code == 1, (name, result.output)
        assert message in _said(result), (name, result.output)


def _set_node(session: Session, level: int, index: int, value: bytes | None) -> None:
    """Replace one stored node's hash, or with ``None`` cut it (and the nodes
    above it that the same leaf completes) from its leaf's entry."""
    leaf = merkle.last_leaf((level, index))
    where = MerkleNode.leaf_index == leaf
    entry = session.scalar(select(MerkleNode.hashes).where(where))
    offset = level * merkle.HASH_SIZE
    if value is None:
        changed = entry[:offset]
    else:
        changed = entry[:offset] + value + entry[offset + merkle.HASH_SIZE :]
    session.execute(update(MerkleNode).where(where).values(hashes=changed))


def _forged_hash(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def _tamper_payload(session: Session, size: int) -> int:
    event = session.scalars(select(Event).where(Event.leaf_index == 13)).one()
    session.execute(
        update(Event).where(Event.id == event.id).values(payload={**event.payload, "forged": 1})
    )
    return 13


def _tamper_leaf(session: Session, size: int) -> int:
    leaf = session.scalar(select(Event.leaf).where(Event.leaf_index == 7))
    session.execute(update(Event).where(Event.leaf_index == 7).values(leaf=leaf + b" "))
    return 7


def _tamper_node(level: int, index: int) -> Callable[[Session, int], int]:
    def tamper(session: Session, size: int) -> int:
        _set_node(session, level, index, _forged_hash("node"))
        return index << level

    return tamper


def _delete_node(level: int, index: int) -> Callable[[Session, int], int]:
    def tamper(session: Session, size: int) -> int:
        _set_node(session, level, index, None)
        return index << level

    return tamper


def _delete_entry(session: Session, size: int) -> int:
    """Leaf 19's whole entry: its leaf hash, node (1, 9) and node (2, 4)."""
    session.execute(delete(MerkleNode).where(MerkleNode.leaf_index == 19))
    return 19


def _extra_bytes(session: Session, size: int) -> int:
    entry = session.scalar(select(MerkleNode.hashes).where(MerkleNode.leaf_index == 20))
    where = MerkleNode.leaf_index == 20
    session.execute(update(MerkleNode).where(where).values(hashes=entry + _forged_hash("extra")))
    return 20


def _delete_last_event(session: Session, size: int) -> int:
    session.execute(delete(Event).where(Event.leaf_index == size - 1))
    return size - 1


def _event_beyond_the_head(session: Session, size: int) -> int:
    """An event slipped in at the end without the head or the tree."""
    new = _raw_event(99)
    leaf = log.leaf_bytes(
        size, new.time, new.type, new.subject_type, None, None, None, None, new.payload, None
    )
    session.execute(
        insert(Event).values(
            leaf_index=size,
            time=new.time,
            type=new.type,
            subject_type=new.subject_type,
            payload=new.payload,
            leaf=leaf,
        )
    )
    return size


def _two_nodes(session: Session, size: int) -> int:
    """Two forged nodes: the one over the lower leaves is named, whatever its level."""
    _set_node(session, 0, 20, _forged_hash("leaf 20"))
    _set_node(session, 2, 1, _forged_hash("node (2, 1)"))
    return 4


def _payload_and_node(session: Session, size: int) -> int:
    _tamper_payload(session, size)  # at 13
    _set_node(session, 1, 3, _forged_hash("node (1, 3)"))  # over leaves 6 and 7
    return 6


TAMPERING: dict[str, Callable[[Session, int], int]] = {
    "payload": _tamper_payload,
    "leaf": _tamper_leaf,
    "node level 1": _tamper_node(1, 5),
    "node level 2": _tamper_node(2, 3),
    "node level 3": _tamper_node(3, 1),
    "node level 4": _tamper_node(4, 1),
    "node deleted": _delete_node(1, 9),
    "leaf node deleted": _delete_node(0, 17),
    "entry deleted": _delete_entry,
    "entry with extra bytes": _extra_bytes,
    "last event deleted": _delete_last_event,
    "event beyond the head": _event_beyond_the_head,
    "two nodes": _two_nodes,
    "payload and node": _payload_and_node,
}


@pytest.mark.parametrize("tampering", list(TAMPERING), ids=list(TAMPERING))
def test_verify_names_the_first_bad_index(database_url, engine, world, tampering) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    _grow(uow, world.editor, scope_id, 16)
    size = _size(uow)
    assert size >= 32
    intact = _run(database_url, "record", "verify", "--jobs", "1")
    assert intact.exit_code == 0, intact.output

    with _without_append_only_guard(engine), engine.begin() as connection:
        session = Session(bind=connection)
        first_bad = TAMPERING[tampering](session, size)
        session.flush()

    # In one process, and in two over chunks of 8 leaves, whose roots (level 3)
    # are joined into the nodes above them (level 4 and up) afterwards.
    for workers, min_chunk in ((1, MIN_CHUNK), (2, 4)):
        for check_content in (True, False):
            with uow:
                result = audit(
                    uow.session, check_content=check_content, workers=workers, min_chunk=min_chunk
                )
            how = (workers, check_content, result.problem)
            if tampering == "payload" and not check_content:
                assert result.first_bad_index is None, how  # only the fields changed
                continue
            assert result.first_bad_index == first_bad, how
    verified = _run(database_url, "record", "verify")
    assert verified.exit_code == 1, verified.output
    assert f"the record is not intact: first bad index {first_bad}:" in _said(verified)


def _rewrite_history(session: Session, index: int) -> None:
    """Change one event and rebuild its leaf, the whole tree and the head to
    match: the database then agrees with itself."""
    event = session.scalars(select(Event).where(Event.leaf_index == index)).one()
    payload = {**event.payload, "name": "Rewritten"}
    leaf = log.leaf_bytes(
        index,
        event.time,
        event.type,
        event.subject_type,
        event.subject_id,
        event.actor_id,
        event.organization_id,
        event.scope_id,
        payload,
        event.payload_salt,
    )
    session.execute(update(Event).where(Event.id == event.id).values(payload=payload, leaf=leaf))
    _rebuild_tree(session)


def _rebuild_tree(session: Session) -> None:
    """Every node and the head, made again from the stored leaves."""
    leaves = session.scalars(select(Event.leaf).order_by(Event.leaf_index)).all()
    grown = merkle.perfect_nodes_after_append(0, [merkle.leaf_hash(x) for x in leaves], {})
    entries = merkle.hashes_by_last_leaf(grown, 0, len(leaves))
    session.execute(delete(MerkleNode))
    session.execute(
        insert(MerkleNode),
        [{"leaf_index": leaf, "hashes": entry} for leaf, entry in enumerate(entries)],
    )
    session.execute(
        update(LogHead)
        .where(LogHead.id == 1)
        .values(
            size=len(leaves),
            frontier=[[lv, i, h.hex()] for (lv, i), h in grown.frontier.items()],
        )
    )


def test_a_consistent_rewrite_is_caught_by_the_signed_checkpoints(
    database_url, engine, world, tmp_path
) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    _grow(uow, world.editor, scope_id, 4)
    saved = tmp_path / "checkpoint.txt"
    assert _run(database_url, "record", "checkpoint", "-o", saved).exit_code == 0
    size = _size(uow)
    target = _events(uow, type="stakeholder.created")[1].leaf_index

    with _without_append_only_guard(engine), engine.begin() as connection:
        session = Session(bind=connection)
        _rewrite_history(session, target)
        session.flush()
    assert _audit(uow).first_bad_index is None  # the tables agree with each other

    # The checkpoint the server signed at this size holds the old root.
    result = _run(database_url, "record", "verify")
    assert result.exit_code == 1
    assert f"the leaves do not give the root signed at size {size}" in _said(result)
    # Even with the server's checkpoints gone, the one the auditor saved stands.
    with engine.begin() as connection:
        connection.execute(delete(Checkpoint))
    result = _run(database_url, "record", "verify", "--since", saved)
    assert result.exit_code == 1
    assert f"the log at size {size} does not have that root" in _said(result)


def test_a_log_cut_short_is_caught_by_the_largest_signed_checkpoint(
    database_url, engine, world
) -> None:
    uow = world.uow
    assert _run(database_url, "record", "checkpoint").exit_code == 0
    size = _size(uow)
    with _without_append_only_guard(engine), engine.begin() as connection:
        session = Session(bind=connection)
        session.execute(delete(Event).where(Event.leaf_index == size - 1))
        _rebuild_tree(session)
        session.flush()
    assert _audit(uow) == AuditResult(size - 1, _audit(uow).root, None, None, {})

    result = _run(database_url, "record", "verify")
    assert result.exit_code == 1
    assert f"the log at size {size} no longer has the root signed for it" in _said(result)
    # Nor is the cut log ever signed.
    assert _run(database_url, "record", "checkpoint").exit_code != 0


def test_verify_refuses_a_replaced_stored_checkpoint(database_url, engine, world) -> None:
    assert _run(database_url, "record", "checkpoint").exit_code == 0
    size = _size(world.uow)
    forged = notes.sign_checkpoint(
        notes.Checkpoint(ORIGIN, size, _forged_hash("root")), notes.generate_signer(ORIGIN)
    )
    with engine.begin() as connection:
        connection.execute(update(Checkpoint).where(Checkpoint.size == size).values(note=forged))
    result = _run(database_url, "record", "verify")
    assert result.exit_code == 1
    assert "no signature by a known key" in _said(result)


# ---------------------------------------------------------------- 5. concurrency


def test_parallel_writers_keep_the_log_dense_and_unforked(database_url, engine, world) -> None:
    uow = world.uow
    scope_id = new_scope(uow, world.owner, world.business_id)
    start = _size(uow)
    writers, writes, appenders, batches, batch = 4, 25, 2, 5, 5
    barrier = threading.Barrier(writers + appenders + 1)
    failures: list[BaseException] = []

    def write_items(worker: int) -> None:
        mine = UnitOfWork(make_session_factory(engine))
        try:
            barrier.wait(timeout=10)
            for number in range(writes):
                scoped.create_item(
                    mine,
                    world.editor,
                    scope_id,
                    STAKEHOLDER,
                    STAKEHOLDER.create(name=f"Group {worker}-{number:02}", category="user"),
                )
        except BaseException as problem:  # reported below
            failures.append(problem)

    def append_batches(worker: int) -> None:
        factory = make_session_factory(engine)
        try:
            barrier.wait(timeout=10)
            for number in range(batches):
                session = factory()
                try:
                    events = [_raw_event(1000 * worker + batch * number + k) for k in range(batch)]
                    log.append(session, events)
                    session.commit()
                finally:
                    session.close()
        except BaseException as problem:  # reported below
            failures.append(problem)

    threads = [threading.Thread(target=write_items, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=append_batches, args=(w,)) for w in range(appenders)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=10)
    # An auditor reading while the writers write (on its own read-only connection,
    # as `record verify` reads) finds a whole log each time, and holds no one up.
    audits = []
    reader = make_engine(database_url, read_only=True)
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while any(thread.is_alive() for thread in threads) and datetime.now(UTC) < deadline:
        with Session(reader) as session:
            result = audit(session)
        audits.append((result.size, result.first_bad_index, result.problem))
    reader.dispose()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert audits and [bad for _, bad, _ in audits if bad is not None] == [], audits
    assert [size for size, _, _ in audits] == sorted(size for size, _, _ in audits)

    events = _events(uow)
    expected = start + writers * writes + appenders * batches * batch
    assert len(events) == expected
    assert [e.leaf_index for e in events] == list(range(expected))
    for event in events:
        assert event.leaf == log.event_leaf(event)
    # Each writer's events are in the order it wrote them; a batch is contiguous.
    for worker in range(writers):
        names = [
            e.payload["name"]
            for e in events
            if e.type == "stakeholder.created" and e.payload["name"].startswith(f"Group {worker}-")
        ]
        assert names == [f"Group {worker}-{n:02}" for n in range(writes)]
    raw = [e for e in events if e.type == "test.written"]
    for first in range(0, len(raw), batch):
        indexes = [e.leaf_index for e in raw[first : first + batch]]
        assert indexes == list(range(indexes[0], indexes[0] + batch))
    result = _audit(uow)
    with uow:
        assert (result.size, result.root) == log.current_root(uow.session)
    assert result.first_bad_index is None and result.size == expected


# ---------------------------------------------------------------- 6. migrating into the log


POSTGRES_SERVER = os.environ.get(
    "AGILEGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all, of each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_database")  # skipped or failed as conftest decides
    name = f"agilegov_record_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(POSTGRES_SERVER), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _table(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(name, *columns)


def test_a_log_written_before_0002_migrates_into_a_clean_log(empty_database: str) -> None:
    url = empty_database
    migrations.upgrade(url, "0001")
    when = datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    elsewhere = timezone(timedelta(hours=2))
    engine = make_engine(url)
    try:
        users = _table(
            "users",
            sa.column("id"),
            sa.column("email"),
            sa.column("name"),
            sa.column("password_hash"),
            sa.column("created_at", UTCDateTime()),
        )
        organizations = _table(
            "organizations",
            sa.column("id"),
            sa.column("slug"),
            sa.column("name"),
            sa.column("kind"),
            sa.column("description"),
            sa.column("created_at", UTCDateTime()),
        )
        scopes = _table(
            "scopes",
            sa.column("id"),
            sa.column("organization_id"),
            sa.column("name"),
            sa.column("kind"),
            sa.column("description"),
            sa.column("visibility"),
            sa.column("status"),
            sa.column("frameworks", JSONType),
            sa.column("created_at", UTCDateTime()),
            sa.column("updated_at", UTCDateTime()),
        )
        events = _table(
            "events",
            sa.column("time", UTCDateTime()),
            sa.column("actor_id"),
            sa.column("organization_id"),
            sa.column("scope_id"),
            sa.column("type"),
            sa.column("subject_type"),
            sa.column("subject_id"),
            sa.column("payload", JSONType),
        )
        scope = {"kind": "ai_system", "description": "", "status": "active"}
        scope |= {"frameworks": [], "created_at": when, "updated_at": when}
        with engine.begin() as connection:

            def add(table: sa.TableClause, **values: Any) -> int:
                return connection.execute(
                    insert(table).values(**values).returning(table.c.id)
                ).scalar_one()

            ada = add(
                users, email="ada@example.com", name="Ada", password_hash="x", created_at=when
            )
            old = add(
                organizations,
                slug="old",
                name="Old",
                kind="business",
                description="",
                created_at=when,
            )
            hidden = add(scopes, organization_id=old, name="Private", visibility="private", **scope)
            shown = add(scopes, organization_id=old, name="Public", visibility="public", **scope)
            rows = [
                (ada, None, None, "user.created", "user", ada, {"email": "ada@example.com"}),
                (ada, old, None, "organization.created", "organization", old, {"n": 1.0}),
                (ada, old, hidden, "scope.created", "scope", hidden, {"weights": [0.1, 2.5]}),
                (ada, old, shown, "scope.created", "scope", shown, {"nested": {"b": 1, "a": 2}}),
                (ada, old, shown, "stakeholder.created", "stakeholder", 1, {"name": "Bürger"}),
                (
                    ada,
                    old,
                    None,
                    "membership.created",
                    "membership",
                    1,
                    {"role": "owner", "x": None},
                ),
                (None, None, None, "system.ticked", "system", None, {"opened": []}),
            ]
            connection.execute(
                insert(events),
                [
                    {
                        "time": (when + timedelta(seconds=n)).astimezone(elsewhere),
                        "actor_id": actor,
                        "organization_id": organization,
                        "scope_id": scope_id,
                        "type": type_,
                        "subject_type": subject,
                        "subject_id": subject_id,
                        "payload": payload,
                    }
                    for n, (
                        actor,
                        organization,
                        scope_id,
                        type_,
                        subject,
                        subject_id,
                        payload,
                    ) in enumerate(rows)
                ],
            )
        engine.dispose()
        migrations.upgrade(url)

        uow = UnitOfWork(make_session_factory(engine))
        migrated = _events(uow)
        assert [e.leaf_index for e in migrated] == list(range(len(rows)))
        assert [e.type for e in migrated] == [row[3] for row in rows]
        private = {e.leaf_index for e in migrated if "payload_commitment" in json.loads(e.leaf)}
        assert private == {0, 2, 5}  # the user, the private scope, the membership
        for event in migrated:
            assert event.leaf == log.event_leaf(event)
            leaf = json.loads(event.leaf)
            assert leaf["time"] == (when + timedelta(seconds=event.leaf_index)).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            )
        result = _audit(uow)
        assert result.first_bad_index is None and result.size == len(rows)
        with uow:
            assert log.current_root(uow.session) == (len(rows), result.root)

        # The log goes on from there, and the whole of it verifies.
        create_user(
            uow, UserCreate(email="bob@example.com", name="Bob", password="a-long-password")
        )
        assert [e.leaf_index for e in _events(uow)] == list(range(len(rows) + 1))
        assert _audit(uow).first_bad_index is None
        verified = _run(url, "record", "verify")
        assert verified.exit_code == 0, verified.output
        assert f"all {len(rows) + 1} entries recomputed" in _said(verified)
    finally:
        engine.dispose()


def test_0004_regroups_the_stored_nodes_without_recomputing_them(empty_database: str) -> None:
    """Nodes are carried between the two layouts as stored: a wrong node stays wrong."""
    url = empty_database
    migrations.upgrade(url)
    engine = make_engine(url)
    old_nodes = sa.table("merkle_nodes", sa.column("position"), sa.column("hash"))
    try:
        with engine.begin() as connection:
            session = Session(bind=connection)
            log.append(session, [_raw_event(number) for number in range(21)])
            session.flush()
        uow = UnitOfWork(make_session_factory(engine))
        intact = _audit(uow)
        assert intact.first_bad_index is None and intact.size == 21
        entries = _log_state(uow)["nodes"]

        command.downgrade(migrations.alembic_config(url), "0003")
        with engine.connect() as connection:
            by_node = dict(list(connection.execute(sa.select(*old_nodes.c))))
        assert len(by_node) == sum(21 >> level for level in range(5))
        assert by_node[(2 << 48) | 1] == entries[7][64:96]  # node (2, 1) completes at leaf 7
        migrations.upgrade(url)
        assert _log_state(uow)["nodes"] == entries
        assert _audit(uow) == intact

        command.downgrade(migrations.alembic_config(url), "0003")
        with engine.begin() as connection:
            forged = _forged_hash("node (2, 1)")
            where = old_nodes.c.position == (2 << 48) | 1
            connection.execute(sa.update(old_nodes).where(where).values(hash=forged))
        migrations.upgrade(url)
        result = _audit(uow)
        assert result.first_bad_index == 4, result.problem
        assert "tree node (level 2, index 1)" in (result.problem or "")
    finally:
        engine.dispose()
