"""How robust the trust in an area must be, and which methods of assurance
reach each level (report 4.5(1)). Pure: no I/O; the service reads the site's
own table, when its operator has set one, and passes it in.
"""

from collections.abc import Collection, Mapping
from enum import StrEnum

# The methods of report 4.5(1)③, as attestations name them.
from agilegov.record.credentials import AttestationMethod


class Robustness(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


# Which methods reach each level unless the site's operator says otherwise.
# - low: where little is at stake, any method will do, a party's own word included.
# - medium: someone besides the declaring party looks (a second person, a peer,
#   an internal or outside auditor, a rater, an expert); a self-declaration or
#   the users' own statements alone no longer suffice.
# - high: only parties independent of the organization relied on (an outside
#   auditor, a certification body, a rating agency), since the risks are severe
#   enough that a reviewer inside it may share its interests.
DEFAULT: dict[Robustness, frozenset[AttestationMethod]] = {
    Robustness.low: frozenset(AttestationMethod),
    Robustness.medium: frozenset(
        {
            AttestationMethod.cross_check,
            AttestationMethod.peer_review,
            AttestationMethod.internal_audit,
            AttestationMethod.external_audit,
            AttestationMethod.third_party_certification,
            AttestationMethod.third_party_rating,
            AttestationMethod.expert_declaration,
        }
    ),
    Robustness.high: frozenset(
        {
            AttestationMethod.external_audit,
            AttestationMethod.third_party_certification,
            AttestationMethod.third_party_rating,
        }
    ),
}

Table = Mapping[Robustness, Collection[AttestationMethod]]


def meets(level: str, method: str, table: Table = DEFAULT) -> bool:
    """Whether ``method`` reaches the robustness ``level`` under ``table``."""
    return AttestationMethod(method) in table.get(Robustness(level), ())


def methods_meeting(level: str, table: Table = DEFAULT) -> list[AttestationMethod]:
    """The methods that reach ``level``, in the order of ``AttestationMethod``."""
    allowed = table.get(Robustness(level), ())
    return [method for method in AttestationMethod if method in allowed]


def highest_met(method: str, table: Table = DEFAULT) -> Robustness | None:
    """The highest level ``method`` reaches under ``table``, or None if none."""
    reached = [level for level in Robustness if meets(level, method, table)]
    return reached[-1] if reached else None
