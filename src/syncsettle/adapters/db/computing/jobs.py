"""Repository of background jobs (``jobs``): add, change, read one, an owner's latest. Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from syncsettle.adapters.db.computing.schema_computing import jobs


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(jobs.insert(), row)


def change(conn: Connection, job_id: str, **values: Any) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


def job(conn: Connection, job_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def of_owner(conn: Connection, owner: str, kind: str, limit: int) -> list[dict[str, Any]]:
    """The owner's latest jobs of ``kind``, newest first (id, status, progress, params, times; no result)."""
    c = jobs.c
    stmt = (
        select(c.id, c.status, c.progress, c.params, c.created_at, c.finished_at)
        .where(c.owner == owner, c.kind == kind)
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]
