"""The trust list, pure: its signed document, the checks of the list itself,
and whether a credential's issuer was and is accredited for its scheme."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from agilegov.record.credentials import (
    CredentialError,
    did_key,
    generate_key,
    sign,
    verification_method,
)
from agilegov.record.trust_lists import (
    Accreditation,
    AccreditationStatus,
    StatusChange,
    accreditation_finding,
    check_trust_list,
    credential_scheme,
    trust_list_credential,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCHEME = "urn:agilegov:scheme:aigb-third-party"
ANCHOR_KEY = generate_key()
ANCHOR = did_key(ANCHOR_KEY.public_key())
ISSUER = did_key(generate_key().public_key())


def _accreditation(*history: StatusChange, issuer: str = ISSUER) -> Accreditation:
    return Accreditation(
        issuer=issuer,
        issuer_name="FairBench Assurance",
        organization="urn:agilegov:organization:fairbench",
        scheme=SCHEME,
        scheme_name="AI Guidelines for Business — third-party assessment",
        accredited_by="urn:agilegov:organization:accreditation-council",
        accredited_by_name="AI Assurance Accreditation Council",
        valid_from=T0,
        valid_until=T0 + timedelta(days=365),
        history=history or (StatusChange(AccreditationStatus.granted, T0),),
    )


def _signed(*accreditations: Accreditation, key=ANCHOR_KEY, issued=T0) -> dict:
    unsigned = trust_list_credential(
        list_url="https://agilegov.example/api/v1/trust-list",
        issuer=did_key(key.public_key()),
        version=3,
        issued=issued,
        next_update=issued + timedelta(days=30),
        accreditations=accreditations,
    )
    return sign(unsigned, key, verification_method=verification_method(key.public_key()))


def test_the_list_names_each_issuer_key_scheme_status_and_history():
    suspended = T0 + timedelta(days=10)
    listed = _signed(
        _accreditation(
            StatusChange(AccreditationStatus.granted, T0),
            StatusChange(AccreditationStatus.suspended, suspended, "audit overdue"),
        )
    )
    check_trust_list(listed, anchor=ANCHOR, at=T0 + timedelta(days=1))
    assert listed["type"] == ["VerifiableCredential", "AccreditationTrustList"]
    assert listed["id"].endswith("/versions/3")
    (entry,) = listed["credentialSubject"]["accreditations"]
    assert entry["issuer"] == ISSUER and entry["scheme"] == SCHEME
    assert entry["status"] == "suspended"
    assert entry["statusHistory"] == [
        {"status": "granted", "since": "2026-01-01T00:00:00Z"},
        {"status": "suspended", "since": "2026-01-11T00:00:00Z", "reason": "audit overdue"},
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc.update(issuer=ISSUER), "not by the trust anchor"),
        (
            lambda doc: doc["credentialSubject"]["accreditations"][0].update(issuer=ANCHOR),
            "signature|proof",
        ),
        (lambda doc: doc.update(type=["VerifiableCredential"]), "AccreditationTrustList"),
    ],
)
def test_a_list_changed_or_not_the_anchors_is_refused(change, message):
    listed = _signed(_accreditation())
    changed = copy.deepcopy(listed)
    change(changed)
    with pytest.raises(CredentialError, match=message):
        check_trust_list(changed, anchor=ANCHOR, at=T0 + timedelta(days=1))


def test_a_list_signed_by_another_key_is_refused_even_if_it_names_the_anchor():
    forger = generate_key()
    listed = _signed(_accreditation(), key=forger)
    listed["issuer"] = ANCHOR
    with pytest.raises(CredentialError):
        check_trust_list(listed, anchor=ANCHOR, at=T0 + timedelta(days=1))
    check_trust_list(
        _signed(_accreditation(), key=forger), anchor=did_key(forger.public_key()), at=T0
    )


def test_a_lapsed_list_is_refused():
    listed = _signed(_accreditation())
    with pytest.raises(CredentialError, match="expired"):
        check_trust_list(listed, anchor=ANCHOR, at=T0 + timedelta(days=31))


def _finding(listed: dict, *, issuer=ISSUER, scheme=SCHEME, issued_days=5, at_days=20):
    return accreditation_finding(
        listed,
        issuer=issuer,
        scheme=scheme,
        issued_at=T0 + timedelta(days=issued_days),
        at=T0 + timedelta(days=at_days),
    )


GRANTED = StatusChange(AccreditationStatus.granted, T0)


@pytest.mark.parametrize(
    ("history", "issued_days", "accredited", "reason"),
    [
        ((GRANTED,), 5, True, "accredited for"),
        (
            (GRANTED, StatusChange(AccreditationStatus.suspended, T0 + timedelta(days=10))),
            5,
            False,
            "is suspended since 2026-01-11",
        ),
        (
            (
                GRANTED,
                StatusChange(AccreditationStatus.suspended, T0 + timedelta(days=10)),
                StatusChange(AccreditationStatus.granted, T0 + timedelta(days=12)),
            ),
            5,
            True,
            "accredited for",
        ),
        (
            # Issued while suspended, though reinstated since: not accredited then.
            (
                GRANTED,
                StatusChange(AccreditationStatus.suspended, T0 + timedelta(days=2)),
                StatusChange(AccreditationStatus.granted, T0 + timedelta(days=12)),
            ),
            5,
            False,
            "when it issued",
        ),
        (
            (GRANTED, StatusChange(AccreditationStatus.withdrawn, T0 + timedelta(days=15))),
            5,
            False,
            "is withdrawn since",
        ),
        ((GRANTED,), -1, False, "when it issued"),  # before its accreditation began
        ((GRANTED,), 400, False, "when it issued"),  # after it ended
    ],
)
def test_the_issuer_must_have_been_accredited_then_and_still_be(
    history, issued_days, accredited, reason
):
    listed = _signed(_accreditation(*history))
    at_days = max(20, issued_days + 1)
    found = _finding(listed, issued_days=issued_days, at_days=at_days)
    assert found.accredited is accredited
    assert reason in found.reason


def test_another_key_another_scheme_or_no_scheme_is_not_accredited():
    listed = _signed(_accreditation())
    forged = did_key(generate_key().public_key())
    assert "not on the trust list" in _finding(listed, issuer=forged).reason
    assert not _finding(listed, scheme="urn:agilegov:scheme:other").accredited
    assert _finding(listed, scheme=None).reason == "the credential names no scheme"


def test_the_scheme_a_credential_names():
    assert credential_scheme({"credentialSubject": {"scheme": {"id": SCHEME}}}) == SCHEME
    assert credential_scheme({"credentialSubject": {"scheme": SCHEME}}) == SCHEME
    assert credential_scheme({"credentialSubject": {}}) is None
    assert credential_scheme({}) is None


def test_a_list_is_refused_without_its_grant_or_with_naive_times():
    with pytest.raises(CredentialError, match="grant"):
        _signed(
            _accreditation(StatusChange(AccreditationStatus.granted, T0)).__class__(
                **{**_accreditation().__dict__, "history": ()}
            )
        )
    with pytest.raises(CredentialError, match="timezone"):
        _signed(_accreditation(StatusChange(AccreditationStatus.granted, datetime(2026, 1, 1))))
