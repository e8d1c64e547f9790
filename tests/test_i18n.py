"""Texts in Japanese and English: the catalogs are complete, no template holds
a text outside them, and pages follow the visitor's language."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import Environment
from sqlalchemy import func, select

from agilegov import i18n, part
from agilegov.parts import PARTS  # noqa: F401 (installs the parts)
from agilegov.record.models import Event
from agilegov.web.forms import labels_in
from agilegov.web.render import MESSAGES, TEMPLATES
from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    create_scope,
    ok,
    snapshot,
)
from web_helpers import browser, field_error, post_form, sign_in

FOLDERS = [
    i18n.CORE_MESSAGES.parent,
    MESSAGES.parent,
    *(folder.parent for folder in part.message_folders()),
]


# ---------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("ja", "ja"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,ja;q=0.5,en;q=0.4", "ja"),
        ("en;q=0.2,ja;q=0.8", "ja"),
        ("ja;q=0,en;q=0.1", "en"),
        ("de, fr", "en"),
        ("ja;q=x, en", "en"),
        ("JA-jp", "ja"),
    ],
)
def test_the_language_a_browser_asks_for(header: str | None, language: str) -> None:
    assert i18n.negotiate(header, "en") == language


def test_a_browser_asking_for_none_of_ours_gets_the_site_default() -> None:
    assert i18n.negotiate("de-DE", "ja") == "ja"


LEX = Environment(extensions=["jinja2.ext.i18n"])


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ("<p>{{ _('Hello') }}</p>", []),
        ("<p>{% trans %}Hello {{ name }}{% endtrans %}</p>", []),
        ('<a title="Open it" href="/x">{{ _("x") }}</a>', ["Open it"]),
        ('<input type="text" name="q" value="{{ q }}" class="wide">', []),
        ('<input aria-label="Find" value="{{ q }}">', ["Find"]),
        ("<td>{{ count }} — 12:00</td>", []),
        ("{% if a %}<b>Yes</b>{% endif %}", ["Yes"]),
        ("<span>agilegov · API · CSV</span>", []),
        ("<p>開く</p>", ["開く"]),
        ("&nbsp;&middot;", []),
    ],
)
def test_texts_outside_the_catalogs_are_found(source: str, found: list[str]) -> None:
    assert [text for _, text in i18n.untranslated_texts(LEX.lex(source))] == found


# ---------------------------------------------------------------- the catalogs


def _templates() -> list[Path]:
    folders = [TEMPLATES, *part.template_folders()]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


@pytest.mark.parametrize(
    "path", _templates(), ids=lambda path: f"{path.parent.parent.name}/{path.name}"
)
def test_no_template_holds_a_text_outside_the_catalogs(path: Path) -> None:
    found = i18n.untranslated_texts(LEX.lex(path.read_text(encoding="utf-8")))
    assert not found, "\n".join(f"{path}:{line}: {text}" for line, text in found)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_text_is_translated(folder: Path, language: str) -> None:
    marked = {(message, context) for _, message, context in i18n.extracted(folder)}
    if folder not in (i18n.CORE_MESSAGES.parent, MESSAGES.parent):
        marked |= {(label, None) for label in labels_in(f"agilegov.{folder.name}")}
    path = i18n.catalog_path(folder / "locale", language)
    catalog = i18n.read_catalog(path, language) if path.exists() else None
    missing = []
    for message, context in sorted(marked, key=str):
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key, context) if catalog is not None else None
        strings = [] if entry is None else entry.string
        strings = [strings] if isinstance(strings, str) else list(strings)
        if not strings or not all(strings):
            missing.append(key)
    assert not missing, f"{path}: {len(missing)} untranslated, e.g. {missing[:5]}"


# ---------------------------------------------------------------- pages


def test_a_page_follows_the_browsers_language(shared: World) -> None:
    client = browser(shared)
    japanese = client.get("/organizations", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert '<html lang="ja">' in japanese.text
    assert ">ログイン</a>" in japanese.text and ">Sign in</a>" not in japanese.text
    english = client.get("/organizations", headers={"Accept-Language": "en-GB,fr;q=0.5"})
    assert '<html lang="en">' in english.text and ">Sign in</a>" in english.text
    unknown = client.get("/organizations", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in unknown.text  # the site's default


def test_the_language_chosen_outlasts_the_browsers(shared: World) -> None:
    client = browser(shared)
    headers = {"Accept-Language": "en"}
    chosen = post_form(client, "/organizations", "/language", {"language": "ja", "next": "/record"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/record"
    page = client.get("/record", headers=headers)
    assert '<html lang="ja">' in page.text
    assert 'value="en"' in page.text and ">English</button>" in page.text
    back = post_form(client, "/record", "/language", {"language": "en", "next": "/record"})
    assert back.status_code == 303
    assert '<html lang="en">' in client.get("/record", headers=headers).text


@pytest.mark.parametrize(
    ("data", "status", "location"),
    [
        ({"language": "fr", "next": "/"}, 422, None),
        ({"next": "/"}, 422, None),
        ({"language": "ja", "next": "https://elsewhere.example/"}, 303, "/"),
        ({"language": "ja", "next": "//elsewhere.example/"}, 303, "/"),
        ({"language": "ja", "next": "/scopes/1?tab=x"}, 303, "/scopes/1?tab=x"),
    ],
)
def test_choosing_a_language_is_checked(
    shared: World, data: dict[str, str], status: int, location: str | None
) -> None:
    client = browser(shared)
    before = snapshot(shared.engine)
    response = post_form(client, "/organizations", "/language", data)
    assert response.status_code == status
    if location is None:
        assert "language" in response.text and "agilegov_language" not in response.cookies
    else:
        assert response.headers["location"] == location
    assert_unchanged(before, shared.engine)


def test_choosing_a_language_needs_the_pages_token(shared: World) -> None:
    client = browser(shared)
    client.get("/organizations")
    response = client.post("/language", data={"language": "ja", "next": "/"})
    assert response.status_code == 403
    assert "agilegov_language" not in response.cookies


def test_a_form_page_reads_in_japanese(shared: World) -> None:
    client = sign_in(shared, "owner")
    scope_id = shared.scopes["private"]["id"]
    page = client.get(f"/scopes/{scope_id}/risks/new", headers={"Accept-Language": "ja"})
    assert page.status_code == 200
    assert "<h1>新しい" in page.text and ">キャンセル</a>" in page.text


# ---------------------------------------------------------------- a person's settings


def test_a_person_sets_how_they_read_pages(shared: World) -> None:
    client, owner = shared.client, shared.auth("owner")
    path = f"{API}/me/preferences"
    before = snapshot(shared.engine)
    for body, field in (
        ({"language": "fr"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "x" * 65}, "time_zone"),
        ({"colour": "blue"}, "colour"),
    ):
        assert_problem(client.patch(path, json=body, headers=owner), 422, field)
    assert_problem(client.patch(path, json={"language": "ja"}), 401)
    assert_unchanged(before, shared.engine)
    try:
        chosen = ok(
            client.patch(path, json={"language": "ja", "time_zone": "Europe/Paris"}, headers=owner)
        )
        assert chosen == {"language": "ja", "time_zone": "Europe/Paris"}
        assert ok(client.get(path, headers=owner)) == chosen
        with shared.engine.connect() as connection:
            recorded = connection.scalar(
                select(func.count()).where(Event.type == "user.preferences_changed")
            )
        assert recorded >= 1

        # The pages follow the setting, whatever the browser asks for.
        browsing = sign_in(shared, "owner")
        page = browsing.get("/record", headers={"Accept-Language": "en"})
        assert '<html lang="ja">' in page.text
        assert ok(client.patch(path, json={"time_zone": None}, headers=owner))["language"] == "ja"
    finally:
        ok(client.patch(path, json={"language": None, "time_zone": None}, headers=owner))


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("UTC", "2026-04-01 00:30 UTC"),
        ("Asia/Tokyo", "2026-04-01 09:30 JST"),
        ("America/Sao_Paulo", "2026-03-31 21:30 America/Sao_Paulo"),
    ],
)
def test_times_are_shown_in_the_readers_zone_named(zone: str, text: str) -> None:
    moment = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    chosen = i18n.current_zone.set(zone)
    try:
        assert i18n.local_time_text(moment) == text
    finally:
        i18n.current_zone.reset(chosen)


@pytest.mark.parametrize("count", [0, 1, 2, 13])
def test_japanese_has_one_plural_form(count: int) -> None:
    catalogs = i18n.Catalogs()
    catalogs.load([MESSAGES])
    one, many = "%(count)s version", "%(count)s versions"
    assert catalogs.ngettext("ja", one, many, count) == "%(count)s 版"
    assert catalogs.ngettext("en", one, many, count) == (one if count == 1 else many)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_data_shown_through_the_catalogs_stays_data(shared: World, language: str) -> None:
    """Headings and labels made in code may hold names people typed: they are
    translated when the catalogs know them, but never read as markup or as a
    format."""
    name = "<script>alert(1)</script> 50% of Risks"
    scope = create_scope(shared, name=name)
    client = sign_in(shared, "owner")
    page = client.get(f"/scopes/{scope['id']}/edit", headers={"Accept-Language": language})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 50% of Risks" in page.text


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_a_text_reads_the_same_in_every_catalog(language: str) -> None:
    """The catalogs are merged into one per language: a text translated two ways
    would read one way or the other by the order of the parts."""
    translations: dict[tuple[str | None, str], dict[object, list[str]]] = {}
    for folder in FOLDERS:
        path = i18n.catalog_path(folder / "locale", language)
        if not path.exists():
            continue
        for message in i18n.read_catalog(path, language):
            if message.id:
                # A text in two contexts may read two ways: that is what contexts are for.
                text = message.id if isinstance(message.id, str) else message.id[0]
                key = (message.context, text)
                string = (
                    message.string if isinstance(message.string, str) else tuple(message.string)
                )
                translations.setdefault(key, {}).setdefault(string, []).append(folder.name)
    differing = {key: ways for key, ways in translations.items() if len(ways) > 1}
    assert not differing, differing


def test_the_account_page_sets_language_and_zone(shared: World) -> None:
    client = sign_in(shared, "editor")
    before = snapshot(shared.engine)
    refused = post_form(
        client, "/account", "/account/preferences", {"language": "ja", "time_zone": "Mars/Base"}
    )
    assert refused.status_code == 422
    assert field_error(refused, "time_zone")
    assert_unchanged(before, shared.engine)
    try:
        saved = post_form(
            client,
            "/account",
            "/account/preferences",
            {"language": "ja", "time_zone": "Asia/Tokyo"},
        )
        assert saved.status_code == 303
        page = client.get(saved.headers["location"], headers={"Accept-Language": "en"})
        assert '<html lang="ja">' in page.text and "保存しました" in page.text
        assert '<option value="Asia/Tokyo" selected>' in page.text
    finally:
        reset = post_form(
            client, "/account", "/account/preferences", {"language": "", "time_zone": ""}
        )
        assert reset.status_code == 303
    assert '<html lang="en">' in client.get("/account", headers={"Accept-Language": "en"}).text


def test_a_stage_and_a_noun_reading_alike_in_english_read_apart_in_japanese(
    shared: World,
) -> None:
    """The goals (ゴール) and the stage of setting them (ゴール設定) read "Goals":
    the stage's name has a context of its own."""
    scope_id = create_scope(shared)["id"]
    moved = shared.client.post(
        f"{API}/scopes/{scope_id}/cycle/transitions",
        json={"to": "goals", "reason": "conditions analysed"},
        headers=shared.auth("editor"),
    )
    ok(moved, 201)
    client = sign_in(shared, "viewer")
    japanese = client.get(f"/scopes/{scope_id}", headers={"Accept-Language": "ja"}).text
    assert "段階: <strong>ゴール設定</strong>" in japanese
    english = client.get(f"/scopes/{scope_id}", headers={"Accept-Language": "en"}).text
    assert "Stage: <strong>Goals</strong>" in english
    with i18n.speaking("ja"):
        assert i18n.pgettext("stage", "Goals") == "ゴール設定"
        assert i18n.gettext("Goals") == "ゴール"
