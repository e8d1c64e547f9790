"""Pol.is export folders: read one, every row checked, or write one from a
conversation, in the format Pol.is exports (and reads back the same).

A folder holds four CSV files:

* ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote``, every vote cast
  (1 agree, -1 disagree, 0 pass); of repeated votes on a comment the latest counts.
* ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,
  moderated,comment-body``; ``moderated`` -1 is moderated out. Newer exports
  leave out ``datetime`` and add ``is-meta`` (meta statements are left out of the
  opinion map too, as Pol.is does), ``is-seed`` and more: columns are found by
  their names and unknown ones are ignored.
* ``participants-votes.csv``: ``participant,group-id,n-comments,n-votes,n-agree,
  n-disagree`` (newer exports add ``xid``), then one column per comment id with
  each participant's latest vote; ``group-id`` is Pol.is's group, empty for a
  participant it did not cluster.
* ``summary.csv``: ``key,value`` rows: topic, url, views, voters, voters-in-conv,
  commenters, comments, groups, conversation-description.

A bad file is refused with an error naming the file, the line and the field,
e.g. ``votes.csv line 17: vote: must be -1, 0 or 1, got 'x'``. A folder larger
than its limits (``ImportLimits``: bytes of all four files, rows of each) is
refused before its files are parsed, or as soon as a file has too many rows.
"""

import csv
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from agilegov import values
from agilegov.dialogue import opinion_map as engine
from agilegov.settings import Settings

MAX_ID = 2**53  # ids and timestamps stay exact as JSON numbers

VOTES = "votes.csv"
COMMENTS = "comments.csv"
PARTICIPANTS = "participants-votes.csv"
SUMMARY = "summary.csv"

VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
PARTICIPANT_COLUMNS = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)
SUMMARY_KEYS = (
    "topic",
    "url",
    "views",
    "voters",
    "voters-in-conv",
    "commenters",
    "comments",
    "groups",
    "conversation-description",
)
_COUNT_KEYS = frozenset({"views", "voters", "voters-in-conv", "commenters", "comments", "groups"})
_VOTE_CELLS = frozenset({"", "-1", "0", "1"})
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PolisExportError(ValueError):
    """A Pol.is export that cannot be read; the message names the file, line and field."""


class ExportTooLarge(PolisExportError):
    """An export over one of the limits of ``ImportLimits``."""


@dataclass(frozen=True)
class ImportLimits:
    """How large an export may be: ``max_bytes`` all its files together,
    ``max_rows`` rows in each (the settings' defaults unless given)."""

    max_bytes: int = Settings.model_fields["max_unpacked_bytes"].default
    max_rows: int = Settings.model_fields["max_import_rows"].default

    @classmethod
    def of(cls, settings: Settings) -> "ImportLimits":
        return cls(settings.max_unpacked_bytes, settings.max_import_rows)


# ---------------------------------------------------------------- the data


@dataclass(frozen=True)
class Statement:
    id: int
    author_id: int
    created_ms: int
    body: str
    moderated: int = 0  # -1 moderated out, 0 not yet moderated, 1 accepted
    is_meta: bool = False


@dataclass(frozen=True, eq=False)
class VoteLog:
    """Votes as parallel arrays, every vote cast, in order."""

    created_ms: npt.NDArray[np.int64]
    statement_ids: npt.NDArray[np.int64]
    participant_ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.int8]

    def __post_init__(self) -> None:
        for name, dtype in (
            ("created_ms", np.int64),
            ("statement_ids", np.int64),
            ("participant_ids", np.int64),
            ("values", np.int8),
        ):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=dtype).ravel())
        if not (
            len(self.created_ms)
            == len(self.statement_ids)
            == len(self.participant_ids)
            == len(self.values)
        ):
            raise ValueError("every column of a vote log must have the same length")

    def __len__(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VoteLog):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, name), getattr(other, name))
            for name in ("created_ms", "statement_ids", "participant_ids", "values")
        )

    def rows(self) -> Iterator[tuple[int, int, int, int]]:
        """Each vote as (created_ms, statement id, participant id, value), in order."""
        return zip(
            self.created_ms.tolist(),
            self.statement_ids.tolist(),
            self.participant_ids.tolist(),
            self.values.tolist(),
            strict=True,
        )

    def latest(self) -> "VoteLog":
        """The latest vote of each (participant, statement); on equal timestamps,
        the later one in the log."""
        order = np.lexsort(
            (np.arange(len(self)), self.created_ms, self.statement_ids, self.participant_ids)
        )
        p, s = self.participant_ids[order], self.statement_ids[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = (p[1:] != p[:-1]) | (s[1:] != s[:-1])
        kept = order[last]
        return VoteLog(self.created_ms[kept], self.statement_ids[kept], p[last], self.values[kept])


@dataclass(frozen=True)
class Conversation:
    """What an export holds: the statements, every vote, and the group of each
    clustered participant."""

    topic: str
    statements: tuple[Statement, ...]
    votes: VoteLog
    groups: Mapping[int, int] = field(default_factory=dict)
    url: str = ""
    description: str = ""
    views: int | None = None  # written as the number of voters when unknown

    def moderated_out(self) -> frozenset[int]:
        """Statements left out of the opinion map: moderated out, or meta."""
        return frozenset(s.id for s in self.statements if s.moderated == -1 or s.is_meta)


@dataclass(frozen=True)
class Summary:
    topic: str
    url: str
    views: int
    voters: int
    voters_in_conv: int
    commenters: int
    comments: int
    groups: int
    description: str


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: int
    group_id: int | None  # Pol.is's group; None when it did not cluster them
    n_comments: int
    n_votes: int
    n_agree: int
    n_disagree: int


@dataclass(frozen=True)
class PolisExport:
    summary: Summary
    statements: tuple[Statement, ...]
    votes: VoteLog
    participants: tuple[ParticipantRow, ...]

    def polis_groups(self) -> dict[int, int | None]:
        """Pol.is's group of every participant in participants-votes.csv."""
        return {row.participant_id: row.group_id for row in self.participants}

    def conversation(self) -> Conversation:
        return Conversation(
            topic=self.summary.topic,
            statements=self.statements,
            votes=self.votes,
            groups={
                row.participant_id: row.group_id
                for row in self.participants
                if row.group_id is not None
            },
            url=self.summary.url,
            description=self.summary.description,
            views=self.summary.views,
        )


def opinion_map(
    conversation: Conversation, clustered: Iterable[int] | None = None
) -> engine.OpinionMapResult:
    """The opinion map of a conversation's latest votes, ``clustered`` (by default
    everyone the conversation's groups hold) kept in the clustering, as Pol.is
    keeps everyone it has clustered."""
    latest = conversation.votes.latest()
    return engine.compute_from_ids(
        latest.participant_ids,
        latest.statement_ids,
        latest.values,
        statements=[s.id for s in conversation.statements],
        moderated=conversation.moderated_out(),
        clustered=conversation.groups.keys() if clustered is None else clustered,
    )


# ---------------------------------------------------------------- reading


def read_export(folder: Path, limits: ImportLimits = ImportLimits()) -> PolisExport:
    """Read and check a Pol.is export folder; errors name the file within it."""
    if not folder.is_dir():
        raise PolisExportError("no such folder")
    paths = [folder / name for name in (VOTES, COMMENTS, PARTICIPANTS, SUMMARY)]
    if sum(path.stat().st_size for path in paths if path.is_file()) > limits.max_bytes:
        raise ExportTooLarge(f"its files hold more than {limits.max_bytes} bytes")
    statements = _read_comments(folder, limits.max_rows)
    known = frozenset(s.id for s in statements)
    votes = _read_votes(folder, known, limits.max_rows)
    participants = _read_participants(folder, known, limits.max_rows)
    return PolisExport(
        summary=_read_summary(folder, limits.max_rows),
        statements=statements,
        votes=votes,
        participants=participants,
    )


class _Table:
    """A CSV file's rows with the line each starts on, its columns found by name."""

    def __init__(self, folder: Path, name: str, required: Sequence[str], max_rows: int) -> None:
        self.name = name
        self.rows = _records(folder, name, max_rows)
        try:
            _, self.header = next(self.rows)
        except StopIteration:
            raise PolisExportError(f"{name}: empty file") from None
        duplicated = [column for column, n in Counter(self.header).items() if n > 1]
        if duplicated:
            raise self.error(1, "header", f"column '{duplicated[0]}' appears twice")
        missing = [column for column in required if column not in self.header]
        if missing:
            raise self.error(1, "header", f"missing column '{missing[0]}'")
        self.column = {name: i for i, name in enumerate(self.header)}

    def error(self, line: int, column: str, problem: str) -> PolisExportError:
        return PolisExportError(f"{self.name} line {line}: {column}: {problem}")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        for line, row in self.rows:
            if not row:
                continue  # a blank line
            if len(row) != len(self.header):
                raise PolisExportError(
                    f"{self.name} line {line}: expected {len(self.header)} fields, got {len(row)}"
                )
            yield line, row

    def whole(self, line: int, row: list[str], column: str, minimum: int = 0) -> int:
        return _whole(row[self.column[column]], minimum, lambda p: self.error(line, column, p))

    def timestamp(self, line: int, row: list[str]) -> int:
        """Milliseconds since the epoch, of a time that can be stored."""
        milliseconds = self.whole(line, row, "timestamp")
        try:
            values.time_of_epoch_ms(milliseconds)
        except ValueError as problem:
            raise self.error(line, "timestamp", str(problem)) from None
        return milliseconds


def _whole(text: str, minimum: int, error: Callable[[str], PolisExportError]) -> int:
    stripped = text.strip()
    digits = stripped[1:] if stripped.startswith("-") else stripped
    if not (digits.isascii() and digits.isdigit()):
        raise error(f"must be a whole number, got {text!r}")
    value = int(stripped)
    if value < minimum or value > MAX_ID:
        raise error(f"must be between {minimum} and {MAX_ID}, got {text!r}")
    return value


def _records(folder: Path, name: str, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of a file and the line it starts on: the header, then at
    most ``max_rows`` rows (``read_export`` has bounded the file's size)."""
    path = folder / name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PolisExportError(f"{name}: no such file") from None
    except UnicodeDecodeError as problem:
        raise PolisExportError(f"{name}: not UTF-8 text (byte {problem.start})") from None
    except OSError as problem:
        raise PolisExportError(f"{name}: {problem.strerror or problem}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for number, row in enumerate(reader):
            if number > max_rows:
                raise ExportTooLarge(f"{name} line {line}: more than {max_rows} rows")
            yield line, row
            line = reader.line_num + 1
    except csv.Error as problem:
        raise PolisExportError(f"{name} line {line}: not valid CSV: {problem}") from None


def _read_comments(folder: Path, max_rows: int) -> tuple[Statement, ...]:
    required = [c for c in COMMENT_COLUMNS if c != "datetime"]
    table = _Table(folder, COMMENTS, required, max_rows)
    statements: list[Statement] = []
    first_seen: dict[int, int] = {}
    for line, row in table.records():
        statement_id = table.whole(line, row, "comment-id")
        if statement_id in first_seen:
            raise table.error(
                line,
                "comment-id",
                f"{statement_id} appears twice (line {first_seen[statement_id]})",
            )
        first_seen[statement_id] = line
        table.whole(line, row, "agrees")
        table.whole(line, row, "disagrees")
        moderated = table.whole(line, row, "moderated", minimum=-1)
        if moderated not in (-1, 0, 1):
            raise table.error(line, "moderated", f"must be -1, 0 or 1, got {moderated}")
        statements.append(
            Statement(
                id=statement_id,
                author_id=table.whole(line, row, "author-id"),
                created_ms=table.timestamp(line, row),
                body=row[table.column["comment-body"]],
                moderated=moderated,
                is_meta=_flag(table, line, row, "is-meta"),
            )
        )
    return tuple(statements)


def _flag(table: _Table, line: int, row: list[str], column: str) -> bool:
    if column not in table.column:
        return False
    text = row[table.column[column]].strip().lower()
    if text not in ("true", "false", ""):
        raise table.error(line, column, f"must be true or false, got {text!r}")
    return text == "true"


def _read_votes(folder: Path, known: frozenset[int], max_rows: int) -> VoteLog:
    table = _Table(folder, VOTES, VOTE_COLUMNS, max_rows)
    created: list[int] = []
    statements: list[int] = []
    voters: list[int] = []
    values: list[int] = []
    for line, row in table.records():
        vote = row[table.column["vote"]].strip()
        if vote not in ("-1", "0", "1"):
            raise table.error(
                line, "vote", f"must be -1, 0 or 1, got {row[table.column['vote']]!r}"
            )
        statement_id = table.whole(line, row, "comment-id")
        if statement_id not in known:
            raise table.error(line, "comment-id", f"no comment {statement_id} in {COMMENTS}")
        created.append(table.timestamp(line, row))
        statements.append(statement_id)
        voters.append(table.whole(line, row, "voter-id"))
        values.append(int(vote))
    return VoteLog(created, statements, voters, values)


def _read_participants(
    folder: Path, known: frozenset[int], max_rows: int
) -> tuple[ParticipantRow, ...]:
    table = _Table(folder, PARTICIPANTS, PARTICIPANT_COLUMNS, max_rows)
    named = set(PARTICIPANT_COLUMNS) | {"xid"}
    cells = [i for i, column in enumerate(table.header) if column not in named]
    for i in cells:
        name = table.header[i]
        statement_id = _whole(name, 0, lambda p, c=name: table.error(1, "header", f"{c!r}: {p}"))
        if statement_id not in known:
            raise table.error(1, "header", f"no comment {statement_id} in {COMMENTS}")
    rows: list[ParticipantRow] = []
    first_seen: dict[int, int] = {}
    for line, row in table.records():
        participant = table.whole(line, row, "participant")
        if participant in first_seen:
            raise table.error(
                line, "participant", f"{participant} appears twice (line {first_seen[participant]})"
            )
        first_seen[participant] = line
        _check_vote_cells(table, line, row, cells)
        group = row[table.column["group-id"]]
        rows.append(
            ParticipantRow(
                participant_id=participant,
                group_id=None if not group.strip() else table.whole(line, row, "group-id"),
                n_comments=table.whole(line, row, "n-comments"),
                n_votes=table.whole(line, row, "n-votes"),
                n_agree=table.whole(line, row, "n-agree"),
                n_disagree=table.whole(line, row, "n-disagree"),
            )
        )
    return tuple(rows)


def _check_vote_cells(table: _Table, line: int, row: list[str], cells: list[int]) -> None:
    values = [row[i].strip() for i in cells]
    if set(values) <= _VOTE_CELLS:
        return
    bad = next(i for i, value in zip(cells, values, strict=True) if value not in _VOTE_CELLS)
    raise table.error(line, table.header[bad], f"must be empty, -1, 0 or 1, got {row[bad]!r}")


def _summary_error(line: int, key: str) -> Callable[[str], PolisExportError]:
    return lambda problem: PolisExportError(f"{SUMMARY} line {line}: {key}: {problem}")


def _read_summary(folder: Path, max_rows: int) -> Summary:
    values: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for line, row in _records(folder, SUMMARY, max_rows):
        if not row:
            continue
        if len(row) != 2:
            raise PolisExportError(f"{SUMMARY} line {line}: expected 2 fields, got {len(row)}")
        key, value = row
        if key in first_seen:
            raise PolisExportError(
                f"{SUMMARY} line {line}: {key}: appears twice (line {first_seen[key]})"
            )
        first_seen[key] = line
        if key in _COUNT_KEYS:
            _whole(value, 0, _summary_error(line, key))
        values[key] = value
    missing = [key for key in SUMMARY_KEYS if key not in values]
    if missing:
        raise PolisExportError(f"{SUMMARY}: missing key '{missing[0]}'")
    return Summary(
        topic=values["topic"],
        url=values["url"],
        views=int(values["views"]),
        voters=int(values["voters"]),
        voters_in_conv=int(values["voters-in-conv"]),
        commenters=int(values["commenters"]),
        comments=int(values["comments"]),
        groups=int(values["groups"]),
        description=values["conversation-description"],
    )


# ---------------------------------------------------------------- writing


def write_export(folder: Path, conversation: Conversation) -> None:
    """Write a conversation as a Pol.is export folder (created if need be)."""
    latest = conversation.votes.latest()
    voters = sorted(set(latest.participant_ids.tolist()))
    strangers = sorted(set(conversation.groups) - set(voters))
    if strangers:
        raise ValueError(f"groups: participant {strangers[0]} has no vote")
    unknown = sorted(set(latest.statement_ids.tolist()) - {s.id for s in conversation.statements})
    if unknown:
        raise ValueError(f"votes: statement {unknown[0]} is not in the conversation")
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / VOTES, VOTE_COLUMNS, _vote_rows(conversation.votes))
    # Meta statements need the newer exports' is-meta column; others keep the classic form.
    meta = any(s.is_meta for s in conversation.statements)
    _write(
        folder / COMMENTS,
        (*COMMENT_COLUMNS, "is-meta") if meta else COMMENT_COLUMNS,
        _comment_rows(conversation.statements, latest, meta),
    )
    statement_ids = sorted(s.id for s in conversation.statements)
    _write(
        folder / PARTICIPANTS,
        (*PARTICIPANT_COLUMNS, *map(str, statement_ids)),
        _participant_rows(conversation, latest, voters, statement_ids),
    )
    _write(folder / SUMMARY, None, _summary_rows(conversation, latest, voters))


def _write(path: Path, header: Sequence[str] | None, rows: Iterator[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)


def _datetime(ms: int) -> str:
    """A timestamp as Pol.is writes it (Java's Date.toString), in UTC."""
    t = time.gmtime(ms // 1000)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def _vote_rows(votes: VoteLog) -> Iterator[Sequence[object]]:
    for created, statement, voter, value in votes.rows():
        yield created, _datetime(created), statement, voter, value


def _comment_rows(
    statements: Sequence[Statement], latest: VoteLog, meta: bool
) -> Iterator[Sequence[object]]:
    agrees = Counter(latest.statement_ids[latest.values == 1].tolist())
    disagrees = Counter(latest.statement_ids[latest.values == -1].tolist())
    for s in statements:
        row = [
            s.created_ms,
            _datetime(s.created_ms),
            s.id,
            s.author_id,
            agrees[s.id],
            disagrees[s.id],
            s.moderated,
            s.body,
        ]
        yield [*row, "true" if s.is_meta else "false"] if meta else row


def _participant_rows(
    conversation: Conversation, latest: VoteLog, voters: list[int], statement_ids: list[int]
) -> Iterator[Sequence[object]]:
    authored = Counter(s.author_id for s in conversation.statements)
    column = {statement: i for i, statement in enumerate(statement_ids)}
    order = np.argsort(latest.participant_ids, kind="stable")
    participants = latest.participant_ids[order].tolist()
    statements = latest.statement_ids[order].tolist()
    values = latest.values[order].tolist()
    start = 0
    for voter in voters:
        cells: list[object] = [""] * len(statement_ids)
        end = start
        while end < len(participants) and participants[end] == voter:
            cells[column[statements[end]]] = values[end]
            end += 1
        mine = values[start:end]
        start = end
        group = conversation.groups.get(voter)
        yield (
            voter,
            "" if group is None else group,
            authored[voter],
            len(mine),
            mine.count(1),
            mine.count(-1),
            *cells,
        )


def _summary_rows(
    conversation: Conversation, latest: VoteLog, voters: list[int]
) -> Iterator[Sequence[object]]:
    yield "topic", conversation.topic
    yield "url", conversation.url
    yield "views", len(voters) if conversation.views is None else conversation.views
    yield "voters", len(voters)
    yield "voters-in-conv", len(voters)
    yield "commenters", len({s.author_id for s in conversation.statements})
    yield "comments", len(set(latest.statement_ids.tolist()))
    yield "groups", len(set(conversation.groups.values()))
    yield "conversation-description", conversation.description
