"""What-if replay, vectorised: the year-to-date deductible and caps of a product over many claims
at once with NumPy, for the million-settlement figure; agrees with :mod:`replay` to the fen.

Within one person and year, in settlement order, with ``S`` the running sum of a responsibility's
bases and ``D`` its deductible, the deductible used after each claim is ``min(D, S)``, so the part
applied is ``min(D, S) − min(D, S − base)``. With ``C`` the running sum of what the ratio gives,
what has been paid under a cap is ``min(cap, C)``: a cap that binds keeps binding, and every
later payment under it is 0. Shared caps and the per-person cap are the same cumulative minimum
over their members in (claim, responsibility) order. This holds when the responsibilities of the
product cover disjoint components (then no responsibility's base depends on another's payment,
and the patient's remaining burden never binds); :func:`supports` says whether a product qualifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from syncsettle.domain.rules.product import ProductVersion
from syncsettle.domain.settlement.commercial import _covers_care, _eligibility, resolve_deductible, resolve_ratio
from syncsettle.domain.settlement.model import Bill, Coverage, Person

Ints = npt.NDArray[np.int64]


def supports(version: ProductVersion) -> bool:
    """Whether the vectorised path is exact for this version: covers pairwise disjoint."""
    seen: set[str] = set()
    for resp in version.responsibilities:
        if seen & set(resp.covers):
            return False
        seen |= set(resp.covers)
    return True


@dataclass(frozen=True, slots=True)
class Terms:
    """Per claim (rows) and responsibility (columns): base (0 when the claim is not eligible or the
    responsibility does not cover its care), ratio as numerator/denominator, annual deductible."""

    base: Ints
    num: Ints
    den: Ints
    deductible: Ints


ClaimTerms = tuple[bool, tuple[tuple[int, int, int, bool], ...]]


class TermCache:
    """(eligible, per responsibility (ratio numerator, denominator, deductible, covers this care)) of
    a claim, by the engine's own rules; memoised, since few distinct combinations occur."""

    def __init__(self, version: ProductVersion) -> None:
        self.version = version
        self._seen: dict[tuple[object, ...], ClaimTerms] = {}

    def get(
        self, cov: Coverage, insutype: str, status: str, med_type: str, day: date, diagnoses: tuple[str, ...]
    ) -> ClaimTerms:
        key = (cov, insutype, status, med_type, day, diagnoses)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._compute(cov, insutype, status, med_type, day, diagnoses)
        return found

    def _compute(
        self, cov: Coverage, insutype: str, status: str, med_type: str, day: date, diagnoses: tuple[str, ...]
    ) -> ClaimTerms:
        bill = Bill(med_type, "", "", (), diagnoses)
        eligible = _eligibility(self.version, cov, bill, day) is None
        person = Person("", insutype, "", "")
        terms = []
        for resp in self.version.responsibilities:
            ratio = resolve_ratio(resp.ratio, cov, status)
            deductible = resolve_deductible(resp, person, cov)
            terms.append((ratio.numerator, ratio.denominator, deductible, _covers_care(resp, med_type)))
        return eligible, tuple(terms)


def grouped_cumsum(x: Ints, firsts: Ints) -> Ints:
    """Running sum of ``x`` restarting at each index in ``firsts`` (sorted, starting with 0)."""
    cs = np.cumsum(x)
    before = np.concatenate(([0], cs))[firsts]
    lengths = np.diff(np.concatenate((firsts, [len(x)])))
    result: Ints = cs - np.repeat(before, lengths)
    return result


def _cap(amounts: Ints, firsts: Ints, cap: int) -> Ints:
    total = grouped_cumsum(amounts, firsts)
    capped = np.minimum(cap, total)
    result: Ints = capped - np.minimum(cap, total - amounts)
    return result


def pay_matrix(version: ProductVersion, firsts: Ints, terms: Terms) -> Ints:
    """What each responsibility pays on each claim (fen); ``firsts`` = first claim of each person-year."""
    n, r = terms.base.shape
    pay = np.zeros((n, r), dtype=np.int64)
    for j, resp in enumerate(version.responsibilities):
        base = terms.base[:, j]
        ded = terms.deductible[:, j]
        running = grouped_cumsum(base, firsts)
        applied = np.minimum(ded, running) - np.minimum(ded, running - base)
        num, den = terms.num[:, j], terms.den[:, j]
        computed = (2 * (base - applied) * num + den) // (2 * den)  # half-up, every term ≥ 0
        pay[:, j] = _cap(computed, firsts, resp.cap)
    ids = [resp.id for resp in version.responsibilities]
    for shared in version.shared_caps:
        pay = _flat_cap(pay, firsts, [ids.index(m) for m in shared.responsibilities], shared.cap)
    if version.person_cap is not None:
        pay = _flat_cap(pay, firsts, list(range(r)), version.person_cap)
    return pay


def _flat_cap(pay: Ints, firsts: Ints, columns: Sequence[int], cap: int) -> Ints:
    """A cap over several responsibilities: their payments in (claim, responsibility) order."""
    cols = sorted(columns)
    block = pay[:, cols]
    flat = block.reshape(-1)
    flat_firsts = firsts * len(cols)
    capped = _cap(flat, flat_firsts, cap).reshape(block.shape)
    out = pay.copy()
    out[:, cols] = capped
    return out
