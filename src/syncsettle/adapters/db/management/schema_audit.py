"""Sealing of the audit log (``audit_entries`` in ``schema_trust``): the sealer's state and the
SM2-signed checkpoints.

``audit_seal_state`` is one row (``id = 1``): how many entries are sealed, the hash-chain head and
the Merkle *frontier* (the roots of the perfect subtrees along the right edge of the tree), so
sealing one more entry costs O(log n) hashes. The sealer locks this row, which is what makes two
sealers (two server workers, the CLI) take turns — the settlement path never touches it.

``audit_checkpoints`` are signed tree heads: tree size, Merkle root and chain head at a time,
signed with the platform's SM2 key. An inclusion proof is always given against one of them.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, Text

from syncsettle.adapters.db.core.schema import TS, metadata

audit_seal_state = Table(
    "audit_seal_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("size", BigInteger, nullable=False),  # entries sealed: positions 0 .. size-1
    Column("chain_head", String(64), nullable=False),  # chain hash of position size-1 (hex), genesis when empty
    Column("frontier", JSON, nullable=False),  # [[subtree size, root hex], ...] largest first
    Column("updated_at", TS, nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False, unique=True),
    Column("root", String(64), nullable=False),  # Merkle tree head of positions 0 .. tree_size-1 (SM3, hex)
    Column("chain_head", String(64), nullable=False),  # chain hash of position tree_size-1 (hex)
    Column("signed_at", TS, nullable=False),
    Column("signature", Text, nullable=False),  # SM2 signature (DER, hex) of the canonical statement
    Column("public_key", String(130), nullable=False),  # the signer's public key, 04||X||Y hex
)
