"""The ``agilegov`` command: the database, serving, the demo; and every part's
commands, from the list of parts."""

import contextvars
import functools
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agilegov import i18n, logs, migrations, part
from agilegov.i18n import N_, gettext
from agilegov.mail import Mailer
from agilegov.parts import PARTS
from agilegov.settings import get_settings
from agilegov.terminal import console, fail, help_texts, language_of, open_uow, speak_help

app = typer.Typer(help="agilegov: agile governance on a verifiable record.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
messages_app = typer.Typer(
    help="The texts' catalogs, in Japanese and English.", no_args_is_help=True
)
app.add_typer(messages_app, name="messages")
# Each part's commands, in the parts' order.
for listed in PARTS:
    for commands in listed.commands:
        app.add_typer(commands)


@functools.cache
def _load_catalogs() -> None:
    from agilegov.web.render import MESSAGES

    i18n.catalogs.load([i18n.CORE_MESSAGES, MESSAGES, *part.message_folders()])


def _language() -> str:
    """The command line's language. Messages meant for people read in it; English
    needs no catalog (the texts are written in it), so only Japanese loads them."""
    language = language_of(os.environ, get_settings().default_language)
    if language != "en":
        _load_catalogs()
    return language


@app.callback()
def _speak(context: typer.Context) -> None:
    token = i18n.current_language.set(_language())
    context.call_on_close(lambda: i18n.current_language.reset(token))


def main() -> None:
    """The ``agilegov`` command, its help too in the command line's language.
    Commands speak through their output; warnings and errors go to the log, in
    its format (``serve`` logs from INFO)."""
    logs.configure(get_settings(), level="WARNING")
    command = typer.main.get_command(app)
    language = _language()
    if language != "en":
        speak_help(command, language)
    command(prog_name="agilegov")


def _upgrade() -> None:
    migrations.upgrade(get_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    _upgrade()
    revision = migrations.current_revision(get_settings().database_url)
    console.print(gettext("database at revision %(revision)s", revision=revision))


@messages_app.command("update")
def messages_update() -> None:
    """Add the texts newly marked for translation, and the words shown for each
    part's code names, to every catalog (Japanese left to translate, English as
    written), and remove those no longer used."""
    from agilegov import part
    from agilegov.i18n import CORE_MESSAGES, update_catalogs
    from agilegov.web.forms import labels_in
    from agilegov.web.render import MESSAGES

    # The command line's help: its commands' docstrings and options' help.
    folders = [(CORE_MESSAGES, set(help_texts(typer.main.get_command(app)))), (MESSAGES, set())]
    for each in part.installed():
        if each.messages is not None:
            folders.append((each.messages, labels_in(f"agilegov.{each.messages.parent.name}")))
    for folder, labels in folders:
        for path in update_catalogs(folder, also=labels):
            console.print(str(path))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web application and the API."""
    import uvicorn

    from agilegov.app import create_app

    _upgrade()
    address = f"http://{host}:{port}"
    console.print(
        gettext("agilegov on %(address)s  (API: /api/v1, docs: /api/v1/docs)", address=address)
    )
    console.print(gettext("mails go to %(place)s", place=Mailer(get_settings()).where()))
    # Uvicorn would believe X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS);
    # the application alone decides whom to believe (AGILEGOV_TRUSTED_PROXIES).
    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        log_config=logs.logging_config(get_settings()),
        log_level="info",
        proxy_headers=False,
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after loading.")
    ] = True,
    credentials_out: Annotated[
        Path | None, typer.Option(help="Also write the demo accounts to this JSON file.")
    ] = None,
    feed_seconds: Annotated[
        float,
        typer.Option(help="While serving, feed the monitoring every this many seconds (0: off)."),
    ] = 10.0,
) -> None:
    """Load the demo scenario into the configured database, print its accounts, and serve."""
    from agilegov.demo.scenario import load_demo

    _upgrade()
    accounts = load_demo(open_uow())
    table = Table(title=gettext("Demo accounts"))
    for column in (N_("organization"), N_("role"), N_("email"), N_("password"), N_("API token")):
        table.add_column(gettext(column), overflow="fold")
    for account in accounts:
        table.add_row(
            f"{account['organization']} @{account['handle']}",
            account["role"],
            account["email"],
            account["password"],
            account["token"],
        )
    console.print(table)
    if credentials_out is not None:
        credentials_out.write_text(json.dumps(accounts, indent=2) + "\n")
        credentials_out.chmod(0o600)
        console.print(gettext("accounts written to %(path)s", path=credentials_out))
    if serve_after:
        if feed_seconds > 0:
            _feed_in_background(feed_seconds)
        serve(host="127.0.0.1", port=port)


def _feed_in_background(seconds: float) -> None:
    """The demo's live monitoring feed, beside the server, until the server stops."""
    import threading

    from agilegov.demo.feed import describe, run_feed

    def report(step: Any) -> None:
        label = gettext("feed")
        console.print(f"[dim]{label}[/dim] {describe(step)}", highlight=False)

    # The thread speaks the command line's language: it runs in a copy of this context.
    speaking = contextvars.copy_context()
    threading.Thread(
        target=speaking.run,
        args=(run_feed, open_uow(), seconds),
        kwargs={"report": report},
        daemon=True,
    ).start()
    every = f"{seconds:g}"
    console.print(
        gettext(
            "feeding TalentBridge's monitoring every %(seconds)s s: a breach opens a trigger "
            "on its screening scope after a few steps",
            seconds=every,
        )
    )


@app.command()
def simulate(
    interval: Annotated[float, typer.Option(min=0.0, help="Seconds between steps.")] = 5.0,
    steps: Annotated[int, typer.Option(min=0, help="Steps to run (0: until interrupted).")] = 0,
) -> None:
    """Feed the demo's monitoring: one value of each daily indicator per step, then an
    evaluation; the retention job fails at step 3 and the breach opens a trigger."""
    from agilegov.demo.feed import describe, run_feed

    _upgrade()
    try:
        run_feed(
            open_uow(),
            interval,
            steps or None,
            report=lambda step: console.print(describe(step), highlight=False),
        )
    except RuntimeError as problem:
        fail(str(problem))
    except KeyboardInterrupt:
        console.print(gettext("stopped"))
