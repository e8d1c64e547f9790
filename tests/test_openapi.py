"""The OpenAPI schema says which problems each operation answers, and how."""

from datetime import date
from typing import Any

from pydantic import AwareDatetime

from agilegov.api.problems import PROBLEM_JSON, allowed_methods, implied_statuses
from agilegov.schemas import number_refused
from api_helpers import API, make_client

BEARER = [{"HTTPBearer": []}]
ID = {"name": "scope_id", "in": "path", "required": True, "schema": {"type": "integer"}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer"}}
BODY = {"content": {"application/json": {"schema": {}}}}


def test_an_operations_problems_follow_from_its_parameters_and_its_caller() -> None:
    assert implied_statuses("get", {}) == set()
    assert implied_statuses("get", {"security": BEARER}) == {401, 403}
    assert implied_statuses("get", {"security": BEARER, "parameters": [LIMIT]}) == {401, 403, 422}
    assert implied_statuses("get", {"security": BEARER, "parameters": [ID]}) == {
        401,
        403,
        404,
        422,
    }
    assert implied_statuses(
        "patch", {"security": BEARER, "parameters": [ID], "requestBody": BODY}
    ) == {401, 403, 404, 409, 413, 422}


def _schema() -> dict[str, Any]:
    with make_client("sqlite://") as client:
        response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_problem_is_declared_as_problem_json() -> None:
    schema = _schema()
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        if not path.startswith(API + "/"):
            continue
        for method, operation in operations.items():
            answers = operation["responses"]
            problems = {int(status) for status in answers if status.startswith("4")}
            assert problems >= implied_statuses(method, operation), (method, path)
            for status in problems:
                content = answers[str(status)]["content"]
                assert set(content) == {PROBLEM_JSON}, (method, path, status)
            # Anonymous callers read what is public: the token is optional.
            if "security" in operation:
                assert {} in operation["security"], (method, path)
    votes = schema["paths"][f"{API}/consultations/{{consultation_id}}/votes"]["post"]
    assert "429" in votes["responses"]


def test_a_method_the_path_lacks_names_every_method_it_has() -> None:
    with make_client("sqlite://") as client:
        api = client.request("OPTIONS", f"{API}/scopes/1")
        page = client.request("TRACE", "/healthz")
    assert api.status_code == 405 and api.headers["content-type"].startswith(PROBLEM_JSON)
    assert api.headers["allow"] == "GET, HEAD, PATCH"
    assert page.status_code == 405 and page.headers["allow"] == "GET"


def test_a_body_that_cannot_be_read_is_invalid_input_naming_the_body() -> None:
    with make_client("sqlite://") as client:
        response = client.post(
            f"{API}/tokens", content=b"\xb0\xff", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "body",
            "in": "body",
            "message": "cannot be read (not UTF-8 JSON, or a malformed form)",
        }
    ]


def test_a_number_is_not_taken_for_a_date_a_time_or_a_flag() -> None:
    assert number_refused(date, 0) == "must be a string"
    assert number_refused(AwareDatetime | None, 1.5) == "must be a string"
    assert number_refused(bool, 1) == "must be true or false"
    assert number_refused(int, True) == "must be a number"
    assert number_refused(float | None, False) == "must be a number"
    for annotation, value in ((bool, True), (int, 5), (float, 5), (date, "2025-06-30")):
        assert number_refused(annotation, value) is None
    # Strings are for the model to read (a form sends "5" for a number).
    assert number_refused(int, "5") is None


def test_the_most_specific_path_names_the_methods() -> None:
    schema = {
        "paths": {
            "/scopes/import": {"post": {}},
            "/scopes/{scope_id}": {"get": {}, "patch": {}},
        }
    }
    assert allowed_methods(schema, "/scopes/import") == "POST"
    assert allowed_methods(schema, "/scopes/7") == "GET, HEAD, PATCH"
    assert allowed_methods(schema, "/elsewhere") == ""
