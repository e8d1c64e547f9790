"""Who may assess a scope by which method, and which loop a major finding opens:
the pure rules of ``assurance.parties``, as tables."""

import pytest

from agilegov.assurance.parties import (
    PARTIES,
    Assessor,
    Cause,
    Party,
    Refusal,
    measure_failed,
    refusal,
)
from agilegov.record.credentials import AttestationMethod as M

OWN = Assessor(is_scope_owner=True, is_assessor_organization=False, accredited=False)
# An assessor organization assessing its own scope, accredited even.
OWN_ASSESSOR = Assessor(is_scope_owner=True, is_assessor_organization=True, accredited=True)
OTHER = Assessor(is_scope_owner=False, is_assessor_organization=False, accredited=False)
ASSESSOR = Assessor(is_scope_owner=False, is_assessor_organization=True, accredited=False)
ACCREDITED = Assessor(is_scope_owner=False, is_assessor_organization=True, accredited=True)
# Accredited is a fact about an assessor organization; the rule still asks for both.
ACCREDITED_NON_ASSESSOR = Assessor(
    is_scope_owner=False, is_assessor_organization=False, accredited=True
)

OWN_METHODS = [M.self_declaration, M.internal_audit]
OTHER_METHODS = [M.cross_check, M.peer_review, M.expert_declaration, M.user_declaration]
ACCREDITED_METHODS = [M.external_audit, M.third_party_certification, M.third_party_rating]

# (method, assessor, refusal or None) for every method and kind of party.
TABLE = (
    [(method, OWN, None) for method in OWN_METHODS]
    + [(method, OWN_ASSESSOR, None) for method in OWN_METHODS]
    + [(method, who, Refusal.own_only) for method in OWN_METHODS for who in (OTHER, ASSESSOR)]
    + [(method, ACCREDITED, Refusal.own_only) for method in OWN_METHODS]
    + [(method, who, None) for method in OTHER_METHODS for who in (OTHER, ASSESSOR, ACCREDITED)]
    + [(method, who, Refusal.not_own) for method in OTHER_METHODS for who in (OWN, OWN_ASSESSOR)]
    + [(method, ACCREDITED, None) for method in ACCREDITED_METHODS]
    + [(method, OWN, Refusal.not_own) for method in ACCREDITED_METHODS]
    + [(method, OWN_ASSESSOR, Refusal.not_own) for method in ACCREDITED_METHODS]
    + [(method, OTHER, Refusal.not_assessor) for method in ACCREDITED_METHODS]
    + [(method, ACCREDITED_NON_ASSESSOR, Refusal.not_assessor) for method in ACCREDITED_METHODS]
    + [(method, ASSESSOR, Refusal.not_accredited) for method in ACCREDITED_METHODS]
)


def test_the_table_covers_every_method() -> None:
    assert set(PARTIES) == set(M)
    assert {method for method, _, _ in TABLE} == set(M)
    assert {str(method) for method in OWN_METHODS} == {
        str(m) for m, party in PARTIES.items() if party is Party.own
    }
    assert {str(method) for method in ACCREDITED_METHODS} == {
        str(m) for m, party in PARTIES.items() if party is Party.accredited
    }


@pytest.mark.parametrize(("method", "assessor", "expected"), TABLE)
def test_who_may_assess_by_each_method(method: M, assessor: Assessor, expected: Refusal) -> None:
    assert refusal(method, assessor) is expected
    # The method's plain name (as a form or the API sends it) reads the same.
    assert refusal(str(method), assessor) is expected


def test_an_unknown_method_is_no_method() -> None:
    with pytest.raises(ValueError):
        refusal("gut_feeling", ACCREDITED)


@pytest.mark.parametrize(
    ("causes", "failed"),
    [
        ([Cause.measure], True),
        ([Cause.measure, Cause.measure], True),
        (["measure"], True),
        ([Cause.goal], False),
        ([Cause.analysis], False),
        ([Cause.measure, Cause.goal], False),
        ([Cause.analysis, Cause.measure], False),
        (["measure", "analysis"], False),
        # No major nonconformity: nothing failed.
        ([], False),
    ],
)
def test_only_failed_measures_alone_keep_the_inner_loop(causes: list, failed: bool) -> None:
    assert measure_failed(causes) is failed


def test_an_unknown_cause_is_refused() -> None:
    with pytest.raises(ValueError):
        measure_failed(["bad_luck"])
