"""Repositories of visits (``mdtrt_id``) and their fee lines. They never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from syncsettle.adapters.db.schema import fee_lines, visits


def visit(conn: Connection, mdtrt_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(visits).where(visits.c.mdtrt_id == mdtrt_id)).mappings().first()
    return dict(row) if row else None


def add_visit(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(visits.insert(), row)


def update_visit(conn: Connection, mdtrt_id: str, **values: Any) -> None:
    conn.execute(visits.update().where(visits.c.mdtrt_id == mdtrt_id).values(**values))


def lines(conn: Connection, mdtrt_id: str, *, unsettled_only: bool = False) -> list[dict[str, Any]]:
    cond = and_(fee_lines.c.mdtrt_id == mdtrt_id, fee_lines.c.status == "active")
    if unsettled_only:
        cond = and_(cond, fee_lines.c.setl_id.is_(None))
    stmt = select(fee_lines).where(cond).order_by(fee_lines.c.created_at, fee_lines.c.feedetl_sn)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def existing_serials(conn: Connection, mdtrt_id: str) -> set[str]:
    stmt = select(fee_lines.c.feedetl_sn).where(fee_lines.c.mdtrt_id == mdtrt_id)
    return {r[0] for r in conn.execute(stmt)}


def add_lines(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(fee_lines.insert(), rows)


def cancel_lines(conn: Connection, mdtrt_id: str, serials: list[str] | None, batch: str | None = None) -> int:
    """Cancel unsettled active lines (all when ``serials`` is None, or those of one ``chrg_bchno``);
    returns how many."""
    cond = and_(fee_lines.c.mdtrt_id == mdtrt_id, fee_lines.c.status == "active", fee_lines.c.setl_id.is_(None))
    if serials is not None:
        cond = and_(cond, fee_lines.c.feedetl_sn.in_(serials))
    if batch is not None:
        cond = and_(cond, fee_lines.c.chrg_bchno == batch)
    return conn.execute(fee_lines.update().where(cond).values(status="cancelled")).rowcount


def mark_settled(conn: Connection, mdtrt_id: str, serials: list[str], setl_id: str | None) -> None:
    conn.execute(
        fee_lines.update()
        .where(and_(fee_lines.c.mdtrt_id == mdtrt_id, fee_lines.c.feedetl_sn.in_(serials)))
        .values(setl_id=setl_id)
    )


def lines_of_settlement(conn: Connection, setl_id: str) -> list[str]:
    return [r[0] for r in conn.execute(select(fee_lines.c.feedetl_sn).where(fee_lines.c.setl_id == setl_id))]
