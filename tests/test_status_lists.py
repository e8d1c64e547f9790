"""Bitstring Status List v1.0: the bits, their encoding and the list credential."""

import base64
import gzip

import pytest

from agilegov.record.credentials import CredentialError
from agilegov.record.status_lists import (
    MIN_LIST_BITS,
    decode_list,
    encode_list,
    get_bit,
    new_bitstring,
    set_bit,
    status_entry,
    status_list_credential,
    status_lists_named,
    status_of,
)

# The encodedList of the spec's examples: 131,072 bits, all clear.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
URL = "https://gov.example/api/v1/status-lists/7/revocation"


def test_the_specs_example_decodes_to_the_minimum_list_all_clear():
    bits = decode_list(SPEC_EXAMPLE)
    assert len(bits) * 8 == MIN_LIST_BITS
    assert not any(bits)


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (MIN_LIST_BITS - 1, 16383, 0x01)],
)
def test_bit_zero_is_the_left_most_bit_of_the_first_byte(index, byte, value):
    bits = new_bitstring()
    set_bit(bits, index)
    assert bits[byte] == value and sum(bits) == value
    assert get_bit(bits, index) and not get_bit(bits, index ^ 1)
    set_bit(bits, index, False)
    assert not any(bits)


@pytest.mark.parametrize(
    "indexes", [[], [0], [5, 94567], [MIN_LIST_BITS - 1], list(range(0, 800, 7))]
)
def test_a_list_round_trips_through_its_encoding(indexes):
    bits = new_bitstring()
    for index in indexes:
        set_bit(bits, index)
    encoded = encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    decoded = decode_list(encoded)
    assert decoded == bits
    assert [i for i in range(MIN_LIST_BITS) if get_bit(decoded, i)] == sorted(indexes)


@pytest.mark.parametrize(
    ("encoded", "problem"),
    [
        ("z" + SPEC_EXAMPLE[1:], "prefix 'u'"),
        (42, "prefix 'u'"),
        ("uAB+/", "outside base64url"),
        ("u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="), "not GZIP"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(bytes(100), mtime=0)).decode(), "fewer than"),
        (
            "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16384), mtime=0)[:-12]).decode(),
            "truncated",
        ),
    ],
)
def test_a_malformed_list_is_refused_saying_why(encoded, problem):
    with pytest.raises(CredentialError, match=problem):
        decode_list(encoded)


def test_a_list_that_decompresses_beyond_the_limit_is_refused():
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1_048_576))).decode()
    assert len(bomb) < 200_000
    with pytest.raises(CredentialError, match="more than"):
        decode_list(bomb)
    assert len(decode_list(bomb, max_bytes=64 * 1_048_576)) == 64 * 1_048_576


@pytest.mark.parametrize("bits", [8, MIN_LIST_BITS - 8, MIN_LIST_BITS + 1])
def test_a_list_is_at_least_the_minimum_in_whole_bytes(bits):
    with pytest.raises(CredentialError):
        new_bitstring(bits)


@pytest.mark.parametrize("index", [-1, MIN_LIST_BITS, True, "3"])
def test_an_index_outside_the_list_is_refused(index):
    with pytest.raises(CredentialError):
        set_bit(new_bitstring(), index)


def test_a_credential_reads_its_bit_in_the_list_it_names():
    credential = {"credentialStatus": status_entry(URL, "revocation", 94567)}
    assert credential["credentialStatus"]["statusListIndex"] == "94567"
    common = {"list_url": URL, "issuer": "did:key:z6Mk", "purpose": "revocation"}
    times = {"valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-01-02T00:00:00Z"}
    clear = status_list_credential(**common, set_indexes=[1, 94566], **times)
    revoked = status_list_credential(**common, set_indexes=[94567], **times)
    assert status_of(credential, clear) == ("revocation", False)
    assert status_of(credential, revoked) == ("revocation", True)
    elsewhere = {**revoked, "id": URL.replace("7", "8")}
    assert status_of(credential, elsewhere) is None
    assert status_of({}, revoked) is None
    suspension = status_list_credential(
        **{**common, "purpose": "suspension"}, set_indexes=[], **times
    )
    with pytest.raises(CredentialError, match="purpose"):
        status_of(credential, suspension)
    with pytest.raises(CredentialError, match="not a BitstringStatusListCredential"):
        status_of(credential, {**revoked, "type": ["VerifiableCredential"]})


def test_a_list_grows_to_hold_a_large_index():
    listed = status_list_credential(
        list_url=URL,
        issuer="did:key:z6Mk",
        purpose="revocation",
        set_indexes=[MIN_LIST_BITS + 3],
        valid_from="2026-01-01T00:00:00Z",
        valid_until="2026-01-02T00:00:00Z",
    )
    bits = decode_list(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 2 * MIN_LIST_BITS and get_bit(bits, MIN_LIST_BITS + 3)


def test_the_lists_a_credential_names_are_each_of_its_entries():
    revocation = status_entry(URL, "revocation", 3)
    suspension = status_entry(URL.replace("revocation", "suspension"), "suspension", 3)
    assert status_lists_named({"credentialStatus": [revocation, suspension]}) == {
        URL,
        URL.replace("revocation", "suspension"),
    }
    assert status_lists_named({"credentialStatus": {"type": "Other"}}) == set()
    assert status_lists_named({}) == set()
    with pytest.raises(CredentialError, match="statusListCredential"):
        status_lists_named({"credentialStatus": {**revocation, "statusListCredential": 5}})
    with pytest.raises(CredentialError, match="object"):
        status_lists_named({"credentialStatus": "revoked"})
