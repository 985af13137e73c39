"""Issue 15 defect 3: the ways of rewriting the log that used to pass verify, each now found — the
checkpoints also live outside the database (the witness file), verify compares the chain with the
sealer's state, and verify seals nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from syncsettle.domain.trust import GENESIS_HASH, SM3_TREE, chain_hash
from syncsettle.services.management.audit_seal import checkpoint, entry_bytes, seal
from syncsettle.services.management.audit_verify import verify
from tests.audit.test_sealing import add_entries
from tests.audit.test_tamper import _aware, _json, sealed_log, sql
from tests.world import World


@pytest.fixture
def witnessed(world: World, tmp_path: Path) -> Path:
    path = tmp_path / "witness" / "audit-checkpoints.jsonl"
    world.platform.settings.audit_witness = str(path)
    return path


def _rehash_all(world: World) -> None:
    """Recompute every stored hash from position 0, as a forger with database access would, and the
    sealer's state with them."""
    with world.platform.engine.begin() as conn:
        rows = conn.execute(text("select * from audit_entries where position is not null order by position"))
        head = GENESIS_HASH
        for row in rows.mappings().all():
            data = entry_bytes(dict(row) | {"record_ids": _json(row["record_ids"]), "fields": _json(row["fields"]),
                                            "created_at": _aware(row["created_at"])})  # fmt: skip
            head = chain_hash(head, data)
            conn.execute(text("update audit_entries set leaf_hash = :l, chain_hash = :c where id = :i"),
                         {"l": SM3_TREE.leaf_hash(data).hex(), "c": head.hex(), "i": row["id"]})  # fmt: skip
        conn.execute(text("update audit_seal_state set chain_head = :h"), {"h": head.hex()})


def _bad(world: World) -> str:
    report = verify(world.platform)
    assert report["valid"] is False, report
    return str(report["first_bad"]["reason"])


def test_checkpoints_are_witnessed_outside_the_database(world: World, witnessed: Path) -> None:
    sealed_log(world, count=10, checkpoint_at=(4, 10))
    lines = [json.loads(line) for line in witnessed.read_text().splitlines()]
    assert [cp["tree_size"] for cp in lines] == [4, 10] and all(cp["signature"] for cp in lines)
    checkpoint(world.platform)  # nothing new: witnessed once
    assert len(witnessed.read_text().splitlines()) == 2
    report = verify(world.platform)
    assert report["valid"] and report["witnessed"] == 2


def test_a_cut_tail_with_the_seal_size_lowered_and_its_checkpoint_deleted(world: World, witnessed: Path) -> None:
    sealed_log(world, count=10, checkpoint_at=(4, 10))
    sql(world, "delete from audit_entries where position >= 7")
    sql(world, "update audit_seal_state set size = 7")
    sql(world, "delete from audit_checkpoints where tree_size = 10")
    assert "size 10 is missing from the database" in _bad(world)


def test_rehashed_after_deleting_every_checkpoint(world: World, witnessed: Path) -> None:
    sealed_log(world, count=10, checkpoint_at=(4, 10))
    sql(world, "update audit_entries set reason = 'nothing happened' where position = 6")
    sql(world, "delete from audit_checkpoints")
    _rehash_all(world)
    assert "missing from the database" in _bad(world)


def test_an_entry_sealed_after_the_last_checkpoint_edited_and_rehashed(world: World, witnessed: Path) -> None:
    sealed_log(world, count=10, checkpoint_at=(4,))  # positions 4..9: sealed, in no checkpoint yet
    sql(world, "update audit_entries set reason = 'nothing happened' where position = 8")
    with world.platform.engine.begin() as conn:  # the entry's own hashes and every later link, not the state
        state_head = conn.execute(text("select chain_head from audit_seal_state")).scalar_one()
    _rehash_all(world)
    sql(world, "update audit_seal_state set chain_head = :h", h=state_head)
    assert "differs from the sealer's" in _bad(world)


def test_a_forged_unsealed_entry_is_reported_and_never_sealed_by_verify(world: World, witnessed: Path) -> None:
    sealed_log(world, count=4, checkpoint_at=(4,))
    add_entries(world, 1, start=99)  # as a forger would insert it: a plain row without a position
    report = verify(world.platform)
    assert report["valid"] and report["unsealed"] == 1 and report["entries"] == 4
    assert verify(world.platform)["unsealed"] == 1  # still unsealed: verify wrote nothing


def test_a_forged_sealed_entry_beyond_the_sealers_size(world: World, witnessed: Path) -> None:
    sealed_log(world, count=4, checkpoint_at=(4,))
    add_entries(world, 1, start=99)
    seal(world.platform)
    sql(world, "update audit_seal_state set size = 4")  # the sealer never gave position 4
    assert "sealer" in _bad(world)  # its chain head, or its size, gives the forgery away


def test_a_damaged_or_forged_witness_file(world: World, witnessed: Path) -> None:
    sealed_log(world, count=10, checkpoint_at=(4, 10))
    lines = witnessed.read_text().splitlines()
    forged = json.loads(lines[1]) | {"root": "00" * 32}
    witnessed.write_text("\n".join([lines[0], json.dumps(forged)]) + "\n")
    assert "bad signature" in _bad(world)
    witnessed.write_text(lines[0] + "\nnot json\n")
    assert "damaged at line 2" in _bad(world)
