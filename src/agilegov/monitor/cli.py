"""The ``agilegov ingest`` commands: observations from files, standard input and
Prometheus."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from agilegov.auth import SYSTEM
from agilegov.i18n import gettext
from agilegov.terminal import console, error_line, errors, open_uow
from agilegov.values import MAX_INT

ingest_app = typer.Typer(
    name="ingest",
    help="Observations from files, standard input and Prometheus.",
    no_args_is_help=True,
)

INGEST_MAX_BYTES = 50 * 1024 * 1024  # a file or standard input
MAP_MAX_BYTES = 1024 * 1024  # a metric map

_ScopeOption = Annotated[
    int | None,
    typer.Option(
        "--scope",
        min=1,
        max=MAX_INT,
        help="Id of the scope whose indicators the keys name (needed if ambiguous).",
    ),
]


def _ingest_error(message: str) -> typer.Exit:
    """Print ``error: message`` (as text, not markup) and return the exit to raise."""
    from rich.markup import escape

    # One line however long, for logs and scripts.
    errors.print(error_line(escape(message)), highlight=False, soft_wrap=True)
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
    from agilegov import metrics
    from agilegov.errors import DomainError
    from agilegov.monitor.service import ingest

    try:
        result = metrics.ingest_batch(
            "cli",
            len(rows),
            lambda: ingest(open_uow(), SYSTEM, rows, scope_id=scope, default_source=source),
        )
    except DomainError as problem:
        problems = [f"{p.field}: {p.message}" for p in problem.problems]
        raise _ingest_error("; ".join(problems) or str(problem.detail)) from None
    console.print(
        gettext(
            "stored %(stored)s, duplicates %(duplicates)s",
            stored=result.stored,
            duplicates=result.duplicates,
        ),
        highlight=False,
        soft_wrap=True,
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
    from agilegov import clock
    from agilegov.monitor.ingest import IngestError, read_exposition
    from agilegov.monitor.prometheus import PrometheusError

    metric_map = _ingest_map(map_file)
    lowered = target.lower()
    if lowered.startswith(("http://", "https://")):
        text = _ingest_fetch(target)
    elif "://" in target:
        raise _ingest_error(f"{target}: only http:// and https:// URLs can be scraped")
    else:
        text = _ingest_read(Path(target))
    try:
        rows = read_exposition(text, metric_map, clock.now())
    except (PrometheusError, IngestError) as problem:
        raise _ingest_error(str(problem)) from None
    if not rows:
        raise _ingest_error(f"{target}: no sample matches the map")
    _ingest_store(rows, scope, metric_map.source)
