"""Clusters of complaints, alone: how many, within which window, about what,
in which order."""

from datetime import UTC, datetime, timedelta

import pytest

from agilegov.remedy.clusters import Cluster, Filed, Subject, clusters, subject_key

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def filed(complaint_id: int, subject: Subject | None, ago: timedelta = timedelta(hours=1)) -> Filed:
    return Filed(complaint_id, NOW - ago, subject)


@pytest.mark.parametrize(
    ("subject", "key"),
    [
        (("goal", 3), "goal:3"),
        (("measure", 5), "measure:5"),
        (("risk", 2), "risk:2"),
        (None, "scope"),
    ],
)
def test_subject_key(subject: Subject | None, key: str) -> None:
    assert subject_key(subject) == key
    assert Cluster(subject, (1, 2)).key == key


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (2, []),
        (3, [Cluster(("measure", 5), (1, 2, 3))]),
        (4, [Cluster(("measure", 5), (1, 2, 3, 4))]),
    ],
)
def test_a_cluster_starts_at_the_threshold(count: int, expected: list[Cluster]) -> None:
    complaints = [filed(n, ("measure", 5)) for n in range(1, count + 1)]
    assert clusters(complaints, 3, WEEK, NOW) == expected


@pytest.mark.parametrize(
    ("ago", "counted"),
    [
        (timedelta(0), True),
        (WEEK, True),
        (WEEK + timedelta(microseconds=1), False),
        (WEEK - timedelta(microseconds=1), True),
        # Filed after now (a clock ahead elsewhere): not yet in the window.
        (-timedelta(seconds=1), False),
    ],
)
def test_the_window_includes_both_ends(ago: timedelta, counted: bool) -> None:
    complaints = [filed(1, ("goal", 3)), filed(2, ("goal", 3), ago)]
    expected = [Cluster(("goal", 3), (1, 2))] if counted else []
    assert clusters(complaints, 2, WEEK, NOW) == expected


def test_complaints_naming_no_subject_are_about_the_scope() -> None:
    complaints = [filed(4, None), filed(9, None), filed(5, ("risk", 2))]
    assert clusters(complaints, 2, WEEK, NOW) == [Cluster(None, (4, 9))]


@pytest.mark.parametrize(
    "complaints",
    [
        # Each subject one short of the threshold.
        [
            filed(1, ("goal", 1)),
            filed(2, ("goal", 1)),
            filed(3, ("goal", 2)),
            filed(4, ("goal", 2)),
        ],
        # The same id of another kind is another subject.
        [filed(1, ("goal", 1)), filed(2, ("measure", 1)), filed(3, ("risk", 1))],
        # Naming nothing is not naming everything.
        [filed(1, ("goal", 1)), filed(2, ("goal", 1)), filed(3, None)],
    ],
)
def test_complaints_about_other_subjects_do_not_add_up(complaints: list[Filed]) -> None:
    assert clusters(complaints, 3, WEEK, NOW) == []


def test_clusters_are_ordered_by_subject_the_scope_last_ids_ascending() -> None:
    subjects: list[Subject | None] = [None, ("risk", 1), ("goal", 10), ("measure", 1), ("goal", 2)]
    complaints = [
        filed(complaint_id, subject)
        for complaint_id, subject in zip([50, 40, 30, 20, 10], subjects, strict=True)
    ] + [
        filed(complaint_id, subject)
        for complaint_id, subject in zip([5, 4, 3, 2, 1], subjects, strict=True)
    ]
    assert clusters(complaints, 2, WEEK, NOW) == [
        Cluster(("goal", 2), (1, 10)),
        Cluster(("goal", 10), (3, 30)),
        Cluster(("measure", 1), (2, 20)),
        Cluster(("risk", 1), (4, 40)),
        Cluster(None, (5, 50)),
    ]


def test_no_complaints_no_clusters() -> None:
    assert clusters([], 2, WEEK, NOW) == []


@pytest.mark.parametrize(
    ("threshold", "window"),
    [(1, WEEK), (0, WEEK), (2, timedelta(0)), (2, -WEEK)],
)
def test_a_threshold_below_two_or_an_empty_window_is_refused(
    threshold: int, window: timedelta
) -> None:
    with pytest.raises(ValueError):
        clusters([filed(1, None), filed(2, None)], threshold, window, NOW)
