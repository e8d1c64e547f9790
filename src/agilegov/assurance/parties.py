"""Who may assess a scope by which method (report 4.5(1)③), and the findings an
assessment records against each criterion. Pure: no I/O; the service looks up
the organizations and accreditations and passes the facts in.
"""

from dataclasses import dataclass
from enum import StrEnum

from agilegov.record.credentials import AttestationMethod


class Party(StrEnum):
    """Who stands behind an assessment."""

    # The scope's own organization: it declares or audits itself.
    own = "own"
    # Another organization, any kind: a peer, an expert body, the users' own.
    other = "other"
    # An assessor organization accredited for the scheme on the trust list.
    accredited = "accredited"


PARTIES: dict[AttestationMethod, Party] = {
    AttestationMethod.self_declaration: Party.own,
    AttestationMethod.internal_audit: Party.own,
    AttestationMethod.cross_check: Party.other,
    AttestationMethod.peer_review: Party.other,
    AttestationMethod.expert_declaration: Party.other,
    AttestationMethod.user_declaration: Party.other,
    AttestationMethod.external_audit: Party.accredited,
    AttestationMethod.third_party_certification: Party.accredited,
    AttestationMethod.third_party_rating: Party.accredited,
}


@dataclass(frozen=True)
class Assessor:
    """The facts about the party that would assess."""

    is_scope_owner: bool
    is_assessor_organization: bool
    # Accredited, now, for the scheme the assessment names (False: no scheme named).
    accredited: bool


class Refusal(StrEnum):
    """Why a party may not assess a scope by a method."""

    own_only = "own_only"
    not_own = "not_own"
    not_assessor = "not_assessor"
    not_accredited = "not_accredited"


def refusal(method: AttestationMethod | str, assessor: Assessor) -> Refusal | None:
    """Why ``assessor`` may not assess by ``method``, or None when it may.

    A scope's own organization declares and audits itself, and nothing more: an
    assessor organization included, it does not audit, certify or rate its own
    scopes. Anyone else needs the scope owner's consent (an engagement, checked
    by the service); the methods of independent third parties need an assessor
    organization accredited for the scheme named.
    """
    party = PARTIES[AttestationMethod(method)]
    if party is Party.own:
        return None if assessor.is_scope_owner else Refusal.own_only
    if assessor.is_scope_owner:
        return Refusal.not_own
    if party is Party.accredited:
        if not assessor.is_assessor_organization:
            return Refusal.not_assessor
        if not assessor.accredited:
            return Refusal.not_accredited
    return None


class Finding(StrEnum):
    conforms = "conforms"
    minor = "minor"
    major = "major"
    observation = "observation"
    not_applicable = "not_applicable"


# Findings that are nonconformities: each needs improvement actions and closing.
NONCONFORMITIES = frozenset({Finding.minor, Finding.major})


class Cause(StrEnum):
    """What a major nonconformity shows is wrong, which decides the loop it
    opens (``cycle.rules``: a failed measure, the inner loop; a wrong goal or
    risk analysis, the outer)."""

    measure = "measure"
    goal = "goal"
    analysis = "analysis"


def measure_failed(causes: list[Cause | str]) -> bool:
    """The fact the cycle rule reads: every major nonconformity is a failed
    measure. One wrong goal or risk analysis sends the scope round the outer
    loop, which reconsiders its measures too."""
    return bool(causes) and all(Cause(cause) is Cause.measure for cause in causes)
