"""Sealing the audit log and signing checkpoints.

Entries are plain inserts inside the use cases' own transactions, so they commit in any order and
a rolled-back transaction leaves a gap in the ids. The sealer therefore never trusts ids: in its
own transaction, holding the sealer's state row, it takes the committed entries that were never
sealed (oldest id first, which is deterministic for what it can see), gives each the next
``position``, its Merkle leaf hash ``SM3(0x00 || entry)`` and its chain hash
``SM3(previous chain hash || entry)``, and advances the stored Merkle frontier and chain head. An
entry that commits late is simply sealed in a later round at a later position; a sealed entry is
never sealed again. Nothing on the settlement path waits for the sealer except, on SQLite, the
database's own single writer.

A checkpoint signs ``{tree_size, root, chain_head, signed_at}`` with the platform's SM2 key; it is
what inclusion proofs and the truncation check of :mod:`.audit_verify` are anchored to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncsettle.adapters import audit_witness
from syncsettle.adapters.db.management import audit_log as repo
from syncsettle.adapters.settings import KeyRing
from syncsettle.domain.trust import GENESIS_HASH, SM3_TREE, chain_hash
from syncsettle.domain.trust.canonical import canonical_json, instant
from syncsettle.domain.trust.frontier import append_leaf, frontier_root
from syncsettle.services.platform import Platform

CHECKPOINT_TYPE = "syncsettle.audit.checkpoint.v1"
ENTRY_FIELDS = ("actor_role", "actor_tenant", "credential_id", "action", "purpose", "recipient", "psn_no",
                "consent_id", "granularity", "outcome", "reason")  # fmt: skip


def entry_statement(row: dict[str, Any]) -> dict[str, Any]:
    """What an entry says, as hashed: every column but the sealing ones (position and hashes)."""
    return {
        "id": int(row["id"]),
        "created_at": instant(row["created_at"]),
        "record_ids": [str(r) for r in row["record_ids"]],
        "fields": [str(f) for f in row["fields"]],
        **{name: row[name] for name in ENTRY_FIELDS},
    }


def entry_bytes(row: dict[str, Any]) -> bytes:
    return canonical_json(entry_statement(row))


def _frontier(stored: list[list[Any]]) -> list[tuple[int, bytes]]:
    return [(int(size), bytes.fromhex(root)) for size, root in stored]


def seal(p: Platform, batch: int = 1000) -> int:
    """Seal every committed, unsealed entry; returns how many were sealed."""
    with p.uow(readonly=True) as uow:  # the background sealer mostly finds nothing: no write lock for that
        if not repo.any_unsealed(uow.conn):
            return 0
    total = 0
    while True:
        now = p.clock.now()
        with p.uow() as uow:
            state = repo.lock_state(uow.conn, GENESIS_HASH.hex(), now)
            rows = repo.unsealed(uow.conn, batch)
            if not rows:
                return total
            size, head, frontier = int(state["size"]), bytes.fromhex(state["chain_head"]), _frontier(state["frontier"])
            seals = []
            for row in rows:
                data = entry_bytes(row)
                leaf = SM3_TREE.leaf_hash(data)
                head = chain_hash(head, data)
                frontier = append_leaf(frontier, leaf)
                seals.append({"entry_id": int(row["id"]), "pos": size, "leaf": leaf.hex(), "chain": head.hex()})
                size += 1
            if repo.assign(uow.conn, seals) not in (len(seals), -1):  # -1: the driver does not count executemany
                raise RuntimeError("audit entries were sealed concurrently")  # the state lock forbids it
            repo.save_state(uow.conn, size, head.hex(), [[s, r.hex()] for s, r in frontier], now)
            uow.commit()
            total += len(rows)


def checkpoint_statement(tree_size: int, root_hex: str, chain_head_hex: str, signed_at: datetime) -> bytes:
    return canonical_json({"type": CHECKPOINT_TYPE, "tree_size": tree_size, "root": root_hex,
                           "chain_head": chain_head_hex, "signed_at": instant(signed_at)})  # fmt: skip


def sign_checkpoint(keys: KeyRing, tree_size: int, root_hex: str, chain_head_hex: str, at: datetime) -> dict[str, Any]:
    statement = checkpoint_statement(tree_size, root_hex, chain_head_hex, at)
    return {"tree_size": tree_size, "root": root_hex, "chain_head": chain_head_hex, "signed_at": at,
            "signature": keys.signer("platform").sign(statement).hex(),
            "public_key": keys.public("platform").to_hex()}  # fmt: skip


def checkpoint(p: Platform) -> dict[str, Any] | None:
    """Seal, then sign the tree head if it grew since the last checkpoint; returns the latest
    checkpoint (``None`` while the log is empty). With a witness file configured
    (``SYNCSETTLE_AUDIT_WITNESS``) the latest checkpoint is also appended there, once."""
    seal(p)
    now = p.clock.now()
    with p.uow() as uow:
        state = repo.lock_state(uow.conn, GENESIS_HASH.hex(), now)
        latest = repo.latest_checkpoint(uow.conn)
        size = int(state["size"])
        if size == 0 or (latest is not None and int(latest["tree_size"]) >= size):
            row = latest
        else:
            root = frontier_root(_frontier(state["frontier"])).hex()
            row = sign_checkpoint(p.settings.keys, size, root, state["chain_head"], now)
            repo.add_checkpoint(uow.conn, row)
            uow.commit()
    if row is not None and p.settings.audit_witness:
        witness(p.settings.audit_witness, row)
    return row


def witness(path: str, row: dict[str, Any]) -> None:
    """Append a checkpoint to the witness file unless that size is witnessed already."""
    seen, _ = audit_witness.read(path)
    if all(int(cp["tree_size"]) != int(row["tree_size"]) for cp in seen):
        audit_witness.append(path, public_checkpoint(row))


def public_checkpoint(row: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint as published (timestamps in the signed text form)."""
    return {"tree_size": int(row["tree_size"]), "root": row["root"], "chain_head": row["chain_head"],
            "signed_at": instant(row["signed_at"]), "signature": row["signature"],
            "public_key": row["public_key"]}  # fmt: skip
