"""Tamper tests: entries edited, deleted, reordered or cut off directly in the database — and even
rewritten together with their hashes — are detected, and verification names the first bad one.
``syncsettle audit verify --json`` answers the same and exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from sqlalchemy import text

from syncsettle.domain.trust import GENESIS_HASH, SM3_TREE, chain_hash
from syncsettle.services.management.audit_seal import checkpoint, entry_bytes, seal
from syncsettle.services.management.audit_verify import verify
from tests.audit.test_sealing import add_entries
from tests.world import World


def sealed_log(world: World, count: int = 10, checkpoint_at: tuple[int, ...] = (10,)) -> dict[int, int]:
    """``count`` sealed entries with checkpoints at the given sizes; position → entry id."""
    done = 0
    for size in checkpoint_at:
        add_entries(world, size - done, start=done)
        checkpoint(world.platform)
        done = size
    add_entries(world, count - done, start=done)
    seal(world.platform)
    return dict(sql(world, "select position, id from audit_entries order by position").fetchall())  # type: ignore[arg-type]


def sql(world: World, statement: str, **params: Any) -> Any:
    with world.platform.engine.begin() as conn:
        return conn.execute(text(statement), params)


def first_bad(world: World) -> dict[str, Any]:
    report = verify(world.platform)
    assert report["valid"] is False, report
    bad: dict[str, Any] = report["first_bad"]
    return bad


def test_untouched_log_verifies(world: World) -> None:
    sealed_log(world)
    report = verify(world.platform)
    assert (report["entries"], report["valid"], report["first_bad"], report["checkpoints"]) == (10, True, None, 1)


def test_an_edited_entry_is_named(world: World) -> None:
    ids = sealed_log(world)
    sql(world, "update audit_entries set recipient = 'someone-else' where position = 4")
    assert first_bad(world) == {
        "position": 4,
        "entry_id": ids[4],
        "reason": "the entry's content does not match its leaf hash (edited after sealing)",
    }


def test_an_edited_list_field_is_named(world: World) -> None:
    ids = sealed_log(world)
    sql(world, 'update audit_entries set fields = \'["payable", "diagnoses"]\' where position = 7')
    bad = first_bad(world)
    assert (bad["position"], bad["entry_id"]) == (7, ids[7])


def test_a_deleted_entry_is_found_where_it_is_missing(world: World) -> None:
    ids = sealed_log(world)
    sql(world, "delete from audit_entries where position = 4")
    bad = first_bad(world)
    assert (bad["position"], bad["entry_id"]) == (4, ids[5]) and "missing" in bad["reason"]


def test_reordered_entries_are_found_at_the_first_moved_position(world: World) -> None:
    ids = sealed_log(world)
    sql(world, "update audit_entries set position = -1 where position = 3")
    sql(world, "update audit_entries set position = 3 where position = 6")
    sql(world, "update audit_entries set position = 6 where position = -1")
    bad = first_bad(world)
    assert (bad["position"], bad["entry_id"]) == (3, ids[6]) and "chain" in bad["reason"]


def test_a_cut_off_tail_is_found_through_the_checkpoint(world: World) -> None:
    sealed_log(world)
    sql(world, "delete from audit_entries where position >= 7")
    sql(world, "update audit_seal_state set size = 7")  # even with the sealer's count rewritten too
    bad = first_bad(world)
    assert (bad["position"], bad["entry_id"]) == (7, None) and "tail" in bad["reason"]


def test_an_entry_rewritten_with_all_its_hashes_is_caught_by_the_signed_checkpoint(world: World) -> None:
    sealed_log(world, count=10, checkpoint_at=(4, 10))
    sql(world, "update audit_entries set reason = 'nothing happened' where position = 6")
    with world.platform.engine.begin() as conn:  # recompute every stored hash from position 0, as a forger would
        rows = conn.execute(text("select * from audit_entries order by position")).mappings().all()
        head = GENESIS_HASH
        for row in rows:
            data = entry_bytes(dict(row) | {"record_ids": _json(row["record_ids"]), "fields": _json(row["fields"]),
                                            "created_at": _aware(row["created_at"])})  # fmt: skip
            head = chain_hash(head, data)
            conn.execute(text("update audit_entries set leaf_hash = :l, chain_hash = :c where id = :i"),
                         {"l": SM3_TREE.leaf_hash(data).hex(), "c": head.hex(), "i": row["id"]})  # fmt: skip
    bad = first_bad(world)
    assert (bad["position"], bad["entry_id"]) == (4, None)  # narrowed to positions 4..9, after the first checkpoint
    assert "checkpoint of size 10" in bad["reason"]


def test_cli_verify_seals_nothing_and_exits_non_zero_when_invalid(world: World, database_url: str) -> None:
    add_entries(world, 5)  # unsealed: verify reports them and leaves them so (sealing is `audit seal`)
    base = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "audit"]
    cmd = [*base, "verify", "--json", "--database-url", database_url]
    before = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert json.loads(before.stdout)["unsealed"] == 5 and json.loads(before.stdout)["entries"] == 0
    subprocess.run([*base, "seal", "--database-url", database_url], capture_output=True, check=True)
    good = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) | {"root": None} == {"entries": 5, "valid": True, "first_bad": None,
                                                          "checkpoints": 0, "witnessed": None, "unsealed": 0,
                                                          "root": None}  # fmt: skip
    sql(world, "update audit_entries set outcome = 'refused' where position = 2")
    bad = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    out = json.loads(bad.stdout)
    assert out["valid"] is False and out["first_bad"]["position"] == 2


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
