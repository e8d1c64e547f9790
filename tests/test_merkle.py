"""The Merkle maths of the record: RFC 6962 trees, proofs and their verification.

Pure tests, no database. The transparency-dev vectors live in ../shared/data/merkle
next to the repository; where that folder is absent those tests are skipped.
"""

import base64
import json
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from agilegov.record.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MissingNodeError,
    NodeRef,
    ProofError,
    consistency_nodes,
    consistency_proof,
    frontier_nodes,
    hashes_by_last_leaf,
    inclusion_nodes,
    inclusion_proof,
    last_leaf,
    leaf_hash,
    node_hash,
    perfect_nodes_after_append,
    root,
    root_from_frontier,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "merkle"
NO_DATA = f"Merkle test vectors not found at {DATA}"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=NO_DATA)

MAX_SIZE = 128


# --- helpers -----------------------------------------------------------------------------


def _vector_params(kind: str) -> list[Any]:
    """One parameter per vector file of ``kind``, named by its path; a skip if none."""
    if not DATA.is_dir():
        return [pytest.param(None, id="no-data", marks=pytest.mark.skip(reason=NO_DATA))]
    files = sorted((DATA / kind).rglob("*.json"))
    return [pytest.param(path, id=str(path.relative_to(DATA / kind))[:-5]) for path in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _b64_list(values: Sequence[str] | None) -> list[bytes]:
    return [_b64(value) for value in values or []]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _roots_json() -> tuple[list[bytes], list[bytes]]:
    """The reference leaf hashes and the roots over their first n, n = 0..8."""
    data = _load(DATA / "roots.json")
    leaves = [leaf_hash(bytes.fromhex(text)) for text in data["leaf_inputs_hex"]]
    roots = [bytes.fromhex(text) for text in data["root_hashes_hex_by_size"]]
    return leaves, roots


def _leaves(count: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(count)]


def _store(leaves: Sequence[bytes], batches: Sequence[int] = ()) -> dict[NodeRef, bytes]:
    """Every stored node of a log grown by these leaves, in batches of the given sizes
    (cycled), or one leaf at a time."""
    store: dict[NodeRef, bytes] = {}
    size = 0
    step = 0
    while size < len(leaves):
        count = batches[step % len(batches)] if batches else 1
        step += 1
        batch = leaves[size : size + count]
        appended = perfect_nodes_after_append(size, batch, store)
        for level, index, value in appended.nodes:
            assert (level, index) not in store, "a stored node must never be written twice"
            store[(level, index)] = value
        size += len(batch)
        assert list(appended.frontier) == frontier_nodes(size)
        assert root_from_frontier(list(appended.frontier.values())) == root(leaves[:size])
    return store


@cache
def _big() -> tuple[list[bytes], dict[NodeRef, bytes], list[bytes]]:
    """The leaves, stored nodes and roots for every size of the property tests."""
    leaves = _leaves(MAX_SIZE)
    store = _store(leaves)
    roots = [root(leaves[:size]) for size in range(MAX_SIZE + 1)]
    return leaves, store, roots


def _fetch(store: dict[NodeRef, bytes], refs: Sequence[NodeRef]) -> dict[NodeRef, bytes]:
    """What one database query for ``refs`` would return."""
    return {ref: store[ref] for ref in refs}


def _flip(value: bytes, position: int) -> bytes:
    """``value`` with one bit flipped; the position varies so all bytes get hit."""
    bit = position % (8 * len(value))
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def _ref_bound(size: int) -> int:
    return 2 * max(size - 1, 1).bit_length() + 2


# Straight from the RFC 6962 definitions, recursively: a reference for the fast code.


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _rfc_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*_rfc_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_rfc_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _rfc_subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_rfc_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_rfc_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


# --- transparency-dev vectors ---------------------------------------------------------------


@pytest.mark.parametrize("path", _vector_params("inclusion"))
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)
    arguments = (
        case["leafIdx"],
        case["treeSize"],
        _b64(case["leafHash"]),
        _b64_list(case["proof"]),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*arguments)
    else:
        verify_inclusion(*arguments)


@pytest.mark.parametrize("path", _vector_params("consistency"))
def test_consistency_vector(path: Path) -> None:
    case = _load(path)
    arguments = (
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        _b64_list(case["proof"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*arguments)
    else:
        verify_consistency(*arguments)


@needs_data
def test_roots_json_by_root_and_by_frontier() -> None:
    leaves, roots = _roots_json()
    assert len(roots) == 9
    store = _store(leaves)
    for size, expected in enumerate(roots):
        assert root(leaves[:size]) == expected
        assert _mth(leaves[:size]) == expected
        frontier = [store[ref] for ref in frontier_nodes(size)]
        assert root_from_frontier(frontier) == expected


@needs_data
def test_happy_path_vectors_are_the_proofs_we_generate() -> None:
    """The reference's happy paths over the roots.json leaves are exactly our proofs."""
    leaves, roots = _roots_json()
    store = _store(leaves)
    checked = 0
    for path in sorted((DATA / "inclusion").glob("*/happy-path.json")):
        case = _load(path)
        index, size = case["leafIdx"], case["treeSize"]
        if size < len(roots) and _b64(case["root"]) == roots[size]:
            nodes = _fetch(store, inclusion_nodes(index, size))
            assert inclusion_proof(index, size, nodes) == _b64_list(case["proof"]), path
            checked += 1
    for path in sorted((DATA / "consistency").glob("*/happy-path.json")):
        case = _load(path)
        old, new = case["size1"], case["size2"]
        if new < len(roots) and _b64(case["root2"]) == roots[new]:
            nodes = _fetch(store, consistency_nodes(old, new))
            assert consistency_proof(old, new, nodes) == _b64_list(case["proof"]), path
            checked += 1
    assert checked >= 6


# --- small exact cases ----------------------------------------------------------------------

# Proof lengths by tree size, for each leaf index.
INCLUSION_LENGTHS = {
    1: [0],
    2: [1, 1],
    3: [2, 2, 1],
    4: [2, 2, 2, 2],
    5: [3, 3, 3, 3, 1],
    6: [3, 3, 3, 3, 2, 2],
    7: [3, 3, 3, 3, 3, 3, 2],
    8: [3, 3, 3, 3, 3, 3, 3, 3],
}

# Consistency proof lengths by (old size, new size), old < new <= 8.
CONSISTENCY_LENGTHS = {
    (1, 2): 1, (1, 3): 2, (1, 4): 2, (1, 5): 3, (1, 6): 3, (1, 7): 3, (1, 8): 3,
    (2, 3): 1, (2, 4): 1, (2, 5): 2, (2, 6): 2, (2, 7): 2, (2, 8): 2,
    (3, 4): 3, (3, 5): 4, (3, 6): 4, (3, 7): 4, (3, 8): 4,
    (4, 5): 1, (4, 6): 1, (4, 7): 1, (4, 8): 1,
    (5, 6): 3, (5, 7): 4, (5, 8): 4,
    (6, 7): 3, (6, 8): 3,
    (7, 8): 4,
}  # fmt: skip

# The RFC 6962 section 2.1.3 example tree of 7 leaves, its nodes named as leaf ranges:
# a..f = d0..d5, g = [0, 2), h = [2, 4), i = [4, 6), j = d6, k = [0, 4), l = [4, 7).
A, B, C, D, E, F = ((n, n + 1) for n in range(6))
G, H, I, J, K, L = (0, 2), (2, 4), (4, 6), (6, 7), (0, 4), (4, 7)  # noqa: E741

RFC_INCLUSION = [
    (0, 7, [B, H, L]),
    (3, 7, [C, G, L]),
    (4, 7, [F, J, K]),
    (6, 7, [I, K]),
    (0, 1, []),
    (2, 3, [(0, 2)]),
    (5, 8, [E, (6, 8), K]),
]
RFC_CONSISTENCY = [
    (3, 7, [C, D, G, L]),
    (4, 7, [L]),
    (6, 7, [I, J, K]),
    (7, 7, []),
    (1, 8, [(1, 2), (2, 4), (4, 8)]),
    (2, 8, [(2, 4), (4, 8)]),
    (5, 8, [E, F, (6, 8), K]),
    (7, 8, [J, (7, 8), I, K]),
]


@pytest.mark.parametrize("size", sorted(INCLUSION_LENGTHS))
def test_inclusion_proof_lengths(size: int) -> None:
    leaves = _leaves(size)
    store = _store(leaves)
    lengths = []
    for index in range(size):
        proof = inclusion_proof(index, size, _fetch(store, inclusion_nodes(index, size)))
        verify_inclusion(index, size, leaves[index], proof, root(leaves))
        lengths.append(len(proof))
    assert lengths == INCLUSION_LENGTHS[size]


@pytest.mark.parametrize(
    ("old", "new"), list(CONSISTENCY_LENGTHS), ids=[f"{o}-to-{n}" for o, n in CONSISTENCY_LENGTHS]
)
def test_consistency_proof_lengths(old: int, new: int) -> None:
    leaves = _leaves(new)
    store = _store(leaves)
    proof = consistency_proof(old, new, _fetch(store, consistency_nodes(old, new)))
    verify_consistency(old, new, root(leaves[:old]), root(leaves), proof)
    assert len(proof) == CONSISTENCY_LENGTHS[(old, new)]


@pytest.mark.parametrize(
    ("index", "size", "ranges"), RFC_INCLUSION, ids=[f"{i}-in-{s}" for i, s, _ in RFC_INCLUSION]
)
def test_inclusion_proof_nodes_by_name(
    index: int, size: int, ranges: list[tuple[int, int]]
) -> None:
    leaves = _leaves(size)
    proof = inclusion_proof(index, size, _fetch(_store(leaves), inclusion_nodes(index, size)))
    assert proof == [root(leaves[start:end]) for start, end in ranges]


@pytest.mark.parametrize(
    ("old", "new", "ranges"), RFC_CONSISTENCY, ids=[f"{o}-to-{n}" for o, n, _ in RFC_CONSISTENCY]
)
def test_consistency_proof_nodes_by_name(old: int, new: int, ranges: list[tuple[int, int]]) -> None:
    leaves = _leaves(new)
    proof = consistency_proof(old, new, _fetch(_store(leaves), consistency_nodes(old, new)))
    assert proof == [root(leaves[start:end]) for start, end in ranges]


def test_hash_definitions() -> None:
    assert HASH_SIZE == 32
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT
    assert root_from_frontier([]) == EMPTY_ROOT
    one = leaf_hash(b"")
    assert one.hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert root([one]) == one
    assert root([one, one]) == node_hash(one, one) != leaf_hash(one + one)


def test_frontier_nodes_small_sizes() -> None:
    assert frontier_nodes(0) == []
    assert frontier_nodes(1) == [(0, 0)]
    assert frontier_nodes(6) == [(2, 0), (1, 2)]
    assert frontier_nodes(7) == [(2, 0), (1, 2), (0, 6)]
    assert frontier_nodes(8) == [(3, 0)]
    assert frontier_nodes(1_000_000) == [
        (19, 0), (18, 2), (17, 6), (16, 14), (14, 60), (9, 1952), (6, 15624)
    ]  # fmt: skip


# --- properties over every size up to MAX_SIZE ----------------------------------------------


def _inclusion_cases() -> Iterator[tuple[int, int]]:
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            yield index, size


def test_every_inclusion_proof_verifies_and_tampering_fails() -> None:
    leaves, store, roots = _big()
    for index, size in _inclusion_cases():
        refs = inclusion_nodes(index, size)
        assert len(refs) == len(set(refs)) <= _ref_bound(size)
        proof = inclusion_proof(index, size, _fetch(store, refs))
        leaf, good_root = leaves[index], roots[size]
        verify_inclusion(index, size, leaf, proof, good_root)
        assert root_from_inclusion(index, size, leaf, proof) == good_root

        def rejected(*arguments: Any) -> bool:
            try:
                verify_inclusion(*arguments)
            except ProofError:
                return True
            return False

        for position in range(len(proof)):
            bad = list(proof)
            bad[position] = _flip(bad[position], index * 31 + size * 7 + position)
            assert rejected(index, size, leaf, bad, good_root), (index, size, position)
        assert rejected(index, size, _flip(leaf, size), proof, good_root)
        assert rejected(index, size, leaf, proof, _flip(good_root, index))
        assert rejected(index, size, leaf, [*proof, leaf], good_root)
        if proof:
            assert rejected(index, size, leaf, proof[:-1], good_root)
        for other in (index - 1, index + 1):
            if other >= 0:
                assert rejected(other, size, leaf, proof, good_root), (index, size, other)
        # RFC 9162 binds the size only through the root (the two are signed together), so
        # a different size is checked against the true root of that size.
        for other in (size - 1, size + 1):
            if other <= MAX_SIZE:
                assert rejected(index, other, leaf, proof, roots[other]), (index, size, other)


def test_every_consistency_proof_verifies_and_tampering_fails() -> None:
    _, store, roots = _big()
    for new in range(1, MAX_SIZE + 1):
        for old in range(1, new + 1):
            refs = consistency_nodes(old, new)
            assert len(refs) == len(set(refs)) <= _ref_bound(new)
            proof = consistency_proof(old, new, _fetch(store, refs))
            old_root, new_root = roots[old], roots[new]
            verify_consistency(old, new, old_root, new_root, proof)

            def rejected(*arguments: Any) -> bool:
                try:
                    verify_consistency(*arguments)
                except ProofError:
                    return True
                return False

            for position in range(len(proof)):
                bad = list(proof)
                bad[position] = _flip(bad[position], old * 31 + new * 7 + position)
                assert rejected(old, new, old_root, new_root, bad), (old, new, position)
            assert rejected(old, new, _flip(old_root, new), new_root, proof)
            assert rejected(old, new, old_root, _flip(new_root, old), proof)
            assert rejected(old, new, old_root, new_root, [*proof, old_root])
            if proof:
                assert rejected(old, new, old_root, new_root, proof[:-1])
            if old != new:
                assert rejected(new, old, new_root, old_root, proof)
            for other_old, other_new in (
                (old - 1, new),
                (old + 1, new),
                (old, new - 1),
                (old, new + 1),
            ):
                if 0 <= other_old <= MAX_SIZE and other_new <= MAX_SIZE:
                    arguments = (other_old, other_new, roots[other_old], roots[other_new])
                    assert rejected(*arguments, proof), (old, new, other_old, other_new)


def test_proofs_match_the_rfc_definitions() -> None:
    leaves, store, _ = _big()
    for size in range(1, 48):
        for index in range(size):
            nodes = _fetch(store, inclusion_nodes(index, size))
            assert inclusion_proof(index, size, nodes) == _rfc_path(index, leaves[:size])
        for old in range(1, size + 1):
            nodes = _fetch(store, consistency_nodes(old, size))
            expected = _rfc_subproof(old, leaves[:size], True)
            assert consistency_proof(old, size, nodes) == expected


@pytest.mark.parametrize(
    "batches",
    [[2], [3], [5, 1, 7], [16], [33, 2, 64, 1], [MAX_SIZE]],
    ids=lambda batches: "-".join(map(str, batches)),
)
def test_batched_appends_store_the_same_nodes(batches: list[int]) -> None:
    leaves, store, _ = _big()
    assert _store(leaves, batches) == store


def test_store_holds_exactly_the_complete_subtrees() -> None:
    leaves, store, _ = _big()
    expected = {
        (level, index)
        for level in range(MAX_SIZE.bit_length())
        for index in range(MAX_SIZE >> level)
    }
    assert set(store) == expected
    for (level, index), value in store.items():
        assert value == _mth(leaves[index << level : (index + 1) << level])


# --- refusals -------------------------------------------------------------------------------


def test_generation_refuses_impossible_requests() -> None:
    for index, size in [(0, 0), (3, 3), (-1, 4)]:
        with pytest.raises(ValueError):
            inclusion_nodes(index, size)
    for old, new in [(0, 0), (0, 4), (5, 4), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_nodes(old, new)
    with pytest.raises(MissingNodeError):
        inclusion_proof(0, 4, {})
    with pytest.raises(MissingNodeError):
        perfect_nodes_after_append(3, [leaf_hash(b"x")], {})
    with pytest.raises(ValueError):
        perfect_nodes_after_append(0, [b"short"], {})
    with pytest.raises(ValueError):
        frontier_nodes(-1)


def test_verifiers_refuse_bad_shapes() -> None:
    leaves, store, roots = _big()
    proof = inclusion_proof(2, 5, _fetch(store, inclusion_nodes(2, 5)))
    with pytest.raises(ProofError, match="not below"):
        verify_inclusion(5, 5, leaves[2], proof, roots[5])
    with pytest.raises(ProofError, match="bytes"):
        verify_inclusion(2, 5, leaves[2] + b"\x00", proof, roots[5])
    with pytest.raises(ProofError, match="bytes"):
        verify_inclusion(2, 5, leaves[2], [*proof[:-1], proof[-1][:31]], roots[5])
    with pytest.raises(ProofError, match="bytes"):
        verify_inclusion(2, 5, leaves[2], proof, roots[5][:16])
    with pytest.raises(ProofError, match="larger"):
        verify_consistency(5, 4, roots[5], roots[4], [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 4, EMPTY_ROOT, roots[4], [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(4, 4, roots[4], roots[4], [roots[4]])
    with pytest.raises(ProofError, match="roots differ"):
        verify_consistency(4, 4, roots[4], roots[5], [])
    verify_consistency(4, 4, roots[4], roots[4], [])
    with pytest.raises(ProofError, match="empty"):
        verify_consistency(3, 5, roots[3], roots[5], [])


# --- nodes grouped by the leaf that completes them ----------------------------------------


@pytest.mark.parametrize(
    ("ref", "leaf"),
    [((0, 0), 0), ((0, 9), 9), ((1, 0), 1), ((1, 4), 9), ((2, 1), 7), ((3, 0), 7), ((4, 1), 31)],
)
def test_last_leaf(ref: NodeRef, leaf: int) -> None:
    assert last_leaf(ref) == leaf


@pytest.mark.parametrize("batches", [(), (3,), (5, 2, 8), (64,)])
def test_each_leaf_holds_exactly_the_nodes_it_completes(batches: Sequence[int]) -> None:
    leaves, store, _ = _big()
    size, step, frontier = 0, 0, {}
    entries: list[bytes] = []
    while size < MAX_SIZE:
        count = min(batches[step % len(batches)] if batches else 1, MAX_SIZE - size)
        step += 1
        appended = perfect_nodes_after_append(size, leaves[size : size + count], frontier)
        entries += hashes_by_last_leaf(appended, size, count)
        size, frontier = size + count, appended.frontier
    for leaf, entry in enumerate(entries):
        trailing_ones = (leaf ^ (leaf + 1)).bit_length() - 1
        assert len(entry) == HASH_SIZE * (trailing_ones + 1)
        for level in range(trailing_ones + 1):
            node = entry[level * HASH_SIZE : (level + 1) * HASH_SIZE]
            assert node == store[(level, leaf >> level)]
    assert sum(len(entry) for entry in entries) == HASH_SIZE * len(store)
