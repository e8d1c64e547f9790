"""What addressed requirements reach through crosswalks (pure)."""

from agilegov.library.catalogue import Relationship as R
from agilegov.library.coverage import Followed, reach


def test_gaps_are_the_applicable_requirements_nothing_addresses_in_document_order() -> None:
    followed = Followed(
        "fw@1", (5, 3, 9, 1), not_applicable=frozenset({9}), addressed=frozenset({3})
    )
    assert (followed.applicable, followed.met, followed.gaps) == (3, 1, (5, 1))


def test_each_relationship_covers_or_partly_covers_the_other_side() -> None:
    mappings = [
        (1, 101, R.equivalent_to),  # addressed 1 = 101: covered
        (2, 102, R.superset_of),  # 2 ⊇ 102: covered
        (3, 103, R.subset_of),  # 3 ⊆ 103: partly
        (4, 104, R.intersects_with),  # partly
        (5, 105, R.no_relationship),  # nothing
        (106, 6, R.subset_of),  # 106 ⊆ addressed 6, read backwards: covered
        (107, 7, R.superset_of),  # 107 ⊇ 7: partly
        (108, 8, R.equivalent_to),  # 8 is not addressed: nothing
        (3, 109, R.subset_of),  # partly by 3 ...
        (1, 109, R.superset_of),  # ... and covered by 1: covered wins
    ]
    [reached] = reach(
        {1, 2, 3, 4, 5, 6, 7}, mappings, {"other@1": [101, 102, 103, 104, 105, 106, 107, 108, 109]}
    )
    assert reached.covered == (101, 102, 106, 109)
    assert reached.partly == (103, 104, 107)
    assert reached.not_reached == (105, 108)
    assert reached.through[109] == (3, 1)


def test_one_step_only_not_chained() -> None:
    mappings = [(1, 10, R.equivalent_to), (10, 20, R.equivalent_to)]
    by_version = reach({1}, mappings, {"b@1": [10], "c@1": [20]})
    assert [(r.version, r.covered) for r in by_version] == [("b@1", (10,)), ("c@1", ())]
