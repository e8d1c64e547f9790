"""Consultations through HTTP, on SQLite and PostgreSQL: voting one statement at a
time under a pseudonym, comments on paragraphs, bad input refused with nothing
stored, moderation and answers, the public "what we heard and what we did"
page, each participant's own input, closing, and Pol.is archives in and out."""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.cycle.models import Trigger
from agilegov.dialogue import polis
from agilegov.dialogue.models import Vote
from api_helpers import API, World, assert_unchanged, bearer, ok, snapshot, world_from_fixture
from builders import World as Cast
from builders import new_scope, specific_goal
from web_helpers import browser, csrf_of, field_error, post_form, sign_in

POLIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"
STATEMENTS = [
    "Explain every rejection",
    "Let people ask for a human review",
    "Delete data after 90 days",
]


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> Iterator[World]:
    pages = world_from_fixture(database_url, engine, world)
    with pages.client:
        yield pages


def _consultation(site: World, uow: Any, world: Cast, **fields: Any) -> dict[str, Any]:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    now = datetime.now(UTC)
    body = {
        "title": "Fair screening rules",
        "subject": "goals",
        "draft": "Applicants are told why.\n\nA person reviews on request.",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "statements": STATEMENTS,
        **fields,
    }
    created = ok(
        site.client.post(
            f"{API}/scopes/{scope}/consultations", json=body, headers=site.auth("editor")
        ),
        201,
    )
    created["scope"] = scope
    return created


def _votes(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Vote)) or 0


def test_a_visitor_votes_one_statement_at_a_time_under_a_pseudonym(
    site: World, uow: Any, world: Cast
) -> None:
    consultation = _consultation(site, uow, world)
    visitor = browser(site)
    path = f"/consultations/{consultation['id']}"
    seen = []
    for choice in ("agree", "disagree", "pass"):
        page = visitor.get(f"{path}/vote")
        assert page.status_code == 200
        statement = int(page.text.split('name="statement_id" value="')[1].split('"')[0])
        assert statement not in seen
        seen.append(statement)
        answer = visitor.post(
            f"{path}/votes",
            data={"statement_id": statement, "vote": choice, "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    assert f"agilegov_participant_{consultation['id']}" in visitor.cookies
    assert "You have voted on every statement" in visitor.get(f"{path}/vote").text
    assert _votes(site.engine) == 3
    mine = visitor.get(f"{path}/mine").text
    assert "Participant 1" in mine and "disagree" in mine
    # Another browser is another participant.
    other = browser(site)
    page = other.get(f"{path}/vote")
    assert "You have voted" not in page.text


def test_bad_votes_change_nothing(site: World, uow: Any, world: Cast) -> None:
    consultation = _consultation(site, uow, world)
    visitor = browser(site)
    path = f"/consultations/{consultation['id']}"
    page = visitor.get(f"{path}/vote")
    token = csrf_of(page)
    before = snapshot(site.engine)
    for data, status in (
        ({"statement_id": "999999", "vote": "agree"}, 422),
        ({"statement_id": "1", "vote": "maybe"}, 422),
        ({"vote": "agree"}, 422),
        ({"statement_id": "1", "vote": "agree", "csrf_token": "forged"}, 403),
    ):
        answer = visitor.post(f"{path}/votes", data={"csrf_token": token, **data})
        assert answer.status_code == status, (data, answer.text[:300])
    assert_unchanged(before, site.engine)


def test_a_duplicate_flood_of_votes_is_one_vote(site: World, uow: Any, world: Cast) -> None:
    consultation = _consultation(site, uow, world)
    client = sign_in(site, "viewer")
    path = f"/consultations/{consultation['id']}"
    token = csrf_of(client.get(f"{path}/vote"))
    statement = ok(site.client.get(f"{API}/consultations/{consultation['id']}/statements"))[0]["id"]
    for _ in range(15):
        client.post(
            f"{path}/votes", data={"statement_id": statement, "vote": "agree", "csrf_token": token}
        )
    assert _votes(site.engine) == 1


def test_nothing_is_taken_once_it_has_closed(site: World, uow: Any, world: Cast) -> None:
    consultation = _consultation(site, uow, world)
    path = f"/consultations/{consultation['id']}"
    editor = sign_in(site, "editor")
    before = snapshot(site.engine)
    asked = post_form(editor, path, f"{path}/close", {})
    assert asked.status_code == 200 and "Nobody can take part afterwards." in asked.text
    assert_unchanged(before, site.engine)
    closed = post_form(editor, path, f"{path}/close", {"confirmed": "yes"})
    assert closed.status_code == 303
    assert "closed</p>" in editor.get(closed.headers["location"]).text
    visitor = browser(site)
    page = visitor.get(f"{path}/vote")
    assert "voting is over" in page.text and 'name="vote"' not in page.text
    statement = ok(site.client.get(f"{API}/consultations/{consultation['id']}/statements"))[0]["id"]
    before = snapshot(site.engine)
    answer = visitor.post(
        f"{path}/votes",
        # A closed consultation shows no form: the visitor's token, from another page.
        data={
            "statement_id": statement,
            "vote": "agree",
            "csrf_token": csrf_of(visitor.get("/login")),
        },
    )
    assert answer.status_code == 409
    api = site.client.post(
        f"{API}/consultations/{consultation['id']}/votes",
        json={"statement_id": statement, "vote": "agree"},
        headers=site.auth("viewer"),
    )
    assert api.status_code == 409
    assert_unchanged(before, site.engine)


def test_comments_on_paragraphs_refuse_bad_input_by_the_field(
    site: World, uow: Any, world: Cast
) -> None:
    consultation = _consultation(site, uow, world)
    visitor = browser(site)
    path = f"/consultations/{consultation['id']}"
    before = snapshot(site.engine)
    page = post_form(visitor, path, f"{path}/comments", {"paragraph": "2", "body": " "})
    assert page.status_code == 422 and field_error(page, "body-2")
    page = post_form(visitor, path, f"{path}/comments", {"paragraph": "9", "body": "Hello"})
    assert page.status_code == 422 and "no paragraph 9" in page.text
    assert_unchanged(before, site.engine)
    done = post_form(
        visitor, path, f"{path}/comments", {"paragraph": "2", "body": "Within a week, please."}
    )
    assert done.status_code == 303
    assert "Within a week, please." in visitor.get(path).text


def test_owners_moderate_and_answer_and_everyone_sees_what_became_of_it(
    site: World, uow: Any, world: Cast
) -> None:
    consultation = _consultation(site, uow, world)
    path = f"/consultations/{consultation['id']}"
    visitor = browser(site)
    post_form(
        visitor, path, f"{path}/comments", {"paragraph": "1", "body": "Say it in plain words."}
    )
    post_form(visitor, path, f"{path}/comments", {"paragraph": "1", "body": "Buy cheap watches!"})
    comments = ok(site.client.get(f"{API}/consultations/{consultation['id']}/comments"))
    useful, spam = comments[0]["id"], comments[1]["id"]

    viewer = sign_in(site, "viewer")
    before = snapshot(site.engine)
    refused = post_form(viewer, path, f"{path}/comments/{spam}/hide", {"reason": "spam"})
    assert refused.status_code == 403
    assert_unchanged(before, site.engine)

    editor = sign_in(site, "editor")
    before = snapshot(site.engine)
    unexplained = post_form(editor, path, f"{path}/comments/{spam}/hide", {"reason": " "})
    assert unexplained.status_code == 422 and "Nothing was hidden" in unexplained.text
    assert_unchanged(before, site.engine)
    before = snapshot(site.engine)
    asked = post_form(editor, path, f"{path}/comments/{spam}/hide", {"reason": "advertising"})
    assert asked.status_code == 200 and f"Hide comment #{spam}?" in asked.text
    assert '<input type="hidden" name="reason" value="advertising">' in asked.text
    assert_unchanged(before, site.engine)
    hidden = post_form(
        editor, path, f"{path}/comments/{spam}/hide", {"reason": "advertising", "confirmed": "yes"}
    )
    assert hidden.status_code == 303
    goal = specific_goal(uow, world.editor, consultation["scope"])
    answer_path = f"{path}/responses/comment/{useful}"
    bad = post_form(editor, answer_path, answer_path, {"decision": "accepted", "reason": ""})
    assert bad.status_code == 422 and field_error(bad, "reason")
    good = post_form(
        editor,
        answer_path,
        answer_path,
        {"decision": "accepted", "reason": "We rewrote the letter.", "change": f"goal:{goal.id}:1"},
    )
    assert good.status_code == 303

    public = browser(site).get(f"{path}/responses")
    assert public.status_code == 200
    assert "We rewrote the letter." in public.text
    assert f"/scopes/{consultation['scope']}/goals/{goal.id}/versions" in public.text
    assert "Buy cheap watches" not in public.text and "advertising" in public.text
    mine = visitor.get(f"{path}/mine").text
    assert "Say it in plain words." in mine and "We rewrote the letter." in mine

    closed = post_form(editor, path, f"{path}/close", {"confirmed": "yes"})
    assert closed.status_code == 303
    with Session(site.engine) as session:
        trigger = session.scalars(select(Trigger)).one()
        assert (trigger.kind, trigger.loop) == ("consultation_outcome", "outer")


def test_the_opinion_map_groups_two_camps(site: World, uow: Any, world: Cast) -> None:
    statements = [f"Statement {n}" for n in range(10)]
    consultation = _consultation(site, uow, world, statements=statements)
    cid = consultation["id"]
    ids = [s["id"] for s in ok(site.client.get(f"{API}/consultations/{cid}/statements"))]
    for person in range(24):
        secret = None
        for number, statement in enumerate(ids):
            agree = (number < 5) == (person % 2 == 0)
            headers = {"X-Participant-Secret": secret} if secret else {}
            answer = site.client.post(
                f"{API}/consultations/{cid}/votes",
                json={"statement_id": statement, "vote": "agree" if agree else "disagree"},
                headers=headers,
            )
            assert answer.status_code == 201, answer.text
            secret = secret or answer.headers["X-Participant-Secret"]
    opinion = ok(site.client.get(f"{API}/consultations/{cid}/opinion-map"))
    assert opinion["k"] == 2 and sorted(g["size"] for g in opinion["groups"]) == [12, 12]
    assert opinion["algorithm_version"].startswith("agilegov-opinion-map/")
    page = browser(site).get(f"/consultations/{cid}")
    assert page.text.count('class="pt g') == 24 and "Group B" in page.text


@pytest.mark.skipif(not POLIS.is_dir(), reason="no ../shared/data/polis here")
def test_a_polis_export_goes_in_and_comes_back_out(site: World, uow: Any, world: Cast) -> None:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (POLIS / "brexit-consensus").iterdir():
            archive.write(path, arcname=f"brexit/{path.name}")
    created = ok(
        site.client.post(
            f"{API}/scopes/{scope}/consultations/import",
            files={"export": ("brexit.zip", buffer.getvalue(), "application/zip")},
            headers=site.auth("editor"),
        ),
        201,
    )
    assert created["status"] == "closed" and created["title"].startswith("Can there be consensus")
    exported = site.client.get(f"{API}/consultations/{created['id']}/export")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["votes.csv", "comments.csv", "participants-votes.csv", "summary.csv"]
        )
        votes = archive.read("votes.csv").decode().splitlines()
        ours = list(csv.DictReader(io.StringIO(archive.read("participants-votes.csv").decode())))
    original = (POLIS / "brexit-consensus" / "votes.csv").read_text().splitlines()
    assert 1 < len(votes) <= len(original)
    # Everyone Pol.is clustered stays clustered, those with fewer than 7 votes too.
    theirs = polis.read_export(POLIS / "brexit-consensus").participants
    clustered = [row for row in theirs if row.group_id is not None]
    assert any(row.n_votes < 7 for row in clustered)
    assert sum(row["group-id"] != "" for row in ours) == len(clustered)


def test_a_bad_archive_is_refused_by_name(site: World, uow: Any, world: Cast) -> None:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,7\n")
    before = snapshot(site.engine)
    for content in (b"not a zip", buffer.getvalue()):
        answer = site.client.post(
            f"{API}/scopes/{scope}/consultations/import",
            files={"export": ("x.zip", content, "application/zip")},
            headers=site.auth("editor"),
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "export"
    assert_unchanged(before, site.engine)


def test_an_invited_consultation_is_hidden_from_others(site: World, uow: Any, world: Cast) -> None:
    scope = new_scope(uow, world.owner, world.business_id)
    now = datetime.now(UTC)
    created = ok(
        site.client.post(
            f"{API}/scopes/{scope}/consultations",
            json={
                "title": "Draft rules for suppliers",
                "subject": "requirement",
                "draft": "Suppliers report incidents within 72 hours.",
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "closes_at": (now + timedelta(days=5)).isoformat(),
                "audience": "invited",
                "invited_organization_ids": [site.regulator_id],
            },
            headers=site.auth("editor"),
        ),
        201,
    )
    path = f"/consultations/{created['id']}"
    assert browser(site).get(path).status_code == 404
    assert sign_in(site, "outsider").get(path).status_code == 200  # the regulator's owner
    with clock.frozen_at(now):
        assert (
            site.client.get(
                f"{API}/consultations/{created['id']}", headers=bearer(site.tokens["viewer"])
            ).status_code
            == 200
        )


@pytest.mark.skipif(not POLIS.is_dir(), reason="no ../shared/data/polis here")
def test_the_cli_imports_and_exports_a_polis_folder(
    database_url: str, uow: Any, world: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from agilegov.cli import app
    from agilegov.dialogue.polis import read_export
    from agilegov.settings import get_settings

    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        source = POLIS / "15-per-hour-seattle"
        imported = runner.invoke(app, ["dialogue", "import", str(source), "--scope", str(scope)])
        assert imported.exit_code == 0, imported.output
        consultation = int(imported.output.split()[1].rstrip(":"))
        out = tmp_path / "out"
        exported = runner.invoke(app, ["dialogue", "export", str(consultation), "-o", str(out)])
        assert exported.exit_code == 0, exported.output
        back, original = read_export(out), read_export(source)
        assert len(back.statements) == len(original.statements)
        assert len(back.votes) == len(original.votes.latest())
        refused = runner.invoke(app, ["dialogue", "import", str(tmp_path), "--scope", str(scope)])
        assert refused.exit_code == 2 and "comments.csv" in refused.output
    finally:
        get_settings.cache_clear()
