"""Signed governance attestations: eddsa-jcs-2022 against the W3C test vectors,
did:key handling, tampering, and the attestation credential itself."""

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agilegov.record.credentials import (
    ATTESTATION_TYPE,
    CREDENTIALS_V2_CONTEXT,
    AttestationMethod,
    CredentialError,
    attestation_credential,
    attestation_urn,
    base58btc_decode,
    base58btc_encode,
    canonicalize,
    check_validity,
    did_key,
    generate_key,
    hash_data,
    private_key_from_multibase,
    private_key_multibase,
    proof_configuration,
    public_key_from_did,
    public_key_from_multibase,
    public_key_multibase,
    sign,
    sign_with_config,
    verification_method,
    verify,
    verify_attestation,
)

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "data" / "vc-eddsa-jcs-2022"
SIGNATURE_MISMATCH = "signature does not match"


# --------------------------------------------------------------------------
# W3C test vectors
# --------------------------------------------------------------------------


class Vectors:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8").strip()

    def json(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def private_key(self) -> Ed25519PrivateKey:
        pair = self.json("keyPair.json")
        # The vectors name it privateKeyMultibase; Multikey documents say secretKeyMultibase.
        return private_key_from_multibase(
            pair.get("secretKeyMultibase") or pair["privateKeyMultibase"]
        )


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    if not (VECTORS / "signedJCS.json").is_file():
        pytest.skip(f"eddsa-jcs-2022 test vectors not found at {VECTORS}")
    return Vectors(VECTORS)


def test_the_vector_key_pair_loads_and_matches(vectors: Vectors) -> None:
    pair = vectors.json("keyPair.json")
    private_key = vectors.private_key()
    public_key = public_key_from_multibase(pair["publicKeyMultibase"])
    assert public_key_multibase(private_key.public_key()) == pair["publicKeyMultibase"]
    assert private_key_multibase(private_key) == pair["privateKeyMultibase"]
    config = vectors.json("proofConfigJCS.json")
    assert verification_method(public_key) == config["verificationMethod"]
    assert did_key(public_key) == config["verificationMethod"].partition("#")[0]


def test_intermediate_values_match_the_vectors(vectors: Vectors) -> None:
    document = vectors.json("unsigned.json")
    config = vectors.json("proofConfigJCS.json")

    canonical_document = canonicalize(document)
    assert canonical_document.decode() == vectors.text("canonDocJCS.txt")
    assert hashlib.sha256(canonical_document).hexdigest() == vectors.text("docHashJCS.txt")

    canonical_config = proof_configuration(config)
    assert canonical_config.decode() == vectors.text("proofCanonJCS.txt")
    assert hashlib.sha256(canonical_config).hexdigest() == vectors.text("proofHashJCS.txt")

    combined = hash_data(document, config)
    assert combined.hex() == vectors.text("combinedHashJCS.txt")
    assert combined.hex() == vectors.text("proofHashJCS.txt") + vectors.text("docHashJCS.txt")

    signature = vectors.private_key().sign(combined)
    assert signature.hex() == vectors.text("sigHexJCS.txt")
    assert "z" + base58btc_encode(signature) == vectors.text("sigBTC58JCS.txt")
    assert base58btc_decode(vectors.text("sigBTC58JCS.txt")[1:]) == signature


def test_sign_with_config_reproduces_the_signed_vector_byte_for_byte(vectors: Vectors) -> None:
    unsigned = vectors.json("unsigned.json")
    before = copy.deepcopy(unsigned)
    secured = sign_with_config(unsigned, vectors.json("proofConfigJCS.json"), vectors.private_key())
    expected = vectors.json("signedJCS.json")

    assert unsigned == before, "the input document is left as it was"
    assert secured["proof"]["proofValue"] == vectors.text("sigBTC58JCS.txt")
    assert secured == expected
    assert canonicalize(secured) == canonicalize(expected)
    assert json.dumps(secured, indent=2) == json.dumps(expected, indent=2)
    # Same member order as the file, so even the pretty-printed bytes agree.
    file_text = (VECTORS / "signedJCS.json").read_text(encoding="utf-8")
    assert json.dumps(secured, indent=2) == file_text.rstrip("\n")


def test_sign_puts_the_document_context_in_the_proof_like_the_vector(vectors: Vectors) -> None:
    config = vectors.json("proofConfigJCS.json")
    secured = sign(
        vectors.json("unsigned.json"),
        vectors.private_key(),
        verification_method=config["verificationMethod"],
        created=config["created"],
    )
    assert secured == vectors.json("signedJCS.json")
    assert list(secured["proof"]) == [*config, "proofValue"]


def test_the_signed_vector_verifies(vectors: Vectors) -> None:
    signed = vectors.json("signedJCS.json")
    verify(signed)  # key resolved from the did:key verification method
    verify(signed, vectors.private_key().public_key())


# --------------------------------------------------------------------------
# base58btc
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01", "112"),
        (b"yes mani !", "7paNL19xttacUY"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (bytes([0xFF] * 4), "7YXq9G"),
    ],
)
def test_base58btc_known_values(data: bytes, encoded: str) -> None:
    assert base58btc_encode(data) == encoded
    assert base58btc_decode(encoded) == data


def test_base58btc_round_trips_random_bytes() -> None:
    for size in (1, 2, 31, 32, 34, 64):
        for data in (bytes(size), b"\0" + bytes(range(size)), hashlib.sha512(bytes(size)).digest()):
            assert base58btc_decode(base58btc_encode(data)) == data


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", "z z"])
def test_base58btc_rejects_characters_outside_the_alphabet(text: str) -> None:
    with pytest.raises(CredentialError, match="invalid base58btc character"):
        base58btc_decode(text)


# --------------------------------------------------------------------------
# did:key
# --------------------------------------------------------------------------


def test_did_key_round_trip() -> None:
    public_key = generate_key().public_key()
    did = did_key(public_key)
    method = verification_method(public_key)
    assert did.startswith("did:key:z6Mk")
    assert method == f"{did}#{did.removeprefix('did:key:')}"
    for reference in (did, method):
        assert public_key_multibase(public_key_from_did(reference)) == public_key_multibase(
            public_key
        )


def _multikey(prefix: bytes, size: int) -> str:
    return "z" + base58btc_encode(prefix + bytes(range(1, size + 1)))


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("did:web:example.org", "not a did:key"),
        ("https://example.org/keys/1", "not a did:key"),
        ("did:key:", "malformed did:key"),
        ("did:key:z6Mk/path", "malformed did:key"),
        ("did:key:" + _multikey(b"\xe7\x01", 33), r"not an Ed25519 key.*0xe7"),  # secp256k1
        ("did:key:" + _multikey(b"\x80\x24", 33), r"not an Ed25519 key.*0x1200"),  # P-256
        ("did:key:" + _multikey(b"\x80\x26", 32), r"not an Ed25519 key.*0x1300"),  # a secret key
        ("did:key:" + _multikey(b"\xed\x01", 31), "must hold 32 key bytes"),
        ("did:key:" + _multikey(b"\xed\x01", 33), "must hold 32 key bytes"),
        ("did:key:f" + bytes(34).hex(), "base58btc"),
        ("did:key:z6MkOOOO", "not valid multibase"),
    ],
)
def test_public_key_from_did_rejects_what_is_not_an_ed25519_did_key(
    reference: str, reason: str
) -> None:
    with pytest.raises(CredentialError, match=reason):
        public_key_from_did(reference)


def test_a_verification_method_must_name_its_own_key() -> None:
    did = did_key(generate_key().public_key())
    other = public_key_multibase(generate_key().public_key())
    with pytest.raises(CredentialError, match="fragment"):
        public_key_from_did(f"{did}#{other}")
    with pytest.raises(CredentialError, match="fragment"):
        public_key_from_did(f"{did}#key-1")


def test_multibase_keys_keep_public_and_secret_apart() -> None:
    key = generate_key()
    assert private_key_multibase(private_key_from_multibase(private_key_multibase(key))) == (
        private_key_multibase(key)
    )
    with pytest.raises(CredentialError, match="not an Ed25519 key"):
        private_key_from_multibase(public_key_multibase(key.public_key()))
    with pytest.raises(CredentialError, match="not an Ed25519 key"):
        public_key_from_multibase(private_key_multibase(key))


# --------------------------------------------------------------------------
# Attestation credentials: build, sign, verify
# --------------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)


def _credential(assessor: Ed25519PrivateKey, **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": attestation_urn(7),
        "issuer": did_key(assessor.public_key()),
        "issuer_name": "Assessor & Co.",
        "subject_id": "urn:agilegov:organization:42",
        "organization_name": "Acme Hiring",
        "scope_id": "urn:agilegov:scope:3",
        "scope_name": "Automated CV screening",
        "method": AttestationMethod.external_audit,
        "criteria": ["Selection parity ≥ 0.8", "Human review of every rejection"],
        "result": "Meets both criteria over the 2025 cycle.",
        "valid_from": START,
        "valid_until": END,
        "findings": ["Parity 0.86 over 12 400 applications."],
    }
    arguments.update(changes)
    return attestation_credential(**arguments)


def _signed(assessor: Ed25519PrivateKey, **changes: Any) -> dict[str, Any]:
    return sign(
        _credential(assessor, **changes),
        assessor,
        verification_method=verification_method(assessor.public_key()),
        created="2026-01-01T09:30:00Z",
    )


@pytest.fixture
def assessor() -> Ed25519PrivateKey:
    return generate_key()


def test_an_attestation_credential_has_the_vc_2_shape(assessor: Ed25519PrivateKey) -> None:
    credential = _credential(assessor)
    assert credential == {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": "urn:agilegov:attestation:7",
        "type": ["VerifiableCredential", ATTESTATION_TYPE],
        "issuer": {"id": did_key(assessor.public_key()), "name": "Assessor & Co."},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "urn:agilegov:organization:42",
            "name": "Acme Hiring",
            "scope": {"id": "urn:agilegov:scope:3", "name": "Automated CV screening"},
            "method": "external_audit",
            "criteria": ["Selection parity ≥ 0.8", "Human review of every rejection"],
            "result": "Meets both criteria over the 2025 cycle.",
            "findings": ["Parity 0.86 over 12 400 applications."],
        },
    }
    assert "credentialStatus" not in credential


def test_optional_parts_are_left_out_or_carried(assessor: Ed25519PrivateKey) -> None:
    bare = _credential(assessor, findings=None, valid_until=None, method="peer_review")
    assert "findings" not in bare["credentialSubject"]
    assert "validUntil" not in bare
    assert bare["credentialSubject"]["method"] == "peer_review"
    status = {"id": "https://agilegov.example/log#7", "type": "AgilegovLogEntry"}
    with_status = _credential(assessor, credential_status=status)
    assert with_status["credentialStatus"] == status


def test_times_are_written_in_utc_with_z(assessor: Ed25519PrivateKey) -> None:
    paris = datetime(2026, 3, 1, 10, 15, 30, 999, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    credential = _credential(assessor, valid_from=paris)
    assert credential["validFrom"] == "2026-03-01T10:15:30Z"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"method": "gut_feeling"}, "unknown method"),
        ({"subject_id": "Acme Hiring"}, "URN or URL"),
        ({"subject_id": "ftp://acme.example"}, "URN or URL"),
        ({"issuer": "did:web:assessor.example"}, "not a did:key"),
        ({"credential_id": "attestation 7"}, "credential_id"),
        ({"valid_from": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"valid_until": START}, "after valid_from"),
        ({"criteria": []}, "criteria must not be empty"),
        ({"criteria": "parity"}, "list of strings"),
        ({"result": " "}, "result must be a non-empty string"),
        ({"organization_name": ""}, "organization_name"),
        ({"findings": [""]}, "findings"),
    ],
)
def test_attestation_credential_rejects_bad_input(
    assessor: Ed25519PrivateKey, changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(CredentialError, match=reason):
        _credential(assessor, **changes)


def test_the_issuer_must_be_a_did_not_a_verification_method(assessor: Ed25519PrivateKey) -> None:
    with pytest.raises(CredentialError, match="without a fragment"):
        _credential(assessor, issuer=verification_method(assessor.public_key()))


def test_attestation_urn() -> None:
    assert attestation_urn(12) == "urn:agilegov:attestation:12"
    for bad in (0, -1, True):
        with pytest.raises(CredentialError):
            attestation_urn(bad)


def test_round_trip_with_a_fresh_key(assessor: Ed25519PrivateKey) -> None:
    credential = _credential(assessor)
    secured = sign(
        credential, assessor, verification_method=verification_method(assessor.public_key())
    )
    assert credential == _credential(assessor), "signing leaves the input alone"
    proof = secured["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["@context"] == credential["@context"]
    assert proof["proofValue"].startswith("z")
    assert len(base58btc_decode(proof["proofValue"][1:])) == 64
    created = datetime.fromisoformat(proof["created"])
    assert proof["created"].endswith("Z")
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)

    verify(secured)
    verify(secured, assessor.public_key())
    verify(json.loads(json.dumps(secured)))  # survives a JSON round trip
    verify_attestation(secured, at=START + timedelta(days=30))


# --------------------------------------------------------------------------
# Tampering
# --------------------------------------------------------------------------


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("credentialSubject", "result"), "Fails both criteria.", SIGNATURE_MISMATCH),
        (("credentialSubject", "criteria", 0), "Selection parity ≥ 0.5", SIGNATURE_MISMATCH),
        (("issuer", "id"), "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", None),
        (("issuer", "name"), "Someone Else", SIGNATURE_MISMATCH),
        (("validUntil",), "2030-01-01T00:00:00Z", SIGNATURE_MISMATCH),
        (("proof", "created"), "2026-01-01T09:30:01Z", SIGNATURE_MISMATCH),
        (("proof", "created"), "yesterday", "dateTimeStamp"),
        (("proof", "proofPurpose"), "authentication", "purpose"),
        (("proof", "cryptosuite"), "eddsa-rdfc-2022", "cryptosuite must be 'eddsa-jcs-2022'"),
        (("proof", "type"), "Ed25519Signature2020", "proof type must be"),
        (("proof", "@context"), [CREDENTIALS_V2_CONTEXT, "https://x.example"], "@context"),
        (("@context",), [CREDENTIALS_V2_CONTEXT, "https://x.example"], "@context"),
        (("proof", "proofValue"), "u" + "A" * 86, "base58btc"),
        (("proof", "proofValue"), "z" + "0" * 86, "not valid multibase"),
        (("proof", "proofValue"), "z" + base58btc_encode(bytes(62) + b"\1"), "64-byte"),
        (("proof", "proofValue"), "z" + base58btc_encode(bytes(65)), "64-byte"),
        (("proof", "proofValue"), "z" + "2" * 10_000, "too long"),
    ],
)
def test_tampering_is_rejected_with_a_reason(
    assessor: Ed25519PrivateKey, path: tuple[Any, ...], value: Any, reason: str | None
) -> None:
    secured = _signed(assessor)
    verify(secured)
    _set(secured, path, value)
    with pytest.raises(CredentialError, match=reason or SIGNATURE_MISMATCH):
        verify(secured)


def test_a_signature_from_another_document_is_rejected(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    other = _signed(assessor, result="Something else.")
    secured["proof"]["proofValue"] = other["proof"]["proofValue"]
    with pytest.raises(CredentialError, match=SIGNATURE_MISMATCH):
        verify(secured)


def test_a_changed_proof_value_character_is_rejected(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    value = secured["proof"]["proofValue"]
    for position in (1, 20, len(value) - 1):
        changed = copy.deepcopy(secured)
        replacement = "2" if value[position] != "2" else "3"
        changed["proof"]["proofValue"] = value[:position] + replacement + value[position + 1 :]
        with pytest.raises(CredentialError):
            verify(changed)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def test_every_changed_value_is_rejected(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    leaves = [(path, leaf) for path, leaf in _leaves(secured) if path != ("proof", "proofValue")]
    assert len(leaves) > 20
    for path, leaf in leaves:
        changed = copy.deepcopy(secured)
        _set(changed, path, leaf[:-1] + ("0" if leaf[-1] != "0" else "1"))
        with pytest.raises(CredentialError):
            verify(changed)


def test_an_added_or_removed_member_is_rejected(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    added = copy.deepcopy(secured)
    added["credentialSubject"]["score"] = 100
    removed = copy.deepcopy(secured)
    del removed["credentialSubject"]["findings"]
    extra_option = copy.deepcopy(secured)
    extra_option["proof"]["domain"] = "example.org"
    for changed in (added, removed, extra_option):
        with pytest.raises(CredentialError, match=SIGNATURE_MISMATCH):
            verify(changed)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("proof"), "has no proof"),
        (lambda d: d["proof"].pop("proofValue"), "lacks proofValue"),
        (lambda d: d["proof"].pop("verificationMethod"), "lacks verificationMethod"),
        (lambda d: d["proof"].pop("cryptosuite"), "lacks cryptosuite"),
        (lambda d: d.update(proof=[d["proof"]]), "proof sets"),
        (lambda d: d.update(proof="signed"), "must be a JSON object"),
        (lambda d: d["proof"].update(verificationMethod=7), "must be a string"),
    ],
)
def test_missing_or_malformed_proof_parts_are_rejected(
    assessor: Ed25519PrivateKey, change: Any, reason: str
) -> None:
    secured = _signed(assessor)
    change(secured)
    with pytest.raises(CredentialError, match=reason):
        verify(secured)


def test_the_key_must_match(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    stranger = generate_key()
    with pytest.raises(CredentialError, match="names another key"):
        verify(secured, stranger.public_key())
    # A verification method that is not a did:key needs the key from the caller.
    secured = sign(
        _credential(assessor),
        assessor,
        verification_method="https://assessor.example/keys/1",
    )
    with pytest.raises(CredentialError, match="not a did:key"):
        verify(secured)
    verify(secured, assessor.public_key())
    with pytest.raises(CredentialError, match=SIGNATURE_MISMATCH):
        verify(secured, stranger.public_key())


def test_a_context_extension_follows_the_spec_only_when_asked(
    assessor: Ed25519PrivateKey,
) -> None:
    secured = _signed(assessor)
    secured["@context"] = [*secured["@context"], "https://extra.example/v1"]
    with pytest.raises(CredentialError, match="differs from the document's @context"):
        verify(secured)
    verify(secured, strict_context=False)  # the spec's prefix rule
    secured["@context"] = ["https://extra.example/v1", CREDENTIALS_V2_CONTEXT]
    with pytest.raises(CredentialError, match="does not start with"):
        verify(secured, strict_context=False)


def test_the_issuer_must_control_the_signing_key(assessor: Ed25519PrivateKey) -> None:
    impostor = generate_key()
    forged = sign(
        _credential(assessor),  # names the assessor as issuer
        impostor,
        verification_method=verification_method(impostor.public_key()),
    )
    verify(forged)  # the proof itself is sound ...
    with pytest.raises(CredentialError, match="not by the issuer"):
        verify_attestation(forged, at=START)  # ... but not the assessor's


def test_verify_attestation_checks_the_type_and_window(assessor: Ed25519PrivateKey) -> None:
    secured = _signed(assessor)
    with pytest.raises(CredentialError, match="expired"):
        verify_attestation(secured, at=END + timedelta(seconds=1))
    plain = sign(
        {**_credential(assessor), "type": ["VerifiableCredential"]},
        assessor,
        verification_method=verification_method(assessor.public_key()),
    )
    with pytest.raises(CredentialError, match=ATTESTATION_TYPE):
        verify_attestation(plain, at=START)


# --------------------------------------------------------------------------
# Signing preconditions
# --------------------------------------------------------------------------


def test_signing_refuses_what_it_cannot_secure(assessor: Ed25519PrivateKey) -> None:
    method = verification_method(assessor.public_key())
    secured = _signed(assessor)
    with pytest.raises(CredentialError, match="already has a proof"):
        sign(secured, assessor, verification_method=method)
    with pytest.raises(CredentialError, match="canonicalize"):
        sign({"value": float("nan")}, assessor, verification_method=method)
    with pytest.raises(CredentialError, match="canonicalize"):
        sign({"value": 2**60}, assessor, verification_method=method)
    with pytest.raises(CredentialError, match="dateTimeStamp"):
        sign({"a": 1}, assessor, verification_method=method, created="2026-01-01")
    with pytest.raises(CredentialError, match="verification_method"):
        sign({"a": 1}, assessor, verification_method="key one")
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
        "@context": ["https://other.example"],
    }
    with pytest.raises(CredentialError, match="@context differs"):
        sign_with_config(_credential(assessor), options, assessor)
    with pytest.raises(CredentialError, match="cryptosuite"):
        sign_with_config({"a": 1}, {**options, "cryptosuite": "eddsa-2022"}, assessor)


def test_a_document_without_context_signs_and_verifies(assessor: Ed25519PrivateKey) -> None:
    secured = sign(
        {"a": 1}, assessor, verification_method=verification_method(assessor.public_key())
    )
    assert "@context" not in secured["proof"]
    verify(secured)


# --------------------------------------------------------------------------
# Validity window
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (START - timedelta(seconds=1), "not valid before 2026-01-01T00:00:00Z"),
        (START, None),
        (START + timedelta(days=100), None),
        (END, None),
        (END + timedelta(seconds=1), "expired at 2027-01-01T00:00:00Z"),
        (datetime(2026, 6, 1, 2, 0, tzinfo=UTC).astimezone(), None),
    ],
)
def test_check_validity(assessor: Ed25519PrivateKey, at: datetime, reason: str | None) -> None:
    secured = _signed(assessor)
    if reason is None:
        check_validity(secured, at)
    else:
        with pytest.raises(CredentialError, match=reason):
            check_validity(secured, at)


def test_check_validity_needs_an_aware_time_and_honours_proof_expiry(
    assessor: Ed25519PrivateKey,
) -> None:
    with pytest.raises(CredentialError, match="timezone-aware"):
        check_validity(_signed(assessor), datetime(2026, 6, 1))
    secured = _signed(assessor)
    secured["proof"]["expires"] = "2026-06-01T00:00:00Z"
    with pytest.raises(CredentialError, match="proof expired"):
        check_validity(secured, datetime(2026, 7, 1, tzinfo=UTC))
    with pytest.raises(CredentialError, match="validFrom"):
        check_validity({"validFrom": "2026-01-01"}, datetime(2026, 7, 1, tzinfo=UTC))
    check_validity({}, datetime(2026, 7, 1, tzinfo=UTC))  # no window at all
