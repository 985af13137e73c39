"""Repository of reconciliation discrepancies and their workflow events. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from syncsettle.adapters.db.clearing.schema_clearing import discrepancies, discrepancy_events
from syncsettle.adapters.db.core.util import insert_ignore


def record(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Open a discrepancy per row unless the same one (source, party, scope, settlement, item, reason)
    is already recorded: re-running a reconciliation adds nothing."""
    insert_ignore(conn, discrepancies, rows)


def find(conn: Connection, source: str | None = None, party: str | None = None, scope: str | None = None,
         status: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    stmt = select(discrepancies).order_by(discrepancies.c.id)
    for column, value in (("source", source), ("party", party), ("scope", scope), ("status", status)):
        if value is not None:
            stmt = stmt.where(discrepancies.c[column] == value)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def get(conn: Connection, discrepancy_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(discrepancies).where(discrepancies.c.id == discrepancy_id)).mappings().first()
    return dict(row) if row else None


def move(conn: Connection, discrepancy_id: int, current: str, target: str, actor: str, reason: str,
         now: datetime) -> bool:  # fmt: skip
    done = conn.execute(
        discrepancies.update()
        .where(discrepancies.c.id == discrepancy_id, discrepancies.c.status == current)
        .values(status=target, updated_at=now)
    ).rowcount
    if done:
        conn.execute(
            discrepancy_events.insert(),
            {"discrepancy_id": discrepancy_id, "from_status": current, "to_status": target, "actor": actor,
             "reason": reason, "at": now},
        )  # fmt: skip
    return done == 1


def events(conn: Connection, discrepancy_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(discrepancy_events)
        .where(discrepancy_events.c.discrepancy_id == discrepancy_id)
        .order_by(discrepancy_events.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]
