"""Reads and increments of ``latency_minutes`` (see ``schema_console``). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from syncsettle.adapters.db.management.schema_console import latency_minutes as t

KEY = ("minute", "operation", "route", "outcome", "le_ms")


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert each row, or add its count and sum to the row already there (an upsert per key)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c[k] for k in KEY],
        set_={"count": t.c["count"] + stmt.excluded["count"], "sum_us": t.c.sum_us + stmt.excluded.sum_us},
    )
    if rows:
        conn.execute(stmt, list(rows))  # each key at most once per flush (the recorder's dict keys)


def buckets_by_minute(
    conn: Connection, since: datetime, until: datetime, operations: Sequence[str]
) -> list[dict[str, Any]]:
    """``{minute, outcome, le_ms, count, sum_us}`` summed over routes, for the operations and period."""
    stmt = (
        select(t.c.minute, t.c.outcome, t.c.le_ms, func.sum(t.c["count"]).label("count"),
               func.sum(t.c.sum_us).label("sum_us"))
        .where(t.c.minute >= since, t.c.minute < until, t.c.operation.in_(operations))
        .group_by(t.c.minute, t.c.outcome, t.c.le_ms)
        .order_by(t.c.minute, t.c.le_ms)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(stmt).mappings()]


def latest_minute(conn: Connection, until: datetime, operations: Sequence[str]) -> datetime | None:
    """The last minute before ``until`` with a recorded request of ``operations`` (``None``: none)."""
    stmt = select(func.max(t.c.minute)).where(t.c.minute < until, t.c.operation.in_(list(operations)))
    found: datetime | None = conn.execute(stmt).scalar()
    return found
