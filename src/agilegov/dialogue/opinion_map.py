"""The opinion map of a consultation, computed as Pol.is computes it: who is in
which opinion group, where each participant stands, which statements speak for
each group, and which statements everyone shares.

A pure module: vote arrays in, a result out; no database, no I/O. Votes are
three parallel arrays (participant index, statement index, vote: +1 agree,
-1 disagree, 0 pass), one vote per (participant, statement): keeping the latest
of repeated votes is the caller's job (``latest_votes`` does it given
timestamps). ``compute_from_ids`` takes the caller's own ids instead of indexes.

The steps, after Pol.is's math (``polismath.math.conversation`` and friends):

1. The rating matrix: every statement that has a vote is a column; the columns of
   moderated-out statements are set to 0 for every participant, so they count as
   a pass for everyone and carry no opinion.
2. Who is clustered: participants with at least ``min(7, statements with votes)``
   votes (moderated statements included), and those the caller names as already
   clustered (Pol.is never drops a participant from the clustering, so an
   imported conversation keeps everyone Pol.is clustered); if fewer than 15 are
   in, the most active of the rest up to 15.
3. Two principal components of the rating matrix with each missing vote imputed
   by its statement's mean, over every participant who voted. Centred, that
   matrix is exactly the sparse matrix of (vote - statement mean) on the votes
   cast, so it is never densified. Each component's largest loading is made
   positive, so the map does not flip from one run to the next.
4. Projections, sparsity-aware: each participant is projected on the statements
   they voted on only, then pushed out by sqrt(statements / votes), so that
   someone who voted little is not drawn to the centre. A statement is placed
   where an agree on it alone would be; how far out is its extremity.
5. Up to 100 base clusters by k-means over the clustered participants, then the
   groups: weighted k-means over the base clusters' centres (weights: their
   sizes) for k = 2 .. min(5, 2 + base clusters // 12), the k with the best
   silhouette (Pol.is's: the mean over base clusters) kept. Both levels start as
   Pol.is's clean start does when it has fewer clusters than it may have: from
   one cluster holding everything, the point farthest from every centre opens
   the next cluster until there are k. Lloyd steps follow (at most 100 for base
   clusters, 20 for groups, as Pol.is runs them) until no centre moves by 0.01.
   Groups are numbered by size.
6. With Pol.is's Laplace-smoothed probabilities and z-tests: the representative
   statements of each group (against the other clustered participants), the
   consensus statements (over everyone who voted) and the group-aware consensus
   of each statement (the product over groups of its agree probability).

Choices made here where Pol.is leaves it open or depends on history:

* Pol.is starts each k-means from the previous update's clusters; a one-shot
  computation has none, hence the clean start above, which does not depend on
  the order of participants or votes.
* Every group holds at least 5 % of the clustered participants. The farthest
  point that opens a cluster is often one participant who voted little and was
  pushed far out by step 4; left alone it makes a "group" of one, whose
  representative statements would be that person's votes shown to everyone.
  When Lloyd's steps leave a group that small, its members may no longer open
  a cluster and the start is built again from the next farthest point; a k for
  which no start gives groups that large is not offered.
* Ties: the first index wins (nearest centre, farthest point, sort order); on
  equal silhouettes the smaller k.
"""

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg

ALGORITHM_VERSION = "agilegov-opinion-map/2"

MIN_VOTES = 7  # votes that put a participant in the clustering
GREEDY_PARTICIPANTS = 15  # if fewer qualify, the most active are taken up to this
BASE_K = 100
MAX_K = 5
MIN_GROUP_SHARE = 0.05  # of the clustered participants, in every group
BASE_ITERATIONS = 100
GROUP_ITERATIONS = 20
MOVE_TOLERANCE = 0.01  # k-means has converged when no centre moves this far
Z_90 = 1.2816  # one-sided 90 % significance
PICK_MAX = 5  # representative statements per group, consensus statements per side
SEED = 20140618  # start vector of the sparse SVD: the result is the same every run
DENSE_SIDE = 500  # up to this many rows or columns, a dense eigensolver is cheaper

Direction = Literal["agree", "disagree"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# ---------------------------------------------------------------- input


@dataclass(frozen=True, eq=False)
class Votes:
    """One vote per (participant, statement), as parallel arrays of indexes."""

    participants: IntArray
    statements: IntArray
    values: npt.NDArray[np.int8]
    n_participants: int
    n_statements: int
    moderated_out: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        participants = np.asarray(self.participants, dtype=np.int64).ravel()
        statements = np.asarray(self.statements, dtype=np.int64).ravel()
        values = np.asarray(self.values).ravel()
        if not (len(participants) == len(statements) == len(values)):
            raise ValueError("participants, statements and values must have the same length")
        _check_range("participants", participants, self.n_participants)
        _check_range("statements", statements, self.n_statements)
        if not ((values == -1) | (values == 0) | (values == 1)).all():
            raise ValueError("values: every vote must be -1, 0 or 1")
        pairs = np.sort(participants * max(self.n_statements, 1) + statements)
        if (pairs[1:] == pairs[:-1]).any():
            raise ValueError("a participant votes at most once on a statement: keep the latest")
        moderated = frozenset(int(s) for s in self.moderated_out)
        if any(not 0 <= s < self.n_statements for s in moderated):
            raise ValueError("moderated_out: statement index out of range")
        object.__setattr__(self, "participants", participants)
        object.__setattr__(self, "statements", statements)
        object.__setattr__(self, "values", values.astype(np.int8))
        object.__setattr__(self, "moderated_out", moderated)


def _check_range(name: str, indexes: IntArray, size: int) -> None:
    if size < 0:
        raise ValueError(f"n_{name} must not be negative")
    if len(indexes) and (indexes.min() < 0 or indexes.max() >= size):
        raise ValueError(f"{name}: index out of range 0..{size - 1}")


def latest_votes(
    participants: npt.ArrayLike,
    statements: npt.ArrayLike,
    values: npt.ArrayLike,
    timestamps: npt.ArrayLike,
) -> tuple[IntArray, IntArray, npt.NDArray[np.int8]]:
    """The latest vote of each (participant, statement); on equal timestamps the
    one that comes last in the input."""
    p = np.asarray(participants, dtype=np.int64).ravel()
    s = np.asarray(statements, dtype=np.int64).ravel()
    v = np.asarray(values, dtype=np.int8).ravel()
    t = np.asarray(timestamps).ravel()
    order = np.lexsort((np.arange(len(p)), t, s, p))
    p, s, v = p[order], s[order], v[order]
    last = np.ones(len(p), dtype=bool)
    last[:-1] = (p[1:] != p[:-1]) | (s[1:] != s[:-1])
    return p[last], s[last], v[last]


# ---------------------------------------------------------------- result


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart: most of the group votes ``direction``
    on it, and clearly more than everyone else does."""

    statement: int
    direction: Direction
    n_success: int  # the group's votes in that direction
    n_trials: int  # the group's votes on it, passes included
    p_success: float  # (n_success + 1) / (n_trials + 2)
    p_test: float  # z of p_success against one half
    repness: float  # p_success over the same probability for everyone else
    repness_test: float  # z of the group against everyone else
    best_agree: bool = False  # the group's strongest agreement, shown first


@dataclass(frozen=True)
class ConsensusStatement:
    statement: int
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True)
class Consensus:
    agree: tuple[ConsensusStatement, ...]
    disagree: tuple[ConsensusStatement, ...]


@dataclass(frozen=True, eq=False)
class OpinionMapResult:
    """Arrays by participant are aligned with ``participant_ids``, arrays by
    statement with ``statement_ids``; statements in the lists are the caller's ids."""

    algorithm_version: str
    participant_ids: IntArray
    statement_ids: IntArray
    k: int  # groups
    groups: IntArray  # group of each participant, -1 if not clustered
    base_clusters: IntArray  # base cluster of each participant, -1 if not clustered
    base_centers: FloatArray  # (base clusters, 2)
    base_groups: IntArray  # group of each base cluster
    projections: FloatArray  # (participants, 2): x, y; NaN for who never voted
    loadings: FloatArray  # (2, statements): the two components
    center: FloatArray  # each statement's mean vote
    statement_projections: FloatArray  # (statements, 2): an agree alone, projected
    extremity: FloatArray  # length of each statement's projection
    silhouettes: dict[int, float]  # silhouette of each k tried
    repness: tuple[tuple[RepresentativeStatement, ...], ...]  # by group
    consensus: Consensus
    group_aware_consensus: FloatArray  # product over groups of P(agree)
    seconds: float = field(default=0.0)

    def group_of(self) -> dict[int, int]:
        """Group of each clustered participant, by the caller's participant id."""
        clustered = self.groups >= 0
        return dict(
            zip(
                self.participant_ids[clustered].tolist(),
                self.groups[clustered].tolist(),
                strict=True,
            )
        )


# ---------------------------------------------------------------- entry points


def compute(votes: Votes, clustered: Iterable[int] = ()) -> OpinionMapResult:
    """The opinion map of ``votes``; participant and statement ids are their indexes.
    ``clustered`` names participants kept in the clustering whatever their votes."""
    return _compute(
        votes,
        np.arange(votes.n_participants),
        np.arange(votes.n_statements),
        _always_in(clustered, votes.n_participants),
        time.perf_counter(),
    )


def compute_from_ids(
    participant_ids: Sequence[int] | npt.ArrayLike,
    statement_ids: Sequence[int] | npt.ArrayLike,
    values: Sequence[int] | npt.ArrayLike,
    *,
    participants: Iterable[int] = (),
    statements: Iterable[int] = (),
    moderated: Iterable[int] = (),
    clustered: Iterable[int] = (),
) -> OpinionMapResult:
    """The opinion map of votes given by the caller's ids (one vote per pair).
    ``participants`` and ``statements`` may add ids that have no vote yet;
    ``clustered`` names participants kept in the clustering whatever their votes
    (ids that never voted are ignored: there is nowhere to put them)."""
    started = time.perf_counter()
    voter_ids = np.asarray(participant_ids, dtype=np.int64).ravel()
    voted_ids = np.asarray(statement_ids, dtype=np.int64).ravel()
    known_participants = np.unique(
        np.concatenate([voter_ids, np.fromiter(participants, dtype=np.int64)])
    )
    moderated_ids = np.fromiter(moderated, dtype=np.int64)
    known_statements = np.unique(
        np.concatenate([voted_ids, np.fromiter(statements, dtype=np.int64), moderated_ids])
    )
    table = Votes(
        participants=np.searchsorted(known_participants, voter_ids),
        statements=np.searchsorted(known_statements, voted_ids),
        values=np.asarray(values, dtype=np.int8),
        n_participants=len(known_participants),
        n_statements=len(known_statements),
        moderated_out=frozenset(np.searchsorted(known_statements, moderated_ids).tolist()),
    )
    clustered_ids = np.fromiter(clustered, dtype=np.int64)
    clustered_ids = clustered_ids[np.isin(clustered_ids, known_participants)]
    always_in = np.zeros(len(known_participants), dtype=bool)
    always_in[np.searchsorted(known_participants, clustered_ids)] = True
    return _compute(table, known_participants, known_statements, always_in, started)


def _always_in(clustered: Iterable[int], n_participants: int) -> BoolArray:
    indexes = np.fromiter(clustered, dtype=np.int64)
    _check_range("clustered", indexes, n_participants)
    always_in = np.zeros(n_participants, dtype=bool)
    always_in[indexes] = True
    return always_in


def _compute(
    votes: Votes,
    participant_ids: IntArray,
    statement_ids: IntArray,
    always_in: BoolArray,
    started: float,
) -> OpinionMapResult:
    matrix = _RatingMatrix(votes)
    in_conv = matrix.in_conversation(always_in)
    center, loadings = matrix.components()
    projections = matrix.project(center, loadings)
    base_clusters, base_centers = _base_clusters(projections, in_conv)
    base_sizes = np.bincount(base_clusters[in_conv], minlength=len(base_centers)).astype(float)
    base_groups, silhouettes = _groups(base_centers, base_sizes)
    groups = np.full(len(base_clusters), -1, dtype=np.int64)
    groups[in_conv] = base_groups[base_clusters[in_conv]]
    k = int(base_groups.max()) + 1 if len(base_groups) else 0
    statement_projections = matrix.statement_projections(center, loadings)
    return OpinionMapResult(
        algorithm_version=ALGORITHM_VERSION,
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        k=k,
        groups=groups,
        base_clusters=base_clusters,
        base_centers=base_centers,
        base_groups=base_groups,
        projections=projections,
        loadings=loadings,
        center=center,
        statement_projections=statement_projections,
        extremity=np.linalg.norm(statement_projections, axis=1),
        silhouettes=silhouettes,
        repness=_repness(matrix.tally(groups, k), matrix.selectable(), statement_ids),
        consensus=_consensus(matrix.tally_all(), matrix.selectable(), statement_ids),
        group_aware_consensus=_group_aware_consensus(matrix.tally(groups, k, raw=True)),
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------- the rating matrix


@dataclass(frozen=True)
class _Tally:
    """Counts by row (a group, or everyone) and statement."""

    agree: FloatArray
    disagree: FloatArray
    seen: FloatArray


class _RatingMatrix:
    """Pol.is's rating matrix, kept as the cells voted on, with what every step
    needs from it."""

    def __init__(self, votes: Votes) -> None:
        n, m = votes.n_participants, votes.n_statements
        self.n_participants = n
        self.n_statements = m
        self.votes = votes
        self.voted = np.bincount(votes.statements, minlength=m) > 0
        moderated = np.zeros(m, dtype=bool)
        moderated[list(votes.moderated_out)] = True
        self.moderated = moderated
        # Pol.is zeroes moderated columns, which then hold a vote for everyone.
        self.zeroed = moderated & self.voted
        self.counts = np.bincount(votes.participants, minlength=n)
        self.active = self.counts > 0
        kept = ~moderated[votes.statements]
        self.kept_participants = votes.participants[kept]
        self.kept_statements = votes.statements[kept]
        self.kept_values = votes.values[kept].astype(np.float64)

    def in_conversation(self, always_in: BoolArray) -> BoolArray:
        threshold = min(MIN_VOTES, int(self.voted.sum()))
        chosen = self.active & ((self.counts >= threshold) | always_in)
        missing = GREEDY_PARTICIPANTS - int(chosen.sum())
        if missing > 0:
            # The most active of the rest, the first index first among equals.
            order = np.lexsort((np.arange(self.n_participants), -self.counts))
            rest = order[~chosen[order] & self.active[order]]
            chosen[rest[:missing]] = True
        return chosen

    def components(self) -> tuple[FloatArray, FloatArray]:
        """Each statement's mean vote, and the two principal components."""
        m = self.n_statements
        totals = np.bincount(self.kept_statements, weights=self.kept_values, minlength=m)
        seen = np.bincount(self.kept_statements, minlength=m)
        center = np.divide(totals, seen, out=np.zeros(m), where=seen > 0)
        columns = np.flatnonzero(seen > 0)
        rows = np.flatnonzero(self.active)
        loadings = np.zeros((2, m))
        if len(columns) and len(rows):
            centred = sparse.csr_matrix(
                (
                    self.kept_values - center[self.kept_statements],
                    (
                        np.searchsorted(rows, self.kept_participants),
                        np.searchsorted(columns, self.kept_statements),
                    ),
                ),
                shape=(len(rows), len(columns)),
            )
            loadings[:, columns] = principal_components(centred)
        return center, loadings

    def project(self, center: FloatArray, loadings: FloatArray) -> FloatArray:
        """Pol.is's sparsity-aware projection of every participant who voted."""
        n = self.n_participants
        centred = self.kept_values - center[self.kept_statements]
        x = np.bincount(
            self.kept_participants, weights=centred * loadings[0, self.kept_statements], minlength=n
        )
        y = np.bincount(
            self.kept_participants, weights=centred * loadings[1, self.kept_statements], minlength=n
        )
        cast = np.bincount(self.kept_participants, minlength=n) + int(self.zeroed.sum())
        scale = np.sqrt(int(self.voted.sum()) / np.maximum(cast, 1))
        projections = np.column_stack([x * scale, y * scale])
        projections[~self.active] = np.nan
        return projections

    def statement_projections(self, center: FloatArray, loadings: FloatArray) -> FloatArray:
        """Where an agree on that statement alone would stand (Pol.is's comment
        projection); its length is the statement's extremity."""
        scale = math.sqrt(int(self.voted.sum()))
        return ((1.0 - center) * scale)[:, None] * loadings.T

    def selectable(self) -> BoolArray:
        """Statements that may be representative or consensus: voted on, not moderated."""
        return self.voted & ~self.moderated

    def tally_all(self) -> _Tally:
        """Counts over everyone who voted."""
        return self.tally(np.zeros(self.n_participants, dtype=np.int64), 1)

    def tally(self, rows: IntArray, k: int, raw: bool = False) -> _Tally:
        """Counts by row (0..k-1, -1 left out) of each participant; ``raw`` keeps the
        votes on moderated statements (Pol.is's group-aware consensus does)."""
        votes = self.votes
        if raw:
            participants, statements, values = votes.participants, votes.statements, votes.values
        else:
            participants = self.kept_participants
            statements = self.kept_statements
            values = self.kept_values.astype(np.int8)
        row = rows[participants]
        inside = row >= 0
        cells = row[inside] * self.n_statements + statements[inside]
        size = k * self.n_statements

        def count(mask: BoolArray) -> FloatArray:
            counted = np.bincount(cells[mask], minlength=size).astype(np.float64)
            return counted.reshape(k, self.n_statements)

        return _Tally(
            agree=count(values[inside] == 1),
            disagree=count(values[inside] == -1),
            seen=count(np.ones(int(inside.sum()), dtype=bool)),
        )


def principal_components(centred: sparse.csr_matrix, dense: bool | None = None) -> FloatArray:
    """The top two right singular vectors of a centred matrix (2, columns), each
    with its largest loading made positive; zeros where there are fewer.

    Small matrices (or ``dense=True``) go through the eigenvectors of the smaller
    Gram matrix; larger ones through ARPACK on the sparse matrix, never densified."""
    rows, columns = centred.shape
    components = np.zeros((2, columns))
    if min(rows, columns) == 0 or not np.any(centred.data):
        return components  # no votes, or all alike: no direction to find
    small = min(rows, columns) <= DENSE_SIDE or min(rows, columns) <= 3
    use_dense = small if dense is None else dense
    values, vectors = _top_two_dense(centred) if use_dense else _top_two_sparse(centred)
    # A direction without variance (all votes alike) is no component.
    real = values > values[0] * 1e-9
    components[: len(real)][real] = vectors[real]
    return fix_signs(components)


def _top_two_dense(centred: sparse.csr_matrix) -> tuple[FloatArray, FloatArray]:
    """Singular values and right singular vectors, largest first, from the Gram
    matrix of the smaller side."""
    rows, columns = centred.shape
    gram = (centred.T @ centred if columns <= rows else centred @ centred.T).toarray()
    eigenvalues, eigenvectors = _top_two_symmetric(gram)
    top = np.argsort(-eigenvalues)[:2]
    values = np.sqrt(np.maximum(eigenvalues[top], 0.0))
    if columns <= rows:
        return values, eigenvectors[:, top].T
    right = (centred.T @ eigenvectors[:, top]).T
    scale = values[:, None]
    return values, np.divide(right, scale, out=np.zeros_like(right), where=scale > 0)


def _top_two_symmetric(gram: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two eigenpairs of a symmetric matrix, in any order. ARPACK rather than a full
    eigendecomposition: only two are needed, and on a busy machine LAPACK's threads
    can take a hundred times longer."""
    if len(gram) > 3:
        start = np.random.default_rng(SEED).standard_normal(len(gram))
        try:
            return sparse_linalg.eigsh(gram, k=2, which="LA", v0=start)
        except sparse_linalg.ArpackError:
            pass  # degenerate (e.g. rank one): the full decomposition copes
    return np.linalg.eigh(gram)


def _top_two_sparse(centred: sparse.csr_matrix) -> tuple[FloatArray, FloatArray]:
    start = np.random.default_rng(SEED).standard_normal(min(centred.shape))
    _, values, vt = sparse_linalg.svds(centred, k=2, v0=start, solver="arpack")
    order = np.argsort(-values)
    return values[order], vt[order]


def fix_signs(components: FloatArray) -> FloatArray:
    """Flip each component so that its largest loading (by absolute value, the
    first such) is positive."""
    fixed = components.copy()
    for row in fixed:
        if row.any() and row[int(np.argmax(np.abs(row)))] < 0:
            row *= -1
    return fixed


# ---------------------------------------------------------------- clustering


def _base_clusters(projections: FloatArray, in_conv: BoolArray) -> tuple[IntArray, FloatArray]:
    """Base cluster of each participant (-1 outside) and the base clusters' centres."""
    members = np.flatnonzero(in_conv)
    labels = np.full(len(projections), -1, dtype=np.int64)
    if len(members) == 0:
        return labels, np.zeros((0, 2))
    points = projections[members]
    weights = np.ones(len(points))
    centers = clean_start(points, weights, BASE_K)
    member_labels, centers = lloyd(points, weights, centers, BASE_ITERATIONS)
    labels[members] = member_labels
    return labels, centers


def _groups(centers: FloatArray, sizes: FloatArray) -> tuple[IntArray, dict[int, float]]:
    """Group of each base cluster, for the k with the best silhouette among those
    whose groups are all large enough."""
    count = len(centers)
    if count == 0:
        return np.zeros(0, dtype=np.int64), {}
    largest = min(MAX_K, 2 + count // 12, count)
    if largest < 2:
        return np.zeros(count, dtype=np.int64), {}
    distances = _distances(centers, centers)
    smallest_group = MIN_GROUP_SHARE * sizes.sum()
    best: tuple[float, IntArray] | None = None
    silhouettes: dict[int, float] = {}
    for k in range(2, largest + 1):
        labels = _large_groups(centers, sizes, k, smallest_group)
        if labels is None:
            continue
        score = silhouette(distances, labels)
        silhouettes[k] = score
        if best is None or score > best[0]:
            best = (score, labels)
    if best is None:
        return np.zeros(count, dtype=np.int64), silhouettes
    return _number_by_size(best[1], sizes), silhouettes


def _large_groups(
    centers: FloatArray, sizes: FloatArray, k: int, smallest: float
) -> IntArray | None:
    """k groups, each weighing at least ``smallest``, from the clean start. The
    members of a group that ends lighter may no longer open a cluster, nor may the
    points that opened clusters in a start that lost one; then the start is built
    again. None once no start is left."""
    barred = np.zeros(len(centers), dtype=bool)
    while True:
        seeds = _farthest_seeds(centers, sizes, k, barred)
        if len(seeds) + 1 < k:
            return None
        labels, _ = lloyd(centers, sizes, _start_centers(centers, sizes, seeds), GROUP_ITERATIONS)
        weights = np.bincount(labels, weights=sizes)
        if len(weights) == k and weights.min() >= smallest:
            return labels
        newly = (weights < smallest)[labels]
        if len(weights) < k:
            newly[seeds] = True
        newly &= ~barred
        if not newly.any():
            return None
        barred |= newly


def _number_by_size(labels: IntArray, weights: FloatArray) -> IntArray:
    """Renumber groups by total weight, largest first (then by first member)."""
    used = np.unique(labels)
    totals = np.array([weights[labels == g].sum() for g in used])
    firsts = np.array([np.flatnonzero(labels == g)[0] for g in used])
    order = np.lexsort((firsts, -totals))
    renumber = np.empty(int(used.max()) + 1, dtype=np.int64)
    renumber[used[order]] = np.arange(len(used))
    return renumber[labels]


def _distances(points: FloatArray, centers: FloatArray) -> FloatArray:
    return np.sqrt(((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))


def clean_start(points: FloatArray, weights: FloatArray, k: int) -> FloatArray:
    """Initial centres as Pol.is's clean start builds them: one cluster holding
    every point, then repeatedly the point farthest from every centre opens a new
    cluster (and leaves the big one), until there are ``k`` or no point is apart."""
    seeds = _farthest_seeds(points, weights, k, np.zeros(len(points), dtype=bool))
    return _start_centers(points, weights, seeds)


def _farthest_seeds(
    points: FloatArray, weights: FloatArray, k: int, barred: BoolArray
) -> list[int]:
    """The points that open clusters in the clean start, none of them ``barred``."""
    rest = np.ones(len(points), dtype=bool)
    total = weights.sum()
    weighted_sum = (points * weights[:, None]).sum(axis=0)
    seeds: list[int] = []
    nearest_seed = np.full(len(points), np.inf)
    while len(seeds) + 1 < k and rest.sum() > 1:
        rest_center = weighted_sum / total
        gap = np.minimum(np.sqrt(((points - rest_center) ** 2).sum(axis=1)), nearest_seed)
        gap[barred] = -1.0
        far = int(np.argmax(gap))
        if gap[far] <= 0:
            break
        seeds.append(far)
        rest[far] = False
        total -= weights[far]
        weighted_sum -= points[far] * weights[far]
        nearest_seed = np.minimum(nearest_seed, np.sqrt(((points - points[far]) ** 2).sum(axis=1)))
    return seeds


def _start_centers(points: FloatArray, weights: FloatArray, seeds: list[int]) -> FloatArray:
    """The centre of the points left in the big cluster, then the seeds."""
    rest = np.ones(len(points), dtype=bool)
    rest[seeds] = False
    center = (points[rest] * weights[rest, None]).sum(axis=0) / weights[rest].sum()
    return np.vstack([center[None], points[seeds]])


def lloyd(
    points: FloatArray, weights: FloatArray, centers: FloatArray, iterations: int
) -> tuple[IntArray, FloatArray]:
    """Weighted Lloyd steps, as Pol.is's k-means takes them: empty clusters are
    dropped, and it stops when no centre moves by ``MOVE_TOLERANCE``."""
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(iterations + 1):
        labels = np.argmin(_squared(points, centers), axis=1)
        used, labels = np.unique(labels, return_inverse=True)
        mass = np.bincount(labels, weights=weights)
        moved = np.column_stack(
            [np.bincount(labels, weights=weights * points[:, d]) / mass for d in range(2)]
        )
        settled = len(used) == len(centers) and bool(
            (np.sqrt(((moved - centers[used]) ** 2).sum(axis=1)) < MOVE_TOLERANCE).all()
        )
        centers = moved
        if settled:
            break
    return labels.astype(np.int64), centers


def _squared(points: FloatArray, centers: FloatArray) -> FloatArray:
    dx = points[:, 0, None] - centers[None, :, 0]
    dy = points[:, 1, None] - centers[None, :, 1]
    return dx * dx + dy * dy


def silhouette(distances: FloatArray, labels: IntArray) -> float:
    """Mean silhouette of the points; a point alone in its cluster scores 0."""
    k = int(labels.max()) + 1
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    sizes = onehot.sum(axis=0)
    sums = distances @ onehot  # distance of each point to each cluster, summed
    own = sizes[labels] - 1
    inside = sums[np.arange(len(labels)), labels]
    a = np.divide(inside, own, out=np.zeros(len(labels)), where=own > 0)
    other = np.where(onehot > 0, np.inf, sums / np.maximum(sizes, 1))
    b = other.min(axis=1) if k > 1 else np.zeros(len(labels))
    spread = np.maximum(a, b)
    scores = np.divide(b - a, spread, out=np.zeros(len(labels)), where=(own > 0) & (spread > 0))
    return float(scores.mean())


# ---------------------------------------------------------------- statistics


def prop_test(successes: FloatArray, trials: FloatArray) -> FloatArray:
    """Pol.is's z of a proportion against one half, with one pseudo-trial."""
    return 2 * np.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def two_prop_test(
    successes_in: FloatArray,
    successes_out: FloatArray,
    trials_in: FloatArray,
    trials_out: FloatArray,
) -> FloatArray:
    """Pol.is's z of one proportion against another, with one pseudo-trial each;
    0 where everyone succeeded."""
    s1, s2, n1, n2 = successes_in + 1, successes_out + 1, trials_in + 1, trials_out + 1
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.divide(s1 / n1 - s2 / n2, spread, out=np.zeros_like(pooled), where=pooled < 1)


@dataclass(frozen=True)
class _Stats:
    """Pol.is's comment statistics of one group against the rest, by statement."""

    na: FloatArray
    nd: FloatArray
    ns: FloatArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray


def _group_stats(tally: _Tally, group: int) -> _Stats:
    na, nd, ns = tally.agree[group], tally.disagree[group], tally.seen[group]
    rest_na = tally.agree.sum(axis=0) - na
    rest_nd = tally.disagree.sum(axis=0) - nd
    rest_ns = tally.seen.sum(axis=0) - ns
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    return _Stats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / ((rest_na + 1) / (rest_ns + 2)),
        rd=pd / ((rest_nd + 1) / (rest_ns + 2)),
        rat=two_prop_test(na, rest_na, ns, rest_ns),
        rdt=two_prop_test(nd, rest_nd, ns, rest_ns),
    )


def _repness(
    tally: _Tally, selectable: BoolArray, statement_ids: IntArray
) -> tuple[tuple[RepresentativeStatement, ...], ...]:
    return tuple(
        _select_representative(_group_stats(tally, g), selectable, statement_ids)
        for g in range(tally.agree.shape[0])
    )


def _finalize(stats: _Stats, j: int, statement_ids: IntArray) -> RepresentativeStatement:
    """One statement's stats in the direction it is more representative in."""
    agree = bool(stats.rat[j] > stats.rdt[j])
    return RepresentativeStatement(
        statement=int(statement_ids[j]),
        direction="agree" if agree else "disagree",
        n_success=int(stats.na[j] if agree else stats.nd[j]),
        n_trials=int(stats.ns[j]),
        p_success=float(stats.pa[j] if agree else stats.pd[j]),
        p_test=float(stats.pat[j] if agree else stats.pdt[j]),
        repness=float(stats.ra[j] if agree else stats.rd[j]),
        repness_test=float(stats.rat[j] if agree else stats.rdt[j]),
    )


def _select_representative(
    stats: _Stats, selectable: BoolArray, statement_ids: IntArray
) -> tuple[RepresentativeStatement, ...]:
    """Pol.is's choice: the statements significant both in probability and in
    representativeness, by repness x its z x probability x its z, the group's best
    agreement first, at most five, agreements before disagreements. With none
    significant, the best agreement alone, or else the most representative one."""
    candidates = np.flatnonzero(selectable)
    sufficient = candidates[
        ((stats.rat[candidates] > Z_90) & (stats.pat[candidates] > Z_90))
        | ((stats.rdt[candidates] > Z_90) & (stats.pdt[candidates] > Z_90))
    ]
    best_agree = _best_agree(stats, candidates)
    if len(sufficient) == 0:
        if best_agree is not None:
            return (_as_best_agree(_finalize(stats, best_agree, statement_ids)),)
        if len(candidates) == 0:
            return ()
        strongest = np.maximum(stats.rat[candidates], stats.rdt[candidates])
        return (_finalize(stats, int(candidates[int(np.argmax(strongest))]), statement_ids),)
    chosen = [_finalize(stats, int(j), statement_ids) for j in sufficient if j != best_agree]
    chosen.sort(key=lambda s: -(s.repness * s.repness_test * s.p_success * s.p_test))
    if best_agree is not None:
        chosen.insert(0, _as_best_agree(_finalize(stats, best_agree, statement_ids)))
    top = chosen[:PICK_MAX]
    return tuple(
        [s for s in top if s.direction == "agree"] + [s for s in top if s.direction == "disagree"]
    )


def _as_best_agree(statement: RepresentativeStatement) -> RepresentativeStatement:
    return replace(statement, best_agree=True)


def _best_agree(stats: _Stats, candidates: IntArray) -> int | None:
    """Pol.is's running choice of a group's best agreement, statement by statement:
    first anything generally agreed on, then better agreement, and once it beats
    the rest, better representative agreement."""
    na, nd, ra, rat = stats.na.tolist(), stats.nd.tolist(), stats.ra.tolist(), stats.rat.tolist()
    pa, pat = stats.pa.tolist(), stats.pat.tolist()
    best: int | None = None
    for j in candidates.tolist():
        if na[j] == 0 and nd[j] == 0:
            continue
        if best is None:
            better = pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5)
        elif ra[best] > 1.0:
            better = ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best]
        else:
            better = pa[j] * pat[j] > pa[best] * pat[best]
        if better:
            best = j
    return best


def _consensus(tally: _Tally, selectable: BoolArray, statement_ids: IntArray) -> Consensus:
    """Statements most agreed (and most disagreed) on by everyone who voted:
    probability over one half and significant, by probability x its z."""
    na, nd, ns = tally.agree[0], tally.disagree[0], tally.seen[0]
    return Consensus(
        agree=_top_consensus(na, ns, selectable, statement_ids),
        disagree=_top_consensus(nd, ns, selectable, statement_ids),
    )


def _top_consensus(
    successes: FloatArray, trials: FloatArray, selectable: BoolArray, statement_ids: IntArray
) -> tuple[ConsensusStatement, ...]:
    p = (successes + 1) / (trials + 2)
    z = prop_test(successes, trials)
    eligible = np.flatnonzero(selectable & (p > 0.5) & (z > Z_90))
    ranked = eligible[np.argsort(-(p * z)[eligible], kind="stable")][:PICK_MAX]
    return tuple(
        ConsensusStatement(
            statement=int(statement_ids[j]),
            n_success=int(successes[j]),
            n_trials=int(trials[j]),
            p_success=float(p[j]),
            p_test=float(z[j]),
        )
        for j in ranked
    )


def _group_aware_consensus(tally: _Tally) -> FloatArray:
    """For each statement, the product over groups of (agrees + 1) / (votes + 2)."""
    return np.prod((tally.agree + 1) / (tally.seen + 2), axis=0)
