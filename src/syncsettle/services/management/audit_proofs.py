"""Inclusion proofs: one audit entry, proven to be in the log a signed checkpoint commits to.

A proof bundle carries the entry's canonical JSON, its index, the audit path and the checkpoint
with the platform's SM2 signature. :func:`verify_bundle` is all a person or the regulator needs:
check the signature with the platform's public key, hash the entry as a leaf
(``SM3(0x00 || entry)``), fold the path up to the root and compare (RFC 9162 §2.1.3.2). Proof
generation reads the leaf hashes of the checkpoint's tree (O(n) hashes per proof; a log serving
many proofs would keep subtree hashes).
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.crypto import Sm2PublicKey
from syncsettle.adapters.db.management import audit_log as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.trust import SM3_TREE, inclusion_proof, verify_inclusion
from syncsettle.domain.trust.canonical import parse_instant
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit_seal import checkpoint, checkpoint_statement, entry_bytes, public_checkpoint
from syncsettle.services.platform import Platform


def may_see(p: Platform, actor: Principal, row: dict[str, Any]) -> bool:
    """The person the entry is about, the insurer that received the data, a regulator of the
    person's insured region, the operator."""
    if actor.role is Role.INSURED:
        return bool(row["psn_no"] == actor.tenant)
    if actor.role is Role.INSURER:
        return bool(row["recipient"] == actor.tenant)
    if actor.role is Role.REGULATOR:
        if actor.owns("*"):
            return True
        if row["psn_no"] is None:
            return False
        with p.uow(readonly=True) as uow:
            person = people.person(uow.conn, row["psn_no"])
        return person is not None and actor.owns(person["insuplc_admdvs"])
    return actor.role is Role.OPERATOR


def proof(p: Platform, actor: Principal, entry_id: int) -> dict[str, Any]:
    """The inclusion proof of entry ``entry_id`` against the latest checkpoint (sealing and signing
    one first when the entry is newer than it)."""
    with p.uow(readonly=True) as uow:
        row = repo.entry(uow.conn, entry_id)
        latest = repo.latest_checkpoint(uow.conn)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"审计记录 {entry_id} 不存在", "entry_id")
    if not may_see(p, actor, row):
        raise ServiceError(Code.FORBIDDEN, f"无权查看审计记录 {entry_id}")
    if row["position"] is None or latest is None or int(row["position"]) >= int(latest["tree_size"]):
        latest = checkpoint(p)
        with p.uow(readonly=True) as uow:
            row = repo.entry(uow.conn, entry_id)
    assert row is not None and latest is not None and row["position"] is not None
    size, index = int(latest["tree_size"]), int(row["position"])
    with p.uow(readonly=True) as uow:
        leaves = [bytes.fromhex(h) for h in repo.leaf_hashes(uow.conn, size)]
    if len(leaves) != size:
        raise ServiceError(Code.STATE, "审计日志与检查点不一致，请运行 syncsettle audit verify", "entry_id")
    return {
        "entry_id": entry_id,
        "entry": entry_bytes(row).decode("utf-8"),
        "leaf_index": index,
        "leaf_hash": row["leaf_hash"],
        "proof": [h.hex() for h in inclusion_proof(leaves, index)],
        "checkpoint": public_checkpoint(latest),
        "hash": "SM3; leaf = SM3(0x00 || entry UTF-8), node = SM3(0x01 || left || right) (RFC 9162 §2.1)",
    }


def verify_bundle(public: Sm2PublicKey, bundle: Any) -> bool:
    """Whether a proof bundle shows its entry in a log the platform signed (nothing else needed)."""
    try:
        cp = bundle["checkpoint"]
        statement = checkpoint_statement(
            int(cp["tree_size"]), cp["root"], cp["chain_head"], parse_instant(cp["signed_at"])
        )
        if not public.verify(bytes.fromhex(cp["signature"]), statement):
            return False
        leaf = SM3_TREE.leaf_hash(str(bundle["entry"]).encode("utf-8"))
        path = [bytes.fromhex(h) for h in bundle["proof"]]
        return verify_inclusion(leaf, int(bundle["leaf_index"]), int(cp["tree_size"]), path, bytes.fromhex(cp["root"]))
    except (KeyError, TypeError, ValueError):
        return False


def checkpoints(p: Platform) -> list[dict[str, Any]]:
    """Every signed checkpoint, as the public sees it (tree size, root, chain head, time, signature)."""
    with p.uow(readonly=True) as uow:
        return [public_checkpoint(r) for r in repo.checkpoints(uow.conn)]


def latest_checkpoint(p: Platform) -> dict[str, Any] | None:
    """The latest signed tree head (None while the log is empty)."""
    with p.uow(readonly=True) as uow:
        row = repo.latest_checkpoint(uow.conn)
    return public_checkpoint(row) if row else None
