"""Signed notes, log checkpoints and inclusion receipts in the C2SP text formats.

The record's checkpoints must be checkable by tools that were not written for
agilegov (witnesses, monitors, the Go ``sumdb/note`` package), so this module
follows three small public specifications byte for byte:

* c2sp.org/signed-note: a UTF-8 text ending in a newline, a blank line, then
  one or more lines ``U+2014 U+0020 <key name> U+0020 base64(key id || sig)``.
  Only Ed25519 keys (signature type ``0x01``) are supported. The 4-byte key id
  is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` read big-endian. Keys
  travel as the strings of golang.org/x/mod/sumdb/note: verifier keys
  ``<name>+<8 hex digits>+base64(0x01 || public key)`` and signer keys
  ``PRIVATE+KEY+<name>+<8 hex digits>+base64(0x01 || seed)``.
* c2sp.org/tlog-checkpoint: the note text ``<origin>\\n<size>\\n<base64 root>\\n``
  followed by optional, non-empty extension lines.
* c2sp.org/tlog-proof: ``c2sp.org/tlog-proof@v1``, an optional ``extra`` line,
  ``index N``, the inclusion proof hashes one per line, a blank line, then the
  signed checkpoint verbatim.

Everything here is pure (no database, no network, no clock); the only
dependency beyond the standard library is ``cryptography`` for Ed25519.
Every parser is strict: a receipt or checkpoint that another implementation
could read differently is rejected rather than guessed at.
"""

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from agilegov import keyfiles
from agilegov.keyfiles import create_private_file, read_private_file

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "TLOG_PROOF_HEADER",
    "Checkpoint",
    "KeyFileError",
    "NoteError",
    "NoteSignature",
    "ParsedNote",
    "Receipt",
    "Signer",
    "Verifier",
    "generate_signer",
    "inclusion_proof_length",
    "key_id",
    "load_or_create_signer",
    "load_signer",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_signer_key",
    "parse_verifier_key",
    "save_signer",
    "sign_checkpoint",
    "sign_note",
    "signer_from_seed",
    "signer_key",
    "verifier_key",
]

# Signature type byte for Ed25519 in signed-note key ids and key strings.
ALG_ED25519 = 0x01
# The spec asks verifiers to cap the signature count but accept at least 16;
# the Go reference stops at 100, and so do we.
MAX_SIGNATURES = 100
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"

_SIG_PREFIX = "\u2014 "  # EM DASH, SPACE
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_PUBLIC_KEY_SIZE = 32
_SEED_SIZE = 32
_SIGNATURE_SIZE = 64
_HASH_SIZE = 32
_MAX_UINT64 = 2**64 - 1
# Control characters other than newline are forbidden anywhere in a note.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_KEY_FILE_MAX_BYTES = 64 * 1024


class NoteError(ValueError):
    """A note, key, checkpoint or receipt is malformed or fails verification."""


class KeyFileError(NoteError):
    """A signing key file is unsafe to use or does not hold a usable key."""


# ---------------------------------------------------------------------------
# Small strict codecs shared by every format.


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Standard base64 with padding, and only the canonical spelling of each value.

    Accepting several spellings of the same bytes would let two different
    texts carry the same signature, which a transparency log must not allow.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if _b64encode(data) != text:
        raise NoteError(f"{what} is not canonical base64")
    return data


def _parse_decimal(text: str, what: str) -> int:
    """An ASCII decimal without sign, spaces or leading zeros (except ``0``), below 2**64."""
    if not text:
        raise NoteError(f"{what} is empty")
    if len(text) > 20 or any(c not in "0123456789" for c in text):
        raise NoteError(f"{what} {text!r} is not a decimal number")
    if len(text) > 1 and text[0] == "0":
        raise NoteError(f"{what} {text!r} has a leading zero")
    value = int(text)
    if value > _MAX_UINT64:
        raise NoteError(f"{what} {text} does not fit in 64 bits")
    return value


def _check_uint64(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise NoteError(f"{what} must be an integer, not {type(value).__name__}")
    if not 0 <= value <= _MAX_UINT64:
        raise NoteError(f"{what} {value} is outside 0..2**64-1")
    return value


def _check_utf8(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError(f"{what} is not valid UTF-8") from exc


def _check_chars(text: str, what: str) -> None:
    """Reject what the signed-note spec forbids anywhere: bad UTF-8 and control characters."""
    if not isinstance(text, str):
        raise NoteError(f"{what} must be a str, not {type(text).__name__}")
    _check_utf8(text, what)
    found = _CONTROL.search(text)
    if found:
        raise NoteError(
            f"{what} contains the control character U+{ord(found.group()):04X} "
            f"at offset {found.start()}"
        )


def _check_line(text: object, what: str) -> str:
    """A single non-empty line of note text (origin, extension line)."""
    if not isinstance(text, str):
        raise NoteError(f"{what} must be a str, not {type(text).__name__}")
    if not text:
        raise NoteError(f"{what} is empty")
    if "\n" in text:
        raise NoteError(f"{what} contains a newline")
    _check_chars(text, what)
    return text


def _check_name(name: object, what: str = "key name") -> str:
    """Key names: non-empty UTF-8 with no Unicode space and no '+' (signed-note spec).

    Control characters are refused too: they may not appear in a note, so a
    key named with one could never sign anything.
    """
    if not isinstance(name, str):
        raise NoteError(f"{what} must be a str, not {type(name).__name__}")
    if not name:
        raise NoteError(f"{what} is empty")
    _check_utf8(name, what)
    if "+" in name:
        raise NoteError(f"{what} {name!r} contains '+'")
    for char in name:
        if char.isspace():
            raise NoteError(f"{what} {name!r} contains the space character U+{ord(char):04X}")
        if ord(char) < 0x20:
            raise NoteError(f"{what} {name!r} contains a control character")
    return name


def _parse_key_id(text: str) -> int:
    """Exactly eight hex digits, as golang.org/x/mod/sumdb/note reads them."""
    if len(text) != 8 or any(c not in _HEX_DIGITS for c in text):
        raise NoteError(f"key id {text!r} is not 8 hexadecimal digits")
    return int(text, 16)


# ---------------------------------------------------------------------------
# Keys.


def key_id(name: str, public_key: bytes) -> int:
    """The signed-note key id of an Ed25519 key: SHA-256(name || LF || 0x01 || key)[:4]."""
    _check_name(name)
    if len(public_key) != _PUBLIC_KEY_SIZE:
        raise NoteError(f"Ed25519 public key must be 32 bytes, not {len(public_key)}")
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + bytes(public_key)
    ).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key, the thing a checker must be configured with."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.public_key, bytes | bytearray):
            raise NoteError("public key must be bytes")
        public_key = bytes(self.public_key)
        object.__setattr__(self, "public_key", public_key)
        object.__setattr__(self, "key_id", key_id(self.name, public_key))
        try:
            loaded = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError as exc:
            raise NoteError(f"invalid Ed25519 public key for {self.name}") from exc
        object.__setattr__(self, "_key", loaded)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (64 bytes, no key id) is this key's signature of ``message``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(bytes(signature), bytes(message))
        except InvalidSignature:
            return False
        return True


class Signer:
    """A named Ed25519 private key; repr never shows the secret."""

    __slots__ = ("_key", "_key_id", "_name", "_public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise NoteError("private key must be an Ed25519PrivateKey")
        self._name = name
        self._key = private_key
        self._public_key = private_key.public_key().public_bytes_raw()
        self._key_id = key_id(name, self._public_key)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key

    @property
    def verifier(self) -> Verifier:
        """The public half, to hand to whoever checks this signer's notes."""
        return Verifier(self._name, self._public_key)

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature (RFC 8032, deterministic)."""
        return self._key.sign(bytes(message))

    def _seed(self) -> bytes:
        return self._key.private_bytes_raw()

    def __repr__(self) -> str:
        return f"Signer(name={self._name!r}, key_id=0x{self._key_id:08x})"


def generate_signer(name: str) -> Signer:
    """A fresh random Ed25519 signer under ``name``."""
    return Signer(_check_name(name), Ed25519PrivateKey.generate())


def signer_from_seed(name: str, seed: bytes) -> Signer:
    """The signer for a 32-byte RFC 8032 seed, for known keys and reproducible tests."""
    if len(seed) != _SEED_SIZE:
        raise NoteError(f"Ed25519 seed must be 32 bytes, not {len(seed)}")
    return Signer(_check_name(name), Ed25519PrivateKey.from_private_bytes(bytes(seed)))


def verifier_key(key: Signer | Verifier) -> str:
    """The public key string ``name+hexid+base64(0x01 || key)`` that checkers configure."""
    if isinstance(key, Signer):
        key = key.verifier
    encoded = _b64encode(bytes([ALG_ED25519]) + key.public_key)
    return f"{key.name}+{key.key_id:08x}+{encoded}"


def parse_verifier_key(text: str) -> Verifier:
    """Read a verifier key string, checking name, id, algorithm, length and id match."""
    if not isinstance(text, str):
        raise NoteError("verifier key must be a str")
    name, sep1, rest = text.partition("+")
    hex_id, sep2, encoded = rest.partition("+")
    if not sep1 or not sep2:
        raise NoteError("verifier key must look like name+keyid+base64key")
    _check_name(name, "verifier key name")
    wanted_id = _parse_key_id(hex_id)
    raw = _b64decode(encoded, "verifier key")
    if not raw:
        raise NoteError("verifier key is empty")
    if raw[0] != ALG_ED25519:
        raise NoteError(f"verifier key algorithm 0x{raw[0]:02x} is not supported (only Ed25519)")
    if len(raw) != 1 + _PUBLIC_KEY_SIZE:
        raise NoteError(f"Ed25519 verifier key must be 32 bytes, not {len(raw) - 1}")
    verifier = Verifier(name, raw[1:])
    if verifier.key_id != wanted_id:
        raise NoteError(
            f"verifier key id {hex_id} does not match the key (expected {verifier.key_id:08x})"
        )
    return verifier


def signer_key(signer: Signer) -> str:
    """The secret string ``PRIVATE+KEY+name+hexid+base64(0x01 || seed)``; keep it private."""
    encoded = _b64encode(bytes([ALG_ED25519]) + signer._seed())
    return f"{_PRIVATE_PREFIX}{signer.name}+{signer.key_id:08x}+{encoded}"


def parse_signer_key(text: str) -> Signer:
    """Read a signer key string; the id must match the public key derived from the seed."""
    if not isinstance(text, str):
        raise NoteError("signer key must be a str")
    if not text.startswith(_PRIVATE_PREFIX):
        raise NoteError("signer key must start with PRIVATE+KEY+")
    name, sep1, rest = text[len(_PRIVATE_PREFIX) :].partition("+")
    hex_id, sep2, encoded = rest.partition("+")
    if not sep1 or not sep2:
        raise NoteError("signer key must look like PRIVATE+KEY+name+keyid+base64seed")
    _check_name(name, "signer key name")
    wanted_id = _parse_key_id(hex_id)
    raw = _b64decode(encoded, "signer key")
    if not raw:
        raise NoteError("signer key is empty")
    if raw[0] != ALG_ED25519:
        raise NoteError(f"signer key algorithm 0x{raw[0]:02x} is not supported (only Ed25519)")
    if len(raw) != 1 + _SEED_SIZE:
        raise NoteError(f"Ed25519 seed must be 32 bytes, not {len(raw) - 1}")
    signer = signer_from_seed(name, raw[1:])
    if signer.key_id != wanted_id:
        raise NoteError(
            f"signer key id {hex_id} does not match the key (expected {signer.key_id:08x})"
        )
    return signer


# ---------------------------------------------------------------------------
# Key files.


def save_signer(path: str | os.PathLike[str], signer: Signer) -> None:
    """Write the signer key to a new owner-only (0600) file; an existing file is
    never overwritten (``FileExistsError``), see ``keyfiles.create_private_file``."""
    create_private_file(Path(path), (signer_key(signer) + "\n").encode("utf-8"))


def load_signer(path: str | os.PathLike[str]) -> Signer:
    """Read a signer key file, refusing one that group or others could read or write."""
    path = Path(path)
    try:
        data = read_private_file(path, "signing key", _KEY_FILE_MAX_BYTES)
    except keyfiles.KeyFileError as problem:
        raise KeyFileError(str(problem)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeyFileError(f"signing key {path} is not UTF-8 text") from exc
    if text.endswith("\n"):
        text = text[:-1]
    try:
        return parse_signer_key(text)
    except NoteError as exc:
        raise KeyFileError(f"signing key {path} is not usable: {exc}") from exc


def load_or_create_signer(path: str | os.PathLike[str], name: str) -> Signer:
    """The signer kept at ``path``, generated and saved there on first start.

    A file holding a key under another name is refused: silently signing as
    a different log would break every verifier configured for this one.
    """
    _check_name(name)
    path = Path(path)
    try:
        signer = load_signer(path)
    except FileNotFoundError:
        signer = generate_signer(name)
        try:
            save_signer(path, signer)
        except FileExistsError:  # another process created it first: use theirs
            signer = load_signer(path)
        else:
            return signer
    if signer.name != name:
        raise KeyFileError(
            f"signing key {path} is named {signer.name!r}, but this log is configured as {name!r}"
        )
    return signer


# ---------------------------------------------------------------------------
# Signed notes.


@dataclass(frozen=True)
class NoteSignature:
    """One signature line, as written; not yet checked against any key."""

    name: str
    key_id: int
    signature: bytes

    def to_line(self) -> str:
        """The signature line, including the final newline."""
        payload = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {_b64encode(payload)}\n"


@dataclass(frozen=True)
class ParsedNote:
    """A note split into its text and signatures; the text is NOT yet trusted."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _check_note_text(text: str) -> None:
    _check_chars(text, "note text")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    where = f"signature line {number}"
    if not line.startswith(_SIG_PREFIX):
        raise NoteError(f"{where} does not start with an em dash and a space")
    name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep:
        raise NoteError(f"{where} has no space between key name and signature")
    _check_name(name, f"{where}: key name")
    if not encoded:
        raise NoteError(f"{where} has an empty signature")
    raw = _b64decode(encoded, f"{where}: signature")
    if len(raw) < 5:
        raise NoteError(f"{where}: signature is too short to hold a key id and a signature")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse_note(note: str | bytes) -> ParsedNote:
    """Split a signed note into text and signature lines, checking only the syntax.

    The text is separated from the signatures by the last blank line; the
    text keeps its final newline. Do not act on the text before
    :func:`open_note` has verified it.
    """
    if isinstance(note, bytes | bytearray):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not valid UTF-8") from exc
    _check_chars(note, "note")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line between its text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("note has no signature lines")
    if not block.endswith("\n"):
        raise NoteError("note does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than the {MAX_SIGNATURES} allowed")
    signatures = tuple(_parse_signature_line(line, n) for n, line in enumerate(lines, 1))
    return ParsedNote(text, signatures)


def _signer_list(signers: Signer | Iterable[Signer]) -> list[Signer]:
    return [signers] if isinstance(signers, Signer) else list(signers)


def _verifier_list(verifiers: Verifier | Iterable[Verifier]) -> list[Verifier]:
    return [verifiers] if isinstance(verifiers, Verifier) else list(verifiers)


def sign_note(text: str, signers: Signer | Iterable[Signer]) -> str:
    """Sign ``text`` with every signer and return the signed note.

    The text must end with a newline and hold no control character other
    than newline; it may contain blank lines (the spec allows them).
    """
    signer_list = _signer_list(signers)
    if not signer_list:
        raise NoteError("a note needs at least one signer")
    if len(signer_list) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signers")
    _check_note_text(text)
    message = text.encode("utf-8")
    seen: set[tuple[str, int]] = set()
    lines = []
    for signer in signer_list:
        if not isinstance(signer, Signer):
            raise NoteError(f"not a Signer: {type(signer).__name__}")
        identity = (signer.name, signer.key_id)
        if identity in seen:
            raise NoteError(f"key {signer.name}+{signer.key_id:08x} is given twice")
        seen.add(identity)
        lines.append(NoteSignature(signer.name, signer.key_id, signer.sign(message)).to_line())
    return text + "\n" + "".join(lines)


def _verifier_map(verifiers: Verifier | Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    """Index verifiers by (name, key id), refusing two different keys under one identity."""
    known: dict[tuple[str, int], Verifier] = {}
    for verifier in _verifier_list(verifiers):
        if not isinstance(verifier, Verifier):
            raise NoteError(f"not a Verifier: {type(verifier).__name__}")
        identity = (verifier.name, verifier.key_id)
        other = known.setdefault(identity, verifier)
        if other.public_key != verifier.public_key:
            raise NoteError(f"ambiguous key {verifier.name}+{verifier.key_id:08x}")
    return known


def open_note(note: str | bytes, verifiers: Verifier | Iterable[Verifier]) -> str:
    """Return the note text once a known key's signature on it has verified.

    Signatures whose (name, key id) pair is unknown are ignored, as the spec
    requires. Every signature from a known key is checked, and one that fails
    rejects the whole note; so does a note with no signature from a known key.
    """
    known = _verifier_map(verifiers)
    parsed = parse_note(note)
    message = parsed.text.encode("utf-8")
    verified = 0
    unknown: list[str] = []
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unknown.append(f"{sig.name}+{sig.key_id:08x}")
            continue
        if not verifier.verify(message, sig.signature):
            raise NoteError(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
        verified += 1
    if not verified:
        expected = ", ".join(f"{n}+{k:08x}" for n, k in known) or "none configured"
        found = ", ".join(unknown)
        raise NoteError(f"note has no signature by a known key (found {found}; known {expected})")
    return parsed.text


# ---------------------------------------------------------------------------
# Checkpoints.


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size and RFC 6962 root hash (tlog-checkpoint)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "checkpoint origin")
        _check_uint64(self.size, "checkpoint size")
        if not isinstance(self.root, bytes | bytearray):
            raise NoteError("checkpoint root must be bytes")
        if len(self.root) != _HASH_SIZE:
            raise NoteError(f"checkpoint root must be 32 bytes, not {len(self.root)}")
        object.__setattr__(self, "root", bytes(self.root))
        if isinstance(self.extensions, str):
            raise NoteError("checkpoint extensions must be a sequence of lines, not a str")
        extensions = tuple(self.extensions)
        for number, line in enumerate(extensions, 1):
            _check_line(line, f"checkpoint extension line {number}")
        object.__setattr__(self, "extensions", extensions)

    def to_text(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in LF."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """Read a checkpoint note text (already verified, or for syntax checks only)."""
        _check_chars(text, "checkpoint")
        if not text.endswith("\n"):
            raise NoteError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint needs origin, size and root hash lines")
        for number, line in enumerate(lines, 1):
            if not line:
                raise NoteError(f"checkpoint line {number} is empty")
        size = _parse_decimal(lines[1], "checkpoint size")
        root = _b64decode(lines[2], "checkpoint root hash")
        return cls(lines[0], size, root, tuple(lines[3:]))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a note signed by the log (whose key name should be the origin)."""
    return sign_note(checkpoint.to_text(), signer)


def open_checkpoint(
    note: str | bytes,
    verifier: Verifier | Iterable[Verifier],
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint and parse it, checking the origin line when given."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}")
    return checkpoint


# ---------------------------------------------------------------------------
# Receipts (tlog-proof).


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the RFC 6962 inclusion proof for leaf ``index`` in a tree of ``size`` has.

    The path has one hash per level below the point where the paths to the
    leaf and to the last leaf split, plus one per left subtree on the way up
    from there (RFC 9162, section 2.1.3).
    """
    _check_uint64(index, "index")
    _check_uint64(size, "tree size")
    if index >= size:
        raise NoteError(f"index {index} is not inside a tree of size {size}")
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


@dataclass(frozen=True)
class Receipt:
    """An offline-checkable inclusion proof bundle in the c2sp.org/tlog-proof@v1 text form.

    ``checkpoint_note`` is the log's signed checkpoint, verbatim (witness
    cosignatures included). ``extra`` is the optional opaque, unauthenticated
    data line. Construction checks the syntax of everything and that the proof
    has exactly the length the index and the checkpoint's tree size require;
    signatures are checked only by :meth:`open_checkpoint`.
    """

    index: int
    proof: Sequence[bytes]
    checkpoint_note: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        _check_uint64(self.index, "receipt index")
        if isinstance(self.proof, bytes | bytearray | str):
            raise NoteError("receipt proof must be a sequence of hashes")
        proof = tuple(self.proof)
        for number, node in enumerate(proof, 1):
            if not isinstance(node, bytes | bytearray) or len(node) != _HASH_SIZE:
                raise NoteError(f"receipt proof hash {number} is not 32 bytes")
        object.__setattr__(self, "proof", tuple(bytes(node) for node in proof))
        if self.extra is not None:
            if not isinstance(self.extra, bytes | bytearray):
                raise NoteError("receipt extra data must be bytes or None")
            if not self.extra:
                raise NoteError("receipt extra data is empty (use None to leave it out)")
            object.__setattr__(self, "extra", bytes(self.extra))
        checkpoint = self._unverified_checkpoint()
        expected = inclusion_proof_length(self.index, checkpoint.size)
        if len(proof) != expected:
            raise NoteError(
                f"receipt proof has {len(proof)} hashes, but index {self.index} in a tree "
                f"of size {checkpoint.size} needs {expected}"
            )

    def _unverified_checkpoint(self) -> Checkpoint:
        if not isinstance(self.checkpoint_note, str):
            raise NoteError("receipt checkpoint note must be a str")
        return Checkpoint.parse(parse_note(self.checkpoint_note).text)

    def open_checkpoint(
        self, verifier: Verifier | Iterable[Verifier], origin: str | None = None
    ) -> Checkpoint:
        """The receipt's checkpoint, after its signature has verified."""
        return open_checkpoint(self.checkpoint_note, verifier, origin)

    def to_text(self) -> str:
        """The receipt as a .tlog-proof text."""
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {_b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(_b64encode(node) for node in self.proof)
        return "".join(line + "\n" for line in lines) + "\n" + self.checkpoint_note

    @classmethod
    def parse(cls, text: str | bytes) -> "Receipt":
        """Read a .tlog-proof text, rejecting anything not exactly in the spec's form."""
        if isinstance(text, bytes | bytearray):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise NoteError("receipt is not valid UTF-8") from exc
        if not isinstance(text, str):
            raise NoteError("receipt must be a str")
        rest = text

        def next_line(what: str) -> str:
            nonlocal rest
            line, sep, remainder = rest.partition("\n")
            if not sep:
                raise NoteError(f"receipt ends before {what}")
            rest = remainder
            return line

        if next_line("its header") != TLOG_PROOF_HEADER:
            raise NoteError(f"receipt does not start with {TLOG_PROOF_HEADER!r}")
        line = next_line("the index line")
        extra = None
        if line.startswith("extra "):
            extra = _b64decode(line[len("extra ") :], "receipt extra data")
            if not extra:
                raise NoteError("receipt extra line is empty")
            line = next_line("the index line")
        if not line.startswith("index "):
            raise NoteError("receipt has no 'index N' line after its header")
        index = _parse_decimal(line[len("index ") :], "receipt index")
        proof = []
        while True:
            line = next_line("the blank line before the checkpoint")
            if not line:
                break
            if len(proof) >= 64:
                raise NoteError("receipt has more than 64 proof hashes")
            node = _b64decode(line, f"receipt proof hash {len(proof) + 1}")
            if len(node) != _HASH_SIZE:
                raise NoteError(f"receipt proof hash {len(proof) + 1} is not 32 bytes")
            proof.append(node)
        return cls(index, tuple(proof), rest, extra)
