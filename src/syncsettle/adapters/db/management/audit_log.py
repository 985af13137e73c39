"""Repository of the audit log: its entries (appended, and read as who used whose data) and their
sealing: the sealer's state row, unsealed and sealed entries, checkpoints. Reads and writes; never commits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select

from syncsettle.adapters.db.core.schema import persons
from syncsettle.adapters.db.core.util import insert_ignore
from syncsettle.adapters.db.management.schema_audit import audit_checkpoints, audit_seal_state
from syncsettle.adapters.db.management.schema_trust import audit_entries


def lock_state(conn: Connection, genesis_hex: str, at: datetime) -> dict[str, Any]:
    """The sealer's state, locked for this transaction (created empty on first use). Two sealers
    take turns here; the settlement path never touches this row."""
    insert_ignore(conn, audit_seal_state, [{"id": 1, "size": 0, "chain_head": genesis_hex, "frontier": [],
                                            "updated_at": at}])  # fmt: skip
    stmt = select(audit_seal_state).where(audit_seal_state.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return dict(conn.execute(stmt).mappings().one())


def state(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(select(audit_seal_state).where(audit_seal_state.c.id == 1)).mappings().first()
    return dict(row) if row else None


def save_state(conn: Connection, size: int, chain_head: str, frontier: list[list[Any]], at: datetime) -> None:
    conn.execute(
        audit_seal_state.update()
        .where(audit_seal_state.c.id == 1)
        .values(size=size, chain_head=chain_head, frontier=frontier, updated_at=at)
    )


def unsealed(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """Committed entries never sealed, oldest id first. An entry whose position was cleared after
    sealing keeps its leaf hash and is never sealed again (verification reports the gap)."""
    stmt = (
        select(audit_entries)
        .where(and_(audit_entries.c.position.is_(None), audit_entries.c.leaf_hash.is_(None)))
        .order_by(audit_entries.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def any_unsealed(conn: Connection) -> bool:
    stmt = select(audit_entries.c.id).where(
        and_(audit_entries.c.position.is_(None), audit_entries.c.leaf_hash.is_(None))
    )
    return conn.execute(stmt.limit(1)).first() is not None


def count_unsealed(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).where(audit_entries.c.position.is_(None))).scalar_one())


def assign(conn: Connection, seals: list[dict[str, Any]]) -> int:
    """Give unsealed entries their ``position``/``leaf_hash``/``chain_hash`` (one executemany);
    returns how many rows were updated."""
    if not seals:
        return 0
    stmt = (
        audit_entries.update()
        .where(and_(audit_entries.c.id == bindparam("entry_id"), audit_entries.c.position.is_(None)))
        .values(position=bindparam("pos"), leaf_hash=bindparam("leaf"), chain_hash=bindparam("chain"))
    )
    return int(conn.execute(stmt, seals).rowcount)


def sealed(conn: Connection, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every sealed entry in position order, read in batches (positions as stored, gaps and all)."""
    last = -1
    while True:
        stmt = (
            select(audit_entries).where(audit_entries.c.position > last).order_by(audit_entries.c.position).limit(batch)
        )
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        if not rows:
            return
        yield from rows
        last = int(rows[-1]["position"])


def leaf_hashes(conn: Connection, tree_size: int) -> list[str]:
    stmt = (
        select(audit_entries.c.leaf_hash).where(audit_entries.c.position < tree_size).order_by(audit_entries.c.position)
    )
    return [str(h) for h in conn.execute(stmt).scalars()]


def entry(conn: Connection, entry_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(audit_entries).where(audit_entries.c.id == entry_id)).mappings().first()
    return dict(row) if row else None


def add_checkpoint(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(audit_checkpoints.insert(), row)


def checkpoints(conn: Connection) -> list[dict[str, Any]]:
    stmt = select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def latest_checkpoint(conn: Connection) -> dict[str, Any] | None:
    stmt = select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size.desc()).limit(1)
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def add_entry(conn: Connection, row: dict[str, Any]) -> None:
    """Append one audit entry (unsealed until the sealer's next pass)."""
    conn.execute(audit_entries.insert(), row)


def entries_where(
    conn: Connection, *, psn_no: str | None = None, recipient: str | None = None,
    actions: tuple[str, ...] | None = None, region_prefix: str | None = None, purpose: str | None = None,
    before: int | None = None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Audit entries, newest first, filtered by person, recipient, actions, purpose, the insured region
    of the person (a code prefix) and an id to page before."""
    stmt = select(audit_entries)
    if region_prefix is not None:
        stmt = stmt.join(persons, persons.c.psn_no == audit_entries.c.psn_no).where(
            persons.c.insuplc_admdvs.startswith(region_prefix)
        )
    if psn_no is not None:
        stmt = stmt.where(audit_entries.c.psn_no == psn_no)
    if recipient:
        stmt = stmt.where(audit_entries.c.recipient == recipient)
    if actions is not None:
        stmt = stmt.where(audit_entries.c.action.in_(actions))
    if purpose:
        stmt = stmt.where(audit_entries.c.purpose == purpose)
    if before is not None:
        stmt = stmt.where(audit_entries.c.id < before)
    stmt = stmt.order_by(audit_entries.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]
