"""Repository of consents (the read the settlement path uses is ``commercial.consent_in_force``).
Reads and writes; never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from syncsettle.adapters.db.commercial.schema_commercial import consents


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(consents.insert(), row)


def get(conn: Connection, consent_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(consents).where(consents.c.id == consent_id)).mappings().first()
    return dict(row) if row else None


def revoke(conn: Connection, consent_id: str, at: datetime) -> int:
    stmt = consents.update().where(consents.c.id == consent_id, consents.c.revoked_at.is_(None)).values(revoked_at=at)
    return int(conn.execute(stmt).rowcount)


def of_person(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    stmt = select(consents).where(consents.c.psn_no == psn_no).order_by(consents.c.granted_at, consents.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]
