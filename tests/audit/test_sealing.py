"""Sealing: committed entries get contiguous positions in the order the sealer finds them, whatever
their ids; rolled-back ids leave no hole; late commits are sealed later; nothing is sealed twice;
the stored frontier's root is the RFC 6962 root of every leaf."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.trust import SM3_TREE, root_from_leaf_hashes
from syncsettle.domain.trust.frontier import append_leaf, frontier_root, frontier_size
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.management.audit_seal import checkpoint, seal
from syncsettle.services.management.audit_verify import verify
from tests.world import World

AT = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
WHO = Principal(Role.INSURER, "yantai-hmb", "", "cr_1")


def use(n: int) -> Use:
    return Use(WHO, Action.RELEASE, "settlement", "yantai-hmb", [f"ST{n}"], ["payable"], psn_no="P0001",
               granularity="result")  # fmt: skip


def add_entries(world: World, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        with world.platform.uow() as uow:
            record(uow.conn, AT, use(n))
            uow.commit()


def positions(world: World) -> list[tuple[int, int | None]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries.c.id, audit_entries.c.position).order_by(audit_entries.c.id))
        return [(int(i), p) for i, p in rows]


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_frontier_root_is_the_rfc6962_root_of_all_leaves(entries: list[bytes]) -> None:
    frontier: list[tuple[int, bytes]] = []
    leaves = []
    for entry in entries:
        leaves.append(SM3_TREE.leaf_hash(entry))
        frontier = append_leaf(frontier, leaves[-1])
        assert frontier_root(frontier) == root_from_leaf_hashes(leaves)
    assert frontier_size(frontier) == len(entries)


def test_rolled_back_ids_leave_no_hole_and_nothing_is_sealed_twice(world: World) -> None:
    add_entries(world, 2)
    with world.platform.uow() as uow:
        record(uow.conn, AT, use(99))  # takes an id, then rolls back
    add_entries(world, 2, start=2)
    assert seal(world.platform) == 4
    assert [p for _i, p in positions(world)] == [0, 1, 2, 3]
    if world.platform.dialect == "postgresql":  # a sequence never gives an id back (SQLite reuses it)
        assert positions(world)[2][0] > positions(world)[1][0] + 1
    assert seal(world.platform) == 0
    add_entries(world, 1, start=4)
    assert seal(world.platform) == 1
    assert [p for _i, p in positions(world)] == [0, 1, 2, 3, 4]
    report = verify(world.platform)
    assert (report["entries"], report["valid"], report["unsealed"]) == (5, True, 0)


def test_a_late_commit_with_a_lower_id_is_sealed_later(world: World, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: its transactions cannot commit out of id order")
    p = world.platform
    inserted, release = threading.Event(), threading.Event()

    def slow_transaction() -> None:
        with p.uow() as uow:
            record(uow.conn, AT, use(1))  # the lower id …
            inserted.set()
            release.wait(10)
            uow.commit()  # … commits last

    worker = threading.Thread(target=slow_transaction)
    worker.start()
    assert inserted.wait(10)
    add_entries(world, 1, start=2)  # a higher id, committed first
    assert seal(p) == 1  # only what is committed
    release.set()
    worker.join()
    assert seal(p) == 1
    (low, low_pos), (high, high_pos) = positions(world)
    assert low < high and (high_pos, low_pos) == (0, 1)
    assert verify(p)["valid"]


def test_two_sealers_take_turns(world: World) -> None:
    add_entries(world, 30)
    done: list[int] = []
    threads = [threading.Thread(target=lambda: done.append(seal(world.platform, batch=7))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(done) == 30
    assert sorted(p for _i, p in positions(world) if p is not None) == list(range(30))
    assert verify(world.platform)["valid"]


def test_checkpoint_signs_the_head_once_per_size(world: World) -> None:
    assert checkpoint(world.platform) is None  # empty log
    add_entries(world, 3)
    first = checkpoint(world.platform)
    assert first is not None and first["tree_size"] == 3
    again = checkpoint(world.platform)
    assert again is not None and again["signature"] == first["signature"]
    with world.platform.uow(readonly=True) as uow:
        leaves = [bytes.fromhex(h) for h in uow.conn.execute(text(
            "select leaf_hash from audit_entries order by position")).scalars()]  # fmt: skip
    assert root_from_leaf_hashes(leaves).hex() == first["root"]


def test_the_server_seals_and_signs_in_the_background(world: World) -> None:
    import time

    from fastapi.testclient import TestClient

    from syncsettle.entrypoints.http.app import create_app

    add_entries(world, 4)
    with TestClient(create_app(world.platform, seal_every=0.05, sign_every=0.2)):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            report = verify(world.platform)
            if report["unsealed"] == 0 and report["checkpoints"] == 1:
                break
            time.sleep(0.05)
    assert (report["entries"], report["valid"], report["checkpoints"]) == (4, True, 1)
