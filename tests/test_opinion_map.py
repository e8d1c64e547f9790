"""The opinion map (agilegov.dialogue.opinion_map): pure, on small hand-made votes."""

import numpy as np
import pytest
from scipy import sparse

from agilegov.dialogue import opinion_map as om


def two_camps(
    per_camp: int = 20, statements: int = 12, seed: int = 3
) -> tuple[om.Votes, np.ndarray]:
    """Camp 0 agrees with the first half of the statements and disagrees with the
    second, camp 1 the reverse; one vote in ten goes the other way or passes."""
    rng = np.random.default_rng(seed)
    camp = np.repeat([0, 1], per_camp)
    participants, statement_ids, values = [], [], []
    for p, c in enumerate(camp):
        for s in range(statements):
            side = 1 if (s < statements // 2) == (c == 0) else -1
            roll = rng.random()
            values.append(side if roll < 0.9 else (0 if roll < 0.95 else -side))
            participants.append(p)
            statement_ids.append(s)
    votes = om.Votes(
        np.array(participants), np.array(statement_ids), np.array(values), len(camp), statements
    )
    return votes, camp


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to the numbering of the groups."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def with_votes(votes: om.Votes, extra: list[tuple[int, int, int]], **changes: object) -> om.Votes:
    p, s, v = zip(*extra, strict=True) if extra else ((), (), ())
    fields = {
        "participants": np.concatenate([votes.participants, np.array(p, dtype=np.int64)]),
        "statements": np.concatenate([votes.statements, np.array(s, dtype=np.int64)]),
        "values": np.concatenate([votes.values, np.array(v, dtype=np.int8)]),
        "n_participants": votes.n_participants,
        "n_statements": votes.n_statements,
        "moderated_out": votes.moderated_out,
    }
    fields.update(changes)
    return om.Votes(**fields)  # type: ignore[arg-type]


def test_two_camps_give_two_groups() -> None:
    votes, camp = two_camps()
    result = om.compute(votes)
    assert result.k == 2
    assert (result.groups >= 0).all()
    assert same_partition(result.groups, camp)
    assert result.algorithm_version == om.ALGORITHM_VERSION == "agilegov-opinion-map/2"
    assert result.seconds > 0
    # Each base cluster belongs to one group, and every clustered participant to one base cluster.
    assert (result.base_groups[result.base_clusters] == result.groups).all()


def test_moderated_statements_are_ignored() -> None:
    votes, camp = two_camps()
    # Statement 12 splits each camp in half and everyone agrees with statement 13: either
    # would change the map, and 13 would be a consensus, were they not moderated out.
    extra = [(p, 12, 1 if p % 2 else -1) for p in range(len(camp))]
    extra += [(p, 13, 1) for p in range(len(camp))]
    moderated = with_votes(votes, extra, n_statements=14, moderated_out=frozenset({12, 13}))
    result = om.compute(moderated)
    assert same_partition(result.groups, camp)
    assert (result.loadings[:, 12:] == 0).all()
    assert result.extremity[12] == result.extremity[13] == 0
    chosen = {s.statement for group in result.repness for s in group}
    chosen |= {s.statement for s in result.consensus.agree + result.consensus.disagree}
    assert chosen.isdisjoint({12, 13})
    shown = om.compute(with_votes(votes, extra, n_statements=14))
    assert 13 in {s.statement for s in shown.consensus.agree}


def test_participants_with_fewer_than_seven_votes_are_not_clustered() -> None:
    votes, camp = two_camps()
    newcomers = [(len(camp) + i, s, 1) for i in range(3) for s in range(6)]
    result = om.compute(with_votes(votes, newcomers, n_participants=len(camp) + 4))
    assert (result.groups[len(camp) : len(camp) + 3] == -1).all()
    assert (result.groups[: len(camp)] >= 0).all()
    # Placed on the map all the same; the one who never voted is nowhere.
    assert np.isfinite(result.projections[len(camp) : len(camp) + 3]).all()
    assert np.isnan(result.projections[len(camp) + 3]).all()


def test_participants_named_as_clustered_stay_in_whatever_their_votes() -> None:
    votes, camp = two_camps()
    n = len(camp)
    # Three newcomers with six votes each, on camp 1's side.
    newcomers = [(n + i, s, -1 if s < 6 else 1) for i in range(3) for s in range(6, 12)]
    table = with_votes(votes, newcomers, n_participants=n + 4)
    result = om.compute(table, clustered=[n, n + 1, n + 3])
    assert (result.groups[[n, n + 1]] >= 0).all()
    assert result.groups[n + 2] == -1  # not named, too few votes
    assert result.groups[n + 3] == -1  # named, but never voted: nowhere to put them
    assert result.groups[n] == result.groups[n + 1] == result.groups[n - 1]
    with pytest.raises(ValueError, match="clustered"):
        om.compute(table, clustered=[n + 4])
    by_ids = om.compute_from_ids(
        table.participants + 100, table.statements, table.values, clustered=[100 + n, 999]
    )
    assert by_ids.group_of()[100 + n] == by_ids.group_of()[100 + n - 1]
    assert 100 + n + 1 not in by_ids.group_of()


def test_a_participant_far_out_makes_no_group_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    votes, camp = two_camps(per_camp=30, statements=12, seed=5)
    n = len(camp)
    # Ten statements the two camps agree with; one participant disagrees with
    # seven of them and votes on nothing else, and is pushed far out.
    extra = [(p, s, 1) for p in range(n) for s in range(12, 22)]
    extra += [(n, s, -1) for s in range(12, 19)]
    table = with_votes(votes, extra, n_participants=n + 1, n_statements=22)
    result = om.compute(table)
    assert result.k == 2
    assert same_partition(result.groups[:n], camp)
    assert np.bincount(result.groups).min() >= om.MIN_GROUP_SHARE * (n + 1)
    assert set(result.silhouettes) == {2}  # no start gives three groups that large
    # Without the minimum, the silhouette would make that one participant a group.
    monkeypatch.setattr(om, "MIN_GROUP_SHARE", 0.0)
    alone = om.compute(table)
    assert alone.k == 3 and np.bincount(alone.groups).min() == 1


def test_the_silhouette_is_pol_is_mean_over_points() -> None:
    points = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0], [5.0, 0.0], [20.0, 0.0]])
    distances = np.abs(points[:, None, 0] - points[None, :, 0])
    # 0: a = 1, b = 4.5; 1: a = 1, b = 3.5; 2 and 3 alike; 4 alone scores 0.
    expected = (2 * (3.5 / 4.5) + 2 * (2.5 / 3.5) + 0.0) / 5
    labels = np.array([0, 0, 1, 1, 2])
    assert om.silhouette(distances, labels) == pytest.approx(expected)


def test_fewer_than_fifteen_qualified_takes_the_most_active() -> None:
    # Participant p casts p + 1 votes on 12 statements, so 6..11 qualify; eight more
    # cast one vote each. The 9 most active of the rest join them: 1..5, then four of
    # those with one vote, the first indexes first.
    votes = [(p, s, 1 if (s + p) % 3 else -1) for p in range(12) for s in range(p + 1)]
    votes += [(12 + i, i % 12, 1) for i in range(8)]
    p, s, v = (np.array(c) for c in zip(*votes, strict=True))
    result = om.compute(om.Votes(p, s, v, 20, 12))
    clustered = set(np.flatnonzero(result.groups >= 0).tolist())
    assert len(clustered) == 15
    assert set(range(12)) <= clustered
    assert clustered - set(range(12)) == {12, 13, 14}


def test_in_a_small_conversation_all_statements_is_enough() -> None:
    # Three statements with votes: three votes put a participant in.
    votes = [(p, s, 1 if (p < 10) == (s < 2) else -1) for p in range(20) for s in range(3)]
    p, s, v = (np.array(c) for c in zip(*votes, strict=True))
    result = om.compute(om.Votes(p, s, v, 20, 5))
    assert (result.groups >= 0).all()


def test_the_same_votes_give_the_same_map_in_any_order() -> None:
    votes, _ = two_camps(per_camp=60, statements=30, seed=11)
    first, second = om.compute(votes), om.compute(votes)
    order = np.random.default_rng(5).permutation(len(votes.values))
    shuffled = om.compute(
        om.Votes(
            votes.participants[order],
            votes.statements[order],
            votes.values[order],
            votes.n_participants,
            votes.n_statements,
        )
    )
    for other in (second, shuffled):
        assert other.k == first.k
        assert np.array_equal(other.groups, first.groups)
        assert np.array_equal(other.base_clusters, first.base_clusters)
        assert np.allclose(other.projections, first.projections)
        assert np.allclose(other.loadings, first.loadings)
        assert other.repness == first.repness
        assert other.consensus == first.consensus


def test_component_signs_are_fixed() -> None:
    votes, _ = two_camps()
    flipped = om.Votes(
        votes.participants, votes.statements, -votes.values, votes.n_participants, 12
    )
    for result in (om.compute(votes), om.compute(flipped)):
        for component in result.loadings:
            assert component[np.argmax(np.abs(component))] > 0
    # Flipping every vote flips the data, not the map's orientation.
    assert np.allclose(np.abs(om.compute(votes).loadings), np.abs(om.compute(flipped).loadings))
    assert om.fix_signs(np.array([[0.1, -0.5, 0.2], [0.0, 0.0, 0.0]])).tolist() == [
        [-0.1, 0.5, -0.2],
        [0.0, 0.0, 0.0],
    ]


def test_projection_is_scaled_by_the_votes_cast() -> None:
    votes, camp = two_camps()
    # A newcomer votes on 8 of the 12 statements.
    newcomer = [(len(camp), s, 1 if s < 6 else -1) for s in range(8)]
    result = om.compute(with_votes(votes, newcomer, n_participants=len(camp) + 1))
    mine = np.arange(8)
    values = np.array([1, 1, 1, 1, 1, 1, -1, -1])
    raw = (values - result.center[mine]) @ result.loadings[:, mine].T
    assert np.allclose(result.projections[len(camp)], raw * np.sqrt(12 / 8))
    # Someone who voted on everything is not scaled at all.
    first = votes.statements[votes.participants == 0]
    firsts = votes.values[votes.participants == 0]
    unscaled = (firsts - result.center[first]) @ result.loadings[:, first].T
    assert np.allclose(result.projections[0], unscaled)


def test_moderated_columns_count_as_votes_when_scaling() -> None:
    # Pol.is zeroes a moderated statement for everyone: it counts as a vote cast.
    votes, _ = two_camps()
    moderated = [(0, 12, 1)]
    result = om.compute(
        with_votes(votes, moderated, n_statements=13, moderated_out=frozenset({12}))
    )
    p = 1  # voted on the 12 kept statements, and "passed" on the moderated one
    mine = votes.statements[votes.participants == p]
    raw = (votes.values[votes.participants == p] - result.center[mine]) @ result.loadings[:, mine].T
    assert np.allclose(result.projections[p], raw * np.sqrt(13 / 13))


def known_case() -> tuple[om.Votes, np.ndarray]:
    """Two camps of 10 on four statements, plus statement 4 everyone agrees with
    and statement 5 everyone disagrees with (one pass on each)."""
    camp = np.repeat([0, 1], 10)
    rows = []
    for p, c in enumerate(camp):
        rows += [(p, 0, 1 if c == 0 else -1), (p, 1, 1 if c == 0 else -1)]
        rows += [(p, 2, -1 if c == 0 else 1), (p, 3, -1 if c == 0 else 1)]
        rows += [(p, 4, 0 if p == 0 else 1), (p, 5, 0 if p == 19 else -1)]
        rows += [(p, 6, 1 if p % 2 else -1)]
    p, s, v = (np.array(c) for c in zip(*rows, strict=True))
    return om.Votes(p, s, v, 20, 7), camp


def test_representative_statements_and_consensus_on_a_known_case() -> None:
    votes, camp = known_case()
    result = om.compute(votes)
    assert result.k == 2 and same_partition(result.groups, camp)
    group_of_camp0 = int(result.groups[0])
    mine = result.repness[group_of_camp0]
    theirs = result.repness[1 - group_of_camp0]
    assert {(s.statement, s.direction) for s in mine} == {
        (0, "agree"),
        (1, "agree"),
        (2, "disagree"),
        (3, "disagree"),
    }
    assert {(s.statement, s.direction) for s in theirs} == {
        (2, "agree"),
        (3, "agree"),
        (0, "disagree"),
        (1, "disagree"),
    }
    # Agreements first; the best agreement leads.
    assert [s.direction for s in mine] == ["agree", "agree", "disagree", "disagree"]
    assert mine[0].best_agree
    first = next(s for s in mine if s.statement == 0)
    assert (first.n_success, first.n_trials) == (10, 10)
    assert first.p_success == pytest.approx(11 / 12)
    assert first.repness == pytest.approx((11 / 12) / (1 / 12))
    assert first.p_test == pytest.approx(float(om.prop_test(np.array(10.0), np.array(10.0))))
    # Everyone agrees with 4 and disagrees with 5.
    assert [c.statement for c in result.consensus.agree] == [4]
    assert [c.statement for c in result.consensus.disagree] == [5]
    agree = result.consensus.agree[0]
    assert (agree.n_success, agree.n_trials, agree.p_success) == (19, 20, pytest.approx(20 / 22))


def test_group_aware_consensus_is_the_product_over_groups() -> None:
    votes, _ = known_case()
    result = om.compute(votes)
    for s in range(votes.n_statements):
        expected = 1.0
        for g in range(result.k):
            members = np.flatnonzero(result.groups == g)
            on_s = np.isin(votes.participants, members) & (votes.statements == s)
            agrees = int((votes.values[on_s] == 1).sum())
            expected *= (agrees + 1) / (int(on_s.sum()) + 2)
        assert result.group_aware_consensus[s] == pytest.approx(expected)


def test_pol_is_z_tests() -> None:
    # prop-test: 2 sqrt(n + 1) ((s + 1) / (n + 1) - 1/2)
    assert float(om.prop_test(np.array(7.0), np.array(9.0))) == pytest.approx(
        2 * np.sqrt(10) * (8 / 10 - 0.5)
    )
    # two-prop-test with one pseudo-vote each; 0 where everyone succeeded.
    z = float(om.two_prop_test(np.array(8.0), np.array(2.0), np.array(9.0), np.array(9.0)))
    pooled = 12 / 20
    assert z == pytest.approx((9 / 10 - 3 / 10) / np.sqrt(pooled * (1 - pooled) * (2 / 10)))
    assert float(om.two_prop_test(np.array(3.0), np.array(3.0), np.array(3.0), np.array(3.0))) == 0


def test_the_sparse_path_equals_the_dense_one() -> None:
    rng = np.random.default_rng(42)
    rows, columns = 700, 600
    opinion = np.outer(rng.normal(size=rows), rng.normal(size=columns)) * 2
    opinion += np.outer(rng.normal(size=rows), rng.normal(size=columns))
    mask = rng.random((rows, columns)) < 0.1
    matrix = sparse.csr_matrix(np.where(mask, opinion + rng.normal(size=(rows, columns)), 0.0))
    dense = om.principal_components(matrix, dense=True)
    sparse_ = om.principal_components(matrix, dense=False)
    assert np.allclose(dense, sparse_, atol=1e-8)
    # And both are the top right singular vectors, signs fixed.
    _, _, vt = np.linalg.svd(matrix.toarray(), full_matrices=False)
    assert np.allclose(dense, om.fix_signs(vt[:2]), atol=1e-8)


def test_latest_votes_keeps_the_last_vote_of_each_pair() -> None:
    p, s, v = om.latest_votes(
        [1, 0, 1, 0, 1], [2, 2, 2, 2, 3], [1, -1, -1, 0, 1], [10, 5, 30, 5, 1]
    )
    assert list(zip(p.tolist(), s.tolist(), v.tolist(), strict=True)) == [
        (0, 2, 0),  # equal times: the later in the input
        (1, 2, -1),
        (1, 3, 1),
    ]


def test_bad_votes_are_refused() -> None:
    with pytest.raises(ValueError, match="at most once"):
        om.Votes(np.array([0, 0]), np.array([1, 1]), np.array([1, -1]), 1, 2)
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        om.Votes(np.array([0]), np.array([1]), np.array([2]), 1, 2)
    with pytest.raises(ValueError, match="out of range"):
        om.Votes(np.array([3]), np.array([1]), np.array([1]), 2, 2)


def test_compute_from_ids_speaks_the_callers_ids() -> None:
    votes, camp = known_case()
    participant_ids = 1000 + 7 * votes.participants
    statement_ids = 50 + 3 * votes.statements
    result = om.compute_from_ids(
        participant_ids,
        statement_ids,
        votes.values,
        participants=[5],  # no vote yet
        statements=[9999],
        moderated=[50 + 3 * 6],
    )
    assert result.participant_ids.tolist() == [5, *range(1000, 1000 + 7 * 20, 7)]
    assert result.statement_ids.tolist() == [*range(50, 50 + 3 * 7, 3), 9999]
    groups = result.group_of()
    assert 5 not in groups and len(groups) == 20
    assert same_partition(np.array([groups[1000 + 7 * p] for p in range(20)]), camp)
    assert {s.statement for group in result.repness for s in group} == {50, 53, 56, 59}
    assert [c.statement for c in result.consensus.agree] == [62]


def test_no_votes_give_an_empty_map() -> None:
    result = om.compute(om.Votes(np.array([]), np.array([]), np.array([]), 3, 2))
    assert result.k == 0
    assert (result.groups == -1).all()
    assert result.repness == ()
    assert result.consensus == om.Consensus((), ())
