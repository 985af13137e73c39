"""``syncsettle audit verify``: recompute the whole sealed log and compare it with what was stored
and what was signed.

One pass in position order checks, for every entry: its position is the next one (a deleted entry
leaves a gap, a position moved by hand breaks the sequence), its leaf hash is that of its content
(an edit changes it), its chain hash follows from the previous one (an edit, a deletion or a swap
breaks the link). At each checkpoint's size the recomputed Merkle root and chain head must equal
the signed ones, and the signature must be the platform's — which catches an edit whose hashes
were recomputed too, narrowed to the positions since the previous checkpoint. Finally a log shorter
than the latest checkpoint (or the sealer's own count) lost its tail.

The answer names the first bad position and the entry found there.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncsettle.adapters.crypto import Sm2PublicKey
from syncsettle.adapters.db import audit_log as repo
from syncsettle.domain.trust import GENESIS_HASH, SM3_TREE, chain_hash
from syncsettle.domain.trust.frontier import Frontier, append_leaf, frontier_root
from syncsettle.services.management.audit_seal import checkpoint_statement, entry_bytes
from syncsettle.services.platform import Platform

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Bad:
    position: int
    entry_id: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "entry_id": self.entry_id, "reason": self.reason}


def checkpoint_signed(public: Sm2PublicKey, cp: dict[str, Any]) -> bool:
    statement = checkpoint_statement(int(cp["tree_size"]), cp["root"], cp["chain_head"], cp["signed_at"])
    try:
        return public.verify(bytes.fromhex(cp["signature"]), statement)
    except ValueError:
        return False


def _entry_problem(index: int, row: dict[str, Any], head: bytes, data: bytes) -> str | None:
    if int(row["position"]) != index:
        return f"position {index} is missing; the next entry says {row['position']} (deleted or moved)"
    if not hmac.compare_digest(SM3_TREE.leaf_hash(data).hex(), str(row["leaf_hash"])):
        return "the entry's content does not match its leaf hash (edited after sealing)"
    if not hmac.compare_digest(chain_hash(head, data).hex(), str(row["chain_hash"])):
        return "the hash chain breaks here (an entry before it was removed, moved or edited)"
    return None


def verify(p: Platform, progress: Progress | None = None) -> dict[str, Any]:
    """``{"entries", "valid", "first_bad", "checkpoints", "unsealed", "root"}`` of the sealed log."""
    public = p.settings.keys.public("platform")
    with p.uow(readonly=True) as uow:
        conn = uow.conn
        cps = repo.checkpoints(conn)
        state = repo.state(conn)
        unsealed = repo.count_unsealed(conn)
        due = {int(cp["tree_size"]): cp for cp in cps}
        bad: Bad | None = next(
            (Bad(int(cp["tree_size"]) - 1, None, f"checkpoint of size {cp['tree_size']} has a bad signature")
             for cp in cps if not checkpoint_signed(public, cp)), None,
        )  # fmt: skip
        head, count, since = GENESIS_HASH, 0, 0
        frontier: Frontier = []
        for row in repo.sealed(conn):
            count += 1
            if progress and count % 2000 == 0:
                progress(2000)
            if bad is not None:
                continue
            data = entry_bytes(row)
            problem = _entry_problem(count - 1, row, head, data)
            if problem is not None:
                bad = Bad(count - 1, int(row["id"]), problem)
                continue
            head = chain_hash(head, data)
            frontier = append_leaf(frontier, SM3_TREE.leaf_hash(data))
            cp = due.get(count)
            if cp is not None:
                if frontier_root(frontier).hex() != cp["root"] or head.hex() != cp["chain_head"]:
                    bad = Bad(since, None, f"positions {since}..{count - 1} differ from the checkpoint of size "
                                           f"{count}: an entry was rewritten together with its hashes")  # fmt: skip
                since = count
    if progress:
        progress(count % 2000)
    expected = max([int(state["size"]) if state else 0, *due])
    if bad is None and count < expected:
        bad = Bad(count, None, f"the log ends at {count} entries but {expected} were sealed: its tail was cut off")
    return {"entries": count, "valid": bad is None, "first_bad": bad.as_dict() if bad else None,
            "checkpoints": len(cps), "unsealed": unsealed,
            "root": frontier_root(frontier).hex() if bad is None else None}  # fmt: skip
