"""Repository of normalised commercial lines: one row per (settlement, product, responsibility),
taken from the settlement's stored output (``commercial[].responsibilities[]``, as the settle path
renders it) so insurer statements are plain set-based queries. A reversal's lines are its original's
lines negated, written with one INSERT … SELECT. Filling is incremental and idempotent. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, exists, select
from sqlalchemy.orm import aliased

from syncsettle.adapters.db.clearing.schema_clearing import commercial_lines
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.money import parse_yuan

BATCH = 2000


def _unfilled() -> Any:
    return ~exists().where(commercial_lines.c.setl_id == settlements.c.setl_id)


def _rows(setl_id: str, setl_date: date, output: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The lines of the legs that settled; a pending leg paid nothing here (its quick claim pays the
    person later, in the commercial ledger) and has no responsibilities to list."""
    for product in output.get("commercial") or []:
        if product.get("status") == "pending":
            continue
        for resp in product["responsibilities"]:
            yield {
                "setl_id": setl_id, "product_id": product["product"], "resp_id": resp["id"],
                "insurer": product["insurer"], "route": product["route"], "resp_name": resp["name"],
                "setl_date": setl_date, "base": parse_yuan(resp["base"]),
                "deductible": parse_yuan(resp["deductible_applied"]), "payable": parse_yuan(resp["payable"]),
            }  # fmt: skip


def _fill_originals(conn: Connection, cond: Any, progress: Callable[[int], None] | None) -> int:
    stmt = select(settlements.c.setl_id, settlements.c.setl_date, settlements.c.output).where(
        and_(cond, settlements.c.reverses.is_(None), settlements.c.commercial_sumamt != 0, _unfilled())
    )
    batch: list[dict[str, Any]] = []
    done = 0
    # the JSON is parsed here because SQLite and PostgreSQL read JSON arrays differently; each settlement
    # is parsed once, ever (the rows it yields are kept)
    for setl_id, setl_date, output in conn.execute(stmt).all():
        batch.extend(_rows(setl_id, setl_date, output))
        done += 1
        if len(batch) >= BATCH:
            conn.execute(commercial_lines.insert(), batch)
            batch = []
            if progress:
                progress(done)
    if batch:
        conn.execute(commercial_lines.insert(), batch)
    return done


def fill(conn: Connection, begin: date, end: date, progress: Callable[[int], None] | None = None) -> None:
    """Normalise the commercial lines of settlements and reversals dated ``begin``..``end``."""
    in_period = and_(settlements.c.setl_date >= begin, settlements.c.setl_date <= end)
    reversal = aliased(settlements)
    originals_of_reversals = settlements.c.setl_id.in_(
        select(reversal.c.reverses).where(
            reversal.c.setl_date >= begin, reversal.c.setl_date <= end, reversal.c.reverses.is_not(None)
        )
    )
    _fill_originals(conn, in_period, progress)
    _fill_originals(conn, originals_of_reversals, progress)
    o = commercial_lines.alias("o")
    rev = settlements
    negated = (
        select(rev.c.setl_id, o.c.product_id, o.c.resp_id, o.c.insurer, o.c.route, o.c.resp_name, rev.c.setl_date,
               -o.c.base, -o.c.deductible, -o.c.payable)
        .select_from(o.join(rev, rev.c.reverses == o.c.setl_id))
        .where(in_period, _unfilled())
    )  # fmt: skip
    columns = ["setl_id", "product_id", "resp_id", "insurer", "route", "resp_name", "setl_date", "base",
               "deductible", "payable"]  # fmt: skip
    conn.execute(commercial_lines.insert().from_select(columns, negated))


STATEMENT_COLUMNS = ("setl_id", "init_setl_id", "setl_date", "fixmedins_code", "mdtrt_id", "psn_no", "product_id",
                     "route", "resp_id", "resp_name", "base", "deductible", "payable")  # fmt: skip


def statement(conn: Connection, insurer: str, begin: date, end: date) -> list[dict[str, Any]]:
    """The insurer's lines dated ``begin``..``end`` with the visit they belong to (amounts in fen)."""
    cl = commercial_lines.c
    stmt = (
        select(cl.setl_id, settlements.c.reverses.label("init_setl_id"), cl.setl_date, settlements.c.fixmedins_code,
               settlements.c.mdtrt_id, settlements.c.psn_no, cl.product_id, cl.route, cl.resp_id, cl.resp_name,
               cl.base, cl.deductible, cl.payable)
        .select_from(commercial_lines.join(settlements, settlements.c.setl_id == cl.setl_id))
        .where(cl.insurer == insurer, cl.setl_date >= begin, cl.setl_date <= end)
        .order_by(cl.setl_date, cl.setl_id, cl.product_id, cl.resp_id)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(stmt).mappings()]


def line_key(setl_id: str, product_id: str, resp_id: str) -> str:
    return f"{setl_id}/{product_id}/{resp_id}"
