"""The command line speaks Japanese or English: AGILEGOV_LANGUAGE, else the
POSIX locale (LC_ALL, LC_MESSAGES, LANG), else the site's default; what it
prints for machines (JSON, ids) stays as it is."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agilegov import i18n
from agilegov.cli import app
from agilegov.demo.feed import Step, describe
from agilegov.settings import get_settings
from agilegov.terminal import help_texts, language_of

# The locale of a Japanese desktop, with no language set for agilegov itself.
JAPANESE = {"AGILEGOV_LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "ja_JP.UTF-8"}
POSIX = {**JAPANESE, "LANG": "C"}


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "site"),  # no locale: the site's default
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "ja_JP.eucJP"}, "ja"),
        ({"LANG": "en_US", "LC_ALL": ""}, "en"),  # an empty variable is no choice
        ({"LANG": "ja_JP.UTF-8", "AGILEGOV_LANGUAGE": "en"}, "en"),
        ({"LANG": "C", "AGILEGOV_LANGUAGE": "ja"}, "ja"),
        ({"AGILEGOV_LANGUAGE": "fr", "LANG": "ja"}, "ja"),  # not ours: the locale decides
        ({"LANG": "fr_FR.UTF-8"}, "site"),  # a language we lack: the site's
    ],
)
def test_the_command_lines_language(environment: dict[str, str], language: str) -> None:
    assert language_of(environment, "site") == language


def test_a_command_speaks_the_locales_language() -> None:
    runner = CliRunner()
    japanese = runner.invoke(app, ["cycle", "rules"], env=JAPANESE)
    assert japanese.exit_code == 0, japanese.output
    assert "トリガーの種類と求めるループ" in japanese.output
    assert "indicator_breach" in japanese.output  # code names stay as they are
    assert i18n.current_language.get() == "en"  # and the language ends with the command
    english = runner.invoke(app, ["cycle", "rules"], env=POSIX)
    assert "Trigger kinds and the loop they call for" in english.output


@pytest.mark.parametrize(
    ("environment", "heading", "option"),
    [
        (
            JAPANESE,
            "ガバナンスのサイクル。",
            "レビュー期限を過ぎたものすべてについてトリガーを開きます。",
        ),
        (POSIX, "The governance cycle.", "Open triggers for every review-by date that has passed."),
    ],
)
def test_the_help_speaks_the_locales_language(
    environment: dict[str, str | None], heading: str, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--help`` is answered before any command runs, as the installed command
    (``agilegov.cli:main``) answers it."""
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    result = subprocess.run(
        [sys.executable, "-m", "agilegov", "cycle", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert heading in result.stdout and option in result.stdout


def test_every_help_text_is_in_the_catalogs() -> None:
    """What ``agilegov messages update`` collects: each has its Japanese."""
    catalogs = i18n.Catalogs()
    catalogs.load([i18n.CORE_MESSAGES])
    texts = help_texts(typer.main.get_command(app))
    assert "Show which loop each kind of trigger calls for." in texts
    assert [text for text in texts if not catalogs.knows(text)] == []


def test_a_commands_error_reads_in_japanese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        arguments = ["simulate", "--steps", "1", "--interval", "0"]
        japanese = CliRunner().invoke(app, arguments, env=JAPANESE)
        english = CliRunner().invoke(app, arguments, env=POSIX)
    finally:
        get_settings.cache_clear()
    assert japanese.exit_code == 1
    assert "エラー: ここにはデモが読み込まれていません" in japanese.output
    assert english.exit_code == 1
    assert "error: the demo is not loaded here" in english.output


def test_the_demos_feed_tells_its_steps_in_japanese() -> None:
    CliRunner().invoke(app, ["cycle", "rules"], env=JAPANESE)  # loads the catalogs
    step = Step(
        number=3,
        scope_id=7,
        at=datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
        stored=5,
        counts={"ok": 4, "warning": 0, "breach": 1},
        opened=[12],
    )
    with i18n.speaking("ja"):
        japanese = describe(step)
    assert japanese == (
        "ステップ 3: 09:30:00 に 5 件の値。正常 4 件, 逸脱 1 件。"
        "トリガー #12 を開きました: GET /api/v1/scopes/7/cycle"
    )
    assert describe(step) == (
        "step 3: 5 values at 09:30:00; 4 ok, 1 breach; "
        "trigger #12 opened: GET /api/v1/scopes/7/cycle"
    )
