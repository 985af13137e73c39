"""Set-based reads of an insurer's own figures for the console: what its products paid at the
bedside (``settlement_shares`` rows of payer ``product:<id>``), by month and product. Reversal rows
carry negated amounts, so sums are net of reversals; the count is settlements minus reversals.
Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, extract, func, select

from syncsettle.adapters.db.core.schema import settlement_shares, settlements

PRODUCT_PAYER = "product:"


def monthly_bedside(conn: Connection, product_ids: Sequence[str], since: date, until: date) -> list[dict[str, Any]]:
    """``{month: YYYYMM, product_id, legs, paid}`` (paid in fen) for the products' bedside shares of
    settlements dated ``since``..``until``."""
    if not product_ids:
        return []
    s, sh = settlements.c, settlement_shares.c
    month = (extract("year", s.setl_date) * 100 + extract("month", s.setl_date)).label("month")
    stmt = (
        select(month, sh.payer, func.sum(case((s.status == "reversal", -1), else_=1)).label("legs"),
               func.sum(sh.amount).label("paid"))
        .select_from(settlements.join(settlement_shares, sh.setl_id == s.setl_id))
        .where(sh.payer.in_([PRODUCT_PAYER + pid for pid in product_ids]), s.setl_date >= since,
               s.setl_date <= until)
        .group_by(month, sh.payer)
        .order_by(month, sh.payer)
    )  # fmt: skip
    return [
        {"month": int(r.month), "product_id": str(r.payer).removeprefix(PRODUCT_PAYER), "legs": int(r.legs),
         "paid": int(r.paid)}
        for r in conn.execute(stmt)
    ]  # fmt: skip
