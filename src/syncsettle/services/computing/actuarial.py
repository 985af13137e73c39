"""Actuarial aggregates of a product's enrollees (or, with ``product=None``, of everyone in the
claim facts): enrollments, premium, claim count, paid amount, loss ratio, frequency and severity
by any of age band, sex, region, pre-existing class and month; and the distribution of what
patients still paid after basic insurance. Computed with set-based SQL in the medical-insurance
domain and released only through :func:`release.release` (minimum cell size, optional noise,
budget, audit).

Premium per cell = enrollees × the product's premium per enrollee: what the period's enrollments
were charged (``enrollments.premium``), unless ``product_premiums`` fixes a figure for the year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, select

from syncsettle.adapters.db.schema import enrollments, persons
from syncsettle.adapters.db.schema_computing import claim_fact_products, claim_facts, product_premiums
from syncsettle.domain.actuarial.postprocess import Consistency
from syncsettle.money import four, round_half_up
from syncsettle.services.computing.release import AuditPort, Cell, release
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

AGE_BANDS = ((0, 17, "0-17"), (18, 39, "18-39"), (40, 59, "40-59"), (60, 74, "60-74"), (75, 200, "75+"))
DIMENSIONS = ("age_band", "sex", "region", "pre_existing", "month")
PAID_SENSITIVITY = 5_000_000  # fen: the most one person's claims are taken to move a sum of money (noise scale)
CLAIMS_SENSITIVITY = 10  # claims: the most one person is taken to add to a count of claims
BURDEN_BANDS = (0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)  # fen


@dataclass(frozen=True)
class Requester:
    """Who asks and why (for the audit record), and under which insurer's budget (``insurer``: the
    budget owner — an insurer id, or ``regulator:<region>``); ``tenant`` is whom the requester acts
    for when it is not the budget owner itself."""

    who: str
    role: str
    insurer: str
    purpose: str
    tenant: str = ""
    credential_id: str = ""

    def release_kwargs(self) -> dict[str, str]:
        """The requester's part of :func:`release.release`'s arguments."""
        return {"who": self.who, "role": self.role, "insurer": self.insurer, "purpose": self.purpose,
                "tenant": self.tenant, "credential_id": self.credential_id}  # fmt: skip


def _band(age: Any) -> Any:
    return case(*((and_(age >= lo, age <= hi), label) for lo, hi, label in AGE_BANDS), else_="unknown")


def _dims(by: list[str], pre_existing: Any) -> dict[str, Any]:
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ServiceError(Code.FIELD, f"未知维度 {unknown}，可用 {list(DIMENSIONS)}", "by")
    cols = {
        "age_band": _band(claim_facts.c.age),
        "sex": claim_facts.c.gend,
        "region": claim_facts.c.insured_region,
        "pre_existing": cast(pre_existing, Integer),
        "month": extract("year", claim_facts.c.setl_date) * 100 + extract("month", claim_facts.c.setl_date),
    }
    return {d: cols[d] for d in by}


def _claims(conn: Any, product: str, day_from: date, day_to: date, by: list[str]) -> dict[tuple[Any, ...], list[int]]:
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


def _enrollees(conn: Any, product: str, day_from: date, day_to: date, by: list[str]) -> dict[tuple[Any, ...], int]:
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


def _premium(conn: Any, product: str, day_from: date, day_to: date) -> int | None:
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


def product_aggregates(
    p: Platform, requester: Requester, product: str, day_from: date, day_to: date, by: list[str], *,
    min_cell: int = 10, epsilon: Fraction | None = None, audit: AuditPort | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The actuarial table of a product's enrollees, released cell by cell."""
    if product not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {product} 不存在", "product")
    with p.uow() as uow:
        claims = _claims(uow.conn, product, day_from, day_to, by)
        enrollees = _enrollees(uow.conn, product, day_from, day_to, by)
        premium = _premium(uow.conn, product, day_from, day_to)
        cells = []
        for key in sorted(set(claims) | set(enrollees)):
            claimants, count, paid = claims.get(key, [0, 0, 0])
            people = enrollees.get(key, 0)
            cells.append(
                Cell(
                    dict(zip(by, key, strict=True)) | {"product": product, "period": f"{day_from}/{day_to}"},
                    max(people, claimants),
                    {"enrollments": people, "claims": count, "paid": paid},
                    {"enrollments": 1, "claims": CLAIMS_SENSITIVITY, "paid": PAID_SENSITIVITY},
                    Consistency(counted_by={"paid": "claims"}),  # no money paid without a claim
                )
            )
        released = release(
            uow.conn, now=p.clock.now(), **requester.release_kwargs(), dataset=f"product:{product}", cells=cells,
            min_cell=min_cell, epsilon=epsilon, audit=audit,
        )  # fmt: skip
        uow.commit()
    return {"product": product, "by": by, "cells": [_ratios(c, premium) for c in released]}


def _ratios(cell: dict[str, Any], premium: int | None) -> dict[str, Any]:
    """Premium, loss ratio, frequency and severity (fen, half-up) from the released metrics — after
    post-processing when noisy, so never negative (docs/privacy.md)."""
    m = cell["metrics"]
    if cell["suppressed"]:
        return {**cell, "premium": None, "loss_ratio": None, "frequency": None, "severity": None}
    enrollees, claims, paid = max(0, m["enrollments"]), max(0, m["claims"]), max(0, m["paid"])
    income = enrollees * premium if premium is not None else None
    return {
        **cell,
        "premium": income,
        "loss_ratio": four(paid, income) if income else None,
        "frequency": four(claims, enrollees) if enrollees else None,
        "severity": round_half_up(paid, claims) if claims else None,
    }


def remainder_distribution(
    p: Platform, requester: Requester, product: str | None, day_from: date, day_to: date, *,
    min_cell: int = 10, epsilon: Fraction | None = None, audit: AuditPort | None = None, region_prefix: str = "",
) -> dict[str, Any]:  # fmt: skip
    """How many settlements (and distinct persons) left the patient each band of ``psn_part_amt``
    (what remained after basic insurance: total − public funds), for a product's enrollees or everyone
    (optionally only persons insured in regions starting with ``region_prefix``)."""
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
    with p.uow() as uow:
        rows = {int(b): (int(n), int(c)) for b, n, c in uow.conn.execute(stmt.group_by(band))}
        cells = [
            Cell({"product": product or "*", "period": f"{day_from}/{day_to}", "band": str(i)}, rows.get(i, (0, 0))[0],
                 {"settlements": rows.get(i, (0, 0))[1]}, {"settlements": 10})
            for i in range(len(edges))
        ]  # fmt: skip
        released = release(
            uow.conn, now=p.clock.now(), **requester.release_kwargs(),
            dataset=f"remainder:{product or '*'}" + (f":{region_prefix}" if region_prefix else ""), cells=cells,
            min_cell=min_cell, epsilon=epsilon, audit=audit,
        )  # fmt: skip
        uow.commit()
    labels = [f"{lo // 100}-{hi // 100}" for lo, hi in pairwise(edges)] + [f"{edges[-1] // 100}+"]
    return {"bands_yuan": labels, "cells": released}
