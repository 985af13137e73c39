"""``syncsettle audit verify``: recompute the whole sealed log and compare it with what was stored
and what was signed.

One pass in position order checks, for every entry: its position is the next one (a deleted entry
leaves a gap, a position moved by hand breaks the sequence), its leaf hash is that of its content
(an edit changes it), its chain hash follows from the previous one (an edit, a deletion or a swap
breaks the link). At each checkpoint's size the recomputed Merkle root and chain head must equal
the signed ones, and the signature must be the platform's — which catches an edit whose hashes
were recomputed too, narrowed to the positions since the previous checkpoint. Finally a log shorter
than the latest checkpoint (or the sealer's own count) lost its tail.

Beyond the database (issue 15, defect 3):
- **the witness file** (``SYNCSETTLE_AUDIT_WITNESS``): every signed checkpoint is also appended to a
  file outside the database. Each witnessed checkpoint must verify, must still be in the database,
  and the log recomputed to its size must give its root and chain head. So deleting checkpoints,
  cutting the tail and lowering the sealer's size, or rehashing after deleting every checkpoint is
  found. Without a witness file the report says the checkpoints are only as safe as the database;
- **the sealer's state**: the recomputed chain head at the state's size must be the stored one,
  so an entry sealed after the last checkpoint edited without rewriting the state is found (one
  rewritten together with the state is not: only a later checkpoint can tell, so checkpoint often —
  the background sealer does);
- **verify seals nothing**: unsealed entries are counted and reported (``unsealed``), never sealed
  here, so a forged entry inserted unsealed is not given a position by the check that should doubt it.

The answer names the first bad position and the entry found there.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncsettle.adapters import audit_witness
from syncsettle.adapters.crypto import Sm2PublicKey
from syncsettle.adapters.db.management import audit_log as repo
from syncsettle.domain.trust import GENESIS_HASH, SM3_TREE, chain_hash
from syncsettle.domain.trust.canonical import canonical_json
from syncsettle.domain.trust.frontier import Frontier, append_leaf, frontier_root
from syncsettle.services.management.audit_seal import CHECKPOINT_TYPE, checkpoint_statement, entry_bytes
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


def _witness_signed(public: Sm2PublicKey, cp: dict[str, Any]) -> bool:
    statement = canonical_json({"type": CHECKPOINT_TYPE, "tree_size": int(cp["tree_size"]), "root": cp["root"],
                                "chain_head": cp["chain_head"], "signed_at": cp["signed_at"]})  # fmt: skip
    try:
        return public.verify(bytes.fromhex(str(cp["signature"])), statement)
    except ValueError:
        return False


def _against_witness(public: Sm2PublicKey, witnessed: list[dict[str, Any]], damaged: list[int],
                     due: dict[int, dict[str, Any]]) -> Bad | None:  # fmt: skip
    """A witnessed checkpoint that is forged, or that the database no longer holds as witnessed."""
    if damaged:
        return Bad(0, None, f"the witness file is damaged at line {damaged[0]}")
    for cp in witnessed:
        size = int(cp["tree_size"])
        if not _witness_signed(public, cp):
            return Bad(size - 1, None, f"the witnessed checkpoint of size {size} has a bad signature")
        mine = due.get(size)
        if mine is None:
            return Bad(size - 1, None, f"the witnessed checkpoint of size {size} is missing from the database "
                                       "(checkpoints deleted)")  # fmt: skip
        if mine["root"] != cp["root"] or mine["chain_head"] != cp["chain_head"]:
            return Bad(size - 1, None, f"the database's checkpoint of size {size} differs from the witnessed one")
    return None


def verify(p: Platform, progress: Progress | None = None, witness: str | None = None) -> dict[str, Any]:
    """``{"entries", "valid", "first_bad", "checkpoints", "witnessed", "unsealed", "root"}`` of the
    sealed log. ``witness``: the witness file (default: the configured ``SYNCSETTLE_AUDIT_WITNESS``).
    Read-only: it seals nothing."""
    public = p.settings.keys.public("platform")
    witness = witness or p.settings.audit_witness
    witnessed, damaged = audit_witness.read(witness) if witness else ([], [])
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
        bad = bad or _against_witness(public, witnessed, damaged, due)
        state_size = int(state["size"]) if state else 0
        state_head = str(state["chain_head"]) if state else ""
        # a state behind a checkpoint was itself rewritten (a cut tail): the tail check below says so
        state_trusted = (
            state is not None
            and all(size <= state_size for size in due)
            and all(int(cp["tree_size"]) <= state_size for cp in witnessed)
        )
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
            if bad is None and count == state_size and state_trusted and head.hex() != state_head:
                bad = Bad(since, None, f"the chain head at {count} differs from the sealer's: an entry sealed after "
                                       "the last checkpoint was rewritten")  # fmt: skip
    if progress:
        progress(count % 2000)
    expected = max([state_size, *due, *(int(cp["tree_size"]) for cp in witnessed)])
    if bad is None and count < expected:
        bad = Bad(count, None, f"the log ends at {count} entries but {expected} were sealed: its tail was cut off")
    if bad is None and count > state_size:
        bad = Bad(state_size, None, f"{count - state_size} sealed entries beyond the sealer's size {state_size}: "
                                    "positions were given outside the sealer")  # fmt: skip
    return {"entries": count, "valid": bad is None, "first_bad": bad.as_dict() if bad else None,
            "checkpoints": len(cps), "witnessed": len(witnessed) if witness else None, "unsealed": unsealed,
            "root": frontier_root(frontier).hex() if bad is None else None}  # fmt: skip
