"""List pages people can find things in (web/lists.py): search, filters, sort,
paging and the CSV of what is shown; on SQLite and PostgreSQL."""

import csv
import dataclasses
import io
import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agilegov.analysis import pages as analysis_pages
from agilegov.web.lists import ask, csv_bytes, neutralised
from api_helpers import API, World, create_scope, ok, world_from_fixture
from web_helpers import sign_in

RISKS = [
    ("Biased model", 4, 4, "mitigate"),
    ("Data leak", 2, 5, "avoid"),
    ("Model drift", 4, 4, "accept"),
    ('=HYPERLINK("http://evil")', 1, 1, "accept"),
    ("差別的な判定", 3, 2, "mitigate"),
]


@pytest.fixture
def listed(database_url: str, engine: Engine, world: Any) -> tuple[World, int]:
    api = world_from_fixture(database_url, engine, world)
    scope = create_scope(api)["id"]
    for title, likelihood, severity, treatment in RISKS:
        body = {
            "title": title,
            "description": "drift of inputs" if title == "Data leak" else "",
            "inherent_likelihood": likelihood,
            "inherent_severity": severity,
            "residual_likelihood": 1,
            "residual_severity": 1,
            "treatment": treatment,
        }
        ok(
            api.client.post(f"{API}/scopes/{scope}/risks", json=body, headers=api.auth("owner")),
            201,
        )
    for title, category in (("Privacy act", "regulation"), ("Open data", "technology")):
        body = {"title": title, "category": category, "source": "law", "review_by": "2099-01-01"}
        ok(
            api.client.post(
                f"{API}/scopes/{scope}/conditions", json=body, headers=api.auth("owner")
            ),
            201,
        )
    return api, scope


def titles(page: str) -> list[str]:
    register = page.split('id="register-heading"')[-1]
    return re.findall(r'<a href="/scopes/\d+/risks/\d+">([^<]*)</a>', register)


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_search_filter_and_sort_the_risks(listed: tuple[World, int]) -> None:
    api, scope = listed
    client = sign_in(api, "viewer")
    url = f"/scopes/{scope}/risks"
    # Any text column, any case: the title or the description.
    assert titles(client.get(url, params={"q": "DRIFT"}).text) == ["Data leak", "Model drift"]
    # Wildcards are searched for as they are written.
    assert titles(client.get(url, params={"q": "%"}).text) == []
    assert titles(client.get(url, params={"treatment": "accept"}).text) == [
        "Model drift",
        "=HYPERLINK(&#34;http://evil&#34;)",
    ]
    page = client.get(url, params={"likelihood": "4", "severity": "4"})
    assert titles(page.text) == ["Biased model", "Model drift"]
    page = client.get(url, params={"sort": "-title", "treatment": "mitigate"})
    assert titles(page.text) == ["差別的な判定", "Biased model"]
    assert 'aria-sort="descending"' in page.text
    # The header's link turns the order round and keeps the filter.
    assert 'href="?treatment=mitigate&amp;sort=title"' in page.text
    # The search box keeps the filter and the sort it was shown with.
    assert 'name="sort" value="-title"' in page.text
    inherent = titles(client.get(url, params={"sort": "inherent"}).text)
    assert inherent[0].startswith("=HYPERLINK") and inherent[-1] == "Model drift"


def test_the_heat_map_links_to_its_risks(listed: tuple[World, int]) -> None:
    api, scope = listed
    page = sign_in(api, "viewer").get(f"/scopes/{scope}/risks").text
    assert 'href="?likelihood=4&amp;severity=4#register-heading"' in page


def test_pages_keep_the_search_filters_and_sort(
    listed: tuple[World, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, scope = listed
    two = dataclasses.replace(analysis_pages.RISKS, per_page=2)
    monkeypatch.setattr(analysis_pages, "RISKS", two)
    client = sign_in(api, "viewer")
    url = f"/scopes/{scope}/risks"
    first = client.get(url, params={"q": "d", "sort": "title"})
    assert titles(first.text) == ["Biased model", "Data leak"]
    assert 'href="?q=d&amp;sort=title&amp;offset=2"' in first.text
    second = client.get(url, params={"q": "d", "sort": "title", "offset": "2"})
    assert titles(second.text) == ["Model drift"]
    assert 'href="?q=d&amp;sort=title"' in second.text  # back to the first page
    # The CSV holds the rows of the page it was asked from, no more.
    download = client.get(url, params={"q": "d", "sort": "title", "offset": "2", "format": "csv"})
    assert [row[0] for row in rows_of(download.content)[1:]] == titles(second.text)


def test_the_csv_is_what_the_page_shows(listed: tuple[World, int]) -> None:
    api, scope = listed
    client = sign_in(api, "viewer")
    url = f"/scopes/{scope}/risks"
    page = client.get(url, params={"sort": "title"})
    download = client.get(url, params={"sort": "title", "format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = rows_of(download.content)
    assert rows[0] == ["Risk", "Inherent", "Residual", "Treatment"]
    shown = [title.replace("&#34;", '"') for title in titles(page.text)]
    assert [row[0].removeprefix("'") for row in rows[1:]] == shown
    # A title a spreadsheet would run is written as text.
    assert '\'=HYPERLINK("http://evil")' in [row[0] for row in rows]
    assert ["Biased model", "4\u00d74 Critical", "1\u00d71 Low", "Mitigate"] in rows
    japanese = client.get(
        url, params={"sort": "title", "format": "csv"}, headers={"Accept-Language": "ja"}
    )
    header = rows_of(japanese.content)[0]
    assert header[0] == "リスク" and header != rows[0]
    conditions = client.get(
        f"/scopes/{scope}/conditions", params={"category": "regulation", "format": "csv"}
    )
    assert [row[0] for row in rows_of(conditions.content)] == ["Condition", "Privacy act"]


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "password"},
        {"treatment": "ignore"},
        {"likelihood": "9"},
        {"nonsense": "1"},
        {"offset": "-3"},
        {"format": "xlsx"},
        {"q": "x" * 201},
    ],
)
def test_bad_parameters_are_refused_clearly(listed: tuple[World, int], query: dict) -> None:
    api, scope = listed
    client = sign_in(api, "viewer")
    for tab in ("risks", "conditions", "stakeholders"):
        page = client.get(f"/scopes/{scope}/{tab}", params={"format": "csv", **query})
        assert page.status_code == 400, (tab, query)
        assert 'role="alert"' in page.text and "text/html" in page.headers["content-type"]


def test_a_refused_value_is_shown_as_text(listed: tuple[World, int]) -> None:
    api, scope = listed
    page = sign_in(api, "viewer").get(f"/scopes/{scope}/risks", params={"treatment": "<b>x</b>"})
    assert page.status_code == 400
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text and "<b>x</b>" not in page.text


def test_stakeholders_are_searched_and_filtered(listed: tuple[World, int]) -> None:
    api, scope = listed
    for name, category in (("Applicants", "user"), ("Regulator", "regulator")):
        body = {"name": name, "category": category, "interests": "fair treatment"}
        ok(
            api.client.post(
                f"{API}/scopes/{scope}/stakeholders", json=body, headers=api.auth("owner")
            ),
            201,
        )
    client = sign_in(api, "viewer")
    url = f"/scopes/{scope}/stakeholders"
    page = client.get(url, params={"category": "regulator"}).text
    assert "Regulator" in page and "Applicants" not in page
    page = client.get(url, params={"q": "FAIR", "sort": "-name"}).text
    assert page.index("Regulator") < page.index("Applicants")


# ---------------------------------------------------------------- pure parts


def test_ask_keeps_only_known_fields_and_values() -> None:
    request = ask(analysis_pages.RISKS, {"q": " a ", "treatment": "avoid", "sort": "-inherent"})
    assert (request.search, dict(request.filters), request.sort, request.descending) == (
        "a",
        {"treatment": "avoid"},
        "inherent",
        True,
    )
    assert not request.problems
    refused = ask(analysis_pages.RISKS, {"sort": "scope_id", "description": "x"})
    assert len(refused.problems) == 2 and not refused.sort and not refused.filters


def test_cells_a_spreadsheet_would_run_are_written_as_text() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)"):
        assert neutralised(text) == "'" + text
    assert neutralised("plain") == "plain" and neutralised(None) == ""
    body = csv_bytes(analysis_pages.CONDITIONS.columns[:1], [])
    assert body == "\ufeffCondition\r\n".encode()


def test_measures_are_filtered_by_status_and_sorted(listed: tuple[World, int]) -> None:
    api, scope = listed
    for title, kind, status in (
        ("Bias audit", "organization", "implemented"),
        ("Fairness metric", "technology", "planned"),
        ("Data policy", "rule", "implemented"),
    ):
        body = {"title": title, "kind": kind, "status": status}
        if kind == "rule":
            body["rule_layer"] = "voluntary"
        ok(
            api.client.post(f"{API}/scopes/{scope}/measures", json=body, headers=api.auth("owner")),
            201,
        )
    client = sign_in(api, "viewer")
    url = f"/scopes/{scope}/measures"
    page = client.get(url, params={"status": "implemented", "sort": "-title"})
    shown = re.findall(r'<a href="/scopes/\d+/measures/\d+">([^<]*)</a>', page.text)
    assert shown == ["Data policy", "Bias audit"]
    download = client.get(
        url,
        params={"status": "implemented", "sort": "-title", "format": "csv"},
        headers={"Accept-Language": "ja"},
    )
    rows = rows_of(download.content)
    assert rows[0][0] == "施策" and [row[0] for row in rows[1:]] == shown
    assert client.get(url, params={"status": "active"}).status_code == 400
