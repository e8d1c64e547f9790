"""How robust the trust in an area must be, and which methods of assurance
reach each level (report 4.5(1)). Pure: no I/O; the service reads the site's
own table, when its operator has set one, and passes it in.
"""

from collections.abc import Collection, Mapping
from enum import StrEnum


class Method(StrEnum):
    """Ways of establishing trust, from a party's own word to a third party's."""

    self_declaration = "self_declaration"
    cross_check = "cross_check"
    peer_review = "peer_review"
    internal_audit = "internal_audit"
    external_audit = "external_audit"
    third_party_certification = "third_party_certification"
    third_party_rating = "third_party_rating"
    expert_declaration = "expert_declaration"
    user_declaration = "user_declaration"


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
DEFAULT: dict[Robustness, frozenset[Method]] = {
    Robustness.low: frozenset(Method),
    Robustness.medium: frozenset(
        {
            Method.cross_check,
            Method.peer_review,
            Method.internal_audit,
            Method.external_audit,
            Method.third_party_certification,
            Method.third_party_rating,
            Method.expert_declaration,
        }
    ),
    Robustness.high: frozenset(
        {
            Method.external_audit,
            Method.third_party_certification,
            Method.third_party_rating,
        }
    ),
}

Table = Mapping[Robustness, Collection[Method]]


def meets(level: str, method: str, table: Table = DEFAULT) -> bool:
    """Whether ``method`` reaches the robustness ``level`` under ``table``."""
    return Method(method) in table.get(Robustness(level), ())


def methods_meeting(level: str, table: Table = DEFAULT) -> list[Method]:
    """The methods that reach ``level``, in the order of ``Method``."""
    allowed = table.get(Robustness(level), ())
    return [method for method in Method if method in allowed]
