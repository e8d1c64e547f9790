"""A trust list: which issuer keys are accredited for which scheme, and when.

In the spirit of the EU trusted lists (ETSI TS 119 612): the platform, as the
trust anchor, publishes a signed, versioned list; each entry is one issuer key
accredited for one scheme by an accreditation body, with its current status and
the history of its statuses (granted, suspended, withdrawn, each with the time
it began), so that a credential can be checked against the status its issuer
had when it issued it, and against the status it has now.

The list travels as a W3C VC 2.0 credential of type ``AccreditationTrustList``,
secured with ``eddsa-jcs-2022`` by the platform's did:key, like the status
lists. A relying party pins that DID (the trust anchor); a list signed by any
other key is refused.

This module is pure: no database, no network, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from agilegov.record.credentials import (
    CREDENTIALS_V2_CONTEXT,
    CredentialError,
    check_validity,
    public_key_from_did,
    verify,
)

__all__ = [
    "TRUST_LIST_CREDENTIAL_TYPE",
    "Accreditation",
    "AccreditationStatus",
    "Finding",
    "StatusChange",
    "accreditation_finding",
    "check_trust_list",
    "credential_scheme",
    "signed_at",
    "trust_list_credential",
]

TRUST_LIST_CREDENTIAL_TYPE = "AccreditationTrustList"


class AccreditationStatus(StrEnum):
    granted = "granted"
    suspended = "suspended"
    withdrawn = "withdrawn"


@dataclass(frozen=True)
class StatusChange:
    status: AccreditationStatus
    since: datetime
    reason: str | None = None


@dataclass(frozen=True)
class Accreditation:
    """One issuer key accredited for one scheme, as the list carries it."""

    issuer: str
    issuer_name: str
    organization: str
    scheme: str
    scheme_name: str
    accredited_by: str
    accredited_by_name: str
    valid_from: datetime
    valid_until: datetime
    history: Sequence[StatusChange]


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialError("trust list times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def trust_list_credential(
    *,
    list_url: str,
    issuer: str,
    version: int,
    issued: datetime,
    next_update: datetime,
    accreditations: Sequence[Accreditation],
) -> dict[str, Any]:
    """The unsigned trust list, version ``version``, valid from ``issued`` until
    ``next_update`` (by when the next version is due)."""
    public_key_from_did(issuer)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CredentialError("a trust list's version is a positive integer")
    if next_update <= issued:
        raise CredentialError("a trust list's next update comes after its issue")
    entries = []
    for item in accreditations:
        if not item.history:
            raise CredentialError("an accreditation has at least its grant in its history")
        entries.append(
            {
                "issuer": item.issuer,
                "issuerName": item.issuer_name,
                "organization": item.organization,
                "scheme": item.scheme,
                "schemeName": item.scheme_name,
                "accreditedBy": {"id": item.accredited_by, "name": item.accredited_by_name},
                "validFrom": _utc(item.valid_from),
                "validUntil": _utc(item.valid_until),
                "status": item.history[-1].status.value,
                "statusHistory": [
                    {
                        "status": change.status.value,
                        "since": _utc(change.since),
                        **({"reason": change.reason} if change.reason else {}),
                    }
                    for change in item.history
                ],
            }
        )
    return {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": f"{list_url}/versions/{version}",
        "type": ["VerifiableCredential", TRUST_LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": _utc(issued),
        "validUntil": _utc(next_update),
        "credentialSubject": {
            "id": list_url,
            "type": "TrustList",
            "version": version,
            "accreditations": entries,
        },
    }


def check_trust_list(trust_list: Any, *, anchor: str, at: datetime) -> None:
    """Refuse a trust list not signed by the trust anchor ``anchor`` (a did:key),
    not of the trust list's type, or outside its validity at ``at``."""
    if not isinstance(trust_list, Mapping):
        raise CredentialError("a trust list is a JSON object")
    types = trust_list.get("type")
    if not isinstance(types, list) or TRUST_LIST_CREDENTIAL_TYPE not in types:
        raise CredentialError(f"not an {TRUST_LIST_CREDENTIAL_TYPE} credential")
    if trust_list.get("issuer") != anchor:
        raise CredentialError(
            f"the trust list is issued by {trust_list.get('issuer')!r}, "
            f"not by the trust anchor {anchor!r}"
        )
    verify(trust_list, public_key_from_did(anchor))
    check_validity(trust_list, at)
    subject = trust_list.get("credentialSubject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("accreditations"), list):
        raise CredentialError("the trust list has no accreditations")


def credential_scheme(credential: Mapping[str, Any]) -> str | None:
    """The scheme a credential says it was issued under, if it names one."""
    subject = credential.get("credentialSubject")
    scheme = subject.get("scheme") if isinstance(subject, Mapping) else None
    if isinstance(scheme, Mapping):
        scheme = scheme.get("id")
    return scheme if isinstance(scheme, str) else None


def signed_at(credential: Mapping[str, Any]) -> datetime:
    """When a credential was issued: its proof's ``created``, else its
    ``validFrom`` (a credential may be valid from a later day than it was signed)."""
    proof = credential.get("proof")
    created = proof.get("created") if isinstance(proof, Mapping) else None
    return _moment(created or credential.get("validFrom"), "the credential's issue")


def _moment(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise CredentialError(f"{what} is not a time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CredentialError(f"{what} is not a time: {value!r}") from None
    if moment.tzinfo is None:
        raise CredentialError(f"{what} has no time zone: {value!r}")
    return moment


def _status_at(entry: Mapping[str, Any], at: datetime) -> tuple[str | None, datetime | None]:
    """The entry's status at ``at`` and since when (None before its grant)."""
    current: tuple[str | None, datetime | None] = (None, None)
    history = entry.get("statusHistory")
    if not isinstance(history, list):
        raise CredentialError("a trust list entry has no status history")
    for change in history:
        if not isinstance(change, Mapping):
            raise CredentialError("a status change is an object")
        since = _moment(change.get("since"), "a status change's time")
        if since <= at:
            current = (change.get("status"), since)
    return current


@dataclass(frozen=True)
class Finding:
    """Whether the issuer was accredited for the scheme, and in words why not."""

    accredited: bool
    reason: str
    accredited_by: str | None = None


def accreditation_finding(
    trust_list: Mapping[str, Any],
    *,
    issuer: str,
    scheme: str | None,
    issued_at: datetime,
    at: datetime,
) -> Finding:
    """Check a credential's issuer against a trust list already checked by
    :func:`check_trust_list`: the issuer key was accredited (granted, within
    the accreditation's validity) for ``scheme`` when it issued the credential
    (``issued_at``), and its accreditation is neither suspended nor withdrawn at
    ``at``."""
    if scheme is None:
        return Finding(False, "the credential names no scheme")
    entries = [
        entry
        for entry in trust_list["credentialSubject"]["accreditations"]
        if isinstance(entry, Mapping)
        and entry.get("issuer") == issuer
        and entry.get("scheme") == scheme
    ]
    if not entries:
        return Finding(False, f"the issuer's key is not on the trust list for {scheme}")
    reasons = []
    for entry in entries:
        body = entry.get("accreditedBy")
        by = body.get("name") if isinstance(body, Mapping) else None
        start = _moment(entry.get("validFrom"), "an accreditation's start")
        end = _moment(entry.get("validUntil"), "an accreditation's end")
        then, _ = _status_at(entry, issued_at)
        now, since = _status_at(entry, at)
        if not start <= issued_at <= end or then != AccreditationStatus.granted:
            reasons.append(
                f"the issuer was not accredited for {scheme} when it issued the credential"
            )
        elif now != AccreditationStatus.granted:
            reasons.append(
                f"the issuer's accreditation for {scheme} is {now} since {_utc(since)}"
                if since is not None
                else f"the issuer's accreditation for {scheme} is {now}"
            )
        else:
            return Finding(True, f"accredited for {scheme} by {by}", by)
    return Finding(False, reasons[0])
