"""Merkle tree of an append-only log, as in RFC 6962 §2.1 and RFC 9162 §2.1 (Certificate Transparency).

Why a Merkle tree: every release or read of medical-insurance data is appended to the audit log.
An insured person or the regulator holding a signed tree head can check, with a handful of hashes,
that one entry is in the log (*inclusion proof*) and that a later head only appended to an earlier
one (*consistency proof*), without trusting the platform and without seeing other entries.

Definitions (``H`` is the pluggable hash: SM3 in production, SHA-256 for the reference vectors):

* leaf hash ``H(0x00 || entry)``, node hash ``H(0x01 || left || right)`` - the distinct prefixes stop a
  leaf from being passed off as an inner node (second-preimage attack);
* the root of ``n`` leaves, ``MTH(D[n])``: ``H()`` for ``n == 0``; the leaf hash for ``n == 1``;
  otherwise ``H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` with ``k`` the largest power of two below ``n``.

Proof generation takes the list of *leaf hashes* (what a log stores), so callers never need to keep
entries themselves. Generation is ``O(n)`` hashes per call, which is fine for a verifier or a test;
a log serving many proofs should keep subtree hashes instead. Verification follows the RFC 9162
algorithms (§2.1.3.2 and §2.1.4.2) and answers ``True``/``False``: a bad proof is an expected outcome,
not an error. Everything here is pure: no I/O, no clock, no keys.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from syncsettle.domain.trust.hashing import HashFn, sha256, sm3

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


@dataclass(frozen=True)
class TreeHasher:
    """The RFC 6962 leaf and node hashes over one hash function."""

    hash_fn: HashFn
    digest_size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest_size", len(self.hash_fn(b"")))

    def empty_root(self) -> bytes:
        """Root of the empty tree: the hash of the empty string."""
        return self.hash_fn(b"")

    def leaf_hash(self, entry: bytes) -> bytes:
        """``H(0x00 || entry)``."""
        return self.hash_fn(LEAF_PREFIX + entry)

    def node_hash(self, left: bytes, right: bytes) -> bytes:
        """``H(0x01 || left || right)``."""
        return self.hash_fn(NODE_PREFIX + left + right)


SM3_TREE = TreeHasher(sm3)
"""The production tree hasher."""

SHA256_TREE = TreeHasher(sha256)
"""The hasher of the RFC 6962 reference vectors."""


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int, hasher: TreeHasher) -> bytes:
    """``MTH(D[start:end])`` for a non-empty range."""
    if end - start == 1:
        return leaf_hashes[start]
    k = _split(end - start)
    left = _subtree_root(leaf_hashes, start, start + k, hasher)
    right = _subtree_root(leaf_hashes, start + k, end, hasher)
    return hasher.node_hash(left, right)


def hash_leaves(entries: Sequence[bytes], hasher: TreeHasher = SM3_TREE) -> list[bytes]:
    """The leaf hash of every entry, in order."""
    return [hasher.leaf_hash(entry) for entry in entries]


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes], hasher: TreeHasher = SM3_TREE) -> bytes:
    """The tree head ``MTH`` of a log whose leaf hashes are ``leaf_hashes``."""
    if not leaf_hashes:
        return hasher.empty_root()
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes), hasher)


def tree_head(entries: Sequence[bytes], hasher: TreeHasher = SM3_TREE) -> bytes:
    """The tree head ``MTH(D[n])`` of the log made of ``entries`` (raw entry bytes)."""
    return root_from_leaf_hashes(hash_leaves(entries, hasher), hasher)


def _path(index: int, leaf_hashes: Sequence[bytes], start: int, end: int, hasher: TreeHasher) -> list[bytes]:
    """RFC 6962 ``PATH(index, D[start:end])``: sibling hashes from the leaf up to the root."""
    if end - start == 1:
        return []
    k = _split(end - start)
    if index < k:
        below = _path(index, leaf_hashes, start, start + k, hasher)
        return [*below, _subtree_root(leaf_hashes, start + k, end, hasher)]
    below = _path(index - k, leaf_hashes, start + k, end, hasher)
    return [*below, _subtree_root(leaf_hashes, start, start + k, hasher)]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, hasher: TreeHasher = SM3_TREE) -> list[bytes]:
    """The audit path proving that leaf ``index`` (0-based) is in the tree of ``leaf_hashes``.

    Raises ``ValueError`` if ``index`` is not a leaf of that tree (a caller's mistake, not a bad proof).
    """
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf index {index} is outside a tree of {len(leaf_hashes)} leaves")
    return _path(index, leaf_hashes, 0, len(leaf_hashes), hasher)


def _subproof(
    old_size: int, leaf_hashes: Sequence[bytes], start: int, end: int, whole: bool, hasher: TreeHasher
) -> list[bytes]:
    """RFC 6962 ``SUBPROOF(m, D[start:end], b)``; ``whole`` is ``b``: the old tree is this very subtree."""
    n = end - start
    if old_size == n:
        return [] if whole else [_subtree_root(leaf_hashes, start, end, hasher)]
    k = _split(n)
    if old_size <= k:
        left = _subproof(old_size, leaf_hashes, start, start + k, whole, hasher)
        return [*left, _subtree_root(leaf_hashes, start + k, end, hasher)]
    right = _subproof(old_size - k, leaf_hashes, start + k, end, False, hasher)
    return [*right, _subtree_root(leaf_hashes, start, start + k, hasher)]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, hasher: TreeHasher = SM3_TREE) -> list[bytes]:
    """The proof that the tree of the first ``old_size`` leaves is a prefix of the tree of all of them.

    Empty when ``old_size`` is 0 or the whole tree (nothing to prove). Raises ``ValueError`` if
    ``old_size`` is negative or larger than the tree.
    """
    if not 0 <= old_size <= len(leaf_hashes):
        raise ValueError(f"old size {old_size} is outside 0..{len(leaf_hashes)}")
    if old_size in (0, len(leaf_hashes)):
        return []
    return _subproof(old_size, leaf_hashes, 0, len(leaf_hashes), True, hasher)


def _well_formed(hashes: Sequence[bytes], hasher: TreeHasher) -> bool:
    return all(len(h) == hasher.digest_size for h in hashes)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both ``fn`` and ``sn`` until ``fn`` is odd or zero (RFC 9162 steps 4.b.ii / 6.b.ii)."""
    while fn and not fn & 1:
        fn >>= 1
        sn >>= 1
    return fn, sn


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], hasher: TreeHasher = SM3_TREE
) -> bytes | None:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index``, or ``None`` if it is malformed.

    RFC 9162 §2.1.3.2. Malformed: index outside the tree, hashes of the wrong length, or a path of the
    wrong length for that index and size.
    """
    if not 0 <= index < tree_size or not _well_formed([leaf_hash, *proof], hasher):
        return None
    fn, sn = index, tree_size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = hasher.node_hash(sibling, result)
            fn, sn = _shift_while_even(fn, sn)
        else:
            result = hasher.node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
    hasher: TreeHasher = SM3_TREE,
) -> bool:
    """Whether ``proof`` shows the leaf hash ``leaf_hash`` at ``index`` in the tree of ``tree_size`` with ``root``.

    Take ``tree_size`` and ``root`` together from one signed tree head. As in every RFC 9162
    verifier, a proof can also pass for another size whose tree has the same shape along this
    leaf's path (leaf 0 of 3 and of 4, say); that is harmless because the signature binds the root
    to its size, but it means the size alone is not evidence.
    """
    computed = root_from_inclusion_proof(leaf_hash, index, tree_size, proof, hasher)
    return computed is not None and hmac.compare_digest(computed, root)


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    hasher: TreeHasher = SM3_TREE,
) -> bool:
    """Whether ``proof`` shows that the tree (``old_size``, ``old_root``) is a prefix of (``new_size``, ``new_root``).

    RFC 9162 §2.1.4.2, with its trivial cases: equal sizes need equal roots and an empty proof; an
    empty old tree is a prefix of anything (empty proof). A shrinking log never verifies.
    """
    if not 0 <= old_size <= new_size or not _well_formed([old_root, new_root, *proof], hasher):
        return False
    if old_size == new_size:
        return not proof and hmac.compare_digest(old_root, new_root)
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = hasher.node_hash(node, old_result)
            new_result = hasher.node_hash(node, new_result)
            fn, sn = _shift_while_even(fn, sn)
        else:
            new_result = hasher.node_hash(new_result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(old_result, old_root) and hmac.compare_digest(new_result, new_root)
