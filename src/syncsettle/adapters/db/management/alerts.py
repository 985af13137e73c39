"""Repository of operational alerts (``alerts``): at most one open alert per kind and subject, counting
what happened while it was open. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from syncsettle.adapters.db.commercial.schema_legs import alerts

OPEN = "open"


def raise_alert(conn: Connection, kind: str, subject: str, message: str, amount: int, now: datetime) -> bool:
    """Open the alert (or add one more occurrence of ``amount`` fen to the open one). Returns whether
    it was opened now — the caller announces a new alert once, not once per occurrence."""
    row = {"kind": kind, "subject": subject, "open_key": OPEN, "message": message, "occurrences": 0, "amount": 0,
           "raised_at": now, "last_at": now}  # fmt: skip
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    opened = (
        conn.execute(dialect.insert(alerts).on_conflict_do_nothing().returning(alerts.c.id), row).first() is not None
    )
    conn.execute(
        update(alerts)
        .where(_is_open(kind, subject))
        .values(occurrences=alerts.c.occurrences + 1, amount=alerts.c.amount + amount, last_at=now, message=message)
    )
    return opened


def resolve(conn: Connection, kind: str, subject: str, now: datetime, by: str) -> int:
    """Close the open alert of ``kind`` about ``subject`` (if any); returns how many closed (0 or 1)."""
    stmt = update(alerts).where(_is_open(kind, subject)).values(open_key=None, resolved_at=now, resolved_by=by)
    return conn.execute(stmt).rowcount


def listing(conn: Connection, *, subject: str | None = None, open_only: bool = False,
            limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
    """Alerts, newest first: all of them, or one subject's; only the open ones when asked."""
    stmt = select(alerts).order_by(alerts.c.raised_at.desc(), alerts.c.id.desc()).limit(limit)
    if subject is not None:
        stmt = stmt.where(alerts.c.subject == subject)
    if open_only:
        stmt = stmt.where(alerts.c.open_key == OPEN)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _is_open(kind: str, subject: str) -> Any:
    return and_(alerts.c.kind == kind, alerts.c.subject == subject, alerts.c.open_key == OPEN)
