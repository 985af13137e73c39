"""Repositories of visits (``mdtrt_id``) and their fee lines. They never commit. The statements of
every visit are built once (building one costs as much CPU as executing it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from syncsettle.adapters.db.schema import fee_lines, visits

_VISIT = select(visits).where(visits.c.mdtrt_id == bindparam("mdtrt_id"))
_ACTIVE = and_(fee_lines.c.mdtrt_id == bindparam("mdtrt_id"), fee_lines.c.status == "active")
_LINES = {
    unsettled: select(fee_lines)
    .where(and_(_ACTIVE, fee_lines.c.setl_id.is_(None)) if unsettled else _ACTIVE)
    .order_by(fee_lines.c.created_at, fee_lines.c.feedetl_sn)
    for unsettled in (False, True)
}
_SERIALS = select(fee_lines.c.feedetl_sn).where(fee_lines.c.mdtrt_id == bindparam("mdtrt_id"))
_MARK_SETTLED = (  # an UPDATE's parameters may not be named after its columns
    fee_lines.update()
    .where(
        fee_lines.c.mdtrt_id == bindparam("k_mdtrt_id"),
        fee_lines.c.feedetl_sn.in_(bindparam("k_serials", expanding=True)),
    )
    .values(setl_id=bindparam("new_setl_id"))
)


def visit(conn: Connection, mdtrt_id: str) -> dict[str, Any] | None:
    row = conn.execute(_VISIT, {"mdtrt_id": mdtrt_id}).mappings().first()
    return dict(row) if row else None


def add_visit(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(visits.insert(), row)


def update_visit(conn: Connection, mdtrt_id: str, **values: Any) -> None:
    conn.execute(visits.update().where(visits.c.mdtrt_id == mdtrt_id).values(**values))


def lines(conn: Connection, mdtrt_id: str, *, unsettled_only: bool = False) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(_LINES[unsettled_only], {"mdtrt_id": mdtrt_id}).mappings()]


def existing_serials(conn: Connection, mdtrt_id: str) -> set[str]:
    return {r[0] for r in conn.execute(_SERIALS, {"mdtrt_id": mdtrt_id})}


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
    conn.execute(_MARK_SETTLED, {"k_mdtrt_id": mdtrt_id, "k_serials": serials, "new_setl_id": setl_id})


def lines_of_settlement(conn: Connection, setl_id: str) -> list[str]:
    return [r[0] for r in conn.execute(select(fee_lines.c.feedetl_sn).where(fee_lines.c.setl_id == setl_id))]
