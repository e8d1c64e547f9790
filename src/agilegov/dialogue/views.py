"""A consultation's opinion map as the pages and the API show it (computed from
the votes while it runs, the kept one once it has closed), and the statement a
participant is shown next."""

import hashlib
from datetime import datetime

import numpy as np
from pydantic import BaseModel

from agilegov import clock
from agilegov.auth import Principal
from agilegov.dialogue import opinion_map as engine
from agilegov.dialogue import reads
from agilegov.dialogue.access import Voice
from agilegov.dialogue.priority import Tally
from agilegov.dialogue.priority import next_statement as draw
from agilegov.dialogue.schemas import StatementRead
from agilegov.uow import UnitOfWork


class Representative(BaseModel):
    statement_id: int
    direction: str  # agree or disagree
    in_group: float  # share of the group voting that way
    in_rest: float  # share of everyone else


class GroupView(BaseModel):
    index: int
    size: int
    representative: list[Representative]


class PointView(BaseModel):
    participant_id: int
    x: float
    y: float
    group: int


class OpinionMapView(BaseModel):
    algorithm_version: str
    computed_at: datetime
    k: int
    points: list[PointView]
    groups: list[GroupView]
    consensus_agree: list[int]
    consensus_disagree: list[int]
    group_aware_consensus: dict[int, float]
    extremity: dict[int, float]
    seconds: float

    @property
    def group_of(self) -> dict[int, int]:
        return {point.participant_id: point.group for point in self.points}


def opinion_map(uow: UnitOfWork, actor: Principal, consultation_id: int) -> OpinionMapView:
    kept = reads.latest_opinion_map(uow, actor, consultation_id)
    if kept is not None:
        return OpinionMapView.model_validate(kept)
    return _view(engine_result(reads.vote_table(uow, actor, consultation_id)))


def opinion_map_of(snapshot: reads.Snapshot) -> OpinionMapView:
    """The map of a consultation as read for a page: the kept one once closed."""
    if snapshot.kept_map is not None:
        return OpinionMapView.model_validate(snapshot.kept_map)
    return _view(engine_result(snapshot.votes))


def engine_result(table: reads.VoteTable) -> engine.OpinionMapResult:
    return engine.compute_from_ids(
        table.participant_ids,
        table.statement_ids,
        table.values,
        statements=table.all_statements,
        moderated=table.hidden_statements,
        clustered=table.always_clustered,
    )


def _view(result: engine.OpinionMapResult) -> OpinionMapView:
    clustered = np.flatnonzero(result.groups >= 0)
    points = [
        PointView(
            participant_id=int(result.participant_ids[i]),
            x=float(result.projections[i, 0]),
            y=float(result.projections[i, 1]),
            group=int(result.groups[i]),
        )
        for i in clustered.tolist()
    ]
    sizes = np.bincount(result.groups[clustered], minlength=result.k)
    groups = [
        GroupView(
            index=index,
            size=int(sizes[index]),
            representative=[
                Representative(
                    statement_id=int(rep.statement),
                    direction=str(rep.direction),
                    in_group=rep.p_success,
                    in_rest=rep.p_success / rep.repness if rep.repness else 0.0,
                )
                for rep in result.repness[index]
            ],
        )
        for index in range(result.k)
    ]
    statement_ids = result.statement_ids.tolist()
    return OpinionMapView(
        algorithm_version=result.algorithm_version,
        computed_at=clock.now(),
        k=result.k,
        points=points,
        groups=groups,
        consensus_agree=[int(c.statement) for c in result.consensus.agree],
        consensus_disagree=[int(c.statement) for c in result.consensus.disagree],
        group_aware_consensus=_finite(statement_ids, result.group_aware_consensus),
        extremity=_finite(statement_ids, result.extremity),
        seconds=result.seconds,
    )


def _finite(ids: list[int], values: np.ndarray) -> dict[int, float]:
    """Values by statement, as JSON can keep them (no NaN: too few votes to say)."""
    return dict(zip(ids, np.nan_to_num(values, nan=0.0).tolist(), strict=True))


def next_statement(
    snapshot: reads.Snapshot, voice: Voice, extremity: dict[int, float]
) -> StatementRead | None:
    """The statement the caller sees next: not yet voted on, not moderated out,
    drawn by Pol.is's priority (the same draw until they vote)."""
    shown = [s for s in snapshot.statements if s.hidden_at is None]
    unvoted = [s.id for s in shown if s.id not in snapshot.my_votes]
    tallies = {s.id: Tally(s.agrees, s.disagrees, s.passes) for s in shown}
    # The same draw until they vote, whatever process serves them.
    who = (
        f"{snapshot.consultation.id}:{len(snapshot.my_votes)}:{voice.actor.user_id}:{voice.secret}"
    ).encode()
    seed = int.from_bytes(hashlib.sha256(who).digest()[:8], "big")
    chosen = draw(unvoted, tallies, extremity, seed)
    return next((s for s in shown if s.id == chosen), None)
