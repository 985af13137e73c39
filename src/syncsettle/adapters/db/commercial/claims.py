"""Repository of pending commercial legs and their quick claims, the views they keep, and the channel
notices waiting in the outbox. Filings are read through ``filings``, consents through ``commercial``
(the commercial centre's repositories). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update

from syncsettle.adapters.db.commercial.schema_claims import claim_views, commercial_claims
from syncsettle.adapters.db.core.schema import outbox
from syncsettle.adapters.db.core.util import insert_ignore

NOTICE_TOPIC = "channel.result"  # outbox topic of the results an embedded product sends its insurer


def add_claims(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(commercial_claims.insert(), list(rows))


def claim(conn: Connection, claim_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(commercial_claims).where(commercial_claims.c.claim_id == claim_id)).mappings().first()
    return dict(row) if row else None


def claims_where(conn: Connection, *, psn_no: str | None = None, insurer_id: str | None = None,
                 setl_id: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    stmt = select(commercial_claims).order_by(commercial_claims.c.created_at, commercial_claims.c.claim_id)
    if psn_no is not None:
        stmt = stmt.where(commercial_claims.c.psn_no == psn_no)
    if insurer_id is not None:
        stmt = stmt.where(commercial_claims.c.insurer_id == insurer_id)
    if setl_id is not None:
        stmt = stmt.where(commercial_claims.c.setl_id == setl_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def due(conn: Connection, now: datetime, limit: int) -> list[str]:
    """Pending claims whose next attempt is due, oldest first."""
    stmt = (
        select(commercial_claims.c.claim_id)
        .where(and_(commercial_claims.c.status == "pending", commercial_claims.c.next_attempt_at <= now))
        .order_by(commercial_claims.c.next_attempt_at, commercial_claims.c.claim_id)
        .limit(limit)
    )
    return [r[0] for r in conn.execute(stmt)]


def settle(conn: Connection, claim_id: str, values: dict[str, Any]) -> int:
    """pending → settled; 0 when the claim was no longer pending (it settles once)."""
    stmt = (
        update(commercial_claims)
        .where(and_(commercial_claims.c.claim_id == claim_id, commercial_claims.c.status == "pending"))
        .values(status="settled", **values)
    )
    return conn.execute(stmt).rowcount


def attempted(conn: Connection, claim_id: str, values: dict[str, Any]) -> None:
    """Record a failed attempt (reason, attempts, next attempt) on a pending claim."""
    conn.execute(
        update(commercial_claims)
        .where(and_(commercial_claims.c.claim_id == claim_id, commercial_claims.c.status == "pending"))
        .values(**values)
    )


def due_now(conn: Connection, insurer_id: str, reason_code: str, now: datetime) -> int:
    """Make the insurer's pending claims waiting for ``reason_code`` due at once (e.g. after a top-up)."""
    stmt = (
        update(commercial_claims)
        .where(and_(commercial_claims.c.insurer_id == insurer_id, commercial_claims.c.status == "pending",
                    commercial_claims.c.reason_code == reason_code))
        .values(next_attempt_at=now)
    )  # fmt: skip
    return conn.execute(stmt).rowcount


def cancel_pending(conn: Connection, setl_id: str, now: datetime) -> int:
    """A reversed settlement cancels its claims still waiting (pending, or held for review)."""
    stmt = (
        update(commercial_claims)
        .where(and_(commercial_claims.c.setl_id == setl_id, commercial_claims.c.status.in_(("pending", "held"))))
        .values(status="cancelled", updated_at=now)
    )
    return conn.execute(stmt).rowcount


def put_view(conn: Connection, setl_id: str, psn_no: str, view: dict[str, Any], now: datetime) -> None:
    """Keep (or replace) what is left to pay of a settlement with pending legs."""
    updated = conn.execute(
        update(claim_views).where(claim_views.c.setl_id == setl_id).values(view=view, updated_at=now)
    ).rowcount
    if not updated:
        insert_ignore(conn, claim_views, [{"setl_id": setl_id, "psn_no": psn_no, "view": view, "updated_at": now}])


def get_view(conn: Connection, setl_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(claim_views.c.view).where(claim_views.c.setl_id == setl_id)).first()
    return dict(row[0]) if row else None


def pending_legs(conn: Connection, statuses: Sequence[str] = ("pending",)) -> list[dict[str, Any]]:
    """Every claim of ``statuses`` (default: pending): its insurer, reason, payable (when known) and
    the view of its visit."""
    stmt = select(
        commercial_claims.c.insurer_id, commercial_claims.c.reason_code, commercial_claims.c.payable, claim_views.c.view
    ).select_from(commercial_claims.outerjoin(claim_views, claim_views.c.setl_id == commercial_claims.c.setl_id))
    return [dict(r) for r in conn.execute(stmt.where(commercial_claims.c.status.in_(list(statuses)))).mappings()]


def unsent_notices(conn: Connection, limit: int) -> list[dict[str, Any]]:
    stmt = (
        select(outbox)
        .where(and_(outbox.c.topic == NOTICE_TOPIC, outbox.c.published_at.is_(None)))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def mark_sent(conn: Connection, notice_id: int, now: datetime) -> int:
    stmt = (
        update(outbox).where(and_(outbox.c.id == notice_id, outbox.c.published_at.is_(None))).values(published_at=now)
    )
    return conn.execute(stmt).rowcount
