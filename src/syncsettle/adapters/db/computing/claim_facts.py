"""Claim facts: one row per settled settlement with what actuarial queries and replays read, built
from the settlement tables by set-based SQL (``INSERT … SELECT``, incremental: only settlements
that have no fact row yet), plus each responsibility's deductible and payment, extracted from the
settlement's ``accumulator_delta`` JSON by the database (``json_each`` on SQLite,
``json_array_elements`` on PostgreSQL).

A refresh first fixes which settlements it adds (:func:`begin_refresh`: the settled ones without a
fact row, into a temporary table), and every later statement joins that table instead of asking
again. So no statement reads ``claim_facts`` while writing it — on PostgreSQL a plan that scanned
the growing table once per settlement would be quadratic — and every statement sees the same set.
Refreshes are serialised (SQLite's ``BEGIN IMMEDIATE``; a table lock on PostgreSQL), and on
PostgreSQL :func:`end_refresh` updates the facts' planner statistics after a large addition
(this server runs without autovacuum, and the next refresh's plan depends on them).

Reversed settlements leave the facts (their rows are deleted on the next refresh). The cross-region
up-front share is not stored with a settlement; :func:`away_rows` lists the new settlements whose
care was away from the insured region (or whose person has a filing) so the service can recompute
it with the engine's own rules, and :func:`set_cross_region` writes them back in one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    MetaData,
    String,
    Table,
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

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.computing.schema_computing import claim_fact_products, claim_facts
from syncsettle.adapters.db.core.schema import fee_lines, hospitals, insurance_rows, persons, settlements, visits

COUNTED = {"preserve_rowcount": True}  # an INSERT … SELECT's rowcount is kept only when asked for
SPLIT_COLUMNS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")

# the settled settlements that have no fact row yet
todo = and_(
    settlements.c.status == "settled",
    settlements.c.refd_setl_flag == "0",
    ~exists().where(claim_facts.c.setl_id == settlements.c.setl_id),
)

# the settlements this refresh adds (temporary: private to the connection, dropped at the end)
new_settlements = Table(
    "claim_facts_refresh_new", MetaData(), Column("setl_id", String(40), primary_key=True), prefixes=["TEMPORARY"]
)


REFRESH_CACHE_KIB = 256 * 1024


@contextmanager
def large_page_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a 256 MiB page cache for this connection while a refresh joins a million rows
    (instead of the default 2 MiB: a quarter less CPU), given back afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{REFRESH_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def begin_refresh(conn: Connection) -> int:
    """Serialise refreshes and fix the settlements to add; returns how many. First in the transaction."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:  # readers of the facts are not blocked, a second refresh waits
        conn.exec_driver_sql("LOCK TABLE claim_facts IN SHARE ROW EXCLUSIVE MODE")
    new_settlements.create(conn)
    stmt = insert(new_settlements).from_select(["setl_id"], select(settlements.c.setl_id).where(todo))
    added = int(conn.execute(stmt, execution_options=COUNTED).rowcount)
    if added:  # so the planners drive every join from this (usually small) table
        conn.exec_driver_sql(f"ANALYZE {new_settlements.name}")
    return added


def end_refresh(conn: Connection, added: int) -> None:
    """Drop the temporary table; on PostgreSQL, renew the facts' statistics when they grew by a tenth or more."""
    new_settlements.drop(conn)
    if conn.dialect.name == "postgresql" and added:
        total = int(conn.execute(select(func.count()).select_from(claim_facts)).scalar_one())
        if added * 10 >= total:
            conn.exec_driver_sql("ANALYZE claim_facts, claim_fact_products")


def _is_new() -> Any:
    return new_settlements.c.setl_id == settlements.c.setl_id


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


def _line_sums(conn: Connection) -> tuple[Any, Any]:
    """(the split totals of each settlement's lines as a FROM item, its join condition).

    PostgreSQL: a LATERAL subquery, one probe of the fee-line key per settlement — linear whatever
    the planner believes about the tables (with statistics stale after a bulk load it would
    otherwise nest a grouped pass over all lines inside a loop over the settlements). SQLite (no
    LATERAL): one grouped pass over the new settlements' lines, which it materialises and indexes.
    """
    its_lines = and_(fee_lines.c.mdtrt_id == settlements.c.mdtrt_id, fee_lines.c.setl_id == settlements.c.setl_id)
    totals = [func.sum(fee_lines.c[c]).label(c) for c in SPLIT_COLUMNS]
    if conn.dialect.name == "postgresql":
        lateral = select(*totals).where(its_lines).lateral("sums")
        return lateral, literal(True)
    grouped = select(settlements.c.setl_id, *totals).join(new_settlements, _is_new()).join(fee_lines, its_lines)
    sums = grouped.group_by(settlements.c.setl_id).subquery("sums")
    return sums, sums.c.setl_id == settlements.c.setl_id


def insert_new(conn: Connection) -> int:
    """Add a fact row for every new settlement; returns how many. The split totals are summed from
    the settlement's lines (found through the fee-line key's prefix)."""
    sums, on = _line_sums(conn)
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
        .select_from(new_settlements)
        .join(settlements, _is_new())
        .join(visits, visits.c.mdtrt_id == settlements.c.mdtrt_id)
        .join(hospitals, hospitals.c.fixmedins_code == settlements.c.fixmedins_code)
        .join(persons, persons.c.psn_no == settlements.c.psn_no)
        .join(insurance_rows, _insurance_join())
        .outerjoin(sums, on)
    )
    stmt = insert(claim_facts).from_select([c.name for c in claim_facts.columns], source)
    return int(conn.execute(stmt, execution_options=COUNTED).rowcount)


def _delta_items(conn: Connection, array: Any) -> tuple[Any, Callable[[int, bool], Any]]:
    """A JSON array of ``[product_id, resp_id, deductible_applied, paid]`` items as a table-valued
    FROM item, and ``part(i, as_int)``: the item's i-th element (text, or BIGINT fen)."""
    if conn.dialect.name == "postgresql":
        item = func.json_array_elements(array).table_valued(column("value", JSON))

        def part(i: int, as_int: bool) -> Any:
            text = item.c.value.op("->>")(i)
            return cast(text, BigInteger) if as_int else text

        return item, part
    item = func.json_each(array).table_valued("value")

    def part_(i: int, as_int: bool) -> Any:
        value = func.json_extract(item.c.value, f"$[{i}]")
        return cast(value, BigInteger) if as_int else value

    return item, part_


PRODUCT_ROW = ["setl_id", "product_id", "resp_id", "deductible_applied", "paid"]


def insert_new_products(conn: Connection) -> int:
    """Each responsibility's ``(product_id, resp_id, deductible_applied, paid)`` of the new
    settlements, straight from their ``accumulator_delta.products`` JSON."""
    delta = settlements.c.accumulator_delta
    products = (
        delta.op("->")("products") if conn.dialect.name == "postgresql" else func.json_extract(delta, "$.products")
    )
    item, part = _delta_items(conn, products)
    source = select(settlements.c.setl_id, part(0, False), part(1, False), part(2, True), part(3, True))
    source = source.select_from(new_settlements).join(settlements, _is_new()).join(item, literal(True))
    stmt = insert(claim_fact_products).from_select(PRODUCT_ROW, source)
    return int(conn.execute(stmt, execution_options=COUNTED).rowcount)


def insert_claim_products(conn: Connection) -> int:
    """The payments of quick claims (pending legs settled later, 快赔) as product rows of their
    settlement's facts — each responsibility's ``(deductible_applied, paid)`` from the claim's
    ``accumulator_delta`` — so actuarial figures and replays count what a product paid after the
    bedside too. A settled claim is added once: when its settlement has a fact row and no row of the
    claim's product yet (a leg is paid either at the bedside or by its claim, never both)."""
    already = exists().where(
        and_(claim_fact_products.c.setl_id == commercial_claims.c.setl_id,
             claim_fact_products.c.product_id == commercial_claims.c.product_id)
    )  # fmt: skip
    has_fact = exists().where(claim_facts.c.setl_id == commercial_claims.c.setl_id)
    fresh = (
        select(commercial_claims.c.setl_id, commercial_claims.c.accumulator_delta)
        .where(
            commercial_claims.c.status == "settled",
            commercial_claims.c.accumulator_delta.is_not(None),
            has_fact,
            ~already,
        )
        .subquery("fresh")
    )
    item, part = _delta_items(conn, fresh.c.accumulator_delta)
    source = select(fresh.c.setl_id, part(0, False), part(1, False), part(2, True), part(3, True))
    stmt = insert(claim_fact_products).from_select(PRODUCT_ROW, source.select_from(fresh).join(item, literal(True)))
    return int(conn.execute(stmt, execution_options=COUNTED).rowcount)


def drop_reversed(conn: Connection) -> int:
    """Delete the facts (and product rows) of settlements that are no longer settled."""
    gone = select(settlements.c.setl_id).where(settlements.c.status != "settled")
    conn.execute(delete(claim_fact_products).where(claim_fact_products.c.setl_id.in_(gone)))
    return int(conn.execute(delete(claim_facts).where(claim_facts.c.setl_id.in_(gone))).rowcount)


def away_rows(conn: Connection) -> list[dict[str, Any]]:
    """The new settlements whose care was away from the insured region or whose person has a
    cross-region filing (a JSON ``null`` filing is no filing)."""
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
        .select_from(new_settlements)
        .join(settlements, _is_new())
        .join(hospitals, hospitals.c.fixmedins_code == settlements.c.fixmedins_code)
        .join(insurance_rows, _insurance_join())
        .where(or_(hospitals.c.admdvs != insurance_rows.c.insuplc_admdvs, has_filing))
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
