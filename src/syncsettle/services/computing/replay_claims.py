"""The historical claims of a what-if replay, as columns (NumPy arrays), in settlement order per
person; in the medical-insurance domain, never released.

Loading reads the claim facts once, as columns, and turns them into arrays without building an
object per claim: the vectorised replay needs nothing else for a *plain* claim (no line of a drug
on a list in play, no other product that paid on it). The few claims that are not plain, and every
claim of the per-bill path, become the engine's :class:`ClaimBasis` through :meth:`Claims.basis`,
which places the candidate among the products in force exactly as the settlement did.

Population: with ``replaces`` the candidate covers the persons enrolled in that product, with their
enrollment facts, in its place in filing order; without it, every person in the history, from
1 January, standard risk, first year, after the products they had. History is read from 1 January
of the first year so year-to-date deductibles and caps are right; only settlements in
``[day_from, day_to]`` count (``in_period``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from syncsettle.adapters.db.computing import replay_source as source
from syncsettle.adapters.db.core.util import gc_paused
from syncsettle.domain.actuarial.replay import ClaimBasis
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.burden import ComponentTotals
from syncsettle.domain.settlement.model import Coverage
from syncsettle.domain.settlement.split import LineSplit
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

Ints = npt.NDArray[np.int64]
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Codes:
    """A column of few distinct values: ``values[codes[k]]`` is claim k's value."""

    codes: Ints
    values: list[Any]

    @staticmethod
    def of(column: Sequence[str], convert: Callable[[str], Any] = lambda v: v) -> Codes:
        """Factorise a column of strings (sorted distinct values, in C)."""
        if not len(column):
            return Codes(np.zeros(0, dtype=np.int64), [])
        values, codes = np.unique(np.array(column, dtype=np.str_), return_inverse=True)
        return Codes(codes.astype(np.int64), [convert(str(v)) for v in values])


@dataclass
class Context:
    """What :meth:`Claims.basis` needs beyond the columns: the products, the enrollments, and the
    drug-list lines and other products' payments of the claims that have them."""

    candidate: Product
    replaces: str | None
    products: dict[str, Product]
    enrolled: dict[str, list[dict[str, Any]]]
    special: dict[str, list[LineSplit]]
    payments: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)


@dataclass
class Claims:
    """Claim k of the replay, column by column (fen, day numbers as :meth:`date.toordinal`)."""

    setl_ids: list[str]
    psn_nos: list[str]
    person: Ints  # 0, 0, 1, 1, 1, 2, … (claims are grouped by person)
    year: Ints
    day: Ints
    med_type: Codes
    insutype: Codes
    status: Codes
    diagnoses: Codes  # values are tuples of ICD-10 codes
    components: Ints  # (n, 5) in ``COMPONENTS`` order
    inscp: Ints  # the in-scope amount (inscp_scp_amt)
    owed: Ints  # what the public funds left the patient
    enrollment: Ints  # the replaced product's enrollment id in force (−1: none)
    coverage: Codes  # the candidate's Coverage (−1: not covered)
    in_period: npt.NDArray[np.bool_]
    replaced_paid: Ints
    plain: npt.NDArray[np.bool_]
    context: Context

    @property
    def n(self) -> int:
        return len(self.setl_ids)

    def person_years(self) -> Ints:
        """Index of the first claim of each (person, year), ascending from 0."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        change = (self.person[1:] != self.person[:-1]) | (self.year[1:] != self.year[:-1])
        return np.concatenate(([0], np.flatnonzero(change) + 1)).astype(np.int64)

    def persons(self, mask: npt.NDArray[np.bool_]) -> int:
        """How many distinct persons the claims selected by ``mask`` belong to."""
        return len(np.unique(self.person[mask]))

    def head(self, m: int) -> Claims:
        """The first ``m`` claims (whole history up to there: a prefix keeps year-to-date order)."""

        def cut(c: Codes) -> Codes:
            return Codes(c.codes[:m], c.values)

        return Claims(
            self.setl_ids[:m], self.psn_nos[:m], self.person[:m], self.year[:m], self.day[:m], cut(self.med_type),
            cut(self.insutype), cut(self.status), cut(self.diagnoses), self.components[:m], self.inscp[:m],
            self.owed[:m], self.enrollment[:m], cut(self.coverage), self.in_period[:m], self.replaced_paid[:m],
            self.plain[:m], self.context,
        )  # fmt: skip

    def basis(self, k: int) -> ClaimBasis:
        """Claim k as the engine's per-bill replay reads it."""
        ctx = self.context
        psn_no, setl_id, day = self.psn_nos[k], self.setl_ids[k], date.fromordinal(int(self.day[k]))
        active = [e for e in ctx.enrolled.get(psn_no, ()) if e["begndate"] <= day <= e["enddate"]]
        in_play: list[Product] = [ctx.products[e["product_id"]] for e in active if e["product_id"] in ctx.products]
        code = int(self.coverage.codes[k])
        cov: Coverage | None = self.coverage.values[code] if code >= 0 else None
        if ctx.replaces is None:
            in_play.append(ctx.candidate)
        elif cov is not None:
            position = [e["id"] for e in active].index(int(self.enrollment[k]))
            in_play.insert(sum(1 for e in active[:position] if e["product_id"] in ctx.products), ctx.candidate)
        ranked = [in_play[i] for i in sorted(range(len(in_play)), key=lambda i: (in_play[i].priority, i))]
        before = ranked[: ranked.index(ctx.candidate)] if cov is not None else []
        pays = ctx.payments.get(setl_id, {})
        lines = ctx.special.get(setl_id, [])
        inside, pre, crs, over, out = (int(x) for x in self.components[k])
        return ClaimBasis(
            psn_no=psn_no, day=day, med_type=self.med_type.values[self.med_type.codes[k]],
            insutype=self.insutype.values[self.insutype.codes[k]], status=self.status.values[self.status.codes[k]],
            diagnoses=self.diagnoses.values[self.diagnoses.codes[k]],
            components=ComponentTotals(inside, pre, crs, over, out, int(self.inscp[k])),
            owed=int(self.owed[k]), special=tuple(lines),
            special_codes=frozenset(c for prod in in_play for v in prod.versions for c in v.list_of_code)
            if lines else frozenset(),
            preceding=tuple((prod, pays.get(prod.id, {})) for prod in before), coverage=cov,
        )  # fmt: skip


COMPONENTS = ("in_scope_selfpay", "preselfpay", "cross_region_selfpay", "overlimit", "out_of_scope")


def _coverage(row: dict[str, Any]) -> Coverage:
    return Coverage(
        product_id=row["product_id"], pre_existing=bool(row["pre_existing"]), enrolled_years=int(row["enrolled_years"]),
        claim_free_years=int(row["claim_free_years"]), claimed_last_year=bool(row["claimed_last_year"]),
        enrolled_from=row["begndate"], enrolled_to=row["enddate"],
    )  # fmt: skip


def _coverages(ctx: Context, enrollment: Ints, year: Ints) -> Codes:
    """The candidate's coverage of each claim: the replaced enrollment's facts, or (no product
    replaced) standard cover from 1 January of the claim's year."""
    if ctx.replaces is None:
        years, codes = np.unique(year, return_inverse=True)
        covers = [Coverage(ctx.candidate.id, enrolled_from=date(int(y), 1, 1)) for y in years]
        return Codes(codes.astype(np.int64), covers)
    rows = {e["id"]: e for person in ctx.enrolled.values() for e in person}
    ids, inverse = np.unique(enrollment, return_inverse=True)
    index: dict[Coverage, int] = {}
    code_of_id = np.full(len(ids), -1, dtype=np.int64)
    for j, enrollment_id in enumerate(ids.tolist()):
        if enrollment_id >= 0:
            code_of_id[j] = index.setdefault(_coverage(rows[enrollment_id]), len(index))
    return Codes(code_of_id[inverse], list(index))


def _person_codes(psn: npt.NDArray[np.str_]) -> Ints:
    if not len(psn):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(([0], np.cumsum(psn[1:] != psn[:-1]))).astype(np.int64)


def enrollment_in_force(ctx: Context, psn: npt.NDArray[np.str_], day: Ints) -> Ints:
    """Each claim's first (lowest id) active enrollment in the replaced product in force on its day,
    or −1: the person's enrollments, sorted by person then id, are tried one rank at a time."""
    found = np.full(len(psn), -1, dtype=np.int64)
    mine = [e for person in ctx.enrolled.values() for e in person if e["product_id"] == ctx.replaces]
    if ctx.replaces is None or not mine or not len(psn):
        return found
    mine.sort(key=lambda e: (e["psn_no"], e["id"]))
    e_psn = np.array([e["psn_no"] for e in mine])
    e_id = np.array([e["id"] for e in mine], dtype=np.int64)
    e_from = np.array([e["begndate"].toordinal() for e in mine], dtype=np.int64)
    e_to = np.array([e["enddate"].toordinal() for e in mine], dtype=np.int64)
    lo, hi = np.searchsorted(e_psn, psn, "left"), np.searchsorted(e_psn, psn, "right")
    for rank in range(int((hi - lo).max())):
        at = np.minimum(lo + rank, len(mine) - 1)
        hit = (found < 0) & (lo + rank < hi) & (e_from[at] <= day) & (day <= e_to[at])
        found[hit] = e_id[at[hit]]
    return found


def load(p: Platform, candidate: Product, replaces: str | None, day_from: date, day_to: date,
         progress: Progress, region: str = "") -> Claims:  # fmt: skip
    """Read the claims of ``[1 January of day_from's year, day_to]`` (progress 0 → 0.6); with
    ``region`` (an insured-region prefix) only those of persons insured there."""
    if replaces is not None and replaces not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {replaces} 不存在", "replaces")
    start = date(day_from.year, 1, 1)
    products = {pid: prod for pid, prod in p.rules.products.items() if pid != replaces}
    codes = frozenset(c for prod in [*products.values(), candidate] for v in prod.versions for c in v.list_of_code)
    with gc_paused(), p.uow(readonly=True) as uow:
        total = max(1, source.count(uow.conn, start, day_to, region))
        cols = source.fact_columns(uow.conn, start, day_to, replaces, lambda seen: progress(0.5 * seen / total),
                                   region=region)  # fmt: skip
        ctx = Context(candidate, replaces, products, source.active_enrollments(uow.conn),
                      source.special_lines(uow.conn, start, day_to, codes, region))  # fmt: skip
        others = np.array(cols["others_paid"], dtype=np.int64) != 0
        ctx.payments = source.product_payments(uow.conn, (cols["setl_id"][k] for k in np.flatnonzero(others)))
    ints = {name: np.array(cols[name], dtype=np.int64) for name in source.INT_COLUMNS}
    psn = np.array(cols["psn_no"], dtype=np.str_)
    enrollment = enrollment_in_force(ctx, psn, ints["day"])
    setl_ids = cols["setl_id"]
    special = np.fromiter((s in ctx.special for s in setl_ids), dtype=np.bool_, count=len(setl_ids))
    inscp, crs, funds = ints["inscp_scp_amt"], ints["cross_region_selfpay"], ints["fund_pay_sumamt"]
    components = np.stack(
        [inscp - crs - funds, ints["preselfpay_amt"], crs, ints["overlmt_amt"], ints["fulamt_ownpay_amt"]], axis=1
    )
    claims = Claims(
        setl_ids=setl_ids, psn_nos=cols["psn_no"], person=_person_codes(psn), year=ints["year"], day=ints["day"],
        med_type=Codes.of(cols["med_type"]), insutype=Codes.of(cols["insutype"]),
        status=Codes.of(cols["product_status"]),
        diagnoses=Codes.of(cols["diagnoses"], lambda text: tuple(json.loads(text) or ())),
        components=components, inscp=inscp, owed=ints["medfee_sumamt"] - funds, enrollment=enrollment,
        coverage=_coverages(ctx, enrollment, ints["year"]), in_period=ints["day"] >= day_from.toordinal(),
        replaced_paid=ints["replaced_paid"], plain=~(special | others), context=ctx,
    )  # fmt: skip
    progress(0.6)
    return claims
