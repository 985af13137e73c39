"""Notices pushed to insured persons (slips, quick-claim progress), one row per broker event.

The consumer acknowledges an event to the broker only after its row committed, and the broker may
deliver it again (at least once), so :func:`add_once` ignores an event it has already stored
(``event_id`` is unique): a repeat changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from syncsettle.adapters.db.core.schema import insured_notices


def add_once(conn: Connection, row: dict[str, Any]) -> bool:
    """Store the notice unless its event is already stored; True if it was new."""
    seen = conn.execute(select(insured_notices.c.id).where(insured_notices.c.event_id == row["event_id"])).first()
    if seen is not None:
        return False
    conn.execute(insured_notices.insert().values(**row))
    return True


def of_person(conn: Connection, psn_no: str, limit: int) -> list[dict[str, Any]]:
    """The person's latest ``limit`` notices, newest first."""
    query = (select(insured_notices).where(insured_notices.c.psn_no == psn_no)
             .order_by(insured_notices.c.id.desc()).limit(limit))  # fmt: skip
    return [dict(r) for r in conn.execute(query).mappings()]
