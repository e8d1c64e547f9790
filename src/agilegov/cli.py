"""The ``agilegov`` command."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from agilegov import migrations
from agilegov.auth import SYSTEM
from agilegov.db import make_engine, make_session_factory
from agilegov.dialogue.cli import dialogue_app
from agilegov.errors import DomainError
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

app = typer.Typer(help="agilegov: agile governance on a verifiable record.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
cycle_app = typer.Typer(help="The governance cycle.", no_args_is_help=True)
user_app = typer.Typer(help="People and their tokens.", no_args_is_help=True)
record_app = typer.Typer(help="The verifiable record.", no_args_is_help=True)
credential_app = typer.Typer(help="Attestations as verifiable credentials.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cycle_app, name="cycle")
app.add_typer(user_app, name="user")
app.add_typer(record_app, name="record")
app.add_typer(credential_app, name="credential")
app.add_typer(dialogue_app, name="dialogue")

console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)


def _uow() -> UnitOfWork:
    # Every table's model, so foreign keys resolve whichever parts a command imports.
    from agilegov import tables  # noqa: F401

    return UnitOfWork(make_session_factory(make_engine(get_settings().database_url)))


def _fail(message: str) -> None:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


def _upgrade() -> None:
    migrations.upgrade(get_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    _upgrade()
    console.print(
        f"database at revision {migrations.current_revision(get_settings().database_url)}"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web application and the API."""
    import uvicorn

    from agilegov.app import create_app

    _upgrade()
    console.print(f"agilegov on http://{host}:{port}  (API: /api/v1, docs: /api/v1/docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


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
    accounts = load_demo(_uow())
    table = Table(title="Demo accounts")
    for column in ("organization", "role", "email", "password", "API token"):
        table.add_column(column, overflow="fold")
    for account in accounts:
        table.add_row(
            account["organization"],
            account["role"],
            account["email"],
            account["password"],
            account["token"],
        )
    console.print(table)
    if credentials_out is not None:
        credentials_out.write_text(json.dumps(accounts, indent=2) + "\n")
        credentials_out.chmod(0o600)
        console.print(f"accounts written to {credentials_out}")
    if serve_after:
        if feed_seconds > 0:
            _feed_in_background(feed_seconds)
        serve(host="127.0.0.1", port=port)


def _feed_in_background(seconds: float) -> None:
    """The demo's live monitoring feed, beside the server, until the server stops."""
    import threading

    from agilegov.demo.feed import describe, run_feed

    def report(step: Any) -> None:
        console.print(f"[dim]feed[/dim] {describe(step)}", highlight=False)

    threading.Thread(
        target=run_feed, args=(_uow(), seconds), kwargs={"report": report}, daemon=True
    ).start()
    console.print(
        f"feeding TalentBridge's monitoring every {seconds:g} s: a breach opens a trigger "
        "on its screening scope after a few steps"
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
            _uow(),
            interval,
            steps or None,
            report=lambda step: console.print(describe(step), highlight=False),
        )
    except RuntimeError as problem:
        _fail(str(problem))
    except KeyboardInterrupt:
        console.print("stopped")


@cycle_app.command("tick")
def cycle_tick() -> None:
    """Open triggers for every review-by date that has passed."""
    from agilegov.cycle.service import tick

    opened = tick(_uow())
    for trigger in opened:
        console.print(
            f"scope {trigger.scope_id}: trigger #{trigger.id} {trigger.kind} "
            f"({trigger.loop} loop): {trigger.cause}",
            highlight=False,
        )
    console.print(f"{len(opened)} trigger(s) opened")


@cycle_app.command("rules")
def cycle_rules() -> None:
    """Show which loop each kind of trigger calls for."""
    from agilegov.cycle.rules import LOOP_RULES, loop_summary

    table = Table(title="Trigger kinds and the loop they call for")
    table.add_column("kind")
    table.add_column("loop")
    table.add_column("why")
    for kind, rule in LOOP_RULES.items():
        table.add_row(kind.value, loop_summary(kind), rule.explanation)
    console.print(table)


@app.command("export")
def export_command(
    scope_id: int,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write a scope's whole governance as JSON (to standard output by default)."""
    from agilegov.scopes.exchange import export_scope

    try:
        document = export_scope(_uow(), SYSTEM, scope_id)
    except DomainError as error:
        _fail(str(error))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        console.print(f"scope {scope_id} written to {output}")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A document written by 'agilegov export'.")],
    organization: Annotated[int, typer.Option(help="Id of the organization that will own it.")],
) -> None:
    """Create a new scope from an exported document, after checking all of it."""
    from agilegov.scopes.exchange import ScopeDocument, import_scope

    try:
        raw: Any = json.loads(file.read_text())
    except FileNotFoundError:
        _fail(f"{file}: no such file")
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        _fail(f"{file}: not JSON ({problem})")
    try:
        document = ScopeDocument.model_validate(raw)
        scope = import_scope(_uow(), SYSTEM, organization, document)
    except ValidationError as problem:
        lines = [
            f"{'.'.join(str(p) for p in item['loc']) or 'document'}: {item['msg']}"
            for item in problem.errors()
        ]
        _fail(f"{file}: " + "; ".join(lines))
    except DomainError as problem:
        _fail(f"{file}: {problem}")
    console.print(f"imported as scope {scope.id} ({scope.name})")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Their e-mail address.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Register a person and print an API token for them (shown once)."""
    from agilegov.organizations.schemas import UserCreate
    from agilegov.organizations.service import create_user, issue_token, principal_for_user

    try:
        user = create_user(_uow(), UserCreate(email=email, name=name, password=password))
    except ValidationError as problem:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problem.errors()))
    except DomainError as problem:
        _fail(str(problem))
    uow = _uow()
    with uow:
        actor = principal_for_user(uow.session, user.id)
    token = issue_token(uow, actor, "cli")
    console.print(f"user {user.id} {user.email}\ntoken {token.token}", highlight=False)


def _signer():  # type: ignore[no-untyped-def]
    from agilegov.record.notes import load_or_create_signer

    settings = get_settings()
    return load_or_create_signer(settings.log_key_file, settings.log_origin)


@record_app.command("checkpoint")
def record_checkpoint(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Print (or save) the log's latest signed checkpoint, to check later with --since."""
    from agilegov.record.checkpoints import latest_checkpoint

    note = latest_checkpoint(_uow(), _signer(), get_settings().log_origin).note
    if output is None:
        sys.stdout.write(note)
    else:
        output.write_text(note)
        console.print(f"checkpoint written to {output}")


@record_app.command("key")
def record_key() -> None:
    """Print the log's verifier key (name+keyid+key), for verifying offline."""
    from agilegov.record.notes import verifier_key

    sys.stdout.write(verifier_key(_signer()) + "\n")


def _verifier_text(key: str | None) -> str:
    from agilegov.record.notes import verifier_key

    return key if key is not None else verifier_key(_signer())


@record_app.command("verify")
def record_verify(
    since: Annotated[
        Path | None, typer.Option(help="A checkpoint saved earlier: prove the log only grew.")
    ] = None,
    receipt: Annotated[
        Path | None, typer.Option(help="Verify one event's receipt offline, without a database.")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="The log's verifier key (default: this server's).")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            min=1, help="Processes that recompute the log at once (default: one per CPU)."
        ),
    ] = os.cpu_count() or 1,
) -> None:
    """Recompute the whole log from the stored events and check it against the
    latest signed checkpoint; or check a saved checkpoint or one receipt."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from agilegov.record import merkle
    from agilegov.record.audit import audit
    from agilegov.record.checkpoints import RewrittenLog, latest_checkpoint
    from agilegov.record.log import consistency_proof
    from agilegov.record.models import Checkpoint
    from agilegov.record.notes import NoteError, open_checkpoint, parse_verifier_key
    from agilegov.record.verify import ReceiptError, verify_receipt

    if receipt is not None:
        try:
            document = json.loads(receipt.read_text())
            checked = verify_receipt(document, _verifier_text(key))
        except (OSError, ValueError) as problem:
            _fail(f"{receipt}: {problem}")
        except ReceiptError as problem:
            _fail(f"{receipt}: {problem}")
        what = "event and leaf" if checked.event_checked else "leaf"
        console.print(
            f"receipt ok: {what} {checked.index} is in {checked.origin} at size {checked.size}",
            highlight=False,
        )
        return
    settings = get_settings()
    try:
        verifier = parse_verifier_key(_verifier_text(key))
    except NoteError as problem:
        _fail(f"--key: {problem}")
    uow = _uow()
    try:
        latest = open_checkpoint(
            latest_checkpoint(uow, _signer(), settings.log_origin).note,
            verifier,
            settings.log_origin,
        )
        # The largest checkpoint ever signed too: a log cut short since then
        # has a smaller head, whose checkpoint alone would not show it.
        with uow:
            note = uow.session.scalars(
                select(Checkpoint.note).order_by(Checkpoint.size.desc()).limit(1)
            ).one()
        largest = open_checkpoint(note, verifier, settings.log_origin)
    except NoteError as problem:
        _fail(f"a checkpoint signed by the log does not verify: {problem}")
    except RewrittenLog as problem:
        _fail(f"the record is not intact: {problem}")
    earlier = None
    if since is not None:
        try:
            earlier = open_checkpoint(since.read_text(), verifier, settings.log_origin)
        except (OSError, NoteError) as problem:
            _fail(f"{since}: {problem}")
    sizes = [latest.size, largest.size] + ([earlier.size] if earlier else [])
    # A read-only connection: a long audit must not hold up writers.
    reader = make_engine(settings.database_url, read_only=True)
    try:
        with Session(reader) as session:
            result = audit(session, sizes=sizes, workers=jobs)
    finally:
        reader.dispose()
    if result.first_bad_index is not None:
        _fail(
            f"the record is not intact: first bad index {result.first_bad_index}: {result.problem}"
        )
    for signed in (latest, largest):
        if result.roots.get(signed.size) != signed.root:
            _fail(f"the leaves do not give the root signed at size {signed.size}")
    console.print(
        f"all {result.size} entries recomputed: leaves, tree and signed "
        f"checkpoint at size {latest.size} agree",
        highlight=False,
    )
    if earlier is not None:
        if earlier.size > latest.size or result.roots.get(earlier.size) != earlier.root:
            _fail(f"{since}: the log at size {earlier.size} does not have that root")
        with uow:
            proof = (
                consistency_proof(uow.session, earlier.size, latest.size)
                if 0 < earlier.size < latest.size
                else []
            )
        if 0 < earlier.size < latest.size:
            merkle.verify_consistency(earlier.size, latest.size, earlier.root, latest.root, proof)
        console.print(
            f"consistent with the checkpoint at size {earlier.size}: the log only grew",
            highlight=False,
        )


@credential_app.command("verify")
def credential_verify(
    file: Annotated[Path, typer.Argument(help="A credential (JSON) issued by an assessor.")],
) -> None:
    """Check an attestation offline: its eddsa-jcs-2022 proof by the issuer's
    did:key, and its validity period today."""
    from datetime import UTC, datetime

    from agilegov.record.credentials import CredentialError, verify_attestation

    try:
        secured = json.loads(file.read_text())
        verify_attestation(secured, at=datetime.now(UTC))
    except OSError as problem:
        _fail(f"{file}: {problem.strerror}")
    except ValueError as problem:  # CredentialError and malformed JSON alike
        kind = "invalid credential" if isinstance(problem, CredentialError) else "not JSON"
        _fail(f"{file}: {kind}: {problem}")
    subject = secured.get("credentialSubject", {})
    console.print(
        f"valid: issued by {secured['issuer']['id']} to {subject.get('id')} "
        f"({subject.get('method')}), until {secured.get('validUntil')}",
        highlight=False,
    )
    console.print(
        "Revocation is public in the record: see /api/v1/attestations/{id}/status.",
        highlight=False,
    )


# ---------------------------------------------------------------- ingest

ingest_app = typer.Typer(
    help="Observations from files, standard input and Prometheus.", no_args_is_help=True
)
app.add_typer(ingest_app, name="ingest")

INGEST_MAX_BYTES = 50 * 1024 * 1024  # a file or standard input
MAP_MAX_BYTES = 1024 * 1024  # a metric map

_ScopeOption = Annotated[
    int | None,
    typer.Option(
        "--scope", help="Id of the scope whose indicators the keys name (needed if ambiguous)."
    ),
]


def _ingest_error(message: str) -> typer.Exit:
    """Print ``error: message`` (as text, not markup) and return the exit to raise."""
    from rich.markup import escape

    # One line however long, for logs and scripts.
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _ingest_size(limit: int) -> str:
    mebibyte = 1024 * 1024
    return f"{limit // mebibyte} MiB" if limit % mebibyte == 0 else f"{limit:,} bytes"


def _ingest_read(file: Path, limit: int | None = None, hint: str = ": split it into parts") -> str:
    """The UTF-8 text of ``file``, refused above ``limit`` bytes (default: 50 MiB)."""
    limit = INGEST_MAX_BYTES if limit is None else limit
    try:
        with file.open("rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise _ingest_error(f"{file}: no such file") from None
    except OSError as problem:
        raise _ingest_error(f"{file}: {problem.strerror or problem}") from None
    if len(data) > limit:
        raise _ingest_error(f"{file}: larger than {_ingest_size(limit)}{hint}")
    return _ingest_decode(data, str(file))


def _ingest_decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise _ingest_error(f"{name}: not UTF-8 text (byte {problem.start})") from None


def _ingest_source(source: str) -> str:
    from agilegov.monitor.ingest import MAX_SOURCE

    if not source.strip() or len(source) > MAX_SOURCE:
        raise _ingest_error(f"--source: must be 1 to {MAX_SOURCE} characters")
    return source


def _ingest_store(rows: Any, scope: int | None, source: str) -> None:
    """Store the rows as one batch and say how many were new."""
    from agilegov.errors import DomainError
    from agilegov.monitor.service import ingest

    try:
        result = ingest(_uow(), SYSTEM, rows, scope_id=scope, default_source=source)
    except DomainError as problem:
        problems = [f"{p.field}: {p.message}" for p in problem.problems]
        raise _ingest_error("; ".join(problems) or problem.detail) from None
    console.print(
        f"stored {result.stored}, duplicates {result.duplicates}", highlight=False, soft_wrap=True
    )


@ingest_app.command("csv")
def ingest_csv(
    file: Annotated[
        Path, typer.Argument(help="CSV with the header indicator,time,value[,source].")
    ],
    scope: _ScopeOption = None,
    source: Annotated[str, typer.Option(help="Source of rows that name none.")] = "csv",
) -> None:
    """Store the observations of a CSV file, all or nothing.

    Times are RFC 3339 with an offset; values may be NaN, +Inf or -Inf where the
    indicator allows them. The same indicator, time and source twice is stored once.
    """
    from agilegov.monitor.ingest import IngestError, read_csv

    source = _ingest_source(source)
    text = _ingest_read(file)
    try:
        rows = read_csv(text)
    except IngestError as problem:
        raise _ingest_error(str(problem)) from None
    _ingest_store(rows, scope, source)


@ingest_app.command("jsonl")
def ingest_jsonl(
    scope: _ScopeOption = None,
    source: Annotated[str, typer.Option(help="Source of lines that name none.")] = "jsonl",
) -> None:
    """Store the observations of JSON lines on standard input, all or nothing.

    One object a line: {"indicator": ..., "time": ..., "value": ..., "source": ...}
    (source optional); blank lines are skipped.
    """
    from agilegov.monitor.ingest import IngestError, read_json_lines

    source = _ingest_source(source)
    stream: Any = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        data = stream.read(INGEST_MAX_BYTES + 1)
    else:  # a text stream without bytes underneath: count characters instead
        data = sys.stdin.read(INGEST_MAX_BYTES + 1).encode()
    if len(data) > INGEST_MAX_BYTES:
        raise _ingest_error(f"standard input: larger than {_ingest_size(INGEST_MAX_BYTES)}")
    text = _ingest_decode(data, "standard input")
    try:
        rows = read_json_lines(text.split("\n"))
    except IngestError as problem:
        raise _ingest_error(str(problem)) from None
    _ingest_store(rows, scope, source)


def _ingest_fetch(url: str) -> str:
    """The body of a GET of ``url``, as the scraper fetches it: 2xx only, no
    redirects, at most 10 MiB, UTF-8."""
    from agilegov.monitor.scraping import ScrapeError, http_get

    try:
        return http_get(url)
    except ScrapeError as problem:
        raise _ingest_error(f"{url}: {problem}") from None


def _ingest_map(file: Path) -> Any:
    """The metric map in a YAML file."""
    import yaml

    from agilegov.monitor.prometheus import MapError, load_map

    text = _ingest_read(file, MAP_MAX_BYTES, hint="")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"{file}: line {mark.line + 1}" if mark is not None else str(file)
        reason = getattr(problem, "problem", None) or str(problem)
        raise _ingest_error(f"{where}: not YAML: {reason}") from None
    try:
        return load_map(document)
    except MapError as problem:
        raise _ingest_error(f"{file}: {problem}") from None


@ingest_app.command("prometheus")
def ingest_prometheus(
    target: Annotated[
        str,
        typer.Argument(
            metavar="FILE_OR_URL", help="An exposition in the Prometheus text format: file or URL."
        ),
    ],
    map_file: Annotated[
        Path, typer.Option("--map", help="YAML map of metrics to indicators.", show_default=False)
    ],
    scope: _ScopeOption = None,
) -> None:
    """Store the samples a map selects from a Prometheus exposition, all or nothing.

    The exposition is a file, or scraped from an http(s) URL (no redirects,
    10 s timeout, at most 10 MiB). Samples without a timestamp are dated now.
    """
    from datetime import UTC, datetime, timedelta

    from agilegov import clock
    from agilegov.monitor.ingest import Row
    from agilegov.monitor.prometheus import PrometheusError, parse, select

    metric_map = _ingest_map(map_file)
    lowered = target.lower()
    if lowered.startswith(("http://", "https://")):
        text = _ingest_fetch(target)
    elif "://" in target:
        raise _ingest_error(f"{target}: only http:// and https:// URLs can be scraped")
    else:
        text = _ingest_read(Path(target))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    scraped_at = (clock.now() - epoch) // timedelta(milliseconds=1)
    try:
        mapped = select(parse(text), metric_map, scraped_at)
    except PrometheusError as problem:
        raise _ingest_error(str(problem)) from None
    if not mapped:
        raise _ingest_error(f"{target}: no sample matches the map")
    rows = []
    for item in mapped:
        where = f"line {item.line}"
        try:
            time = epoch + timedelta(milliseconds=item.time_ms)
        except OverflowError:
            raise _ingest_error(
                f"{where}: time: timestamp {item.time_ms} ms is out of range"
            ) from None
        rows.append(Row(item.indicator, time, item.value, item.source, where))
    _ingest_store(rows, scope, metric_map.source)
