"""Repository of hospital reconciliation runs (``schema_reconciliation``). Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from syncsettle.adapters.db.clearing.schema_reconciliation import reconciliation_runs


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(reconciliation_runs.insert().values(**row))


def find(conn: Connection, hospital: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Runs, newest first (of one hospital, or all)."""
    stmt = select(reconciliation_runs).order_by(reconciliation_runs.c.run_at.desc(), reconciliation_runs.c.id.desc())
    if hospital is not None:
        stmt = stmt.where(reconciliation_runs.c.hospital == hospital)
    return [dict(r) for r in conn.execute(stmt.limit(limit)).mappings()]
