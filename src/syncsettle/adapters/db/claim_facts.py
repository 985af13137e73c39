"""Claim facts: one row per settled settlement with what actuarial queries and replays read, built
from the settlement tables by set-based SQL (``INSERT … SELECT``, incremental), plus each
responsibility's deductible and payment from the settlement's ``accumulator_delta``.

Reversed settlements leave the facts (their rows are deleted on the next refresh). The cross-region
up-front share is not stored with a settlement; :func:`cross_region_rows` lists the rows whose care
was away from the insured region (or whose person has a filing) so the service can recompute it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, cast, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy import Integer as SAInteger

from syncsettle.adapters.db.schema import fee_lines, hospitals, insurance_rows, persons, settlements, visits
from syncsettle.adapters.db.schema_computing import claim_fact_products, claim_facts

SPLIT_COLUMNS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


def _age(conn: Connection) -> Any:
    """Completed years between ``persons.brdy`` and ``settlements.setl_date``, in the dialect's SQL."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_part("year", func.age(settlements.c.setl_date, persons.c.brdy)), SAInteger)

    def year(col: Any) -> Any:
        return cast(func.strftime("%Y", col), SAInteger)

    before_birthday = func.strftime("%m-%d", settlements.c.setl_date) < func.strftime("%m-%d", persons.c.brdy)
    return year(settlements.c.setl_date) - year(persons.c.brdy) - case((before_birthday, 1), else_=0)


def insert_new(conn: Connection) -> list[str]:
    """Add a fact row for every settled settlement that has none; returns their ``setl_id``.
    The split totals are summed from the settlement's lines (found by the fee-line key's prefix)."""
    done = exists().where(claim_facts.c.setl_id == settlements.c.setl_id)
    todo = and_(settlements.c.status == "settled", settlements.c.refd_setl_flag == "0", ~done)
    new_ids = [r[0] for r in conn.execute(select(settlements.c.setl_id).where(todo))]
    if not new_ids:
        return []
    lines = and_(fee_lines.c.mdtrt_id == settlements.c.mdtrt_id, fee_lines.c.setl_id == settlements.c.setl_id)
    source = (
        select(
            settlements.c.setl_id,
            settlements.c.psn_no,
            settlements.c.year,
            settlements.c.setl_date,
            settlements.c.setl_time,
            settlements.c.med_type,
            settlements.c.insutype,
            settlements.c.fixmedins_code,
            hospitals.c.hosp_lv,
            hospitals.c.admdvs,
            insurance_rows.c.insuplc_admdvs,
            persons.c.gend,
            _age(conn),
            settlements.c.medfee_sumamt,
            *(select(func.coalesce(func.sum(fee_lines.c[c]), 0)).where(lines).scalar_subquery() for c in SPLIT_COLUMNS),
            literal(0),
            literal("local"),
            settlements.c.fund_pay_sumamt,
            settlements.c.commercial_sumamt,
            settlements.c.acct_pay,
            settlements.c.psn_cash_pay,
            visits.c.diagnoses,
        )
        .join(visits, visits.c.mdtrt_id == settlements.c.mdtrt_id)
        .join(hospitals, hospitals.c.fixmedins_code == settlements.c.fixmedins_code)
        .join(persons, persons.c.psn_no == settlements.c.psn_no)
        .join(
            insurance_rows,
            and_(insurance_rows.c.psn_no == settlements.c.psn_no, insurance_rows.c.insutype == settlements.c.insutype),
        )
        .where(todo)
    )
    conn.execute(insert(claim_facts).from_select([c.name for c in claim_facts.columns], source))
    return new_ids


def drop_reversed(conn: Connection) -> int:
    """Delete the facts (and product rows) of settlements that are no longer settled."""
    gone = select(settlements.c.setl_id).where(settlements.c.status != "settled")
    conn.execute(delete(claim_fact_products).where(claim_fact_products.c.setl_id.in_(gone)))
    return conn.execute(delete(claim_facts).where(claim_facts.c.setl_id.in_(gone))).rowcount


def deltas(conn: Connection, setl_ids: list[str], batch: int = 5000) -> Iterator[tuple[str, Any]]:
    """(setl_id, accumulator_delta) of the given settlements, in batches."""
    for i in range(0, len(setl_ids), batch):
        chunk = setl_ids[i : i + batch]
        stmt = select(settlements.c.setl_id, settlements.c.accumulator_delta).where(settlements.c.setl_id.in_(chunk))
        yield from ((r[0], r[1]) for r in conn.execute(stmt))


def add_products(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(claim_fact_products), rows)


def cross_region_rows(conn: Connection, setl_ids: list[str]) -> list[dict[str, Any]]:
    """The new facts whose care was away from the insured region or whose person has a filing."""
    stmt = (
        select(
            claim_facts.c.setl_id,
            claim_facts.c.setl_date,
            claim_facts.c.insutype,
            claim_facts.c.insured_region,
            claim_facts.c.treatment_region,
            claim_facts.c.inscp_scp_amt,
            insurance_rows.c.cross_region,
            insurance_rows.c.psn_type,
            claim_facts.c.psn_no,
            claim_facts.c.med_type,
            claim_facts.c.hospital_level,
        )
        .join(
            insurance_rows,
            and_(insurance_rows.c.psn_no == claim_facts.c.psn_no, insurance_rows.c.insutype == claim_facts.c.insutype),
        )
        .where(
            or_(
                claim_facts.c.insured_region != claim_facts.c.treatment_region,
                insurance_rows.c.cross_region.is_not(None),
            )
        )
    )
    wanted = set(setl_ids)
    return [dict(r) for r in conn.execute(stmt).mappings() if r["setl_id"] in wanted]


def set_cross_region(conn: Connection, setl_id: str, selfpay: int, status: str) -> None:
    conn.execute(
        update(claim_facts)
        .where(claim_facts.c.setl_id == setl_id)
        .values(cross_region_selfpay=selfpay, product_status=status)
    )


def period_bounds(conn: Connection) -> tuple[date | None, date | None]:
    row = conn.execute(select(func.min(claim_facts.c.setl_date), func.max(claim_facts.c.setl_date))).one()
    return row[0], row[1]
