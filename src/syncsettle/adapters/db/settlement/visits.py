"""Repositories of visits (``mdtrt_id``) and their fee lines. They never commit. The statements of
every visit are built once and run on the driver (:mod:`.fast`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from syncsettle.adapters.db.core.fast import Fast, FastInsert
from syncsettle.adapters.db.core.schema import fee_lines, visits

_VISIT = Fast(select(visits).where(visits.c.mdtrt_id == bindparam("mdtrt_id")))
_ACTIVE = and_(fee_lines.c.mdtrt_id == bindparam("mdtrt_id"), fee_lines.c.status == "active")
_LINES = {
    unsettled: Fast(
        select(fee_lines)
        .where(and_(_ACTIVE, fee_lines.c.setl_id.is_(None)) if unsettled else _ACTIVE)
        .order_by(fee_lines.c.created_at, fee_lines.c.feedetl_sn)
    )
    for unsettled in (False, True)
}
_SERIALS = Fast(select(fee_lines.c.feedetl_sn).where(fee_lines.c.mdtrt_id == bindparam("mdtrt_id")))
_ADD_VISIT = FastInsert(visits)
_ADD_LINES = FastInsert(fee_lines)
_MARK_SETTLED: dict[int, Fast] = {}  # one statement per number of lines (an IN list of that length)
_MARK_MAX = 40  # lines per statement; more go in several statements


def _mark_settled(count: int) -> Fast:
    found = _MARK_SETTLED.get(count)
    if found is None:
        found = _MARK_SETTLED[count] = Fast(  # an UPDATE's parameters may not be named after its columns
            fee_lines.update()
            .where(
                fee_lines.c.mdtrt_id == bindparam("k_mdtrt_id"),
                fee_lines.c.feedetl_sn.in_([bindparam(f"k_sn_{i}") for i in range(count)]),
            )
            .values(setl_id=bindparam("new_setl_id"))
        )
    return found


def visit(conn: Connection, mdtrt_id: str) -> dict[str, Any] | None:
    return _VISIT.first(conn, {"mdtrt_id": mdtrt_id})


def add_visit(conn: Connection, row: dict[str, Any]) -> None:
    _ADD_VISIT.one(conn, row)


def update_visit(conn: Connection, mdtrt_id: str, **values: Any) -> None:
    conn.execute(visits.update().where(visits.c.mdtrt_id == mdtrt_id).values(**values))


def lines(conn: Connection, mdtrt_id: str, *, unsettled_only: bool = False) -> list[dict[str, Any]]:
    return _LINES[unsettled_only].dicts(conn, {"mdtrt_id": mdtrt_id})


def line(conn: Connection, mdtrt_id: str, feedetl_sn: str) -> dict[str, Any] | None:
    found = (
        conn.execute(select(fee_lines).where(fee_lines.c.mdtrt_id == mdtrt_id, fee_lines.c.feedetl_sn == feedetl_sn))
        .mappings()
        .first()
    )
    return dict(found) if found else None


def update_line(conn: Connection, mdtrt_id: str, feedetl_sn: str, **values: Any) -> None:
    conn.execute(
        fee_lines.update()
        .where(fee_lines.c.mdtrt_id == mdtrt_id, fee_lines.c.feedetl_sn == feedetl_sn)
        .values(**values)
    )


def all_lines(conn: Connection, mdtrt_id: str) -> list[dict[str, Any]]:
    """Every line of a visit, refunds and cancelled ones included (5204), in upload order."""
    rows = conn.execute(
        select(fee_lines)
        .where(fee_lines.c.mdtrt_id == mdtrt_id)
        .order_by(fee_lines.c.created_at, fee_lines.c.feedetl_sn)
    ).mappings()
    return [dict(r) for r in rows]


def existing_serials(conn: Connection, mdtrt_id: str) -> set[str]:
    return {r[0] for r in _SERIALS.rows(conn, {"mdtrt_id": mdtrt_id})}


def add_lines(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """A visit's uploaded lines (a few to a few hundred: one driver ``executemany``)."""
    _ADD_LINES.many(conn, rows)


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
    """Set (or clear, with None) the settlement of these lines of the visit."""
    for start in range(0, len(serials), _MARK_MAX):
        chunk = serials[start : start + _MARK_MAX]
        params = {"k_mdtrt_id": mdtrt_id, "new_setl_id": setl_id, **{f"k_sn_{i}": sn for i, sn in enumerate(chunk)}}
        _mark_settled(len(chunk)).run(conn, params)


def lines_of_settlement(conn: Connection, setl_id: str) -> list[str]:
    return [r[0] for r in conn.execute(select(fee_lines.c.feedetl_sn).where(fee_lines.c.setl_id == setl_id))]
