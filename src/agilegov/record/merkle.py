"""Merkle tree maths for the verifiable record (RFC 6962 / RFC 9162), with no I/O.

The record is an append-only log whose tree is the RFC 6962 Merkle Tree Hash over
the leaf hashes in order. The store keeps the hash of every complete subtree: a
perfect, aligned subtree is addressed by ``(level, index)`` and covers leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes.
Those nodes never change once written, so:

- appending needs only the *frontier* of the old tree (at most one node per level);
- a proof needs O(log n) stored nodes, named up front by :func:`inclusion_nodes`
  or :func:`consistency_nodes` so the caller fetches them in one query, and
  :func:`inclusion_proof` / :func:`consistency_proof` then hash only the few
  perfect pieces of the incomplete subtree on the right edge;
- the current root needs the popcount(size) frontier nodes (:func:`frontier_nodes`,
  :func:`root_from_frontier`);
- every node is complete when its last leaf is appended, so the store can keep
  the nodes grouped by that leaf (:func:`hashes_by_last_leaf`), one entry per leaf,
  written in leaf order.

Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2, plus the checks the
transparency-dev reference makes (32-byte hashes, no consistency proof from size 0).
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

HASH_SIZE = 32
"""Bytes in a SHA-256 digest: every leaf hash, node hash, root and proof element."""

NodeRef = tuple[int, int]
"""``(level, index)`` of a stored complete subtree."""

Node = tuple[int, int, bytes]
"""``(level, index, hash)``: one row to store."""

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT = _sha256(b"").digest()
"""The root of the empty tree: RFC 6962 defines MTH({}) as the hash of the empty string."""


class ProofError(ValueError):
    """A proof, or the claim it is checked against, does not hold; the message says why."""


class MissingNodeError(KeyError):
    """A stored node that the computation needs was not passed in."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry; the 0x00 prefix keeps leaves apart from inner nodes."""
    return _sha256(_LEAF_PREFIX + data).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of each entry, in one comprehension (no call per entry)."""
    return [_sha256(_LEAF_PREFIX + data).digest() for data in entries]


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node; the 0x01 prefix keeps it apart from any leaf."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _pair_up(hashes: Sequence[bytes]) -> list[bytes]:
    """Hash neighbours (0, 1), (2, 3), ... one level up; an odd last hash is dropped."""
    pairs = zip(hashes[0::2], hashes[1::2], strict=False)
    return [_sha256(_NODE_PREFIX + a + b).digest() for a, b in pairs]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of already-hashed leaves, computed level by level without recursion.

    At each level an odd last node has no partner: it is one perfect piece of the
    right edge. The pieces, collected right to left, fold into the root.
    """
    pieces: list[bytes] = []
    level = list(leaf_hashes)
    while level:
        if len(level) & 1:
            pieces.append(level.pop())
        level = _pair_up(level)
    return root_from_frontier(pieces[::-1])


def frontier_nodes(size: int) -> list[NodeRef]:
    """The perfect subtrees that, left to right, make up a tree of ``size`` leaves.

    One per set bit of ``size``, largest first; with the nodes already stored, these
    are all that is needed for the root and for appending.
    """
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    refs: list[NodeRef] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            refs.append((level, start >> level))
            start += 1 << level
    return refs


def root_from_frontier(hashes: Sequence[bytes]) -> bytes:
    """The root of a tree from the hashes of its :func:`frontier_nodes`, folding right to left."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for piece in reversed(hashes[:-1]):
        result = node_hash(piece, result)
    return result


def _pieces(start: int, end: int) -> list[NodeRef]:
    """The perfect subtrees, left to right, that make up the leaf range ``[start, end)``.

    Only valid for ranges that occur in RFC 6962 trees: ``start`` is aligned to a
    power of two at least ``end - start``, so each piece, largest first, is aligned.
    """
    refs: list[NodeRef] = []
    width = end - start
    while width:  # one piece per set bit of the width, the highest first
        level = width.bit_length() - 1
        refs.append((level, start >> level))
        start += 1 << level
        width -= 1 << level
    return refs


# Cached: a caller names the nodes to fetch, then builds the proof from them,
# and both steps walk the same ranges.
@lru_cache(maxsize=64)
def _consistency_ranges(old_size: int, new_size: int) -> tuple[tuple[int, int], ...]:
    """The leaf ranges whose hashes form RFC 6962 PROOF(old_size, D[new_size]), in order.

    SUBPROOF unrolled: the elements found on the way down come out in reverse, after
    the subtree at the bottom, which is only included once the walk has gone right
    (otherwise the verifier already knows it as the old root).
    """
    if not 0 < old_size <= new_size:
        raise ValueError(
            f"a consistency proof needs 0 < old size <= new size, got {old_size} and {new_size}"
        )
    ranges: list[tuple[int, int]] = []
    start, width, old = 0, new_size, old_size
    went_right = False
    while old != width:
        half = 1 << ((width - 1).bit_length() - 1)
        if old <= half:
            ranges.append((start + half, start + width))
            width = half
        else:
            ranges.append((start, start + half))
            start += half
            old -= half
            width -= half
            went_right = True
    ranges.reverse()
    if went_right:
        ranges.insert(0, (start, start + width))
    return tuple(ranges)


def _refs_for(ranges: Sequence[tuple[int, int]]) -> list[NodeRef]:
    """The stored nodes needed for the hashes of these ranges, once each, in order."""
    refs: dict[NodeRef, None] = {}
    for start, end in ranges:
        width = end - start
        if width and not width & (width - 1):  # a perfect subtree, as most ranges are
            level = width.bit_length() - 1
            refs[(level, start >> level)] = None
        else:
            refs.update(dict.fromkeys(_pieces(start, end)))
    return list(refs)


def _hashes_for(ranges: Sequence[tuple[int, int]], nodes: Mapping[NodeRef, bytes]) -> list[bytes]:
    """The hash of each range, folding the perfect pieces of a right-edge range."""
    hashes: list[bytes] = []
    for start, end in ranges:
        width = end - start
        try:
            if width and not width & (width - 1):  # a perfect subtree: one stored node
                level = width.bit_length() - 1
                hashes.append(nodes[(level, start >> level)])
            else:
                hashes.append(root_from_frontier([nodes[ref] for ref in _pieces(start, end)]))
        except KeyError as missing:
            raise MissingNodeError(f"stored node {missing.args[0]} was not passed in") from None
    return hashes


# Cached: a caller names the nodes to fetch, then builds the proof from them.
@lru_cache(maxsize=64)
def _inclusion_plan(index: int, size: int) -> tuple[tuple[NodeRef, ...], int, int]:
    """The stored nodes of PATH(index, D[size]), leaf end first, and where the
    pieces of its one incomplete subtree lie in that list (start, count).

    Below level ``inner`` (where ``index`` and the last leaf part) every sibling
    is a proof element and all are complete but the highest, which may reach
    past the last leaf: it is made of the perfect pieces of its leaves. Above,
    a left sibling is an element wherever ``index`` has a one bit.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    inner = (index ^ (size - 1)).bit_length()
    refs: list[NodeRef] = []
    piece_start = piece_count = 0
    for level in range(inner):
        sibling = (index >> level) ^ 1
        first = sibling << level
        if first + (1 << level) <= size:
            refs.append((level, sibling))
        else:  # the right edge
            pieces = _pieces(first, size)
            piece_start, piece_count = len(refs), len(pieces)
            refs.extend(pieces)
    rest, level = index >> inner, inner
    while rest:
        if rest & 1:
            refs.append((level, rest ^ 1))
        rest >>= 1
        level += 1
    return tuple(refs), piece_start, piece_count


def inclusion_nodes(index: int, size: int) -> list[NodeRef]:
    """The stored nodes that :func:`inclusion_proof` needs, to fetch in one query.

    At most about 2 * log2(size): one per level plus the pieces of one right-edge subtree.
    """
    return list(_inclusion_plan(index, size)[0])


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeRef, bytes]) -> list[bytes]:
    """The RFC 6962 audit path of leaf ``index`` in the tree of ``size`` leaves.

    ``nodes`` must hold at least the :func:`inclusion_nodes` of the same arguments.
    """
    refs, piece_start, piece_count = _inclusion_plan(index, size)
    try:
        hashes = [nodes[ref] for ref in refs]
    except KeyError as missing:
        raise MissingNodeError(f"stored node {missing.args[0]} was not passed in") from None
    if piece_count:
        end = piece_start + piece_count
        hashes[piece_start:end] = [root_from_frontier(hashes[piece_start:end])]
    return hashes


def consistency_nodes(old_size: int, new_size: int) -> list[NodeRef]:
    """The stored nodes that :func:`consistency_proof` needs, to fetch in one query."""
    return _refs_for(_consistency_ranges(old_size, new_size))


def consistency_proof(old_size: int, new_size: int, nodes: Mapping[NodeRef, bytes]) -> list[bytes]:
    """The RFC 6962 proof that the tree of ``old_size`` leaves is a prefix of ``new_size``.

    Equal sizes give the empty proof; an old size of 0 is refused, as verifiers refuse it.
    """
    return _hashes_for(_consistency_ranges(old_size, new_size), nodes)


class Run(NamedTuple):
    """Consecutive new nodes of one level: ``hashes[k]`` is node ``(level, first + k)``."""

    level: int
    first: int
    hashes: list[bytes]


class Appended(NamedTuple):
    """What an append produces: rows to store and the frontier of the grown tree."""

    runs: list[Run]
    """Every new complete subtree, one run per level, level 0 (the leaves) first."""
    frontier: dict[NodeRef, bytes]
    """The :func:`frontier_nodes` of the new size with their hashes, left to right;
    pass it to the next append, or its values to :func:`root_from_frontier`."""

    @property
    def nodes(self) -> list[Node]:
        """The new nodes as ``(level, index, hash)`` rows, level by level."""
        return [
            node
            for level, first, hashes in self.runs
            for node in zip(repeat(level), range(first, first + len(hashes)), hashes)
        ]


def perfect_nodes_after_append(
    size_before: int, new_leaf_hashes: Sequence[bytes], frontier: Mapping[NodeRef, bytes]
) -> Appended:
    """The complete subtrees that appending these leaf hashes at ``size_before`` creates.

    ``frontier`` must hold the :func:`frontier_nodes` of ``size_before`` (more is
    fine): they are the only old nodes a new node can have as its left child.
    Works a whole level at a time: about one SHA-256 call per new leaf, inside list
    comprehensions, and no per-leaf Python function calls, whatever the batch size.
    """
    if size_before < 0:
        raise ValueError(f"tree size must not be negative, got {size_before}")
    if any(size != HASH_SIZE for size in set(map(len, new_leaf_hashes))):
        raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")

    def old(level: int, index: int) -> bytes:
        try:
            return frontier[(level, index)]
        except KeyError:
            raise MissingNodeError(
                f"frontier node {(level, index)} of size {size_before} was not passed in"
            ) from None

    runs: list[Run] = []
    new_frontier: list[tuple[NodeRef, bytes]] = []
    level = 0
    low, high = size_before, size_before + len(new_leaf_hashes)
    current = list(new_leaf_hashes)  # hashes of nodes low .. high - 1 at this level
    while high:
        if current:
            runs.append(Run(level, low, current))
        if high & 1:
            last = high - 1
            new_frontier.append(((level, last), current[-1] if last >= low else old(level, last)))
        if current and low & 1:
            current = [old(level, low - 1), *current]
        current = _pair_up(current)
        level += 1
        low >>= 1
        high >>= 1
    new_frontier.reverse()
    return Appended(runs, dict(new_frontier))


def last_leaf(ref: NodeRef) -> int:
    """The last leaf under a stored node: the leaf whose append completes it."""
    level, index = ref
    return ((index + 1) << level) - 1


def hashes_by_last_leaf(appended: Appended, first_leaf: int, count: int) -> list[bytes]:
    """The new nodes grouped by the leaf that completes them, for leaves
    ``first_leaf .. first_leaf + count - 1`` (the leaves that made ``appended``).

    Leaf ``i`` completes the nodes ``(level, i >> level)`` for level 0 up to the
    number of trailing one bits of ``i``; its entry is their hashes concatenated,
    lowest level first, so node ``(level, index)`` is bytes ``32 * level`` onwards
    of the entry of ``last_leaf((level, index))``.
    """
    grouped = [b""] * count
    for level, first, hashes in appended.runs:
        start = last_leaf((level, first)) - first_leaf
        stop = start + (len(hashes) << level)
        column = slice(start, stop, 1 << level)
        grouped[column] = [below + own for below, own in zip(grouped[column], hashes, strict=True)]
    return grouped


def _check_size(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, not {HASH_SIZE}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, element in enumerate(proof):
        _check_size(f"proof element {position}", element)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof implies (RFC 9162 section 2.1.3.2, steps 1 to 3).

    Raises :class:`ProofError` when the proof cannot be a path of leaf ``index`` in a
    tree of ``size`` leaves: index out of range, wrong length or malformed hashes.
    """
    if index < 0 or size < 0:
        raise ProofError(f"index and size must not be negative, got {index} and {size}")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_size("leaf hash", leaf)
    _check_proof_hashes(proof)
    node, last = index, size - 1
    result = leaf
    for element in proof:
        if last == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if node & 1 or node == last:
            result = node_hash(element, result)
            while not node & 1 and node:
                node >>= 1
                last >>= 1
        else:
            result = node_hash(result, element)
        node >>= 1
        last >>= 1
    if last != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf`` is entry ``index`` of the tree of ``size`` leaves with this root.

    Returns nothing when the proof holds; raises :class:`ProofError` otherwise.
    """
    _check_size("root", root_hash)
    if root_from_inclusion(index, size, leaf, proof) != root_hash:
        raise ProofError("inclusion proof does not lead to the given root")


def _roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Both roots that a consistency proof implies (RFC 9162 section 2.1.4.2, steps 1 to 5)."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old tree is a stored subtree
        path.insert(0, old_root)
    if not path:
        raise ProofError("consistency proof is empty but the sizes differ")
    node, last = old_size - 1, new_size - 1
    while node & 1:
        node >>= 1
        last >>= 1
    old_result = new_result = path[0]
    for element in path[1:]:
        if last == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if node & 1 or node == last:
            old_result = node_hash(element, old_result)
            new_result = node_hash(element, new_result)
            while not node & 1 and node:
                node >>= 1
                last >>= 1
        else:
            new_result = node_hash(new_result, element)
        node >>= 1
        last >>= 1
    if last != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    return old_result, new_result


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves with ``old_root`` is a prefix of the new one.

    Returns nothing when the proof holds; raises :class:`ProofError` otherwise. A
    proof from size 0 is refused: it would prove nothing. For equal sizes only the
    empty proof and equal roots are accepted; the roots are then just compared, as
    the reference verifier does, so their length is not checked in that case.
    """
    if old_size < 0 or new_size < 0:
        raise ProofError(f"sizes must not be negative, got {old_size} and {new_size}")
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofError("sizes are equal, so the consistency proof must be empty")
        if old_root != new_root:
            raise ProofError("sizes are equal but the roots differ")
        return
    _check_size("old root", old_root)
    _check_size("new root", new_root)
    _check_proof_hashes(proof)
    old_result, new_result = _roots_from_consistency(old_size, new_size, old_root, proof)
    if old_result != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if new_result != new_root:
        raise ProofError("consistency proof does not lead to the new root")
