"""The batch scan's reads and its one write: a period's settled settlements, each hospital's fee-line
statistics for the hospital-level rules, and the findings stored as ``risk_flags`` (once per
``jr_id``). Amounts are integer fen; never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from syncsettle.adapters.db.computing.schema_computing import risk_flags
from syncsettle.adapters.db.core.schema import fee_lines, hospitals, settlements
from syncsettle.adapters.db.core.util import insert_ignore
from syncsettle.domain.risk.screen import HospitalStats


def settled_in(conn: Connection, span: tuple[date, date]) -> list[dict[str, Any]]:
    """(setl_id, mdtrt_id, setl_date) of the settlements settled in ``span`` (both days in), in settling order."""
    rows = conn.execute(
        select(settlements.c.setl_id, settlements.c.mdtrt_id, settlements.c.setl_date)
        .where(and_(settlements.c.status == "settled", settlements.c.setl_date.between(*span)))
        .order_by(settlements.c.setl_time, settlements.c.setl_id)
    ).mappings()
    return [dict(r) for r in rows]


def hospital_stats(conn: Connection, span: tuple[date, date], threshold: int) -> list[HospitalStats]:
    """Per hospital and level: fee lines, those at or above ``threshold`` fen, and their amounts."""
    high = fee_lines.c.det_item_fee_sumamt >= threshold
    stmt = (
        select(
            settlements.c.fixmedins_code,
            hospitals.c.hosp_lv,
            func.count(),
            func.sum(case((high, 1), else_=0)),
            func.sum(fee_lines.c.det_item_fee_sumamt),
            func.sum(case((high, fee_lines.c.det_item_fee_sumamt), else_=0)),
        )
        .join(fee_lines, fee_lines.c.setl_id == settlements.c.setl_id)
        .join(hospitals, hospitals.c.fixmedins_code == settlements.c.fixmedins_code)
        .where(and_(settlements.c.status == "settled", settlements.c.setl_date.between(*span)))
        .group_by(settlements.c.fixmedins_code, hospitals.c.hosp_lv)
    )
    return [HospitalStats(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in conn.execute(stmt)]


def add_flags(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store findings; one already flagged (same ``jr_id``) is kept as it is."""
    insert_ignore(conn, risk_flags, rows)
