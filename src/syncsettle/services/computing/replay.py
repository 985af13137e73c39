"""What-if replay (产品测算) of a candidate product over a period of historical settlements, in the
medical-insurance domain; only aggregates come out.

Population: with ``replaces`` the candidate covers the persons enrolled in that product, with their
enrollment facts, in its place in filing order; without it, every person in the history, from
1 January, standard risk, first year, after the products they had. History is replayed from
1 January of the first year so year-to-date deductibles and caps are right; only settlements in
``[day_from, day_to]`` count. ``premium`` is per covered person for the period (fen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from syncsettle.adapters.db import replay_source as source
from syncsettle.domain.actuarial.replay import ClaimBasis, bases, burden_before, replay_bills
from syncsettle.domain.actuarial.vectorised import TermCache, Terms, pay_matrix, supports
from syncsettle.domain.rules.product import Product, ProductVersion
from syncsettle.domain.settlement.burden import ComponentTotals
from syncsettle.domain.settlement.model import Coverage
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

Progress = Callable[[float], None]


@dataclass
class History:
    """The claims of a replay, in settlement order per person, and which of them are in the period."""

    claims: list[ClaimBasis] = field(default_factory=list)
    in_period: list[bool] = field(default_factory=list)
    replaced_paid: list[int] = field(default_factory=list)


def _coverage(row: dict[str, Any]) -> Coverage:
    return Coverage(
        product_id=row["product_id"], pre_existing=bool(row["pre_existing"]), enrolled_years=int(row["enrolled_years"]),
        claim_free_years=int(row["claim_free_years"]), claimed_last_year=bool(row["claimed_last_year"]),
        enrolled_from=row["begndate"], enrolled_to=row["enddate"],
    )  # fmt: skip


def load_history(
    p: Platform, candidate: Product, replaces: str | None, day_from: date, day_to: date, progress: Progress
) -> History:
    if replaces is not None and replaces not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {replaces} 不存在", "replaces")
    start = date(day_from.year, 1, 1)
    products = {pid: prod for pid, prod in p.rules.products.items() if pid != replaces}
    codes = frozenset(c for prod in [*products.values(), candidate] for v in prod.versions for c in v.list_of_code)
    history = History()
    with p.uow(readonly=True) as uow:
        total = max(1, source.count(uow.conn, start, day_to))
        enrolled = source.active_enrollments(uow.conn)
        paid = source.product_payments(uow.conn, start, day_to)
        special = source.special_lines(uow.conn, start, day_to, codes)
        for i, row in enumerate(source.facts(uow.conn, start, day_to)):
            (setl_id, psn_no, day, med_type, insutype, status, diagnoses, medfee, funds, inscp, crs, preself, over,
             out) = row  # fmt: skip
            active = [e for e in enrolled.get(psn_no, ()) if e["begndate"] <= day <= e["enddate"]]
            in_play: list[tuple[Product, dict[str, Any] | None]] = [
                (products[e["product_id"]], e) for e in active if e["product_id"] in products
            ]
            mine = next((e for e in active if e["product_id"] == replaces), None) if replaces else None
            cov = _coverage(mine) if mine else None
            if replaces is None:
                cov = Coverage(candidate.id, enrolled_from=date(day.year, 1, 1))
                in_play.append((candidate, None))
            elif mine is not None:
                position = [e["id"] for e in active].index(mine["id"])
                in_play.insert(sum(1 for e in active[:position] if e["product_id"] in products), (candidate, None))
            order = sorted(range(len(in_play)), key=lambda k: (in_play[k][0].priority, k))
            before = [in_play[k][0] for k in order[: [in_play[k][0] for k in order].index(candidate)]] if cov else []
            pays = paid.get(setl_id, {})
            lines = special.get(setl_id, [])
            history.claims.append(
                ClaimBasis(
                    psn_no=psn_no, day=day, med_type=med_type, insutype=insutype, status=status,
                    diagnoses=tuple(diagnoses or ()),
                    components=ComponentTotals(inscp - crs - funds, preself, crs, over, out, inscp),
                    owed=medfee - funds, special=tuple(lines),
                    special_codes=frozenset(c for prod, _ in in_play for v in prod.versions for c in v.list_of_code)
                    if lines else frozenset(),
                    preceding=tuple((prod, pays.get(prod.id, {})) for prod in before), coverage=cov,
                )
            )  # fmt: skip
            history.in_period.append(day >= day_from)
            history.replaced_paid.append(sum(pays.get(replaces, {}).values()) if replaces else 0)
            if i % 50_000 == 0:
                progress(0.6 * i / total)
    return history


def per_bill(candidate: Product, history: History) -> list[tuple[int, tuple[int, ...]]]:
    """Each claim through the engine's adjudication, in order."""
    return list(replay_bills(candidate, history.claims))


def _single_version(candidate: Product, claims: list[ClaimBasis]) -> ProductVersion:
    versions = {id(v): v for c in claims if (v := candidate.version_on(c.day)) is not None}
    if len(versions) != 1:
        raise ServiceError(Code.RULES, "向量化测算要求区间内只有一个产品版本生效", "candidate")
    version = next(iter(versions.values()))
    if not supports(version):
        raise ServiceError(Code.RULES, "向量化测算要求各责任覆盖的费用成分互不重叠", "candidate")
    return version


def vectorised(candidate: Product, history: History, progress: Progress) -> list[tuple[int, tuple[int, ...]]]:
    """The same figures with the deductibles and caps computed with NumPy over every claim at once."""
    claims = history.claims
    version = _single_version(candidate, claims)
    cache = TermCache(version)
    r = len(version.responsibilities)
    n = len(claims)
    base = np.zeros((n, r), dtype=np.int64)
    num = np.zeros((n, r), dtype=np.int64)
    den = np.ones((n, r), dtype=np.int64)
    ded = np.zeros((n, r), dtype=np.int64)
    column_sets = [
        [i for i, name in enumerate(_COMPONENTS) if name in resp.covers] for resp in version.responsibilities
    ]
    firsts = []
    last: tuple[str, int] | None = None
    for k, c in enumerate(claims):
        if (c.psn_no, c.day.year) != last:
            firsts.append(k)
            last = (c.psn_no, c.day.year)
        if c.coverage is None:
            continue
        eligible, terms = cache.get(c.coverage, c.insutype, c.status, c.med_type, c.day, c.diagnoses)
        if not eligible:
            continue
        if c.simple:
            comps = c.components.as_list()
            row = [sum(comps[i] for i in cols) for cols in column_sets]
        else:
            row = bases(version, burden_before(c)[0])
        for j, (nu, de, dd, covers) in enumerate(terms):
            num[k, j], den[k, j], ded[k, j] = nu, de, dd
            base[k, j] = row[j] if covers else 0
        if k % 100_000 == 0:
            progress(0.6 + 0.3 * k / max(1, n))
    pay = pay_matrix(version, np.array(firsts, dtype=np.int64), Terms(base, num, den, ded))
    return [(int(row.sum()), tuple(int(x) for x in row)) for row in pay]


_COMPONENTS = ("in_scope_selfpay", "preselfpay", "cross_region_selfpay", "overlimit", "out_of_scope")


def in_period(
    history: History, results: list[tuple[int, tuple[int, ...]]]
) -> Iterator[tuple[int, tuple[int, ...], int]]:
    """(candidate payable, per responsibility, replaced product's actual payment) of the claims in the period."""
    for keep, result, replaced in zip(history.in_period, results, history.replaced_paid, strict=True):
        if keep:
            yield result[0], result[1], replaced
