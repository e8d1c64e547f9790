"""The services' own explanations (a scope not found, a move of the cycle
refused) read in the language of whoever is shown them: the API caller's
``Accept-Language``, the page's language, English where none is asked for; and
no service writes one as a plain string, which would be English everywhere."""

import ast
from pathlib import Path

import pytest

import agilegov
from agilegov import errors, i18n, part
from agilegov.errors import DomainError, InvalidInput
from agilegov.i18n import lazy, speaking
from agilegov.parts import PARTS  # noqa: F401 (installs the parts)
from agilegov.web.render import MESSAGES
from api_helpers import API, World, assert_problem, assert_unchanged, snapshot
from web_helpers import browser, field_error, post_form, sign_in

SOURCE = Path(agilegov.__file__).parent
DOMAIN_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, DomainError)
}
JAPANESE = {"Accept-Language": "ja-JP,ja;q=0.9"}


def test_a_field_problem_reads_in_the_language_current_when_shown() -> None:
    i18n.catalogs.load([i18n.CORE_MESSAGES, MESSAGES, *part.message_folders()])
    error = InvalidInput.on("parent_id", lazy("would make the goal its own ancestor"))
    assert str(error.detail) == "parent_id: would make the goal its own ancestor"
    with speaking("ja"):
        assert str(error.detail) == "parent_id: ゴールが自らの祖先になってしまいます"
        assert str(error.problems[0].message) == "ゴールが自らの祖先になってしまいます"
    assert "ancestor" in str(error)  # English again outside


def test_the_api_explains_in_the_language_asked_for(shared: World) -> None:
    missing = f"{API}/scopes/999999"
    english = assert_problem(shared.client.get(missing, headers=shared.auth("owner")), 404)
    assert english["detail"] == "scope 999999 not found"
    headers = {**shared.auth("owner"), **JAPANESE}
    japanese = assert_problem(shared.client.get(missing, headers=headers), 404)
    assert japanese["detail"] == "スコープ 999999 は見つかりません"
    assert japanese["title"] == "見つかりません"


def test_a_field_problem_of_the_api_reads_in_japanese_and_keeps_its_field(
    shared: World,
) -> None:
    scope = shared.scopes["private"]["id"]
    path = f"{API}/scopes/{scope}/cycle/transitions"
    headers = {**shared.auth("editor"), **JAPANESE}
    before = snapshot(shared.engine)
    body = assert_problem(shared.client.post(path, json={"to": "evaluation"}, headers=headers), 422)
    assert body["errors"][0]["field"] == "to"
    assert "へは移れません" in body["errors"][0]["message"]
    assert body["detail"].startswith("to: ") and "へは移れません" in body["detail"]
    assert_unchanged(before, shared.engine)


def test_a_japanese_page_shows_the_services_explanations_in_japanese(shared: World) -> None:
    client = sign_in(shared, "editor")
    scope = shared.scopes["private"]["id"]
    chosen = post_form(client, "/organizations", "/language", {"language": "ja", "next": "/"})
    assert chosen.status_code == 303
    page = post_form(
        client, f"/scopes/{scope}", f"/scopes/{scope}/cycle/transitions", {"to": "evaluation"}
    )
    assert page.status_code == 422
    assert "evaluation へは移れません" in field_error(page, "to")
    missing = browser(shared).get("/scopes/999999", headers=JAPANESE)
    assert missing.status_code == 404
    assert "<h1>見つかりません</h1>" in missing.text
    assert "スコープ 999999 は見つかりません" in missing.text


def _plain_texts(tree: ast.AST) -> list[int]:
    """Lines where a domain error is made with a text written as a plain string
    (a literal, an f-string or a sum holding one) rather than ``lazy(...)``."""

    def plain(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant | ast.JoinedStr):
            return isinstance(node, ast.JoinedStr) or isinstance(node.value, str)
        if isinstance(node, ast.BinOp):
            return plain(node.left) or plain(node.right)
        return False

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function, text = node.func, None
        if isinstance(function, ast.Name) and function.id in DOMAIN_ERRORS and node.args:
            text = node.args[0]
        elif (
            isinstance(function, ast.Attribute)
            and function.attr == "on"
            and isinstance(function.value, ast.Name)
            and function.value.id in DOMAIN_ERRORS
            and len(node.args) > 1
        ):
            text = node.args[1]
        if text is not None and plain(text):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ('raise NotFound(f"scope {x} not found")', [1]),
        ('raise InvalidInput.on("to", "is wrong")', [1]),
        ('raise Conflict("a " + b)', [1]),
        ('raise NotFound(lazy("scope %(x)s not found", x=x))', []),
        ('raise InvalidInput.on("to", lazy("is wrong"))', []),
        ("raise InvalidInput.on(field, str(problem))", []),
        ('raise ValueError("not ours")', []),
    ],
)
def test_plain_texts_of_domain_errors_are_found(source: str, lines: list[int]) -> None:
    assert _plain_texts(ast.parse(source)) == lines


def test_no_domain_error_is_written_as_a_plain_string() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{line}"
        for path in sorted(SOURCE.rglob("*.py"))
        for line in _plain_texts(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, "mark these texts with lazy(...): " + ", ".join(found)
