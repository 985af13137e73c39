"""What a replay reads, in a few set-based queries that never commit: the claim facts of a period
as columns (streamed in batches through a server-side cursor on PostgreSQL, only the columns the
replay needs, dates as day numbers and diagnoses as their JSON text so no value is converted row by
row), the active enrollments, the products' actual payments of the claims that need them, and the
lines of drug-list codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
)

from syncsettle.adapters.db.computing.schema_computing import claim_fact_products, claim_facts
from syncsettle.adapters.db.core.schema import enrollments, fee_lines, insurance_rows, persons
from syncsettle.adapters.db.core.util import gc_paused, stream_tuples
from syncsettle.domain.settlement.split import LineSplit

facts_ = claim_facts.c
paid_ = claim_fact_products.c

TEXT_COLUMNS = ("setl_id", "psn_no", "med_type", "insutype", "product_status", "diagnoses")
INT_COLUMNS = (
    "year", "day", "medfee_sumamt", "fund_pay_sumamt", "inscp_scp_amt", "cross_region_selfpay", "preselfpay_amt",
    "overlmt_amt", "fulamt_ownpay_amt", "replaced_paid", "others_paid",
)  # fmt: skip


def _in_period(day_from: date, day_to: date, region: str = "") -> Any:
    """Facts of ``[day_from, day_to]``; with ``region`` (an insured-region prefix, ``3706``), only of
    persons insured there (a regulator replays its own population)."""
    period = and_(facts_.setl_date >= day_from, facts_.setl_date <= day_to)
    return and_(period, facts_.insured_region.startswith(region)) if region else period


def day_number(conn: Connection, col: Any) -> Any:
    """A date as :meth:`date.toordinal` (0001-01-01 is 1), computed by the database."""
    if conn.dialect.name == "postgresql":
        return cast(col - literal(date(1, 1, 1)), Integer) + 1
    return cast(func.julianday(col) - 1721424.5, Integer)


def count(conn: Connection, day_from: date, day_to: date, region: str = "") -> int:
    return int(conn.execute(select(func.count()).where(_in_period(day_from, day_to, region))).scalar_one())


def _scan_columns(conn: Connection, day_from: date, day_to: date) -> tuple[Any, Any]:
    """(``setl_date``, ``psn_no``) to filter and order by; on SQLite ``+setl_date`` and ``+psn_no``
    when the period holds most of the facts: the unary plus (a no-op on any value) keeps SQLite's
    planner off the date and person indexes, and one pass over the table plus a sort then beats a
    lookup per row (SQLite has no statistics to decide that itself)."""
    if conn.dialect.name != "sqlite":
        return facts_.setl_date, facts_.psn_no
    total = int(conn.execute(select(func.count()).select_from(claim_facts)).scalar_one())
    if count(conn, day_from, day_to) * 2 < total:
        return facts_.setl_date, facts_.psn_no
    return literal_column("+claim_facts.setl_date", Date), literal_column("+claim_facts.psn_no", String)


def fact_columns(
    conn: Connection, day_from: date, day_to: date, replaces: str | None,
    progress: Callable[[int], None] = lambda _: None, batch: int = 50_000, region: str = "",
) -> dict[str, list[Any]]:  # fmt: skip
    """The period's facts ordered by person, settlement time and id, column by column
    (``TEXT_COLUMNS`` + ``INT_COLUMNS``), streamed as plain tuples. ``replaced_paid``: what
    ``replaces`` paid on the settlement (fen); ``others_paid``: 1 when another product paid.
    ``region``: only persons insured under that region prefix (see :func:`_in_period`)."""
    others = exists().where(paid_.setl_id == facts_.setl_id, paid_.paid != 0)
    replaced: Any = literal(0)
    if replaces is not None:
        others = others.where(paid_.product_id != replaces)
        replaced = cast(
            func.coalesce(
                select(func.sum(paid_.paid)).where(paid_.setl_id == facts_.setl_id, paid_.product_id == replaces)
                .scalar_subquery(),
                0,
            ),
            BigInteger,
        )  # fmt: skip
    day, person = _scan_columns(conn, day_from, day_to)
    wanted = (
        facts_.setl_id, facts_.psn_no, facts_.med_type, facts_.insutype, facts_.product_status,
        cast(facts_.diagnoses, Text), facts_.year, day_number(conn, facts_.setl_date), facts_.medfee_sumamt,
        facts_.fund_pay_sumamt, facts_.inscp_scp_amt, facts_.cross_region_selfpay, facts_.preselfpay_amt,
        facts_.overlmt_amt, facts_.fulamt_ownpay_amt, replaced, case((others, 1), else_=0),
    )  # fmt: skip
    stmt = select(*wanted).where(day >= day_from, day <= day_to)
    if region:
        stmt = stmt.where(facts_.insured_region.startswith(region))
    stmt = stmt.order_by(person, facts_.setl_time, facts_.setl_id)
    names = TEXT_COLUMNS + INT_COLUMNS
    out: dict[str, list[Any]] = {name: [] for name in names}
    columns = [out[name] for name in names]
    seen = 0
    with gc_paused():
        for rows in stream_tuples(conn, stmt, batch):
            for column, values in zip(columns, zip(*rows, strict=True), strict=True):
                column.extend(values)
            seen += len(rows)
            progress(seen)
    return out


def active_enrollments(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Person → active enrollments in enrollment order (the order the settlement saw them in).
    A few per person at most: far fewer rows than claims."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stmt = select(enrollments).where(enrollments.c.status == "active").order_by(enrollments.c.id)
    for row in conn.execute(stmt).mappings():
        out[row["psn_no"]].append(dict(row))
    return out


def enrolled_persons(conn: Connection, product_id: str, day_from: date, day_to: date, region: str = "") -> int:
    """How many distinct persons hold an active enrollment in ``product_id`` whose cover overlaps
    ``[day_from, day_to]`` (``begndate <= day_to`` and ``enddate >= day_from``): the replay's
    covered population, claimants or not. ``region``: persons insured under that prefix only."""
    e = enrollments.c
    stmt = select(func.count(func.distinct(e.psn_no))).where(
        e.product_id == product_id, e.status == "active", e.begndate <= day_to, e.enddate >= day_from
    )
    if region:
        stmt = stmt.select_from(enrollments.join(persons, persons.c.psn_no == e.psn_no)).where(
            persons.c.insuplc_admdvs.startswith(region)
        )
    return int(conn.execute(stmt).scalar_one())


def insured_persons(conn: Connection, day_to: date, region: str = "") -> int:
    """How many distinct persons are insured (an insurance row in force, ``psn_insu_stas`` 1, insured
    on or before ``day_to``), under the insured-region prefix ``region`` if given."""
    r = insurance_rows.c
    stmt = select(func.count(func.distinct(r.psn_no))).where(r.psn_insu_stas == "1", r.psn_insu_date <= day_to)
    if region:
        stmt = stmt.where(r.insuplc_admdvs.startswith(region))
    return int(conn.execute(stmt).scalar_one())


def product_payments(conn: Connection, setl_ids: Iterable[str]) -> dict[str, dict[str, dict[str, int]]]:
    """Settlement → product → responsibility → what it paid, for the given settlements."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    wanted = sorted(set(setl_ids))
    for i in range(0, len(wanted), 5000):
        stmt = select(paid_.setl_id, paid_.product_id, paid_.resp_id, paid_.paid).where(
            paid_.setl_id.in_(wanted[i : i + 5000])
        )
        for setl_id, product_id, resp_id, paid in conn.execute(stmt):
            out[setl_id][product_id][resp_id] = int(paid)
    return out


def special_lines(conn: Connection, day_from: date, day_to: date, codes: frozenset[str],
                  region: str = "") -> dict[str, list[LineSplit]]:  # fmt: skip
    """Settlement → its lines whose code is on a drug list in play, as the engine's :class:`LineSplit`."""
    out: dict[str, list[LineSplit]] = defaultdict(list)
    if not codes:
        return out
    stmt = (
        select(fee_lines)
        .join(claim_facts, facts_.setl_id == fee_lines.c.setl_id)
        .where(and_(_in_period(day_from, day_to, region), fee_lines.c.med_list_codg.in_(sorted(codes))))
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
