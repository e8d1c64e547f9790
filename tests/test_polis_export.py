"""Pol.is export folders (agilegov.dialogue.polis), the opinion-map command, and the
opinion map's agreement with Pol.is on real conversations."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agilegov.cli import app
from agilegov.dialogue import polis
from agilegov.dialogue.polis import Conversation, PolisExportError, Statement, VoteLog

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT.parent / "shared" / "data" / "polis"
CONVERSATIONS = sorted(p.name for p in POLIS.iterdir() if p.is_dir()) if POLIS.is_dir() else []

# The target: a mean adjusted Rand index against Pol.is's own groups of at
# least 0.8 over the six conversations (bench/README.md has each figure and why),
# and no conversation far off (red-dwarf 0.4, measured alike, reaches 0.50 on average).
ARI_TARGET = 0.8
ARI_EACH = 0.7


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    _, x = np.unique(a, return_inverse=True)
    _, y = np.unique(b, return_inverse=True)
    table = np.zeros((x.max() + 1, y.max() + 1))
    np.add.at(table, (x, y), 1)

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    both, rows, columns = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * columns / pairs(np.array([len(a)]))
    best = (rows + columns) / 2
    return 1.0 if best == expected else (both - expected) / (best - expected)


@pytest.fixture
def real() -> Path:
    if not CONVERSATIONS:
        pytest.skip(f"no Pol.is exports at {POLIS}")
    return POLIS


def conversation() -> Conversation:
    statements = (
        Statement(0, 10, 1_500_000_000_000, "Plain, with a comma"),
        Statement(1, 11, 1_500_000_001_000, 'Quotes "inside"\nand a second line', moderated=1),
        Statement(2, 10, 1_500_000_002_000, "Moderated out: ünïcødé", moderated=-1),
        Statement(3, 12, 1_500_000_003_000, "A meta statement", moderated=1, is_meta=True),
    )
    rows = [
        (1_500_000_010_000 + i, s, p, v)
        for i, (p, s, v) in enumerate(
            [(p, s, 1 if (p + s) % 3 else -1) for p in range(20) for s in range(4)]
        )
    ]
    rows += [(1_500_000_100_000, 0, 3, 0), (1_500_000_100_001, 1, 3, -1)]  # 3 changes their mind
    created, statement_ids, participant_ids, values = zip(*rows, strict=True)
    return Conversation(
        topic="Test, with a comma",
        statements=statements,
        votes=VoteLog(created, statement_ids, participant_ids, values),
        groups={p: p % 2 for p in range(18)},
        url="https://example.org/c/1",
        description='Line one\nline "two"',
        views=42,
    )


def written(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    polis.write_export(folder, conversation())
    return folder


def corrupt(folder: Path, name: str, line: int, text: str) -> None:
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = text
    path.write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------- writing and reading


def test_a_written_export_reads_back_the_same(tmp_path: Path) -> None:
    folder = written(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
    export = polis.read_export(folder)
    assert export.conversation() == conversation()
    summary = export.summary
    assert (summary.voters, summary.comments, summary.groups, summary.commenters) == (20, 4, 2, 3)
    assert summary.views == 42
    assert export.polis_groups() == {p: (p % 2 if p < 18 else None) for p in range(20)}
    three = next(row for row in export.participants if row.participant_id == 3)
    assert (three.n_votes, three.n_agree, three.n_disagree) == (4, 1, 2)
    assert conversation().moderated_out() == {2, 3}


def test_the_written_files_are_in_pol_is_format(tmp_path: Path) -> None:
    folder = written(tmp_path)
    votes = (folder / "votes.csv").read_text().splitlines()
    assert votes[0] == "timestamp,datetime,comment-id,voter-id,vote"
    assert votes[1] == "1500000010000,Fri Jul 14 02:40:10 UTC 2017,0,0,-1"
    comments = (folder / "comments.csv").read_text().splitlines()
    assert comments[0] == (
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body,is-meta"
    )
    header = (folder / "participants-votes.csv").read_text().splitlines()[0]
    assert header == "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2,3"
    assert (folder / "summary.csv").read_text().startswith('topic,"Test, with a comma"\n')


def test_writing_refuses_groups_of_participants_who_never_voted(tmp_path: Path) -> None:
    bad = conversation()
    with pytest.raises(ValueError, match="participant 99 has no vote"):
        polis.write_export(
            tmp_path,
            Conversation(bad.topic, bad.statements, bad.votes, {99: 0}),
        )


def test_the_latest_vote_counts() -> None:
    latest = conversation().votes.latest()
    mine = latest.participant_ids == 3
    statements, values = latest.statement_ids[mine].tolist(), latest.values[mine].tolist()
    assert dict(zip(statements, values, strict=True)) == {0: 0, 1: -1, 2: 1, 3: -1}


@pytest.mark.parametrize(
    ("name", "line", "text", "message"),
    [
        (
            "votes.csv",
            17,
            "1500000010015,Fri Jul 14 02:40:25 UTC 2017,3,3,x",
            "votes.csv line 17: vote: must be -1, 0 or 1, got 'x'",
        ),
        (
            "votes.csv",
            5,
            "1500000010003,d,7,0,1",
            "votes.csv line 5: comment-id: no comment 7 in comments.csv",
        ),
        ("votes.csv", 3, "soon,d,1,0,1", "votes.csv line 3: timestamp: must be a whole number"),
        (
            "votes.csv",
            3,
            "253402214400000,d,1,0,1",
            "votes.csv line 3: timestamp: timestamp 253402214400000 ms is out of range: must be",
        ),
        (
            "comments.csv",
            2,
            "9007199254740992,d,0,10,0,0,0,Plain,false",
            "comments.csv line 2: timestamp: timestamp 9007199254740992 ms is out of range",
        ),
        ("votes.csv", 4, "1500000010002,d,2,0", "votes.csv line 4: expected 5 fields, got 4"),
        ("votes.csv", 1, "timestamp,datetime,comment-id,voter,vote", "votes.csv line 1: header:"),
        (
            "comments.csv",
            2,
            "1500000000000,d,0,10,0,0,2,Plain,false",
            "comments.csv line 2: moderated: must be -1, 0 or 1, got 2",
        ),
        (
            "comments.csv",
            3,
            "1500000000000,d,0,10,0,0,1,Again,false",
            "comments.csv line 3: comment-id: 0 appears twice (line 2)",
        ),
        (
            "participants-votes.csv",
            2,
            "0,one,0,4,2,2,-1,1,1,-1",
            "participants-votes.csv line 2: group-id: must be a whole number, got 'one'",
        ),
        (
            "participants-votes.csv",
            3,
            "1,1,0,4,2,2,yes,1,1,-1",
            "participants-votes.csv line 3: 0: must be empty, -1, 0 or 1, got 'yes'",
        ),
        ("summary.csv", 3, "views,many", "summary.csv line 3: views: must be a whole number"),
        ("summary.csv", 4, "voters", "summary.csv line 4: expected 2 fields, got 1"),
    ],
)
def test_a_bad_file_names_its_line_and_field(
    tmp_path: Path, name: str, line: int, text: str, message: str
) -> None:
    folder = written(tmp_path)
    corrupt(folder, name, line, text)
    with pytest.raises(PolisExportError) as raised:
        polis.read_export(folder)
    assert str(raised.value).startswith(message), str(raised.value)


def test_missing_files_and_keys_are_named(tmp_path: Path) -> None:
    with pytest.raises(PolisExportError, match="no such folder"):
        polis.read_export(tmp_path / "nowhere")
    folder = written(tmp_path / "one")
    corrupt(folder, "summary.csv", 8, "")
    with pytest.raises(PolisExportError, match=r"summary\.csv: missing key 'groups'"):
        polis.read_export(folder)
    folder = written(tmp_path / "two")
    (folder / "votes.csv").unlink()
    with pytest.raises(PolisExportError, match=r"votes\.csv: no such file"):
        polis.read_export(folder)


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    folder = written(tmp_path)
    (folder / "comments.csv").write_bytes(b"timestamp,comment-id\n\xff\xfe\n")
    with pytest.raises(PolisExportError, match=r"comments\.csv: not UTF-8 text \(byte 21\)"):
        polis.read_export(folder)


def test_size_limits(tmp_path: Path) -> None:
    folder = written(tmp_path)
    with pytest.raises(polis.ExportTooLarge, match=r"votes\.csv line 52: more than 50 rows"):
        polis.read_export(folder, polis.ImportLimits(max_rows=50))
    with pytest.raises(polis.ExportTooLarge, match=r"more than 1000 bytes"):
        polis.read_export(folder, polis.ImportLimits(max_bytes=1000))
    # Every file has its rows counted, not only the votes.
    with pytest.raises(polis.ExportTooLarge, match=r"comments\.csv line 5: more than 2 rows"):
        polis.read_export(folder, polis.ImportLimits(max_rows=2))


# ---------------------------------------------------------------- the real exports


def test_the_real_exports_read(real: Path) -> None:
    for name in CONVERSATIONS:
        export = polis.read_export(real / name)
        voters = set(export.votes.participant_ids.tolist())
        assert len(voters) == export.summary.voters, name
        assert {row.participant_id for row in export.participants} == voters, name
        groups = {g for g in export.polis_groups().values() if g is not None}
        assert len(groups) == export.summary.groups, name
        latest = export.votes.latest()
        counts = dict(zip(*np.unique(latest.participant_ids, return_counts=True), strict=True))
        assert all(row.n_votes == counts[row.participant_id] for row in export.participants)


def test_the_opinion_map_agrees_with_pol_is(real: Path) -> None:
    scores = {}
    for name in CONVERSATIONS:
        export = polis.read_export(real / name)
        ours = polis.opinion_map(export.conversation()).group_of()
        theirs = {p: g for p, g in export.polis_groups().items() if g is not None}
        # Everyone Pol.is clustered has a group here too: it is kept in the clustering.
        assert set(theirs) <= set(ours), name
        scores[name] = adjusted_rand_index(
            np.array([theirs[p] for p in theirs]), np.array([ours[p] for p in theirs])
        )
    report = ", ".join(f"{name} {score:.2f}" for name, score in scores.items())
    print(f"adjusted Rand index against Pol.is: {report}")
    assert np.mean(list(scores.values())) >= ARI_TARGET, report
    assert min(scores.values()) >= ARI_EACH, report


def test_the_rand_index() -> None:
    assert adjusted_rand_index(np.array([0, 0, 1, 1]), np.array([5, 5, 2, 2])) == 1.0
    # The usual example: 0.24242...
    a = np.array([0, 0, 0, 1, 1, 1])
    assert adjusted_rand_index(a, np.array([0, 0, 1, 1, 2, 2])) == pytest.approx(0.242424, 1e-5)


# ---------------------------------------------------------------- the command


def test_the_command_prints_the_map_as_json(tmp_path: Path) -> None:
    folder = written(tmp_path)
    result = CliRunner().invoke(app, ["dialogue", "opinion-map", "--polis", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"k", "groups", "repness", "consensus", "seconds"}
    assert document["k"] == len(document["repness"]) >= 1
    assert set(document["groups"]) <= {str(p) for p in range(20)}
    assert set(document["groups"].values()) == set(range(document["k"]))
    assert set(document["repness"]) == {str(g) for g in range(document["k"])}
    assert set(document["consensus"]) == {"agree", "disagree"}
    chosen = [s for ids in document["repness"].values() for s in ids]
    chosen += document["consensus"]["agree"] + document["consensus"]["disagree"]
    assert set(chosen) <= {0, 1}  # 2 is moderated out, 3 is meta
    assert document["seconds"] > 0


def test_the_command_on_a_real_export(real: Path) -> None:
    folder = real / CONVERSATIONS[0]
    result = CliRunner().invoke(app, ["dialogue", "opinion-map", "--polis", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    voters = {row.participant_id for row in polis.read_export(folder).participants}
    assert {int(p) for p in document["groups"]} <= voters
    table = CliRunner().invoke(app, ["dialogue", "opinion-map", "--polis", str(folder)])
    assert table.exit_code == 0 and "Opinion map" in table.stdout


def test_the_command_refuses_bad_input_with_code_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["dialogue", "opinion-map", "--polis", str(tmp_path / "x")])
    assert missing.exit_code == 2
    assert "no such folder" in missing.stderr
    folder = written(tmp_path)
    corrupt(folder, "votes.csv", 17, "1500000010015,d,3,3,x")
    bad = CliRunner().invoke(app, ["dialogue", "opinion-map", "--polis", str(folder), "--json"])
    assert bad.exit_code == 2
    assert "votes.csv line 17: vote: must be -1, 0 or 1, got 'x'" in bad.stderr
    assert bad.stdout == ""


def test_a_real_export_written_again_reads_the_same(real: Path, tmp_path: Path) -> None:
    for name in CONVERSATIONS:
        exported = polis.read_export(real / name).conversation()
        polis.write_export(tmp_path / name, exported)
        again = polis.read_export(tmp_path / name)
        assert again.conversation() == exported, name
        assert again.summary.groups == len(set(exported.groups.values()))
