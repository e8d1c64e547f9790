"""The scope's other lists (web/lists.py) as people use them: goals (a tree until
searched, filtered or sorted), indicators, reviews, triggers, the cycle's moves,
consultations and a consultation's comments; each searched, filtered, sorted,
paged and downloaded as the CSV of what the page shows, on SQLite and PostgreSQL.

One scope is built once per module and engine; the tests only read it."""

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agilegov import clock
from agilegov.auth import Principal
from agilegov.cycle import pages as cycle_pages
from agilegov.cycle import service as cycle
from agilegov.cycle.schemas import ReviewCreate, TransitionCreate, TriggerCreate
from agilegov.db import make_session_factory
from agilegov.dialogue import pages as dialogue_pages
from agilegov.dialogue.access import Voice
from agilegov.dialogue.lifecycle import create_consultation, hide, respond
from agilegov.dialogue.participation import add_comment
from agilegov.dialogue.schemas import (
    CommentCreate,
    ConsultationCreate,
    Moderation,
    ResponseCreate,
)
from agilegov.goals import pages as goals_pages
from agilegov.goals.service import GOAL
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.organizations.service import principal_for_user
from agilegov.uow import UnitOfWork
from agilegov.web.lists import ask
from api_helpers import World
from builders import add, indicator, measure, new_scope, specific_goal
from web_helpers import sign_in


@dataclass(frozen=True)
class Built:
    world: World
    scope: int
    consultation: int
    viewer: TestClient


def _principal(uow: UnitOfWork, world: World, who: str) -> Principal:
    with uow:
        return principal_for_user(uow.session, world.user_ids[who])


def _build(world: World) -> tuple[int, int]:
    uow = UnitOfWork(make_session_factory(world.engine))
    owner = _principal(uow, world, "owner")
    scope = new_scope(uow, owner, world.business_id, name="Screening lists")
    top = add(uow, owner, scope, GOAL, title="Trustworthy hiring", level="ultimate")
    core = add(uow, owner, scope, GOAL, title="Fairness", level="core_value", parent_id=top.id)
    fair = specific_goal(uow, owner, scope, title="Fair shortlisting", parent_id=core.id)
    told = specific_goal(
        uow, owner, scope, title="Explained rejections", parent_id=core.id, acceptable_level=0.9
    )
    indicator(uow, owner, scope, fair.id, key="selection.ratio", name="Selection-rate ratio")
    indicator(uow, owner, scope, told.id, key="explained.share", name="Explained share")
    indicator(
        uow,
        owner,
        scope,
        told.id,
        key="appeal.days",
        name="=Days to an appeal",
        description="time to drift back",
    )
    measure(uow, owner, scope, goal_ids=[fair.id])
    for stage, reason in (
        ("goals", "Risks analysed"),
        ("design", "Goals agreed with the works council"),
        ("operation", "Measures in place"),
    ):
        cycle.advance(uow, owner, scope, TransitionCreate(to=stage, reason=reason))
    manual = cycle.raise_trigger(
        uow,
        owner,
        scope,
        TriggerCreate(kind="manual", cause="Drift seen by hand", facts={"loop": "inner"}),
    )
    settled = ReviewCreate(
        summary="Drift reviewed and settled", decisions=["d"], evidence=["e"], resolves=[manual.id]
    )
    cycle.record_review(uow, owner, scope, settled)
    # The trigger moved the cycle to evaluation; the review lets it go round the inner loop.
    cycle.advance(uow, owner, scope, TransitionCreate(to="design", reason="Retrain the model"))
    quarterly = ReviewCreate(
        summary="Quarterly look at explanations", decisions=["d"], evidence=["e"]
    )
    cycle.record_review(uow, owner, scope, quarterly)
    # A breach opens a trigger of its own.
    now = clock.now()
    rows = [
        Row("selection.ratio", now - timedelta(hours=hour), 0.5, "tests", f"s{hour}")
        for hour in (1, 2)
    ] + [
        Row("explained.share", now - timedelta(hours=hour), 0.95, "tests", f"e{hour}")
        for hour in (1, 2)
    ]
    ingest(uow, owner, rows, scope_id=scope)
    evaluate_scope(uow, owner, scope)
    cycle.raise_trigger(
        uow, owner, scope, TriggerCreate(kind="complaint_cluster", cause="Complaints on rejections")
    )
    consultation = _consult(uow, world, owner, scope)
    return scope, consultation


def _consult(uow: UnitOfWork, world: World, owner: Principal, scope: int) -> int:
    now = clock.now()

    def consultation(title: str, subject: str, opens_in: int) -> int:
        data = ConsultationCreate(
            title=title,
            subject=subject,
            summary="Draft for the works council",
            draft="Applicants are told why.\n\nA person reviews on request.",
            opens_at=now + timedelta(days=opens_in),
            closes_at=now + timedelta(days=opens_in + 30),
            audience="invited",
            invited_organization_ids=[world.business_id],
        )
        return create_consultation(uow, owner, scope, data).id

    screening = consultation("Fair screening rules", "goals", -1)
    consultation("Transparency report 2027", "report", 5)
    comments = []
    for who, paragraph, body in (
        ("viewer", 1, "Tell applicants why, in plain words"),
        ("editor", 2, '=HYPERLINK("http://evil")'),
        ("viewer", 2, "A person should review on request"),
    ):
        voice = Voice(_principal(uow, world, who))
        spoken = add_comment(
            uow, voice, screening, CommentCreate(paragraph=paragraph, body=body)
        ).result
        comments.append(spoken.id)
    answer = ResponseCreate(
        target_kind="comment", target_id=comments[0], decision="accepted", reason="Done."
    )
    respond(uow, owner, screening, answer)
    hide(uow, owner, screening, "comment", comments[1], Moderation(reason="a link to malware"))
    return screening


@pytest.fixture(scope="module")
def built(shared: World) -> Iterator[Built]:
    scope, consultation = _build(shared)
    yield Built(shared, scope, consultation, sign_in(shared, "viewer"))


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# What identifies each list's rows on its page, and the CSV column holding the same.
LISTS: dict[str, tuple[str, str, int]] = {
    "goals": ("goals", r'<tr><td><a href="/scopes/\d+/goals/\d+">([^<]*)</a>', 0),
    "indicators": ("indicators", r'<tr><td><a href="/scopes/\d+/indicators/\d+">([^<]*)</a>', 0),
    "reviews": ("reviews", r'<tr><td><a href="#review-\d+">(#\d+)</a>', 0),
    "triggers": ("triggers", r"<tr id=\"trigger-\d+\"><td>(#\d+)</td>", 0),
    "moves": ("history", r"<tr><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", 2),
    "consultations": ("consultations", r'<tr><td><a href="/consultations/\d+">([^<]*)</a>', 0),
    "comments": ("", r'<tr id="heard-comment-\d+"><td>(#\d+)</td>', 0),
}


def url_of(built: Built, name: str) -> str:
    if name == "comments":
        return f"/consultations/{built.consultation}/responses"
    return f"/scopes/{built.scope}/{LISTS[name][0]}"


def shown(built: Built, name: str, client: TestClient | None = None, **query: str) -> list[str]:
    page = (client or built.viewer).get(url_of(built, name), params=query)
    assert page.status_code == 200, (name, query, page.text[:300])
    found = re.findall(LISTS[name][1], page.text)
    return [text.replace("&#34;", '"') for text in found]


def downloaded(built: Built, name: str, **query: str) -> list[list[str]]:
    answer = built.viewer.get(url_of(built, name), params={**query, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    return rows_of(answer.content)


# Per list: a search that finds some rows and not others, a filter, and a sort.
CASES: dict[str, dict[str, Any]] = {
    "goals": {
        "search": ("SHORTLIST", ["Fair shortlisting"]),
        "filter": ({"level": "specific"}, ["Fair shortlisting", "Explained rejections"]),
        "sort": ("title", ["Explained rejections", "Fair shortlisting", "Fairness"]),
    },
    "indicators": {
        # The description is searched too.
        "search": ("drift", ["=Days to an appeal"]),
        "filter": ({"status": "breach"}, ["Selection-rate ratio"]),
        "sort": ("name", ["=Days to an appeal", "Explained share", "Selection-rate ratio"]),
    },
    "reviews": {"search": ("quarterly", None), "filter": ({"stage": "design"}, ["#2"])},
    "triggers": {"search": ("COMPLAINTS", None), "filter": ({"status": "resolved"}, None)},
    "moves": {
        "search": ("works council", ["Design"]),
        "filter": ({"loop": "inner"}, ["Design"]),
        # By the stages' code names.
        "sort": ("to_stage", ["Analysis", "Design", "Design", "Evaluation", "Goals", "Operation"]),
    },
    "consultations": {
        "search": ("screening", ["Fair screening rules"]),
        "filter": ({"status": "upcoming"}, ["Transparency report 2027"]),
        "sort": ("title", ["Fair screening rules", "Transparency report 2027"]),
    },
    "comments": {"search": ("plain words", None), "filter": ({"paragraph": "2"}, None)},
}


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_is_searched_filtered_and_sorted_both_ways(built: Built, name: str) -> None:
    case = CASES[name]
    # The goals are a tree, not this list, until sorted.
    everything = shown(built, name, **({"sort": "title"} if name == "goals" else {}))
    assert len(everything) >= 2, everything
    text, expected = case["search"]
    found = shown(built, name, q=text)
    assert found and len(found) < len(everything)
    if expected is not None:
        assert found == expected
    assert shown(built, name, q="no such words anywhere") == []
    query, expected = case["filter"]
    filtered = shown(built, name, **query)
    assert filtered and len(filtered) < len(everything)
    if expected is not None:
        assert sorted(filtered) == sorted(expected)
    column = case.get("sort", ("id", None))[0]
    ascending = shown(built, name, sort=column)
    descending = shown(built, name, sort="-" + column)
    if "sort" in case:
        assert [text for text in ascending if text in case["sort"][1]] == case["sort"][1]
    assert descending == list(reversed(ascending)) and ascending != descending
    page = built.viewer.get(url_of(built, name), params={"sort": "-" + column}).text
    assert 'aria-sort="descending"' in page


def test_the_goals_are_a_tree_until_searched(built: Built) -> None:
    url = url_of(built, "goals")
    tree = built.viewer.get(url).text
    assert 'class="goal-tree"' in tree and "Download as CSV" in tree
    flat = built.viewer.get(url, params={"level": "specific"}).text
    assert 'class="goal-tree"' not in flat
    # Each row names its parent.
    assert re.search(r">Fair shortlisting</a></td>\s*<td><a href=[^>]*>Fairness</a>", flat)
    rows = downloaded(built, "goals", level="specific", sort="title")
    assert rows[0][:3] == ["Goal", "Parent goal", "Level"]
    assert rows[1][:3] == ["Explained rejections", "Fairness", "Specific"]


@pytest.mark.parametrize("name", list(LISTS))
def test_the_csv_is_what_the_page_shows(built: Built, name: str) -> None:
    query = {"sort": "-" + CASES[name].get("sort", ("id",))[0]}
    on_page = shown(built, name, **query)
    rows = downloaded(built, name, **query)
    column = LISTS[name][2]
    assert [row[column].removeprefix("'") for row in rows[1:]] == on_page
    japanese = built.viewer.get(
        url_of(built, name), params={**query, "format": "csv"}, headers={"Accept-Language": "ja"}
    )
    header = rows_of(japanese.content)[0]
    assert header != rows[0] and len(header) == len(rows[0])


def test_csv_cells_are_translated_and_never_run(built: Built) -> None:
    indicators = downloaded(built, "indicators", sort="name")
    assert indicators[1][0] == "'=Days to an appeal"
    statuses = {row[0]: row[2] for row in indicators[1:]}
    assert statuses["Selection-rate ratio"] == "Breach"
    ja = built.viewer.get(
        url_of(built, "indicators"),
        params={"sort": "name", "format": "csv"},
        headers={"Accept-Language": "ja"},
    )
    assert {row[0]: row[2] for row in rows_of(ja.content)[1:]}["Selection-rate ratio"] == "逸脱"
    triggers = downloaded(built, "triggers", status="resolved")
    assert triggers[0][:3] == ["Trigger", "Kind", "Loop"]
    assert triggers[1][1:3] == ["Manual", "Inner"] and triggers[1][5].startswith("resolved by")


def test_comments_show_only_what_the_page_shows(built: Built) -> None:
    rows = downloaded(built, "comments", sort="id")
    assert rows[0] == ["Comment #", "Paragraph", "By", "Comment", "Posted", "Answer"]
    page = built.viewer.get(url_of(built, "comments")).text
    for row in rows[1:]:
        # The author is the pseudonym the page shows, nothing more.
        assert row[2] and row[2] in page
    texts = [row[3] for row in rows[1:]]
    assert "Hidden by the moderators: a link to malware" in texts
    # A hidden comment's text is neither downloaded nor found by a search.
    assert not any("HYPERLINK" in text for text in texts)
    assert shown(built, "comments", q="HYPERLINK") == []
    assert shown(built, "comments", status="hidden") == [rows[2][0]]
    answers = {row[0]: row[5] for row in rows[1:]}
    assert answers[rows[1][0]] == "accepted: Done."
    assert shown(built, "comments", answer="none", sort="id") == [row[0] for row in rows[2:]]


def test_consultation_statuses_read_as_the_consultations(built: Built) -> None:
    ja = built.viewer.get(url_of(built, "consultations"), headers={"Accept-Language": "ja"}).text
    assert '<option value="open">' in ja and '<option value="open">未解決' not in ja


@pytest.mark.parametrize("name", list(LISTS))
def test_pages_keep_the_search_filters_and_sort(
    built: Built, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One row a page: the next page's link keeps the query, and the CSV holds that page.
    for module, listing in (
        (goals_pages, "GOALS"),
        (goals_pages, "INDICATORS"),
        (cycle_pages, "REVIEWS"),
        (cycle_pages, "TRIGGERS"),
        (cycle_pages, "MOVES"),
    ):
        monkeypatch.setattr(
            module, listing, dataclasses.replace(getattr(module, listing), per_page=1)
        )
    for made in ("_consultation_listing", "_comment_listing"):
        making = getattr(dialogue_pages, made)
        monkeypatch.setattr(
            dialogue_pages,
            made,
            lambda *a, making=making: dataclasses.replace(making(*a), per_page=1),
        )
    query = {"q": "", "sort": "-" + CASES[name].get("sort", ("id",))[0]}
    first = built.viewer.get(url_of(built, name), params=query).text
    link = f'href="?sort={query["sort"]}&amp;offset=1"'
    assert link in first, name
    second = shown(built, name, sort=query["sort"], offset="1")
    assert len(second) == 1 and second != shown(built, name, sort=query["sort"])
    rows = downloaded(built, name, sort=query["sort"], offset="1")
    assert [row[LISTS[name][2]].removeprefix("'") for row in rows[1:]] == second


BAD = [{"sort": "password"}, {"nonsense": "1"}, {"offset": "-3"}, {"format": "xlsx"}]


@pytest.mark.parametrize("query", [*BAD, {"status": "<b>x</b>"}])
@pytest.mark.parametrize("name", list(LISTS))
def test_bad_values_are_named_on_the_page(built: Built, name: str, query: dict) -> None:
    if "status" in query and name in ("reviews", "moves"):
        query = {"loop" if name == "moves" else "stage": "<b>x</b>"}
    page = built.viewer.get(url_of(built, name), params={"format": "csv", **query})
    assert page.status_code == 400, (name, query)
    assert 'role="alert"' in page.text and "text/html" in page.headers["content-type"]
    assert "<b>x</b>" not in page.text


@pytest.mark.parametrize("name", list(LISTS))
def test_outsiders_find_no_list_of_a_private_scope(built: Built, name: str) -> None:
    outsider = sign_in(built.world, "outsider")
    for query in ({}, {"format": "csv"}, {"q": "Fair"}):
        assert outsider.get(url_of(built, name), params=query).status_code == 404


def test_the_history_keeps_its_events_pager_apart_from_the_moves() -> None:
    request = ask(cycle_pages.MOVES, {"events": "50", "sort": "reason", "loop": "inner"})
    assert not request.problems and dict(request.filters) == {"loop": "inner"}
    assert request.link(offset=50) == "?loop=inner&sort=reason&offset=50&events=50"
    assert request.link(events=0) == "?loop=inner&sort=reason"


def test_indicators_are_filtered_by_their_goal_named_by_title(built: Built) -> None:
    page = built.viewer.get(url_of(built, "indicators")).text
    goal = re.search(r'<option value="(\d+)">Explained rejections</option>', page)
    assert goal, "the goal filter names goals by title"
    found = shown(built, "indicators", goal_id=goal.group(1), sort="name")
    assert found == ["=Days to an appeal", "Explained share"]
    refused = built.viewer.get(url_of(built, "indicators"), params={"goal_id": "999999"})
    assert refused.status_code == 400 and 'role="alert"' in refused.text


def test_consultations_list_only_those_the_reader_may_read(built: Built) -> None:
    world = built.world
    uow = UnitOfWork(make_session_factory(world.engine))
    owner = _principal(uow, world, "owner")
    scope = new_scope(uow, owner, world.business_id, name="Published lists", visibility="public")
    now = clock.now()
    for title, invited in (
        ("Open to all", []),
        ("For the ministry", [world.regulator_id]),
        ("For the business alone", [world.business_id]),
    ):
        data = ConsultationCreate(
            title=title,
            subject="goals",
            draft="One paragraph.",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            audience="invited" if invited else "public",
            invited_organization_ids=invited,
        )
        create_consultation(uow, owner, scope, data)
    url = f"/scopes/{scope}/consultations"
    pattern = LISTS["consultations"][1]

    def titles(client: TestClient, **query: str) -> list[str]:
        page = client.get(url, params={"sort": "title", **query})
        assert page.status_code == 200
        return re.findall(pattern, page.text)

    assert titles(built.viewer) == ["For the business alone", "For the ministry", "Open to all"]
    # The ministry's owner is invited to one; a visitor signed out reads the public one.
    ministry = sign_in(world, "outsider")
    assert titles(ministry) == ["For the ministry", "Open to all"]
    assert titles(ministry, q="business") == []
    assert titles(TestClient(world.client.app)) == ["Open to all"]
    download = ministry.get(url, params={"sort": "title", "format": "csv"})
    assert [row[0] for row in rows_of(download.content)[1:]] == ["For the ministry", "Open to all"]
