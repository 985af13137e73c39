"""The right edge of an append-only Merkle tree, so a log can grow and know its root in O(log n).

A tree of ``n`` leaves in RFC 6962 shape is a row of perfect subtrees whose sizes are the binary
digits of ``n``, largest first (13 leaves = 8 + 4 + 1). Keeping just their roots — the *frontier* —
is enough to append a leaf (merge equal-sized neighbours, like carrying in binary addition) and to
compute the tree head ``MTH`` (fold the roots from the right). :mod:`.merkle` computes the same root
from all leaf hashes; the two are checked against each other by property tests. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncsettle.domain.trust.merkle import SM3_TREE, TreeHasher

Frontier = list[tuple[int, bytes]]
"""``(subtree size, subtree root)`` pairs, sizes strictly decreasing powers of two."""


def append_leaf(frontier: Sequence[tuple[int, bytes]], leaf_hash: bytes, hasher: TreeHasher = SM3_TREE) -> Frontier:
    """The frontier after appending one leaf (given by its leaf hash)."""
    stack = [*frontier, (1, leaf_hash)]
    while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
        size, right = stack.pop()
        _, left = stack.pop()
        stack.append((2 * size, hasher.node_hash(left, right)))
    return stack


def frontier_size(frontier: Sequence[tuple[int, bytes]]) -> int:
    return sum(size for size, _ in frontier)


def frontier_root(frontier: Sequence[tuple[int, bytes]], hasher: TreeHasher = SM3_TREE) -> bytes:
    """The tree head ``MTH`` of the tree whose right edge is ``frontier``."""
    if not frontier:
        return hasher.empty_root()
    acc = frontier[-1][1]
    for _size, root in reversed(frontier[:-1]):
        acc = hasher.node_hash(root, acc)
    return acc
