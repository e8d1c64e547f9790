"""Signed notes, checkpoints and receipts against the C2SP specs and published vectors.

Published vectors used here (Ed25519 is deterministic, so a known seed and
text must give the published signature byte for byte):

* golang.org/x/mod/sumdb/note (note.go package docs and note_test.go): the
  PeterNeumann signer/verifier keys and signed note, the EnochRoot verifier
  key and cosignature, the mangled-key and malformed-note tables.
* google/trillian-examples formats/log/checkpoint_test.go: four signer and
  verifier key pairs, and a real sum.golang.org checkpoint with the Go
  checksum database's published verifier key, cosigned by three test keys.
* c2sp.org/signed-note and c2sp.org/tlog-checkpoint: the example note and
  checkpoint (no keys are published for them, so only their syntax is checked).
"""

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest

from agilegov.record.notes import (
    MAX_SIGNATURES,
    TLOG_PROOF_HEADER,
    Checkpoint,
    KeyFileError,
    NoteError,
    Receipt,
    Signer,
    Verifier,
    generate_signer,
    inclusion_proof_length,
    key_id,
    load_or_create_signer,
    load_signer,
    open_checkpoint,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    save_signer,
    sign_checkpoint,
    sign_note,
    signer_from_seed,
    signer_key,
    verifier_key,
)

DASH = "\u2014 "  # EM DASH + SPACE, the signature line prefix

# golang.org/x/mod/sumdb/note
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_B64 = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_B64 = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
PETER_SIG = f"{DASH}PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"{DASH}EnochRoot {ENOCH_B64}\n"
PETER_NOTE = TEXT + "\n" + PETER_SIG

# google/trillian-examples formats/log/checkpoint_test.go
TRILLIAN_KEY_PAIRS = [
    (
        "Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
        "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
    ),
    (
        "Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
        "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci",
    ),
    (
        "KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
        "PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+",
    ),
    (
        "Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
        "PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU",
    ),
]
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_TEXT = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
SUMDB_NOTE = (
    SUMDB_TEXT
    + "\n"
    + DASH
    + "sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPR"
    + "YfvimWEPWL+o3GeoWwOoAw=\n"
)
SUMDB_COSIGNERS = [
    (
        "monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT",
        "monkeys 202ffh9ve46Mqbhuyb4wnC2Pwdan5EsXQym/tF1ggXJqhjGosU4T5intH4iKMRgDLxrnXuIjRaU2N"
        "bvAnaepM6Y+8ww=",
    ),
    (
        "bananas+cf639f13+AaPjhFnPCQnid/Ql32KWhmh+uk72FVRfK+2DLmO3BI3M",
        "bananas z2OfE+2bbsBZ7NLgfuslc0v7NFW2QyexJ7fhePpoL2N/P7N/COd5S+JNHbQEAlYzz2C5sg0E+x/M"
        "ggS1mDR6t3/9rQw=",
    ),
    (
        "witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN",
        "witness 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDb"
        "GgCdcpR8SVSoqAU=",
    ),
]

# c2sp.org/signed-note and c2sp.org/tlog-checkpoint examples
C2SP_NOTE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \u00e8 subito sera.\n"
    "\n"
    f"{DASH}quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJ"
    "KONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)
C2SP_CHECKPOINT_NOTE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    f"{DASH}example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN"
    "7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

ORIGIN = "agilegov.example/log"
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def peter() -> Signer:
    return parse_signer_key(PETER_SKEY)


@pytest.fixture(scope="module")
def log_signer() -> Signer:
    return signer_from_seed(ORIGIN, hashlib.sha256(b"agilegov test log").digest())


# ---------------------------------------------------------------------------
# Published vectors


def test_go_signer_key_gives_published_key_id_and_verifier_key(peter: Signer) -> None:
    assert peter.name == "PeterNeumann"
    assert peter.key_id == 0xC74F20A3
    assert key_id("PeterNeumann", peter.public_key) == 0xC74F20A3
    assert verifier_key(peter) == PETER_VKEY
    assert signer_key(peter) == PETER_SKEY


def test_go_verifier_keys_parse_and_round_trip(peter: Signer) -> None:
    verifier = parse_verifier_key(PETER_VKEY)
    assert verifier == peter.verifier
    assert verifier.key_id == 0xC74F20A3
    assert verifier_key(verifier) == PETER_VKEY
    enoch = parse_verifier_key(ENOCH_VKEY)
    assert (enoch.name, enoch.key_id) == ("EnochRoot", 0xAF0CFE78)
    assert verifier_key(enoch) == ENOCH_VKEY


def test_go_sign_reproduces_published_note(peter: Signer) -> None:
    assert sign_note(TEXT, peter) == PETER_NOTE
    assert sign_note(TEXT, [peter]) == PETER_NOTE


def test_go_published_note_opens_with_either_or_both_keys() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter_v, enoch_v = parse_verifier_key(PETER_VKEY), parse_verifier_key(ENOCH_VKEY)
    assert open_note(note, peter_v) == TEXT
    assert open_note(note, enoch_v) == TEXT
    assert open_note(note, [peter_v, enoch_v]) == TEXT
    assert open_note(note.encode("utf-8"), [peter_v]) == TEXT
    parsed = parse_note(note)
    assert parsed.text == TEXT
    assert [(s.name, s.key_id) for s in parsed.signatures] == [
        ("PeterNeumann", 0xC74F20A3),
        ("EnochRoot", 0xAF0CFE78),
    ]


def test_go_manglings_of_the_verifier_key_are_rejected() -> None:
    data = PETER_VKEY.encode()
    bad = [data[i:j] for i in range(len(data) + 1) for j in range(i + 1, len(data) + 1)]
    bad.remove(data)
    bad += [data[:i] + bytes([data[i] + 1]) + data[i + 1 :] for i in range(len(data))]
    for mangled in bad:
        with pytest.raises(NoteError):
            parse_verifier_key(mangled.decode())
    # Wrong key length and unknown algorithm, each with a matching key id (note_test.go).
    # (Its base64 also has stray trailing bits, which this strict reader refuses first.)
    with pytest.raises(NoteError):
        parse_verifier_key(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
    with pytest.raises(NoteError, match="not supported"):
        parse_verifier_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_go_manglings_of_the_signer_key_are_rejected() -> None:
    data = PETER_SKEY.encode()
    bad = [data[i:j] for i in range(len(data) + 1) for j in range(i + 1, len(data) + 1)]
    bad.remove(data)
    bad += [data[:i] + bytes([data[i] + 1]) + data[i + 1 :] for i in range(len(data))]
    for mangled in bad:
        with pytest.raises(NoteError):
            parse_signer_key(mangled.decode())


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + DASH + "Bad Name " + PETER_B64 + "\n",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ],
    ids=["no-signatures", "blank-line-only", "no-final-newline", "control", "bad-name", "junk"],
)
def test_go_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, parse_verifier_key(PETER_VKEY))
    with pytest.raises(NoteError):
        parse_note(note)


def test_go_invalid_utf8_note_is_rejected() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff" + PETER_NOTE.encode(), parse_verifier_key(PETER_VKEY))


def test_go_corrupted_known_signature_rejects_the_note() -> None:
    corrupted = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(corrupted, parse_verifier_key(PETER_VKEY))


def test_go_repeated_and_unknown_signatures() -> None:
    # Corrupt signatures by keys the checker does not know are ignored.
    note = (
        TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG
        + ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    )  # fmt: skip
    assert open_note(note, parse_verifier_key(PETER_VKEY)) == TEXT
    with pytest.raises(NoteError, match="invalid signature for key EnochRoot"):
        open_note(note, parse_verifier_key(ENOCH_VKEY))


def test_go_more_than_100_signatures_are_rejected() -> None:
    peter_v = parse_verifier_key(PETER_VKEY)
    assert open_note(TEXT + "\n" + PETER_SIG * MAX_SIGNATURES, peter_v) == TEXT
    with pytest.raises(NoteError, match="more than the 100 allowed"):
        open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), peter_v)
    with pytest.raises(NoteError, match="more than the 100 allowed"):
        open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), [])


def test_go_ambiguous_verifiers_are_refused() -> None:
    peter_v = parse_verifier_key(PETER_VKEY)
    impostor = Verifier.__new__(Verifier)  # same name and id, different key
    for name, value in [
        ("name", "PeterNeumann"),
        ("public_key", bytes(32)),
        ("key_id", peter_v.key_id),
        ("_key", peter_v._key),
    ]:
        object.__setattr__(impostor, name, value)
    with pytest.raises(NoteError, match="ambiguous key PeterNeumann\\+c74f20a3"):
        open_note(PETER_NOTE, [peter_v, impostor])
    # The same key twice is harmless.
    assert open_note(PETER_NOTE, [peter_v, parse_verifier_key(PETER_VKEY)]) == TEXT


@pytest.mark.parametrize(("vkey", "skey"), TRILLIAN_KEY_PAIRS)
def test_trillian_examples_key_pairs(vkey: str, skey: str) -> None:
    signer = parse_signer_key(skey)
    assert verifier_key(signer) == vkey
    assert signer_key(signer) == skey
    assert parse_verifier_key(vkey) == signer.verifier
    assert f"{signer.key_id:08x}" == vkey.split("+")[1]


def test_real_sumdb_checkpoint_verifies_with_the_go_checksum_database_key() -> None:
    sumdb = parse_verifier_key(SUMDB_VKEY)
    checkpoint = open_checkpoint(SUMDB_NOTE, sumdb, origin="go.sum database tree")
    assert checkpoint.origin == "go.sum database tree"  # origins may contain spaces
    assert checkpoint.size == 6476701
    assert base64.b64encode(checkpoint.root) == b"mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == SUMDB_TEXT
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(SUMDB_NOTE, sumdb, origin="Go rocks but I might have the wrong ID")


def test_real_sumdb_checkpoint_cosignatures_verify() -> None:
    cosigned = SUMDB_NOTE + "".join(DASH + line + "\n" for _, line in SUMDB_COSIGNERS)
    sumdb = parse_verifier_key(SUMDB_VKEY)
    witnesses = [parse_verifier_key(vkey) for vkey, _ in SUMDB_COSIGNERS]
    assert open_note(cosigned, [sumdb, *witnesses]) == SUMDB_TEXT
    for witness in witnesses:
        assert open_note(cosigned, witness) == SUMDB_TEXT
    # The same signature under names nobody knows is ignored (BenchmarkParse).
    witness_sig = SUMDB_COSIGNERS[2][1].split(" ")[1]
    noisy = cosigned + f"{DASH}random1 {witness_sig}\n{DASH}random2 {witness_sig}\n"
    assert open_checkpoint(noisy, sumdb).size == 6476701


def test_c2sp_example_note_syntax() -> None:
    parsed = parse_note(C2SP_NOTE)
    # The text may hold blank lines; the last one separates the signatures.
    assert parsed.text == (
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\n"
        "ed \u00e8 subito sera.\n"
    )
    (signature,) = parsed.signatures
    assert signature.name == "quasimodo.example/salvatore"
    assert signature.key_id == 0x367BA04B
    assert len(signature.signature) == 64
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(C2SP_NOTE, parse_verifier_key(PETER_VKEY))


def test_c2sp_example_checkpoint_syntax() -> None:
    parsed = parse_note(C2SP_CHECKPOINT_NOTE)
    checkpoint = Checkpoint.parse(parsed.text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.to_text() == parsed.text


# ---------------------------------------------------------------------------
# Keys


def test_generated_keys_round_trip() -> None:
    signer = generate_signer("agilegov.example/log")
    vkey = verifier_key(signer)
    name, hex_id, encoded = vkey.split("+", 2)
    assert name == "agilegov.example/log"
    assert hex_id == f"{signer.key_id:08x}" and hex_id == hex_id.lower() and len(hex_id) == 8
    assert base64.b64decode(encoded) == b"\x01" + signer.public_key
    assert signer.key_id == int.from_bytes(
        hashlib.sha256(b"agilegov.example/log\n\x01" + signer.public_key).digest()[:4], "big"
    )
    assert parse_verifier_key(vkey) == signer.verifier
    again = parse_signer_key(signer_key(signer))
    assert again.public_key == signer.public_key and again.key_id == signer.key_id
    assert signer_key(again) == signer_key(signer)


def test_signer_repr_hides_the_secret(peter: Signer) -> None:
    text = repr(peter)
    assert "PeterNeumann" in text and "c74f20a3" in text
    assert PETER_SKEY.rsplit("+", 1)[1] not in text


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a+b",
        "a b",
        "a\tb",
        "a\nb",
        "a\u00a0b",
        "a\u2003b",
        "a\u2028b",
        "a\u3000b",
        "a\x00b",
        "\ud800",
    ],
)
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(NoteError):
        generate_signer(name)


def test_non_ascii_key_names_are_allowed() -> None:
    signer = generate_signer("gouvernance.example/journal\u00e9")
    assert parse_verifier_key(verifier_key(signer)) == signer.verifier


@pytest.mark.parametrize(
    "vkey",
    [
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),  # key id does not match
        PETER_VKEY.replace("c74f20a3", "c74f20a"),  # 7 hex digits
        PETER_VKEY.replace("c74f20a3", "0c74f20a3"),  # 9 hex digits
        PETER_VKEY.replace("c74f20a3", "c74f20g3"),  # not hex
        PETER_VKEY.replace("PeterNeumann", "Peter Neumann"),
        PETER_VKEY.replace("PeterNeumann", ""),
        PETER_VKEY + "\n",
        " " + PETER_VKEY,
        PETER_VKEY[:-1] + "X",  # base64 decodes to another key: id mismatch
        PETER_VKEY.rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
        PETER_VKEY.rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        "PeterNeumann+c74f20a3",
        "PeterNeumann",
    ],
)
def test_bad_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(vkey)


def test_uppercase_key_id_is_read_like_go_does() -> None:
    assert parse_verifier_key(PETER_VKEY.replace("c74f20a3", "C74F20A3")).key_id == 0xC74F20A3


def test_non_canonical_base64_key_is_rejected() -> None:
    # 33 bytes need no padding; re-padded or with stray bits it is another spelling.
    with pytest.raises(NoteError, match="base64"):
        parse_verifier_key(PETER_VKEY + "=")


@pytest.mark.parametrize(
    "skey",
    [
        PETER_SKEY.replace("PRIVATE+KEY+", "PRIVATE+"),
        PETER_SKEY.replace("PRIVATE", "private"),
        PETER_SKEY.replace("c74f20a3", "c74f20a4"),
        PETER_SKEY.replace("PeterNeumann", "PaulNeumann"),  # id no longer matches the name
        PETER_VKEY,  # a verifier key is not a signer key
        "PRIVATE+KEY+PeterNeumann+c74f20a3+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
    ],
)
def test_bad_signer_keys_are_rejected(skey: str) -> None:
    with pytest.raises(NoteError):
        parse_signer_key(skey)


# ---------------------------------------------------------------------------
# Key files


def test_save_signer_writes_an_owner_only_file(tmp_path: Path, peter: Signer) -> None:
    path = tmp_path / "keys" / "log.key"
    save_signer(path, peter)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text() == PETER_SKEY + "\n"
    assert load_signer(path).key_id == peter.key_id


def test_save_signer_never_overwrites(tmp_path: Path, peter: Signer) -> None:
    path = tmp_path / "log.key"
    save_signer(path, peter)
    with pytest.raises(FileExistsError):
        save_signer(path, generate_signer("other"))
    assert path.read_text() == PETER_SKEY + "\n"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602])
def test_key_file_open_to_group_or_others_is_refused(
    tmp_path: Path, peter: Signer, mode: int
) -> None:
    path = tmp_path / "log.key"
    save_signer(path, peter)
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match=f"mode {mode:04o}.*chmod 600"):
        load_signer(path)
    with pytest.raises(KeyFileError):
        load_or_create_signer(path, "PeterNeumann")


def test_read_only_owner_key_file_is_accepted(tmp_path: Path, peter: Signer) -> None:
    path = tmp_path / "log.key"
    save_signer(path, peter)
    os.chmod(path, 0o400)
    assert load_signer(path).key_id == peter.key_id


def test_load_or_create_signer_creates_once_then_reloads(tmp_path: Path) -> None:
    path = tmp_path / "state" / "log.key"
    first = load_or_create_signer(path, ORIGIN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    second = load_or_create_signer(path, ORIGIN)
    assert second.name == ORIGIN
    assert second.public_key == first.public_key
    assert verifier_key(second) == verifier_key(first)


def test_load_or_create_signer_refuses_a_key_with_another_name(
    tmp_path: Path, peter: Signer
) -> None:
    path = tmp_path / "log.key"
    save_signer(path, peter)
    with pytest.raises(KeyFileError, match="named 'PeterNeumann'"):
        load_or_create_signer(path, ORIGIN)


def test_garbage_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    path.write_text("not a key\n")
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError, match="not usable"):
        load_or_create_signer(path, ORIGIN)
    assert path.read_text() == "not a key\n"


def test_key_file_must_be_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="regular file"):
        load_signer(tmp_path)


# ---------------------------------------------------------------------------
# Notes


def test_note_round_trip_with_several_signers(peter: Signer, log_signer: Signer) -> None:
    text = "first line\n\nafter a blank line \u2014 with an em dash\n"
    note = sign_note(text, [log_signer, peter])
    assert note.startswith(text + "\n" + DASH + ORIGIN + " ")
    assert open_note(note, log_signer.verifier) == text
    assert open_note(note, [peter.verifier, log_signer.verifier]) == text
    assert [s.name for s in parse_note(note).signatures] == [ORIGIN, "PeterNeumann"]


def test_sixteen_signatures_are_accepted() -> None:
    signers = [generate_signer(f"witness{i}.example") for i in range(16)]
    note = sign_note("checkpoint\n", signers)
    assert open_note(note, [s.verifier for s in signers]) == "checkpoint\n"


@pytest.mark.parametrize(
    "text",
    ["no newline", "", "carriage return\r\n", "tab\there\n", "nul\x00\n", "esc\x1b\n"],
)
def test_sign_note_refuses_bad_text(text: str, peter: Signer) -> None:
    with pytest.raises(NoteError):
        sign_note(text, peter)


def test_sign_note_refuses_no_or_duplicate_signers(peter: Signer) -> None:
    with pytest.raises(NoteError, match="at least one"):
        sign_note(TEXT, [])
    with pytest.raises(NoteError, match="twice"):
        sign_note(TEXT, [peter, parse_signer_key(PETER_SKEY)])


def test_text_changed_by_one_byte_is_rejected() -> None:
    tampered = PETER_NOTE.replace("cryptography", "cryptographY")
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(tampered, parse_verifier_key(PETER_VKEY))


def test_every_single_byte_change_to_the_signed_text_is_rejected(peter: Signer) -> None:
    verifier = peter.verifier
    for i in range(len(TEXT)):
        if TEXT[i] == "\n":
            continue
        tampered = TEXT[:i] + chr(ord(TEXT[i]) ^ 1) + TEXT[i + 1 :] + "\n" + PETER_SIG
        with pytest.raises(NoteError):
            open_note(tampered, verifier)


def test_changed_signature_bytes_are_rejected() -> None:
    raw = bytearray(base64.b64decode(PETER_B64))
    raw[10] ^= 0x01
    forged = TEXT + "\n" + f"{DASH}PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(forged, parse_verifier_key(PETER_VKEY))


def test_truncated_signature_from_known_key_is_rejected() -> None:
    raw = base64.b64decode(PETER_B64)[:-1]
    short = TEXT + "\n" + f"{DASH}PeterNeumann {base64.b64encode(raw).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(short, parse_verifier_key(PETER_VKEY))


def test_wrong_key_id_makes_the_signature_unknown() -> None:
    raw = bytearray(base64.b64decode(PETER_B64))
    raw[3] ^= 0x01
    note = TEXT + "\n" + f"{DASH}PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match=r"no signature by a known key.*PeterNeumann\+c74f20a2"):
        open_note(note, parse_verifier_key(PETER_VKEY))


def test_wrong_key_name_makes_the_signature_unknown() -> None:
    note = PETER_NOTE.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(note, parse_verifier_key(PETER_VKEY))


def test_known_signature_valid_and_another_invalid_rejects_the_note(
    peter: Signer, log_signer: Signer
) -> None:
    good = sign_note(TEXT, [peter, log_signer])
    text, block = good.split("\n\n")
    peter_line, log_line = block.splitlines()
    bad_log = log_line[:-6] + ("AAAA" if log_line[-6:-2] != "AAAA" else "BBBB") + log_line[-2:]
    note = f"{text}\n\n{peter_line}\n{bad_log}\n"
    assert open_note(note, peter.verifier) == TEXT  # the corrupt one is unknown here
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(note, [peter.verifier, log_signer.verifier])


def test_note_without_known_verifiers_is_rejected() -> None:
    with pytest.raises(NoteError, match="none configured"):
        open_note(PETER_NOTE, [])


@pytest.mark.parametrize(
    "note",
    [
        PETER_NOTE + "\n",  # trailing blank line
        PETER_NOTE[:-1],  # missing final newline
        PETER_NOTE.replace("\n\n", "\n"),  # missing blank line
        PETER_NOTE.replace("\n", "\r\n"),  # CRLF
        PETER_NOTE.replace(DASH, "- "),  # ASCII hyphen instead of em dash
        PETER_NOTE.replace(DASH, "\u2014"),  # no space after the dash
        PETER_NOTE.replace(DASH + "PeterNeumann ", DASH + "PeterNeumann  "),  # two spaces
        PETER_NOTE.replace(DASH + "PeterNeumann ", DASH + "PeterNeumann+x "),  # '+' in name
        PETER_NOTE.replace(PETER_B64, PETER_B64.rstrip("=")),  # unpadded base64
        PETER_NOTE.replace(PETER_B64, "AAAA"),  # too short for id and signature
        PETER_NOTE.replace(DASH + "PeterNeumann " + PETER_B64, DASH + "PeterNeumann"),
        TEXT + "\n" + PETER_SIG + "\n" + PETER_SIG,  # blank line among signatures
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, parse_verifier_key(PETER_VKEY))


# ---------------------------------------------------------------------------
# Checkpoints


def test_checkpoint_text_and_round_trip(log_signer: Signer) -> None:
    checkpoint = Checkpoint(ORIGIN, 20852163, ROOT, ("ext one", "ext two"))
    text = checkpoint.to_text()
    assert text == (f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\next one\next two\n")
    assert Checkpoint.parse(text) == checkpoint
    note = sign_checkpoint(checkpoint, log_signer)
    assert note.startswith(text + "\n" + DASH + ORIGIN + " ")
    assert open_checkpoint(note, log_signer.verifier, origin=ORIGIN) == checkpoint
    assert open_checkpoint(note, log_signer.verifier) == checkpoint


def test_empty_tree_checkpoint() -> None:
    empty_root = hashlib.sha256(b"").digest()
    checkpoint = Checkpoint(ORIGIN, 0, empty_root)
    assert checkpoint.to_text().splitlines()[1] == "0"
    assert Checkpoint.parse(checkpoint.to_text()) == checkpoint


def test_checkpoint_extensions_list_becomes_tuple() -> None:
    checkpoint = Checkpoint(ORIGIN, 1, ROOT, ["x"])  # type: ignore[arg-type]
    assert checkpoint.extensions == ("x",)


def _checkpoint_text(size: str = "5", root: str | None = None, origin: str = ORIGIN) -> str:
    root = base64.b64encode(ROOT).decode() if root is None else root
    return f"{origin}\n{size}\n{root}\n"


@pytest.mark.parametrize(
    "text",
    [
        _checkpoint_text(size="05"),
        _checkpoint_text(size="00"),
        _checkpoint_text(size="-1"),
        _checkpoint_text(size="+5"),
        _checkpoint_text(size=" 5"),
        _checkpoint_text(size="5 "),
        _checkpoint_text(size="5.0"),
        _checkpoint_text(size="0x5"),
        _checkpoint_text(size="\u0665"),  # ARABIC-INDIC DIGIT FIVE
        _checkpoint_text(size=""),
        _checkpoint_text(size=str(2**64)),
        _checkpoint_text(root=base64.b64encode(bytes(31)).decode()),
        _checkpoint_text(root=base64.b64encode(bytes(33)).decode()),
        _checkpoint_text(root=base64.b64encode(ROOT).decode().rstrip("=")),
        _checkpoint_text(root="not base64!"),
        _checkpoint_text(root=""),
        _checkpoint_text(origin=""),
        _checkpoint_text()[:-1],  # missing final newline
        _checkpoint_text() + "\n",  # empty extension line
        _checkpoint_text() + "ext\n\n",
        _checkpoint_text().replace("\n", "\r\n"),
        f"{ORIGIN}\n5\n",  # no root line
        "",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_largest_uint64_size_is_accepted() -> None:
    assert Checkpoint.parse(_checkpoint_text(size=str(2**64 - 1))).size == 2**64 - 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"origin": "tab\there"},
        {"size": -1},
        {"size": 2**64},
        {"size": True},
        {"size": "5"},
        {"root": bytes(31)},
        {"root": bytes(33)},
        {"root": "00" * 32},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
        {"extensions": "abc"},
    ],
)
def test_invalid_checkpoint_values_are_refused(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {"origin": ORIGIN, "size": 5, "root": ROOT, **kwargs}
    with pytest.raises(NoteError):
        Checkpoint(**values)  # type: ignore[arg-type]


def test_checkpoint_with_wrong_origin_is_rejected(log_signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), log_signer)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, log_signer.verifier, origin="agilegov.example/other")


def test_checkpoint_signed_by_another_key_is_rejected(log_signer: Signer) -> None:
    impostor = generate_signer(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), impostor)
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_checkpoint(note, log_signer.verifier, origin=ORIGIN)


def test_tampered_checkpoint_size_is_rejected(log_signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), log_signer)
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(note.replace("\n5\n", "\n6\n", 1), log_signer.verifier)


def test_signed_note_that_is_not_a_checkpoint_is_rejected(log_signer: Signer) -> None:
    note = sign_note("if this is a valid checkpoint then I'll eat my hat\n", log_signer)
    with pytest.raises(NoteError, match="checkpoint"):
        open_checkpoint(note, log_signer.verifier)


# ---------------------------------------------------------------------------
# Receipts (tlog-proof)


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH, written out recursively as the RFC states it."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _node_hash(_root(leaves[:split]), _root(leaves[split:]))


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]), leaf sibling first."""
    if len(leaves) == 1:
        return []
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < split:
        return [*_path(index, leaves[:split]), _root(leaves[split:])]
    return [*_path(index - split, leaves[split:]), _root(leaves[:split])]


def _verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, to show the receipt carries a usable proof."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


@pytest.fixture(scope="module")
def tree() -> list[bytes]:
    return [_leaf_hash(f"event {i}".encode()) for i in range(13)]


def test_proof_length_matches_rfc6962_paths() -> None:
    leaves = [_leaf_hash(bytes([i])) for i in range(70)]
    for size in range(1, 71):
        for index in range(size):
            assert inclusion_proof_length(index, size) == len(_path(index, leaves[:size]))
    with pytest.raises(NoteError):
        inclusion_proof_length(5, 5)


def test_receipt_round_trip(tree: list[bytes], log_signer: Signer) -> None:
    index = 9
    proof = _path(index, tree)
    note = sign_checkpoint(Checkpoint(ORIGIN, len(tree), _root(tree)), log_signer)
    receipt = Receipt(index, proof, note)
    text = receipt.to_text()
    expected_lines = [TLOG_PROOF_HEADER, "index 9", *(base64.b64encode(p).decode() for p in proof)]
    assert text == "\n".join(expected_lines) + "\n\n" + note
    parsed = Receipt.parse(text)
    assert parsed == receipt
    assert parsed.proof == tuple(proof)
    assert Receipt.parse(text.encode()) == receipt
    checkpoint = parsed.open_checkpoint(log_signer.verifier, origin=ORIGIN)
    assert _verify_inclusion(
        index, checkpoint.size, tree[index], list(parsed.proof), checkpoint.root
    )


def test_receipt_with_extra_data(tree: list[bytes], log_signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, len(tree), _root(tree)), log_signer)
    receipt = Receipt(0, _path(0, tree), note, extra=b"age-v1.2.1-darwin-arm64.tar.gz")
    text = receipt.to_text()
    assert text.splitlines()[:3] == [
        TLOG_PROOF_HEADER,
        "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6",
        "index 0",
    ]
    assert Receipt.parse(text) == receipt


def test_receipt_for_a_one_leaf_tree_has_no_proof_lines(log_signer: Signer) -> None:
    leaf = _leaf_hash(b"only")
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, leaf), log_signer)
    receipt = Receipt(0, [], note)
    assert receipt.to_text() == f"{TLOG_PROOF_HEADER}\nindex 0\n\n{note}"
    assert Receipt.parse(receipt.to_text()) == receipt


def test_receipt_keeps_cosignatures(tree: list[bytes], log_signer: Signer) -> None:
    witness = generate_signer("witness.example")
    note = sign_note(Checkpoint(ORIGIN, len(tree), _root(tree)).to_text(), [log_signer, witness])
    receipt = Receipt.parse(Receipt(3, _path(3, tree), note).to_text())
    assert receipt.checkpoint_note == note
    assert receipt.open_checkpoint(witness.verifier).size == len(tree)


def test_receipt_checkpoint_must_verify(tree: list[bytes], log_signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, len(tree), _root(tree)), generate_signer(ORIGIN))
    receipt = Receipt(3, _path(3, tree), note)  # syntax is fine...
    with pytest.raises(NoteError, match="no signature by a known key"):
        receipt.open_checkpoint(log_signer.verifier)  # ...but the key is not the log's


@pytest.fixture(scope="module")
def receipt_text(tree: list[bytes], log_signer: Signer) -> str:
    note = sign_checkpoint(Checkpoint(ORIGIN, len(tree), _root(tree)), log_signer)
    return Receipt(5, _path(5, tree), note).to_text()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace(TLOG_PROOF_HEADER, "c2sp.org/tlog-proof@v2"),
        lambda t: t.replace(TLOG_PROOF_HEADER + "\n", ""),
        lambda t: "\n" + t,
        lambda t: t.replace("index 5", "index 05"),
        lambda t: t.replace("index 5", "index  5"),
        lambda t: t.replace("index 5", "index -5"),
        lambda t: t.replace("index 5", "index"),
        lambda t: t.replace("index 5", "Index 5"),
        lambda t: t.replace("index 5\n", ""),
        lambda t: t.replace("index 5", "index 13"),  # not inside the tree
        lambda t: t.replace("index 5", "index 12"),  # proof has the wrong length
        lambda t: t.replace("index 5\n", "index 5\nextra AAAA\n"),  # extra after index
        lambda t: t.replace("index 5\n", "extra \nindex 5\n"),  # empty extra
        lambda t: t.replace("index 5\n", "extra AAA\nindex 5\n"),  # bad base64
        lambda t: t.replace("index 5\n", f"index 5\n{base64.b64encode(bytes(32)).decode()}\n"),
        lambda t: t.replace("index 5\n", f"index 5\n{base64.b64encode(bytes(31)).decode()}\n"),
        lambda t: t.replace("\n\n", "\n", 1),  # no blank line before the checkpoint
        lambda t: t.replace("\n\n", "\n\n\n", 1),  # two blank lines
        lambda t: t.replace("=\n", "\n", 1),  # unpadded proof hash
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t[:-1],  # checkpoint note without final newline
        lambda t: t + "\n",
        lambda t: t.split("\n\n")[0] + "\n\n",  # no checkpoint at all
        lambda t: t.replace(f"{ORIGIN}\n13\n", f"{ORIGIN}\n013\n"),  # malformed checkpoint
        lambda t: t.rsplit(DASH, 1)[0],  # checkpoint without signatures
    ],
)
def test_malformed_receipts_are_rejected(receipt_text: str, mangle: object) -> None:
    mangled = mangle(receipt_text)  # type: ignore[operator]
    assert mangled != receipt_text
    with pytest.raises(NoteError):
        Receipt.parse(mangled)


def test_receipt_tampering_is_caught_when_opened(receipt_text: str, log_signer: Signer) -> None:
    tampered = Receipt.parse(receipt_text.replace(f"{ORIGIN}\n13\n", f"{ORIGIN}\n14\n"))
    with pytest.raises(NoteError, match="invalid signature"):
        tampered.open_checkpoint(log_signer.verifier)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"index": -1},
        {"index": True},
        {"index": 13},
        {"proof": [bytes(32)]},  # wrong length for the index
        {"proof": [bytes(31)] * 4},
        {"proof": b"\x00" * 128},
        {"extra": b""},
        {"extra": "text"},
        {"checkpoint_note": "not a note"},
    ],
)
def test_invalid_receipt_values_are_refused(
    kwargs: dict[str, object], tree: list[bytes], log_signer: Signer
) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, len(tree), _root(tree)), log_signer)
    values: dict[str, object] = {
        "index": 5,
        "proof": _path(5, tree),
        "checkpoint_note": note,
        **kwargs,
    }
    with pytest.raises(NoteError):
        Receipt(**values)  # type: ignore[arg-type]
