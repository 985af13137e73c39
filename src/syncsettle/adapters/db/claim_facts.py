"""Claim facts: one row per settled settlement with what actuarial queries and replays read, built
from the settlement tables by set-based SQL (``INSERT … SELECT``, incremental: only settlements
that have no fact row yet), plus each responsibility's deductible and payment, extracted from the
settlement's ``accumulator_delta`` JSON by the database (``json_each`` on SQLite,
``json_array_elements`` on PostgreSQL).

Every statement here reads "the settled settlements without a fact row" (:data:`todo`), so the
caller must see one state of the settlements across them: SQLite's ``BEGIN IMMEDIATE`` holds the
write lock; on PostgreSQL :func:`lock_for_refresh` makes the transaction a REPEATABLE READ snapshot
taken after a lock that serialises refreshes.

Reversed settlements leave the facts (their rows are deleted on the next refresh). The cross-region
up-front share is not stored with a settlement; :func:`away_rows` lists the new settlements whose
care was away from the insured region (or whose person has a filing) so the service can recompute
it with the engine's own rules, and :func:`set_cross_region` writes them back in one batch.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy import Integer as SAInteger

from syncsettle.adapters.db.schema import fee_lines, hospitals, insurance_rows, persons, settlements, visits
from syncsettle.adapters.db.schema_computing import claim_fact_products, claim_facts

COUNTED = {"preserve_rowcount": True}  # an INSERT … SELECT's rowcount is kept only when asked for
SPLIT_COLUMNS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")

# the settled settlements that have no fact row yet
todo = and_(
    settlements.c.status == "settled",
    settlements.c.refd_setl_flag == "0",
    ~exists().where(claim_facts.c.setl_id == settlements.c.setl_id),
)


def lock_for_refresh(conn: Connection) -> None:
    """PostgreSQL: one snapshot for the whole refresh, taken after the lock that serialises
    refreshes (readers of the facts are not blocked). Must run first in the transaction.
    SQLite: nothing to do (``BEGIN IMMEDIATE`` already holds the only write lock)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.exec_driver_sql("LOCK TABLE claim_facts IN SHARE ROW EXCLUSIVE MODE")


def _age(conn: Connection) -> Any:
    """Completed years between ``persons.brdy`` and ``settlements.setl_date``, in the dialect's SQL."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_part("year", func.age(settlements.c.setl_date, persons.c.brdy)), SAInteger)

    def year(col: Any) -> Any:
        return cast(func.strftime("%Y", col), SAInteger)

    before_birthday = func.strftime("%m-%d", settlements.c.setl_date) < func.strftime("%m-%d", persons.c.brdy)
    return year(settlements.c.setl_date) - year(persons.c.brdy) - case((before_birthday, 1), else_=0)


def _insurance_join() -> Any:
    return and_(insurance_rows.c.psn_no == settlements.c.psn_no, insurance_rows.c.insutype == settlements.c.insutype)


def insert_new(conn: Connection) -> int:
    """Add a fact row for every settled settlement that has none; returns how many. The split
    totals are summed from the settlement's lines in one grouped pass over the new settlements'
    lines (the lines are found through the fee-line key's prefix)."""
    its_lines = and_(fee_lines.c.mdtrt_id == settlements.c.mdtrt_id, fee_lines.c.setl_id == settlements.c.setl_id)
    sums = (
        select(settlements.c.setl_id, *(func.sum(fee_lines.c[c]).label(c) for c in SPLIT_COLUMNS))
        .join(fee_lines, its_lines)
        .where(todo)
        .group_by(settlements.c.setl_id)
        .subquery("sums")
    )
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
            *(func.coalesce(sums.c[c], 0) for c in SPLIT_COLUMNS),
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
        .join(insurance_rows, _insurance_join())
        .outerjoin(sums, sums.c.setl_id == settlements.c.setl_id)
        .where(todo)
    )
    stmt = insert(claim_facts).from_select([c.name for c in claim_facts.columns], source)
    return int(conn.execute(stmt, execution_options=COUNTED).rowcount)


def insert_new_products(conn: Connection) -> int:
    """Each responsibility's ``(product_id, resp_id, deductible_applied, paid)`` of the settlements
    that have no fact row yet, straight from their ``accumulator_delta.products`` JSON. Run it
    before :func:`insert_new` (which changes what :data:`todo` selects)."""
    if conn.dialect.name == "postgresql":
        item = func.json_array_elements(settlements.c.accumulator_delta.op("->")("products")).table_valued(
            column("value", JSON)
        )

        def part(i: int, as_int: bool) -> Any:
            text = item.c.value.op("->>")(i)
            return cast(text, BigInteger) if as_int else text
    else:
        item = func.json_each(settlements.c.accumulator_delta, "$.products").table_valued("value")

        def part(i: int, as_int: bool) -> Any:
            value = func.json_extract(item.c.value, f"$[{i}]")
            return cast(value, BigInteger) if as_int else value

    source = select(settlements.c.setl_id, part(0, False), part(1, False), part(2, True), part(3, True)).where(todo)
    source = source.select_from(settlements).join(item, literal(True))
    names = ["setl_id", "product_id", "resp_id", "deductible_applied", "paid"]
    stmt = insert(claim_fact_products).from_select(names, source)
    return int(conn.execute(stmt, execution_options=COUNTED).rowcount)


def drop_reversed(conn: Connection) -> int:
    """Delete the facts (and product rows) of settlements that are no longer settled."""
    gone = select(settlements.c.setl_id).where(settlements.c.status != "settled")
    conn.execute(delete(claim_fact_products).where(claim_fact_products.c.setl_id.in_(gone)))
    return int(conn.execute(delete(claim_facts).where(claim_facts.c.setl_id.in_(gone))).rowcount)


def away_rows(conn: Connection) -> list[dict[str, Any]]:
    """The settlements without a fact row whose care was away from the insured region or whose
    person has a cross-region filing (a JSON ``null`` filing is no filing). Run it before
    :func:`insert_new`."""
    has_filing = and_(insurance_rows.c.cross_region.is_not(None), cast(insurance_rows.c.cross_region, Text) != "null")
    stmt = (
        select(
            settlements.c.setl_id,
            settlements.c.setl_date,
            settlements.c.insutype,
            settlements.c.psn_no,
            settlements.c.med_type,
            insurance_rows.c.insuplc_admdvs.label("insured_region"),
            hospitals.c.admdvs.label("treatment_region"),
            hospitals.c.hosp_lv.label("hospital_level"),
            insurance_rows.c.cross_region,
            insurance_rows.c.psn_type,
            select(func.coalesce(func.sum(fee_lines.c.inscp_scp_amt), 0))
            .where(fee_lines.c.mdtrt_id == settlements.c.mdtrt_id, fee_lines.c.setl_id == settlements.c.setl_id)
            .scalar_subquery()
            .label("inscp_scp_amt"),
        )
        .join(hospitals, hospitals.c.fixmedins_code == settlements.c.fixmedins_code)
        .join(insurance_rows, _insurance_join())
        .where(todo, or_(hospitals.c.admdvs != insurance_rows.c.insuplc_admdvs, has_filing))
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def set_cross_region(conn: Connection, rows: list[tuple[str, int, str]]) -> None:
    """Write ``(setl_id, cross_region_selfpay, product_status)`` of fact rows in one batch."""
    if not rows:
        return
    stmt = (
        update(claim_facts)
        .where(claim_facts.c.setl_id == bindparam("k"))
        .values(cross_region_selfpay=bindparam("selfpay"), product_status=bindparam("status"))
    )
    conn.execute(stmt, [{"k": k, "selfpay": selfpay, "status": status} for k, selfpay, status in rows])


def period_bounds(conn: Connection) -> tuple[date | None, date | None]:
    row = conn.execute(select(func.min(claim_facts.c.setl_date), func.max(claim_facts.c.setl_date))).one()
    return row[0], row[1]
