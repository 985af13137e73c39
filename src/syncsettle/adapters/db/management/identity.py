"""Repository of credentials. Reads and writes; never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from syncsettle.adapters.db.management.schema_identity import credentials


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(credentials.insert(), row)


def get(conn: Connection, credential_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(credentials).where(credentials.c.id == credential_id)).mappings().first()
    return dict(row) if row else None


def revoke(conn: Connection, credential_id: str, at: datetime) -> int:
    stmt = (
        credentials.update()
        .where((credentials.c.id == credential_id) & credentials.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return conn.execute(stmt).rowcount


def of_tenant(conn: Connection, role: str, tenant: str) -> list[dict[str, Any]]:
    stmt = select(credentials).where((credentials.c.role == role) & (credentials.c.tenant == tenant))
    return [dict(r) for r in conn.execute(stmt.order_by(credentials.c.created_at)).mappings()]
