"""An indicator's own page through HTTP: its chart, its observations, evaluations
and breach episodes as tables, the statuses' legend, and who may see it."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from api_helpers import world_from_fixture
from builders import indicator, new_scope, specific_goal
from web_helpers import browser, sign_in

START = datetime(2030, 3, 1, tzinfo=UTC)


def _rows(key: str, values: list[float], start: datetime, every: timedelta) -> list[Row]:
    return [
        Row(key, start + every * n, value, "test", f"observations[{n}]")
        for n, value in enumerate(values)
    ]


def _observation_rows(page: str) -> int:
    table = page.split('id="observations-caption"', 1)[1].split("</table>", 1)[0]
    return table.count("<tr>") - 1  # less the header's


@pytest.fixture
def monitored(database_url: str, engine: Any, world: Any) -> dict[str, Any]:
    """A private scope whose 7-day mean (≥ 0.8, aiming at 0.9) was healthy for a
    week, then fell to 0.6 and is still in breach; and a client of its app."""
    scope_id = new_scope(world.uow, world.editor, world.business_id)
    goal = specific_goal(world.uow, world.editor, scope_id, target=0.9)
    measured = indicator(world.uow, world.editor, scope_id, goal.id, window_days=7)
    day = timedelta(days=1)
    ingest(world.uow, world.editor, _rows(measured.key, [0.95] * 7, START, day), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=START + timedelta(days=6, hours=1))
    bad = START + timedelta(days=7)
    ingest(world.uow, world.editor, _rows(measured.key, [0.6] * 7, bad, day), scope_id=scope_id)
    evaluate_scope(world.uow, world.editor, scope_id, at=bad + timedelta(days=6, hours=1))
    site = world_from_fixture(database_url, engine, world)
    return {
        "world": world,
        "site": site,
        "scope": scope_id,
        "indicator": measured,
        "path": f"/scopes/{scope_id}/indicators/{measured.id}/monitoring",
    }


def test_the_page_charts_lists_and_explains_an_indicator(monitored: dict[str, Any]) -> None:
    client = sign_in(monitored["site"], "viewer")
    page = client.get(monitored["path"])
    assert page.status_code == 200, page.text
    text = page.text
    assert 'role="img"' in text and "Selection-rate ratio" in text
    # The ongoing episode is a band to the right edge; the breach side is below 0.8.
    assert text.count('class="episode open"') == 1
    assert "below it is a breach" in text and "above it is a breach" not in text
    assert _observation_rows(text) == 14 and "All 14 observations, newest first" in text
    # Each point says its value and time on hover: one per observation (14, none thinned).
    assert len(re.findall(r'<circle class="point [a-z_]*"', text)) == 14
    assert text.count('<circle class="point breach"') == 7
    # Two evaluations (ok, then breach) and the episode, with its trigger.
    evaluations = text.split('id="evaluations-caption"', 1)[1].split("</table>", 1)[0]
    assert evaluations.count("<tr>") - 1 == 2 and "All 2 evaluations, newest first" in evaluations
    episodes = text.split('id="episodes-caption"', 1)[1].split("</table>", 1)[0]
    assert "ongoing" in episodes and "/triggers?id=" in episodes
    assert "What the statuses mean" in text
    assert "inside the acceptable level".lower() in text.lower()


def test_the_page_reads_in_japanese(monitored: dict[str, Any]) -> None:
    client = sign_in(monitored["site"], "viewer")
    client.cookies.set("agilegov_language", "ja")
    page = client.get(monitored["path"])
    assert page.status_code == 200
    assert '<html lang="ja"' in page.text
    assert "逸脱期間" in page.text and "状態の意味" in page.text and "時刻は JST" in page.text


def test_the_goals_tab_words_its_cards_in_the_readers_language_and_zone(
    monitored: dict[str, Any],
) -> None:
    """A card's caption is made in code before the page is drawn: in the
    reader's language and time zone all the same, as the page's CSV is."""
    client = sign_in(monitored["site"], "viewer")
    goals = f"/scopes/{monitored['scope']}/goals"
    english = client.get(goals).text
    assert "14 points, " in english and "dashed: acceptable level 0.8" in english
    client.cookies.set("agilegov_language", "ja")
    japanese = client.get(goals).text
    assert "14 点、" in japanese and "破線: 許容水準 0.8" in japanese
    assert " points, " not in japanese and "dashed" not in japanese
    # The words each goal repeats are the page's too, never fixed when compiled.
    assert "高いほど良い" in japanese and "Higher is better" not in japanese
    assert ">Specific<" not in japanese and ">Specific<" in english
    # The last observation, at 00:00 UTC, is 09:00 in Tokyo.
    last = START + timedelta(days=13)
    assert f"{last:%Y-%m-%d} 09:00 JST" in japanese
    assert f"{last:%Y-%m-%d} 00:00 UTC" in english


def test_lower_is_better_shades_above_the_acceptable_level(monitored: dict[str, Any]) -> None:
    world, scope_id = monitored["world"], monitored["scope"]
    goal = specific_goal(
        world.uow,
        world.editor,
        scope_id,
        title="Few complaints",
        direction="lower_is_better",
        unit="count",
        acceptable_level=10.0,
        target=5.0,
    )
    measured = indicator(
        world.uow,
        world.editor,
        scope_id,
        goal.id,
        key="complaints",
        name="Complaints",
        unit="count",
    )
    rows = _rows(measured.key, [3.0, 7.0, 12.0], START, timedelta(hours=1))
    ingest(world.uow, world.editor, rows, scope_id=scope_id)
    client = sign_in(monitored["site"], "viewer")
    page = client.get(f"/scopes/{scope_id}/indicators/{measured.id}/monitoring").text
    assert "above it is a breach" in page and "at or below it is ok" in page
    statuses = re.findall(r'<circle class="point ([a-z_]*)"', page)
    assert statuses == ["ok", "warning", "breach"]
    assert "Not evaluated yet." in page and "No breach so far." in page


def test_outsiders_and_unknown_ids_find_nothing(monitored: dict[str, Any]) -> None:
    site, scope_id, measured = monitored["site"], monitored["scope"], monitored["indicator"]
    other = new_scope(monitored["world"].uow, monitored["world"].editor, site.business_id)
    assert sign_in(site, "outsider").get(monitored["path"]).status_code == 404
    assert browser(site).get(monitored["path"]).status_code == 404
    viewer = sign_in(site, "viewer")
    for path in (
        f"/scopes/{scope_id}/indicators/999999/monitoring",
        f"/scopes/{other}/indicators/{measured.id}/monitoring",
        f"/scopes/999999/indicators/{measured.id}/monitoring",
        f"/scopes/{scope_id}/indicators/99999999999/monitoring",
    ):
        page = viewer.get(path)
        assert page.status_code == 404, path
        assert "<html" in page.text


def test_the_goals_tab_home_and_triggers_link_to_the_page(
    monitored: dict[str, Any],
) -> None:
    client = sign_in(monitored["site"], "owner")
    tab = client.get(f"/scopes/{monitored['scope']}/goals").text
    assert f'href="{monitored["path"]}"' in tab and "What the statuses mean" in tab
    home = client.get("/").text
    # The open trigger about the indicator, on the scope's overview, links to it.
    assert f'href="{monitored["path"]}"' in client.get(f"/scopes/{monitored['scope']}").text
    assert f'href="{monitored["path"]}"' in home and "What the statuses mean" in home


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ten_thousand_observations_are_drawn_thinned_and_listed_in_part(
    monitored: dict[str, Any],
) -> None:
    world, measured = monitored["world"], monitored["indicator"]
    values = [0.85 + (n % 50) / 1000 for n in range(10_000)]
    rows = _rows(measured.key, values, START + timedelta(days=20), timedelta(minutes=5))
    ingest(world.uow, world.editor, rows, scope_id=monitored["scope"])
    client = sign_in(monitored["site"], "viewer")
    page = client.get(monitored["path"])
    assert page.status_code == 200
    assert "The chart shows the newest 10000 of 10014 observations." in page.text
    assert "The newest 200 of 10014 observations, newest first" in page.text
    assert _observation_rows(page.text) == 200
    assert len(re.findall(r"<circle ", page.text)) <= 400
