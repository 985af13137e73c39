"""Repository of the 商保码 (one per person and product in force) and of their presentations.
Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update

from syncsettle.adapters.db.commercial.schema_claims import claim_code_uses, claim_codes
from syncsettle.adapters.db.core.util import insert_ignore


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(claim_codes.insert(), row)


def get(conn: Connection, code_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(claim_codes).where(claim_codes.c.code_id == code_id)).mappings().first()
    return dict(row) if row else None


def of_person(conn: Connection, psn_no: str, *, active_only: bool = False) -> list[dict[str, Any]]:
    """The person's codes, newest first."""
    stmt = select(claim_codes).where(claim_codes.c.psn_no == psn_no)
    if active_only:
        stmt = stmt.where(claim_codes.c.status == "active")
    stmt = stmt.order_by(claim_codes.c.issued_at.desc(), claim_codes.c.code_id.desc())
    return [dict(r) for r in conn.execute(stmt).mappings()]


def supersede(conn: Connection, psn_no: str, product_id: str, now: datetime, by: str) -> int:
    """Every active code of the person for the product becomes ``superseded`` (a new one is issued)."""
    stmt = (
        update(claim_codes)
        .where(and_(claim_codes.c.psn_no == psn_no, claim_codes.c.product_id == product_id,
                    claim_codes.c.status == "active"))
        .values(status="superseded", revoked_at=now, revoked_by=by)
    )  # fmt: skip
    return conn.execute(stmt).rowcount


def revoke(conn: Connection, code_id: str, now: datetime, by: str) -> int:
    """active → revoked; 0 when the code was no longer active."""
    stmt = (
        update(claim_codes)
        .where(and_(claim_codes.c.code_id == code_id, claim_codes.c.status == "active"))
        .values(status="revoked", revoked_at=now, revoked_by=by)
    )
    return conn.execute(stmt).rowcount


def use(conn: Connection, code_id: str, setl_id: str) -> dict[str, Any] | None:
    stmt = select(claim_code_uses).where(
        and_(claim_code_uses.c.code_id == code_id, claim_code_uses.c.setl_id == setl_id)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def uses_of_claim(conn: Connection, claim_id: str) -> list[dict[str, Any]]:
    stmt = select(claim_code_uses).where(claim_code_uses.c.claim_id == claim_id).order_by(claim_code_uses.c.first_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def presented(conn: Connection, code_id: str, setl_id: str, claim_id: str, by: str, now: datetime) -> None:
    """Record one presentation of a code for a settlement: the first one, or one more of the same."""
    bumped = conn.execute(
        update(claim_code_uses)
        .where(and_(claim_code_uses.c.code_id == code_id, claim_code_uses.c.setl_id == setl_id))
        .values(last_by=by, last_at=now, times=claim_code_uses.c.times + 1)
    ).rowcount
    if not bumped:
        insert_ignore(conn, claim_code_uses, [{"code_id": code_id, "setl_id": setl_id, "claim_id": claim_id,
                                               "first_by": by, "first_at": now, "last_by": by, "last_at": now,
                                               "times": 1}])  # fmt: skip
