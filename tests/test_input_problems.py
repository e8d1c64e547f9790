"""What is wrong with a field, in plain words, in Japanese and English: the
sentences themselves, and as forms and the API show them."""

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from agilegov import i18n
from agilegov.parts import PARTS  # noqa: F401 (installs the parts)
from agilegov.web.input_problems import Bounds, bounds_of, problem_text
from agilegov.web.render import MESSAGES
from api_helpers import API, World, assert_problem
from web_helpers import field_error, post_form, sign_in


@pytest.fixture(scope="module", autouse=True)
def loaded_catalogs() -> None:
    i18n.catalogs.load([MESSAGES])


class Shape(BaseModel):
    score: int = Field(ge=1, le=5)
    share: float = Field(ge=0, le=1)
    count: int = Field(ge=0)
    note: str | None = None


@pytest.mark.parametrize(
    ("item", "bounds", "english", "japanese"),
    [
        ({"type": "missing"}, None, "This field is required", "この項目は必須です"),
        (
            {"type": "int_parsing"},
            Bounds(True, 1, 5),
            "Enter a whole number from 1 to 5",
            "1 から 5 までの整数を入力してください",
        ),
        ({"type": "int_parsing"}, None, "Enter a whole number", "整数を入力してください"),
        (
            {"type": "less_than_equal", "ctx": {"le": 5}},
            Bounds(True, 1, 5),
            "Enter a whole number from 1 to 5",
            "1 から 5 までの整数を入力してください",
        ),
        (
            {"type": "greater_than_equal", "ctx": {"ge": 0}},
            None,
            "Enter a number of at least 0",
            "0 以上の数値を入力してください",
        ),
        (
            {"type": "less_than", "ctx": {"lt": 10}},
            None,
            "Enter a number less than 10",
            "10 より小さい数値を入力してください",
        ),
        ({"type": "float_parsing"}, None, "Enter a number", "数値を入力してください"),
        (
            {"type": "string_too_long", "ctx": {"max_length": 200}},
            None,
            "Enter at most 200 characters",
            "200 文字以内で入力してください",
        ),
        (
            {"type": "string_too_short", "ctx": {"min_length": 1}},
            None,
            "This field is required",
            "この項目は必須です",
        ),
        (
            {"type": "string_too_short", "ctx": {"min_length": 3}},
            None,
            "Enter at least 3 characters",
            "3 文字以上で入力してください",
        ),
        (
            {"type": "enum", "ctx": {"expected": "'low', 'medium' or 'high'"}},
            None,
            "Choose one of: low, medium, high",
            "次のいずれかを選んでください: low, medium, high",
        ),
        (
            {"type": "literal_error", "ctx": {"expected": "'rule' or 'technology'"}},
            None,
            "Choose one of: rule, technology",
            "次のいずれかを選んでください: rule, technology",
        ),
        (
            {"type": "date_from_datetime_parsing"},
            None,
            "Enter a date such as 2026-04-01",
            "日付を 2026-04-01 のように入力してください",
        ),
        (
            {"type": "datetime_parsing"},
            None,
            "Enter a date and time such as 2026-04-01T09:30:00Z",
            "日時を 2026-04-01T09:30:00Z のように入力してください",
        ),
        (
            {"type": "url_parsing"},
            None,
            "Enter a web address such as https://example.org",
            "URL を https://example.org のように入力してください",
        ),
        (
            {"type": "too_long", "ctx": {"max_length": 50}},
            None,
            "Give at most 50 items",
            "50 個以内で指定してください",
        ),
        # A validator's own words are kept as written.
        (
            {"type": "value_error", "msg": "Value error, 'x' is not a number"},
            None,
            "'x' is not a number",
            "'x' is not a number",
        ),
    ],
    ids=lambda value: value["type"] if isinstance(value, dict) else "",
)
def test_a_problem_in_plain_words(
    item: dict[str, Any], bounds: Bounds | None, english: str, japanese: str
) -> None:
    text = problem_text(item, bounds)
    for language, expected in (("en", english), ("ja", japanese)):
        shown = text.in_language(language) if isinstance(text, i18n.Lazy) else text
        assert shown == expected


def test_a_fields_bounds_come_from_its_model() -> None:
    assert bounds_of(Shape, "score") == Bounds(True, 1, 5)
    assert bounds_of(Shape, "share") == Bounds(False, 0, 1)
    assert bounds_of(Shape, "count") == Bounds(True, 0, None)
    assert bounds_of(Shape, "note") is None
    assert bounds_of(Shape, "unknown") is None and bounds_of(None, "score") is None


def test_pydantic_errors_read_as_sentences() -> None:
    with pytest.raises(ValidationError) as refused:
        Shape.model_validate({"score": "many", "share": 2})
    found = {
        item["loc"][0]: problem_text(item, bounds_of(Shape, str(item["loc"][0])))
        for item in refused.value.errors()
    }
    assert str(found["score"]) == "Enter a whole number from 1 to 5"
    assert str(found["share"]) == "Enter a number from 0 to 1"
    assert str(found["count"]) == "This field is required"


# ---------------------------------------------------------------- pages and the API

BAD_RISK = {
    "title": "Bias",
    "inherent_likelihood": "9",
    "inherent_severity": "3",
    "residual_likelihood": "1",
    "residual_severity": "1",
    "treatment": "mitigate",
}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Enter a whole number from 1 to 5"), ("ja", "1 から 5 までの整数を入力してください")],
)
def test_a_form_says_whats_wrong_in_the_pages_language(
    shared: World, language: str, expected: str
) -> None:
    client = sign_in(shared, "owner")
    client.headers["Accept-Language"] = language
    base = f"/scopes/{shared.scopes['private']['id']}/risks"
    page = post_form(client, f"{base}/new", base, BAD_RISK)
    assert page.status_code == 422
    assert field_error(page, "inherent_likelihood") == expected


@pytest.mark.parametrize(
    ("accept_language", "title", "message"),
    [
        (None, "Invalid input", "Enter a whole number from 1 to 5"),
        ("en-GB", "Invalid input", "Enter a whole number from 1 to 5"),
        ("de", "Invalid input", "Enter a whole number from 1 to 5"),
        ("ja-JP,ja;q=0.9", "入力が正しくありません", "1 から 5 までの整数を入力してください"),
    ],
)
def test_the_api_says_whats_wrong_in_the_callers_language(
    shared: World, accept_language: str | None, title: str, message: str
) -> None:
    headers = shared.auth("owner")
    if accept_language:
        headers["Accept-Language"] = accept_language
    body = {**BAD_RISK, "inherent_likelihood": 9}
    scope_id = shared.scopes["private"]["id"]
    response = shared.client.post(f"{API}/scopes/{scope_id}/risks", json=body, headers=headers)
    problem = assert_problem(response, 422, "inherent_likelihood")
    assert problem["title"] == title
    assert problem["errors"][0]["message"] == message
    assert problem["detail"] == f"inherent_likelihood: {message}"


@pytest.mark.parametrize(
    ("accept_language", "title"), [(None, "Not found"), ("ja", "見つかりません")]
)
def test_a_problems_title_follows_the_callers_language(
    shared: World, accept_language: str | None, title: str
) -> None:
    headers = shared.auth("owner")
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = shared.client.get(f"{API}/scopes/99999999", headers=headers)
    assert assert_problem(response, 404)["title"] == title


def test_a_page_refusing_its_address_says_why_in_the_pages_language(shared: World) -> None:
    client = sign_in(shared, "owner")
    path = "/assessments/new?scope_id=abcdefghijklm"
    english = client.get(path, headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert "scope_id: Enter at most 12 characters" in english.text
    japanese = client.get(path, headers={"Accept-Language": "ja"})
    assert "scope_id: 12 文字以内で入力してください" in japanese.text
