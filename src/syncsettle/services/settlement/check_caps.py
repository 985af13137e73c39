"""``syncsettle check``, the caps: no accumulator above the limit its rules set (all amounts in fen).

- basic policy caps, per (person, insurance type, year): the pooled fund's inpatient and outpatient
  payments (``inp_fund_paid``, ``out_fund_paid``) within their benefits' ``annual_cap``, and the
  tiered top-up's (``subsidy_paid``) within its ``annual_cap`` — of the policy of the insurance row's
  region and type;
- product caps, per (person, product, year): each responsibility's ``paid`` within its ``cap``, the
  responsibilities of a shared cap together within it, and the whole product within its
  ``person_cap`` — of every filing of the product (and the shipped rule file).

The accumulator check (:mod:`.check`) already proves the accumulators equal what the settlements
and claims paid, so a cap holds for the money paid exactly when it holds for them. When a year saw
several versions (a mid-year change, several filings), the largest limit of the year counts: this
check reports what no rule could allow, never a limit a rule change moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import cache
from typing import Literal, TypeVar

from sqlalchemy import Connection

from syncsettle.adapters.db.settlement import check_queries as q
from syncsettle.domain.rules.policy import Policy, PolicyVersion
from syncsettle.domain.rules.product import Product, ProductVersion
from syncsettle.money import format_yuan
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.platform import Platform

BasicLimits = dict[str, int]  # accumulator field → the largest annual cap of the year (fen)
V = TypeVar("V", PolicyVersion, ProductVersion)
BENEFIT_FIELDS: tuple[tuple[Literal["inpatient", "outpatient"], str], ...] = (
    ("inpatient", "inp_fund_paid"),
    ("outpatient", "out_fund_paid"),
)


def days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def versions_in(versions_on: Iterable[V | None]) -> list[V]:
    """The distinct versions among those in force on the days given (in the order first seen)."""
    found: dict[int, V] = {}
    for version in versions_on:
        if version is not None:
            found.setdefault(id(version), version)
    return list(found.values())


def basic_limits(versions: Sequence[PolicyVersion]) -> BasicLimits:
    """The basic accumulators' caps over ``versions`` (a field no version caps is left out)."""
    limits: BasicLimits = {}
    for v in versions:
        for name, field in BENEFIT_FIELDS:
            if name in v.benefits:
                limits[field] = max(limits.get(field, 0), v.benefits[name].annual_cap)
        if v.tiered_top_up is not None:
            limits["subsidy_paid"] = max(limits.get("subsidy_paid", 0), v.tiered_top_up.annual_cap)
    return limits


def product_limits(versions: Sequence[ProductVersion]) -> list[tuple[str, frozenset[str] | None, int]]:
    """(label, responsibility ids — ``None`` for all of them —, cap) of every cap over ``versions``,
    the largest of each label."""
    caps: dict[str, tuple[frozenset[str] | None, int]] = {}

    def keep(label: str, ids: frozenset[str] | None, cap: int) -> None:
        caps[label] = (ids, max(cap, caps[label][1])) if label in caps else (ids, cap)

    for v in versions:
        for r in v.responsibilities:
            keep(f"responsibility {r.id}", frozenset({r.id}), r.cap)
        for shared in v.shared_caps:
            keep(f"shared cap {shared.id}", frozenset(shared.responsibilities), shared.cap)
        if v.person_cap is not None:
            keep("person cap", None, v.person_cap)
    return [(label, ids, cap) for label, (ids, cap) in caps.items()]


def cap_problems(p: Platform, conn: Connection) -> list[str]:
    return _basic_problems(p, conn) + _product_problems(p, conn)


def _basic_problems(p: Platform, conn: Connection) -> list[str]:
    regions = q.insured_regions(conn)
    policies = sorted(p.rules.policies.values(), key=lambda pol: pol.id)

    @cache
    def limits(region: str, insutype: str, year: int) -> BasicLimits:
        mine = [pol for pol in policies if pol.region == region and pol.insutype == insutype]
        return basic_limits(_policy_versions(mine, year))

    problems = []
    for row in q.basic_accumulator_rows(conn):
        region = regions.get((row["psn_no"], row["insutype"]))
        if region is None:
            continue
        for field, cap in limits(region, row["insutype"], row["year"]).items():
            if row[field] > cap:
                key = (row["psn_no"], row["insutype"], row["year"])
                problems.append(
                    f"accumulator {key} {field} = {format_yuan(row[field])} is above the policy's annual cap "
                    f"{format_yuan(cap)}"
                )
    return problems


def _policy_versions(policies: Sequence[Policy], year: int) -> list[PolicyVersion]:
    return [v for pol in policies for v in versions_in(pol.version_on(d) for d in days_of(year))]


def _product_problems(p: Platform, conn: Connection) -> list[str]:
    paid: dict[tuple[str, str, int], dict[str, int]] = defaultdict(dict)
    for row in q.product_accumulator_rows(conn):
        paid[(row["psn_no"], row["product_id"], row["year"])][row["resp_id"]] = int(row["paid"])
    if not paid:
        return []
    rules: dict[str, list[Product]] = defaultdict(list)
    for product in p.rules.products.values():
        rules[product.id].append(product)
    wanted = sorted({product_id for _, product_id, _ in paid})
    for filing in q.filings_of(conn, wanted):
        rules[filing["product_id"]].append(product_of(filing))

    @cache
    def limits(product_id: str, year: int) -> list[tuple[str, frozenset[str] | None, int]]:
        found = rules.get(product_id, [])
        return product_limits([v for prod in found for v in versions_in(prod.version_on(d) for d in days_of(year))])

    problems = []
    for (psn_no, product_id, year), by_resp in sorted(paid.items()):
        for label, ids, cap in limits(product_id, year):
            total = sum(amount for resp, amount in by_resp.items() if ids is None or resp in ids)
            if total > cap:
                problems.append(
                    f"product accumulator {(psn_no, product_id, year)} {label}: paid {format_yuan(total)} is above "
                    f"its cap {format_yuan(cap)}"
                )
    return problems
