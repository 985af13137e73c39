"""Tamper evidence for the audit log: RFC 6962/9162 Merkle tree and a hash chain, both pure.

The tree gives inclusion and consistency proofs an outside verifier can check; the chain makes a
row-by-row scan name the first edited, deleted or reordered entry. SM3 is the production hash.
Signing checkpoints (SM2) is an adapter concern and lives in :mod:`syncsettle.adapters.crypto`.
"""

from syncsettle.domain.trust.hashchain import GENESIS_HASH, build_chain, chain_hash, first_bad_entry
from syncsettle.domain.trust.hashing import HashFn, sha256, sm3
from syncsettle.domain.trust.merkle import (
    SHA256_TREE,
    SM3_TREE,
    TreeHasher,
    consistency_proof,
    hash_leaves,
    inclusion_proof,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    tree_head,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "GENESIS_HASH",
    "SHA256_TREE",
    "SM3_TREE",
    "HashFn",
    "TreeHasher",
    "build_chain",
    "chain_hash",
    "consistency_proof",
    "first_bad_entry",
    "hash_leaves",
    "inclusion_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "sha256",
    "sm3",
    "tree_head",
    "verify_consistency",
    "verify_inclusion",
]
