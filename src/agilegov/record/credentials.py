"""Signed governance attestations as W3C Verifiable Credentials 2.0.

An assessor organization states something about another organization's
governance (what was assessed, against which criteria, by which method, with
which result) and signs the statement so that anyone can check it offline.

The securing mechanism is a W3C Data Integrity proof with the cryptosuite
``eddsa-jcs-2022`` (W3C "Data Integrity EdDSA Cryptosuites v1.0"):

* transformation: the unsecured document (without ``proof``) is canonicalized
  with the JSON Canonicalization Scheme (RFC 8785, the ``rfc8785`` package);
* proof configuration: the proof options (everything in ``proof`` except
  ``proofValue``, including the document's ``@context``) are canonicalized the
  same way;
* hashing: ``SHA-256(canonical proof configuration) || SHA-256(canonical
  document)``, 64 bytes, the proof configuration hash first;
* serialization: the 64 bytes are signed with Ed25519 (RFC 8032, pure EdDSA)
  and the 64-byte signature becomes ``proofValue`` as multibase base58btc
  (a leading ``z``).

Keys are identified by ``did:key`` (Ed25519 only): ``did:key:`` followed by the
multibase base58btc form of the multicodec prefix ``0xed01`` and the 32 raw
public key bytes, which always starts ``z6Mk``. The verification method is the
DID with that same value as fragment, so resolving it needs no network.

This module is pure: no database, no network, no clock except where a default
``created`` time is needed. The base58btc codec is written here (about twenty
lines) rather than taken from a package.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = [
    "ATTESTATION_TYPE",
    "CREDENTIALS_V2_CONTEXT",
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "AttestationMethod",
    "CredentialError",
    "attestation_credential",
    "attestation_urn",
    "base58btc_decode",
    "base58btc_encode",
    "canonicalize",
    "check_validity",
    "did_key",
    "generate_key",
    "hash_data",
    "private_key_from_multibase",
    "private_key_multibase",
    "proof_configuration",
    "public_key_from_did",
    "public_key_from_multibase",
    "public_key_multibase",
    "sign",
    "sign_with_config",
    "verification_method",
    "verify",
    "verify_attestation",
    "verify_attestation_proof",
]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ATTESTATION_TYPE = "GovernanceAttestation"
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ATTESTATION_URN_PREFIX = "urn:agilegov:attestation:"

# Multicodec prefixes (unsigned varints) of raw Ed25519 keys.
ED25519_PUB_PREFIX = b"\xed\x01"  # ed25519-pub, 0xed
ED25519_PRIV_PREFIX = b"\x80\x26"  # ed25519-priv, 0x1300
_KEY_LENGTH = 32
_SIGNATURE_LENGTH = 64
_MAX_MULTIBASE = 256

# XML Schema dateTimeStamp (a time zone is mandatory), the form Data Integrity
# requires for ``created``/``expires`` and VC 2.0 for ``validFrom``/``validUntil``.
_DATE_TIME_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
    re.ASCII,
)
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:", re.ASCII)
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+", re.ASCII | re.IGNORECASE)


class CredentialError(ValueError):
    """A credential, proof, key or identifier that cannot be accepted; the
    message says why."""


class AttestationMethod(StrEnum):
    """How the assessor reached its conclusion."""

    self_declaration = "self_declaration"
    cross_check = "cross_check"
    peer_review = "peer_review"
    internal_audit = "internal_audit"
    external_audit = "external_audit"
    third_party_certification = "third_party_certification"
    third_party_rating = "third_party_rating"
    expert_declaration = "expert_declaration"
    user_declaration = "user_declaration"


# --------------------------------------------------------------------------
# base58btc and multibase
# --------------------------------------------------------------------------

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58_ALPHABET)}


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes a '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_B58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; rejects characters outside the alphabet."""
    number = 0
    for char in text:
        value = _B58_INDEX.get(char)
        if value is None:
            raise CredentialError(f"invalid base58btc character {char!r}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _multibase_decode(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise CredentialError(f"{what} must be a non-empty multibase string")
    if value[0] != "z":
        raise CredentialError(
            f"{what} must be multibase base58btc (prefix 'z'), not prefix {value[0]!r}"
        )
    if len(value) > _MAX_MULTIBASE:
        # Base58 decoding is quadratic; keys and signatures are under 100 characters.
        raise CredentialError(f"{what} is too long ({len(value)} characters)")
    try:
        return base58btc_decode(value[1:])
    except CredentialError as error:
        raise CredentialError(f"{what} is not valid multibase: {error}") from None


def _multibase_encode(data: bytes) -> str:
    return "z" + base58btc_encode(data)


def _varint(data: bytes) -> tuple[int, int]:
    """Decode the unsigned varint at the start of data: (value, length)."""
    value = 0
    for position, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * position)
        if not byte & 0x80:
            return value, position + 1
    raise CredentialError("malformed multicodec prefix")


def _multicodec_key(value: object, prefix: bytes, what: str) -> bytes:
    data = _multibase_decode(value, what)
    if not data.startswith(prefix):
        codec, _ = _varint(data) if data else (None, 0)
        expected, _ = _varint(prefix)
        found = "nothing" if codec is None else f"multicodec 0x{codec:x}"
        raise CredentialError(
            f"{what} is not an Ed25519 key: expected multicodec 0x{expected:x}, found {found}"
        )
    raw = data[len(prefix) :]
    if len(raw) != _KEY_LENGTH:
        raise CredentialError(f"{what} must hold {_KEY_LENGTH} key bytes, found {len(raw)}")
    return raw


# --------------------------------------------------------------------------
# Keys and did:key
# --------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    if not isinstance(public_key, Ed25519PublicKey):
        raise CredentialError("expected an Ed25519 public key")
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` form: z + base58btc(0xed01 || key)."""
    return _multibase_encode(ED25519_PUB_PREFIX + _raw_public(public_key))


def private_key_multibase(private_key: Ed25519PrivateKey) -> str:
    """The secret key as z + base58btc(0x8026 || 32-byte seed). Keep it secret."""
    if not isinstance(private_key, Ed25519PrivateKey):
        raise CredentialError("expected an Ed25519 private key")
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return _multibase_encode(ED25519_PRIV_PREFIX + seed)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Load a ``publicKeyMultibase`` (multicodec 0xed01)."""
    raw = _multicodec_key(value, ED25519_PUB_PREFIX, "publicKeyMultibase")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Load a ``secretKeyMultibase``/``privateKeyMultibase`` (multicodec 0x1300,
    encoded 0x8026)."""
    raw = _multicodec_key(value, ED25519_PRIV_PREFIX, "secret key multibase")
    return Ed25519PrivateKey.from_private_bytes(raw)


def did_key(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk…`` for an Ed25519 public key."""
    return "did:key:" + public_key_multibase(public_key)


def verification_method(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk…#z6Mk…``: the key's verification method within its DID."""
    key = public_key_multibase(public_key)
    return f"did:key:{key}#{key}"


def public_key_from_did(did_or_method: str) -> Ed25519PublicKey:
    """The Ed25519 key of a ``did:key`` DID or of its verification method.

    Anything else (another DID method, another key type, a fragment that is not
    the key itself, bad multibase) raises :class:`CredentialError`.
    """
    if not isinstance(did_or_method, str):
        raise CredentialError("a did:key must be a string")
    did, hash_sign, fragment = did_or_method.partition("#")
    if not did.startswith("did:key:"):
        raise CredentialError(f"not a did:key: {did_or_method!r}")
    identifier = did.removeprefix("did:key:")
    if not identifier or any(char in identifier for char in ":/?;"):
        raise CredentialError(f"malformed did:key: {did_or_method!r}")
    raw = _multicodec_key(identifier, ED25519_PUB_PREFIX, "did:key")
    if hash_sign and fragment != identifier:
        raise CredentialError(
            f"did:key verification method fragment {fragment!r} does not name the DID's key"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


# --------------------------------------------------------------------------
# eddsa-jcs-2022
# --------------------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        raise CredentialError(f"cannot canonicalize (JCS): {error}") from None


def _check_timestamp(value: object, what: str) -> datetime:
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        raise CredentialError(
            f"{what} must be an XML Schema dateTimeStamp with a time zone, got {value!r}"
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise CredentialError(f"{what} is not a valid date and time: {value!r}") from None


def _format_timestamp(moment: datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_options(proof_options: Mapping[str, Any]) -> None:
    if not isinstance(proof_options, Mapping):
        raise CredentialError("the proof must be a JSON object")
    if "proofValue" in proof_options:
        raise CredentialError("proof options must not contain proofValue")
    if proof_options.get("type") != PROOF_TYPE:
        raise CredentialError(
            f"proof type must be {PROOF_TYPE!r}, found {proof_options.get('type')!r}"
        )
    if proof_options.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(
            f"proof cryptosuite must be {CRYPTOSUITE!r}, found {proof_options.get('cryptosuite')!r}"
        )
    for name in ("created", "expires"):
        if name in proof_options:
            _check_timestamp(proof_options[name], f"proof {name}")


def proof_configuration(proof_options: Mapping[str, Any]) -> bytes:
    """The canonical proof configuration (spec "Proof Configuration").

    The options are everything of the proof but ``proofValue``; ``type`` and
    ``cryptosuite`` must be this suite's and ``created``, when present, a
    dateTimeStamp.
    """
    _check_options(proof_options)
    return canonicalize(dict(proof_options))


def hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    """SHA-256(canonical proof configuration) || SHA-256(canonical document).

    ``document`` is the unsecured document (no ``proof``), ``proof_options``
    the proof without ``proofValue``.
    """
    if not isinstance(document, Mapping):
        raise CredentialError("the document must be a JSON object")
    if "proof" in document:
        raise CredentialError("the unsecured document must not contain a proof")
    config_hash = hashlib.sha256(proof_configuration(proof_options)).digest()
    document_hash = hashlib.sha256(canonicalize(dict(document))).digest()
    return config_hash + document_hash


def sign_with_config(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """Secure ``document`` with exactly the given proof options.

    Returns a new document: a copy of ``document`` with ``proof`` = the options
    (in their order) plus ``proofValue``. If the options carry ``@context`` it
    must equal the document's: the spec would otherwise replace the document's
    context with the proof's, which here is treated as a caller error.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise CredentialError("expected an Ed25519 private key")
    if not isinstance(document, Mapping):
        raise CredentialError("the document must be a JSON object")
    if "proof" in document:
        raise CredentialError("the document already has a proof; proof sets are not supported")
    _check_options(proof_config)
    if "@context" in proof_config and proof_config["@context"] != document.get("@context"):
        raise CredentialError("the proof options' @context differs from the document's @context")
    options = copy.deepcopy(dict(proof_config))
    signature = private_key.sign(hash_data(document, options))
    secured = copy.deepcopy(dict(document))
    secured["proof"] = {**options, "proofValue": _multibase_encode(signature)}
    return secured


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Secure ``document`` with an ``eddsa-jcs-2022`` Data Integrity proof.

    ``created`` defaults to now (UTC, whole seconds, ``Z``). The proof options
    include the document's ``@context`` so that the context is bound into the
    proof configuration as the spec does.
    """
    if not isinstance(verification_method, str) or not _URI_SCHEME.match(verification_method):
        raise CredentialError("verification_method must be a URL such as did:key:…#…")
    if not isinstance(proof_purpose, str) or not proof_purpose:
        raise CredentialError("proof_purpose must be a non-empty string")
    if created is None:
        created = _format_timestamp(datetime.now(UTC), "created")
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if isinstance(document, Mapping) and "@context" in document:
        options["@context"] = copy.deepcopy(document["@context"])
    return sign_with_config(document, options, private_key)


def _context_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def verify(
    secured: Mapping[str, Any],
    public_key: Ed25519PublicKey | None = None,
    *,
    proof_purpose: str | None = "assertionMethod",
    strict_context: bool = True,
) -> None:
    """Check the ``eddsa-jcs-2022`` proof of ``secured``; return None or raise
    :class:`CredentialError` saying why it fails.

    Without ``public_key`` the key is resolved offline from the proof's
    ``did:key`` verification method. With one, a ``did:key`` verification
    method must name that same key.

    ``@context``: the spec lets a document's ``@context`` extend the proof's
    (the proof's entries first, in order) and then verifies against the proof's
    context, which leaves the extra entries unsigned. By default this is stricter
    and requires them to be equal; ``strict_context=False`` gives the spec rule.
    ``proof_purpose`` (None to skip) is the purpose the verifier expects.
    """
    if not isinstance(secured, Mapping):
        raise CredentialError("the secured document must be a JSON object")
    proof = secured.get("proof")
    if proof is None:
        raise CredentialError("the document has no proof")
    if isinstance(proof, list):
        raise CredentialError("proof sets (several proofs) are not supported")
    if not isinstance(proof, Mapping):
        raise CredentialError("the proof must be a JSON object")
    for name in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
        if name not in proof:
            raise CredentialError(f"the proof lacks {name}")
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    unsecured = {name: value for name, value in secured.items() if name != "proof"}
    _check_options(options)

    signature = _multibase_decode(proof["proofValue"], "proofValue")
    if len(signature) != _SIGNATURE_LENGTH:
        raise CredentialError(
            f"proofValue must hold a {_SIGNATURE_LENGTH}-byte signature, found {len(signature)}"
        )
    if proof_purpose is not None and proof["proofPurpose"] != proof_purpose:
        raise CredentialError(
            f"proof purpose {proof['proofPurpose']!r} is not the expected {proof_purpose!r}"
        )

    if "@context" in options:
        proof_context = _context_list(options["@context"])
        document_context = _context_list(unsecured.get("@context"))
        if strict_context:
            if options["@context"] != unsecured.get("@context"):
                raise CredentialError("the proof's @context differs from the document's @context")
        elif document_context[: len(proof_context)] != proof_context:
            raise CredentialError(
                "the document's @context does not start with the proof's @context"
            )
        else:
            unsecured["@context"] = options["@context"]

    method = proof["verificationMethod"]
    if not isinstance(method, str):
        raise CredentialError("the proof's verificationMethod must be a string")
    if public_key is None:
        if not method.startswith("did:key:"):
            raise CredentialError(
                f"no public key given and the verificationMethod {method!r} is not a did:key"
            )
        public_key = public_key_from_did(method)
    elif not isinstance(public_key, Ed25519PublicKey):
        raise CredentialError("expected an Ed25519 public key")
    elif method.startswith("did:key:") and _raw_public(public_key_from_did(method)) != (
        _raw_public(public_key)
    ):
        raise CredentialError("the proof's verificationMethod names another key than the one given")

    try:
        public_key.verify(signature, hash_data(unsecured, options))
    except InvalidSignature:
        raise CredentialError(
            "the signature does not match: the document or its proof options were changed, "
            "or another key signed it"
        ) from None


# --------------------------------------------------------------------------
# Governance attestation credentials
# --------------------------------------------------------------------------


def attestation_urn(number: int) -> str:
    """``urn:agilegov:attestation:<n>``, the credential id of attestation n."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise CredentialError("an attestation number is a positive integer")
    return f"{ATTESTATION_URN_PREFIX}{number}"


def _is_uri(value: object) -> bool:
    """A URN, an http(s) URL with a host, or a DID."""
    if not isinstance(value, str) or any(char.isspace() for char in value):
        return False
    if value.lower().startswith("urn:"):
        return bool(_URN.fullmatch(value))
    if value.startswith("did:"):
        return bool(re.fullmatch(r"did:[a-z0-9]+:\S+", value))
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialError(f"{what} must be a non-empty string")
    return value


def _texts(values: object, what: str, *, allow_empty: bool) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise CredentialError(f"{what} must be a list of strings")
    items = [_text(item, f"each of {what}") for item in values]
    if not items and not allow_empty:
        raise CredentialError(f"{what} must not be empty")
    return items


def attestation_credential(
    *,
    credential_id: str,
    issuer: str,
    issuer_name: str,
    subject_id: str,
    organization_name: str,
    scope_id: str,
    scope_name: str,
    method: AttestationMethod | str,
    criteria: Sequence[str],
    result: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    findings: Sequence[str] | None = None,
    scheme: Mapping[str, str] | None = None,
    frameworks: Sequence[str] | None = None,
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The unsigned VC 2.0 credential for one governance attestation.

    ``issuer`` is the assessor's Ed25519 ``did:key`` (so the proof's
    verification method is the issuer's own key); ``subject_id`` a URN or URL
    (or DID) of the assessed organization; times must be timezone-aware and are
    written in UTC with ``Z``, to the second. The custom terms (``scope``,
    ``method``, ``criteria``, ``frameworks``, ``result``, ``findings``, the type
    ``GovernanceAttestation``) fall under the VC 2.0 context's issuer-dependent
    vocabulary; JCS signing does not need them defined.

    Revocation design: the credential's ``id`` names the attestation on
    agilegov's public log, as ``urn:agilegov:attestation:<n>`` (see
    :func:`attestation_urn`), and revoking it is an event appended to that log,
    not a change to the signed credential. ``credential_status`` (a Bitstring
    Status List entry) is signed like any other field and points at the bit
    that the issuer's published, signed status list sets on revocation; a list
    of entries names several bits (revocation and suspension); it is left out
    when not given, as on attestations issued before status lists.
    """
    if not isinstance(credential_id, str) or not _URI_SCHEME.match(credential_id):
        raise CredentialError("credential_id must be a URI such as urn:agilegov:attestation:1")
    public_key_from_did(issuer)
    if "#" in issuer:
        raise CredentialError("issuer must be the assessor's DID, without a fragment")
    if not _is_uri(subject_id):
        raise CredentialError(
            f"subject_id must be a URN or URL of the assessed organization, got {subject_id!r}"
        )
    try:
        method_value = AttestationMethod(method).value
    except ValueError:
        allowed = ", ".join(item.value for item in AttestationMethod)
        raise CredentialError(f"unknown method {method!r}; one of: {allowed}") from None
    start = _format_timestamp(valid_from, "valid_from")
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", ATTESTATION_TYPE],
        "issuer": {"id": issuer, "name": _text(issuer_name, "issuer_name")},
        "validFrom": start,
    }
    if valid_until is not None:
        end = _format_timestamp(valid_until, "valid_until")
        if end <= start:
            raise CredentialError("valid_until must be after valid_from")
        credential["validUntil"] = end
    subject: dict[str, Any] = {
        "id": subject_id,
        "name": _text(organization_name, "organization_name"),
        "scope": {"id": _text(scope_id, "scope_id"), "name": _text(scope_name, "scope_name")},
        "method": method_value,
        "criteria": _texts(criteria, "criteria", allow_empty=False),
        "result": _text(result, "result"),
    }
    if frameworks:
        # The framework versions (framework@version) the criteria come from.
        subject["frameworks"] = _texts(frameworks, "frameworks", allow_empty=False)
    if findings is not None:
        subject["findings"] = _texts(findings, "findings", allow_empty=True)
    if scheme is not None:
        # The accreditation scheme it was issued under, checked against the trust list.
        if not _is_uri(scheme.get("id")):
            raise CredentialError("a scheme is named by a URI")
        subject["scheme"] = {"id": scheme["id"], "name": _text(scheme.get("name"), "scheme name")}
    credential["credentialSubject"] = subject
    if credential_status is not None:
        single = isinstance(credential_status, Mapping)
        entries = [credential_status] if single else credential_status
        if not entries or not all(
            isinstance(entry, Mapping) and "type" in entry for entry in entries
        ):
            raise CredentialError("credential_status must be objects with a type")
        copied = [copy.deepcopy(dict(entry)) for entry in entries]
        credential["credentialStatus"] = copied[0] if single else copied
    canonicalize(credential)
    return credential


def check_validity(secured: Mapping[str, Any], at: datetime) -> None:
    """Refuse a credential outside its validity window at ``at``.

    Valid when ``validFrom <= at <= validUntil`` (each bound only if present),
    and not after the proof's ``expires`` if it has one.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise CredentialError("the time to check validity at must be timezone-aware")
    if not isinstance(secured, Mapping):
        raise CredentialError("the credential must be a JSON object")
    if "validFrom" in secured:
        start = _check_timestamp(secured["validFrom"], "validFrom")
        if at < start:
            raise CredentialError(f"the credential is not valid before {secured['validFrom']}")
    if "validUntil" in secured:
        end = _check_timestamp(secured["validUntil"], "validUntil")
        if at > end:
            raise CredentialError(f"the credential expired at {secured['validUntil']}")
    proof = secured.get("proof")
    if isinstance(proof, Mapping) and "expires" in proof:
        expires = _check_timestamp(proof["expires"], "proof expires")
        if at > expires:
            raise CredentialError(f"the proof expired at {proof['expires']}")


def verify_attestation_proof(
    secured: Mapping[str, Any], public_key: Ed25519PublicKey | None = None
) -> None:
    """What a governance attestation's signature vouches for: the proof
    (:func:`verify`), that the issuer's DID controls the signing key, and the
    credential types. Not the validity window nor the status."""
    verify(secured, public_key)
    issuer = secured.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    controller = str(secured["proof"]["verificationMethod"]).partition("#")[0]
    if issuer_id != controller:
        raise CredentialError(
            f"the proof was made by {controller!r}, not by the issuer {issuer_id!r}"
        )
    types = secured.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", ATTESTATION_TYPE} <= set(types):
        raise CredentialError(f"the credential is not a VerifiableCredential {ATTESTATION_TYPE}")


def verify_attestation(
    secured: Mapping[str, Any],
    *,
    at: datetime,
    public_key: Ed25519PublicKey | None = None,
) -> None:
    """Everything a holder of a governance attestation can check offline
    without its status list: :func:`verify_attestation_proof` and the validity
    window at ``at``. Its status (revoked or not) is a bit in the issuer's
    status list (see :mod:`agilegov.record.status_lists`)."""
    verify_attestation_proof(secured, public_key)
    check_validity(secured, at)
