"""Open data: the dump of what is published, verifiable against the record's
signed checkpoint; the licence each organization chooses; the catalogue."""

import json
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
        from agilegov.dialogue.models import Statement
        from sqlalchemy import select

        statement = uow.session.scalars(
            select(Statement.id).where(Statement.consultation_id == consultation.id)
        ).first()
    with clock.frozen_at(NOW):
        participation.cast_vote(
            uow, Voice(world.viewer), consultation.id, VoteCreate(statement_id=statement, vote="agree")
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
