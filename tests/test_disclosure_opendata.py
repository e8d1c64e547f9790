"""Open data: the dump of what is published, verifiable against the record's
signed checkpoint; the licence each organization chooses; the catalogue."""

import csv
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agilegov import clock
from agilegov.auth import ANONYMOUS
from agilegov.dialogue import lifecycle, participation
from agilegov.dialogue.access import Voice
from agilegov.dialogue.schemas import ConsultationCreate, VoteCreate
from agilegov.disclosure import opendata
from agilegov.disclosure.dump import DumpError, verify_dump
from agilegov.record.notes import generate_signer, verifier_key
from agilegov.uow import UnitOfWork
from builders import World, indicator, new_scope, specific_goal

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
