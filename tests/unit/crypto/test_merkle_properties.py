"""Property tests of the Merkle tree with the production hash (SM3).

Every inclusion and consistency proof the tree generates must verify, and changing the leaf, the
index, the root or any single proof element must make it fail. The root is also checked against an
independent bottom-up construction, so generation and verification are not only consistent with
each other.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsettle.domain.trust.merkle import (
    SHA256_TREE,
    SM3_TREE,
    TreeHasher,
    consistency_proof,
    hash_leaves,
    inclusion_proof,
    root_from_leaf_hashes,
    tree_head,
    verify_consistency,
    verify_inclusion,
)

H = SM3_TREE

entries_st = st.lists(st.binary(max_size=24), min_size=1, max_size=40)
unique_entries_st = st.lists(st.binary(max_size=24), min_size=2, max_size=40, unique=True)


def _bottom_up_root(leaf_hashes: list[bytes], hasher: TreeHasher) -> bytes:
    """Root by pairing level by level and carrying an odd last node up unchanged (equivalent to RFC 6962)."""
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [hasher.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _flip_bit(data: bytes, bit: int) -> bytes:
    i = (bit // 8) % len(data)
    return data[:i] + bytes([data[i] ^ (1 << (bit % 8))]) + data[i + 1 :]


@given(entries_st)
def test_root_matches_bottom_up_construction(entries: list[bytes]) -> None:
    for hasher in (SM3_TREE, SHA256_TREE):
        leaves = hash_leaves(entries, hasher)
        assert root_from_leaf_hashes(leaves, hasher) == _bottom_up_root(leaves, hasher)


@given(entries_st)
def test_every_inclusion_proof_verifies(entries: list[bytes]) -> None:
    leaves = hash_leaves(entries, H)
    root = root_from_leaf_hashes(leaves, H)
    for index, leaf in enumerate(leaves):
        assert verify_inclusion(leaf, index, len(leaves), inclusion_proof(leaves, index, H), root, H)


@given(entries_st, st.data())
def test_changed_leaf_fails(entries: list[bytes], data: st.DataObject) -> None:
    leaves = hash_leaves(entries, H)
    root = root_from_leaf_hashes(leaves, H)
    index = data.draw(st.integers(0, len(entries) - 1))
    other = data.draw(st.binary(max_size=24).filter(lambda b: b != entries[index]))
    proof = inclusion_proof(leaves, index, H)
    assert not verify_inclusion(H.leaf_hash(other), index, len(leaves), proof, root, H)
    # The log edited in place has a different head, so the old signed head exposes it.
    edited = [*entries[:index], other, *entries[index + 1 :]]
    assert tree_head(edited, H) != root


@given(entries_st, st.data())
def test_changed_proof_element_fails(entries: list[bytes], data: st.DataObject) -> None:
    leaves = hash_leaves(entries, H)
    root = root_from_leaf_hashes(leaves, H)
    index = data.draw(st.integers(0, len(entries) - 1))
    proof = inclusion_proof(leaves, index, H)
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 8 * H.digest_size - 1))
        changed = [*proof[:position], _flip_bit(proof[position], bit), *proof[position + 1 :]]
        assert not verify_inclusion(leaves[index], index, len(leaves), changed, root, H)
    assert not verify_inclusion(leaves[index], index, len(leaves), proof, _flip_bit(root, 0), H)


@given(unique_entries_st, st.data())
def test_wrong_index_fails(entries: list[bytes], data: st.DataObject) -> None:
    leaves = hash_leaves(entries, H)
    root = root_from_leaf_hashes(leaves, H)
    index = data.draw(st.integers(0, len(entries) - 1))
    wrong = data.draw(st.integers(0, len(entries) - 1).filter(lambda i: i != index))
    proof = inclusion_proof(leaves, index, H)
    assert not verify_inclusion(leaves[index], wrong, len(leaves), proof, root, H)


@settings(max_examples=50)
@given(entries_st)
def test_every_consistency_proof_verifies(entries: list[bytes]) -> None:
    leaves = hash_leaves(entries, H)
    new_root = root_from_leaf_hashes(leaves, H)
    for old in range(len(leaves) + 1):
        old_root = root_from_leaf_hashes(leaves[:old], H)
        proof = consistency_proof(leaves, old, H)
        assert verify_consistency(old, len(leaves), old_root, new_root, proof, H)


@given(entries_st, st.data())
def test_changed_consistency_proof_element_fails(entries: list[bytes], data: st.DataObject) -> None:
    leaves = hash_leaves(entries, H)
    new = len(leaves)
    old = data.draw(st.integers(0, new))
    old_root, new_root = root_from_leaf_hashes(leaves[:old], H), root_from_leaf_hashes(leaves, H)
    proof = consistency_proof(leaves, old, H)
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 8 * H.digest_size - 1))
        changed = [*proof[:position], _flip_bit(proof[position], bit), *proof[position + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, changed, H)
    if 0 < old < new:
        assert not verify_consistency(old, new, _flip_bit(old_root, 0), new_root, proof, H)
        assert not verify_consistency(old, new, old_root, _flip_bit(new_root, 0), proof, H)


@given(entries_st, st.data())
def test_rewritten_history_is_not_consistent(entries: list[bytes], data: st.DataObject) -> None:
    """A later tree that changed an entry of the earlier one has no valid consistency proof from it."""
    old = data.draw(st.integers(1, len(entries)))
    index = data.draw(st.integers(0, old - 1))
    other = data.draw(st.binary(max_size=24).filter(lambda b: b != entries[index]))
    old_root = tree_head(entries[:old], H)
    rewritten = hash_leaves([*entries[:index], other, *entries[index + 1 :]], H)
    new_root = root_from_leaf_hashes(rewritten, H)
    proof = consistency_proof(rewritten, old, H)
    assert not verify_consistency(old, len(rewritten), old_root, new_root, proof, H)
