"""The actuarial queries: set-based SQL over the claim facts and enrollments, per cell of the
dimensions asked for (age band, sex, region, pre-existing class, month), and the distribution of what
patients still paid after basic insurance. Amounts in fen; the release (minimum cell, noise, budget,
audit) is the service's (``services/computing/actuarial.py``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, Integer, and_, case, cast, extract, func, select

from syncsettle.adapters.db.computing.schema_computing import claim_fact_products, claim_facts, product_premiums
from syncsettle.adapters.db.core.schema import enrollments, persons
from syncsettle.money import round_half_up

AGE_BANDS = ((0, 17, "0-17"), (18, 39, "18-39"), (40, 59, "40-59"), (60, 74, "60-74"), (75, 200, "75+"))
DIMENSIONS = ("age_band", "sex", "region", "pre_existing", "month")
BURDEN_BANDS = (0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)  # fen


def _band(age: Any) -> Any:
    return case(*((and_(age >= lo, age <= hi), label) for lo, hi, label in AGE_BANDS), else_="unknown")


def _dims(by: list[str], pre_existing: Any) -> dict[str, Any]:
    cols = {
        "age_band": _band(claim_facts.c.age),
        "sex": claim_facts.c.gend,
        "region": claim_facts.c.insured_region,
        "pre_existing": cast(pre_existing, Integer),
        "month": extract("year", claim_facts.c.setl_date) * 100 + extract("month", claim_facts.c.setl_date),
    }
    return {d: cols[d] for d in by}


def claims_by_cell(
    conn: Connection, product: str, day_from: date, day_to: date, by: list[str]
) -> dict[tuple[Any, ...], list[int]]:
    paid = (
        select(claim_fact_products.c.setl_id, func.sum(claim_fact_products.c.paid).label("paid"))
        .where(claim_fact_products.c.product_id == product)
        .group_by(claim_fact_products.c.setl_id)
        .subquery()
    )
    enrolled = and_(
        enrollments.c.psn_no == claim_facts.c.psn_no, enrollments.c.product_id == product,
        enrollments.c.begndate <= claim_facts.c.setl_date, enrollments.c.enddate >= claim_facts.c.setl_date,
    )  # fmt: skip
    dims = _dims(by, enrollments.c.pre_existing)
    stmt = (
        select(
            *(c.label(d) for d, c in dims.items()),
            func.count(func.distinct(claim_facts.c.psn_no)),
            func.count(),
            func.sum(paid.c.paid),
        )
        .select_from(claim_facts)
        .join(enrollments, enrolled)
        .join(paid, paid.c.setl_id == claim_facts.c.setl_id)
        .where(and_(claim_facts.c.setl_date >= day_from, claim_facts.c.setl_date <= day_to, paid.c.paid > 0))
        .group_by(*dims.values())
    )
    return {
        tuple(str(v) for v in row[: len(dims)]): [int(x or 0) for x in row[len(dims) :]] for row in conn.execute(stmt)
    }


def enrollees_by_cell(
    conn: Connection, product: str, day_from: date, day_to: date, by: list[str]
) -> dict[tuple[Any, ...], int]:
    """Distinct enrollees per cell (attributes at ``day_from``; a month cell counts who was enrolled in it)."""
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    months = [(y, m) for y in range(day_from.year, day_to.year + 1) for m in range(1, 13)
              if date(day_from.year, day_from.month, 1) <= date(y, m, 1) <= day_to]  # fmt: skip
    for y, m in months if "month" in by else [(None, None)]:
        lo = date(y, m, 1) if y and m else day_from
        hi = date(y + (m == 12), m % 12 + 1, 1) if y and m else day_to
        age = day_from.year - extract("year", persons.c.brdy)
        cols = {
            "age_band": _band(age),
            "sex": persons.c.gend,
            "region": persons.c.insuplc_admdvs,
            "pre_existing": cast(enrollments.c.pre_existing, Integer),
            "month": y * 100 + m if y and m else 0,
        }
        stmt = (
            select(*(cols[d] for d in by if d != "month"), func.count(func.distinct(enrollments.c.psn_no)))
            .join(persons, persons.c.psn_no == enrollments.c.psn_no)
            .where(and_(enrollments.c.product_id == product, enrollments.c.begndate < hi, enrollments.c.enddate >= lo))
            .group_by(*(cols[d] for d in by if d != "month"))
        )  # fmt: skip
        for row in conn.execute(stmt):
            values = iter(str(v) for v in row[:-1])
            key = tuple(str(y * 100 + m) if d == "month" and y and m else next(values) for d in by)
            out[key] += int(row[-1])
    return out


def premium_per_enrollee(conn: Connection, product: str, day_from: date, day_to: date) -> int | None:
    """Fen per enrollee for the period: the ``product_premiums`` figure of ``day_from``'s year when
    one is set (an actuary's override), else the mean premium the period's enrollments were actually
    charged (rounded half-up to the fen; one price per product version, so usually that price)."""
    fixed = conn.execute(
        select(product_premiums.c.premium).where(
            and_(product_premiums.c.product_id == product, product_premiums.c.year == day_from.year)
        )
    ).scalar()
    if fixed is not None:
        return int(fixed)
    charged, count = conn.execute(
        select(func.sum(enrollments.c.premium), func.count())
        .where(enrollments.c.product_id == product)
        .where(enrollments.c.begndate <= day_to, enrollments.c.enddate >= day_from)
    ).one()
    return round_half_up(int(charged), int(count)) if count else None


def remainder_bands(conn: Connection, day_from: date, day_to: date, *, product: str | None,
                    region_prefix: str = "") -> dict[int, tuple[int, int]]:  # fmt: skip
    """Band index of :data:`BURDEN_BANDS` → (distinct persons, settlements) whose ``psn_part_amt``
    (total − public funds) falls in it, for a product's enrollees or everyone."""
    remainder = claim_facts.c.medfee_sumamt - claim_facts.c.fund_pay_sumamt
    edges = list(BURDEN_BANDS)
    band = case(*((remainder < hi, i) for i, hi in enumerate(edges[1:])), else_=len(edges) - 1)
    stmt = select(band, func.count(func.distinct(claim_facts.c.psn_no)), func.count()).where(
        and_(claim_facts.c.setl_date >= day_from, claim_facts.c.setl_date <= day_to)
    )
    if region_prefix:
        stmt = stmt.where(claim_facts.c.insured_region.like(f"{region_prefix}%"))
    if product is not None:
        stmt = stmt.join(
            enrollments,
            and_(enrollments.c.psn_no == claim_facts.c.psn_no, enrollments.c.product_id == product,
                 enrollments.c.begndate <= claim_facts.c.setl_date, enrollments.c.enddate >= claim_facts.c.setl_date),
        )  # fmt: skip
    return {int(b): (int(n), int(c)) for b, n, c in conn.execute(stmt.group_by(band))}
