"""The dialogue part's open data: public consultations of published scopes,
their shown statements and their votes (by participant, never by user)."""

from typing import Any

from sqlalchemy import Select, select

from agilegov.dialogue.models import Consultation, Statement, Vote
from agilegov.open_tables import PublicTable, public_scopes, scope_organization


def public_consultations() -> Select[Any]:
    return select(Consultation.id).where(
        Consultation.scope_id.in_(public_scopes()), Consultation.audience == "public"
    )


TABLES = [
    PublicTable(
        "consultations",
        Consultation,
        [Consultation.id.in_(public_consultations())],
        scope_organization(Consultation),
        "consultation",
    ),
    PublicTable(
        "consultation_statements",
        Statement,
        [Statement.consultation_id.in_(public_consultations()), Statement.hidden_at.is_(None)],
        scope_organization(Consultation),
        "consultation_statement",
        event_prefix="statement",
        leave_out=["hidden_at", "hidden_reason"],
        joins=[(Consultation, Consultation.id == Statement.consultation_id)],
    ),
    PublicTable(
        "consultation_votes",
        Vote,
        [Vote.consultation_id.in_(public_consultations())],
        scope_organization(Consultation),
        None,
        joins=[(Consultation, Consultation.id == Vote.consultation_id)],
    ),
]
