"""Clusters of complaints: several people complaining about the same goal,
measure or risk within a short time means the measures are failing them.

Pure: the complaints in, the clusters out; no database, no I/O.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

Subject = tuple[str, int]


@dataclass(frozen=True)
class Filed:
    """A complaint as filed: when, and which goal, measure or risk it names
    (None when it names none)."""

    complaint_id: int
    filed_at: datetime
    subject: Subject | None


@dataclass(frozen=True)
class Cluster:
    """At least the threshold of complaints about one subject (None: the
    scope as a whole), ids ascending."""

    subject: Subject | None
    complaint_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        return subject_key(self.subject)


def subject_key(subject: Subject | None) -> str:
    """A stable key for a subject: "goal:3", "measure:5", "risk:2", or "scope"
    for complaints that name none."""
    if subject is None:
        return "scope"
    kind, subject_id = subject
    return f"{kind}:{subject_id}"


def clusters(
    complaints: Iterable[Filed], threshold: int, window: timedelta, now: datetime
) -> list[Cluster]:
    """The subjects with at least ``threshold`` complaints filed from
    ``now - window`` to ``now``, both ends included; complaints that name no
    subject are one group, about the scope. Ordered by subject (kind, then id),
    the scope last."""
    if threshold < 2:
        raise ValueError("a cluster needs a threshold of at least 2 complaints")
    if window <= timedelta(0):
        raise ValueError("the window of a cluster must be longer than zero")
    groups: defaultdict[Subject | None, list[int]] = defaultdict(list)
    for complaint in complaints:
        if now - window <= complaint.filed_at <= now:
            groups[complaint.subject].append(complaint.complaint_id)
    return [
        Cluster(subject, tuple(sorted(ids)))
        for subject, ids in sorted(groups.items(), key=_subject_order)
        if len(ids) >= threshold
    ]


def _subject_order(group: tuple[Subject | None, list[int]]) -> tuple[bool, Subject]:
    subject = group[0]
    return (subject is None, subject or ("", 0))
