"""The audit log of every release or read of medical-insurance data (DESIGN.md §7).

An entry is written inside the transaction of the use case that releases or reads the data, as a
plain insert (no global lock on the settlement path). Sealing later gives each committed entry its
``position`` in the log, its Merkle ``leaf_hash`` and its hash-chain ``chain_hash`` (SM3); signed
checkpoints anchor the tree head. ``entry`` holds the canonical bytes that were hashed.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text

from syncsettle.adapters.db.core.schema import TS, metadata

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", TS, nullable=False),
    Column("actor_role", String(12), nullable=False),
    Column("actor_tenant", String(80), nullable=False),
    Column("credential_id", String(40), nullable=False),
    Column("action", String(20), nullable=False),  # release | read | refusal | export | decision | ...
    Column("purpose", String(20), nullable=False),  # settlement | underwriting | quick_claim | analytics | ...
    Column("recipient", String(80), nullable=False),  # who received the data (insurer id, role:tenant, ...)
    Column("psn_no", String(30), nullable=True),  # whose data, when one person's (for "who used my data")
    Column("consent_id", String(40), nullable=True),
    Column("granularity", String(24), nullable=True),
    Column("record_ids", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("outcome", String(12), nullable=False),  # released | refused
    Column("reason", Text, nullable=False, default=""),
    Column("position", BigInteger, nullable=True, unique=True),
    Column("leaf_hash", String(64), nullable=True),
    Column("chain_hash", String(64), nullable=True),
    Index("ix_audit_entries_psn", "psn_no", "created_at"),
)
