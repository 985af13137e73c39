"""What-if replay (产品测算) of a candidate product over loaded claims (:mod:`replay_claims`), two
ways that agree to the fen: per bill through the engine's adjudication (the reference), and
vectorised with NumPy (the million-settlement path).

The vectorised path works on distinct situations, not claims: the product's terms (eligibility,
ratio, deductible, whether a responsibility covers the care) depend only on (coverage, insurance
type, cross-region status, medical type, day, diagnoses), so each distinct combination is resolved
once by the engine's own functions and spread over the claims with an index. A plain claim's
responsibility bases are its component totals times a 0/1 matrix; the other claims take theirs
from the engine's burden. Deductibles and caps then run over every claim at once
(:func:`pay_matrix`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from syncsettle.domain.actuarial.replay import bases, burden_before, replay_bills
from syncsettle.domain.actuarial.vectorised import TermCache, Terms, pay_matrix, supports
from syncsettle.domain.rules.product import Product, ProductVersion
from syncsettle.services.computing.replay_claims import COMPONENTS, Claims, Ints, Progress
from syncsettle.services.errors import Code, ServiceError


@dataclass(frozen=True)
class Payouts:
    """What the candidate would have paid on each claim (fen): in total and per responsibility
    (columns in the order of the version in force; zero-padded where versions differ)."""

    payable: Ints
    per_resp: Ints

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Payouts)
            and np.array_equal(self.payable, other.payable)
            and np.array_equal(self.per_resp, other.per_resp)
        )

    __hash__ = None  # type: ignore[assignment]


def per_bill(candidate: Product, claims: Claims) -> Payouts:
    """Each claim through the engine's adjudication, in order."""
    results = list(replay_bills(candidate, (claims.basis(k) for k in range(claims.n))))
    width = max((len(r) for _, r in results), default=0)
    per_resp = np.zeros((len(results), width), dtype=np.int64)
    for k, (_, row) in enumerate(results):
        per_resp[k, : len(row)] = row
    return Payouts(np.array([pay for pay, _ in results], dtype=np.int64), per_resp)


def single_version(candidate: Product, claims: Claims) -> ProductVersion:
    """The one version of the candidate in force on every claim's day (the vectorised path's condition)."""
    days = np.unique(claims.day).tolist()
    versions = {id(v): v for d in days if (v := candidate.version_on(date.fromordinal(d))) is not None}
    if len(versions) != 1:
        raise ServiceError(Code.RULES, "向量化测算要求区间内只有一个产品版本生效", "candidate")
    version = next(iter(versions.values()))
    if not supports(version):
        raise ServiceError(Code.RULES, "向量化测算要求各责任覆盖的费用成分互不重叠", "candidate")
    return version


def _situations(claims: Claims, covered: Ints) -> tuple[Ints, Ints]:
    """(distinct situation of each covered claim, the covered claim that first shows each situation)."""
    columns = [claims.coverage.codes, claims.insutype.codes, claims.status.codes, claims.med_type.codes,
               claims.day - int(claims.day.min(initial=0)), claims.diagnoses.codes]  # fmt: skip
    key = np.zeros(len(covered), dtype=np.int64)
    for col in columns:
        size = int(col.max(initial=0)) + 1
        key = key * size + col[covered]  # mixed radix: sizes are small, the product fits in 63 bits
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.astype(np.int64), covered[first]


def vectorised(candidate: Product, claims: Claims, progress: Progress) -> Payouts:
    """The same figures with the deductibles and caps computed with NumPy over every claim at once."""
    if claims.n == 0:
        return Payouts(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.int64))
    version = single_version(candidate, claims)
    n, r = claims.n, len(version.responsibilities)
    covered = np.flatnonzero(claims.coverage.codes >= 0)
    situation, examples = _situations(claims, covered)
    cache = TermCache(version)
    u = len(examples)
    eligible_u = np.zeros(u, dtype=np.bool_)
    num_u, den_u, ded_u = np.zeros((u, r), dtype=np.int64), np.ones((u, r), dtype=np.int64), np.zeros((u, r), np.int64)
    covers_u = np.zeros((u, r), dtype=np.bool_)
    for s, k in enumerate(examples.tolist()):
        cov = claims.coverage.values[claims.coverage.codes[k]]
        eligible_u[s], terms = cache.get(
            cov, claims.insutype.values[claims.insutype.codes[k]], claims.status.values[claims.status.codes[k]],
            claims.med_type.values[claims.med_type.codes[k]], date.fromordinal(int(claims.day[k])),
            claims.diagnoses.values[claims.diagnoses.codes[k]],
        )  # fmt: skip
        for j, (nu, de, dd, covers) in enumerate(terms):
            num_u[s, j], den_u[s, j], ded_u[s, j], covers_u[s, j] = nu, de, dd, covers
    progress(0.7)
    num, den, ded = np.zeros((n, r), dtype=np.int64), np.ones((n, r), dtype=np.int64), np.zeros((n, r), np.int64)
    live = np.zeros((n, r), dtype=np.bool_)
    num[covered], den[covered], ded[covered] = num_u[situation], den_u[situation], ded_u[situation]
    live[covered] = covers_u[situation] & eligible_u[situation][:, None]
    mask = np.array([[name in resp.covers for resp in version.responsibilities] for name in COMPONENTS], np.int64)
    base = np.where(live, claims.components @ mask, 0)
    for k in np.flatnonzero(~claims.plain & live.any(axis=1)).tolist():
        row = bases(version, burden_before(claims.basis(k))[0])
        base[k] = np.where(live[k], row, 0)
    progress(0.8)
    pay = pay_matrix(version, claims.person_years(), Terms(base, num, den, ded))
    progress(0.9)
    return Payouts(pay.sum(axis=1), pay)
