"""What a replay reads, in a few set-based queries: the claim facts of a period in settlement order
per person, the active enrollments, the products' actual payments per responsibility, and the
lines of drug-list codes. They never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, and_, select

from syncsettle.adapters.db.schema import enrollments, fee_lines
from syncsettle.adapters.db.schema_computing import claim_fact_products, claim_facts
from syncsettle.domain.settlement.split import LineSplit

FACT_COLUMNS = (
    "setl_id", "psn_no", "setl_date", "med_type", "insutype", "product_status", "diagnoses", "medfee_sumamt",
    "fund_pay_sumamt", "inscp_scp_amt", "cross_region_selfpay", "preselfpay_amt", "overlmt_amt", "fulamt_ownpay_amt",
)  # fmt: skip


def _in_period(day_from: date, day_to: date) -> Any:
    return and_(claim_facts.c.setl_date >= day_from, claim_facts.c.setl_date <= day_to)


def facts(conn: Connection, day_from: date, day_to: date, batch: int = 20_000) -> Iterator[tuple[Any, ...]]:
    """Fact rows (``FACT_COLUMNS``) ordered by person, settlement time and id."""
    stmt = (
        select(*(claim_facts.c[c] for c in FACT_COLUMNS))
        .where(_in_period(day_from, day_to))
        .order_by(claim_facts.c.psn_no, claim_facts.c.setl_time, claim_facts.c.setl_id)
    )
    result = conn.execution_options(yield_per=batch).execute(stmt)
    for part in result.partitions():
        yield from (tuple(row) for row in part)


def count(conn: Connection, day_from: date, day_to: date) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).where(_in_period(day_from, day_to))).scalar_one())


def active_enrollments(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Person → active enrollments in enrollment order (the order the settlement saw them in)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stmt = select(enrollments).where(enrollments.c.status == "active").order_by(enrollments.c.id)
    for row in conn.execute(stmt).mappings():
        out[row["psn_no"]].append(dict(row))
    return out


def product_payments(conn: Connection, day_from: date, day_to: date) -> dict[str, dict[str, dict[str, int]]]:
    """Settlement → product → responsibility → what it paid (only settlements where a product paid)."""
    stmt = (
        select(
            claim_fact_products.c.setl_id,
            claim_fact_products.c.product_id,
            claim_fact_products.c.resp_id,
            claim_fact_products.c.paid,
        )
        .join(claim_facts, claim_facts.c.setl_id == claim_fact_products.c.setl_id)
        .where(_in_period(day_from, day_to))
    )
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for setl_id, product_id, resp_id, paid in conn.execute(stmt):
        out[setl_id][product_id][resp_id] = int(paid)
    return out


def special_lines(conn: Connection, day_from: date, day_to: date, codes: frozenset[str]) -> dict[str, list[LineSplit]]:
    """Settlement → its lines whose code is on a drug list in play, as the engine's :class:`LineSplit`."""
    out: dict[str, list[LineSplit]] = defaultdict(list)
    if not codes:
        return out
    stmt = (
        select(fee_lines)
        .join(claim_facts, claim_facts.c.setl_id == fee_lines.c.setl_id)
        .where(and_(_in_period(day_from, day_to), fee_lines.c.med_list_codg.in_(sorted(codes))))
        .order_by(fee_lines.c.setl_id, fee_lines.c.created_at, fee_lines.c.feedetl_sn)
    )
    for r in conn.execute(stmt).mappings():
        out[r["setl_id"]].append(
            LineSplit(
                r["feedetl_sn"], r["med_list_codg"], int(r["det_item_fee_sumamt"]), int(r["fulamt_ownpay_amt"]),
                int(r["overlmt_amt"]), int(r["preselfpay_amt"]), int(r["inscp_scp_amt"]), r["chrgitm_lv"],
                Fraction(r["selfpay_prop"]), r["pric_uplmt_amt"], r["med_chrgitm_type"],
            )
        )  # fmt: skip
    return out
